"""Every list endpoint answers in a fixed number of queries, however many rows it lists: each
test lists 30 or more rows (with their related rows varied) so that an N+1 would show."""

from __future__ import annotations

import pytest

from errata.api.tokens import api_token_create
from errata.models import Erratum, ErratumEvent, Finding
from tests import factories
from tests.api.conftest import link_client, token_client

pytestmark = pytest.mark.django_db

ROWS = 30


@pytest.fixture
def busy_team(team, creator, settings):
    """30 videos of one team, each with a cut, a review link, a scene on the timeline, comments
    by different reviewers, findings, errata with reports and history, a webhook endpoint with
    a delivery, and an import and an export job; the creator is in 30 more teams and has 30
    tokens."""
    settings.API_THROTTLE_RATES = {
        "token": "10000/min",
        "review_link": "10000/min",
        "user": "10000/min",
    }
    for n in range(ROWS):
        video = factories.VideoFactory(team=team)
        cut = factories.CutFactory(video=video, number=1, duration_s=1200)
        factories.ReviewLinkFactory(cut=cut, created_by=creator)
        scene = factories.SceneFactory(video=video)
        factories.SceneSpanFactory(cut=cut, scene=scene, start_s=0, end_s=600)
        findings = []
        for c in range(2):
            comment = factories.CommentFactory(cut=cut, timestamp_s=n + c)
            findings.append(
                factories.FindingFactory(comment=comment, timestamp_s=n + c, suggested_scene=scene)
            )
        erratum = factories.ErratumFactory(cut=cut, created_by=creator, scene=scene)
        Finding.objects.filter(pk__in=[f.pk for f in findings]).update(
            state="accepted", erratum=erratum
        )
        ErratumEvent.objects.create(erratum=erratum, actor=creator, kind="created")
        endpoint = factories.WebhookEndpointFactory(team=team)
        factories.WebhookDeliveryFactory(endpoint=endpoint)
        # Import and export jobs started by different people (the answer names them).
        starter = factories.UserFactory()
        factories.MembershipFactory(team=team, user=starter, role="member")
        factories.ImportJobFactory(cut=cut, created_by=starter)
        factories.ExportJobFactory(cut=cut, created_by=starter, status="failed", error="x")
        factories.MembershipFactory(user=creator)
        api_token_create(user=creator, name=f"machine {n}")
    erratum = Erratum.objects.filter(video__team=team).first()
    for n in range(ROWS):
        ErratumEvent.objects.create(erratum=erratum, actor=creator, kind="edited", changes={"n": n})
    return team


LISTS = [
    "/api/teams/",
    "/api/videos/",
    "/api/cuts/",
    "/api/scenes/",
    "/api/spans/",
    "/api/review-links/",
    "/api/comments/",
    "/api/findings/",
    "/api/errata/",
    "/api/tokens/",
    "/api/webhooks/",
    "/api/webhook-deliveries/",
    "/api/import-jobs/",
    "/api/export-jobs/",
]

# Authentication (the token with its user, or the review link) 1, count 1, page 1, and for
# errata the prefetch of their findings 1. Measured: 3 for each list, 4 for errata.
MAX_QUERIES = 4


@pytest.mark.parametrize("url", LISTS)
def test_a_list_endpoint_takes_the_same_few_queries_for_a_full_page(
    url, busy_team, creator, django_assert_max_num_queries
):
    client = token_client(creator)
    client.get("/api/teams/")  # marks the token used, a write that happens once a minute
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(url, {"page_size": 200})
    assert response.status_code == 200
    rows = response.json()["results"]
    assert len(rows) >= ROWS, url


def test_the_errata_history_takes_the_same_few_queries(
    busy_team, creator, django_assert_max_num_queries
):
    erratum = ErratumEvent.objects.values("erratum_id").order_by("erratum_id").first()["erratum_id"]
    client = token_client(creator)
    client.get("/api/teams/")
    # One more than a list: the erratum itself (with its findings) is read first.
    with django_assert_max_num_queries(MAX_QUERIES + 1):
        response = client.get(f"/api/errata/{erratum}/events/", {"page_size": 200})
    assert len(response.json()["results"]) > ROWS


def test_a_review_link_lists_its_cuts_comments_in_the_same_few_queries(
    busy_team, django_assert_max_num_queries
):
    cut = factories.CommentFactory._meta.model.objects.first().cut
    link = factories.ReviewLinkFactory(cut=cut)
    for n in range(ROWS):
        factories.CommentFactory(cut=cut, timestamp_s=n, review_link=link)
    client = link_client(link)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get("/api/comments/", {"page_size": 200})
    assert len(response.json()["results"]) >= ROWS


def test_a_review_link_that_hides_others_comments_lists_its_own_in_the_same_few_queries(
    busy_team, django_assert_max_num_queries
):
    cut = factories.CommentFactory._meta.model.objects.first().cut
    link = factories.ReviewLinkFactory(cut=cut, show_others_comments=False)
    reviewer = factories.ReviewerFactory()
    for n in range(ROWS):
        factories.CommentFactory(cut=cut, reviewer=reviewer, timestamp_s=n)
    client = link_client(link)
    client.credentials(
        HTTP_AUTHORIZATION=f"ReviewLink {link.token}", HTTP_X_ERRATA_REVIEWER=str(reviewer.key)
    )
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get("/api/comments/", {"page_size": 200})
    assert len(response.json()["results"]) == ROWS
