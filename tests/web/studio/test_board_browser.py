"""The board and the fix loop in a real browser (headless Chromium): the title offered after an
accept, severity keys in the inbox and on the board, quick buttons that move the row and update
the counts, and a refused "won't fix" said beside its field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from errata.models import Erratum

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path("test-artifacts")


def _group_with(page, words: str):
    return page.locator("article.group").filter(has=page.locator("mark", has_text=words))


def _sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/studio/")
    page.get_by_label("Username").fill("creator")
    page.get_by_label("Password").fill("errata-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Videos").wait_for()


def _chip(page, status: str) -> str:
    return page.locator(f'#board-counts [data-status="{status}"] strong').inner_text()


@pytest.mark.parametrize("viewport", [(1440, 900), (390, 844)], ids=["desktop", "mobile"])
def test_a_creator_titles_rates_and_moves_errata_with_the_keyboard(live_server, browser, viewport):
    ARTIFACTS.mkdir(exist_ok=True)
    call_command("load_demo", "--no-video", password="errata-demo")
    context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    page.set_default_timeout(10_000)
    size = f"{viewport[0]}x{viewport[1]}"
    try:
        _sign_in(page, live_server)
        page.goto(f"{live_server.url}/studio/videos/nn-part1/cuts/1/inbox/")

        # Accept the "mabye" group: its suggested title comes back focused to type over.
        _group_with(page, "mabye").get_by_role("button", name="Accept as erratum").click()
        title = page.locator("[data-accept-title]")
        expect(title).to_be_focused()
        expect(title).to_have_value("“mabye” should be “maybe”")
        title.fill("“maybe” misspelt in the macro patterns")
        page.keyboard.press("Enter")
        page.locator("#accept-notice", has_text="saved").wait_for()
        typo = Erratum.objects.filter(findings__text__icontains="mabye").distinct().get()
        assert typo.title == "“maybe” misspelt in the macro patterns"

        # "3" on a group sets its severity before "a" accepts it.
        group = _group_with(page, "between 0 and 10")
        group.locator(".finding").first.focus()
        page.keyboard.press("3")
        expect(group.locator('select[name="severity"]')).to_have_value("high")
        page.keyboard.press("a")
        expect(page.locator("[data-accept-title]")).to_be_focused()
        page.keyboard.press("Escape")
        expect(page.locator("#inbox-list .finding").first).to_be_focused()
        assert (
            Erratum.objects.filter(findings__text__icontains="between 0 and 10")
            .distinct()
            .get()
            .severity
            == "high"
        )

        # The board by status: "4" on a row makes it critical; Accept moves it and the chips.
        page.goto(f"{live_server.url}/studio/videos/nn-part1/cuts/1/board/?view=status")
        assert (_chip(page, "open"), _chip(page, "accepted")) == ("2", "0")
        row = page.locator(f"#erratum-row-{typo.pk}")
        row.get_by_role("link").focus()
        page.keyboard.press("4")
        expect(page.locator(f"#erratum-row-{typo.pk}")).to_be_focused()
        expect(page.locator(f"#severity-{typo.pk}")).to_have_value("critical")
        assert Erratum.objects.get(pk=typo.pk).severity == "critical"
        page.locator(f"#erratum-row-{typo.pk}").get_by_role("button", name="Accept").click()
        page.locator("#board-list .notice", has_text="accepted").wait_for()
        assert (_chip(page, "open"), _chip(page, "accepted")) == ("1", "1")
        accepted = page.locator(".board-section").filter(
            has=page.get_by_role("heading", name="Accepted")
        )
        expect(accepted.locator(f"#erratum-row-{typo.pk}")).to_have_count(1)
        expect(page.locator(f"#erratum-row-{typo.pk}")).to_be_focused()
        page.screenshot(path=str(ARTIFACTS / f"board-{size}.png"), full_page=True)

        # Won't fix without a reason: said beside the field, which has the focus; the choice
        # stays.
        page.goto(f"{live_server.url}/studio/videos/nn-part1/errata/{typo.pk}/")
        page.get_by_role("radio", name="Won't fix").check()
        page.get_by_role("button", name="Change status").click()
        error = page.locator("#status_reason-error")
        expect(error).to_contain_text("Say why")
        expect(page.locator("#status_reason")).to_be_focused()
        expect(page.get_by_role("radio", name="Won't fix")).to_be_checked()
        assert re.search(
            r"status_reason-error", page.locator("#status_reason").get_attribute("aria-describedby")
        )
        page.screenshot(path=str(ARTIFACTS / f"erratum-wontfix-{size}.png"), full_page=True)
        assert Erratum.objects.get(pk=typo.pk).status == "accepted"
    finally:
        context.close()
