"""Sign-up: closed unless ARBSITE_SIGNUP opens it, rate-limited per client address, and the new
address verified by a signed link before alert emails go to it."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

pytestmark = pytest.mark.django_db

FORM = {"username": "carol", "email": "carol@example.com", "password1": "a-long-pass-7", "password2": "a-long-pass-7"}


@pytest.fixture
def signup_open(settings):
    settings.SIGNUP_OPEN = True
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "signup": "2/hour"},
    }


def test_closed_sign_up_creates_no_account_and_says_whom_to_ask(client, settings):
    settings.SIGNUP_OPEN = False
    page = client.get("/accounts/signup/")
    assert page.status_code == 403
    assert "ask one for an account" in page.content.decode()
    assert client.post("/accounts/signup/", FORM).status_code == 403
    assert not get_user_model().objects.filter(username="carol").exists()
    login_page = client.get("/accounts/login/").content.decode()
    assert "/accounts/signup/" not in login_page and "Ask an administrator" in login_page


def test_open_sign_up_is_limited_per_client_address(client, signup_open):
    assert client.post("/accounts/signup/", {**FORM, "password2": "typo"}).status_code == 200  # counted too
    assert client.post("/accounts/signup/", FORM).status_code == 302
    client.logout()
    refused = client.post("/accounts/signup/", {**FORM, "username": "dave", "email": "dave@example.com"})
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert not get_user_model().objects.filter(username="dave").exists()
    other = client.post(
        "/accounts/signup/", {**FORM, "username": "dave", "email": "dave@example.com"}, REMOTE_ADDR="10.0.0.8"
    )
    assert other.status_code == 302


def verification_link(email) -> str:
    [link] = re.findall(r"http://testserver(/accounts/verify-email/\S+/)", email.body)
    return link


def test_a_new_address_is_verified_by_the_emailed_link(client, signup_open):
    client.post("/accounts/signup/", FORM)
    carol = get_user_model().objects.get(username="carol")
    assert not carol.email_verified
    [email] = mail.outbox
    assert email.to == ["carol@example.com"]

    client.logout()  # the link is the proof: no session needed
    page = client.get(verification_link(email))

    assert page.status_code == 200
    assert "carol@example.com is verified" in page.content.decode()
    carol.refresh_from_db()
    assert carol.email_verified
