"""The inbox in a real browser (headless Chromium): bulk triage with the mouse and the keyboard,
Undo from the banner, the header of the focused group kept in view, Ctrl+Enter replies, long
comments shortened, and htmx's indicator styled from our CSS (no inline <style> for the CSP)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from errata.models import Comment, Erratum, Finding, UndoRecord, Video

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def _inbox(live_server, page) -> None:
    call_command("load_demo", "--no-video", password="errata-demo")
    page.goto(f"{live_server.url}/accounts/login/?next=/studio/")
    page.get_by_label("Username").fill("creator")
    page.get_by_label("Password").fill("errata-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Videos").wait_for()
    page.get_by_role("link", name="Inbox").first.click()
    page.get_by_role("heading", name="Triage inbox").wait_for()


def _header_in_view(page) -> bool:
    """The focused finding's group header is on screen (waits for htmx to settle the swap)."""
    page.wait_for_function(
        """() => {
          const item = document.activeElement.closest && document.activeElement.closest('.group');
          if (!item) return false;
          const box = item.querySelector('.group-title').getBoundingClientRect();
          return box.top >= 0 && box.bottom <= window.innerHeight;
        }""",
        timeout=5000,
    )
    return True


def test_bulk_triage_with_clicks_and_keys_is_undone_from_the_banner(live_server, page):
    _inbox(live_server, page)
    ARTIFACTS.mkdir(exist_ok=True)
    groups = page.locator("#inbox-list article.group")
    total = groups.count()
    untriaged = Finding.objects.filter(state="new").count()

    # Click the first, shift-click the third: three picked. Ctrl-click a fourth, x a fifth.
    boxes = page.locator("#inbox-list [data-bulk-pick]")
    boxes.nth(0).click()
    boxes.nth(2).click(modifiers=["Shift"])
    expect(page.locator("[data-bulk-count]")).to_have_text("3")
    groups.nth(3).locator(".finding-meta").first.click(modifiers=["Control"])
    expect(page.locator("[data-bulk-count]")).to_have_text("4")
    groups.nth(4).locator(".finding").first.focus()
    page.keyboard.press("x")
    expect(page.locator("[data-bulk-count]")).to_have_text("5")
    page.keyboard.press("x")
    expect(page.locator("[data-bulk-count]")).to_have_text("4")
    page.screenshot(path=str(ARTIFACTS / "inbox-bulk-selected.png"), full_page=False)

    # Shift+A accepts each selected group as an erratum.
    page.keyboard.press("A")
    page.locator("#inbox-list .notice", has_text="Accepted 4 groups").wait_for()
    assert Erratum.objects.count() == 4
    expect(groups).to_have_count(min(total, 25) if total <= 25 else 25)
    assert _header_in_view(page)
    page.screenshot(path=str(ARTIFACTS / "inbox-undo-banner.png"), full_page=False)

    # Undo: one click, everything back.
    page.locator("#inbox-list [data-action='undo']").click()
    page.locator("#inbox-list .notice", has_text="Undone").wait_for()
    assert Erratum.objects.count() == 0
    assert Finding.objects.filter(state="new").count() == untriaged
    assert UndoRecord.objects.get().undone_at is not None


def test_dismissing_with_a_key_keeps_the_next_groups_header_in_view_and_u_undoes(live_server, page):
    _inbox(live_server, page)
    page.set_viewport_size({"width": 1440, "height": 900})
    groups = page.locator("#inbox-list article.group")
    groups.nth(6).locator(".finding").last.focus()
    untriaged = Finding.objects.filter(state="new").count()
    page.keyboard.press("d")
    page.locator("#inbox-list .notice", has_text="Dismissed").wait_for()
    assert _header_in_view(page)
    page.keyboard.press("u")
    page.locator("#inbox-list .notice", has_text="Undone").wait_for()
    assert Finding.objects.filter(state="new").count() == untriaged


def test_the_chatter_preview_then_confirm_then_undo(live_server, page):
    _inbox(live_server, page)
    page.get_by_role("button", name="Dismiss all likely praise and chatter…").click()
    preview = page.locator("#bulk-slot .chatter-preview")
    preview.wait_for()
    listed = preview.locator(".chatter-list li").count()
    assert listed > 0
    page.screenshot(path=str(ARTIFACTS / "inbox-chatter-preview.png"), full_page=False)
    preview.locator("[data-action='confirm-chatter']").click()
    page.locator("#inbox-list .notice", has_text="as praise or chatter").wait_for()
    assert Finding.objects.filter(state="dismissed").count() == listed
    page.locator("#inbox-list [data-action='undo']").click()
    page.locator("#inbox-list .notice", has_text="Undone").wait_for()
    assert Finding.objects.filter(state="dismissed").count() == 0


def test_ctrl_enter_sends_a_reply_and_long_comments_are_shortened(live_server, page):
    call_command("load_demo", "--no-video", password="errata-demo")
    video = Video.objects.get()
    cut = video.cuts.order_by("number").first()
    long_text = "At 2:00 the label is wrong. " + "Lorem ipsum dolor sit amet. " * 360
    comment = Comment.objects.create(cut=cut, text=long_text[:10000], author_name="Verbose")
    from errata.findings.services import findings_triage

    findings_triage(comment_id=comment.pk)
    page.goto(
        f"{live_server.url}/accounts/login/?next=/studio/videos/{video.slug}/cuts/{cut.number}/inbox/?order=size"
    )
    page.get_by_label("Username").fill("creator")
    page.get_by_label("Password").fill("errata-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Triage inbox").wait_for()

    verbose = page.locator("#inbox-list .finding", has_text="Verbose").first
    if not verbose.count():
        page.goto(f"{live_server.url}/studio/videos/{video.slug}/cuts/{cut.number}/inbox/?page=2")
        verbose = page.locator("#inbox-list .finding", has_text="Verbose").first
    full = verbose.locator("details.finding-full")
    expect(full).to_have_count(1)
    assert not full.locator("blockquote").is_visible()
    full.locator("summary").click()
    assert full.locator("blockquote").is_visible()

    verbose.get_by_role("button", name="Reply").click()
    box = verbose.locator("textarea")
    box.wait_for()
    box.fill("Thanks, fixed in the next cut.")
    box.press("Control+Enter")
    page.locator("#inbox-list .notice", has_text="Reply posted").wait_for()
    assert Comment.objects.filter(parent=comment, text="Thanks, fixed in the next cut.").exists()


def test_htmx_adds_no_inline_style_and_the_indicator_shows_while_loading(live_server, page):
    _inbox(live_server, page)
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    # htmx would add a <style> with .htmx-indicator rules to <head>: the CSP refuses inline styles.
    assert (
        page.evaluate(
            "[...document.querySelectorAll('style')]"
            ".filter(s => s.textContent.includes('htmx')).length"
        )
        == 0
    )
    # The indicator is ours, hidden until a request runs, shown while it does.
    assert page.evaluate("getComputedStyle(document.getElementById('busy')).opacity") == "0"
    page.evaluate(
        """document.body.addEventListener('htmx:beforeSend', () => {
             window.busyWhileLoading = document.getElementById('busy')
               .classList.contains('htmx-request');
           })"""
    )
    page.get_by_role("button", name="Dismiss all likely praise and chatter…").click()
    page.locator("#bulk-slot .chatter-preview").wait_for()
    assert page.evaluate("window.busyWhileLoading") is True
    page.wait_for_function("!document.getElementById('busy').classList.contains('htmx-request')")
