"""The creator triages the demo cut in a real browser (headless Chromium): three reports of one
misspelling become one erratum in one action, the four "0 to 9" reports another, the five points
of Max Goldstein's long comment are handled one by one, and the board lists them by scene."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from errata.models import Erratum, Finding

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _group_with(page, words: str):
    """The inbox group whose findings include these words (the highlighted part, not the
    surrounding context, which can quote a neighbouring point of the same comment)."""
    return page.locator("article.group").filter(has=page.locator("mark", has_text=words))


def _wait_for_notice(page, words: str) -> None:
    page.locator("#inbox-list .notice", has_text=words).wait_for()


def test_a_creator_triages_the_demo_cut_and_the_board_lists_it_by_scene(live_server, page):
    call_command("load_demo", "--no-video", password="errata-demo")

    page.goto(f"{live_server.url}/studio/")
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill("creator")
    page.get_by_label("Password").fill("errata-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Videos").wait_for()
    page.get_by_role("link", name="Inbox").first.click()
    page.get_by_role("heading", name="Triage inbox").wait_for()

    # The keyboard help opens with "?" and closes with Escape.
    page.locator("#inbox-list .finding").first.focus()
    page.keyboard.press("?")
    assert page.locator("#keys-help").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#keys-help").is_visible()

    # Three people reported "mabye": one group, accepted in one click.
    mabye = _group_with(page, "mabye")
    assert mabye.locator(".finding").count() == 3
    assert re.search(
        r"3 reports near 6:0\d — typo — mabye — scene BreakUpMacroPatterns",
        " ".join(mabye.locator(".group-title").inner_text().split()),
    )
    mabye.get_by_role("button", name="Accept as erratum").click()
    _wait_for_notice(page, "created from 3 reports")
    expect(_group_with(page, "mabye")).to_have_count(0)

    # Four said "0 to 9": one group, accepted with one key.
    zero_to_nine = _group_with(page, "between 0 and 10")
    assert zero_to_nine.locator(".finding").count() == 4
    zero_to_nine.locator(".finding").first.focus()
    page.keyboard.press("a")
    _wait_for_notice(page, "created from 4 reports")
    expect(_group_with(page, "between 0 and 10")).to_have_count(0)

    # Two patrons described the matrix indices at 14:09 and 14:20 in their own words: one group.
    # The creator splits one report out of it with one key.
    indices = _group_with(page, "indices of the matrix and bias vector")
    assert indices.locator(".finding").count() == 2
    indices.locator(".finding", has_text="indices of the matrix and bias vector").focus()
    page.keyboard.press("s")
    expect(
        _group_with(page, "indices of the matrix and bias vector").locator(".finding")
    ).to_have_count(1)

    # Max Goldstein's comment makes five points, each a finding of its own (his 11:38 question,
    # why 16 neurons, is worded unlike the other patron's asking it and stays apart): the creator
    # handles each point on its own.
    points = {
        "1:41, it looks odd": "accept",
        "Around 11:38": "content",
        "13:11 - the pi creature": "accept",
        "14:49 - You assign to a": "accept",
        "16:30ish": "retitle",
    }
    for words, action in points.items():
        group = _group_with(page, words)
        assert group.locator(".finding").count() == 1, words
        assert "Max Goldstein" in group.inner_text()
        group.locator(".finding").first.focus()
        if action == "accept":
            page.keyboard.press("a")
        elif action == "content":
            page.keyboard.press("c")
        else:
            page.keyboard.press("t")
            page.keyboard.press("Control+a")
            page.keyboard.type("Re-record “I've been a little flow”")
            page.keyboard.press("Enter")
        # Handled: the point leaves the inbox (and the next group takes the focus).
        expect(_group_with(page, words)).to_have_count(0)
    _wait_for_notice(page, "Re-record “I've been a little flow”")

    max_findings = Finding.objects.filter(comment__author_name="Max Goldstein")
    assert max_findings.count() == 5
    assert max_findings.filter(state="accepted").values("erratum").distinct().count() == 4
    assert max_findings.get(state="dismissed").category == "content"
    assert Erratum.objects.count() == 6

    page.get_by_role("link", name="Errata board").first.click()
    page.get_by_role("heading", name="Errata board").wait_for()
    # Each section title is the scene's name, then its span on the cut.
    sections = [title.split()[0] for title in page.locator(".section-title").all_inner_texts()]
    assert sections == [
        "WriteAProgram",
        "LayOutPlan",
        "BreakUpMacroPatterns",
        "EvenWhenItWorks",
        "FeedForwardCode",
        "ComplicationIsReassuring",
    ]
    typo_row = page.locator("tr.erratum-row", has_text="mabye")
    assert typo_row.locator("td.num").inner_text().startswith("3")
    narration_row = page.locator("tr.erratum-row", has_text="I've been a little flow")
    assert "Re-record narration" in narration_row.inner_text()
