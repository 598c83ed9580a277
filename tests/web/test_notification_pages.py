"""The pages around notifications: "my reports" on a review link (what became of each of a
patron's comments), and a team member's digest preference in the studio."""

from __future__ import annotations

import pytest
from django.urls import reverse

from errata.findings.services import findings_dismiss
from errata.fixes.services import erratum_create_from_findings, erratum_transition
from errata.models import Comment, Finding, Membership
from errata.notifications.links import reports_token, reports_url
from errata.reviews.services import comment_create, review_link_revoke
from tests import factories

pytestmark = pytest.mark.django_db


def _mine(link) -> str:
    return reverse("errata:review-mine", args=[link.token])


def _post_comment(client, link, text: str, **guest) -> Comment:
    response = client.post(
        reverse("errata:review-comment-create", args=[link.token]), {"text": text, **guest}
    )
    assert response.status_code == 302, response.content
    return Comment.objects.latest("pk")


@pytest.fixture
def cut2(cut):
    return factories.CutFactory(video=cut.video, number=2, duration_s=1160, label="fixed")


@pytest.fixture
def adas_reports(client, review_link, cut2, creator, django_capture_on_commit_callbacks):
    """Ada comments through the page (the browser now remembers her), with four points that
    meet four fates: fixed, dismissed as feedback, closed as not an error, still waiting."""
    with django_capture_on_commit_callbacks(execute=True):
        comment = _post_comment(
            client,
            review_link,
            "At 5:58 it says mabye.\n\nAt 7:10 the sigma should be a sum.\n\n"
            "At 9:00 maybe show the code?\n\nAt 10:00 the blue is hard to see.",
            name="Ada",
            email="ada@example.com",
        )
    findings = list(comment.findings.order_by("position"))
    assert len(findings) == 4
    fixed = erratum_create_from_findings(finding_ids=[findings[0].pk], title="“mabye”")
    erratum_transition(erratum=fixed, status="fixed", fixed_in_cut=cut2)
    closed = erratum_create_from_findings(finding_ids=[findings[1].pk], title="Sigma")
    erratum_transition(
        erratum=closed, status="not_an_error", reason="It is a sum over i; the sigma is right."
    )
    findings_dismiss(finding_ids=[findings[2].pk], category="content")
    comment_create(
        cut=review_link.cut,
        text="Thanks Ada, fixed in v2!",
        author_role="creator",
        parent=comment,
        author_name="Grant",
    )
    return comment


def test_my_reports_shows_what_became_of_each_finding(client, review_link, adas_reports):
    response = client.get(_mine(review_link))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your reports on Neural networks" in page
    assert "Fixed in cut 2 (fixed)" in page
    assert "“mabye”" in page
    assert "Not an error</span>: It is a sum over i; the sigma is right." in page
    assert "Read as feedback; nothing in the video changes" in page
    assert "Waiting for the creator to read it" in page
    assert "Thanks Ada, fixed in v2!" in page
    assert response["Referrer-Policy"] == "no-referrer"


def test_the_review_page_links_to_my_reports_once_it_knows_the_patron(
    client, review_link, adas_reports
):
    assert _mine(review_link).encode() in client.get(review_link.get_absolute_url()).content
    assert (
        _mine(review_link).encode()
        not in type(client)().get(review_link.get_absolute_url()).content
    )


def test_my_reports_shows_only_my_own_comments(client, cut, review_link, adas_reports):
    factories.CommentFactory(cut=cut, text="Bob's secret report", review_link=review_link)
    assert b"Bob's secret report" not in client.get(_mine(review_link)).content


def test_a_stranger_sees_no_reports(client, review_link, adas_reports):
    stranger = type(client)()
    page = stranger.get(_mine(review_link)).content.decode()
    assert "does not know you" in page
    assert "mabye" not in page


def test_the_emailed_link_works_in_any_browser_and_after_the_link_is_revoked(
    client, review_link, adas_reports
):
    ada = adas_reports.reviewer
    emailed = reports_url(review_link=review_link, reviewer=ada)
    review_link_revoke(review_link=review_link)

    fresh_browser = type(client)()
    assert fresh_browser.get(_mine(review_link)).status_code == 410
    response = fresh_browser.get(emailed.removeprefix("http://127.0.0.1:8000"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "This review link was closed by the creator" in page
    assert "Fixed in cut 2" in page
    assert "Stop emails about your reports" in page


def test_a_forged_reports_token_proves_nothing(client, review_link, adas_reports):
    token = reports_token(reviewer=adas_reports.reviewer)
    stranger = type(client)()
    page = stranger.get(f"{_mine(review_link)}?k={token[:-3]}abc").content.decode()
    assert "does not know you" in page
    review_link_revoke(review_link=review_link)
    assert stranger.get(f"{_mine(review_link)}?k={token[:-3]}abc").status_code == 410


def test_the_emailed_link_gathers_every_guest_with_that_address(
    client, cut, review_link, adas_reports
):
    """Ada also commented as a guest on another link with the same address; the mail went to
    that address, so its link shows both. Her browser's cookie shows only this link's guest."""
    other_link = factories.ReviewLinkFactory(cut=cut, label="Discord")
    ada_elsewhere = factories.ReviewerFactory(display_name="Ada L.", email="ADA@example.com")
    factories.CommentFactory(
        cut=cut, reviewer=ada_elsewhere, review_link=other_link, text="Also: the 3 looks like an 8"
    )
    emailed = reports_url(review_link=review_link, reviewer=adas_reports.reviewer)
    page = type(client)().get(emailed.removeprefix("http://127.0.0.1:8000")).content.decode()
    assert "the 3 looks like an 8" in page
    assert "mabye" in page
    assert "the 3 looks like an 8" not in client.get(_mine(review_link)).content.decode()


def test_me_toos_are_listed_with_their_outcome(client, cut, review_link, adas_reports, cut2):
    bob_report = factories.FindingFactory(
        comment=factories.CommentFactory(cut=cut, text="The axis label at 3:00 is cut off"),
        timestamp_s=180,
        suggested_category="visual",
    )
    factories.MeTooFactory(finding=bob_report, reviewer=adas_reports.reviewer)
    erratum = erratum_create_from_findings(finding_ids=[bob_report.pk])
    erratum_transition(erratum=erratum, status="fixed", fixed_in_cut=cut2)
    page = client.get(_mine(review_link)).content.decode()
    assert "What you said “me too” to" in page
    assert "The axis label at 3:00 is cut off" in page
    assert page.count("Fixed in cut 2") == 2


def test_comment_text_on_my_reports_is_escaped(client, review_link):
    _post_comment(client, review_link, "<script>alert(1)</script> at 1:00", name="Eve", email="")
    page = client.get(_mine(review_link)).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<script>alert(1)</script>" not in page


@pytest.mark.parametrize("comments", [10, 200])
def test_my_reports_takes_a_fixed_number_of_queries(
    client, cut, cut2, review_link, comments, django_assert_max_num_queries
):
    ada = factories.ReviewerFactory(display_name="Ada")
    made = Comment.objects.bulk_create(
        Comment(cut=cut, reviewer=ada, text=f"typo {i}", timestamp_s=i, triage_state="done")
        for i in range(comments)
    )
    Finding.objects.bulk_create(
        Finding(comment=c, cut=cut, text=c.text, span_end=5, suggested_category="typo")
        for c in made
    )
    findings = list(Finding.objects.order_by("pk"))
    for finding in findings[: comments // 2]:
        erratum = erratum_create_from_findings(finding_ids=[finding.pk])
        if finding.pk % 2:
            erratum_transition(erratum=erratum, status="fixed", fixed_in_cut=cut2)
    for i in range(5):
        others = factories.FindingFactory(comment=factories.CommentFactory(cut=cut, text=f"x {i}"))
        factories.MeTooFactory(finding=others, reviewer=ada)
    url = reports_url(review_link=review_link, reviewer=ada)
    # The link, the reviewer (and those sharing the address), the comments, their findings with
    # their errata, the creator's replies, the me-toos, and the reporter counts (two).
    with django_assert_max_num_queries(9):
        response = client.get(url.removeprefix("http://127.0.0.1:8000"))
    # Each comment, and the five reports she said "me too" to.
    assert response.content.decode().count('class="mine-comment"') == comments + 5


# --- The studio's notification settings ---------------------------------------------------------


def test_a_member_chooses_how_often_the_digest_comes(client, creator, outsider):
    client.force_login(creator)
    url = reverse("errata:studio:notification_settings")
    page = client.get(url).content.decode()
    assert "Three Blue" in page
    assert "grant@example.com" in page
    team_id = Membership.objects.get(user=creator).team_id

    response = client.post(url, {f"team-{team_id}-digest": "immediate"})
    assert response.status_code == 302
    assert Membership.objects.get(user=creator).digest == "immediate"

    response = client.post(url, {f"team-{team_id}-digest": "hourly"})
    assert response.status_code == 400
    assert Membership.objects.get(user=creator).digest == "immediate"


def test_the_settings_page_warns_a_member_without_an_address(client, creator):
    creator.email = ""
    creator.save()
    client.force_login(creator)
    page = client.get(reverse("errata:studio:notification_settings")).content.decode()
    assert "no email address" in page


def test_the_settings_page_is_for_team_members_only(client):
    url = reverse("errata:studio:notification_settings")
    assert client.get(url).status_code == 302
    patron_account = factories.UserFactory(username="patron-with-account")
    client.force_login(patron_account)
    assert client.get(url).status_code == 403
