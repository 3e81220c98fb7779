"""OpenAPI details drf-spectacular cannot infer: the /ws message types (one msgspec definition,
shared with REST), and the error answers every operation may give."""

from __future__ import annotations

import msgspec
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from arbitrage.messages import OpportunityMessage, QuoteMessage


class CachedJWTScheme(SimpleJWTScheme):
    """The bearer JWT, documented as SimpleJWT's (accounts.api_auth caches what it looks up)."""

    target_class = "accounts.api_auth.CachedJWTAuthentication"


# msgspec Structs documented as components, straight from their one definition.
STRUCTS = [QuoteMessage, OpportunityMessage]
_REF = "#/components/schemas/{name}"

ERROR_COMPONENT = {
    "type": "object",
    "description": 'An error: {"detail": "..."} or, for invalid input, {"field": ["message", ...], ...}',
    "additionalProperties": True,
}
ERROR_SCHEMA = {"$ref": _REF.format(name="Error")}


def struct_ref(struct: type[msgspec.Struct], nullable: bool = False) -> dict:
    ref = {"$ref": _REF.format(name=struct.__name__)}
    return {"allOf": [ref], "nullable": True} if nullable else ref


def struct_field(struct: type[msgspec.Struct], nullable: bool = False) -> type[serializers.Field]:
    """A serializer field for a value that already has the struct's shape (a cached dict)."""

    @extend_schema_field(struct_ref(struct, nullable))
    class StructField(serializers.Field):
        def to_representation(self, value):
            return value

    StructField.__name__ = f"{struct.__name__}Field"
    return StructField


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def document_common_responses(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: add the struct components and the answers any call may get."""
    _, components = msgspec.json.schema_components(STRUCTS, ref_template=_REF)
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(components)
    schemas["Error"] = ERROR_COMPONENT
    for path, item in result.get("paths", {}).items():
        for method, operation in item.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            responses = operation.setdefault("responses", {})
            if any(requirement for requirement in operation.get("security", [{}])):
                responses.setdefault("401", _error("No valid credentials (a JWT or a session)"))
                responses.setdefault("403", _error("Not allowed, or a session request without its CSRF token"))
            if "{" in path:
                responses.setdefault("404", _error("Nothing of that name, or not yours"))
            if operation.get("parameters") or operation.get("requestBody"):
                responses.setdefault("400", _error("Invalid input; the body says which field and why"))
            if method != "get":
                responses.setdefault("415", _error("The body is not JSON"))
            responses.setdefault("406", _error("No acceptable representation"))
            responses.setdefault("429", _error("Too many requests; Retry-After says when to come back"))
    return result
