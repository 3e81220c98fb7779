"""Alert webhooks reach public http(s) addresses only."""

from __future__ import annotations

import pytest

from accounts.webhooks import WebhookURLError, validate_webhook_url


def resolver(*addresses: str):
    return lambda host, port: list(addresses)


@pytest.mark.parametrize(
    "url",
    ["https://hooks.example.com/arbsite", "http://hooks.example.com:8080/x?y=1"],
)
def test_public_http_and_https_urls_pass(url):
    assert validate_webhook_url(url, resolver("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c")) == url


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("192.168.0.10", "private"),
        ("169.254.169.254", "link-local"),  # cloud metadata
        ("fe80::1", "link-local"),
        ("::ffff:127.0.0.1", "loopback"),
        ("0.0.0.0", "reserved"),
        ("240.0.0.1", "reserved"),
    ],
)
def test_addresses_that_are_not_public_are_refused(address, reason):
    with pytest.raises(WebhookURLError, match=reason):
        validate_webhook_url("https://hooks.example.com/x", resolver("93.184.215.14", address))


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://hooks.example.com/x", "only http"),
        ("file:///etc/passwd", "only http"),
        ("https://user:secret@hooks.example.com/", "credentials"),
        ("https:///nohost", "no host"),
        ("http://[::1/", "not a valid URL"),
    ],
)
def test_malformed_urls_are_refused(url, message):
    with pytest.raises(WebhookURLError, match=message):
        validate_webhook_url(url, resolver("93.184.215.14"))


def test_ip_literals_are_checked_without_dns():
    with pytest.raises(WebhookURLError, match="private"):
        validate_webhook_url("http://10.0.0.1/hook")
    assert validate_webhook_url("https://93.184.215.14/hook") == "https://93.184.215.14/hook"


def test_a_name_that_does_not_resolve_is_refused():
    with pytest.raises(WebhookURLError, match="does not resolve"):
        validate_webhook_url("https://no-such-host.invalid/hook")


def test_private_addresses_may_be_allowed_for_a_lab(settings):
    settings.ALERTS_ALLOW_PRIVATE_WEBHOOKS = True
    assert validate_webhook_url("http://127.0.0.1:9000/hook") == "http://127.0.0.1:9000/hook"
    with pytest.raises(WebhookURLError):
        validate_webhook_url("gopher://127.0.0.1/")


def test_the_private_address_refusal_names_the_setting_that_allows_it():
    """A bot on the same machine is a common first receiver: the message says how to allow it."""
    with pytest.raises(WebhookURLError) as refused:
        validate_webhook_url("http://127.0.0.1:9000/hook")
    assert "a loopback address" in str(refused.value)
    assert "ARBSITE_ALERTS_ALLOW_PRIVATE_WEBHOOKS=1" in str(refused.value)
