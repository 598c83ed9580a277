"""The learned categoriser: fitting, its weights file, cross-validation by source, and
per-team adaptation replayed on real reports of a team the model never saw."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from errata.triage import categories
from errata.triage.adaptation import THRESHOLD_LIMIT, TeamAdapter, replay
from errata.triage.evaluation import cross_validate, source_folds
from errata.triage.features import text_features
from errata.triage.model import (
    MODEL_PATH,
    CategoryModel,
    current_model,
    load_model,
    suggest_category,
    use_model,
)
from errata.triage.training import fit_category_model, labelled_items

DATA = Path(__file__).resolve().parents[2] / "errata" / "data"
SEED = json.loads((DATA / "seed-labeled.json").read_text(encoding="utf-8"))
CORPUS = json.loads((DATA / "corpus" / "real-reports.json").read_text(encoding="utf-8"))


def examples(dataset: dict) -> list[tuple[str, str]]:
    return [(text, category) for text, category, _ in labelled_items(dataset)]


@pytest.fixture(scope="module")
def seed_model() -> CategoryModel:
    return fit_category_model(examples(SEED))


def test_fitting_is_deterministic(seed_model: CategoryModel) -> None:
    again = fit_category_model(examples(SEED))
    assert json.dumps(again.to_json(), sort_keys=True) == json.dumps(
        seed_model.to_json(), sort_keys=True
    )


def test_the_weights_file_round_trips_byte_for_byte(seed_model: CategoryModel, tmp_path) -> None:
    first, second = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    seed_model.save(first)
    load_model(first).save(second)
    assert first.read_bytes() == second.read_bytes()
    text = "typo at 6:00: 'mabye' should be 'maybe'"
    assert load_model(first).probabilities(text) == pytest.approx(seed_model.probabilities(text))


def test_a_file_of_another_format_or_other_cues_is_refused(seed_model, tmp_path) -> None:
    data = seed_model.to_json()
    with pytest.raises(ValueError, match="format"):
        CategoryModel.from_json({**data, "format": "something-else/1"})
    cues = dict(data["cues"])
    cues.pop(next(iter(cues)))
    with pytest.raises(ValueError):
        CategoryModel.from_json({**data, "cues": cues})


def test_probabilities_are_a_distribution_over_the_eight_categories(seed_model) -> None:
    probabilities = seed_model.probabilities("the label overlaps the arrow at 1:00")
    assert len(probabilities) == len(categories.CATEGORIES) == 8
    assert sum(probabilities) == pytest.approx(1.0)
    assert all(0 <= p <= 1 for p in probabilities)


def test_the_shipped_model_is_used_and_the_rules_stand_in_without_one() -> None:
    assert MODEL_PATH.exists()
    shipped = current_model()
    assert shipped is not None
    assert shipped.meta.get("trained_on") == ["real-reports.json", "seed-labeled.json"]
    try:
        use_model(None)
        text = "Are there any plans to cover transformers next?"
        assert suggest_category(text) == categories.suggest_category(text)
    finally:
        use_model(shipped)


def test_folds_never_split_a_source() -> None:
    for folds in (None, 5):
        fold_list = source_folds(CORPUS, folds)
        seen: dict[str, int] = {}
        for number, fold in enumerate(fold_list):
            for index in fold:
                video = CORPUS["videos"][index]
                source = video.get("source") or video["title"]
                assert seen.setdefault(source, number) == number
        assert sorted(i for fold in fold_list for i in fold) == list(range(len(CORPUS["videos"])))


def test_cross_validation_scores_learned_and_rules_on_the_same_held_out_videos() -> None:
    small = {"videos": CORPUS["videos"][:24]}
    fitted: list[int] = []

    def fit(training: list[tuple[str, str]]) -> CategoryModel:
        fitted.append(len(training))
        return fit_category_model(training, calibrate=False)

    result = cross_validate(small, extra_training=examples(SEED), folds=3, fit=fit)
    assert result["folds"] == 3 == len(fitted)
    held_out = sum(1 for _ in labelled_items(small))
    # Each fold trains on the seed and the other folds' items only.
    assert sum(n - len(examples(SEED)) for n in fitted) == 2 * held_out
    for engine in ("learned", "rules"):
        assert result[engine]["items"] == held_out
        confusion = result[engine]["confusion"]
        assert sum(sum(row.values()) for row in confusion.values()) == held_out
    assert set(result["learned"]["per_category"]) <= set(categories.CATEGORIES)


def test_an_untouched_adapter_changes_nothing_and_survives_storage(seed_model) -> None:
    adapter = TeamAdapter()
    text = "Around 2:10 the sound lags behind the picture."
    assert seed_model.suggest(text, adapter) == seed_model.suggest(text)
    adapter.learn_category(seed_model, text, "visual")
    stored = TeamAdapter.from_json(json.loads(json.dumps(adapter.to_json())))
    features = text_features(text)
    assert stored.deltas(features, seed_model.classes) == pytest.approx(
        adapter.deltas(features, seed_model.classes), abs=1e-5
    )
    assert TeamAdapter.from_json({"format": "old"}).examples == 0


def test_merges_and_splits_move_the_threshold_within_bounds() -> None:
    adapter = TeamAdapter()
    for _ in range(100):
        adapter.learn_split()
    assert adapter.threshold_offset == THRESHOLD_LIMIT
    for _ in range(200):
        adapter.learn_merge()
    assert adapter.threshold_offset == -THRESHOLD_LIMIT


def test_replaying_a_teams_reports_with_corrections_beats_the_untouched_model() -> None:
    # One team's real reports (Udacity's self-driving-car course issue tracker, 17 lesson
    # videos), in the corpus's order; the model is fitted on everything else.
    team = "udacity/sdc-issue-reports"
    held = {"videos": [v for v in CORPUS["videos"] if v.get("collection") == team]}
    rest = {"videos": [v for v in CORPUS["videos"] if v.get("collection") != team]}
    model = fit_category_model(examples(rest) + examples(SEED))
    labelled = examples(held)
    assert len(labelled) >= 40
    untouched, adapted = replay(model, labelled)
    later = len(labelled) // 2
    assert sum(adapted[later:]) > sum(untouched[later:])
