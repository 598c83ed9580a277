"""The API's JSON parser: REST framework's, with limits checked before parsing.

A body nested 100,000 deep made Python's json module raise RecursionError, a 500; and REST
framework reads a JSON body whole whatever its size. Here the body is read up to
DATA_UPLOAD_MAX_MEMORY_SIZE, its nesting is counted (errata.core.limits) and a refusal is a
400 that names the limit.
"""

from __future__ import annotations

import json
from typing import IO, Any

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from errata.core.limits import InputLimitExceeded, json_depth_check

# No request the API takes nests deeper than a timeline's spans ({"spans": [{...}]}).
API_JSON_MAX_DEPTH = 32


class LimitedJSONParser(JSONParser):
    def parse(
        self, stream: IO[bytes] | None, media_type: str | None = None, parser_context=None
    ) -> Any:
        if stream is None:
            return None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read(limit + 1)
        if len(body) > limit:
            raise ParseError(f"The JSON body is larger than {limit:,} bytes (limit: body size).")
        try:
            json_depth_check(body, max_depth=API_JSON_MAX_DEPTH)
        except InputLimitExceeded as error:
            raise ParseError(f"JSON parse error - {error} (limit: {error.limit}).") from None
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            return json.loads(body.decode(encoding), parse_constant=_refuse_constant)
        except (ValueError, RecursionError) as error:
            # ValueError: malformed, not the charset, or an integer of over 4,300 digits.
            raise ParseError(f"JSON parse error - {error}") from None


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not valid JSON")
