"""Load the demo: the video nn-part1, its early-view cut, 41 scenes, the seed comments and a
creator account, and a small real video for the cut (title cards made by ffmpeg, processed like
an upload), so the demo plays offline. Running it again changes nothing.

The creator is a superuser. With DEBUG on (`make run`) its password is the well-known
`errata-demo`; with DEBUG off (a server) the command refuses unless given `--password`, or
`--generate-password` to have a random one made and printed once, so no production site ever
has a superuser whose password is in the README."""

from __future__ import annotations

import hashlib
import json
import secrets
import tempfile
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from errata.catalog.services import timeline_import
from errata.catalog.timelines import TimelineEntry, timeline_entries_read
from errata.io.services import reviewer_for_import
from errata.management.demo_video import (
    DEMO_VIDEO_VERSION,
    demo_cards,
    demo_filter,
    demo_video_make,
)
from errata.media.ffmpeg import MediaToolError
from errata.media.services import cut_create_with_media, cut_media_attach
from errata.models import Comment, Cut, CutMedia, Membership, ReviewLink, Team, User, Video
from errata.reviews.services import comment_create, review_link_create

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
TIMELINE_FILE = DATA_DIR / "nn-part1-demo-timeline.edl"
SEED_FILE = DATA_DIR / "seed-labeled.json"

DEMO_USERNAME = "creator"
# A demo login, printed on purpose: `make run` is for trying the product locally.
DEMO_PASSWORD = "errata-demo"  # noqa: S105
DEMO_SOURCE_PATH = "_2017/nn/part1.py"
DEMO_LINK_LABEL = "Patreon early access (demo)"
DEMO_DURATION_S = 1153.0
# The corrected cut 2 (--fixed-cut): "maybe" instead of "mabye", and LayOutPlan two seconds
# longer, so every later scene (the typo's too) sits two seconds later than in cut 1.
FIXED_CUT_LONGER_SCENE = "LayOutPlan"
FIXED_CUT_EXTRA_S = 2.0
# Made videos are kept here between runs (tests and a second `make run` reuse them).
DEMO_VIDEO_CACHE = Path(tempfile.gettempdir()) / "errata-demo-video"


class Command(BaseCommand):
    help = "Create the demo video nn-part1 with its cut, scenes, seed comments and a creator."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            help="the creator's password (required with DEBUG off, unless --generate-password)",
        )
        parser.add_argument(
            "--generate-password",
            action="store_true",
            help="make a random password for the creator and print it once",
        )
        parser.add_argument(
            "--no-video",
            action="store_true",
            help="Do not make the demo's video with ffmpeg: the cut plays its YouTube address.",
        )
        parser.add_argument(
            "--fixed-cut",
            action="store_true",
            help='Also add cut 2, the corrected one: "maybe" where cut 1 shows "mabye", and '
            "every scene from LayOutPlan on two seconds later.",
        )

    def _password(self, options: dict) -> str:
        if options["generate_password"]:
            return secrets.token_urlsafe(18)
        if options["password"]:
            try:
                validate_password(options["password"], User(username=DEMO_USERNAME))
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            return options["password"]
        if settings.DEBUG:
            return DEMO_PASSWORD
        raise CommandError(
            f"DEBUG is off: the demo's superuser {DEMO_USERNAME!r} would get the published "
            f"password {DEMO_PASSWORD!r}. Pass --password PASSWORD, or --generate-password to "
            "have one made and printed."
        )

    def handle(self, *args, **options) -> None:
        password = self._password(options)
        entries = timeline_entries_read(
            TIMELINE_FILE.read_text(encoding="utf-8"), filename=TIMELINE_FILE.name, fps=30.0
        )
        with transaction.atomic():
            creator, made_user = self._creator(password)
            cut = self._video_and_cut(creator)
            scenes_before = cut.spans.count()
            if scenes_before == 0:
                timeline_import(cut=cut, entries=entries, source_path=DEMO_SOURCE_PATH)
            added = self._comments(cut)
            link = self._review_link(cut, creator)
            if not options["no_video"]:
                self._video(cut, entries)
                if options["fixed_cut"]:
                    self._fixed_cut(cut, entries)
        self._report_media(cut.video)

        self.stdout.write(
            f"Demo video {cut.video.slug}: cut {cut.number} ({cut.duration_s:g} s), "
            f"{cut.spans.count()} scenes, {cut.comments.count()} comments "
            f"({added} added now)."
        )
        # The password is printed when this run set it, or when it is the public DEBUG one; an
        # existing creator keeps theirs.
        shown = made_user or (settings.DEBUG and password == DEMO_PASSWORD)
        login = f"{DEMO_USERNAME} / {password}" if shown else DEMO_USERNAME
        login += " (created)" if made_user else ""
        self.stdout.write(f"Creator login: {login}  ->  {settings.SITE_URL}/studio/")
        self.stdout.write(f"Patron review page: {settings.SITE_URL}{link.get_absolute_url()}")

    def _creator(self, password: str) -> tuple[User, bool]:
        user = User.objects.filter(username=DEMO_USERNAME).first()
        if user is not None:
            return user, False
        user = User.objects.create_user(
            username=DEMO_USERNAME,
            password=password,
            display_name="3blue1brown",
            email="creator@example.com",
            is_staff=True,
            is_superuser=True,
        )
        # A confirmed address: sign-in requires one (ACCOUNT_EMAIL_VERIFICATION).
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        return user, True

    def _video_and_cut(self, creator: User) -> Cut:
        team, _ = Team.objects.get_or_create(slug="3b1b", defaults={"name": "3Blue1Brown"})
        Membership.objects.get_or_create(
            team=team, user=creator, defaults={"role": Membership.Role.OWNER}
        )
        video, _ = Video.objects.get_or_create(
            slug="nn-part1",
            defaults={
                "team": team,
                "title": "But what is a neural network?",
                "fps": 30,
                "render_command": "manimgl {source} {scenes} -w",
            },
        )
        cut, _ = Cut.objects.get_or_create(
            video=video,
            number=1,
            defaults={
                "label": "Early view",
                "duration_s": DEMO_DURATION_S,
                "fps": 30,
                "media_url": "https://www.youtube.com/watch?v=aircAruvnKk",
            },
        )
        return cut

    def _comments(self, cut: Cut) -> int:
        seed = json.loads(SEED_FILE.read_text(encoding="utf-8"))
        existing = set(
            Comment.objects.filter(cut=cut, source=Comment.Source.IMPORT_PATREON).values_list(
                "external_id", flat=True
            )
        )
        added = 0
        for entry in seed["videos"][0]["comments"]:
            if entry["id"] in existing:
                continue
            name = entry.get("author") or ""
            role = Comment.Role.CREATOR if entry.get("role") == "creator" else Comment.Role.PATRON
            comment_create(
                cut=cut,
                text=entry["text"],
                author_name=name,
                author_role=role,
                reviewer=reviewer_for_import(source="patreon", name=name),
                source=Comment.Source.IMPORT_PATREON,
                external_id=entry["id"],
            )
            added += 1
        return added

    def _demo_file(self, entries: list[TimelineEntry], *, typo_word: str) -> Path | None:
        """The demo's video for these spans, made once and kept (DEMO_VIDEO_CACHE)."""
        duration = max(e.end_s for e in entries)
        graph = demo_filter(demo_cards(entries), typo_word=typo_word)
        key = hashlib.sha256(f"{DEMO_VIDEO_VERSION}|{duration}|{graph}".encode()).hexdigest()
        target = DEMO_VIDEO_CACHE / f"nn-part1-{key[:16]}.mp4"
        if target.exists():
            return target
        DEMO_VIDEO_CACHE.mkdir(parents=True, exist_ok=True)
        self.stdout.write(f"Making the demo video with ffmpeg ({typo_word!r})...")
        partial = target.with_suffix(".part.mp4")
        try:
            demo_video_make(
                partial, cards=demo_cards(entries), duration_s=duration, typo_word=typo_word
            )
        except MediaToolError as error:
            self.stderr.write(f"No demo video ({error}); the cut plays its YouTube address.")
            return None
        partial.replace(target)
        return target

    def _video(self, cut: Cut, entries: list[TimelineEntry]) -> None:
        """The cut's video, made by ffmpeg and attached as an upload is (its processing queued
        on commit); the YouTube address stays as the source the creator can switch to."""
        if cut.media_file or CutMedia.objects.filter(cut=cut).exists():
            return
        path = self._demo_file(entries, typo_word="mabye")
        if path is not None:
            with path.open("rb") as handle:
                cut_media_attach(cut=cut, upload=File(handle, name=path.name))

    def _fixed_cut(self, cut: Cut, entries: list[TimelineEntry]) -> None:
        if Cut.objects.filter(video=cut.video, number=2).exists():
            return
        shifted, shift = [], 0.0
        for entry in entries:
            extra = FIXED_CUT_EXTRA_S if entry.scene_name == FIXED_CUT_LONGER_SCENE else 0.0
            shifted.append(
                TimelineEntry(entry.scene_name, entry.start_s + shift, entry.end_s + shift + extra)
            )
            shift += extra
        path = self._demo_file(shifted, typo_word="maybe")
        if path is None:
            return
        with path.open("rb") as handle:
            cut_create_with_media(
                video=cut.video,
                duration_s=max(e.end_s for e in shifted),
                upload=File(handle, name=path.name),
                label="Fixed",
                fps=30,
                media_url="",
                timeline_entries=shifted,
            )

    def _report_media(self, video: Video) -> None:
        for cut in Cut.objects.filter(video=video).select_related("media").order_by("number"):
            media = getattr(cut, "media", None) if cut.media_file else None
            if media is None:
                continue
            state = media.get_status_display().lower()
            if media.status == CutMedia.Status.FAILED:
                state += f": {media.error}"
            self.stdout.write(f"Cut {cut.number}'s video: {state}.")

    def _review_link(self, cut: Cut, creator: User) -> ReviewLink:
        """One open link to the demo cut, made once, so `make run` can show the patron page."""
        link = cut.review_links.filter(label=DEMO_LINK_LABEL, revoked_at__isnull=True).first()
        return link or review_link_create(cut=cut, label=DEMO_LINK_LABEL, created_by=creator)
