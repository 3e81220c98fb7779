"""The AsyncAPI document of /ws holds what the server really sends: every message of a real
/ws session (snapshot, updates, subscribe, errors, a paper execution, an in-app alert) and an
instance of every message struct with its optional parts filled validates against the
document's own JSON schemas; and the document is an AsyncAPI 3.0 structure, as far as that can
be checked offline (the required objects and fields, the references, the message subsets of
each operation, and every payload schema a valid JSON Schema).

The structural schema below is written from the AsyncAPI 3.0.0 specification's object tables,
for the objects this document uses; it is not the official one, which a test cannot fetch."""

from __future__ import annotations

import json
import typing
from decimal import Decimal, InvalidOperation

import jsonschema
import msgspec
import pytest
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from accounts.alerts.messages import ALERT_EVENT, Alert, AlertMessage, Kind, sample_opportunity
from accounts.user_connections import user_group
from arbitrage.engine import Engine
from arbitrage.messages import (
    ArbitrageOpportunities,
    Auth,
    ClientMessage,
    Error,
    Execute,
    Execution,
    ExecutionFill,
    OpportunityClosed,
    OpportunityClosedMessage,
    OpportunityDepth,
    PriceUpdate,
    QuoteMessage,
    ServerMessage,
    Snapshot,
    Subscribe,
    Subscribed,
    Unsubscribe,
    opportunity_message,
)
from arbitrage.tests.factories import make_quote
from arbitrage.tests.test_rule_matching import FEES, T0, funding_records, opportunity
from arbitrage.tracker import Closed
from arbsite.asgi import application
from arbsite.asyncapi import asyncapi_document
from paper.execution import set_balance
from paper.tests import conftest as paper_fixtures

pytestmark = pytest.mark.django_db(transaction=True)

market = paper_fixtures.market  # ETH/USDT:USDT quoted on binance and bybit, for an execution
HEADERS = [(b"host", b"localhost:8000"), (b"origin", b"http://localhost:8000")]
SERVER_TYPES = {struct.__struct_config__.tag for struct in (*typing.get_args(ServerMessage), AlertMessage)}

# --- the document as an AsyncAPI 3.0 structure ----------------------------------------------
NAME = "^[a-zA-Z0-9\\.\\-_]+$"  # the keys of components and of channel / operation maps
REF = {"type": "object", "required": ["$ref"], "properties": {"$ref": {"type": "string", "format": "uri-reference"}}}
EXTENSIONS = {"^x-[\\w\\d\\.\\x2d_]+$": {}}


def _object(required: list[str], properties: dict) -> dict:
    """An AsyncAPI object: its fixed fields only, plus specification extensions (x-...)."""
    return {
        "type": "object",
        "required": required,
        "properties": properties,
        "patternProperties": EXTENSIONS,
        "additionalProperties": False,
    }


def _map(of: dict) -> dict:
    return {"type": "object", "propertyNames": {"pattern": NAME}, "additionalProperties": of}


TEXT = {"type": "string"}
SECURITY_SCHEME = {
    "type": "object",
    "required": ["type"],
    "properties": {
        "type": {
            "enum": [
                "userPassword",
                "apiKey",
                "X509",
                "symmetricEncryption",
                "asymmetricEncryption",
                "httpApiKey",
                "http",
                "oauth2",
                "openIdConnect",
                "plain",
                "scramSha256",
                "scramSha512",
                "gssapi",
            ]
        },
        "description": TEXT,
    },
    # httpApiKey names its field and where it travels.
    "if": {"properties": {"type": {"const": "httpApiKey"}}},
    "then": {"required": ["name", "in"], "properties": {"name": TEXT, "in": {"enum": ["query", "header", "cookie"]}}},
}
MESSAGE = _object(
    [],
    {
        "headers": {"type": "object"},
        "payload": {"type": "object"},
        "correlationId": {"type": "object"},
        "contentType": TEXT,
        "name": TEXT,
        "title": TEXT,
        "summary": TEXT,
        "description": TEXT,
        "tags": {"type": "array"},
        "externalDocs": {"type": "object"},
        "bindings": {"type": "object"},
        "examples": {"type": "array"},
        "traits": {"type": "array"},
    },
)
ASYNCAPI_3_0 = _object(
    ["asyncapi", "info"],
    {
        "asyncapi": {"type": "string", "pattern": "^3\\.0\\.\\d+$"},
        "id": {"type": "string", "format": "uri"},
        "info": _object(
            ["title", "version"],
            {
                "title": TEXT,
                "version": TEXT,
                "description": TEXT,
                "termsOfService": TEXT,
                "contact": {"type": "object"},
                "license": {"type": "object"},
                "tags": {"type": "array"},
                "externalDocs": {"type": "object"},
            },
        ),
        "servers": _map(
            _object(
                ["host", "protocol"],
                {
                    "host": TEXT,
                    "protocol": TEXT,
                    "protocolVersion": TEXT,
                    "pathname": {"type": "string", "pattern": "^/"},
                    "description": TEXT,
                    "title": TEXT,
                    "summary": TEXT,
                    "variables": {"type": "object"},
                    "security": {"type": "array", "items": {"anyOf": [REF, SECURITY_SCHEME]}},
                    "tags": {"type": "array"},
                    "externalDocs": {"type": "object"},
                    "bindings": {"type": "object"},
                },
            )
        ),
        "defaultContentType": TEXT,
        "channels": _map(
            _object(
                [],
                {
                    "address": {"type": ["string", "null"]},
                    "messages": _map({"anyOf": [REF, MESSAGE]}),
                    "title": TEXT,
                    "summary": TEXT,
                    "description": TEXT,
                    "servers": {"type": "array", "items": REF},
                    "parameters": {"type": "object"},
                    "tags": {"type": "array"},
                    "externalDocs": {"type": "object"},
                    "bindings": {"type": "object"},
                },
            )
        ),
        "operations": _map(
            _object(
                ["action", "channel"],
                {
                    "action": {"enum": ["send", "receive"]},
                    "channel": REF,
                    "title": TEXT,
                    "summary": TEXT,
                    "description": TEXT,
                    "security": {"type": "array"},
                    "tags": {"type": "array"},
                    "externalDocs": {"type": "object"},
                    "bindings": {"type": "object"},
                    "traits": {"type": "array"},
                    "messages": {"type": "array", "items": REF},
                    "reply": {"type": "object"},
                },
            )
        ),
        "components": _object(
            [],
            {
                "schemas": _map({"type": "object"}),
                "messages": _map({"anyOf": [REF, MESSAGE]}),
                "securitySchemes": _map({"anyOf": [REF, SECURITY_SCHEME]}),
                **{
                    name: _map({"type": "object"})
                    for name in (
                        "servers",
                        "channels",
                        "operations",
                        "serverVariables",
                        "parameters",
                        "correlationIds",
                        "replies",
                        "replyAddresses",
                        "externalDocs",
                        "tags",
                        "operationTraits",
                        "messageTraits",
                        "serverBindings",
                        "channelBindings",
                        "operationBindings",
                        "messageBindings",
                    )
                },
            },
        ),
    },
)


@pytest.fixture
def document() -> dict:
    """As served (the view's tests check it is this), through JSON as a client reads it."""
    return json.loads(json.dumps(asyncapi_document("localhost:8000", secure=False)))


def _resolve(document: dict, ref: str):
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_the_document_is_an_asyncapi_3_0_structure(document):
    jsonschema.Draft202012Validator(ASYNCAPI_3_0, format_checker=jsonschema.FormatChecker()).validate(document)

    for name, operation in document["operations"].items():
        channel_ref = operation["channel"]["$ref"]
        assert channel_ref.startswith("#/channels/"), name
        channel = _resolve(document, channel_ref)
        # 3.0: an operation's messages are references to messages of its own channel.
        for message in operation["messages"]:
            assert message["$ref"].startswith(channel_ref + "/messages/"), (name, message)
            assert _resolve(document, message["$ref"]) in channel["messages"].values()
    for server in document["servers"].values():
        for scheme in server["security"]:
            assert scheme["$ref"].startswith("#/components/securitySchemes/")
            _resolve(document, scheme["$ref"])
    # Every message's payload resolves to a valid JSON Schema (AsyncAPI's default schema format
    # is a superset of Draft 07; msgspec writes 2020-12): checked against both meta-schemas.
    for message in document["components"]["messages"].values():
        assert message["contentType"] == "application/json"
        _resolve(document, message["payload"]["$ref"])
    for schema in document["components"]["schemas"].values():
        jsonschema.Draft7Validator.check_schema(schema)
        jsonschema.Draft202012Validator.check_schema(schema)


def test_the_structure_check_refuses_a_broken_document(document):
    """The structural schema is not vacuous: each of these breaks it."""
    validator = jsonschema.Draft202012Validator(ASYNCAPI_3_0)
    broken = [
        {**document, "asyncapi": "2.6.0"},
        {k: v for k, v in document.items() if k != "info"},
        {**document, "operations": {"x": {**next(iter(document["operations"].values())), "action": "publish"}}},
        {**document, "servers": {"arbsite": {"host": "h"}}},
        {**document, "channels": {"live": {"address": "/ws", "bogus": 1}}},
    ]
    for case in broken:
        assert not validator.is_valid(case)


# --- messages against the document's schemas ----------------------------------------------
def _decimal(value) -> bool:
    """The document's `format: decimal`: a decimal string, exact as sent."""
    if not isinstance(value, str):
        return True  # format applies to strings only; `type` says the rest
    try:
        return Decimal(value).is_finite()
    except InvalidOperation:
        return False


FORMATS = jsonschema.FormatChecker()
FORMATS.checks("decimal")(_decimal)


def _validator_for(document: dict, name: str) -> jsonschema.Draft202012Validator:
    """The payload schema of the message named `name` ("snapshot"), its refs resolved in the document."""
    [message] = [m for m in document["components"]["messages"].values() if m["name"] == name]
    schema = {"$ref": message["payload"]["$ref"], "components": document["components"]}
    return jsonschema.Draft202012Validator(schema, format_checker=FORMATS)


def _validate(document: dict, text: str) -> str:
    """Validates one sent message; answers its type."""
    message = json.loads(text)
    errors = sorted(_validator_for(document, message["type"]).iter_errors(message), key=str)
    assert not errors, (message["type"], [f"{list(e.absolute_path)}: {e.message}" for e in errors])
    return message["type"]


class Session:
    """A page's /ws connection; every text it receives is kept."""

    def __init__(self, communicator: WebsocketCommunicator) -> None:
        self.communicator = communicator
        self.texts: list[str] = []

    async def next(self, kind: str) -> dict:
        """Receives until a message of `kind`, keeping every one on the way."""
        while True:
            text = await self.communicator.receive_from(timeout=5)
            self.texts.append(text)
            message = json.loads(text)
            if message["type"] == kind:
                return message


@pytest.fixture
def funded(alice, market):
    set_balance(alice, "binance", "USDT", Decimal("10000"))
    set_balance(alice, "bybit", "USDT", Decimal("10000"))
    return alice


async def test_every_message_of_a_real_ws_session_validates(document, funded, login_cookie):
    alice = funded
    layer = get_channel_layer()
    engine = Engine(layer, fanout_interval_ms=100)
    engine.tracker.fees_pct = FEES
    # An open opportunity with its funding leg, in the cache the snapshot is read from.
    engine.on_funding([record for row in funding_records().values() for record in row.values()])
    engine.on_quotes([make_quote("binance", bid="99.9", ask="100", ts_ms=T0)], at_ms=T0)
    engine.on_quotes([make_quote("bybit", bid="101", ask="200", ts_ms=T0)], at_ms=T0)
    await engine.fan_out()

    communicator = WebsocketCommunicator(application, "/ws", headers=[*HEADERS, (b"cookie", await login_cookie(alice))])
    assert (await communicator.connect(timeout=5))[0]
    session = Session(communicator)
    snapshot = await session.next("snapshot")
    assert snapshot["opportunities"] and snapshot["opportunities"][0]["funding"] is not None

    await communicator.send_json_to({"type": "subscribe", "instruments": ["BTC/USDT:USDT"], "opportunities": "all"})
    assert (await session.next("subscribed"))["opportunities"] == "all"
    await session.next("snapshot")
    engine.on_quotes([make_quote("bybit", bid="101.5", ask="200", ts_ms=T0 + 1)], at_ms=T0 + 1)
    await engine.fan_out()
    await session.next("arbitrage_opportunities")  # after its price_update
    engine.on_quotes([make_quote("bybit", bid="99", ask="99.1", ts_ms=T0 + 2)], at_ms=T0 + 2)
    await engine.fan_out()
    await session.next("opportunity_closed")

    await communicator.send_json_to({"type": "nonsense"})
    await session.next("error")
    execute = {
        "type": "execute",
        "buy_exchange": "binance",
        "sell_exchange": "bybit",
        "instrument": "ETH-USDT-USDT",
        "size_base": "0.04",
        "idempotency_key": "asyncapi-1",
    }
    await communicator.send_json_to(execute)
    assert (await session.next("execution"))["filled"] is True
    await communicator.send_json_to({**execute, "size_base": "1000", "idempotency_key": "asyncapi-2"})
    assert (await session.next("error"))["idempotency_key"] == "asyncapi-2"

    alert = Alert(Kind.TEST, 1, "majors", sample_opportunity(T0))
    await layer.group_send(user_group(alice.pk), {"type": ALERT_EVENT, "text": alert.ws_text(T0)})
    await session.next("alert")
    await communicator.disconnect()

    sent = [_validate(document, text) for text in session.texts]
    assert set(sent) == SERVER_TYPES  # every type the document says Arbsite sends was seen


def _struct_instances() -> list[msgspec.Struct]:
    """One of every server message, optional parts filled and empty."""
    quote = QuoteMessage.from_quote(make_quote())
    plain = opportunity_message(opportunity(), {}, T0)
    with_funding = opportunity_message(opportunity(), funding_records(), T0)
    depth = OpportunityDepth(
        size_base=Decimal("0.5"),
        avg_buy_price=Decimal("100.000000000001"),
        avg_sell_price=Decimal("101"),
        buy_slippage_pct=Decimal("0.000001"),
        sell_slippage_pct=Decimal("0"),
        net_spread_pct=Decimal("0.8"),
        profit_quote=Decimal("0.40000001"),
        books_exhausted=True,
    )
    full = msgspec.structs.replace(with_funding, depth=depth)
    closed = OpportunityClosedMessage.from_closed(Closed(opportunity(), T0 + 5_000, "spread"))
    fill = ExecutionFill(
        "binance",
        "ETH/USDT:USDT",
        "buy",
        Decimal("2315.2"),
        Decimal("0.04"),
        Decimal("92.608"),
        Decimal("0.046304"),
        "USDT",
    )
    alert = msgspec.json.decode(Alert(Kind.TEST, 1, "majors", sample_opportunity(T0)).ws_text(T0), type=AlertMessage)
    paused = msgspec.json.decode(Alert(Kind.WEBHOOK_PAUSED, 2, "hook", {}, "5 failures").ws_text(T0), type=AlertMessage)
    return [
        PriceUpdate(seq=1, data=[quote]),
        PriceUpdate(seq=2, data=[]),
        ArbitrageOpportunities(seq=3, data=[plain, with_funding, full]),
        OpportunityClosed(seq=4, data=[closed]),
        Snapshot(seq=5, page=1, pages=2, data=[quote], opportunities=[full]),
        Snapshot(seq=5, page=2, pages=2, data=[], opportunities=[]),
        Subscribed(instruments=[]),
        Subscribed(instruments=["BTC/USDT:USDT"]),
        Subscribed(instruments=["BTC/USDT:USDT"], opportunities="all"),
        Subscribed(instruments=[], opportunities="none"),
        Error(error="unknown message type"),
        Error(error="nothing filled", idempotency_key="k-1"),
        Execution(1, "k-1", True, "binance", "bybit", Decimal("0.04"), T0, [fill]),
        alert,
        paused,
    ]


def test_an_instance_of_every_server_struct_validates(document):
    instances = _struct_instances()
    types = {_validate(document, msgspec.json.encode(instance).decode()) for instance in instances}
    assert types == SERVER_TYPES


def test_every_client_struct_validates_and_a_wrong_message_does_not(document):
    for instance in (
        Subscribe(["BTC/USDT:USDT"]),
        Subscribe(["BTC/USDT:USDT"], opportunities="all"),
        Subscribe([], opportunities="none"),
        Unsubscribe([]),
        Execute("binance", "bybit", "ETH-USDT-USDT", Decimal("0.04"), "k-1"),
        Auth("a.b.c"),
    ):
        _validate(document, msgspec.json.encode(instance).decode())
    assert {s.__struct_config__.tag for s in (*typing.get_args(ClientMessage), Auth)} == {
        "subscribe",
        "unsubscribe",
        "execute",
        "auth",
    }
    # The schemas are strict enough to catch what a careless sender would get wrong.
    quote = json.loads(msgspec.json.encode(PriceUpdate(seq=1, data=[QuoteMessage.from_quote(make_quote())])))
    wrong = [
        {k: v for k, v in quote.items() if k != "seq"},  # no seq
        {**quote, "seq": "1"},  # a string seq
        {**quote, "data": [{**quote["data"][0], "bid": 43250.1}]},  # a float price, not a decimal string
        {**quote, "data": [{**quote["data"][0], "bid": "forty"}]},  # not a decimal
    ]
    validator = _validator_for(document, "price_update")
    for message in wrong:
        assert not validator.is_valid(message), message
    subscribe = _validator_for(document, "subscribe")
    assert not subscribe.is_valid({"type": "subscribe", "instruments": [], "opportunities": "some"})
