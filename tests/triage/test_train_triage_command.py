"""`manage.py train_triage` rebuilds the model file from committed data, deterministically."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest

django_settings = pytest.importorskip("django.conf").settings
if not django_settings.configured:
    pytest.skip("Django settings are not configured", allow_module_level=True)

from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError  # noqa: E402

from errata.triage.model import load_model  # noqa: E402

SEED = Path(__file__).resolve().parents[2] / "errata" / "data" / "seed-labeled.json"


def train(*args: str) -> str:
    out = StringIO()
    call_command("train_triage", *args, stdout=out)
    return out.getvalue()


def test_training_twice_writes_the_same_bytes(tmp_path: Path) -> None:
    first, second = tmp_path / "first.json.gz", tmp_path / "second.json.gz"
    report = train("--data", str(SEED), "--output", str(first))
    train("--data", str(SEED), "--output", str(second))
    assert first.read_bytes() == second.read_bytes()
    assert "Trained on 38 examples" in report
    model = load_model(first)
    assert model.suggest("typo at 6:00: 'mabye' should be 'maybe'").category == "typo"


def test_data_with_one_category_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "one.json"
    path.write_text(
        '{"videos": [{"title": "v", "duration_s": 60, "comments": [{"id": "a", "role": '
        '"patron", "text": "hi", "timestamps_s": [], "items": [{"text": "hi", '
        '"timestamp_s": null, "category": "none", "duplicate_group": null}]}]}]}',
        encoding="utf-8",
    )
    with pytest.raises(CommandError, match="two categories"):
        train("--data", str(path), "--output", str(tmp_path / "m.json.gz"))


def test_a_missing_data_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No such file"):
        train("--data", str(tmp_path / "missing.json"), "--output", str(tmp_path / "m.json.gz"))
