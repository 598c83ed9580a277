"""Batch triage beside other triage of the same cut: the cut's duplicate-assignment lock, and
the batch catching up with what others stored between its batches."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from errata.core.locks import cut_duplicates_lock
from errata.findings.batch import findings_triage_batch
from errata.findings.services import findings_triage
from errata.models import Finding
from tests import factories


def _groups(cut) -> list[set[str]]:
    groups: dict[int, set[str]] = {}
    for finding in Finding.objects.filter(cut=cut, duplicate_group__isnull=False):
        groups.setdefault(finding.duplicate_group_id, set()).add(finding.comment.author_name)
    return sorted(groups.values(), key=sorted)


@pytest.mark.django_db
def test_a_report_triaged_between_two_batches_joins_the_same_group_as_the_batches(cut, monkeypatch):
    """Ada's report is stored by the first batch; Bob's, triaged on its own before the second
    batch, founds a group with it; Cy's, in the second batch, must join that group, not pull
    Ada's finding into a new one (which would split the three reports in two)."""
    ada = factories.CommentFactory(
        cut=cut, author_name="Ada", text="At 5:58 'mabye' should be 'maybe'"
    )
    cy = factories.CommentFactory(cut=cut, author_name="Cy", text="6:03 mabye is misspelled")
    bob = factories.CommentFactory(cut=cut, author_name="Bob", text="Typo at 6:00: 'mabye'")
    done = []

    def between_batches(phase: str, finished: int, total: int) -> None:
        if finished == 1 and not done:
            done.append(findings_triage(comment_id=bob.pk))

    findings_triage_batch(
        cut=cut, comment_ids=[ada.pk, cy.pk], batch_size=1, progress=between_batches
    )
    assert done, "Bob's report was triaged between the batches"
    assert _groups(cut) == [{"Ada", "Bob", "Cy"}]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_triage_of_a_cut_waits_while_another_transaction_assigns_its_duplicates(cut):
    """PostgreSQL: a transaction holding the cut's lock makes a triage of the same cut wait for
    its commit (it would otherwise match against findings it cannot see yet)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's advisory locks (set DATABASE_URL to a PostgreSQL database)")
    comment = factories.CommentFactory(cut=cut, text="At 5:58 'mabye' should be 'maybe'")
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:
        try:
            with transaction.atomic():
                cut_duplicates_lock(cut_id=cut.pk)
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_lock)
    holder.start()
    assert holding.wait(timeout=10)
    triaged = threading.Thread(
        target=lambda: (findings_triage(comment_id=comment.pk), connection.close())
    )
    triaged.start()
    try:
        # The triage is seen waiting for the advisory lock (not finished, not failed).
        deadline = time.monotonic() + 10
        with connection.cursor() as cursor:
            while True:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                )
                if cursor.fetchone()[0] == 1:
                    break
                assert time.monotonic() < deadline, "the triage never waited for the lock"
                time.sleep(0.05)
        assert not Finding.objects.filter(comment=comment).exists()
    finally:
        release.set()
        holder.join(timeout=30)
        triaged.join(timeout=30)
    assert Finding.objects.filter(comment=comment).count() == 1


def test_the_lock_is_held_for_a_transaction_only():
    with pytest.raises(RuntimeError, match="open one first"):
        cut_duplicates_lock(cut_id=1)
