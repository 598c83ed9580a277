"""The `evaluate_triage` management command: the one piece of the triage engine that needs
Django, so these tests skip when Django settings are not configured (`-p no:django`)."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest

django_settings = pytest.importorskip("django.conf").settings
if not django_settings.configured:
    pytest.skip("Django settings are not configured", allow_module_level=True)

from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402

from errata.triage.evaluation import METRIC_KEYS  # noqa: E402

SEED = Path(__file__).resolve().parents[2] / "errata" / "data" / "seed-labeled.json"


def run(*args: str) -> str:
    out = StringIO()
    call_command("evaluate_triage", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_a_table_of_every_metric() -> None:
    output = run(str(SEED))
    for key in METRIC_KEYS:
        assert key in output


def test_with_json_the_last_line_is_one_object_of_the_metrics() -> None:
    last = run(str(SEED), "--json").strip().splitlines()[-1]
    metrics = json.loads(last)
    assert tuple(metrics) == METRIC_KEYS
    assert metrics["duplicate_f1"] >= 0.85


def test_a_missing_file_is_a_clear_error() -> None:
    with pytest.raises(CommandError, match="No such file"):
        run("/no/such/file.json")


def test_a_file_that_is_not_json_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        run(str(path))


def test_json_that_is_not_a_data_set_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(CommandError, match="videos"):
        run(str(path))


CORPUS = SEED.parent / "corpus" / "real-reports.json"


def _small_corpus(tmp_path: Path, videos: int = 12) -> Path:
    data = json.loads(CORPUS.read_text(encoding="utf-8"))
    path = tmp_path / "small.json"
    path.write_text(json.dumps({"videos": data["videos"][:videos]}), encoding="utf-8")
    return path


def test_cross_validation_prints_learned_beside_rules_with_a_confusion_matrix(tmp_path) -> None:
    out = run(str(_small_corpus(tmp_path)), "--cross-validate", "--folds", "2", "--json")
    result = json.loads(out.strip().splitlines()[-1])
    assert result["folds"] == 2
    assert set(METRIC_KEYS) <= set(result["learned"]) and set(METRIC_KEYS) <= set(result["rules"])
    assert result["learned"]["items"] == result["rules"]["items"] > 0
    assert "confusion" in result["learned"] and "per_category" in result["rules"]
    assert "learned" in out and "rules" in out


def test_folds_below_two_are_refused(tmp_path) -> None:
    with pytest.raises(CommandError, match="--folds"):
        run(str(_small_corpus(tmp_path)), "--cross-validate", "--folds", "1")


def test_a_replay_of_an_unknown_collection_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(CommandError, match="fewer than 4"):
        run(str(_small_corpus(tmp_path)), "--replay", "nobody/nothing")


def test_the_corpus_is_a_valid_data_set_with_sources_for_every_video() -> None:
    data = json.loads(CORPUS.read_text(encoding="utf-8"))
    assert all(video.get("source") for video in data["videos"])
    assert "items" in run(str(CORPUS))
