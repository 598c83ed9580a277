"""One JSON error shape for every API error, so a script needs one code path for failures:

    {"status": 400, "code": "invalid", "detail": "timestamp_s: The time ...", "fields": {...}}

`fields` maps a field (a dotted path for nested input, such as `spans.2.end_s`) to its messages
and is empty when the error is not about a field. Errors the domain raises are translated here:
a django ValidationError is 400 with its field messages, ErrataConflict 409, StaleVersion 412.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler

from errata.core.errors import ErrataConflict, StaleVersion

NON_FIELD_KEYS = {"non_field_errors", "__all__"}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Someone else changed this first; nothing was changed."
    default_code = "conflict"


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "This was changed since you read it (If-Match is stale)."
    default_code = "stale_version"


def _translate(exc: Exception) -> Exception:
    # StaleVersion is a kind of ErrataConflict: it must be checked first.
    if isinstance(exc, StaleVersion):
        return PreconditionFailed(str(exc))
    if isinstance(exc, ErrataConflict):
        return Conflict(str(exc))
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(as_serializer_error(exc))
    # The serializers and services check every rule first; the database refusing a row means a
    # concurrent change (a unique name taken a moment ago) or a rule only the database knows.
    if isinstance(exc, IntegrityError):
        return Conflict(f"The database refused this change: {_first_line(exc)}")
    if isinstance(exc, DataError):
        return exceptions.ValidationError(f"A value is out of range: {_first_line(exc)}")
    return exc


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or ["no details"])[0][:300]


def _flatten(detail: Any, path: str = "") -> dict[str, list[str]]:
    """{"spans": [{}, {"end_s": ["..."]}]} -> {"spans.1.end_s": ["..."]}; "" holds the
    messages that are about no field."""
    flat: dict[str, list[str]] = {}

    def add(child: str, value: Any) -> None:
        for key, messages in _flatten(value, child).items():
            flat.setdefault(key, []).extend(messages)

    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key in NON_FIELD_KEYS else str(key)
            add(".".join(p for p in (path, name) if p), value)
    elif isinstance(detail, list) and any(isinstance(d, dict | list) for d in detail):
        for index, value in enumerate(detail):
            add(".".join(p for p in (path, str(index)) if p), value)
    elif isinstance(detail, list):
        if detail:
            flat[path] = [str(d) for d in detail]
    else:
        flat[path] = [str(detail)]
    return flat


def error_body(*, status_code: int, code: str, detail: str, fields: dict | None = None) -> dict:
    return {"status": status_code, "code": code, "detail": detail, "fields": fields or {}}


def _validation_body(exc: exceptions.ValidationError, status_code: int) -> dict:
    flat = _flatten(exc.detail)
    general = flat.pop("", [])
    parts = general + [f"{field}: {' '.join(messages)}" for field, messages in flat.items()]
    return error_body(
        status_code=status_code,
        code="invalid",
        detail=" ".join(parts) or "The request is not valid.",
        fields=flat,
    )


def api_exception_handler(exc: Exception, context: dict) -> Response | None:
    exc = _translate(exc)
    response = exception_handler(exc, context)
    if response is None:
        return None  # not an API error: a bug, which Django reports as a 500
    if isinstance(exc, exceptions.ValidationError):
        response.data = _validation_body(exc, response.status_code)
    else:
        detail = getattr(exc, "detail", str(exc))
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        response.data = error_body(
            status_code=response.status_code,
            code=codes if isinstance(codes, str) else "error",
            detail=str(detail),
        )
    return response


# Exempt like every API view: without it a POST to an unknown address would get Django's HTML
# CSRF page instead of this JSON 404.
@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> JsonResponse:
    """Any /api/ address no route matches: the same JSON shape as every other API error."""
    return JsonResponse(
        error_body(status_code=404, code="not_found", detail=f"No API endpoint at {request.path}."),
        status=404,
    )
