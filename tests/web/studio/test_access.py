"""Who gets into the studio: a team's members see and change their team's videos; another team's
creator gets 404s and changes nothing; a patron never reaches the studio."""

from __future__ import annotations

import pytest
from django.test import Client

from errata.fixes.services import erratum_create_from_findings
from errata.models import Erratum, Finding, SceneSpan
from tests import factories
from tests.studio_scenario import mabye_reports

pytestmark = pytest.mark.django_db


@pytest.fixture
def mabye(cut, scenes):
    return mabye_reports(cut, scenes)


@pytest.fixture
def erratum(mabye):

    return erratum_create_from_findings(finding_ids=[mabye[0].pk])


def _pages(video, cut, erratum) -> list[str]:
    base = f"/studio/videos/{video.slug}"
    return [
        f"{base}/",
        f"{base}/scenes/",
        f"{base}/cuts/new/",
        f"{base}/cuts/{cut.number}/",
        f"{base}/cuts/{cut.number}/inbox/",
        f"{base}/cuts/{cut.number}/board/",
        f"{base}/cuts/{cut.number}/timeline/",
        f"{base}/errata/{erratum.pk}/",
    ]


def test_anonymous_visitors_are_sent_to_sign_in(client, video, cut, erratum):
    for url in ["/studio/", *_pages(video, cut, erratum)]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next=/studio/")


def test_the_sign_in_page_leads_a_creator_to_the_studio(client, creator):
    page = client.get("/accounts/login/?next=/studio/")
    assert page.status_code == 200
    assert b"Sign in to the studio" in page.content
    response = client.post(
        "/accounts/login/",
        {"login": "grant", "password": "correct horse battery", "next": "/studio/"},
    )
    assert (response.status_code, response["Location"]) == (302, "/studio/")
    # Another browser, the wrong password: the page again, saying so.
    wrong = Client().post("/accounts/login/", {"login": "grant", "password": "nope"})
    assert wrong.status_code == 200
    assert b'role="alert"' in wrong.content


def test_a_creator_sees_only_their_teams_videos(client, creator, video, cut):
    other = factories.VideoFactory(title="Someone else's video", slug="theirs")
    client.force_login(creator)
    page = client.get("/studio/").content.decode()
    assert "Neural networks" in page
    assert "Someone else" not in page
    assert client.get(f"/studio/videos/{other.slug}/").status_code == 404


def test_a_teammate_sees_and_triages_the_teams_videos(client, teammate, video, cut, mabye):
    client.force_login(teammate)
    assert client.get(f"/studio/videos/{video.slug}/cuts/1/inbox/").status_code == 200
    response = client.post(
        f"/studio/videos/{video.slug}/cuts/1/inbox/accept/",
        {
            "finding": [f.pk for f in mabye],
            "category": "typo",
            "severity": "low",
            "remedy": "rerender",
        },
    )
    assert response.status_code == 302
    assert Erratum.objects.get().findings.count() == 3


def test_another_teams_creator_gets_not_found_on_every_page(client, outsider, video, cut, erratum):
    client.force_login(outsider)
    assert client.get("/studio/").status_code == 200  # their own (empty) studio
    for url in _pages(video, cut, erratum):
        assert client.get(url).status_code == 404, url


def test_another_teams_creator_cannot_change_anything(client, outsider, video, cut, mabye, scenes):
    client.force_login(outsider)
    erratum_before = Erratum.objects.count()
    span = SceneSpan.objects.filter(cut=cut).first()
    base = f"/studio/videos/{video.slug}/cuts/{cut.number}"
    ids = [f.pk for f in mabye]
    posts = [
        (
            f"{base}/inbox/accept/",
            {"finding": ids, "category": "typo", "severity": "low", "remedy": "rerender"},
        ),
        (f"{base}/inbox/dismiss/", {"finding": ids, "category": "none"}),
        (f"{base}/findings/{ids[0]}/split/", {}),
        (f"{base}/findings/{ids[0]}/edit/", {"category": "visual"}),
        (f"{base}/findings/{ids[0]}/reply/", {"text": "hello"}),
        (f"{base}/timeline/spans/{span.pk}/", {"scene": "Intro", "start": "0", "end": "10"}),
        (f"{base}/timeline/spans/{span.pk}/delete/", {}),
        (f"{base}/timeline/spans/", {"scene": "Intro", "start": "0", "end": "10"}),
        (f"{base}/carry/", {"from_cut": cut.pk, "confirm": "yes"}),
        (f"{base}/edit/", {"label": "Hijacked"}),
        (f"{base}/delete/", {}),
        (f"/studio/videos/{video.slug}/cuts/new/", {"duration": "10:00"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert Erratum.objects.count() == erratum_before
    assert set(Finding.objects.values_list("state", flat=True)) == {"new"}
    assert SceneSpan.objects.filter(cut=cut).count() == 3
    assert cut.comments.filter(author_role="creator").count() == 0


def test_another_teams_creator_cannot_change_an_erratum(client, outsider, video, erratum):
    client.force_login(outsider)
    base = f"/studio/videos/{video.slug}/errata/{erratum.pk}"
    for url, data in [
        (
            f"{base}/edit/",
            {
                "title": "Hijacked",
                "category": "typo",
                "severity": "low",
                "remedy": "none",
                "version": erratum.version,
            },
        ),
        (f"{base}/status/", {"status": "wontfix", "reason": "no"}),
        (f"{base}/merge/", {"target": erratum.pk}),
    ]:
        assert client.post(url, data).status_code == 404, url
    erratum.refresh_from_db()
    assert (erratum.title, erratum.status) != ("Hijacked", "wontfix")
    assert erratum.status == "open"


def test_findings_of_another_teams_cut_cannot_be_pulled_into_our_erratum(
    client, creator, video, cut, mabye
):
    theirs = factories.FindingFactory(comment__cut=factories.CutFactory())
    client.force_login(creator)
    response = client.post(
        f"/studio/videos/{video.slug}/cuts/1/inbox/accept/",
        {
            "finding": [mabye[0].pk, theirs.pk],
            "category": "typo",
            "severity": "low",
            "remedy": "rerender",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 409
    assert "no longer on this cut" in response.content.decode()
    assert not Erratum.objects.exists()
    assert Finding.objects.get(pk=theirs.pk).state == "new"


def test_a_patron_who_signed_in_is_refused_the_studio(client, video, cut, erratum, patron):
    account = factories.UserFactory(username="ada")
    patron.user = account
    patron.save()
    client.force_login(account)
    response = client.get("/studio/")
    assert response.status_code == 403
    assert b"for creators" in response.content
    for url in _pages(video, cut, erratum):
        assert client.get(url).status_code == 403, url
    base = f"/studio/videos/{video.slug}/cuts/{cut.number}"
    assert client.post(f"{base}/inbox/dismiss/", {"finding": [1]}).status_code == 403
