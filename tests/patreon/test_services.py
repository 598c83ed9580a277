"""The tier gate: the membership check is asked of Patreon's identity endpoint (the stand-in),
cached, asked again once expired; Patreon down or lying lets nobody in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from allauth.socialaccount.models import SocialAccount, SocialApp, SocialToken
from django.utils import timezone

from errata.models import PatreonMembershipCheck
from errata.patreon.client import PatreonError, identity_parse
from errata.patreon.services import membership_check, review_link_admission
from tests import factories
from tests.patreon.conftest import CAMPAIGN, patron, supporter
from tests.standins.patreon import CLIENT_ID

pytestmark = pytest.mark.django_db


def _signed_in_with_patreon(patreon, standin_patron):
    """An account that signed in with Patreon: its social account and token, as allauth keeps
    them, the token one the stand-in knows."""
    user = factories.UserFactory(username=standin_patron.full_name.split()[0].lower())
    account = SocialAccount.objects.create(user=user, provider="patreon", uid=standin_patron.id)
    app = SocialApp.objects.create(provider="patreon", name="Patreon", client_id=CLIENT_ID)
    SocialToken.objects.create(account=account, app=app, token=f"token-{standin_patron.id}")
    patreon.tokens[f"token-{standin_patron.id}"] = standin_patron
    return user


def test_a_check_is_cached_until_it_expires_then_asked_again(patreon, gated_link, settings):
    settings.PATREON_CHECK_SECONDS = 600
    ada_at_patreon = patron("Ada Lovelace", supporter())
    ada = _signed_in_with_patreon(patreon, ada_at_patreon)

    assert review_link_admission(review_link=gated_link, user=ada).admitted
    assert review_link_admission(review_link=gated_link, user=ada).admitted
    assert patreon.identity_calls == 1

    # Her pledge ends at Patreon; the cached answer holds until it expires, then she is refused.
    ada_at_patreon.pledges = [supporter(status="former_patron")]
    assert review_link_admission(review_link=gated_link, user=ada).admitted
    PatreonMembershipCheck.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    refused = review_link_admission(review_link=gated_link, user=ada)
    assert (refused.admitted, refused.reason) == (False, "former")
    assert patreon.identity_calls == 2


def test_patreon_unreachable_lets_nobody_in_and_is_asked_again_next_time(gated_link, settings):
    settings.PATREON_BASE_URL = "http://127.0.0.1:9"  # nothing listens on the discard port
    settings.PATREON_TIMEOUT_SECONDS = 2
    user = factories.UserFactory(username="ada")
    account = SocialAccount.objects.create(user=user, provider="patreon", uid="1")
    app = SocialApp.objects.create(provider="patreon", name="Patreon", client_id=CLIENT_ID)
    SocialToken.objects.create(account=account, app=app, token="t")

    admission = review_link_admission(review_link=gated_link, user=user)
    assert (admission.admitted, admission.reason) == (False, "unreachable")
    check = PatreonMembershipCheck.objects.get()
    assert check.status == "unknown" and not check.is_fresh()


def test_a_token_patreon_refuses_asks_the_patron_to_sign_in_again(patreon, gated_link):
    ada = _signed_in_with_patreon(patreon, patron("Ada Lovelace", supporter()))
    patreon.tokens.clear()
    admission = review_link_admission(review_link=gated_link, user=ada)
    assert (admission.admitted, admission.reason) == (False, "sign_in")


def test_team_members_and_open_links_need_no_patreon(gated_link, creator, review_link):
    assert review_link_admission(review_link=gated_link, user=creator).admitted
    assert review_link_admission(review_link=review_link, user=None).admitted


def test_an_anonymous_visitor_is_asked_to_sign_in(gated_link, client, patreon):
    response = client.get(gated_link.get_absolute_url())
    assert response.status_code == 403
    assert b"Sign in with Patreon" in response.content
    assert b"<video" not in response.content
    # Nor can the link's token be used over the API to read or post.
    api = client.get("/api/comments/", HTTP_AUTHORIZATION=f"ReviewLink {gated_link.token}")
    assert api.status_code == 401


def test_without_patreon_configured_the_gate_says_so_rather_than_failing(gated_link, client):
    response = client.get(gated_link.get_absolute_url())
    assert response.status_code == 403
    assert b"not set up on this site" in response.content


def test_a_link_for_patrons_needs_the_teams_campaign(cut, creator):
    from django.core.exceptions import ValidationError

    from errata.reviews.services import review_link_create

    with pytest.raises(ValidationError) as refused:
        review_link_create(cut=cut, patreon_required=True, created_by=creator)
    assert list(refused.value.message_dict) == ["patreon_required"]


@pytest.mark.parametrize(
    "document",
    [
        None,
        [],
        {"data": []},
        {"data": {"id": ""}},
        {"data": {"id": "1", "attributes": "x"}},
        {"data": {"id": "1"}, "included": "x"},
    ],
)
def test_a_malformed_identity_is_an_error_not_a_crash(document):
    with pytest.raises(PatreonError):
        identity_parse(document)


def test_an_identity_with_odd_memberships_reads_what_it_can():
    document = {
        "data": {
            "id": "1",
            "attributes": {},
            "relationships": {
                "memberships": {
                    "data": [
                        {"id": "m1", "type": "member"},
                        {"id": "missing", "type": "member"},
                        "junk",
                    ]
                }
            },
        },
        "included": [
            {
                "id": "m1",
                "type": "member",
                "attributes": {"patron_status": "active_patron"},
                "relationships": {
                    "campaign": {"data": {"id": CAMPAIGN, "type": "campaign"}},
                    "currently_entitled_tiers": {
                        "data": [{"id": "t1", "type": "tier"}, {"id": "t2", "type": "tier"}]
                    },
                },
            },
            {"id": "t1", "type": "tier", "attributes": {"amount_cents": -5, "title": None}},
            {"id": "t2", "type": "tier", "attributes": {"amount_cents": 1000, "title": "Gold"}},
            42,
        ],
    }
    identity = identity_parse(document)
    (membership,) = identity.memberships
    assert membership.campaign_id == CAMPAIGN and membership.entitled_cents == 1000


def test_the_check_is_per_account_and_campaign(patreon, gated_link):
    ada = _signed_in_with_patreon(patreon, patron("Ada Lovelace", supporter()))
    membership_check(user=ada, campaign_id=CAMPAIGN)
    membership_check(user=ada, campaign_id="other")
    assert PatreonMembershipCheck.objects.filter(user=ada).count() == 2
    assert PatreonMembershipCheck.objects.get(campaign_id="other").status == "none"


def test_the_api_makes_a_link_for_patrons_once_the_team_has_a_campaign(team, creator, cut):
    from tests.api.conftest import token_client

    api = token_client(creator)
    body = {"cut": cut.pk, "label": "Patrons", "patreon_required": True, "patreon_min_cents": 500}
    refused = api.post("/api/review-links/", body, format="json")
    assert refused.status_code == 400
    assert list(refused.json()["fields"]) == ["patreon_required"]

    team.patreon_campaign_id = CAMPAIGN
    team.save()
    made = api.post("/api/review-links/", body, format="json")
    assert made.status_code == 201
    assert (made.json()["patreon_required"], made.json()["patreon_min_cents"]) == (True, 500)
    # Changing who may open it afterwards is not an edit the API takes.
    changed = api.patch(
        f"/api/review-links/{made.json()['id']}/", {"patreon_required": False}, format="json"
    )
    assert changed.status_code == 200 and changed.json()["patreon_required"] is True
