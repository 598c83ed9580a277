"""Query building blocks shared by the feature selectors."""

from __future__ import annotations

from django.db.models import Count, IntegerField, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce


def count_subquery(queryset: QuerySet, *, by: str) -> Coalesce:
    """COUNT(*) of a correlated subquery, 0 when empty. Several of these in one row do not
    multiply each other the way several Count() joins would."""
    counted = queryset.order_by().values(by).annotate(n=Count("*")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))
