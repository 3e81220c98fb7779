"""The API's JSON parser: DRF's, refusing bodies nested too deeply to parse safely."""

from __future__ import annotations

import codecs

from django.conf import settings
from rest_framework import parsers
from rest_framework.exceptions import ParseError
from rest_framework.utils import json

from lib.json_depth import exceeds_depth

# Arbsite's deepest body is an alert rule: an object holding lists (2 levels).
MAX_JSON_DEPTH = 32


class JSONParser(parsers.JSONParser):
    """DRF's parse, with the depth checked first: too deep is a 400 naming the limit."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            if exceeds_depth(text, MAX_JSON_DEPTH):
                raise ParseError(f"JSON parse error - arrays and objects nest deeper than {MAX_JSON_DEPTH} levels")
            return json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except ValueError as exc:  # also a body that is not valid in its encoding
            raise ParseError(f"JSON parse error - {exc}") from exc
