"""Paging of every API list: by page number (`page=`, with a count) or by keyset (`cursor=`).

Every list is ordered with the id as the last key (see filters.StableOrderingFilter), so a row
never shows on two pages or on none while paging. A page number costs a COUNT of the whole list
and an OFFSET that grows with the page; a cursor costs neither: `cursor=` (empty) asks for the
first page, and each page's `next` carries the sort values of its last row, so the next page is
"the rows after these" under the same ordering, whatever the size of the list and however deep
the page. Rows added or removed meanwhile do not shift it.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import F, Q, QuerySet
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

CURSOR_PARAM = "cursor"
# A cursor is a few sort values; anything much longer is not one of ours.
CURSOR_MAX_LENGTH = 1000


def _bad_cursor() -> ValidationError:
    return ValidationError(
        {CURSOR_PARAM: "Not a cursor of this list: start with an empty cursor= and follow next."}
    )


class StablePageNumberPagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        self.keyset = CURSOR_PARAM in request.query_params
        if not self.keyset:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        return self._keyset_page(queryset, request)

    def get_paginated_response(self, data):
        if not self.keyset:
            return super().get_paginated_response(data)
        return Response({"next": self._next_link, "previous": None, "results": data})

    def get_paginated_response_schema(self, schema):
        paged = super().get_paginated_response_schema(schema)
        paged["properties"]["count"]["description"] = "Not given when paging by cursor."
        paged["properties"]["next"]["description"] = (
            "The next page: with cursor=, a cursor after this page's last row."
        )
        paged["required"] = ["results"]
        return paged

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": CURSOR_PARAM,
                "required": False,
                "in": "query",
                "description": (
                    "Page by keyset instead of page number: empty for the first page, then the "
                    "cursor in each page's next. No count; cost does not grow with the list."
                ),
                "schema": {"type": "string"},
            },
        ]

    # --- keyset ---------------------------------------------------------------------------

    def _ordering(self, queryset: QuerySet) -> list[tuple[str, bool, bool]]:
        """(field attname, descending, nullable) for each key the list is ordered by."""
        terms = list(queryset.query.order_by) or list(queryset.model._meta.ordering or [])
        if not any(str(t).lstrip("-") in ("id", "pk") for t in terms):
            terms.append("id")
        keys = []
        for term in terms:
            if not isinstance(term, str):
                raise ValidationError(
                    {CURSOR_PARAM: "This list's order cannot be paged by cursor."}
                )
            name = term.lstrip("-")
            try:
                field = queryset.model._meta.get_field("id" if name == "pk" else name)
            except FieldDoesNotExist:
                field = None
            if field is None or not field.concrete:
                raise ValidationError(
                    {CURSOR_PARAM: f"Ordering by {name!r} cannot be paged by cursor; use page=."}
                )
            keys.append((field.attname, term.startswith("-"), field.null))
        return keys

    def _keyset_page(self, queryset: QuerySet, request) -> list:
        keys = self._ordering(queryset)
        page_size = self.get_page_size(request) or self.page_size
        after = self._decode(request.query_params.get(CURSOR_PARAM, ""), queryset, keys)
        ordered = queryset.order_by(
            *[
                F(name).desc(nulls_first=True) if desc else F(name).asc(nulls_last=True)
                for name, desc, _null in keys
            ]
        )
        if after is not None:
            ordered = ordered.filter(_after(keys, after))
        rows = list(ordered[: page_size + 1])
        self._next_link = None
        if len(rows) > page_size:
            rows = rows[:page_size]
            last = [getattr(rows[-1], key[0]) for key in keys]
            url = remove_query_param(request.build_absolute_uri(), "page")
            self._next_link = replace_query_param(url, CURSOR_PARAM, _encode(keys, last))
        return rows

    def _decode(self, raw: str, queryset: QuerySet, keys: list) -> list | None:
        if raw == "":
            return None
        if len(raw) > CURSOR_MAX_LENGTH:
            raise _bad_cursor()
        try:
            decoded = json.loads(base64.urlsafe_b64decode(raw.encode("ascii") + b"==="))
        except (ValueError, UnicodeError, binascii.Error):
            raise _bad_cursor() from None
        if (
            not isinstance(decoded, dict)
            or decoded.get("o") != _signature(keys)
            or not isinstance(decoded.get("v"), list)
            or len(decoded["v"]) != len(keys)
        ):
            raise _bad_cursor()
        values = []
        for (name, _desc, _null), value in zip(keys, decoded["v"], strict=True):
            field = next(f for f in queryset.model._meta.concrete_fields if f.attname == name)
            if value is None:
                if not field.null:
                    raise _bad_cursor()
                values.append(None)
                continue
            if isinstance(value, bool) or not isinstance(value, str | int | float):
                raise _bad_cursor()
            if not _storable(value):
                raise _bad_cursor()
            try:
                values.append(field.to_python(value))
            except (DjangoValidationError, ValueError, TypeError, OverflowError):
                raise _bad_cursor() from None
        return values


def _storable(value) -> bool:
    # JSON allows what no column holds: NaN, infinities, integers past PostgreSQL's bigint.
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, int):
        return -(2**63) <= value < 2**63
    return len(value) <= CURSOR_MAX_LENGTH


def _signature(keys: list) -> str:
    return ",".join(("-" if desc else "") + name for name, desc, _null in keys)


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _encode(keys: list, values: list) -> str:
    body = json.dumps(
        {"o": _signature(keys), "v": [_plain(v) for v in values]}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(body.encode()).decode("ascii").rstrip("=")


def _after(keys: list[tuple[str, bool, bool]], values: list) -> Q:
    """Rows after `values` in the order of `keys` (ascending: nulls last; descending: nulls
    first, as the page was ordered): the first key past its value, or equal to it and the rest
    after theirs. The first key is also bounded on its own, which an index on it ranges over."""
    name, desc, nullable = keys[0]
    value = values[0]
    past = _past(name, desc, nullable, value)
    if len(keys) == 1:
        return past
    rest = past | (_same(name, value) & _after(keys[1:], values[1:]))
    if value is None:
        return rest
    if desc:
        return Q(**{f"{name}__lte": value}) & rest
    bound = Q(**{f"{name}__gte": value})
    if nullable:
        bound |= Q(**{f"{name}__isnull": True})
    return bound & rest


def _past(name: str, desc: bool, nullable: bool, value) -> Q:
    if value is None:
        # Nulls come last ascending (nothing is past them), first descending (all else is).
        return Q(pk__in=[]) if not desc else Q(**{f"{name}__isnull": False})
    if desc:
        return Q(**{f"{name}__lt": value})
    past = Q(**{f"{name}__gt": value})
    if nullable:
        past |= Q(**{f"{name}__isnull": True})
    return past


def _same(name: str, value) -> Q:
    return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})
