"""The API's cast and a small world to act on. Each actor reaches the API the way it would for
real: the creator with the page's session, the teammate and the outsider with personal tokens,
the patron with a review link (and a revoked one), the anonymous visitor with nothing."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.utils import timezone
from rest_framework.test import APIClient

from errata.api.tokens import api_token_create
from errata.models import Erratum, Finding
from tests import factories
from tests.paths import TEST_VIDEO

ACTORS = ["creator", "teammate", "outsider", "patron", "revoked_patron", "anonymous"]


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Imports store the uploaded file and exports their output: never in the repository.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def revoked_review_link(cut, creator):
    return factories.ReviewLinkFactory(cut=cut, created_by=creator, revoked_at=timezone.now())


def token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=user, name='test').key}")
    return client


def link_client(link) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"ReviewLink {link.token}")
    return client


@pytest.fixture
def clients(creator, teammate, outsider, review_link, revoked_review_link) -> dict[str, APIClient]:
    session = APIClient()
    session.force_login(creator)
    return {
        "creator": session,
        "teammate": token_client(teammate),
        "outsider": token_client(outsider),
        "patron": link_client(review_link),
        "revoked_patron": link_client(revoked_review_link),
        "anonymous": APIClient(),
    }


@dataclass
class World:
    """One video with two cuts, scenes on a timeline, patron comments split into findings, and
    errata in each state the actions start from."""

    video: object
    cut: object
    cut2: object
    scenes: list
    spans: list
    comment: object
    findings_new: list
    finding_dismissed: object
    finding_grouped: object
    erratum_open: object
    erratum_dup: object
    erratum_fixed: object
    erratum_wontfix: object
    endpoint: object
    delivery: object
    creator_token: object
    import_job: object
    export_job: object


def _finding(cut, text, timestamp_s, **kwargs):
    comment = factories.CommentFactory(cut=cut, text=text)
    return factories.FindingFactory(comment=comment, text=text, timestamp_s=timestamp_s, **kwargs)


def _erratum_with(cut, finding, **kwargs):
    erratum = factories.ErratumFactory(cut=cut, **kwargs)
    Finding.objects.filter(pk=finding.pk).update(state="accepted", erratum=erratum)
    return erratum


@pytest.fixture
def world(video, cut, creator, review_link) -> World:
    cut2 = factories.CutFactory(video=video, number=2, duration_s=1160.0)
    scenes = [factories.SceneFactory(video=video, name=n) for n in ("Intro", "Mabye", "Rest")]
    spans = [
        factories.SceneSpanFactory(cut=cut, scene=s, start_s=a, end_s=b)
        for s, (a, b) in zip(scenes, [(0, 330), (330, 420), (420, 1153)], strict=True)
    ]
    for scene, (a, b) in zip(scenes, [(0, 335), (335, 425), (425, 1160)], strict=True):
        factories.SceneSpanFactory(cut=cut2, scene=scene, start_s=a, end_s=b)
    comment = factories.CommentFactory(
        cut=cut, text="At 5:58 'mabye' should be 'maybe'.", review_link=review_link
    )
    group = factories.DuplicateGroupFactory(cut=cut)
    findings_new = [
        factories.FindingFactory(comment=comment, timestamp_s=358, duplicate_group=group),
        _finding(cut, "at 6:03 you misspelled maybe", 363, duplicate_group=group),
    ]
    finding_grouped = findings_new[1]
    finding_dismissed = _finding(
        cut, "Great video!", None, suggested_category="none", state="dismissed", category="none"
    )
    erratum_open = _erratum_with(
        cut, _finding(cut, "the sigma is wrong at 2:00", 120), title="Sigma wrong"
    )
    erratum_dup = _erratum_with(
        cut, _finding(cut, "sigma at 2:01 is off", 121), title="Sigma wrong again"
    )
    erratum_fixed = _erratum_with(
        cut,
        _finding(cut, "axis label cut off at 9:00", 540),
        status=Erratum.Status.FIXED,
        fixed_in_cut=cut2,
    )
    erratum_wontfix = _erratum_with(
        cut,
        _finding(cut, "music too loud at 10:00", 600),
        status=Erratum.Status.WONTFIX,
        resolution_reason="Intentional.",
    )
    endpoint = factories.WebhookEndpointFactory(team=video.team)
    delivery = factories.WebhookDeliveryFactory(endpoint=endpoint, status="failed", attempts=6)
    creator_token = api_token_create(user=creator, name="render farm").token
    import_job = factories.ImportJobFactory(
        cut=cut, created_by=creator, status="done", phase="finished", percent=100, total=2, added=2
    )
    export_job = factories.ExportJobFactory(cut=cut, created_by=creator, done=True)
    # The cut's uploaded video, processed.
    cut.media_file.save("original.webm", ContentFile(TEST_VIDEO.read_bytes()))
    media = factories.CutMediaFactory(cut=cut, status="ready")
    media.proxy.save("proxy.mp4", ContentFile(TEST_VIDEO.read_bytes()))
    media.poster.save("poster.jpg", ContentFile(b"\xff\xd8\xff\xe0 not much of a poster"))
    return World(
        video=video,
        cut=cut,
        cut2=cut2,
        scenes=scenes,
        spans=spans,
        comment=comment,
        findings_new=findings_new,
        finding_dismissed=finding_dismissed,
        finding_grouped=finding_grouped,
        erratum_open=erratum_open,
        erratum_dup=erratum_dup,
        erratum_fixed=erratum_fixed,
        erratum_wontfix=erratum_wontfix,
        endpoint=endpoint,
        delivery=delivery,
        creator_token=creator_token,
        import_job=import_job,
        export_job=export_job,
    )
