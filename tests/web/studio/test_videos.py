"""The studio's first pages: the team's videos and cuts with their counts, and a cut's page."""

from __future__ import annotations

import pytest

from errata.fixes.services import erratum_create_from_findings, erratum_transition
from errata.models import Comment
from tests import factories
from tests.studio_scenario import bulk_errata, bulk_findings, mabye_reports, scenes_on

pytestmark = pytest.mark.django_db


def _numbers(html: str, label: str) -> str:
    """The number shown before a label in a counts line: '<strong>3</strong> open errata'."""
    before = html.split(f"</strong> {label}")[0]
    return before.rsplit("<strong>", 1)[1]


def test_the_video_list_counts_new_comments_untriaged_findings_open_and_fixed_errata(
    signed_in, cut, creator
):
    scenes = scenes_on(cut)
    mabye = mabye_reports(cut, scenes)
    factories.CommentFactory(cut=cut, triage_state="pending", text="not triaged yet")
    factories.CommentFactory(cut=cut, author_role="creator", text="a reply", triage_state="skipped")
    erratum = erratum_create_from_findings(finding_ids=[mabye[0].pk], actor=creator)
    fixed = erratum_create_from_findings(finding_ids=[mabye[1].pk], actor=creator)
    v2 = factories.CutFactory(video=cut.video, number=2, duration_s=1160)
    erratum_transition(erratum=fixed, status="fixed", fixed_in_cut=v2)
    page = signed_in.get("/studio/").content.decode()
    video_counts = page.split('class="counts"')[1].split("</p>")[0]
    # New: the pending comment and Burt's, whose finding is still untriaged; not the creator's
    # reply, not the two comments whose findings became errata.
    assert _numbers(video_counts, "new comments") == "2"
    assert _numbers(video_counts, "untriaged finding") == "1"  # one: the singular
    assert _numbers(video_counts, "open erratum") == "1"
    assert _numbers(video_counts, "erratum fixed") == "1"
    rows = page.split("<tbody>")[1]
    cut1 = rows.split("</tr>")[0]
    assert [c.split("<")[0] for c in cut1.split('<td class="num">')[1:]] == ["2", "1", "1", "0"]
    cut2 = rows.split("</tr>")[1]
    assert [c.split("<")[0] for c in cut2.split('<td class="num">')[1:]] == ["0", "0", "0", "1"]
    assert erratum.status == "open"


def test_the_video_list_renders_in_a_fixed_number_of_queries(
    signed_in, team, django_assert_max_num_queries
):
    for v in range(8):
        video = factories.VideoFactory(team=team)
        for n in range(1, 4):
            cut = factories.CutFactory(video=video, number=n, duration_s=1200)
            if v < 2:
                bulk_findings(cut, 200)
                bulk_errata(cut, 10)
    # Session, user, membership, the videos with their errata counts, their cuts with theirs.
    with django_assert_max_num_queries(5):
        response = signed_in.get("/studio/")
    assert response.content.decode().count("Cut 3</a>") == 8


def test_a_cut_page_links_its_pages_and_lists_its_review_links(signed_in, cut, review_link):
    factories.CommentFactory(cut=cut, review_link=review_link)
    page = signed_in.get(f"/studio/videos/{cut.video.slug}/cuts/1/").content.decode()
    for path in ("inbox/", "board/", "timeline/", "import/", "export/"):
        assert f'href="/studio/videos/nn/cuts/1/{path}"' in page
    assert f"/r/{review_link.token}/" in page
    assert "Patreon early access" in page
    assert 'action="/studio/videos/nn/cuts/1/links/"' in page
    assert "19:13" in page


def test_comments_by_creators_are_never_counted_as_new(signed_in, cut):
    Comment.objects.create(cut=cut, text="Thanks!", author_role="creator", triage_state="pending")
    page = signed_in.get(f"/studio/videos/{cut.video.slug}/").content.decode()
    assert [c.split("<")[0] for c in page.split('<td class="num">')[1:5]] == ["0", "0", "0", "0"]
