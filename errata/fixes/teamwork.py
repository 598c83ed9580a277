"""The team's work on errata: who deals with one (the assignee), the discussion of it (team
only), and what is new to a member since their last visit of a cut's inbox and board."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from errata.core.errors import ErrataConflict
from errata.models import Cut, CutVisit, Erratum, ErratumEvent, ErratumNote, Membership, User

NOTE_MAX_LENGTH = 5000
VISIT_PAGES = ("inbox", "board")


def team_members_of_video(*, video_id: int) -> QuerySet[User]:
    # The assignee pickers of the board and the erratum page: one query for all rows.
    return (
        User.objects.filter(memberships__team__videos__pk=video_id)
        .distinct()
        .order_by("username", "pk")
    )


def erratum_assign(*, erratum: Erratum, assignee: User | None, actor=None) -> Erratum:
    """Give an erratum to a member of its video's team (None: to nobody)."""
    if (
        assignee is not None
        and not Membership.objects.filter(user=assignee, team__videos__pk=erratum.video_id).exists()
    ):
        raise ValidationError(
            {"assignee": _("Only a member of this video's team can be assigned.")}
        )
    with transaction.atomic():
        current = Erratum.objects.select_for_update().get(pk=erratum.pk)
        if current.merged_into_id:
            raise ErrataConflict(
                _("Erratum #%(erratum_id)s was merged into #%(merged_into_id)s.")
                % {"erratum_id": current.pk, "merged_into_id": current.merged_into_id}
            )
        before = current.assignee_id
        after = assignee.pk if assignee is not None else None
        if before != after:
            Erratum.objects.filter(pk=current.pk).update(
                assignee_id=after, version=F("version") + 1, updated_at=timezone.now()
            )
            ErratumEvent.objects.create(
                erratum=current,
                actor=actor,
                kind=ErratumEvent.Kind.EDITED,
                changes={"assignee": [_user_name(before), _user_name(after)]},
            )
    return Erratum.objects.select_related("assignee").get(pk=erratum.pk)


def _user_name(user_id: int | None) -> str | None:
    # The history shows names, not ids.
    if user_id is None:
        return None
    return str(User.objects.filter(pk=user_id).first() or user_id)


def erratum_note_create(*, erratum: Erratum, author, text: str) -> ErratumNote:
    """A post in the team's discussion of an erratum."""
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise ValidationError({"text": _("Write something first.")})
    if len(text) > NOTE_MAX_LENGTH:
        raise ValidationError(
            {
                "text": _("Keep it under %(limit)s characters (this is %(length)s).")
                % {"limit": NOTE_MAX_LENGTH, "length": len(text)}
            }
        )
    return ErratumNote.objects.create(erratum=erratum, author=author, text=text)


def erratum_notes(*, erratum: Erratum) -> list[ErratumNote]:
    # The erratum page's discussion names each post's author.
    return list(ErratumNote.objects.filter(erratum=erratum).select_related("author"))


def cut_visit_record(*, user, cut: Cut, page: str) -> datetime.datetime | None:
    """Note a visit (a page load) of a cut's inbox or board and say when the one before was
    (None on the first): what came since is new to this member until the next visit. Two
    queries; two tabs loading at once both write "now", which is what either would."""
    if page not in VISIT_PAGES:
        raise ValueError(page)
    now = timezone.now()
    seen, since = f"{page}_seen_at", f"{page}_new_since"
    visits = CutVisit.objects.filter(user=user, cut=cut)
    row = visits.values_list("pk", seen).first()
    if row is None:
        CutVisit.objects.bulk_create(
            [CutVisit(user=user, cut=cut, **{seen: now})], ignore_conflicts=True
        )
        return None
    pk, previous = row
    CutVisit.objects.filter(pk=pk).update(**{seen: now, since: previous})
    return previous


def cut_visit_new_since(*, user, cut: Cut, page: str) -> datetime.datetime | None:
    """What the last visit marks new, for the page's htmx refreshes (one query)."""
    if page not in VISIT_PAGES:
        raise ValueError(page)
    return (
        CutVisit.objects.filter(user=user, cut=cut)
        .values_list(f"{page}_new_since", flat=True)
        .first()
    )
