"""Two team members triaging the same cut at the same moment, for real: two threads, two
database connections, PostgreSQL's row locks. One wins; the other changes nothing and is told
why. (SQLite serialises writers, so these run on PostgreSQL only.)"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from errata.fixes.services import erratum_create_from_findings
from errata.models import Erratum, Finding
from tests.studio_scenario import mabye_reports, report, scenes_on

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL's row locks (set DATABASE_URL to a PostgreSQL database)")


def _post_at_once(*posts: tuple[Client, str, dict]) -> list:
    """Send the htmx posts from threads released together; return the responses in order."""
    barrier = threading.Barrier(len(posts))
    responses: list = [None] * len(posts)

    def run(index: int, client: Client, url: str, data: dict) -> None:
        try:
            barrier.wait()
            responses[index] = client.post(url, data, headers={"HX-Request": "true"})
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return responses


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_two_members_accepting_the_same_group_at_once_make_one_erratum(cut, creator, teammate):
    mabye = mabye_reports(cut, scenes_on(cut))
    data = {
        "finding": [f.pk for f in mabye],
        "category": "typo",
        "severity": "medium",
        "remedy": "rerender",
    }
    url = f"/studio/videos/{cut.video.slug}/cuts/1/inbox/accept/"
    responses = _post_at_once((_client(creator), url, data), (_client(teammate), url, data))
    assert sorted(r.status_code for r in responses) == [200, 409]
    lost = next(r for r in responses if r.status_code == 409).content.decode()
    assert 'role="alert"' in lost
    assert "3 of these 3 findings were already accepted or dismissed by someone else" in lost
    erratum = Erratum.objects.get()
    assert set(Finding.objects.values_list("erratum", flat=True)) == {erratum.pk}


def test_two_members_merging_the_same_erratum_at_once_one_is_told_it_lost(cut, creator, teammate):
    scenes = scenes_on(cut)
    a, b, c = (
        erratum_create_from_findings(finding_ids=[f.pk])
        for f in [
            report(cut, "typo one at 6:00", 360, scene=scenes["BreakUpMacroPatterns"]),
            report(cut, "typo two at 6:01", 361, scene=scenes["BreakUpMacroPatterns"]),
            report(cut, "typo three at 6:02", 362, scene=scenes["BreakUpMacroPatterns"]),
        ]
    )
    url = f"/studio/videos/{cut.video.slug}/errata/{b.pk}/merge/"
    responses = _post_at_once(
        (_client(creator), url, {"target": a.pk}), (_client(teammate), url, {"target": c.pk})
    )
    assert sorted(r.status_code for r in responses) == [204, 409]
    lost = next(r for r in responses if r.status_code == 409).content.decode()
    assert '<p class="alert" role="alert">' in lost
    assert f"Erratum #{b.pk} was already merged into #" in lost
    b.refresh_from_db()
    assert b.merged_into_id in (a.pk, c.pk)
    # The one finding of b is in exactly one erratum: the winner's target.
    assert Finding.objects.filter(erratum=b.merged_into_id).count() == 2
    assert Finding.objects.filter(erratum=b).count() == 0
