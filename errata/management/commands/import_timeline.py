"""Import a cut's scene spans from a timeline file: CMX3600 EDL, OpenTimelineIO, FCP XML or CSV
(name,start,end). The cut's spans are replaced, all or nothing, and findings are pointed at the
scene that now contains them (the same as the studio's timeline page)."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from errata.catalog.services import timeline_import
from errata.catalog.timelines import TimelineFileError, timeline_entries_read
from errata.management.cuts import cut_from_options


class Command(BaseCommand):
    help = "Replace a cut's scene spans with those of an EDL, OTIO, FCP XML or CSV file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--video", required=True, help="the video's slug, e.g. nn-part1")
        parser.add_argument("--cut", required=True, type=int, help="the cut's number, e.g. 1")
        parser.add_argument("--source-path", default="", help="source file of new scenes")
        parser.add_argument("path", help="the timeline file (.edl, .otio, .xml, .fcpxml, .csv)")

    def handle(self, *args, **options) -> None:
        cut = cut_from_options(options)
        path = Path(options["path"])
        try:
            raw = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}.") from None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            # Older editing programs write EDLs in Latin-1.
            text = raw.decode("latin-1")
        try:
            entries = timeline_entries_read(text, filename=path.name, fps=float(cut.effective_fps))
            result = timeline_import(cut=cut, entries=entries, source_path=options["source_path"])
        except TimelineFileError as error:
            raise CommandError(f"{path}: {error}") from None
        except ValidationError as error:
            raise CommandError(f"{path}: {' '.join(error.messages)}") from None
        self.stdout.write(
            f"{cut}: {result.spans} spans from {path.name} ({result.scenes_created} new scenes); "
            f"{result.findings_moved} findings now point at another scene."
        )
