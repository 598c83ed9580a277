"""Errors the services raise besides ValidationError, and the one way to turn an error into text
for a person.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class ErrataConflict(Exception):
    """Someone else changed the same thing first (two creators triaging one cut at once).
    The message says what happened; nothing was changed by the losing action."""


class StaleVersion(ErrataConflict):
    """An update based on an old version of an erratum (HTTP 412 in the API)."""


def error_text(error: Exception) -> str:
    if isinstance(error, ValidationError):
        return " ".join(error.messages)
    return str(error)
