"""How many actions (key presses + clicks) triaging the demo cut takes in a real browser: one
group at a time with the keyboard (the flow before bulk triage), and with bulk triage (dismiss
the likely praise and chatter after its preview, then select the rest with a click and a
shift-click and accept each as an erratum). Both counts are printed and written to
test-artifacts/triage_actions.json; `bench/triage_actions.py` runs both and prints them.

The decision for each group is the triage engine's (its header's category): none is dismissed,
content is dismissed as content, anything else is accepted as an erratum."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from errata.models import Erratum, Finding

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


class Counted:
    """The page, with every key press and click counted."""

    def __init__(self, page) -> None:
        self.page = page
        self.keys = 0
        self.clicks = 0

    def press(self, key: str) -> None:
        self.keys += 1
        self.page.keyboard.press(key)

    def click(self, locator, **options) -> None:
        self.clicks += 1
        locator.click(**options)

    @property
    def total(self) -> int:
        return self.keys + self.clicks


def _sign_in(live_server, page) -> None:
    call_command("load_demo", "--no-video", password="errata-demo")
    page.goto(f"{live_server.url}/accounts/login/?next=/studio/")
    page.get_by_label("Username").fill("creator")
    page.get_by_label("Password").fill("errata-demo")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Videos").wait_for()
    page.get_by_role("link", name="Inbox").first.click()
    page.get_by_role("heading", name="Triage inbox").wait_for()


def _mark_stale(page) -> None:
    # Not an action: lets the test wait for the list htmx puts in its place.
    page.evaluate("document.getElementById('inbox-list').dataset.stale = '1'")


def _wait_fresh(page) -> None:
    page.wait_for_selector("#inbox-list:not([data-stale])")
    page.wait_for_function("!document.querySelector('.htmx-request')")


def _group_category(group) -> str:
    return group.locator(".group-title .badge").first.inner_text().strip()


def _record(name: str, counted: Counted) -> dict:
    result = {
        "actions": counted.total,
        "keys": counted.keys,
        "clicks": counted.clicks,
        "errata": Erratum.objects.filter(merged_into__isnull=True).count(),
        "dismissed": Finding.objects.filter(state="dismissed").count(),
        "untriaged": Finding.objects.filter(state="new").count(),
    }
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "triage_actions.json"
    saved = json.loads(path.read_text()) if path.exists() else {}
    saved[name] = result
    path.write_text(json.dumps(saved, indent=2))
    print(f"\ntriage actions, {name}: {result}")
    return result


def test_triage_the_demo_one_group_at_a_time_with_the_keyboard(live_server, page):
    _sign_in(live_server, page)
    counted = Counted(page)
    keys = {"none": "d", "content": "c"}
    for _ in range(200):
        if not page.locator("#inbox-list article.group").count():
            break
        focused = page.locator("#inbox-list .group:has(.finding:focus)")
        if not focused.count():
            counted.click(page.locator("#inbox-list .finding").first, position={"x": 5, "y": 5})
            focused = page.locator("#inbox-list .group:has(.finding:focus)")
        _mark_stale(page)
        counted.press(keys.get(_group_category(focused), "a"))
        _wait_fresh(page)
    result = _record("one group at a time", counted)
    assert result["untriaged"] == 0
    assert result["errata"] > 0


def test_triage_the_demo_with_bulk_triage(live_server, page):
    _sign_in(live_server, page)
    counted = Counted(page)

    # Praise and chatter go in one step, after its preview.
    counted.click(page.get_by_role("button", name="Dismiss all likely praise and chatter…"))
    confirm = page.locator("#bulk-slot [data-action='confirm-chatter']")
    confirm.wait_for()
    _mark_stale(page)
    counted.click(confirm)
    _wait_fresh(page)

    for _ in range(50):
        groups = page.locator("#inbox-list article.group")
        if not groups.count():
            break
        # Content suggestions are dismissed as content one by one (there are few).
        content = groups.filter(has=page.locator(".group-title .badge", has_text="content"))
        if content.count():
            _mark_stale(page)
            counted.click(content.first.locator("[data-action='dismiss-content']"))
            _wait_fresh(page)
            continue
        # The rest: the first and, with shift, the last of the page, then accept each.
        boxes = page.locator("#inbox-list [data-bulk-pick]")
        counted.click(boxes.first)
        if boxes.count() > 1:
            counted.click(boxes.last, modifiers=["Shift"])
        assert page.locator("#inbox-list [data-bulk-count]").inner_text() == str(boxes.count())
        _mark_stale(page)
        counted.click(page.locator("#bulk-form [data-action='bulk-accept']"))
        _wait_fresh(page)
    result = _record("bulk triage", counted)
    assert result["untriaged"] == 0
    assert result["errata"] > 0
