"""Request hygiene: a request whose path or headers hold characters no honest client sends is
answered before any view runs.

A NUL in a path (`/r/%00/`) reaches the database as part of a token and PostgreSQL refuses the
query (a 500); control characters in a header value are invalid in HTTP (RFC 9110 allows only
visible characters, spaces and tabs). So: a path with a control character is 404 (no such
address can exist), a header value with one, or a query parameter with a NUL, is 400. Form
and JSON fields with a NUL are refused by Django's and REST framework's fields already.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

# C0 controls (NUL included) and DEL; a tab is allowed in header values, never in a path.
_PATH_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f]")
_HEADER_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")


def _refusal(request: HttpRequest, status: int, detail: str) -> HttpResponse:
    if request.path_info.startswith("/api/"):
        # The API's one error shape (errata.api.exceptions.error_body).
        body = {"status": status, "code": "invalid", "detail": detail, "fields": {}}
        return HttpResponse(json.dumps(body), status=status, content_type="application/json")
    return HttpResponse(detail, status=status, content_type="text/plain; charset=utf-8")


class RequestHygieneMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _PATH_FORBIDDEN.search(request.path_info):
            return _refusal(request, 404, "Not found.")
        for name, values in request.GET.lists():
            if "\x00" in name or any("\x00" in value for value in values):
                return _refusal(request, 400, "The query string holds a NUL character.")
        for name, value in request.META.items():
            if (
                name.startswith("HTTP_")
                and isinstance(value, str)
                and _HEADER_FORBIDDEN.search(value)
            ):
                header = name[5:].replace("_", "-").title()
                return _refusal(request, 400, f"The {header} header holds a control character.")
        return self.get_response(request)
