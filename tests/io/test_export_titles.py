"""Exports print a title as the creator wrote it; only the old default titles' "Typo at 6:03: "
(the first cut's time, wrong once carried) is left out, and the migration took it off."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps as django_apps

from errata.io.exports.checklist import short_description
from errata.models import Erratum
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("category", "title", "exported"),
    [
        # A creator's own wording, category-like prefix included, is theirs.
        ("code", "Code: loop reassigns a…", "Code: loop reassigns a…"),
        ("typo", "Typo: “mabye”", "Typo: “mabye”"),
        ("code", "Code at the end: x", "Code at the end: x"),
        # The old default shape, at any time (the erratum may have been carried since).
        ("typo", "Typo at 6:03: “mabye” should be “maybe”", "“mabye” should be “maybe”"),
        ("typo", "Typo at 1:02:03: x", "x"),
        # Another category's label is not this erratum's default prefix.
        ("code", "Typo at 6:03: x", "Typo at 6:03: x"),
        ("typo", "Typo at 6:03: ", "Typo at 6:03:"),
        ("typo", "“mabye”\n should\tbe “maybe”", "“mabye” should be “maybe”"),
    ],
)
def test_the_exports_keep_a_creators_title(cut, category, title, exported):
    erratum = factories.ErratumFactory(cut=cut, title=title, category=category, timestamp_s=373)
    assert short_description(erratum) == exported


def test_the_migration_takes_the_first_cuts_time_off_old_default_titles(cut):
    migration = importlib.import_module("errata.migrations.0015_board_teamwork")
    old = factories.ErratumFactory(
        cut=cut, category="typo", timestamp_s=373, title="Typo at 6:03: “mabye” should be “maybe”"
    )
    creators = factories.ErratumFactory(cut=cut, category="code", title="Code: loop reassigns a…")
    other = factories.ErratumFactory(cut=cut, category="code", title="Typo at 6:03: x")
    migration.titles_without_the_first_cuts_time(django_apps, None)
    titles = dict(Erratum.objects.values_list("pk", "title"))
    assert titles == {
        old.pk: "“mabye” should be “maybe”",
        creators.pk: "Code: loop reassigns a…",
        other.pk: "Typo at 6:03: x",
    }
