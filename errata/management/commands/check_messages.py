"""Check the translation catalogues under locale/: every message translated (none empty, none
fuzzy), the committed .mo files the same catalogue as their .po (so `make run` without gettext
shows what the .po says), and with --fresh, that the source holds no marked string the .po
lacks (makemessages run on a copy of the source, merged with the committed .po).

Needs GNU gettext (msgfmt, and xgettext for --fresh); without it, says so and passes, as
`make lint` must run on a machine without gettext (CI installs it, so CI always checks)."""

from __future__ import annotations

import gettext
import io
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# What a copy of the source needs for makemessages to see every marked string.
SOURCE_PARTS = ("errata", "reviewapp", "templates", "manage.py")


def _tool(name: str) -> str:
    """A gettext program's full path (checked present before any is run)."""
    return shutil.which(name) or name


def catalogue_problems(po: Path, mo: Path) -> list[str]:
    """What is wrong with one language's .po/.mo pair (empty when nothing)."""
    problems = []
    stats = subprocess.run(  # noqa: S603 - a list of arguments, no shell
        [_tool("msgfmt"), "--check", "--statistics", "-o", "-", str(po)],
        capture_output=True,
        check=False,
    )
    if stats.returncode:
        return [f"{po}: msgfmt --check failed: {stats.stderr.decode().strip()}"]
    summary = stats.stderr.decode().strip()
    if "untranslated" in summary or "fuzzy" in summary:
        problems.append(f"{po}: {summary} (every message needs a translation)")
    if not mo.exists():
        return [*problems, f"{mo} is missing: run `make messages`."]
    with mo.open("rb") as handle:
        committed = gettext.GNUTranslations(handle)._catalog
    fresh = gettext.GNUTranslations(io.BytesIO(stats.stdout))._catalog
    if committed != fresh:
        differing = sorted(
            str(key) for key in set(committed) | set(fresh) if committed.get(key) != fresh.get(key)
        )
        problems.append(
            f"{mo} does not match {po.name} ({len(differing)} messages differ, e.g. "
            f"{differing[:1]}): run `make messages` and commit both."
        )
    return problems


class Command(BaseCommand):
    help = "Check locale/: every message translated and each .mo matching its .po."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--fresh",
            action="store_true",
            help="Also extract the source's strings again (on a copy) and check none is missing.",
        )

    def handle(self, *args, fresh: bool, **options) -> None:
        if shutil.which("msgfmt") is None or (fresh and shutil.which("xgettext") is None):
            self.stdout.write(
                "check_messages: GNU gettext is not installed here; translations not checked "
                "(apt-get install gettext; CI installs it)."
            )
            return
        locale_dir = Path(settings.LOCALE_PATHS[0])
        languages = [code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
        problems: list[str] = []
        for code in languages:
            folder = locale_dir / code / "LC_MESSAGES"
            if not (folder / "django.po").exists():
                problems.append(f"{folder / 'django.po'} is missing: run `make messages`.")
                continue
            problems += catalogue_problems(folder / "django.po", folder / "django.mo")
            if fresh:
                problems += self._fresh_problems(code, locale_dir)
        if problems:
            raise CommandError("\n".join(problems))
        self.stdout.write(f"check_messages: {', '.join(languages)} complete and compiled.")

    def _fresh_problems(self, code: str, locale_dir: Path) -> list[str]:
        """makemessages on a copy of the source, merged with the committed .po: anything
        left untranslated is a string marked in the source that the .po does not have yet."""
        root = Path(settings.BASE_DIR)
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp)
            for part in SOURCE_PARTS:
                source = root / part
                if source.is_dir():
                    shutil.copytree(
                        source, copy / part, ignore=shutil.ignore_patterns("__pycache__")
                    )
                else:
                    shutil.copy2(source, copy / part)
            shutil.copytree(locale_dir, copy / "locale")
            run = subprocess.run(  # noqa: S603 - a list of arguments, no shell
                [sys.executable, "manage.py", "makemessages", "--locale", code, "--no-obsolete"],
                cwd=copy,
                capture_output=True,
                check=False,
            )
            if run.returncode:
                return [f"makemessages failed: {run.stderr.decode().strip()}"]
            po = copy / "locale" / code / "LC_MESSAGES" / "django.po"
            missing = subprocess.run(  # noqa: S603 - a list of arguments, no shell
                [_tool("msgattrib"), "--untranslated", "--no-wrap", str(po)],
                capture_output=True,
                check=False,
                text=True,
            ).stdout
            fuzzy = subprocess.run(  # noqa: S603 - a list of arguments, no shell
                [_tool("msgattrib"), "--only-fuzzy", "--no-wrap", str(po)],
                capture_output=True,
                check=False,
                text=True,
            ).stdout
        ids = [
            line[len("msgid ") :]
            for line in (missing + fuzzy).splitlines()
            if line.startswith("msgid ") and line != 'msgid ""'
        ]
        if not ids:
            return []
        return [
            f"locale/{code}: {len(ids)} marked strings have no translation yet "
            f"(run `make messages`, then translate): {', '.join(ids[:5])}"
        ]
