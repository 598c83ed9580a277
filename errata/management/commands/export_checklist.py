"""Write one export of a cut (the fix checklist, errata as CSV/JSON, the re-render script, EDL
markers, corrections, credits) to standard output."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from errata.io.exports import EXPORT_FORMATS, export_render
from errata.management.cuts import cut_from_options


class Command(BaseCommand):
    help = "Write an export of a cut to standard output."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--video", required=True, help="the video's slug")
        parser.add_argument("--cut", required=True, type=int, help="the cut's number")
        parser.add_argument("--format", required=True, choices=EXPORT_FORMATS)

    def handle(self, *args, **options) -> None:
        cut = cut_from_options(options)
        try:
            result = export_render(cut=cut, fmt=options["format"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(result.content, ending="")
