"""Comment imports: the Patreon paste, CSV and YouTube commentThreads JSON, all or nothing."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from errata.findings.batch import findings_triage_batch
from errata.findings.grouping import finding_lookup_tokens
from errata.findings.services import findings_triage
from errata.io.readers import CommentFileError, comments_read
from errata.io.services import CommentImportResult, comments_import
from errata.models import Comment, DuplicateGroup, Finding, Reviewer
from tests import factories
from tests.paths import DATA

pytestmark = pytest.mark.django_db

PASTE = DATA / "patreon-early-view-nn-part1.txt"
SEED = json.loads((DATA / "seed-labeled.json").read_text(encoding="utf-8"))["videos"][0]


def _opener(content: str | bytes):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return lambda: io.BytesIO(data)


def _import(cut, fmt: str, content: str | bytes, **kwargs) -> CommentImportResult:
    return comments_import(cut=cut, fmt=fmt, open_file=_opener(content), **kwargs)


def test_the_patreon_paste_reads_as_the_seed_comments_text_for_text():
    with PASTE.open("rb") as stream:
        comments = list(comments_read(stream, fmt="patreon", creator_name="3blue1brown"))
    assert [c.text for c in comments] == [c["text"] for c in SEED["comments"]]
    assert [c.author_name for c in comments] == [c["author"] or "" for c in SEED["comments"]]
    assert [c.is_creator for c in comments] == [c["role"] == "creator" for c in SEED["comments"]]


def test_importing_the_patreon_paste_stores_the_seed_comments_and_triages_them(cut, creator):
    result = _import(cut, "patreon", PASTE.read_bytes())

    assert (result.total, result.added, result.skipped, result.creator) == (43, 43, 0, 10)
    comments = list(cut.comments.order_by("pk"))
    assert [c.text for c in comments] == [c["text"] for c in SEED["comments"]]
    assert all(c.source == "import:patreon" for c in comments)
    # The creator is recognised by the team owner's display name (the cast's creator: 3blue1brown).
    assert {c.author_name for c in comments if c.author_role == "creator"} == {"3blue1brown"}
    # The timestamp line is part of the text, and gives the comment's player time.
    timed = cut.comments.get(timestamp_s__isnull=False)
    assert timed.text.startswith("timestamp: 6:00\n\nI think") and timed.timestamp_s == 360
    # Raw HTML is kept as text.
    assert cut.comments.filter(text__contains='<a href="https://www.youtube.com/').count() == 1
    # Triage ran on every patron comment; the creator's replies are skipped.
    assert not cut.comments.filter(triage_state="pending").exists()
    assert cut.comments.filter(triage_state="skipped").count() == 10
    max_goldstein = cut.comments.get(author_name="Max Goldstein")
    assert max_goldstein.findings.count() == 5
    assert result.findings == Finding.objects.filter(comment__cut=cut).count()
    # Named authors became reviewers, the same person across their comments.
    sterling = Reviewer.objects.get(external_id="patreon:Nicholas Sterling")
    assert sterling.comments.count() == 3


def test_reimporting_the_patreon_paste_adds_nothing(cut, creator):
    _import(cut, "patreon", PASTE.read_bytes())
    before = (Comment.objects.count(), Finding.objects.count(), Reviewer.objects.count())

    again = _import(cut, "patreon", PASTE.read_bytes())

    assert (again.added, again.skipped) == (0, 43)
    assert (Comment.objects.count(), Finding.objects.count(), Reviewer.objects.count()) == before


def test_importing_the_paste_after_load_demo_adds_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("load_demo", "--no-video", password="errata-demo", stdout=io.StringIO())
    before = Comment.objects.count()
    out = io.StringIO()

    call_command(
        "import_comments",
        "--video",
        "nn-part1",
        "--cut",
        "1",
        "--format",
        "patreon",
        str(PASTE),
        stdout=out,
    )

    assert Comment.objects.count() == before == 43
    assert "43 comments in the file, 0 added" in out.getvalue()


def test_a_creator_name_parameter_decides_whose_replies_are_the_creators(cut, creator):
    result = _import(cut, "patreon", PASTE.read_bytes(), creator_name="Nicholas Sterling")
    assert result.creator == 3
    assert not cut.comments.filter(author_name="3blue1brown", author_role="creator").exists()


CSV_OK = (
    "external_id,author,text,timestamp,parent_id,created_at\n"
    'a1,Ada,"Typo at 5:58: ""mabye"" should be ""maybe""",5:58,,2017-10-05T14:30:00Z\n'
    "a2,3blue1brown,Good catch!,,a1,2017-10-05T15:00:00Z\n"
    'a3,Bob,"Two lines:\nthe sigmoid label at 3:10 overlaps",,,\n'
    ",Carol,No id here: great video,,,2017-10-06\n"
)


def test_a_csv_file_imports_authors_times_replies_and_dates(cut, creator):
    result = _import(cut, "csv", CSV_OK)

    assert (result.total, result.added, result.creator, result.replies) == (4, 4, 1, 1)
    first = cut.comments.get(external_id="a1")
    assert first.text == 'Typo at 5:58: "mabye" should be "maybe"'
    assert first.timestamp_s == 358 and first.author_name == "Ada"
    assert first.posted_at.isoformat() == "2017-10-05T14:30:00+00:00"
    reply = cut.comments.get(external_id="a2")
    assert reply.parent == first and reply.author_role == "creator"
    assert cut.comments.get(external_id="a3").text.startswith("Two lines:\nthe sigmoid")
    # A row without an id gets a stable one, so importing it again adds nothing.
    assert cut.comments.get(author_name="Carol").external_id.startswith("csv:")
    assert _import(cut, "csv", CSV_OK).added == 0
    assert cut.comments.count() == 4


def test_a_csv_reply_may_come_before_the_comment_it_answers(cut, creator):
    text = "id,author,text,parent_id\nr1,Grant,Thanks!,c1\nc1,Ada,The label is wrong,\n"
    _import(cut, "csv", text)
    assert cut.comments.get(external_id="r1").parent == cut.comments.get(external_id="c1")


@pytest.mark.parametrize(
    ("content", "where", "words"),
    [
        ("author,text\nAda,fine\nBob,\n", "line 3", "the text is empty"),
        ("author,text,timestamp\nAda,fine,5:00\nBob,bad,soon\n", "line 3", "'soon' is not a time"),
        ("author,text,timestamp\nAda,fine,99:00\n", "line 2", "past the end of this cut"),
        ("id,text\nx,one\nx,two\n", "line 3", "appears twice"),
        ("id,text,parent_id\nx,one,nope\n", "line 2", "neither in the file"),
        ("author,body_text\nAda,hello\n", "line 1", "must name the columns"),
        ("text,created_at\nhello,yesterday\n", "line 2", "not a date and time"),
        (b"text\nfine\n\xff\xfe broken\n", "line 3", "not UTF-8"),
        ('text\nfine\n"unterminated\n', "line 3", ""),
    ],
)
def test_a_malformed_csv_is_refused_naming_the_line_and_nothing_is_written(
    cut, creator, content, where, words
):
    before = (Comment.objects.count(), Reviewer.objects.count())
    with pytest.raises(CommentFileError) as caught:
        _import(cut, "csv", content)
    assert str(caught.value).startswith(where) or caught.value.where == where
    assert words in str(caught.value)
    assert (Comment.objects.count(), Reviewer.objects.count()) == before


def test_a_bad_record_at_the_end_of_a_file_still_leaves_nothing_written(cut, creator):
    rows = "".join(f"c{i},Patron {i},Comment number {i} at 1:{i % 60:02d}\n" for i in range(3000))
    content = "id,author,text\n" + rows + "last,Zed,\n"
    with pytest.raises(CommentFileError, match="line 3002"):
        _import(cut, "csv", content)
    assert not Comment.objects.exists()
    assert not Reviewer.objects.exists()


def _youtube(threads: list[dict]) -> str:
    return json.dumps({"kind": "youtube#commentThreadListResponse", "items": threads})


def _thread(comment_id: str, text: str, author: str, replies=(), channel="UCcreator") -> dict:
    def comment(cid, body, name, parent=None, author_channel=None):
        snippet = {
            "authorDisplayName": name,
            "authorChannelId": {"value": author_channel or f"UC-{name}"},
            "textDisplay": body.replace("\n", "<br>"),
            "textOriginal": body,
            "publishedAt": "2017-10-05T14:30:00Z",
        }
        if parent:
            snippet["parentId"] = parent
        return {"kind": "youtube#comment", "id": cid, "snippet": snippet}

    thread = {
        "kind": "youtube#commentThread",
        "id": comment_id,
        "snippet": {
            "channelId": channel,
            "videoId": "aircAruvnKk",
            "topLevelComment": comment(comment_id, text, author),
            "totalReplyCount": len(replies),
        },
    }
    if replies:
        thread["replies"] = {
            "comments": [
                comment(
                    rid,
                    body,
                    name,
                    parent=comment_id,
                    author_channel=channel if name == "3Blue1Brown" else None,
                )
                for rid, body, name in replies
            ]
        }
    return thread


YOUTUBE_OK = _youtube(
    [
        _thread(
            "Ugx1",
            'At 5:58 "mabye" should be "maybe"',
            "Ada",
            replies=[
                ("Ugx1.r1", "Thanks, fixed!", "3Blue1Brown"),
                ("Ugx1.r2", 'Typo at 6:00: "mabye"', "Bob"),
            ],
        ),
        _thread("Ugx2", "Great video!\nLoved it.", "Carol"),
    ]
)


def test_a_youtube_comment_threads_file_imports_threads_and_replies(cut, creator):
    result = _import(cut, "youtube", YOUTUBE_OK)

    assert (result.total, result.added, result.replies, result.creator) == (4, 4, 2, 1)
    top = cut.comments.get(external_id="Ugx1")
    assert top.text == 'At 5:58 "mabye" should be "maybe"' and top.author_name == "Ada"
    assert set(top.replies.values_list("external_id", flat=True)) == {"Ugx1.r1", "Ugx1.r2"}
    # The video's channel answering is the creator.
    assert cut.comments.get(external_id="Ugx1.r1").author_role == "creator"
    # textOriginal is kept, not YouTube's HTML rendering.
    assert cut.comments.get(external_id="Ugx2").text == "Great video!\nLoved it."
    assert Reviewer.objects.filter(external_id="youtube:UC-Ada").exists()
    # Reports of the same typo in two comments are grouped.
    assert DuplicateGroup.objects.filter(cut=cut).count() == 1
    assert _import(cut, "youtube", YOUTUBE_OK).added == 0


def test_youtube_pages_saved_as_a_json_array_are_read_in_turn(cut, creator):
    pages = (
        "["
        + _youtube([_thread("A", "one", "Ada")])
        + ",\n"
        + _youtube([_thread("B", "two", "Bob")])
        + "]"
    )
    assert _import(cut, "youtube", pages).added == 2


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("not json at all", "record 1"),
        (_youtube([_thread("A", "one", "Ada")])[:-20], "record 1: the JSON is malformed"),
        (_youtube([_thread("A", "one", "Ada"), _thread("B", "two", "Bob")])[:-20], "record 2"),
        (_youtube([_thread("A", "one", "Ada"), {"id": "B"}]), "record 2"),
        (_youtube([_thread("A", "one", "Ada"), _thread("B", "  ", "Bob")]), "record 2 (thread B)"),
        (json.dumps({"items": []}), "no comment threads"),
    ],
)
def test_a_malformed_youtube_file_is_refused_naming_the_record(cut, creator, content, words):
    with pytest.raises(CommentFileError, match=words.replace("(", r"\(").replace(")", r"\)")):
        _import(cut, "youtube", content)
    assert not Comment.objects.exists()


def test_the_command_refuses_a_bad_file_naming_the_line_and_writes_nothing(cut, creator, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("author,text,timestamp\nAda,fine,1:00\nBob,bad,later\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 3: timestamp 'later' is not a time"):
        call_command("import_comments", "--video", "nn", "--cut", "1", "--format", "csv", str(path))
    assert not Comment.objects.exists()


def test_the_command_prints_the_counts(cut, creator, tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text(CSV_OK, encoding="utf-8")
    out = io.StringIO()
    call_command(
        "import_comments", "--video", "nn", "--cut", "1", "--format", "csv", str(path), stdout=out
    )
    assert "4 comments in the file, 4 added (1 by the creator, 1 replies), 0 already imported" in (
        out.getvalue()
    )


def test_batch_triage_stores_the_findings_and_groups_single_comment_triage_would(cut, creator):
    spans = [
        factories.SceneSpanFactory(cut=cut, start_s=start, end_s=start + 60)
        for start in range(0, 1140, 60)
    ]
    assert len(spans) == 19
    paste = PASTE.read_bytes()
    _import(cut, "patreon", paste, triage=False)
    ids = list(cut.comments.order_by("pk").values_list("pk", flat=True))
    for pk in ids:
        findings_triage(comment_id=pk)
    single = _finding_summary(cut)

    other = factories.CutFactory(video=cut.video, number=2, duration_s=1153.0)
    for span in spans:
        factories.SceneSpanFactory(
            cut=other, scene=span.scene, start_s=span.start_s, end_s=span.end_s
        )
    _import(other, "patreon", paste)
    batch = _finding_summary(other)

    assert batch["findings"] == single["findings"]
    # Both paths fetch candidates the same way (time, strong tokens, shared wording), so they
    # find the same groups, the seed's matrix-indices pair (two wordings, 11 s apart) among
    # them. (The seed's "layer-sizes" pair, two content questions in different words, is no
    # longer grouped since grouping weighs shared words by rarity: see README, Triage.)
    assert batch["grouped"] == single["grouped"]
    assert [("Great video! In terms of error", 1), ("One small error I noticed: At ", 0)] in (
        batch["grouped"]
    )


def _finding_summary(cut) -> dict:
    findings = Finding.objects.filter(cut=cut).select_related("comment", "suggested_scene")
    rows = sorted(
        (
            f.comment.text[:30],
            f.position,
            f.text,
            f.timestamp_s,
            f.suggested_category,
            f.suggested_scene.name if f.suggested_scene else None,
        )
        for f in findings
    )
    groups: dict[int, set] = {}
    for f in findings:
        if f.duplicate_group_id:
            groups.setdefault(f.duplicate_group_id, set()).add((f.comment.text[:30], f.position))
    return {"findings": rows, "grouped": sorted(sorted(g) for g in groups.values())}


def test_batch_triage_in_small_batches_stores_what_one_batch_stores(cut, creator):
    """Between two batches the index catches up with the cut's stored findings (its own
    included, once each): small batches must group exactly as one batch does."""
    paste = PASTE.read_bytes()
    _import(cut, "patreon", paste, triage=False)
    ids = list(cut.comments.values_list("pk", flat=True))
    at_once = findings_triage_batch(cut=cut, comment_ids=ids)
    expected = _finding_summary(cut)

    other = factories.CutFactory(video=cut.video, number=2, duration_s=1153.0)
    _import(other, "patreon", paste, triage=False)
    ids = list(other.comments.values_list("pk", flat=True))
    in_tens = findings_triage_batch(cut=other, comment_ids=ids, batch_size=10)

    assert in_tens == at_once
    assert _finding_summary(other) == expected


def test_batch_triage_matches_new_reports_to_the_cuts_stored_findings(cut, creator):
    first = _import(cut, "csv", 'id,author,text\na,Ada,"At 5:58 ""mabye"" should be ""maybe"""\n')
    assert first.findings == 1
    _import(cut, "csv", 'id,author,text\nb,Bob,"Typo at 6:00: ""mabye"""\n')
    grouped = Finding.objects.filter(cut=cut, duplicate_group__isnull=False)
    assert grouped.count() == 2
    assert grouped.values("duplicate_group").distinct().count() == 1


def test_batch_triage_leaves_comments_already_triaged_alone(cut, creator):
    _import(cut, "csv", CSV_OK)
    before = list(Finding.objects.order_by("pk").values_list("pk", "text"))
    ids = list(cut.comments.values_list("pk", flat=True))
    result = findings_triage_batch(cut=cut, comment_ids=ids)
    assert (result.comments, result.findings) == (0, 0)
    assert list(Finding.objects.order_by("pk").values_list("pk", "text")) == before


@pytest.mark.parametrize(
    ("paste", "where", "words"),
    [
        (
            "Comments\n\nGreat!\n\nAda\n\ntimestamp: soon\n\nThe label is off\n",
            "line 7",
            "not a time",
        ),
        ("Comments\n\nOne\n\ntimestamp: 25:00\n\nPast the end\n", "line 5", "past the end"),
        ("Comments\n\n" + "x" * 10_001 + "\n\nAda\n", "line 3", "at most 10,000"),
        (b"Comments\n\nfine\n\n\xc3\x28 broken\n", "line 5", "not UTF-8"),
        ("Comments\n\nfine\n\ntimestamp: 1:00\n", "line 5", "comment it belongs to is missing"),
    ],
)
def test_a_malformed_patreon_paste_is_refused_naming_the_line(cut, creator, paste, where, words):
    with pytest.raises(CommentFileError) as caught:
        _import(cut, "patreon", paste)
    assert caught.value.where == where
    assert words in str(caught.value)
    assert not Comment.objects.exists()


def test_a_paste_without_the_page_around_it_is_read_as_comments(cut, creator):
    paste = "Loved it!\n\nAda Lovelace\n\nAt 2:10 the axis says 'lenght'\n\n3blue1brown\n"
    result = _import(cut, "patreon", paste)
    assert (result.added, result.creator) == (2, 1)
    assert cut.comments.get(author_name="Ada Lovelace").text == "Loved it!"


def test_batch_triage_indexes_findings_under_the_same_tokens_as_single_triage(cut):
    # Later comments find imported ones through FindingToken: by wording ("k:...") as well as by
    # strong tokens, exactly as for comments triaged one by one.
    _import(cut, "patreon", PASTE.read_bytes())
    findings = Finding.objects.filter(cut=cut).prefetch_related("tokens")
    assert findings.exists()
    for finding in findings:
        stored = {t.token for t in finding.tokens.all()}
        assert stored == finding_lookup_tokens(finding.text), finding.text
    assert Finding.objects.filter(cut=cut, tokens__token__startswith="k:").exists()
