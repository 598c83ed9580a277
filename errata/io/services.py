"""Comment imports: a file read twice as a stream (checked whole, then written in one transaction
with bulk inserts), idempotent by external id, then triaged in batches.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from errata.core.bulk import ANALYZE_AFTER_ROWS, rows_insert, tables_analyze
from errata.core.errors import ErrataConflict
from errata.findings.batch import ImportProgress, findings_triage_batch, no_progress
from errata.io.readers import (
    COMMENT_FORMATS,
    CommentFileError,
    ImportedComment,
    comment_content_id,
    comments_read,
    quoted,
)
from errata.models import Comment, Cut, Finding, FindingToken, ImportJob, Membership, Reviewer
from errata.reviews.services import COMMENT_MAX_LENGTH, comment_validate_timestamp


def reviewer_for_import(*, source: str, name: str) -> Reviewer | None:
    """The reviewer behind an imported author name, the same person across re-imports."""
    name = name.strip()
    if not name:
        return None
    reviewer, _ = Reviewer.objects.get_or_create(
        external_id=f"{source}:{name}"[:200], defaults={"display_name": name[:150]}
    )
    return reviewer


# Comments per bulk insert while importing, and per transaction while triaging a batch.
IMPORT_CHUNK_SIZE = 1000


# The largest comment file accepted (the studio's form, the API): 100,000 YouTube comments with
# their metadata fit.
IMPORT_MAX_BYTES = 200 * 1024 * 1024


def import_size_refusal(size: int) -> str:
    """Why a comment file of `size` bytes is refused before it is read, or "" when it is not."""
    if size > IMPORT_MAX_BYTES:
        return f"The file is larger than {IMPORT_MAX_BYTES // 2**20} MB."
    if size == 0:
        return "The file is empty."
    return ""


@dataclass(frozen=True)
class CommentImportResult:
    total: int  # comments in the file
    added: int
    skipped: int  # already imported by an earlier run
    creator: int  # of those added, the creator's own replies
    replies: int  # of those added, answers to another comment
    findings: int  # findings triage made from the added comments


def comment_import_creator_name(*, cut: Cut) -> str:
    """Whose comments in an import are the creator's replies, by default: the name the team's
    owner goes by (for the demo, "3blue1brown")."""
    owner = (
        Membership.objects.filter(team_id=cut.video.team_id, role=Membership.Role.OWNER)
        .select_related("user")
        .order_by("created_at", "id")
        .first()
    )
    if owner is None:
        return ""
    return owner.user.display_name or owner.user.get_full_name() or owner.user.username


def _imported_comment_ids(*, cut: Cut, source: str) -> dict[str, int]:
    """The external ids already imported into this cut from this source, to their rows."""
    known = dict(
        Comment.objects.filter(cut=cut, source=source)
        .exclude(external_id="")
        .values_list("external_id", "pk")
    )
    if source == Comment.Source.IMPORT_PATREON:
        # A paste carries no ids: a comment is who wrote what (and which repetition of it), so
        # comments stored under other ids (load_demo's seed ids) are recognised by content too.
        seen: Counter[tuple[str, str]] = Counter()
        rows = (
            Comment.objects.filter(cut=cut, source=source)
            .order_by("pk")
            .values_list("pk", "author_name", "text")
        )
        for pk, author, text in rows.iterator(chunk_size=2000):
            seen[(author, text)] += 1
            known.setdefault(comment_content_id("patreon", author, text, seen[(author, text)]), pk)
    return known


def _import_check_record(record: ImportedComment, *, cut: Cut) -> None:
    if not record.text.strip():
        raise CommentFileError("the comment has no text", where=record.where)
    # PostgreSQL text cannot hold NUL: refused here, naming the line, rather than by the insert.
    fields = (record.text, record.author_name, record.author_key, record.external_id)
    if any("\x00" in value for value in (*fields, record.parent_external_id)):
        raise CommentFileError(
            "it holds a NUL character (0x00), which cannot be stored", where=record.where
        )
    if len(record.text) > COMMENT_MAX_LENGTH:
        raise CommentFileError(
            f"the comment has {len(record.text):,} characters; at most "
            f"{COMMENT_MAX_LENGTH:,} are allowed",
            where=record.where,
        )
    if len(record.external_id) > 200:
        raise CommentFileError("the id is longer than 200 characters", where=record.where)
    if record.parent_external_id == record.external_id:
        raise CommentFileError("the comment answers itself", where=record.where)
    try:
        comment_validate_timestamp(cut=cut, timestamp_s=record.timestamp_s)
    except ValidationError as error:
        raise CommentFileError(" ".join(error.messages), where=record.where) from None


def _import_check(
    records: Iterable[ImportedComment],
    *,
    cut: Cut,
    known: dict[str, int],
    progress: ImportProgress,
) -> tuple[int, int, set[str]]:
    """Read every record and refuse the file at the first bad one. Returns (total, new, the
    file's external ids)."""
    seen: set[str] = set()
    parents_wanted: dict[str, str] = {}
    # Each reply in the file: the comment it answers, and where the reply is.
    replies: dict[str, tuple[str, str]] = {}
    total = new = 0
    for record in records:
        total += 1
        _import_check_record(record, cut=cut)
        if record.external_id in seen:
            raise CommentFileError(
                f"the id {quoted(record.external_id)} appears twice in the file", where=record.where
            )
        seen.add(record.external_id)
        new += record.external_id not in known
        parent = record.parent_external_id
        if parent:
            replies[record.external_id] = (parent, record.where)
        if parent and parent not in seen and parent not in known:
            parents_wanted.setdefault(parent, record.where)
        if total % 5000 == 0:
            progress(ImportJob.Phase.CHECKING, total, 0)
    for parent, where in parents_wanted.items():
        if parent not in seen:
            raise CommentFileError(
                f"it answers comment {quoted(parent)}, which is neither in the file nor imported "
                "before",
                where=where,
            )
    _import_check_reply_cycles(replies)
    if total == 0:
        raise CommentFileError("the file holds no comments")
    return total, new, seen


def _import_check_reply_cycles(replies: dict[str, tuple[str, str]]) -> None:
    """Refuse replies that answer each other in a loop (A answers B, B answers A): stored,
    such a thread has no first comment, so no page could ever show it. Each chain is walked
    once (linear in the number of replies)."""
    finished: set[str] = set()
    for start in replies:
        path: dict[str, None] = {}  # the chain walked from `start`, in order
        comment = start
        while comment in replies and comment not in finished:
            if comment in path:
                loop = [*list(path)[list(path).index(comment) :], comment]
                raise CommentFileError(
                    "these comments answer each other in a loop: "
                    + " \u2192 ".join(quoted(c) for c in loop),
                    where=replies[comment][1],
                )
            path[comment] = None
            comment = replies[comment][0]
        finished.update(path)


def _import_reviewers(chunk: list[ImportedComment], cache: dict[str, int]) -> None:
    """The Reviewer of each author key in the chunk, created in bulk when new (the same person
    across re-imports and across files from one source)."""
    names = {
        r.author_key[:200]: r.author_name
        for r in chunk
        if r.author_key and r.author_key[:200] not in cache
    }
    if not names:
        return
    found = Reviewer.objects.filter(external_id__in=list(names))
    cache.update(found.values_list("external_id", "pk"))
    missing = [key for key in names if key not in cache]
    if missing:
        Reviewer.objects.bulk_create(
            [Reviewer(external_id=key, display_name=names[key][:150]) for key in missing],
            ignore_conflicts=True,
        )
        cache.update(
            Reviewer.objects.filter(external_id__in=missing).values_list("external_id", "pk")
        )


@dataclass
class _ImportWrite:
    added_ids: list[int]
    creator: int = 0
    replies: int = 0


def _import_write(
    records: Iterable[ImportedComment],
    *,
    cut: Cut,
    source: str,
    known: dict[str, int],
    new: int,
    progress: ImportProgress,
) -> _ImportWrite:
    """Insert the records not imported before, IMPORT_CHUNK_SIZE rows per statement. `known`
    grows with each insert so replies find their parent's row."""
    written = _ImportWrite(added_ids=[])
    reviewer_ids: dict[str, int] = {}
    # Replies whose parent comes later in the file: linked once every row exists.
    deferred: list[tuple[int, str]] = []
    now = timezone.now()

    def row(record: ImportedComment) -> dict:
        is_creator = record.is_creator
        parent = record.parent_external_id
        return {
            "cut_id": cut.pk,
            "reviewer_id": reviewer_ids.get(record.author_key[:200]) if record.author_key else None,
            "author_name": record.author_name[:150],
            "author_role": Comment.Role.CREATOR if is_creator else Comment.Role.PATRON,
            "text": record.text,
            "timestamp_s": record.timestamp_s,
            "source": source,
            "external_id": record.external_id,
            "parent_id": known.get(parent) if parent else None,
            "review_link_id": None,
            "posted_at": record.posted_at or now,
            "created_at": now,
            # The creator's own replies are answers, not reports: nothing to triage.
            "triage_state": (
                Comment.TriageState.SKIPPED if is_creator else Comment.TriageState.PENDING
            ),
            "triaged_at": now if is_creator else None,
            # The import triages its comments itself: the sweep leaves them to it for a while.
            "triage_queued_at": now,
        }

    def flush(chunk: list[ImportedComment]) -> None:
        _import_reviewers(chunk, reviewer_ids)
        remaining = chunk
        while remaining:
            # Parents before their replies: a reply whose parent is in this chunk waits a round.
            waiting = {r.external_id for r in remaining}
            level: list[ImportedComment] = []
            later: list[ImportedComment] = []
            for r in remaining:
                parent = r.parent_external_id
                ready = not parent or parent in known or parent not in waiting
                (level if ready else later).append(r)
            if not level:  # replies answering each other in a loop: link them afterwards
                level, later = later, []
            rows = [row(r) for r in level]
            rows_insert(Comment, rows)
            stored = dict(
                Comment.objects.filter(
                    cut=cut, source=source, external_id__in=[r.external_id for r in level]
                ).values_list("external_id", "pk")
            )
            for record, values in zip(level, rows, strict=True):
                pk = stored[record.external_id]
                known[record.external_id] = pk
                written.added_ids.append(pk)
                written.creator += record.is_creator
                if record.parent_external_id:
                    written.replies += 1
                    if values["parent_id"] is None:
                        deferred.append((pk, record.parent_external_id))
            remaining = later
        progress(ImportJob.Phase.WRITING, len(written.added_ids), new)

    chunk: list[ImportedComment] = []
    for record in records:
        if record.external_id in known:
            continue
        chunk.append(record)
        if len(chunk) >= IMPORT_CHUNK_SIZE:
            flush(chunk)
            chunk = []
    if chunk:
        flush(chunk)
    if deferred:
        Comment.objects.bulk_update(
            [Comment(pk=pk, parent_id=known[parent]) for pk, parent in deferred],
            ["parent"],
            batch_size=IMPORT_CHUNK_SIZE,
        )
    return written


def _untriaged(comment_ids: list[int]) -> list[int]:
    """Of these comments, those still waiting for triage."""
    pending: list[int] = []
    for start in range(0, len(comment_ids), 5000):
        pending.extend(
            Comment.objects.filter(
                pk__in=comment_ids[start : start + 5000], triage_state=Comment.TriageState.PENDING
            ).values_list("pk", flat=True)
        )
    return pending


def comments_import(
    *,
    cut: Cut,
    fmt: str,
    open_file: Callable[[], IO[bytes]],
    creator_name: str | None = None,
    triage: bool = True,
    progress: ImportProgress | None = None,
    on_written: Callable[[int], None] | None = None,
) -> CommentImportResult:
    """Import a comment file (COMMENT_FORMATS) into a cut, all or nothing, then triage it.

    `open_file` opens the file for reading in binary; it is called twice, because the file is
    streamed twice rather than held in memory: once to check every record (a bad one raises
    CommentFileError naming its line or record, and nothing is written), once to write the
    new ones in one transaction with bulk inserts (`on_written(added)` is called inside it).
    Comments imported before (same cut, source and external id) are skipped, so re-importing a
    file adds nothing. Then the file's comments still untriaged (the new ones, and those an
    interrupted import left) are triaged in batches (findings_triage_batch), each batch its own
    transaction: if that is interrupted, importing the file again (or the import job's resume)
    triages the rest, and so does the periodic sweep.
    """
    if fmt not in COMMENT_FORMATS:
        raise ValidationError(
            {
                "format": gettext("Use one of %(comment_formats)s.")
                % {"comment_formats": ", ".join(COMMENT_FORMATS)}
            }
        )
    if creator_name is None:
        creator_name = comment_import_creator_name(cut=cut)
    source = f"import:{fmt}"
    progress = progress or no_progress
    known = _imported_comment_ids(cut=cut, source=source)
    progress(ImportJob.Phase.CHECKING, 0, 0)
    with open_file() as stream:
        records = comments_read(stream, fmt=fmt, creator_name=creator_name)
        total, new, file_ids = _import_check(records, cut=cut, known=known, progress=progress)

    written = _ImportWrite(added_ids=[])
    if new:
        progress(ImportJob.Phase.WRITING, 0, new)
        try:
            with transaction.atomic(), open_file() as stream:
                records = comments_read(stream, fmt=fmt, creator_name=creator_name)
                written = _import_write(
                    records, cut=cut, source=source, known=known, new=new, progress=progress
                )
                if on_written is not None:
                    on_written(len(written.added_ids))
        except IntegrityError:
            raise ErrataConflict(
                gettext(
                    "Some of these comments were imported by another import running at the same "
                    "time; nothing was written by this one. Import the file again to add the rest."
                )
            ) from None

    findings = 0
    # The file's comments still untriaged: those just added, and those an earlier, interrupted
    # import of the same file stored but did not triage.
    untriaged = _untriaged(sorted(known[i] for i in file_ids if i in known)) if triage else []
    if untriaged:
        findings = findings_triage_batch(cut=cut, comment_ids=untriaged, progress=progress).findings
    if len(written.added_ids) >= ANALYZE_AFTER_ROWS:
        tables_analyze(Comment, Finding, FindingToken)
    return CommentImportResult(
        total=total,
        added=len(written.added_ids),
        skipped=total - len(written.added_ids),
        creator=written.creator,
        replies=written.replies,
        findings=findings,
    )
