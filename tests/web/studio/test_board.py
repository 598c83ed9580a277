"""The errata board and an erratum's page: by scene and by status, filters, every report and
reporter, the history, the fix loop's status changes and the races they can lose."""

from __future__ import annotations

from html import unescape

import pytest

from errata.fixes.services import (
    erratum_create_from_findings,
    erratum_merge,
    erratum_transition,
    erratum_update,
)
from errata.models import Erratum, Finding, MeToo
from tests import factories
from tests.studio_scenario import bulk_errata, mabye_reports, report

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def errata(cut, scenes, creator):
    """Three errata in three scenes, made the way the inbox makes them."""
    mabye = mabye_reports(cut, scenes)
    typo = erratum_create_from_findings(
        finding_ids=[f.pk for f in mabye], actor=creator, severity="high"
    )
    intro = erratum_create_from_findings(
        finding_ids=[
            report(
                cut,
                "At 0:56 you say zero and ten",
                56,
                category="narration",
                scene=scenes["Intro"],
            ).pk
        ],
        actor=creator,
    )
    late = erratum_create_from_findings(
        finding_ids=[
            report(
                cut, "the arrow at 12:00 overlaps", 720, category="visual", scene=scenes["Rest"]
            ).pk
        ],
        actor=creator,
    )
    return {"typo": typo, "intro": intro, "late": late}


def _board(client, cut, **params):
    return client.get(
        f"/studio/videos/{cut.video.slug}/cuts/{cut.number}/board/", params
    ).content.decode()


def _section_titles(html: str) -> list[str]:
    return [
        unescape(part.split(">", 1)[1].split("<", 1)[0].strip())
        for part in html.split('class="section-title"')[1:]
    ]


def test_the_board_lists_errata_by_scene_in_timeline_order(signed_in, cut, errata):
    page = _board(signed_in, cut)
    assert _section_titles(page) == ["Intro", "BreakUpMacroPatterns", "Rest"]
    assert "5:30\u20137:00" in page  # the scene's span on this cut, with an en dash
    assert page.index(errata["intro"].title) < page.index(errata["typo"].title)
    assert page.index(errata["typo"].title) < page.index(errata["late"].title)


def test_the_board_lists_errata_by_status(signed_in, cut, errata):
    erratum_transition(erratum=errata["late"], status="wontfix", reason="It is fine.")
    erratum_transition(erratum=errata["intro"], status="accepted")
    page = _board(signed_in, cut, view="status")
    assert _section_titles(page) == ["Open", "Accepted", "Won't fix"]


@pytest.mark.parametrize(
    ("filters", "shown"),
    [
        ({"category": "typo"}, ["typo"]),
        ({"severity": "high"}, ["typo"]),
        ({"remedy": "rerecord"}, ["intro"]),
        ({"status": "wontfix"}, ["late"]),
        ({"category": "narration", "status": "open"}, ["intro"]),
        ({"category": "not-a-category"}, ["typo", "intro", "late"]),
    ],
)
def test_the_board_filters_by_category_status_severity_and_remedy(
    signed_in, cut, errata, filters, shown
):
    erratum_transition(erratum=errata["late"], status="wontfix", reason="It is fine.")
    page = _board(signed_in, cut, **filters)
    assert sorted(k for k, e in errata.items() if e.title in page) == sorted(shown)


def test_filtering_with_htmx_returns_only_the_list(signed_in, cut, errata):
    response = signed_in.get(
        f"/studio/videos/{cut.video.slug}/cuts/1/board/", {"category": "typo"}, headers=HTMX
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="board-list"')
    assert errata["typo"].title in body
    assert errata["late"].title not in body


def test_quick_buttons_on_the_board_mark_fixed_in_the_latest_cut_then_verified(
    signed_in, cut, errata, creator
):
    v2 = factories.CutFactory(video=cut.video, number=2, duration_s=1160)
    erratum = errata["typo"]
    url = f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/status/"
    assert "Fixed in cut 2" in _board(signed_in, cut)
    # The list comes back (counts and sections change too); the row is in it.
    board = signed_in.post(
        url,
        {"from": "board", "status": "fixed", "fixed_in_cut": v2.pk, "version": erratum.version},
        headers=HTMX,
    ).content.decode()
    assert board.lstrip().startswith('<section id="board-list"')
    row = board.split(f'<tr id="erratum-row-{erratum.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "in cut 2" in row
    assert ">Verified</button>" in row
    erratum.refresh_from_db()
    assert (erratum.status, erratum.fixed_in_cut) == ("fixed", v2)
    signed_in.post(
        url, {"from": "board", "status": "verified", "version": erratum.version}, headers=HTMX
    )
    erratum.refresh_from_db()
    assert erratum.status == "verified"
    assert list(erratum.events.filter(kind="status").values_list("actor__username", flat=True)) == [
        "grant",
        "grant",
    ]


def test_a_quick_button_on_a_stale_board_says_what_happened(signed_in, cut, errata):
    erratum = errata["typo"]
    old_version = erratum.version
    erratum_transition(erratum=erratum, status="wontfix", reason="Leave it")
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/status/",
        {"from": "board", "status": "accepted", "version": old_version},
        headers=HTMX,
    )
    assert response.status_code == 409
    assert response["HX-Retarget"] == "#board-alert"
    assert "changed by someone else" in response.content.decode()
    assert Erratum.objects.get(pk=erratum.pk).status == "wontfix"


def test_an_erratums_page_shows_every_report_reporter_scene_remedy_and_history(
    signed_in, cut, errata, creator
):
    erratum = errata["typo"]
    finding = erratum.findings.order_by("pk")[1]
    MeToo.objects.create(finding=finding, reviewer=factories.ReviewerFactory(display_name="Cleo"))
    erratum_update(
        erratum=erratum, actor=creator, fix_note="Respell in the Tex of the scene", severity="low"
    )
    page = signed_in.get(f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/").content.decode()
    for reporter in ("Anonymous Patron", "Ben Granger", "Burt Humburg"):
        assert reporter in page
    assert "3 reports" in page
    assert "Me too: Cleo" in page
    assert "BreakUpMacroPatterns — 5:30\u20137:00 in cut 1" in page
    assert "Re-render scene" in page
    assert "Respell in the Tex of the scene" in page
    history = page.split('id="history-title"')[1]
    assert "3blue1brown</strong> created it" in history
    assert "3blue1brown</strong> edited it" in history
    assert "severity: high → low" in history


def test_editing_an_erratum_records_who_changed_what(signed_in, cut, errata):
    erratum = errata["intro"]
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/edit/",
        {
            "title": "Zero to nine, not ten",
            "category": "narration",
            "severity": "low",
            "remedy": "caption",
            "scene": "Intro",
            "timestamp": "0:56",
            "fix_note": "caption it",
            "version": erratum.version,
        },
    )
    assert response.status_code == 302
    erratum.refresh_from_db()
    assert (erratum.title, erratum.remedy, erratum.fix_note) == (
        "Zero to nine, not ten",
        "caption",
        "caption it",
    )
    event = erratum.events.get(kind="edited")
    assert event.actor.username == "grant"
    assert event.changes["remedy"] == ["rerecord", "caption"]


def test_an_edit_based_on_a_stale_page_is_refused_and_keeps_what_was_typed(
    signed_in, cut, errata, creator
):
    erratum = errata["intro"]
    stale = erratum.version
    erratum_update(erratum=erratum, actor=creator, title="Someone else's title")
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/edit/",
        {
            "title": "My title",
            "category": "narration",
            "severity": "low",
            "remedy": "caption",
            "version": stale,
        },
        headers=HTMX,
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "was changed by someone else" in body
    assert 'value="My title"' in body
    assert Erratum.objects.get(pk=erratum.pk).title == "Someone else's title"


@pytest.mark.parametrize("status", ["wontfix", "not_an_error"])
def test_wontfix_and_not_an_error_need_a_reason_on_the_page(signed_in, cut, errata, status):
    erratum = errata["late"]
    url = f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/status/"
    refused = signed_in.post(url, {"status": status, "reason": " "}, headers=HTMX)
    assert refused.status_code == 400
    assert "Say why" in refused.content.decode()
    assert Erratum.objects.get(pk=erratum.pk).status == "open"
    signed_in.post(url, {"status": status, "reason": "The arrow is meant to overlap."})
    erratum.refresh_from_db()
    assert (erratum.status, erratum.resolution_reason) == (status, "The arrow is meant to overlap.")


def test_fixed_needs_a_cut_and_the_page_offers_the_latest(signed_in, cut, errata):
    v2 = factories.CutFactory(video=cut.video, number=2, duration_s=1160)
    erratum = errata["late"]
    page = signed_in.get(f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/").content.decode()
    assert f'<option value="{v2.pk}" selected>cut 2' in page
    url = f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/status/"
    refused = signed_in.post(url, {"status": "fixed", "fixed_in_cut": ""}, headers=HTMX)
    assert "Say which cut fixes it" in refused.content.decode()
    signed_in.post(url, {"status": "fixed", "fixed_in_cut": v2.pk, "fix_note": "moved arrow"})
    erratum.refresh_from_db()
    assert (erratum.status, erratum.fixed_in_cut, erratum.fix_note) == ("fixed", v2, "moved arrow")


def test_merging_moves_the_reports_and_the_old_page_redirects(signed_in, cut, errata):
    source, target = errata["late"], errata["typo"]
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/errata/{source.pk}/merge/", {"target": target.pk}
    )
    assert response["Location"] == f"/studio/videos/{cut.video.slug}/errata/{target.pk}/"
    assert target.findings.count() == 4
    old = signed_in.get(f"/studio/videos/{cut.video.slug}/errata/{source.pk}/")
    assert old["Location"] == f"/studio/videos/{cut.video.slug}/errata/{target.pk}/"


def test_a_merge_that_lost_the_race_is_refused_with_a_clear_alert(signed_in, cut, errata):
    # Two team members have the same erratum open. One merges it into "typo"; the other, with
    # the old page, merges it into "intro" a moment later.
    source = errata["late"]
    erratum_merge(source=source, target=errata["typo"])
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/errata/{source.pk}/merge/",
        {"target": errata["intro"].pk},
        headers=HTMX,
    )
    assert response.status_code == 409
    body = response.content.decode()
    assert '<p class="alert" role="alert">' in body
    assert f"Erratum #{source.pk} was already merged into #{errata['typo'].pk}" in body
    assert errata["typo"].findings.count() == 4
    assert errata["intro"].findings.count() == 1


def test_taking_a_report_out_of_an_erratum_sends_it_back_to_the_inbox(signed_in, cut, errata):
    erratum = errata["typo"]
    finding = erratum.findings.order_by("pk").last()
    response = signed_in.post(
        f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/findings/{finding.pk}/remove/",
        headers=HTMX,
    )
    assert "back in the inbox" in response.content.decode()
    assert Finding.objects.get(pk=finding.pk).state == "new"
    assert "2 reports" in response.content.decode()


@pytest.mark.parametrize("count", [50, 5000])
def test_the_board_renders_in_a_fixed_number_of_queries(
    signed_in, cut, scenes, count, django_assert_max_num_queries
):
    bulk_errata(cut, count // 5, per_erratum=5, scenes=scenes.values())
    # Session, user, membership, video, cut, the page count, the page's errata with their
    # scenes, spans and report counts, the status counts, the latest cut, the page's errata
    # still on screen in a later cut (frame checks), the team's members (the assignee
    # pickers), the member's last visit and this one noted.
    with django_assert_max_num_queries(13):
        response = signed_in.get(f"/studio/videos/{cut.video.slug}/cuts/1/board/")
    assert response.status_code == 200
    assert response.content.decode().count('class="erratum-row"') == min(count // 5, 100)


def test_an_erratum_page_with_many_reports_renders_in_a_fixed_number_of_queries(
    signed_in, cut, scenes, django_assert_max_num_queries
):
    (erratum,) = bulk_errata(cut, 1, per_erratum=300, scenes=scenes.values())
    MeToo.objects.bulk_create(
        MeToo(finding=f, reviewer=factories.ReviewerFactory())
        for f in erratum.findings.order_by("pk")[:30]
    )
    # One more than before the erratum page showed frames: whether the cut's video has any;
    # two more for frame checks: where its text was seen, and its checks in later cuts; two
    # for the team: its discussion and its members (the assignee picker).
    with django_assert_max_num_queries(18):
        response = signed_in.get(f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/")
    assert response.content.decode().count('class="report"') == 300


def test_merging_into_an_erratum_of_another_cut_or_none_is_refused(signed_in, cut, errata):
    elsewhere = factories.ErratumFactory(cut=factories.CutFactory(video=cut.video, number=2))
    for target in (elsewhere.pk, 999_999, errata["late"].pk):
        response = signed_in.post(
            f"/studio/videos/{cut.video.slug}/errata/{errata['late'].pk}/merge/",
            {"target": target},
            headers=HTMX,
        )
        assert response.status_code == 400
        assert f"There is no erratum #{target} on this cut" in response.content.decode()
    assert Erratum.objects.filter(merged_into__isnull=False).count() == 0


def test_the_erratum_page_edits_its_correction(signed_in, cut, errata):
    erratum = errata["intro"]
    url = f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/edit/"
    fields = {
        "title": erratum.title,
        "category": "narration",
        "severity": "low",
        "remedy": "caption",
        "version": erratum.version,
        "correction_wrong": "between 0 and 10",
        "correction_right": "between 0 and 9",
    }
    assert signed_in.post(url, fields).status_code == 302
    erratum.refresh_from_db()
    assert (erratum.correction_wrong, erratum.correction_right) == (
        "between 0 and 10",
        "between 0 and 9",
    )
    assert erratum.events.get(kind="edited").changes["correction_right"] == ["", "between 0 and 9"]
    page = signed_in.get(f"/studio/videos/{cut.video.slug}/errata/{erratum.pk}/").content.decode()
    assert 'value="between 0 and 9"' in page
    # A wrong part without a right one is refused, naming the field, and nothing changes.
    refused = {**fields, "version": erratum.version, "correction_right": ""}
    response = signed_in.post(url, refused, headers=HTMX)
    assert response.status_code == 400
    assert "Say what is right" in response.content.decode()
    erratum.refresh_from_db()
    assert erratum.correction_right == "between 0 and 9"
