"""Data for the studio tests: a cut's scenes, reports of one misspelling, and bulk findings for
the query-count tests. Plain functions over the factories, so each test says what it needs."""

from __future__ import annotations

from errata.models import Comment, Cut, DuplicateGroup, Erratum, Finding, Scene
from tests import factories

DEMO_SPANS = [("Intro", 0, 330), ("BreakUpMacroPatterns", 330, 420), ("Rest", 420, 1153)]


def scenes_on(cut: Cut, spans=DEMO_SPANS) -> dict[str, Scene]:
    """Intro 0:00-5:30, BreakUpMacroPatterns 5:30-7:00, Rest 7:00-19:13 unless told otherwise."""
    made = {}
    for name, start, end in spans:
        made[name] = Scene.objects.filter(video=cut.video, name=name).first() or (
            factories.SceneFactory(video=cut.video, name=name)
        )
        factories.SceneSpanFactory(cut=cut, scene=made[name], start_s=start, end_s=end)
    return made


def report(
    cut: Cut,
    text: str,
    timestamp_s: float | None,
    *,
    category: str = "typo",
    scene: Scene | None = None,
    group: DuplicateGroup | None = None,
    author: str = "Ada Patron",
) -> Finding:
    """One comment with one untriaged finding, as triage would have stored it."""
    reviewer = factories.ReviewerFactory(display_name=author)
    comment = factories.CommentFactory(
        cut=cut, text=text, reviewer=reviewer, author_name=author, triage_state="done"
    )
    return factories.FindingFactory(
        comment=comment,
        text=text,
        timestamp_s=timestamp_s,
        suggested_category=category,
        suggested_scene=scene,
        duplicate_group=group,
    )


def mabye_reports(cut: Cut, scenes: dict[str, Scene]) -> list[Finding]:
    """Three people report the same misspelling; triage grouped them."""
    group = DuplicateGroup.objects.create(cut=cut)
    scene = scenes["BreakUpMacroPatterns"]
    return [
        report(
            cut,
            'Just a typo: at 5:58, it should be "maybe" instead of "mabye".',
            358,
            scene=scene,
            group=group,
            author="Anonymous Patron",
        ),
        report(
            cut,
            "at around 6:03 you misspelled 'maybe' as 'mabye.'",
            363,
            scene=scene,
            group=group,
            author="Ben Granger",
        ),
        report(
            cut,
            'Ack. Speling erur! Search for "mabye".',
            None,
            group=group,
            author="Burt Humburg",
        ),
    ]


def bulk_findings(
    cut: Cut, count: int, *, per_group: int = 5, scenes=None, errata: list[Erratum] | None = None
) -> list[Finding]:
    """`count` findings in groups of `per_group`, spread over the cut, stored in a few bulk
    inserts (the query-count tests need thousands). Untriaged, or with `errata`, accepted into
    them `per_group` at a time."""
    scenes = list(scenes or [])
    reviewers = [factories.ReviewerFactory(display_name=f"Patron {i}") for i in range(20)]
    comments = Comment.objects.bulk_create(
        Comment(
            cut=cut,
            reviewer=reviewers[i % len(reviewers)],
            author_name=reviewers[i % len(reviewers)].display_name,
            text=f"At {i % 1000} s the label says 'wrnog{i // per_group}' instead of 'wrong'.",
            triage_state=Comment.TriageState.DONE,
        )
        for i in range(count)
    )
    groups = DuplicateGroup.objects.bulk_create(
        DuplicateGroup(cut=cut) for _ in range((count + per_group - 1) // per_group)
    )
    return Finding.objects.bulk_create(
        Finding(
            comment=comment,
            cut=cut,
            text=comment.text,
            span_start=0,
            span_end=len(comment.text),
            timestamp_s=float(i % 1000),
            timestamp_source=Finding.TimestampSource.TEXT,
            suggested_category="typo",
            category_confidence=0.8,
            suggested_scene=scenes[i % len(scenes)] if scenes else None,
            duplicate_group=groups[i // per_group],
            erratum=errata[i // per_group] if errata else None,
            state=Finding.State.ACCEPTED if errata else Finding.State.NEW,
        )
        for i, comment in enumerate(comments)
    )


def bulk_errata(cut: Cut, count: int, *, per_erratum: int = 5, scenes=None) -> list[Erratum]:
    """`count` errata of `per_erratum` reports each (in every status of the fix loop), stored in
    a few bulk inserts."""
    scenes = list(scenes or [])
    errata = Erratum.objects.bulk_create(
        Erratum(
            video=cut.video,
            cut=cut,
            found_in_cut=cut,
            title=f"Erratum {i}",
            category="typo",
            timestamp_s=float(i * per_erratum % 1000),
            scene=scenes[i * per_erratum % len(scenes)] if scenes else None,
            status=["open", "accepted", "fixed", "verified"][i % 4],
            fixed_in_cut=cut if i % 4 >= 2 else None,
        )
        for i in range(count)
    )
    bulk_findings(cut, count * per_erratum, per_group=per_erratum, scenes=scenes, errata=errata)
    return errata
