"""Password reset by emailed link: only where mail really leaves the machine (a console backend
would print the link into the log), and rate-limited per client address and per recipient."""

from __future__ import annotations

import pytest
from django.core import mail

pytestmark = pytest.mark.django_db


@pytest.fixture
def mail_delivered(settings):
    settings.PASSWORD_RESET_BY_EMAIL = True
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "account_email": "2/min"},
    }


def ask_reset(client, email: str, address: str = "127.0.0.1"):
    return client.post("/accounts/password_reset/", {"email": email}, REMOTE_ADDR=address)


def test_without_mail_delivery_no_reset_link_is_made(client, alice, settings):
    settings.PASSWORD_RESET_BY_EMAIL = False
    page = client.get("/accounts/password_reset/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Ask an administrator" in text and "manage.py changepassword" in text
    assert 'name="email"' not in text

    response = ask_reset(client, "alice@example.com")

    assert response.status_code == 403
    assert not mail.outbox


def test_the_login_page_offers_reset_only_with_mail_delivery(client, settings):
    settings.PASSWORD_RESET_BY_EMAIL = False
    assert "Forgot your password?" not in client.get("/accounts/login/").content.decode()
    settings.PASSWORD_RESET_BY_EMAIL = True
    assert "Forgot your password?" in client.get("/accounts/login/").content.decode()


def test_with_mail_delivery_the_link_is_emailed(client, alice, mail_delivered):
    assert 'name="email"' in client.get("/accounts/password_reset/").content.decode()
    response = ask_reset(client, "alice@example.com")
    assert response.status_code == 302
    [email] = mail.outbox
    assert email.to == ["alice@example.com"]
    assert "/accounts/reset/" in email.body


def test_requests_are_limited_per_client_address(client, alice, bob, mail_delivered):
    assert ask_reset(client, "alice@example.com").status_code == 302
    assert ask_reset(client, "bob@example.com").status_code == 302
    refused = ask_reset(client, "nobody@example.com")
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert len(mail.outbox) == 2


def test_requests_are_limited_per_recipient_whatever_the_address(client, alice, bob, mail_delivered):
    assert ask_reset(client, "alice@example.com", "10.0.0.1").status_code == 302
    assert ask_reset(client, "ALICE@example.com ", "10.0.0.2").status_code == 302
    assert ask_reset(client, "alice@example.com", "10.0.0.3").status_code == 429
    assert ask_reset(client, "bob@example.com", "10.0.0.3").status_code == 302
    assert [email.to for email in mail.outbox] == [["alice@example.com"]] * 2 + [["bob@example.com"]]
