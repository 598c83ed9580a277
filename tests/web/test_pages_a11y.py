"""Every main page passes axe-core with no serious or critical violation, at a desktop
(1440x900) and a phone (390x844) size, and leaves a full-page screenshot in test-artifacts/
(<page>-<width>.png). Each page's results, by impact, are printed in the test output (`-s`)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from errata.fixes.services import erratum_create_from_findings
from errata.models import Cut, Erratum, Finding, ReviewLink, Team
from errata.reviews.services import review_link_revoke
from tests.browser_checks import page_audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = [(1440, 900), (390, 844)]
PASSWORD = "errata-demo"


def _demo_pages() -> dict[str, str]:
    """The demo loaded, one erratum accepted and one revoked link: the paths of the pages."""
    call_command("load_demo", "--no-video", password=PASSWORD)
    cut = Cut.objects.select_related("video").get(number=1)
    if not Erratum.objects.exists():
        finding = Finding.objects.filter(cut=cut).order_by("timestamp_s", "pk").first()
        erratum_create_from_findings(finding_ids=[finding.pk])
    erratum = Erratum.objects.order_by("pk").first()
    link = ReviewLink.objects.get(cut=cut, revoked_at__isnull=True)
    closed = ReviewLink.objects.create(cut=cut, label="Old link")
    review_link_revoke(review_link=closed)
    base = f"/studio/videos/{cut.video.slug}"
    return {
        "studio-videos": "/studio/",
        "video": f"{base}/",
        "cut": f"{base}/cuts/1/",
        "inbox": f"{base}/cuts/1/inbox/",
        "board": f"{base}/cuts/1/board/",
        "erratum": f"{base}/errata/{erratum.pk}/",
        "timeline": f"{base}/cuts/1/timeline/",
        "imports": f"{base}/cuts/1/import/",
        "exports": f"{base}/cuts/1/export/",
        "team": f"/studio/teams/{Team.objects.get().slug}/",
        "review": link.get_absolute_url(),
        "patron-mine": f"{link.get_absolute_url()}mine/",
        "review-closed": closed.get_absolute_url(),
    }


@pytest.mark.parametrize(("width", "height"), VIEWPORTS, ids=["desktop", "phone"])
def test_every_main_page_has_no_serious_accessibility_violation(
    live_server, browser, width, height
):
    pages = _demo_pages()
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    audits = []
    try:
        page.goto(f"{live_server.url}/accounts/login/")
        audits.append(page_audit(page, "login"))
        page.get_by_label("Username").fill("creator")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url("**/studio/**")
        for name, path in pages.items():
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status < 500, (name, path)
            page.wait_for_load_state("networkidle")
            audits.append(page_audit(page, name))
    finally:
        context.close()
    blocking = [a for a in audits if a.blocking]
    assert not blocking, "\n".join(a.summary() for a in blocking)


def test_timeline_markers_are_reached_with_tab_and_seek_with_enter(live_server, page):
    call_command("load_demo", "--no-video", password=PASSWORD)
    link = ReviewLink.objects.get(revoked_at__isnull=True)
    page.goto(f"{live_server.url}{link.get_absolute_url()}")
    page.locator(".timeline-bar .marker").first.wait_for(state="attached")
    reached = False
    for _ in range(120):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.timeline-bar .marker')"):
            reached = True
            break
    assert reached, "no timeline marker is reachable with Tab"
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label and " at " in label
    ring = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert ring == "solid"
    page.keyboard.press("Enter")
    page.locator("#announcer", has_text="Playing from").wait_for()


def test_the_focused_finding_after_an_htmx_swap_has_a_contrasting_ring(live_server, page):
    call_command("load_demo", "--no-video", password=PASSWORD)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("creator")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/studio/**")
    cut = Cut.objects.select_related("video").get(number=1)
    page.goto(f"{live_server.url}/studio/videos/{cut.video.slug}/cuts/1/inbox/")
    page.locator("#inbox-list .finding").first.focus()
    page.keyboard.press("d")  # dismiss the group: the list is swapped in place
    page.locator("#inbox-list .notice").wait_for()
    page.wait_for_function("document.activeElement.matches('#inbox-list .finding')")
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineColor]; })()"
    )
    assert style == ["solid", "rgb(27, 27, 31)"]
