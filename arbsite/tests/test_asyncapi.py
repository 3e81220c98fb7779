"""/ws is documented by an AsyncAPI 3.0 document generated from the message structs: every
message type in it, each $ref resolving, and linked from the API docs."""

from __future__ import annotations

import typing

import pytest

from accounts.alerts.messages import AlertMessage
from arbitrage.messages import Auth, ClientMessage, ServerMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(api_client, alice, settings) -> dict:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "arbsite.example"]
    api_client.force_authenticate(user=alice)
    answer = api_client.get("/api/asyncapi.json", HTTP_HOST="arbsite.example")
    assert answer.status_code == 200
    return answer.json()


def _resolve(document: dict, ref: str) -> dict:
    assert ref.startswith("#/"), ref
    node = document
    for part in ref[2:].split("/"):
        node = node[part]
    return node


def _refs(node) -> list[str]:
    if isinstance(node, dict):
        return [node["$ref"]] if "$ref" in node else [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []


def test_every_server_and_client_message_type_is_in_it(document):
    assert document["asyncapi"] == "3.0.0"
    sent = {
        _resolve(document, op["messages"][0]["$ref"])["$ref"]
        for op in document["operations"].values()
        if op["action"] == "send"
    }
    received = {
        _resolve(document, op["messages"][0]["$ref"])["$ref"]
        for op in document["operations"].values()
        if op["action"] == "receive"
    }
    server = {f"#/components/messages/{t.__name__}" for t in (*typing.get_args(ServerMessage), AlertMessage)}
    client = {f"#/components/messages/{t.__name__}" for t in (*typing.get_args(ClientMessage), Auth)}
    assert sent == server
    assert received == client
    names = {message["name"] for message in document["components"]["messages"].values()}
    assert {"price_update", "arbitrage_opportunities", "opportunity_closed", "snapshot", "subscribed", "error"} <= names
    assert {"subscribe", "unsubscribe", "auth", "alert", "execute", "execution"} <= names


def test_each_payload_is_the_structs_own_schema(document):
    schemas = document["components"]["schemas"]
    snapshot = schemas["Snapshot"]
    assert snapshot["properties"]["type"] == {"enum": ["snapshot"]}
    assert set(snapshot["required"]) >= {"type", "seq", "page", "pages", "data", "opportunities"}
    assert snapshot["properties"]["data"]["items"] == {"$ref": "#/components/schemas/QuoteMessage"}
    assert schemas["QuoteMessage"]["properties"]["bid"]["format"] == "decimal"
    for ref in _refs(document):
        _resolve(document, ref)  # every reference lands somewhere


def test_the_server_is_this_host_and_the_channel_is_ws(document):
    [server] = document["servers"].values()
    assert (server["host"], server["protocol"], server["pathname"]) == ("arbsite.example", "ws", "/ws")
    [channel] = document["channels"].values()
    assert channel["address"] == "/ws"


def test_it_is_linked_from_the_api_docs_and_needs_a_login(api_client, alice):
    assert api_client.get("/api/asyncapi.json").status_code == 401
    api_client.force_authenticate(user=alice)
    schema = api_client.get("/api/schema/?format=json").json()
    assert "/api/asyncapi.json" in schema["info"]["description"]
    assert schema["externalDocs"]["url"] == "/api/asyncapi.json"
    assert "/api/asyncapi.json" not in schema["paths"]
    assert api_client.get("/api/").json()["endpoints"]["websocket_messages"] == "/api/asyncapi.json"


def test_the_subscription_a_page_names_in_the_url_is_documented(document):
    from arbitrage.subscriptions import MODES

    query = document["channels"]["live"]["bindings"]["ws"]["query"]
    assert set(query["properties"]) == {"instruments", "opportunities"}
    assert query["properties"]["opportunities"]["enum"] == list(MODES)
