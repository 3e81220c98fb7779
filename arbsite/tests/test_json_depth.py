"""JSON bodies nested too deeply are refused with a 400 before they are parsed (Python's parser
would run out of stack on them: an error page, for anyone, without logging in)."""

from __future__ import annotations

import pytest

from arbsite.parsers import MAX_JSON_DEPTH
from lib.json_depth import exceeds_depth

TOO_DEEP = "[" * 1500 + "]" * 1500
DEPTH_ERROR = f"JSON parse error - arrays and objects nest deeper than {MAX_JSON_DEPTH} levels"


@pytest.mark.django_db
@pytest.mark.parametrize("body", [TOO_DEEP, "[" * 1500, '{"a":' * 1500 + "1" + "}" * 1500])
def test_a_deeply_nested_body_is_a_400_for_an_anonymous_caller(api_client, body):
    response = api_client.post("/api/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": DEPTH_ERROR}


@pytest.mark.django_db
def test_a_deeply_nested_body_is_a_400_for_a_user_too(api_client, alice):
    api_client.force_authenticate(alice)
    body = '{"name": "x", "min_net_spread_pct": "1", "instruments": ' + TOO_DEEP + "}"
    response = api_client.post("/api/alerts/rules", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": DEPTH_ERROR}


@pytest.mark.django_db
def test_bodies_within_the_limit_are_parsed_as_before(api_client, alice):
    nested = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    response = api_client.post("/api/token/", nested, content_type="application/json")
    assert response.status_code == 400
    assert "nest deeper" not in response.content.decode()
    credentials = '{"username": "alice", "password": "alice-pass-1234"}'
    assert api_client.post("/api/token/", credentials, content_type="application/json").status_code == 200
    broken = api_client.post("/api/token/", '{"username": ', content_type="application/json")
    assert broken.status_code == 400
    assert broken.json()["detail"].startswith("JSON parse error - ")


@pytest.mark.parametrize(
    ("text", "depth"),
    [
        ("1", 0),
        ("[]", 1),
        ('{"a": [1, {"b": []}]}', 4),
        ('["[[[[", "]"]', 1),  # brackets in strings do not count
        (r'["\"[[[[", {}]', 2),  # nor after an escaped quote
        (r'["\\", [[]]]', 3),  # an escaped backslash ends before the quote
    ],
)
def test_depth_counts_arrays_and_objects_outside_strings(text, depth):
    assert not exceeds_depth(text, depth)
    assert exceeds_depth(text, depth - 1) == (depth > 0)
