"""Reads of notifications: what became of a patron's reports, and who gets which digest."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import F, Prefetch
from django.db.models.functions import Lower
from django.utils.translation import gettext

from errata.models import Comment, Erratum, Finding, Membership, MeToo, Reviewer


def erratum_findings_for_notice(*, erratum: Erratum) -> list[Finding]:
    # The message to an erratum's reporters: each finding with its comment, the comment's author
    # (their address) and review link (their reports page), and who said "me too".
    return list(
        Finding.objects.filter(erratum=erratum)
        .select_related("comment", "comment__reviewer", "comment__review_link")
        .prefetch_related(
            Prefetch("me_toos", queryset=MeToo.objects.select_related("reviewer").order_by("pk"))
        )
        .order_by(F("timestamp_s").asc(nulls_last=True), "pk")
    )


def _scope(prefix: str, video_id: int | None, team_id: int | None) -> dict:
    if team_id is not None:
        return {f"{prefix}video__team_id": team_id}
    return {f"{prefix}video_id": video_id}


def reviewer_reports(
    *, reviewer_ids: list[int], video_id: int | None = None, team_id: int | None = None
) -> list[Comment]:
    # The "my reports" page: a patron's comments on one video (or, for a signed-in patron, on
    # every video of the team), each with its findings, each finding's erratum and the cut that
    # fixed it, and the creator's replies.
    return list(
        Comment.objects.filter(
            reviewer_id__in=reviewer_ids,
            author_role=Comment.Role.PATRON,
            **_scope("cut__", video_id, team_id),
        )
        .select_related("cut__video")
        .prefetch_related(
            Prefetch(
                "findings",
                queryset=Finding.objects.select_related("erratum__fixed_in_cut").order_by(
                    "position"
                ),
            ),
            Prefetch(
                "replies",
                queryset=Comment.objects.filter(author_role=Comment.Role.CREATOR).order_by(
                    "posted_at", "pk"
                ),
                to_attr="creator_replies",
            ),
        )
        .order_by("cut__video_id", "cut__number", F("timestamp_s").asc(nulls_last=True), "pk")
    )


def reviewer_me_toos(
    *, reviewer_ids: list[int], video_id: int | None = None, team_id: int | None = None
) -> list[MeToo]:
    # The "my reports" page: the reports a patron said "me too" to, with what became of them.
    return list(
        MeToo.objects.filter(
            reviewer_id__in=reviewer_ids, **_scope("finding__comment__cut__", video_id, team_id)
        )
        .select_related("finding__comment__cut__video", "finding__erratum__fixed_in_cut")
        .order_by(F("finding__timestamp_s").asc(nulls_last=True), "pk")
    )


def digest_comments(*, team_id: int, since, until) -> list[Comment]:
    # A team member's digest: the patron comments triaged in (since, until] on the team's cuts,
    # with their cut, video and author, and the findings triage made of them.
    return list(
        Comment.objects.filter(
            cut__video__team_id=team_id,
            author_role=Comment.Role.PATRON,
            triaged_at__gt=since,
            triaged_at__lte=until,
        )
        .select_related("cut__video", "reviewer")
        .prefetch_related(Prefetch("findings", queryset=Finding.objects.order_by("position")))
        .order_by(
            "cut__video__title",
            "cut__video_id",
            "cut__number",
            F("timestamp_s").asc(nulls_last=True),
            "pk",
        )
    )


def memberships_for_digest(*, digests: list[str], team_id: int | None = None) -> list[Membership]:
    # The digest runs: members who want one and have an address, with their team and user.
    memberships = (
        Membership.objects.filter(digest__in=digests, user__is_active=True)
        .exclude(user__email="")
        .select_related("team", "user")
        .order_by("pk")
    )
    if team_id is not None:
        memberships = memberships.filter(team_id=team_id)
    return list(memberships)


def memberships_of(*, user) -> list[Membership]:
    # The studio's notification settings: one row per team of the user.
    return list(Membership.objects.filter(user=user).select_related("team").order_by("team__name"))


def reviewer_ids_sharing_address(*, reviewer: Reviewer) -> list[int]:
    """The reviewers one emailed person is (guests on several links with one address). Only for
    a request that proved it holds mail sent to that address: a typed address proves nothing."""
    address = reviewer.email.strip().lower()
    if not address:
        return [reviewer.pk]
    ids = Reviewer.objects.annotate(address=Lower("email")).filter(address=address)
    return sorted({reviewer.pk, *ids.values_list("pk", flat=True)})


@dataclass(frozen=True)
class Outcome:
    """What became of one finding, in the patron's words: `key` names it for styling."""

    key: str
    label: str
    detail: str = ""


def finding_outcome(finding: Finding) -> Outcome:
    """Needs the finding's erratum and the erratum's fixed_in_cut loaded (see the selectors)."""
    if finding.state == Finding.State.NEW:
        return Outcome("waiting", gettext("Waiting for the creator to read it"))
    if finding.state == Finding.State.DISMISSED:
        if finding.category == "content":
            return Outcome("dismissed", gettext("Read as feedback; nothing in the video changes"))
        return Outcome("dismissed", gettext("Read; no change needed"))
    erratum = finding.erratum
    status = erratum.status
    cut = erratum.fixed_in_cut
    fixed_in = ""
    if cut:
        fixed_in = gettext("cut %(number)s") % {"number": cut.number}
        fixed_in += f" ({cut.label})" if cut.label else ""
    if status == Erratum.Status.OPEN:
        return Outcome("open", gettext("Confirmed as an erratum"), erratum.title)
    if status == Erratum.Status.ACCEPTED:
        return Outcome("accepted", gettext("Confirmed; a fix is planned"), erratum.title)
    if status == Erratum.Status.FIXED:
        fixed = gettext("Fixed in %(cut)s") % {"cut": fixed_in}
        return Outcome("fixed", fixed, erratum.title)
    if status == Erratum.Status.VERIFIED:
        checked = gettext("Fixed in %(cut)s, and checked") % {"cut": fixed_in}
        return Outcome("verified", checked, erratum.title)
    if status == Erratum.Status.WONTFIX:
        return Outcome("wontfix", gettext("Will not be fixed"), erratum.resolution_reason)
    return Outcome("not_an_error", gettext("Not an error"), erratum.resolution_reason)
