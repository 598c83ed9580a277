"""The data every fault works on, and what the faults count."""

from __future__ import annotations

import csv
import io
import time

import requests

from chaos.stack import Stack
from errata.api.tokens import api_token_create
from errata.models import (
    Comment,
    Erratum,
    ExportJob,
    Finding,
    ImportJob,
    Notification,
    WebhookDelivery,
)
from tests import factories

# Everything the fault left behind is done this long after it ends (beat sweeps every 5-10 s
# here; production's defaults are minutes).
RECOVERY_S = 90
# A request is answered within this long, whatever is down.
ANSWER_S = 5.0
EVENTS = ["comment.created", "erratum.created", "erratum.status_changed", "erratum.fixed"]


class World:
    """One team's data on the stack: a creator with an API token, a cut, a review link, a
    webhook endpoint pointing at the suite's receiver."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        team = factories.TeamFactory(name="Chaos", slug="chaos")
        self.creator = factories.UserFactory(username="creator", display_name="3blue1brown")
        factories.MembershipFactory(team=team, user=self.creator, role="owner")
        self.video = factories.VideoFactory(team=team, title="Neural networks", slug="nn")
        self.cut = factories.CutFactory(video=self.video, number=1, duration_s=1153.0)
        self.link = factories.ReviewLinkFactory(cut=self.cut, created_by=self.creator)
        self.endpoint = factories.WebhookEndpointFactory(
            team=team, url=stack.receiver.url, events=EVENTS
        )
        self.token = api_token_create(user=self.creator, name="chaos").key
        stack.receiver.requests.clear()
        for message in stack.mail_dir.iterdir():
            message.unlink()

    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.stack.web_port}"

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        return requests.request(
            method, self.web + path, headers=headers, timeout=30, allow_redirects=False, **kwargs
        )

    def post_on_review_page(self, text: str, *, base: str | None = None) -> requests.Response:
        """As a patron's browser does: the page (for the CSRF cookie), then the form."""
        base = base or self.web
        browser = requests.Session()
        page = browser.get(f"{base}/r/{self.link.token}/", timeout=30)
        assert page.status_code == 200, page.status_code
        return browser.post(
            f"{base}/r/{self.link.token}/comments/new/",
            data={"text": text, "name": "Ben Patron"},
            headers={"X-CSRFToken": browser.cookies["csrftoken"]},
            timeout=30,
            allow_redirects=False,
        )

    def post_by_api(self, text: str) -> requests.Response:
        return requests.post(
            f"{self.web}/api/comments/",
            json={"text": text, "author_name": "Cy"},
            headers={"Authorization": f"ReviewLink {self.link.token}"},
            timeout=30,
        )


def snapshot(world: World) -> dict[str, int]:
    cut = world.cut
    comments = Comment.objects.filter(cut__video=world.video)
    return {
        "comments": comments.count(),
        "comments pending triage": comments.filter(triage_state="pending").count(),
        "findings": Finding.objects.filter(cut__video=world.video).count(),
        "deliveries pending": WebhookDelivery.objects.filter(status="pending").count(),
        "deliveries succeeded": WebhookDelivery.objects.filter(status="succeeded").count(),
        "webhook requests received": len(world.stack.receiver.requests),
        "notifications pending": Notification.objects.filter(state="pending").count(),
        "notifications sent": Notification.objects.filter(state="sent").count(),
        "mail files written": len(list(world.stack.mail_dir.iterdir())),
        "import jobs done": ImportJob.objects.filter(cut=cut, status="done").count(),
        "export jobs done": ExportJob.objects.filter(cut=cut, status="done").count(),
    }


def duplicates(values) -> int:
    values = list(values)
    return len(values) - len(set(values))


def timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def assert_workers_stayed_up(stack: Stack, pids: dict[str, int]) -> None:
    """The same worker processes as before the fault: they reconnected instead of exiting."""
    for queue, process in stack.workers.items():
        assert process.alive, f"the {queue} worker exited"
        assert process.popen.pid == pids[queue], f"the {queue} worker was replaced"
    assert stack.beat is not None and stack.beat.alive, "beat exited"


def comments_csv(rows: int, *, prefix: str) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "author", "text", "timestamp"])
    for n in range(rows):
        minute, second = divmod(n % 1150, 60)
        writer.writerow(
            [
                f"{prefix}-{n}",
                f"Patron {n % 400}",
                f"At {minute}:{second:02d} layer {n % 7} reads 'nueron' ({prefix} {n})",
                f"{minute}:{second:02d}",
            ]
        )
    return out.getvalue().encode()


def errata_bulk_create(world: World, count: int) -> None:
    Erratum.objects.bulk_create(
        Erratum(
            video=world.video,
            found_in_cut=world.cut,
            cut=world.cut,
            title=f"Typo number {n}",
            category="typo",
            timestamp_s=float(n % 1150),
        )
        for n in range(count)
    )
