"""Alert emails go only to an address its user proved is theirs: rules refuse email, and
deliveries skip it, until then, saying why. The proof is a signed, time-limited link."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.core.mail import EmailMessage

from accounts import email_verification
from accounts.models import AlertEvent
from accounts.tasks import deliver_alert
from accounts.tests.alerting import make_rule, opportunity

pytestmark = pytest.mark.django_db

UNVERIFIED = (
    "your email address is not verified yet: open the link in the verification email, or send a new one from Settings"
)
RULE = {"name": "gaps", "min_net_spread_pct": "0.2", "notify_email": True}


@pytest.fixture
def carol(django_user_model):
    """A user whose address is not verified."""
    return django_user_model.objects.create_user("carol", "carol@example.com", "carol-pass-1234")


def link_in(email: EmailMessage) -> str:
    [link] = re.findall(r"http://testserver(/accounts/verify-email/\S+/)", email.body)
    return link


def test_a_rule_cannot_ask_for_email_to_an_unverified_address(api_client, carol):
    api_client.force_authenticate(carol)
    response = api_client.post("/api/alerts/rules", RULE, format="json")
    assert response.status_code == 400
    assert response.json() == {"notify_email": [UNVERIFIED]}
    assert api_client.post("/api/alerts/rules", {**RULE, "notify_email": False}, format="json").status_code == 201


def test_the_rule_form_says_so_too(client, carol):
    client.force_login(carol)
    page = client.post("/accounts/alerts/", {**RULE, "notify_email": "on"})
    assert page.status_code == 400
    assert "not verified yet" in page.content.decode()


def test_alert_emails_to_an_unverified_address_are_skipped_with_the_reason(carol):
    rule = make_rule(carol, notify_email=True)  # made before the address changed, say

    assert deliver_alert(rule.id, opportunity()) == {"in_app": "sent", "email": "skipped"}

    assert AlertEvent.objects.get(rule=rule, channel="email").error == UNVERIFIED
    assert not mail.outbox


def test_a_test_email_is_refused_with_the_reason(api_client, carol):
    rule = make_rule(carol, notify_email=True)
    api_client.force_authenticate(carol)
    response = api_client.post(f"/api/alerts/rules/{rule.id}/test", {"channel": "email"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"channel": [UNVERIFIED]}


def test_after_verifying_alert_emails_go_out(client, carol):
    client.force_login(carol)
    assert client.post("/accounts/verify-email/").status_code == 302  # "send the link" on Settings
    assert client.get(link_in(mail.outbox[0])).status_code == 200
    rule = make_rule(carol, notify_email=True)
    assert deliver_alert(rule.id, opportunity())["email"] == "sent"
    assert mail.outbox[-1].to == ["carol@example.com"]


def test_changing_the_address_unverifies_it(alice):
    assert alice.email_verified
    alice.email = "alice@elsewhere.example"
    alice.save()
    assert not alice.email_verified


def test_a_link_sent_to_a_former_address_verifies_nothing(client, carol):
    token = email_verification.token_for(carol)
    carol.email = "carol@new.example"
    carol.save()
    page = client.get(f"/accounts/verify-email/{token}/")
    assert page.status_code == 400
    assert "no longer has" in page.content.decode()
    carol.refresh_from_db()
    assert not carol.email_verified and carol.verified_email == ""


def test_an_expired_or_forged_link_verifies_nothing(client, carol, settings):
    settings.EMAIL_VERIFICATION_MAX_AGE_S = -1
    expired = client.get(f"/accounts/verify-email/{email_verification.token_for(carol)}/")
    assert expired.status_code == 400 and "expired" in expired.content.decode()
    settings.EMAIL_VERIFICATION_MAX_AGE_S = 3600
    forged = signing.dumps(
        {"user": carol.pk, "email": carol.email}, key="not-the-secret-key", salt=email_verification.SALT
    )
    assert client.get(f"/accounts/verify-email/{forged}/").status_code == 400
    carol.refresh_from_db()
    assert not carol.email_verified


def test_verification_emails_are_limited_per_recipient(client, carol, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "account_email": "2/min"},
    }
    client.force_login(carol)
    for address in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        client.post("/accounts/verify-email/", REMOTE_ADDR=address)
    assert len(mail.outbox) == 2
    assert "Too many emails" in client.get("/accounts/settings/").content.decode()


def test_settings_show_whether_the_address_is_verified(client, alice, carol):
    client.force_login(carol)
    assert "not verified" in client.get("/accounts/settings/").content.decode()
    client.force_login(alice)
    assert "alice@example.com (verified)" in client.get("/accounts/settings/").content.decode()


def test_an_admin_can_mark_addresses_verified(client, admin, carol):
    client.force_login(admin)
    response = client.post(
        "/admin/accounts/user/", {"action": "mark_email_verified", "_selected_action": [carol.pk]}, follow=True
    )
    assert response.status_code == 200
    carol.refresh_from_db()
    assert carol.email_verified
