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


def test_the_board_the_erratum_page_and_the_markdown_count_reports_alike(client, cut, creator):
    """Reports are findings (the board's count); people are said beside them when fewer (one
    person reported twice) or more (someone only said "me too")."""
    from errata.fixes.services import erratum_create_from_findings
    from errata.io.exports import export_render
    from errata.models import MeToo

    ada = factories.ReviewerFactory(display_name="Ada", email="ada@example.org")
    bob = factories.ReviewerFactory(display_name="Bob", email="bob@example.org")
    findings = [
        factories.FindingFactory(
            comment=factories.CommentFactory(cut=cut, reviewer=who), timestamp_s=at
        )
        for who, at in ((ada, 10), (ada, 12), (bob, 11))
    ]
    erratum = erratum_create_from_findings(finding_ids=[f.pk for f in findings], title="Typo")
    client.force_login(creator)
    board = client.get(f"/studio/videos/{cut.video.slug}/cuts/1/board/").content.decode()
    row = board.split(f'id="erratum-row-{erratum.pk}"', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">3' in row
    page = client.get(f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/").content.decode()
    assert ">3 reports</h2>" in page
    assert "· 3 reports from 2 people" in export_render(cut=cut, fmt="md").content
    MeToo.objects.create(finding=findings[2], reviewer=factories.ReviewerFactory())
    assert "· 3 reports from 3 people" not in export_render(cut=cut, fmt="md").content
    assert "· 3 reports\n" in export_render(cut=cut, fmt="md").content
