"""Limit/offset pages for API lists that grow: {"count", "next", "previous", "results"}."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.utils.urls import remove_query_param, replace_query_param


class PageQuery(serializers.Serializer):
    limit = serializers.IntegerField(required=False, default=100, min_value=1, max_value=1000)
    offset = serializers.IntegerField(required=False, default=0, min_value=0, max_value=10**9)


def page(request: Request, rows: QuerySet, limit: int, offset: int) -> dict:
    """One page of `rows`, with the URLs of its neighbours."""
    count = rows.count()
    url = replace_query_param(request.build_absolute_uri(), "limit", limit)
    following = replace_query_param(url, "offset", offset + limit) if offset + limit < count else None
    preceding = None
    if offset > 0:
        preceding = (
            remove_query_param(url, "offset") if offset <= limit else replace_query_param(url, "offset", offset - limit)
        )
    return {"count": count, "next": following, "previous": preceding, "results": rows[offset : offset + limit]}


def page_serializer(item: type[serializers.Serializer], name: str) -> type[serializers.Serializer]:
    """The serializer of a page of `item`s, named for the schema's components."""
    fields = {
        "count": serializers.IntegerField(help_text="Matched, over all pages"),
        "next": serializers.CharField(allow_null=True, help_text="The next page's URL"),
        "previous": serializers.CharField(allow_null=True, help_text="The previous page's URL"),
        "results": item(many=True),
    }
    return type(name, (serializers.Serializer,), fields)
