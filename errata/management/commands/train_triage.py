"""`manage.py train_triage`: rebuild the learned categoriser's weights file from the committed
data (the real-report corpus and the seed), deterministically: the same data gives the same
bytes. Needs scikit-learn (the `train` extra); serving triage does not."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from errata.management.commands.evaluate_triage import load_dataset
from errata.triage.model import MODEL_PATH

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
CORPUS = DATA_DIR / "corpus" / "real-reports.json"
SEED = DATA_DIR / "seed-labeled.json"


def training_examples(*paths: Path) -> list[tuple[str, str]]:
    from errata.triage.training import labelled_items

    examples: list[tuple[str, str]] = []
    for path in paths:
        examples += [(text, category) for text, category, _ in labelled_items(load_dataset(path))]
    return examples


class Command(BaseCommand):
    help = "Fit the learned triage categoriser on the corpus and the seed; write its weights."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data",
            action="append",
            type=Path,
            help="a labelled data set to train on (repeatable; default: the corpus and the seed)",
        )
        parser.add_argument("--output", type=Path, default=MODEL_PATH, help="where to write")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            from errata.triage.training import fit_category_model
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise CommandError(
                'train_triage needs scikit-learn: pip install -e ".[dev]"'
            ) from error
        paths = options["data"] or [CORPUS, SEED]
        examples = training_examples(*paths)
        if len({category for _, category in examples}) < 2:
            raise CommandError("The data sets hold fewer than two categories to learn.")
        model = fit_category_model(examples, meta={"trained_on": [p.name for p in paths]})
        output: Path = options["output"]
        model.save(output)
        digest = hashlib.sha256(output.read_bytes()).hexdigest()[:16]
        self.stdout.write(
            f"Trained on {len(examples)} examples ({', '.join(p.name for p in paths)}): "
            f"{len(model.words)} word features, {len(model.grams)} character n-grams, "
            f"temperature {model.temperature}.\nWrote {output} (sha256 {digest}…)."
        )
