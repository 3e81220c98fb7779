"""schemathesis against Arbsite's own OpenAPI schema: generated requests, positive and
negative, to every operation; no server error, and every answer as the schema documents it.

Bounded for CI: ARBSITE_FUZZ_EXAMPLES examples per operation (default 25), about a minute on
two cores. Set it higher for a longer hunt.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework_simplejwt.tokens import AccessToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import AlertEvent, AlertRule, WatchedInstrument
from arbitrage.tests.api_market import fund_market, hours_ago, record_life
from arbsite.wsgi import application
from feeds.models import Instrument

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

MAX_EXAMPLES = int(os.environ.get("ARBSITE_FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _own_schema():
    """The schema /api/schema/ serves, generated in-process; calls go to the WSGI app."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(generated)))
    loaded.app = application
    loaded.config.generation.update(max_examples=MAX_EXAMPLES)
    return loaded


schema = _own_schema()


@pytest.fixture(autouse=True)
def _fuzz_world(admin, alice, settings, monkeypatch):
    # Generous rates: the fuzzer is one client making hundreds of calls (throttling has its own tests).
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min", "login": "100000/min"},
    }
    # Webhook hosts the fuzzer invents are checked without asking DNS.
    monkeypatch.setattr("accounts.webhooks.resolve_host", lambda host, port: ["93.184.215.14"])
    fund_market()  # listed, quoted, funded: opportunities carry a funding leg
    record_life("binance", "bybit", hours_ago(1))
    rule = AlertRule.objects.create(user=admin, name="seeded", min_net_spread_pct="0.5")
    watched = WatchedInstrument.objects.create(user=admin, instrument="BTC/USDT:USDT")
    event = AlertEvent.objects.create(
        user=admin, rule=rule, opportunity_id="0" * 32, channel="in_app", outcome="sent", idempotency_key="seed"
    )
    # Requests go through Django's real WSGI handler, which closes the database connection at
    # each request's start and end; that would end the test's transaction. Django's test client
    # suspends the same two receivers.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield {
        "rule_id": rule.pk,
        "watched_id": watched.pk,
        "event_id": event.pk,
        "instrument_id": Instrument.objects.order_by("pk").first().pk,
        "exchange_id": "bybit",
    }
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck), max_examples=MAX_EXAMPLES)
def test_api_conforms_to_its_schema(case, admin, _fuzz_world):
    headers = {"Authorization": f"Bearer {AccessToken.for_user(admin)}"}
    case.call_and_validate(headers=headers, checks=CHECKS)
    # Generated ids name nothing; the same request on rows that exist reaches the code behind the 404.
    if seeded := {name: _fuzz_world[name] for name in (case.path_parameters or {}) if name in _fuzz_world}:
        case.path_parameters = {**case.path_parameters, **seeded}
        case.call_and_validate(headers=headers, checks=CHECKS)
