"""Writes of teams: starting one, inviting by email, answering an invitation, a member's time
zone. The invitation's mail is sent by notifications, which listens for invitation_created."""

from __future__ import annotations

import zoneinfo
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from errata.core.errors import ErrataConflict
from errata.core.events import invitation_created, send_on_commit
from errata.models import Invitation, Membership, Team, User

INVITATION_DAYS = 14
INVITATION_MAX_DAYS = 90


def team_create(*, user: User, name: str, slug: str = "") -> Team:
    """A new team with the user as its owner. The slug comes from the name unless given."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("A team needs a name.")})
    if len(name) > 150:
        raise ValidationError({"name": _("A team's name can be at most 150 characters.")})
    if "\x00" in name:
        raise ValidationError({"name": _("A name cannot hold a NUL character.")})
    slug = slugify(slug or name)[:80]
    if not slug:
        raise ValidationError({"slug": _("Use letters or digits in the name or the short name.")})
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name, slug=slug)
            Membership.objects.create(team=team, user=user, role=Membership.Role.OWNER)
    except IntegrityError:
        raise ValidationError(
            {"slug": _("The short name %(slug)s is taken; pick another.") % {"slug": repr(slug)}}
        ) from None
    return team


def _require_owner(*, team: Team, user: User) -> None:
    if not Membership.objects.filter(team=team, user=user, role=Membership.Role.OWNER).exists():
        raise PermissionDenied(_("Only the team's owners can invite people and change the team."))


def invitation_create(
    *, team: Team, email: str, role: str, invited_by: User, days: int = INVITATION_DAYS
) -> Invitation:
    """Invite an address to the team with a role; the mail goes once the row is committed.
    Inviting an address that already has an open invitation renews that one (new expiry,
    role and token) rather than making a second."""
    _require_owner(team=team, user=invited_by)
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("That email address does not look right.")}) from None
    if len(email) > 254:
        raise ValidationError({"email": _("An email address is at most 254 characters.")})
    if role not in Membership.Role.values:
        raise ValidationError(
            {
                "role": _("A role is one of %(values)s.")
                % {"values": ", ".join(Membership.Role.values)}
            }
        )
    if not 1 <= days <= INVITATION_MAX_DAYS:
        raise ValidationError(
            {
                "days": _("An invitation lasts 1 to %(invitation_max_days)s days.")
                % {"invitation_max_days": INVITATION_MAX_DAYS}
            }
        )
    if Membership.objects.filter(team=team, user__email__iexact=email).exists():
        raise ValidationError(
            {
                "email": _("%(email)s is already a member of %(name)s.")
                % {"email": email, "name": team.name}
            }
        )
    expires_at = timezone.now() + timedelta(days=days)
    with transaction.atomic():
        open_one = (
            Invitation.objects.select_for_update()
            .filter(team=team, email=email, state=Invitation.State.PENDING)
            .first()
        )
        if open_one is None:
            invitation = Invitation.objects.create(
                team=team, email=email, role=role, invited_by=invited_by, expires_at=expires_at
            )
        else:
            invitation = open_one
            invitation.role = role
            invitation.invited_by = invited_by
            invitation.expires_at = expires_at
            invitation.token = Invitation._meta.get_field("token").default()
            invitation.created_at = timezone.now()
            invitation.save()
        send_on_commit(invitation_created, Invitation, invitation_id=invitation.pk)
    return invitation


def _user_has_address(*, user: User, email: str) -> bool:
    """The invited address must be one of the account's verified addresses: the link alone,
    forwarded or leaked, does not make someone a member."""
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def _answer(*, invitation: Invitation, user: User, state: str) -> Invitation:
    with transaction.atomic():
        current = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if current.state != Invitation.State.PENDING:
            raise ErrataConflict(
                _("This invitation was already %(lower)s.")
                % {"lower": current.get_state_display().lower()}
            )
        if current.expires_at <= timezone.now():
            raise ErrataConflict(
                _("This invitation has expired; ask the team's owner for a new one.")
            )
        if not _user_has_address(user=user, email=current.email):
            raise PermissionDenied(
                _(
                    "This invitation is for %(email)s. Sign in with that address (or add and "
                    "confirm it in your account's email settings) to answer it."
                )
                % {"email": current.email}
            )
        current.state = state
        current.answered_by = user
        current.answered_at = timezone.now()
        current.save(update_fields=["state", "answered_by", "answered_at"])
        if state == Invitation.State.ACCEPTED:
            membership, created = Membership.objects.get_or_create(
                team_id=current.team_id, user=user, defaults={"role": current.role}
            )
            if not created and current.role == Membership.Role.OWNER:
                Membership.objects.filter(pk=membership.pk).update(role=Membership.Role.OWNER)
    return current


def invitation_accept(*, invitation: Invitation, user: User) -> Invitation:
    """Join the team with the invitation's role (an existing member keeps their place, raised
    to owner when the invitation says so)."""
    return _answer(invitation=invitation, user=user, state=Invitation.State.ACCEPTED)


def invitation_decline(*, invitation: Invitation, user: User) -> Invitation:
    return _answer(invitation=invitation, user=user, state=Invitation.State.DECLINED)


def invitation_revoke(*, invitation: Invitation, user: User) -> bool:
    """An owner withdraws an open invitation; its link stops working. False if it was not open."""
    _require_owner(team=invitation.team, user=user)
    changed = Invitation.objects.filter(pk=invitation.pk, state=Invitation.State.PENDING).update(
        state=Invitation.State.REVOKED, answered_by=user, answered_at=timezone.now()
    )
    return bool(changed)


def team_patreon_campaign_set(*, team: Team, user: User, campaign_id: str) -> Team:
    """The creator's Patreon campaign (its numeric id), for review links only its members open."""
    _require_owner(team=team, user=user)
    campaign_id = (campaign_id or "").strip()
    if campaign_id and (not campaign_id.isdigit() or len(campaign_id) > 32):
        raise ValidationError(
            {"patreon_campaign_id": _("A Patreon campaign id is a number, such as 1234567.")}
        )
    Team.objects.filter(pk=team.pk).update(patreon_campaign_id=campaign_id)
    team.patreon_campaign_id = campaign_id
    return team


def user_time_zone_set(*, user: User, time_zone: str) -> User:
    """The zone pages and digests use for this member; blank means the site's."""
    time_zone = (time_zone or "").strip()
    if time_zone:
        try:
            zoneinfo.ZoneInfo(time_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValidationError(
                {
                    "time_zone": _(
                        "%(time_zone)s is not a time zone (use a name like Europe/Paris)."
                    )
                    % {"time_zone": repr(time_zone)}
                }
            ) from None
    User.objects.filter(pk=user.pk).update(time_zone=time_zone)
    user.time_zone = time_zone
    return user


def user_language_set(*, user: User, language: str) -> User:
    """The language pages and mails use for this member; blank follows their browser."""
    language = (language or "").strip()
    if language and language not in dict(settings.LANGUAGES):
        raise ValidationError(
            {
                "language": _("%(language)s is not one of this site's languages.")
                % {"language": repr(language)}
            }
        )
    User.objects.filter(pk=user.pk).update(language=language)
    user.language = language
    return user
