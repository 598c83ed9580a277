"""`manage.py evaluate_triage PATH [--json] [--rules] [--cross-validate [--folds N]]`: the
triage metrics of DESIGN.md on a labelled data set (the format of datasets/seed-labeled.json).

With --cross-validate the learned categoriser is fitted afresh for each fold, never on the
videos it is tested on (leave-one-source-out unless --folds is given), and the rule engine is
scored on the same folds beside it; per-category precision and recall and a confusion matrix
follow the table. With --json the last line of output is one JSON object, for scripts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from errata.triage.categories import CATEGORIES
from errata.triage.categories import suggest_category as rule_category
from errata.triage.evaluation import METRIC_KEYS, cross_validate, evaluate

# The bars the seed data set must clear (issue acceptance); shown beside the numbers.
SEED_BARS = {
    "timestamp_f1": 0.97,
    "segmentation_accuracy": 0.9,
    "category_accuracy": 0.85,
    "erratum_f1": 0.9,
    "duplicate_f1": 0.85,
}
SEED_FILE = Path(__file__).resolve().parents[2] / "data" / "seed-labeled.json"


class Command(BaseCommand):
    help = "Score the triage engine on a labelled data set (timestamps, splitting, categories, "
    "errata, duplicates, corrections)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="a labelled data set, e.g. errata/data/seed-labeled.json")
        parser.add_argument(
            "--json", action="store_true", help="end the output with one line of JSON"
        )
        parser.add_argument(
            "--rules", action="store_true", help="categorise with the rule engine only"
        )
        parser.add_argument(
            "--cross-validate",
            action="store_true",
            help="fit the learned categoriser per fold (a video's reports never in both train "
            "and test) and score the rule engine on the same folds",
        )
        parser.add_argument(
            "--folds",
            type=int,
            help="with --cross-validate: this many folds of whole sources instead of one per "
            "source",
        )
        parser.add_argument(
            "--train-also",
            action="append",
            type=Path,
            help="with --cross-validate or --replay: a data set always in training "
            "(default: the seed)",
        )
        parser.add_argument(
            "--replay",
            metavar="COLLECTION",
            help="hold out the videos of one collection (one team), fit on the rest, then "
            "replay its findings in order with the creator correcting each suggestion: "
            "accuracy of the untouched model and of the team-adapted one, per half",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dataset = load_dataset(Path(options["path"]))
        if options["folds"] is not None and options["folds"] < 2:
            raise CommandError("--folds must be at least 2.")
        if not (options["cross_validate"] or options["replay"]):
            categorize = rule_category if options["rules"] else None
            metrics = evaluate(dataset, categorize=categorize)
            self.stdout.write(_table(metrics))
            if options["json"]:
                self.stdout.write(json.dumps(metrics, sort_keys=False))
            return
        try:
            from errata.triage.training import labelled_items
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise CommandError(
                '--cross-validate needs scikit-learn: pip install -e ".[dev]"'
            ) from error
        extra: list[tuple[str, str]] = []
        for path in options["train_also"] or [SEED_FILE]:
            if Path(path).resolve() != Path(options["path"]).resolve():
                extra += [(t, c) for t, c, _ in labelled_items(load_dataset(Path(path)))]
        if options["replay"]:
            self.stdout.write(_replay(dataset, options["replay"], extra))
            return
        result = cross_validate(
            dataset,
            extra_training=extra,
            folds=options["folds"],
            progress=lambda done, total: self.stderr.write(f"fold {done}/{total}", ending="\r"),
        )
        self.stderr.write("")
        self.stdout.write(_comparison(result))
        if options["json"]:
            self.stdout.write(json.dumps(result, sort_keys=False))


def _replay(dataset: dict[str, Any], collection: str, extra: list[tuple[str, str]]) -> str:
    from errata.triage.adaptation import replay
    from errata.triage.training import fit_category_model, labelled_items

    def of_team(video: dict[str, Any]) -> bool:
        return collection in (video.get("collection"), video.get("source"))

    held = {"videos": [v for v in dataset["videos"] if of_team(v)]}
    rest = {"videos": [v for v in dataset["videos"] if not of_team(v)]}
    labelled = [(t, c) for t, c, _ in labelled_items(held)]
    if len(labelled) < 4:
        raise CommandError(f"--replay: {collection!r} has fewer than 4 labelled findings.")
    model = fit_category_model([(t, c) for t, c, _ in labelled_items(rest)] + extra)
    untouched, adapted = replay(model, labelled)
    half = len(labelled) // 2
    rows = [
        f"replay of {collection!r}: {len(labelled)} findings in {len(held['videos'])} videos",
        f"{'':24} {'first half':>10} {'later half':>10}",
    ]
    for name, hits in (("untouched model", untouched), ("adapted to the team", adapted)):
        first, later = hits[:half], hits[half:]
        rows.append(f"{name:24} {sum(first) / len(first):10.3f} {sum(later) / len(later):10.3f}")
    return "\n".join(rows)


def load_dataset(path: Path) -> dict[str, Any]:
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
    except RecursionError as error:
        raise CommandError(f"{path} is nested too deeply to be a labelled data set") from error
    if not isinstance(dataset, dict) or not isinstance(dataset.get("videos"), list):
        raise CommandError(
            f'{path} is not a labelled data set: expected an object with a "videos" list'
        )
    for number, video in enumerate(dataset["videos"], start=1):
        if not isinstance(video, dict) or not isinstance(video.get("comments", []), list):
            raise CommandError(f'{path}: video {number} needs a "comments" list')
        for comment in video.get("comments", []):
            if not isinstance(comment, dict) or not isinstance(comment.get("items") or [], list):
                raise CommandError(f"{path}: video {number} has a comment that is not an object")
            if not isinstance(comment.get("text") or "", str):
                raise CommandError(f'{path}: video {number} has a comment whose "text" is no text')
            for item in comment.get("items") or []:
                if not isinstance(item, dict) or not isinstance(item.get("text") or "", str):
                    raise CommandError(f"{path}: video {number} has an item that is not an object")
    return dataset


def _shown(value: float | int) -> str:
    return f"{value:>7d}" if isinstance(value, int) else f"{value:>7.3f}"


def _table(metrics: dict[str, Any]) -> str:
    lines = [f"{'metric':<24} {'value':>7}   seed bar", f"{'-' * 24} {'-' * 7}   {'-' * 8}"]
    for key in METRIC_KEYS:
        value = metrics[key]
        bar = SEED_BARS.get(key)
        mark = ""
        if bar is not None:
            mark = f"{bar:.2f} {'ok' if value >= bar else 'BELOW'}"
        lines.append(f"{key:<24} {_shown(value)}   {mark}".rstrip())
    return "\n".join(lines)


def _comparison(result: dict[str, Any]) -> str:
    learned, rules = result["learned"], result["rules"]
    lines = [
        f"{result['folds']} folds; a video's reports are never in both training and test.",
        "",
        f"{'metric':<24} {'learned':>7} {'rules':>7}",
        f"{'-' * 24} {'-' * 7} {'-' * 7}",
    ]
    for key in METRIC_KEYS:
        lines.append(f"{key:<24} {_shown(learned[key])} {_shown(rules[key])}")
    for name, part in (("learned", learned), ("rules", rules)):
        lines += [
            "",
            f"Per category ({name}):",
            f"{'category':<10} {'prec':>5} {'rec':>5} {'n':>4}",
        ]
        for category, row in part["per_category"].items():
            lines.append(
                f"{category:<10} {row['precision']:>5.2f} {row['recall']:>5.2f} {row['support']:>4}"
            )
        lines += ["", f"Confusion ({name}; rows gold, columns predicted):"]
        header = "".join(f"{c[:5]:>6}" for c in CATEGORIES)
        lines.append(f"{'':<10}{header}")
        for gold in CATEGORIES:
            row = "".join(f"{part['confusion'][gold][p]:>6}" for p in CATEGORIES)
            lines.append(f"{gold:<10}{row}")
    return "\n".join(lines)
