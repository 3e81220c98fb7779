"""The /ws messages as an AsyncAPI 3.0 document, generated from their one definition
(arbitrage/messages.py, and the in-app alert of accounts/alerts/messages.py) with
msgspec.json.schema: what OpenAPI is to the REST API, for bots that hold a socket open.

The document describes Arbsite's side: it *sends* the server messages and *receives* the
client ones.
"""

from __future__ import annotations

import typing

import msgspec
from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.alerts.messages import AlertMessage
from arbitrage.messages import Auth, ClientMessage, ServerMessage
from arbitrage.subscriptions import MODES

ASYNCAPI_VERSION = "3.0.0"
SCHEMA_REF = "#/components/schemas/{name}"
CHANNEL = "live"

SERVER_MESSAGES: tuple[type[msgspec.Struct], ...] = (*typing.get_args(ServerMessage), AlertMessage)
CLIENT_MESSAGES: tuple[type[msgspec.Struct], ...] = (*typing.get_args(ClientMessage), Auth)

DESCRIPTION = """\
Arbsite's live feed. One WebSocket at `/ws` carries quotes, opportunities as they open, change
and close, and the user's in-app alerts. A connection starts with a `snapshot` (in pages) and
then receives deltas whose `seq` grows; a client that sees a gap waits for the next snapshot,
which replaces what it holds. Prices and sizes are decimal strings, exact as the exchange sent
them. A connection that subscribes to nothing receives every quote and every opportunity.
`subscribe` narrows its quotes to some instruments (canonical `BTC/USDT:USDT`, URL-safe
`BTC-USDT-USDT` or an exchange's own symbol, as the REST API accepts), `unsubscribe` takes
some away again; its `opportunities` chooses the opportunities apart from the quotes:
`instruments` (those of the subscribed instruments, the default), `all` (every opportunity of
every instrument, with only the subscribed quotes: what a page wants when every listed
perpetual is watched) or `none`. The snapshot follows the same choice. The same subscription
may be named in the URL, `/ws?instruments=BTC-USDT-USDT,ETH-USDT-USDT&opportunities=all` (as
pages do): it is answered by `subscribed` before the first snapshot, which then holds only
that. `execute` fills a pair
on paper (as `POST /api/paper/executions` does) and is answered on that connection only by an
`execution`, or an `error` carrying its `idempotency_key`; a retried key never fills twice.

Credentials: a logged-in session's cookie (pages, same origin only), or a JWT access token from
`POST /api/token/`, either as the subprotocol pair `bearer, <token>` or as a first `auth`
message within a few seconds. Close codes: 4401 no or invalid credentials, 4403 token expired
or revoked, 4408 no `auth` message in time, 4429 too many messages.

This document describes Arbsite's side: it sends the server messages and receives the client
ones. The REST API is described by OpenAPI at `/api/schema/`.
"""


# The subscription a page names in the URL (arbitrage.subscriptions.from_query), as a `subscribe`.
QUERY_SCHEMA = {
    "type": "object",
    "properties": {
        "instruments": {
            "type": "string",
            "description": "comma-separated instruments whose quotes the connection receives, in any form "
            "`subscribe` takes",
        },
        "opportunities": {
            "type": "string",
            "enum": list(MODES),
            "description": "which opportunities: those of the instruments, all, or none (as in `subscribe`)",
        },
    },
}


def _message_name(struct: type[msgspec.Struct]) -> str:
    """The message's `type` value: its tag."""
    return struct.__struct_config__.tag


def _summary(struct: type[msgspec.Struct]) -> str:
    doc = (struct.__doc__ or "").strip()
    return " ".join(doc.split()) or f'The "{_message_name(struct)}" message.'


def _operation(action: str, struct: type[msgspec.Struct]) -> dict:
    name = struct.__name__
    return {
        "action": action,
        "channel": {"$ref": f"#/channels/{CHANNEL}"},
        "summary": f'{"Arbsite sends" if action == "send" else "A client sends"} "{_message_name(struct)}"',
        "messages": [{"$ref": f"#/channels/{CHANNEL}/messages/{name}"}],
    }


def asyncapi_document(host: str, secure: bool) -> dict:
    """The AsyncAPI 3.0 document of /ws as served at `host` (over wss when `secure`)."""
    structs = (*SERVER_MESSAGES, *CLIENT_MESSAGES)
    _, schemas = msgspec.json.schema_components(structs, ref_template=SCHEMA_REF)
    messages = {
        struct.__name__: {
            "name": _message_name(struct),
            "title": struct.__name__,
            "summary": _summary(struct),
            "contentType": "application/json",
            "payload": {"$ref": SCHEMA_REF.format(name=struct.__name__)},
        }
        for struct in structs
    }
    operations = {f"send{struct.__name__}": _operation("send", struct) for struct in SERVER_MESSAGES}
    operations.update({f"receive{struct.__name__}": _operation("receive", struct) for struct in CLIENT_MESSAGES})
    security = [{"$ref": f"#/components/securitySchemes/{name}"} for name in ("session", "bearer")]
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Arbsite live feed (/ws)",
            "version": settings.SPECTACULAR_SETTINGS["VERSION"],
            "description": DESCRIPTION,
        },
        "defaultContentType": "application/json",
        "servers": {
            "arbsite": {
                "host": host,
                "protocol": "wss" if secure else "ws",
                "pathname": "/ws",
                "description": "This Arbsite",
                "security": security,
            }
        },
        "channels": {
            CHANNEL: {
                "address": "/ws",
                "title": "The live feed",
                "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
                "bindings": {"ws": {"method": "GET", "query": QUERY_SCHEMA, "bindingVersion": "0.1.0"}},
            }
        },
        "operations": operations,
        "components": {
            "schemas": schemas,
            "messages": messages,
            "securitySchemes": {
                "session": {
                    "type": "httpApiKey",
                    "in": "cookie",
                    "name": settings.SESSION_COOKIE_NAME,
                    "description": "A logged-in page's session (its Origin must be the site's own)",
                },
                "bearer": {
                    "type": "httpApiKey",
                    "in": "header",
                    "name": "Sec-WebSocket-Protocol",
                    "description": "`bearer, <access token>` from POST /api/token/ (or a first `auth` message)",
                },
            },
        },
    }


class AsyncApiView(APIView):
    """GET /api/asyncapi.json: the document, for this host (to the same users as /api/schema/)."""

    @extend_schema(exclude=True)  # documented by itself, not in OpenAPI
    def get(self, request: Request) -> Response:
        return Response(asyncapi_document(request.get_host(), request.is_secure()))
