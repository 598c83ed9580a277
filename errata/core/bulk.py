"""Bulk inserts for the large paths (imports, batch triage)."""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

# Rows an import adds before the planner's statistics are refreshed at once (ANALYZE): a cut
# newer than its statistics got nested loops over all its tokens per finding (issue #14).
ANALYZE_AFTER_ROWS = 1000


def tables_analyze(*models: type) -> None:
    """Refresh PostgreSQL's planner statistics of these tables after a bulk write, rather than
    waiting for autovacuum: the queries right after an import are planned on the new sizes.
    Nothing to do on SQLite."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(quote(m._meta.db_table) for m in models))


def rows_insert(model: type, rows: list[dict], *, chunk_size: int = 1000) -> None:
    """INSERT rows with one executemany, for the bulk paths of a large import. Django's
    bulk_create spends most of its time compiling a parameter per field per row in Python
    (bench/import_export.py measured ~80% of the insert time); here only JSON and date-time
    values go through their field's preparation. Missing fields take their defaults."""
    if not rows:
        return
    # A generated column (Comment.list_time) is the database's to fill.
    fields = [f for f in model._meta.concrete_fields if not f.primary_key and not f.generated]
    now = timezone.now()
    defaults = {}
    for f in fields:
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            defaults[f.attname] = now
        elif f.attname not in rows[0]:
            defaults[f.attname] = f.get_default()
    prepared = {
        f.attname
        for f in fields
        if f.get_internal_type() in ("JSONField", "DateTimeField", "UUIDField")
    }
    by_name = {f.attname: f for f in fields}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    # Only names from the model are formatted in; every value is a parameter.
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({values})"  # noqa: S608
    params = []
    for row in rows:
        line = []
        for f in fields:
            value = row[f.attname] if f.attname in row else defaults[f.attname]
            if f.attname in prepared:
                value = by_name[f.attname].get_db_prep_save(value, connection)
            line.append(value)
        params.append(line)
    with connection.cursor() as cursor:
        for start in range(0, len(params), chunk_size):
            cursor.executemany(sql, params[start : start + chunk_size])


def rows_delete(queryset, *, batch_size: int = 2000) -> int:
    """Delete the rows of `queryset` a batch at a time (short transactions, no long lock on a
    table the app is writing to). Returns how many rows of its model went."""
    model = queryset.model
    deleted = 0
    while True:
        batch = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not batch:
            return deleted
        _, per_model = model.objects.filter(pk__in=batch).delete()
        deleted += per_model.get(model._meta.label, 0)
