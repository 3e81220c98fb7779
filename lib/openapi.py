"""OpenAPI pieces the apps' serializers share: a msgspec Struct documented as a field (one
definition for /ws and REST), and the error answer every operation may give. The components
these refer to are added by arbsite.openapi's postprocessing hook."""

from __future__ import annotations

import msgspec
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

REF_TEMPLATE = "#/components/schemas/{name}"

ERROR_COMPONENT = {
    "type": "object",
    "description": 'An error: {"detail": "..."} or, for invalid input, {"field": ["message", ...], ...}',
    "additionalProperties": True,
}
ERROR_SCHEMA = {"$ref": REF_TEMPLATE.format(name="Error")}


def struct_ref(struct: type[msgspec.Struct], nullable: bool = False) -> dict:
    ref = {"$ref": REF_TEMPLATE.format(name=struct.__name__)}
    return {"allOf": [ref], "nullable": True} if nullable else ref


def struct_field(struct: type[msgspec.Struct], nullable: bool = False) -> type[serializers.Field]:
    """A serializer field for a value of the struct's shape: the struct itself (written as its
    JSON would be: decimals as strings), or a dict that already has its shape."""

    @extend_schema_field(struct_ref(struct, nullable))
    class StructField(serializers.Field):
        def to_representation(self, value):
            return msgspec.to_builtins(value) if isinstance(value, msgspec.Struct) else value

    StructField.__name__ = f"{struct.__name__}Field"
    return StructField
