"""Import a comment file into a cut: a Patreon page paste, CSV, or YouTube commentThreads JSON.
All or nothing; re-importing the same file adds nothing."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from errata.core.errors import ErrataConflict
from errata.io.readers import COMMENT_FORMATS, CommentFileError
from errata.io.services import comments_import
from errata.management.cuts import cut_from_options


class Command(BaseCommand):
    help = "Import comments into a cut (patreon paste, csv, youtube commentThreads JSON)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--video", required=True, help="the video's slug")
        parser.add_argument("--cut", required=True, type=int, help="the cut's number")
        parser.add_argument("--format", required=True, choices=COMMENT_FORMATS)
        parser.add_argument(
            "--creator-name",
            default=None,
            help="whose comments are the creator's replies (default: the team owner's name)",
        )
        parser.add_argument("path", type=Path)

    def handle(self, *args, **options) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        cut = cut_from_options(options)
        try:
            result = comments_import(
                cut=cut,
                fmt=options["format"],
                open_file=lambda: path.open("rb"),
                creator_name=options["creator_name"],
            )
        except CommentFileError as error:
            raise CommandError(f"{path.name}, {error} Nothing was imported.") from None
        except (ValidationError, ErrataConflict) as error:
            message = " ".join(getattr(error, "messages", [str(error)]))
            raise CommandError(f"{path.name}: {message} Nothing was imported.") from None
        self.stdout.write(
            f"{path.name}: {result.total} comments in the file, {result.added} added "
            f"({result.creator} by the creator, {result.replies} replies), "
            f"{result.skipped} already imported; triage made {result.findings} findings."
        )
