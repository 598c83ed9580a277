"""Load the demo: the video nn-part1, its early-view cut, 41 scenes, the seed comments and a
creator account. Running it again changes nothing.

The creator is a superuser. With DEBUG on (`make run`) its password is the well-known
`errata-demo`; with DEBUG off (a server) the command refuses unless given `--password`, or
`--generate-password` to have a random one made and printed once, so no production site ever
has a superuser whose password is in the README."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from errata.catalog.services import timeline_import
from errata.catalog.timelines import timeline_entries_read
from errata.io.services import reviewer_for_import
from errata.models import Comment, Cut, Membership, ReviewLink, Team, User, Video
from errata.reviews.services import comment_create, review_link_create

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
TIMELINE_FILE = DATA_DIR / "nn-part1-demo-timeline.edl"
SEED_FILE = DATA_DIR / "seed-labeled.json"

DEMO_USERNAME = "creator"
# A demo login, printed on purpose: `make run` is for trying the product locally.
DEMO_PASSWORD = "errata-demo"  # noqa: S105
DEMO_SOURCE_PATH = "_2017/nn/part1.py"
DEMO_LINK_LABEL = "Patreon early access (demo)"


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
        with transaction.atomic():
            creator, made_user = self._creator(password)
            cut = self._video_and_cut(creator)
            scenes_before = cut.spans.count()
            if scenes_before == 0:
                entries = timeline_entries_read(
                    TIMELINE_FILE.read_text(encoding="utf-8"),
                    filename=TIMELINE_FILE.name,
                    fps=float(cut.effective_fps),
                )
                timeline_import(cut=cut, entries=entries, source_path=DEMO_SOURCE_PATH)
            added = self._comments(cut)
            link = self._review_link(cut, creator)

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
                "duration_s": 1153,
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

    def _review_link(self, cut: Cut, creator: User) -> ReviewLink:
        """One open link to the demo cut, made once, so `make run` can show the patron page."""
        link = cut.review_links.filter(label=DEMO_LINK_LABEL, revoked_at__isnull=True).first()
        return link or review_link_create(cut=cut, label=DEMO_LINK_LABEL, created_by=creator)
