"""Additions to the generated OpenAPI schema: the error shape, and the error answers every
operation can give, so clients (and schemathesis) know every status the API may send."""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every API error has this shape.",
    "properties": {
        "status": {"type": "integer", "description": "The HTTP status, repeated."},
        "code": {
            "type": "string",
            "description": "invalid, not_authenticated, authentication_failed, "
            "permission_denied, not_found, conflict, stale_version, throttled, ...",
        },
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "fields": {
            "type": "object",
            "description": "Messages per field (a dotted path for nested input).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["status", "code", "detail", "fields"],
}

ERRORS = {
    "400": "The input is not valid; `fields` says where.",
    "401": "No credentials, or credentials that are unknown, revoked or expired.",
    "403": "These credentials may not do this.",
    "404": "Not found (or not yours to see).",
    "405": "This method is not offered here.",
    "406": "The Accept header asks for a format this endpoint does not give.",
    "415": "The body's content type is not accepted.",
    "429": "Too many requests; wait the seconds in Retry-After.",
}
WRITE_ERRORS = {
    "409": "Someone else changed it first (a conflict); nothing was changed.",
}
VERSIONED_ERRORS = {
    "412": "If-Match names an older version; reload and apply your change again.",
}


# Where a review link is accepted; everywhere else only a token or the session is.
REVIEW_LINK_OPERATIONS = {"comments_list", "comments_create", "comments_retrieve", "cuts_retrieve"}


def add_error_responses(result: dict, generator, request, public) -> dict:
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    reference = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for path_item in result.get("paths", {}).values():
        for method, operation in path_item.items():
            errors = dict(ERRORS)
            if method in ("post", "put", "patch", "delete"):
                errors.update(WRITE_ERRORS)
            if any(p.get("name") == "If-Match" for p in operation.get("parameters", [])):
                errors.update(VERSIONED_ERRORS)
            if operation.get("operationId") not in REVIEW_LINK_OPERATIONS:
                operation["security"] = [
                    s for s in operation.get("security", []) if "reviewLink" not in s
                ]
            responses = operation.setdefault("responses", {})
            for code, description in errors.items():
                responses.setdefault(code, {"description": description, "content": reference})
    return result
