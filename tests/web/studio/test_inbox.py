"""The triage inbox: suggested groups, the one-key actions on them, and what a lost race says."""

from __future__ import annotations

import pytest

from errata.fixes.services import erratum_create_from_findings, erratum_merge
from errata.models import Comment, DuplicateGroup, Erratum, Finding, MeToo
from tests import factories
from tests.studio_scenario import bulk_findings, mabye_reports, report

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


@pytest.fixture
def mabye(cut, scenes):
    return mabye_reports(cut, scenes)


def _url(cut, tail: str = "") -> str:
    return f"/studio/videos/{cut.video.slug}/cuts/{cut.number}/{tail}"


def _accept(client, findings, **fields):
    data = {
        "finding": [f.pk for f in findings],
        "category": "typo",
        "severity": "medium",
        "remedy": "rerender",
        **fields,
    }
    return client.post(_url(cut=findings[0].cut, tail="inbox/accept/"), data, headers=HTMX)


def test_the_inbox_shows_a_group_as_one_suggestion_with_its_reports(signed_in, cut, mabye):
    MeToo.objects.create(finding=mabye[1], reviewer=factories.ReviewerFactory())
    page = signed_in.get(_url(cut, "inbox/")).content.decode()
    header = " ".join(page.split('class="group-title"')[1].split("</h2>")[0].split())
    assert "3 reports near 6:03" in header
    assert 'cat-typo">typo' in header
    assert "<q>mabye</q>" in header
    assert "scene BreakUpMacroPatterns" in header
    assert "Reported by Anonymous Patron, Ben Granger, Burt Humburg · 1 “me too”" in page
    # Each finding in the context of its comment, escaped, with its time; untimed ones last.
    assert (
        "<mark>at around 6:03 you misspelled &#x27;maybe&#x27; as &#x27;mabye.&#x27;</mark>" in page
    )
    assert (
        page.index("Just a typo: at 5:58")
        < page.index("at around 6:03 you")
        < page.index("Speling erur")
    )
    # The accept form comes prefilled and editable.
    # The title names the correction the reports state, as a creator would (the time and
    # category are beside it, and the time changes when the erratum is carried).
    assert 'name="title" value="“mabye” should be “maybe”"' in page
    assert 'name="scene" value="BreakUpMacroPatterns"' in page
    assert 'name="timestamp" value="6:03"' in page


def test_a_comments_text_is_shown_escaped(signed_in, cut):
    report(cut, 'See <a href="https://example.com">this</a> at 1:00', 60, category="none")
    page = signed_in.get(_url(cut, "inbox/")).content.decode()
    assert "&lt;a href=&quot;https://example.com&quot;&gt;this&lt;/a&gt;" in page
    assert '<a href="https://example.com">' not in page


def test_accepting_a_group_makes_one_erratum_in_one_action(signed_in, cut, mabye, scenes):
    response = _accept(
        signed_in,
        mabye,
        title="Typo at 6:03: “mabye”",
        scene="BreakUpMacroPatterns",
        timestamp="6:03",
    )
    assert response.status_code == 200
    fragment = response.content.decode()
    assert "<html" not in fragment  # htmx gets the list, not a page
    assert 'id="inbox-list"' in fragment
    erratum = Erratum.objects.get()
    assert f"Erratum #{erratum.pk} created from 3 reports" in fragment
    assert (erratum.title, erratum.scene, erratum.timestamp_s) == (
        "Typo at 6:03: “mabye”",
        scenes["BreakUpMacroPatterns"],
        363,
    )
    assert set(Finding.objects.values_list("state", "erratum")) == {("accepted", erratum.pk)}
    assert erratum.events.get().actor.username == "grant"
    assert "Nothing left to triage" in fragment


def test_the_prefilled_fields_can_be_changed_before_accepting(signed_in, cut, mabye, scenes):
    _accept(
        signed_in,
        mabye[:2],
        title="Maybe is misspelled",
        category="visual",
        severity="high",
        remedy="caption",
        scene="Intro",
        timestamp="5:30.5",
    )
    erratum = Erratum.objects.get()
    assert (erratum.title, erratum.category, erratum.severity, erratum.remedy) == (
        "Maybe is misspelled",
        "visual",
        "high",
        "caption",
    )
    assert (erratum.scene, erratum.timestamp_s) == (scenes["Intro"], 330.5)


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"timestamp": "six oh three"}, "is not a time"),
        ({"timestamp": "25:00"}, "past the end of this cut"),
        ({"scene": "NoSuchScene"}, "no scene named"),
        ({"category": "banana"}, "Select a valid choice"),
    ],
)
def test_bad_input_is_refused_above_the_list_and_nothing_changes(
    signed_in, cut, mabye, fields, words
):
    response = _accept(signed_in, mabye, **fields)
    assert response.status_code == 400
    assert response["HX-Retarget"] == "#inbox-alert"
    body = response.content.decode()
    assert 'role="alert"' in body
    assert words in body
    assert not Erratum.objects.exists()


def test_a_finding_someone_else_accepted_first_is_a_clear_conflict(signed_in, cut, mabye):
    # Another team member accepted one of the three a moment ago, from their own page.
    erratum_create_from_findings(finding_ids=[mabye[2].pk])
    response = _accept(signed_in, mabye)
    assert response.status_code == 409
    body = response.content.decode()
    assert '<p class="alert" role="alert">1 of these 3 findings were already accepted' in body
    assert Erratum.objects.count() == 1
    assert Finding.objects.filter(state="new").count() == 2
    # The list is refreshed, so the two that are left show as they are now.
    assert 'id="inbox-list"' in body


def test_a_plain_form_post_accepts_and_returns_to_the_inbox(signed_in, cut, mabye):
    response = signed_in.post(
        _url(cut, "inbox/accept/"),
        {
            "finding": [f.pk for f in mabye],
            "category": "typo",
            "severity": "medium",
            "remedy": "rerender",
            "order": "size",
            "page": "1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == _url(cut, "inbox/?order=size")
    assert Erratum.objects.count() == 1


def test_more_reports_join_an_existing_erratum_picked_nearest_first(signed_in, cut, mabye, scenes):
    far = erratum_create_from_findings(
        finding_ids=[report(cut, "the arrow at 15:00 overlaps", 900, category="visual").pk]
    )
    near = erratum_create_from_findings(finding_ids=[mabye[0].pk])
    picker = signed_in.get(
        _url(cut, "inbox/add/"),
        {"finding": [mabye[1].pk, mabye[2].pk], "group": "g1"},
        headers=HTMX,
    ).content.decode()
    assert picker.index(f"#{near.pk} 5:58") < picker.index(f"#{far.pk} 15:00")
    response = signed_in.post(
        _url(cut, "inbox/add/"),
        {"erratum": near.pk, "finding": [mabye[1].pk, mabye[2].pk]},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert f"Added 2 reports to erratum #{near.pk}" in response.content.decode()
    assert near.findings.count() == 3


def test_adding_to_an_erratum_merged_meanwhile_says_so(signed_in, cut, mabye):
    first = erratum_create_from_findings(finding_ids=[mabye[0].pk])
    second = erratum_create_from_findings(finding_ids=[mabye[1].pk])
    erratum_merge(source=second, target=first)  # someone else, just now
    response = signed_in.post(
        _url(cut, "inbox/add/"), {"erratum": second.pk, "finding": [mabye[2].pk]}, headers=HTMX
    )
    assert response.status_code == 409
    assert f"was merged into #{first.pk}" in response.content.decode()
    assert Finding.objects.get(pk=mabye[2].pk).state == "new"


@pytest.mark.parametrize("category", ["none", "content"])
def test_dismissing_a_group_as_none_or_content(signed_in, cut, mabye, category):
    response = signed_in.post(
        _url(cut, "inbox/dismiss/"),
        {"finding": [f.pk for f in mabye], "category": category},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert f"Dismissed 3 findings as {category}" in response.content.decode()
    assert set(Finding.objects.values_list("state", "category")) == {("dismissed", category)}
    dismissed = signed_in.get(_url(cut, "inbox/"), {"show": "dismissed"}).content.decode()
    assert "Speling erur" in dismissed
    restored = signed_in.post(
        _url(cut, f"findings/{mabye[2].pk}/restore/"), {"show": "dismissed"}, headers=HTMX
    )
    assert "Restored to the inbox" in restored.content.decode()
    assert Finding.objects.get(pk=mabye[2].pk).state == "new"


def test_splitting_a_finding_out_of_its_group(signed_in, cut, mabye):
    group = mabye[0].duplicate_group
    response = signed_in.post(_url(cut, f"findings/{mabye[2].pk}/split/"), headers=HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "2 reports near" in body
    assert "1 report —" in " ".join(body.split())
    assert Finding.objects.get(pk=mabye[2].pk).duplicate_group != group
    assert Finding.objects.filter(duplicate_group=group).count() == 2
    again = signed_in.post(_url(cut, f"findings/{mabye[2].pk}/split/"), headers=HTMX)
    assert again.status_code == 400
    assert "already on its own" in again.content.decode()


def test_correcting_a_findings_category_scene_and_time(signed_in, cut, mabye, scenes):
    form = signed_in.get(_url(cut, f"findings/{mabye[2].pk}/edit/"), headers=HTMX)
    assert 'name="timestamp"' in form.content.decode()
    response = signed_in.post(
        _url(cut, f"findings/{mabye[2].pk}/edit/"),
        {"category": "notation", "scene": "Rest", "timestamp": "12:00"},
        headers=HTMX,
    )
    assert response.status_code == 200
    finding = Finding.objects.get(pk=mabye[2].pk)
    assert (finding.category, finding.scene, finding.timestamp_s, finding.timestamp_source) == (
        "notation",
        scenes["Rest"],
        720,
        "manual",
    )
    assert finding.suggested_scene == scenes["Rest"]


def test_replying_to_the_commenter_posts_a_creator_reply_under_their_comment(
    signed_in, cut, mabye, django_capture_on_commit_callbacks
):
    form = signed_in.get(_url(cut, f"findings/{mabye[1].pk}/reply/"), headers=HTMX)
    assert "Reply to Ben Granger" in form.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post(
            _url(cut, f"findings/{mabye[1].pk}/reply/"),
            {"text": "Good catch, fixed in the next cut!\n\n"},
            headers=HTMX,
        )
    assert "Reply posted to Ben Granger" in response.content.decode()
    reply = Comment.objects.get(parent=mabye[1].comment)
    # Stored exactly as written, trailing blank lines included.
    assert (reply.author_role, reply.text, reply.author_name) == (
        "creator",
        "Good catch, fixed in the next cut!\n\n",
        "3blue1brown",
    )
    assert reply.triage_state == "skipped"  # a creator's reply is not a report
    assert not reply.findings.exists()
    assert "replied" in signed_in.get(_url(cut, "inbox/")).content.decode()


def test_the_inbox_pages_through_groups_and_orders_by_size(signed_in, cut, scenes):
    bulk_findings(cut, 60, per_group=2)
    big = DuplicateGroup.objects.create(cut=cut)
    for i in range(4):
        report(cut, f"the big one {i}", 1100, group=big)
    first = signed_in.get(_url(cut, "inbox/")).content.decode()
    assert "64 untriaged findings in 31 groups" in first
    assert "Page 1 of 2" in first
    assert "the big one" not in first  # 18:20 is late in the cut: page 2
    by_size = signed_in.get(_url(cut, "inbox/"), {"order": "size"}).content.decode()
    assert by_size.index("the big one") < by_size.index("wrnog")


def _findings_in_page(html: str) -> int:
    return html.count('class="finding" tabindex="0"')


@pytest.mark.parametrize("count", [50, 5000])
def test_the_inbox_renders_in_a_fixed_number_of_queries(
    signed_in, cut, scenes, count, django_assert_max_num_queries
):
    bulk_findings(cut, count, per_group=5, scenes=scenes.values())
    MeToo.objects.bulk_create(
        MeToo(finding=f, reviewer=factories.ReviewerFactory())
        for f in Finding.objects.order_by("pk")[:20]
    )
    # Session, user, membership, video, cut, tab counts, scene names, the number of groups, the
    # page's groups, their first findings, whether the cut's video has frames to show, the
    # page's frame checks, and the member's visit (when the last was, the new one noted, what
    # it marks new): the same fifteen queries for 50 findings or 5,000.
    with django_assert_max_num_queries(15):
        response = signed_in.get(_url(cut, "inbox/"))
    assert response.status_code == 200
    assert _findings_in_page(response.content.decode()) == min(count, 25 * 5)


def _big_group(cut, size: int) -> list[Finding]:
    group = DuplicateGroup.objects.create(cut=cut)
    return [
        report(cut, f"the label says 'mabye' (report {n})", 360 + n % 30, group=group)
        for n in range(size)
    ]


def test_a_large_group_shows_its_first_reports_and_loads_the_rest_on_demand(signed_in, cut):
    members = _big_group(cut, 40)
    page = signed_in.get(_url(cut, "inbox/")).content.decode()
    assert "40 reports" in page
    assert _findings_in_page(page) == 5
    assert "35 more reports" in page
    # Not every member's id goes into the page (they were repeated four times each).
    assert f'data-finding="{members[-1].pk}"' not in page
    url = _url(cut, f"inbox/groups/g{members[0].duplicate_group_id}/")
    more = signed_in.get(url, {"offset": "5"}, headers=HTMX).content.decode()
    assert _findings_in_page(more) == 25
    assert "offset=30" in more
    rest = signed_in.get(url, {"offset": "30"}, headers=HTMX).content.decode()
    assert _findings_in_page(rest) == 10
    assert "offset=" not in rest
    shown = page + more + rest
    assert all(f'data-finding="{f.pk}"' in shown for f in members)


def test_more_of_a_group_refuses_a_bad_offset_and_knows_no_other_cut(signed_in, cut):
    members = _big_group(cut, 8)
    url = _url(cut, f"inbox/groups/g{members[0].duplicate_group_id}/")
    assert signed_in.get(url, {"offset": "x"}).status_code == 400
    other = factories.CutFactory(video=cut.video, number=cut.number + 1)
    elsewhere = signed_in.get(_url(other, f"inbox/groups/g{members[0].duplicate_group_id}/"))
    assert _findings_in_page(elsewhere.content.decode()) == 0


def test_accepting_a_large_group_by_its_key_accepts_every_report(signed_in, cut):
    members = _big_group(cut, 40)
    key = f"g{members[0].duplicate_group_id}"
    response = signed_in.post(
        _url(cut, "inbox/accept/"),
        {
            "group": key,
            "title": "mabye",
            "category": "typo",
            "severity": "medium",
            "remedy": "rerender",
        },
        headers=HTMX,
    )
    assert response.status_code == 200
    erratum = Erratum.objects.get()
    assert erratum.findings.count() == 40
    # The group is gone: naming it again changes nothing and says so.
    again = signed_in.post(
        _url(cut, "inbox/accept/"),
        {
            "group": key,
            "title": "again",
            "category": "typo",
            "severity": "medium",
            "remedy": "rerender",
        },
        headers=HTMX,
    )
    assert again.status_code == 409
    assert Erratum.objects.count() == 1


@pytest.mark.parametrize("key", ["x1", "g", "g1; drop", "g" + "9" * 40, "f-3"])
def test_a_malformed_group_key_is_refused_and_changes_nothing(signed_in, cut, key):
    _big_group(cut, 3)
    response = signed_in.post(
        _url(cut, "inbox/dismiss/"), {"group": key, "category": "none"}, headers=HTMX
    )
    assert response.status_code == 400
    assert (
        "g&lt;number&gt;" in response.content.decode() or "g<number>" in response.content.decode()
    )
    assert not Finding.objects.filter(state="dismissed").exists()


def test_dismissing_a_group_by_its_key_dismisses_its_reports(signed_in, cut):
    members = _big_group(cut, 12)
    response = signed_in.post(
        _url(cut, "inbox/dismiss/"),
        {"group": f"g{members[0].duplicate_group_id}", "category": "none"},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert Finding.objects.filter(state="dismissed").count() == 12
