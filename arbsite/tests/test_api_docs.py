"""The API documents itself: OpenAPI 3 at /api/schema/, Swagger UI and ReDoc served offline,
and DRF's browsable API."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db

SEED_PATHS = [
    "/api/prices",
    "/api/prices/{symbol}",
    "/api/best-prices/{symbol}",
    "/api/summary",
    "/api/arbitrage",
    "/api/arbitrage/{symbol}",
    "/api/spread/{symbol}/{exchange1}/{exchange2}",
]


def test_the_schema_is_openapi_3_with_every_endpoint(api_client, alice):
    api_client.force_authenticate(user=alice)
    schema = api_client.get("/api/schema/?format=json").json()
    assert schema["openapi"].startswith("3.")
    for path in [*SEED_PATHS, "/api/token/", "/api/token/refresh/", "/api/token/blacklist/", "/api/alerts/rules"]:
        assert path in schema["paths"], path
    assert set(schema["components"]["securitySchemes"]) == {"jwtAuth", "cookieAuth"}
    # The quote and opportunity shapes come from the one msgspec definition /ws uses.
    assert "ts_ms" in schema["components"]["schemas"]["QuoteMessage"]["properties"]


@pytest.mark.parametrize("page", ["/api/docs/", "/api/redoc/"])
def test_the_docs_pages_load_their_scripts_from_arbsite_itself(client, alice, page):
    client.force_login(alice)
    html = client.get(page).content.decode()
    scripts = re.findall(r'src="([^"]+)"', html)
    assert scripts
    assert all(src.startswith("/static/") for src in scripts), scripts
    for src in scripts:
        assert client.get(src).status_code == 200, src


def test_the_docs_need_a_login(client):
    assert client.get("/api/docs/").status_code in (401, 403)


def test_the_browsable_api_renders_for_a_logged_in_browser(client, alice):
    client.force_login(alice)
    response = client.get("/api/prices", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert "Django REST framework" in response.content.decode()
    assert client.get("/api/auth/login/").status_code == 200


def test_unknown_api_paths_answer_json(api_client, alice):
    api_client.force_authenticate(user=alice)
    response = api_client.get("/api/nothing/here")
    assert response.status_code == 404
    assert response.json()["detail"].startswith("No API endpoint")
