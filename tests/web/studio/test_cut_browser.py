"""A creator adds a v2 in a real browser (issue 15, item 1): the form moves nothing by
default, carrying is previewed (what moves, which scene v2 lacks) and confirmed, the erratum in
the missing scene stays on cut 1 with a warning, and cut 2 cannot be deleted once it holds
errata. Screenshots go to test-artifacts/."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from errata.fixes.services import erratum_create_from_findings
from errata.models import Cut, Erratum, Finding, SceneSpan
from tests.browser_checks import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, url: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill("creator")
    page.get_by_label("Password").fill("errata-demo")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/studio/**")


@pytest.mark.parametrize("width", [1440, 390], ids=["desktop", "phone"])
def test_a_new_cut_is_safe_to_add_and_carrying_is_confirmed(live_server, browser, tmp_path, width):
    call_command("load_demo", "--no-video", password="errata-demo")
    cut = Cut.objects.get(number=1)
    spans = list(SceneSpan.objects.filter(cut=cut).select_related("scene").order_by("start_s"))
    # Two errata: one in a scene v2 keeps, one in a scene v2 drops.
    findings = Finding.objects.filter(cut=cut, timestamp_s__isnull=False).order_by("timestamp_s")
    kept = erratum_create_from_findings(finding_ids=[findings.first().pk])
    dropped_finding = findings.last()
    dropped = erratum_create_from_findings(finding_ids=[dropped_finding.pk])
    dropped_scene = next(
        s.scene.name for s in spans if s.start_s <= dropped_finding.timestamp_s < s.end_s
    )
    timeline = tmp_path / "v2.csv"
    timeline.write_text(
        "".join(
            f"{s.scene.name},{s.start_s},{s.end_s}\n"
            for s in spans
            if s.scene.name != dropped_scene
        )
    )
    untriaged_before = Finding.objects.filter(cut=cut, state="new").count()

    context = browser.new_context(viewport={"width": width, "height": 900 if width > 400 else 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _sign_in(page, live_server.url)
        page.goto(f"{live_server.url}/studio/videos/{cut.video.slug}/cuts/1/")
        page.get_by_role("link", name="Add the next cut").click()
        # Nothing preselected that moves work; no invented label or copied duration.
        assert page.get_by_label("Then carry open errata from").input_value() == ""
        assert page.get_by_label("Label").input_value() == ""
        assert page.get_by_label("Duration").input_value() == ""
        page.get_by_label("Label").fill("v2")
        page.get_by_label("Duration").fill("20:00")
        page.get_by_label("Timeline").set_input_files(str(timeline))
        page.get_by_label("Then carry open errata from").select_option(value=str(cut.pk))
        page.get_by_role("button", name="Add the cut").click()

        page.get_by_role("heading", name="Carry open errata from cut 1 to cut 2?").wait_for()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"cut-carry-preview-{width}.png"), full_page=True)
        body = " ".join(page.locator("main").inner_text().split())
        assert "1 open erratum would move" in body
        assert f"This scene is not on cut 2's timeline: {dropped_scene}." in body
        assert f"#{dropped.pk} {dropped.title}" in body
        # Nothing has moved yet: cut 1's inbox is whole.
        assert Finding.objects.filter(cut=cut, state="new").count() == untriaged_before
        assert set(Erratum.objects.values_list("cut__number", flat=True)) == {1}

        page.get_by_role("button", name="Carry them to cut 2").click()
        page.get_by_text("stayed open on the old cut").wait_for()
        assert Erratum.objects.get(pk=kept.pk).cut.number == 2
        assert Erratum.objects.get(pk=dropped.pk).cut.number == 1

        page.goto(f"{live_server.url}/studio/videos/{cut.video.slug}/cuts/1/")
        warning = page.locator("#left-behind")
        assert warning.is_visible()
        assert "1 open erratum is still on this cut, though cut 2 is newer." in warning.inner_text()
        page.screenshot(path=str(ARTIFACTS / f"cut-left-behind-{width}.png"), full_page=True)

        page.goto(f"{live_server.url}/studio/videos/{cut.video.slug}/cuts/2/delete/")
        assert page.get_by_role("alert").inner_text().startswith("Cut 2 cannot be deleted")
        assert page.get_by_role("button", name="Delete cut 2").count() == 0
    finally:
        context.close()
