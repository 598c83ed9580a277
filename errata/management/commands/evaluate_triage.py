"""`manage.py evaluate_triage PATH [--json]`: the triage metrics of DESIGN.md on a labelled
data set (the format of datasets/seed-labeled.json). With --json the last line of output is
one JSON object, for scripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from errata.triage.evaluation import METRIC_KEYS, evaluate

# The bars the seed data set must clear (issue acceptance); shown beside the numbers.
SEED_BARS = {
    "timestamp_f1": 0.97,
    "segmentation_accuracy": 0.9,
    "category_accuracy": 0.85,
    "erratum_f1": 0.9,
    "duplicate_f1": 0.85,
}


class Command(BaseCommand):
    help = "Score the triage engine on a labelled data set (timestamps, splitting, categories, "
    "errata, duplicates)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a labelled data set, e.g. errata/data/seed-labeled.json")
        parser.add_argument(
            "--json", action="store_true", help="end the output with one line of JSON"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dataset = _load(Path(options["path"]))
        metrics = evaluate(dataset)
        self.stdout.write(_table(metrics))
        if options["json"]:
            self.stdout.write(json.dumps(metrics, sort_keys=False))


def _load(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise CommandError(f"No such file: {path}") from error
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as error:
        raise CommandError(f"Cannot read {path}: {error}") from error
    try:
        dataset = json.loads(raw)
    except json.JSONDecodeError as error:
        raise CommandError(
            f"{path} is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from error
    if not isinstance(dataset, dict) or not isinstance(dataset.get("videos"), list):
        raise CommandError(
            f'{path} is not a labelled data set: expected an object with a "videos" list'
        )
    for video in dataset["videos"]:
        if not isinstance(video, dict) or not isinstance(video.get("comments", []), list):
            raise CommandError(f'{path}: every video needs a "comments" list')
    return dataset


def _table(metrics: dict[str, float | int]) -> str:
    lines = [f"{'metric':<24} {'value':>7}   seed bar", f"{'-' * 24} {'-' * 7}   {'-' * 8}"]
    for key in METRIC_KEYS:
        value = metrics[key]
        shown = f"{value:>7d}" if isinstance(value, int) else f"{value:>7.3f}"
        bar = SEED_BARS.get(key)
        mark = ""
        if bar is not None:
            mark = f"{bar:.2f} {'ok' if value >= bar else 'BELOW'}"
        lines.append(f"{key:<24} {shown}   {mark}".rstrip())
    return "\n".join(lines)
