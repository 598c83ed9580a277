"""Every form, API write, path and header, on the hostile corpus and generated values: the
answer is never a 5xx. The API also gets schemathesis at a higher example count than
`make test` (tests/api/test_schema.py)."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from errata.api.tokens import api_token_create
from tests.fuzz.conftest import EXAMPLES, fuzz_settings, tried
from tests.fuzz.corpus import HOSTILE_JSON, HOSTILE_STRINGS

pytestmark = pytest.mark.django_db

VALUES = list(HOSTILE_STRINGS.values())
# Generated values: any text, numbers as text, and the corpus.
values = st.one_of(
    st.text(max_size=300), st.sampled_from(VALUES), st.integers().map(str), st.floats().map(str)
)


def _ok(response, what: str) -> None:
    assert response.status_code < 500, (what, response.status_code, response.content[:300])


# --- Paths and headers --------------------------------------------------------------------------


def test_hostile_paths_and_headers_are_never_a_5xx(world, creator, review_link):
    client = Client()
    client.force_login(creator)
    token = f"Bearer {api_token_create(user=creator, name='fuzz').key}"
    count = 0
    for value in VALUES:
        piece = quote(value[:200], safe="")
        for path in (
            f"/r/{piece}/",
            f"/r/{piece}/media/",
            f"/r/{piece}/mine/",
            f"/unsubscribe/{piece}/",
            f"/studio/videos/{piece}/",
            f"/api/videos/{piece}/",
            f"/api/errata/?video={piece}&time_from={piece}&ordering={piece}",
            f"/api/comments/?cut={piece}&page={piece}&page_size={piece}",
            f"/r/{review_link.token}/comments/?around={piece}&after={piece}",
        ):
            _ok(client.get(path, HTTP_AUTHORIZATION=token), path)
            count += 1
        header = value[:500].encode("utf-8", "surrogatepass").decode("latin-1")
        for name in ("HTTP_RANGE", "HTTP_IF_MATCH", "HTTP_AUTHORIZATION", "HTTP_X_ERRATA_REVIEWER",
                     "HTTP_COOKIE", "HTTP_IF_RANGE", "HTTP_HX_REQUEST", "HTTP_ACCEPT"):  # fmt: skip
            _ok(client.get(f"/r/{review_link.token}/media/", **{name: header}), name)
            _ok(Client().get(f"/api/errata/{world.erratum_open.pk}/", **{name: header}), name)
            count += 2
    tried("paths and headers (corpus)", count)


# --- The review page's forms --------------------------------------------------------------------


def _review_post(client: Client, link, value: str) -> None:
    base = f"/r/{link.token}/"
    fields = {
        "text": value,
        "name": value[:200],
        "email": value[:200],
        "time": value[:40],
        "time_source": "manual",
        "player_time": value[:40],
        "parent": value[:40],
    }
    _ok(client.post(base + "comments/new/", fields, HTTP_HX_REQUEST="true"), "comment")
    _ok(client.post(base + "preview/", fields, HTTP_HX_REQUEST="true"), "preview")


def test_the_review_forms_take_any_value(world, review_link):
    client = Client()
    client.get(f"/r/{review_link.token}/")
    finding = world.findings_new[0]
    for value in VALUES:
        _review_post(client, review_link, value)
        _ok(
            client.post(
                f"/r/{review_link.token}/metoo/{finding.pk}/",
                {"name": value[:200], "email": value[:200], "prefix": value},
                HTTP_HX_REQUEST="true",
            ),
            "metoo",
        )
    tried("review forms (corpus)", len(VALUES) * 3)

    @fuzz_settings()
    @given(value=values)
    def run(value: str) -> None:
        _review_post(client, review_link, value)
        tried("review forms (generated)", 2)

    run()


# --- The studio's forms -------------------------------------------------------------------------

STUDIO_FIELDS = (
    "title", "description", "category", "severity", "remedy", "scene", "time", "timestamp",
    "reason", "fix_note", "text", "label", "expires_at", "name", "start", "end", "status",
    "fixed_in_cut", "into", "finding", "findings", "erratum", "duration", "fps", "media_url",
    "carry_from", "to_cut", "source_path", "show_others_comments", "can_comment", "version",
    "frequency", "q", "order",
)  # fmt: skip


def _studio_urls(world) -> list[str]:
    v = f"/studio/videos/{world.video.slug}"
    c = f"{v}/cuts/{world.cut.number}"
    f = f"{c}/findings/{world.findings_new[0].pk}"
    e = f"{v}/errata/{world.erratum_open.pk}"
    span = world.spans[0].pk
    return [
        f"{c}/links/", f"{c}/carry/", f"{c}/inbox/accept/", f"{c}/inbox/add/",
        f"{c}/inbox/dismiss/", f"{f}/split/", f"{f}/edit/", f"{f}/reply/", f"{f}/restore/",
        f"{c}/timeline/spans/", f"{c}/timeline/spans/{span}/", f"{e}/edit/", f"{e}/status/",
        f"{e}/merge/", f"{v}/cuts/new/", "/studio/settings/notifications/", f"{c}/edit/",
        f"{c}/delete/", f"{c}/links/{world.cut.review_links.first().pk}/revoke/",
    ]  # fmt: skip


def test_the_studio_forms_take_any_value(world, creator):
    client = Client()
    client.force_login(creator)
    urls = _studio_urls(world)
    for value in VALUES:
        fields = {name: value for name in STUDIO_FIELDS}
        for url in urls:
            _ok(client.post(url, fields, HTTP_HX_REQUEST="true"), url)
    tried("studio forms (corpus)", len(VALUES) * len(urls))

    @fuzz_settings(max(10, EXAMPLES // 5))
    @given(value=values, url=st.sampled_from(urls))
    def run(value: str, url: str) -> None:
        _ok(client.post(url, {name: value for name in STUDIO_FIELDS}), url)
        tried("studio forms (generated)")

    run()


# --- API writes ---------------------------------------------------------------------------------


def _api_writes(world) -> list[tuple[str, str, dict]]:
    """Each write the API offers, with a body that would be valid."""
    w = world
    cut, erratum, finding = w.cut.pk, w.erratum_open.pk, w.findings_new[0].pk
    return [
        ("post", "/api/videos/", {"slug": "v2", "team": w.video.team.slug, "title": "T"}),
        (
            "patch",
            f"/api/videos/{w.video.slug}/",
            {"title": "T", "render_command": "m {source} {scenes}"},
        ),
        ("post", "/api/cuts/", {"video": w.video.slug, "number": 9, "duration_s": 60}),
        ("patch", f"/api/cuts/{cut}/", {"label": "x", "media_url": "https://e.example/v.mp4"}),
        (
            "put",
            f"/api/cuts/{cut}/timeline/",
            {"spans": [{"scene": "A", "start_s": 0, "end_s": 5}], "source_path": "a.py"},
        ),
        ("post", f"/api/cuts/{cut}/carry/", {"to_cut": w.cut2.pk}),
        ("post", "/api/scenes/", {"video": w.video.slug, "name": "S", "source_path": "s.py"}),
        ("patch", f"/api/scenes/{w.scenes[0].pk}/", {"name": "S2"}),
        ("patch", f"/api/spans/{w.spans[0].pk}/", {"start_s": 1, "end_s": 2}),
        ("post", "/api/review-links/", {"cut": cut, "label": "L"}),
        ("post", "/api/comments/", {"cut": cut, "text": "hello", "timestamp_s": 3}),
        ("patch", f"/api/findings/{finding}/", {"category": "typo", "timestamp_s": 2}),
        (
            "post",
            "/api/findings/dismiss/",
            {"findings": [finding], "category": "none", "reason": "r"},
        ),
        ("post", "/api/errata/", {"findings": [finding], "title": "T", "category": "typo"}),
        ("patch", f"/api/errata/{erratum}/", {"title": "T", "description": "d", "fix_note": "f"}),
        ("post", f"/api/errata/{erratum}/findings/", {"findings": [finding]}),
        ("post", f"/api/errata/{erratum}/merge/", {"into": w.erratum_dup.pk}),
        ("post", f"/api/errata/{erratum}/fix/", {"cut": w.cut2.pk, "fix_note": "n"}),
        ("post", f"/api/errata/{erratum}/wontfix/", {"reason": "r"}),
        ("post", "/api/tokens/", {"name": "n"}),
        (
            "post",
            "/api/webhooks/",
            {"team": w.video.team.slug, "url": "https://h.example/x", "events": ["erratum.fixed"]},
        ),
    ]


def _with_value(body: object, value: object) -> list[object]:
    """The body with each string, number or list in it replaced by `value`, one at a time."""
    if isinstance(body, dict):
        variants = []
        for key, item in body.items():
            variants += [{**body, key: v} for v in _with_value(item, value)]
        return variants
    if isinstance(body, list):
        variants = [value]
        for index, item in enumerate(body):
            variants += [[*body[:index], v, *body[index + 1 :]] for v in _with_value(item, value)]
        return variants
    return [value]


def _api(creator) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=creator, name='f').key}")
    return client


def test_every_api_write_survives_hostile_bodies(world, creator):
    client = _api(creator)
    count = 0
    for method, url, body in _api_writes(world):
        send = getattr(client, method)
        for raw in HOSTILE_JSON.values():
            _ok(send(url, raw, content_type="application/json"), f"{method} {url}")
            count += 1
        for value in [*VALUES, 10**30, -1, 1e308, None, True, [], {}, [[[[]]]]]:
            for variant in _with_value(body, value):
                _ok(send(url, variant, format="json"), f"{method} {url} {str(variant)[:80]}")
                count += 1
    tried("api writes (corpus)", count)


def test_every_api_write_survives_generated_values(world, creator):
    client = _api(creator)
    writes = _api_writes(world)
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | values,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=10), children, max_size=3)
        ),
        max_leaves=10,
    )

    @fuzz_settings()
    @given(write=st.sampled_from(writes), value=json_values, which=st.integers(min_value=0))
    def run(write, value, which: int) -> None:
        method, url, body = write
        variants = _with_value(body, value)
        variant = variants[which % len(variants)]
        _ok(getattr(client, method)(url, json.dumps(variant), content_type="application/json"), url)
        tried("api writes (generated)")

    run()
