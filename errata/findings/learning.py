"""Triage that learns from one team's creators.

Every decision a creator makes about triage's suggestions (choosing a finding's category,
dismissing it as content or none, merging reports triage kept apart, splitting one off a group)
is stored as a TriageExample of their team. The `errata.triage_learn` task, queued after each
decision and swept by beat, folds a team's new examples into its TeamTriageModel: a TeamAdapter
(errata/triage/adaptation.py) that shifts that team's category suggestions and duplicate
threshold, and nobody else's.
"""

from __future__ import annotations

from django.db import transaction

from errata.core.queue import enqueue
from errata.models import Finding, TeamTriageModel, TriageExample
from errata.triage.adaptation import TeamAdapter
from errata.triage.model import current_model

# Examples folded in per task run; the rest wait for the next run (queued again below).
LEARN_BATCH = 500


def triage_examples_record(*, findings: list[Finding], kind: str, category: str = "") -> int:
    """Keep creator decisions as labelled examples of their team, then queue the learning.
    (`findings` of one team: they come from one cut.)"""
    if not findings:
        return 0
    team_id = (
        Finding.objects.filter(pk=findings[0].pk).values_list("cut__video__team_id", flat=True)
    ).first()
    if team_id is None:
        return 0
    TriageExample.objects.bulk_create(
        [
            TriageExample(team_id=team_id, finding=f, kind=kind, text=f.text, category=category)
            for f in findings
        ]
    )
    enqueue("errata.triage_learn", team_id)
    return len(findings)


def team_triage_learn(*, team_id: int, limit: int = LEARN_BATCH) -> int:
    """Fold a team's unlearned examples, oldest first, into its TeamTriageModel. Returns how
    many were learned. Without a model file (rules only) category examples wait."""
    model = current_model()
    TeamTriageModel.objects.get_or_create(team_id=team_id)
    with transaction.atomic():
        # The row lock makes two runs for one team take turns instead of losing an update.
        stored = TeamTriageModel.objects.select_for_update().get(team_id=team_id)
        pending = TriageExample.objects.filter(team_id=team_id, learned=False).order_by("id")
        if model is None:
            pending = pending.exclude(kind=TriageExample.Kind.CATEGORY)
        examples = list(pending[:limit])
        if not examples:
            return 0
        adapter = TeamAdapter.from_json(stored.state)
        for example in examples:
            if example.kind == TriageExample.Kind.CATEGORY:
                adapter.learn_category(model, example.text, example.category)
            elif example.kind == TriageExample.Kind.MERGE:
                adapter.learn_merge()
            else:
                adapter.learn_split()
        stored.state = adapter.to_json()
        stored.examples = adapter.examples
        stored.save(update_fields=["state", "examples", "updated_at"])
        TriageExample.objects.filter(pk__in=[e.pk for e in examples]).update(learned=True)
    if len(examples) == limit:
        enqueue("errata.triage_learn", team_id)
    return len(examples)


def triage_learn_sweep(*, limit: int = 100) -> int:
    """Learn for every team with examples waiting (a queued task may have been lost)."""
    team_ids = list(
        TriageExample.objects.filter(learned=False)
        .order_by("team_id")
        .values_list("team_id", flat=True)
        .distinct()[:limit]
    )
    return sum(team_triage_learn(team_id=team_id) for team_id in team_ids)


def team_adapter(*, video_id: int) -> TeamAdapter | None:
    """What the team owning this video taught triage, or None when it taught nothing yet."""
    state = (
        TeamTriageModel.objects.filter(team__videos=video_id, examples__gt=0)
        .values_list("state", flat=True)
        .first()
    )
    return TeamAdapter.from_json(state) if state else None
