"""A stand-in for Patreon on 127.0.0.1 that speaks its real protocols: OAuth2's authorization
code flow (an authorize page with an Allow button, the token endpoint checking the client and
the code) and the API v2 identity endpoint (JSON:API: the user, their memberships with campaign
and currently entitled tiers in `included`). Which patron is "signed in at Patreon" is set by
the test, as a browser's Patreon session would be.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urlencode

import pytest

from tests.standins.server import Request, Response, StandInServer

CLIENT_ID = "errata-test-client"
CLIENT_SECRET = "errata-test-secret"


@dataclass
class Pledge:
    campaign_id: str
    patron_status: str = "active_patron"
    tiers: list[tuple[str, str, int]] = field(default_factory=list)  # (id, title, cents)
    last_charge_status: str = "Paid"


@dataclass
class Patron:
    id: str
    full_name: str
    email: str
    image_url: str = ""
    pledges: list[Pledge] = field(default_factory=list)


@dataclass
class PatreonStandIn:
    url: str = ""
    signed_in: Patron | None = None
    codes: dict[str, Patron] = field(default_factory=dict)
    tokens: dict[str, Patron] = field(default_factory=dict)
    identity_calls: int = 0
    server: StandInServer | None = None

    def identity(self, patron: Patron) -> dict:
        included, members = [], []
        for number, pledge in enumerate(patron.pledges, start=1):
            member_id = f"member-{patron.id}-{number}"
            members.append({"id": member_id, "type": "member"})
            included.append(
                {
                    "id": member_id,
                    "type": "member",
                    "attributes": {
                        "patron_status": pledge.patron_status,
                        "last_charge_status": pledge.last_charge_status,
                        "currently_entitled_amount_cents": max(
                            (c for _, _, c in pledge.tiers), default=0
                        ),
                    },
                    "relationships": {
                        "campaign": {"data": {"id": pledge.campaign_id, "type": "campaign"}},
                        "currently_entitled_tiers": {
                            "data": [{"id": t, "type": "tier"} for t, _, _ in pledge.tiers]
                        },
                    },
                }
            )
            included.append({"id": pledge.campaign_id, "type": "campaign", "attributes": {}})
            included += [
                {"id": t, "type": "tier", "attributes": {"title": title, "amount_cents": cents}}
                for t, title, cents in pledge.tiers
            ]
        return {
            "data": {
                "id": patron.id,
                "type": "user",
                "attributes": {
                    "full_name": patron.full_name,
                    "email": patron.email,
                    "image_url": patron.image_url,
                },
                "relationships": {"memberships": {"data": members}},
            },
            "included": included,
            "links": {"self": f"https://www.patreon.com/api/oauth2/v2/user/{patron.id}"},
        }

    def handle(self, request: Request) -> Response:
        if request.path == "/oauth2/authorize":
            return self._authorize(request)
        if request.path == "/oauth2/authorize/allow":
            patron = self.signed_in
            code = secrets.token_urlsafe(16)
            self.codes[code] = patron
            query = urlencode({"code": code, "state": request.query.get("state", "")})
            return Response(302, Location=f"{request.query['redirect_uri']}?{query}")
        if request.path == "/api/oauth2/token" and request.method == "POST":
            return self._token(request.form())
        if request.path == "/api/oauth2/v2/identity":
            self.identity_calls += 1
            token = request.headers.get("Authorization", "").removeprefix("Bearer ")
            patron = self.tokens.get(token)
            if patron is None:
                return Response(401, {"errors": [{"code": 1, "status": "401"}]})
            if "memberships" not in request.query.get("include", ""):
                return Response(400, {"errors": [{"detail": "include memberships"}]})
            return Response(200, self.identity(patron))
        return Response(404, {"errors": [{"status": "404"}]})

    def _authorize(self, request: Request) -> Response:
        query = request.query
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return Response(400, "invalid_client")
        if "identity.memberships" not in query.get("scope", "").split():
            return Response(400, "Errata must ask for identity.memberships")
        allow = "/oauth2/authorize/allow?" + urlencode(
            {"redirect_uri": query["redirect_uri"], "state": query.get("state", "")}
        )
        who = escape(self.signed_in.full_name) if self.signed_in else "nobody"
        page = (
            "<!doctype html><title>Patreon</title><h1>Allow Errata to see your Patreon "
            f"memberships?</h1><p>Signed in as {who}.</p><a href='{escape(allow)}'>Allow</a>"
        )
        return Response(200, page, Content_Type="text/html; charset=utf-8")

    def _token(self, form: dict[str, str]) -> Response:
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return Response(401, {"error": "invalid_client"})
        patron = self.codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or patron is None:
            return Response(400, {"error": "invalid_grant"})
        token = secrets.token_urlsafe(24)
        self.tokens[token] = patron
        return Response(
            200,
            {
                "access_token": token,
                "refresh_token": secrets.token_urlsafe(24),
                "expires_in": 2678400,
                "scope": "identity identity[email] identity.memberships",
                "token_type": "Bearer",
            },
        )


@pytest.fixture
def patreon(settings) -> Iterator[PatreonStandIn]:
    """Patreon on 127.0.0.1, and Errata configured to sign in there."""
    standin = PatreonStandIn()
    with StandInServer(standin.handle) as server:
        standin.url, standin.server = server.url, server
        settings.PATREON_BASE_URL = server.url
        settings.SOCIALACCOUNT_PROVIDERS = {
            **settings.SOCIALACCOUNT_PROVIDERS,
            "patreon": {
                **settings.SOCIALACCOUNT_PROVIDERS["patreon"],
                "APPS": [{"client_id": CLIENT_ID, "secret": CLIENT_SECRET, "key": ""}],
            },
        }
        yield standin
