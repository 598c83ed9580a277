"""A patron's "my reports" page, and one-click unsubscribe."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from errata.fixes.reporters import errata_reporter_counts
from errata.notifications.links import (
    reviewer_from_reports_token,
    unsubscribe_target,
    unsubscribe_url,
)
from errata.notifications.selectors import (
    finding_outcome,
    reviewer_ids_sharing_address,
    reviewer_me_toos,
    reviewer_reports,
)
from errata.notifications.services import unsubscribe_apply
from errata.reviews.selectors import review_link_get
from errata.web.review.views import _refused, _viewer

# The page shows nothing from elsewhere; its address may carry a token from an email.
MINE_CSP = (
    "default-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


@require_GET
@never_cache
def review_mine(request: HttpRequest, token: str) -> HttpResponse:
    """A patron's own comments on this link's video and what became of each finding. The
    patron is the one this browser remembers for the link (or the signed-in user), or the one
    named by the signed `k` of a link we emailed them. That emailed link keeps working after the
    review link is revoked or expires: it shows only their own reports, never the cut."""
    link = review_link_get(token=token)
    if link is None:
        return _refused(request, "unknown")
    emailed = reviewer_from_reports_token(request.GET.get("k", ""))
    closed = link.closed_reason()
    if closed and emailed is None:
        return _refused(request, closed)
    if emailed is not None:
        reviewer, reviewer_ids = (
            emailed,
            reviewer_ids_sharing_address(reviewer=emailed),
        )
    else:
        reviewer = _viewer(request).reviewer
        reviewer_ids = [reviewer.pk] if reviewer else []
    video = link.cut.video
    # A patron signed in with an account (Patreon) is the same person on every link: their
    # reports follow them across the creator's videos. A guest is known on this video only.
    across_videos = reviewer is not None and reviewer.user_id is not None and emailed is None
    scope = {"team_id": video.team_id} if across_videos else {"video_id": video.pk}
    comments = reviewer_reports(reviewer_ids=reviewer_ids, **scope)
    me_toos = reviewer_me_toos(reviewer_ids=reviewer_ids, **scope)
    findings = [f for c in comments for f in c.findings.all()] + [m.finding for m in me_toos]
    people = errata_reporter_counts(
        erratum_ids=sorted({f.erratum_id for f in findings if f.erratum_id})
    )
    for finding in findings:
        finding.outcome = finding_outcome(finding)
        finding.reporters = people.get(finding.erratum_id, 0)
    response = render(
        request,
        "errata/review/mine.html",
        {
            "link": link,
            "video": video,
            "reviewer": reviewer,
            "comments": comments,
            "me_toos": me_toos,
            "closed": closed,
            "across_videos": across_videos,
            "unsubscribe_url": (
                unsubscribe_url(reviewer=reviewer) if emailed is not None and reviewer.email else ""
            ),
        },
    )
    response["Content-Security-Policy"] = MINE_CSP
    response["Referrer-Policy"] = "no-referrer"
    return response


# Mail clients POST here without our CSRF token (RFC 8058 one-click); the signed token in the
# address is the credential, and all it can do is stop mail.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@never_cache
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows what the link stops and a button (a link scanner that follows it changes
    nothing); POST, from that button or from a mail client's one-click, stops it."""
    target = unsubscribe_target(token)
    if target is None:
        return render(request, "errata/unsubscribe.html", {"invalid": True}, status=404)
    done = False
    if request.method == "POST":
        unsubscribe_apply(target=target)
        done = True
    response = render(
        request,
        "errata/unsubscribe.html",
        {"target": target, "done": done, "already": target.done and not done},
    )
    response["Referrer-Policy"] = "no-referrer"
    return response
