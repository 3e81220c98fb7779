"""All of a process's open /ws connections re-checked at once: the same verdicts as one by
one, in two queries however many connections."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from rest_framework_simplejwt.tokens import AccessToken

from accounts.ws_auth import AccessClaim, refusals

pytestmark = pytest.mark.django_db


def _session_of(user) -> str:
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return session.session_key


def test_each_connection_gets_its_own_verdict_in_two_queries(alice, bob, admin, django_assert_num_queries):
    alice_session, bob_session, admin_session = _session_of(alice), _session_of(bob), _session_of(admin)
    alice_token, bob_token = str(AccessToken.for_user(alice)), str(AccessToken.for_user(bob))
    expired = AccessToken.for_user(alice)
    expired.set_exp(lifetime=-timedelta(seconds=1))
    SessionStore(admin_session).delete()  # logged out elsewhere
    bob.set_password("bob-new-pass-5678")  # both his session and his token stand on the old one
    bob.save()
    claims = [
        AccessClaim(alice.pk, session_key=alice_session),
        AccessClaim(alice.pk, access_token=alice_token),
        AccessClaim(bob.pk, session_key=bob_session),
        AccessClaim(bob.pk, access_token=bob_token),
        AccessClaim(admin.pk, session_key=admin_session),
        AccessClaim(alice.pk, access_token=str(expired)),
        AccessClaim(alice.pk, access_token="not-a-token"),
    ] * 50

    with django_assert_num_queries(2):
        verdicts = refusals(claims)

    assert verdicts[:7] == [
        None,
        None,
        "password changed",
        "token revoked",
        "logged out",
        "token expired",
        "not a valid access token",
    ]
    assert verdicts == verdicts[:7] * 50


def test_a_deactivated_user_loses_every_kind_of_connection(alice):
    session, token = _session_of(alice), str(AccessToken.for_user(alice))
    alice.is_active = False
    alice.save()

    assert refusals([AccessClaim(alice.pk, session_key=session), AccessClaim(alice.pk, access_token=token)]) == [
        "account deactivated",
        "token revoked",
    ]
