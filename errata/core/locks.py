"""Locks held by the database for the length of a transaction."""

from __future__ import annotations

from django.db import connection

# The first key of PostgreSQL's two-key advisory locks: which kind of thing is locked.
_DUPLICATE_ASSIGNMENT = 0x0E77  # "errata": one per cut, around duplicate assignment


def cut_duplicates_lock(*, cut_id: int) -> None:
    """Hold the cut's duplicate-assignment lock until the current transaction ends.

    Two workers triaging comments of one cut at once would each match against the findings the
    other has not committed yet, and could found two groups for one problem. With the lock they
    take turns, each seeing what the other stored. PostgreSQL: a transaction-scoped advisory
    lock (released at commit or rollback, or when a killed worker's connection closes).
    SQLite lets one writer at a time in anyway, so there is nothing to do."""
    if not connection.in_atomic_block:
        raise RuntimeError("cut_duplicates_lock is held for a transaction: open one first.")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # The second key is an int4: ids past 2**31 share a lock with another cut (they wait for
        # each other a little; nothing else).
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s, %s)", [_DUPLICATE_ASSIGNMENT, cut_id % 2**31]
        )
