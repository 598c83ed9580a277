"""The demo's numbers agree everywhere they are said: the README, the studio's new comments,
the inbox's untriaged findings and groups, each computed from what load_demo loads."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from errata.models import Comment, Cut, Finding

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parents[3] / "README.md"


def test_the_readme_the_studio_and_the_inbox_give_the_demos_counts_alike(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # triage runs, as with `make run`
        call_command("load_demo", "--no-video", password="errata-demo", stdout=io.StringIO())
    cut = Cut.objects.get(video__slug="nn-part1", number=1)
    comments = Comment.objects.filter(cut=cut)
    patrons = comments.filter(author_role=Comment.Role.PATRON).count()
    untriaged = Finding.objects.filter(cut=cut, state=Finding.State.NEW)
    groups = len({f.duplicate_group_id or f"f{f.pk}" for f in untriaged})

    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="creator"))
    studio = " ".join(client.get("/studio/").content.decode().split())
    inbox = " ".join(client.get("/studio/videos/nn-part1/cuts/1/inbox/").content.decode().split())
    readme = " ".join(README.read_text().split())

    # Every patron comment of the demo is still waiting for triage: the studio says so.
    assert f"<strong>{patrons}</strong> new comments" in studio
    assert f"{untriaged.count()} untriaged findings in {groups} groups." in inbox
    said = re.search(
        r"the (\d+) real comments of the seed data set \((\d+) from patrons, (\d+) creator "
        r"replies\), triaged \(the studio shows (\d+) new comments; the inbox (\d+) untriaged "
        r"findings in (\d+) groups\)",
        readme,
    )
    assert said, "the README's demo sentence changed; keep its numbers checked here"
    assert [int(n) for n in said.groups()] == [
        comments.count(),
        patrons,
        comments.count() - patrons,
        patrons,
        untriaged.count(),
        groups,
    ]
