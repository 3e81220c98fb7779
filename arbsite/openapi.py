"""OpenAPI details drf-spectacular cannot infer, for the whole API: the /ws message types (one
msgspec definition, shared with REST) as components, and the error answers every operation may
give. The pieces the apps' serializers use are in lib.openapi."""

from __future__ import annotations

import msgspec
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme

from arbitrage.messages import OpportunityFunding, OpportunityMessage, QuoteMessage
from lib.openapi import ERROR_COMPONENT, ERROR_SCHEMA, REF_TEMPLATE


class CachedJWTScheme(SimpleJWTScheme):
    """The bearer JWT, documented as SimpleJWT's (accounts.api_auth caches what it looks up)."""

    target_class = "accounts.api_auth.CachedJWTAuthentication"


# msgspec Structs documented as components, straight from their one definition.
STRUCTS = [QuoteMessage, OpportunityMessage, OpportunityFunding]


def _error(description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def document_common_responses(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: add the struct components and the answers any call may get."""
    _, components = msgspec.json.schema_components(STRUCTS, ref_template=REF_TEMPLATE)
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
