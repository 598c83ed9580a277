"""One regression test per row of issue 17's table of attacks, each through the interface the
attack used (the API, a studio page, a review page). Unit-level tests of the same limits live
with their packages (tests/core/test_limits.py, tests/io/test_export_injection.py, ...)."""

from __future__ import annotations

import io
import shlex
import shutil
import subprocess
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from errata.models import Comment, Scene
from tests import factories
from tests.api.conftest import link_client, token_client

pytestmark = pytest.mark.django_db


def _upload(name: str, content: str | bytes) -> SimpleUploadedFile:
    data = content.encode() if isinstance(content, str) else content
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


# Row 1: a scene named `NoSrc\ntouch owned\n#`, then export?format=sh.
@pytest.mark.skipif(shutil.which("bash") is None, reason="bash checks the script")
def test_row_1_a_scene_name_cannot_add_a_command_to_the_render_script(cut, creator, tmp_path):
    api = token_client(creator)
    name = "NoSrc\ntouch owned\n#"
    for source_path in ("", "scenes/part1.py"):
        response = api.post(
            "/api/scenes/",
            {"video": cut.video.slug, "name": f"{name}{source_path}", "source_path": source_path},
        )
        assert response.status_code == 201, response.json()
    for scene in Scene.objects.filter(video=cut.video):
        factories.ErratumFactory(cut=cut, scene=scene, timestamp_s=10)

    script = api.get(f"/api/cuts/{cut.pk}/export/?format=sh").content.decode()

    (tmp_path / "rerender.sh").write_text(script)
    assert (
        subprocess.run(["bash", "-n", str(tmp_path / "rerender.sh")], check=False).returncode == 0
    )
    # The words the shell sees: the scene without a source is only on a comment line; the
    # other is one quoted word of the one render command.
    assert shlex.split(script, comments=True) == [
        "set",
        "-e",
        "manimgl",
        "scenes/part1.py",
        f"{name}scenes/part1.py",
        "-w",
    ]


# Row 2: Markdown export: links, tracking images and a backtick in source_path.
def test_row_2_patron_text_makes_no_link_or_image_in_the_markdown_export(cut, creator):
    scene = factories.SceneFactory(video=cut.video, name="Intro", source_path="a`b.py")
    factories.SceneSpanFactory(cut=cut, scene=scene, start_s=0, end_s=60)
    factories.ErratumFactory(
        cut=cut, scene=scene, title="see [x](https://evil.example/) ![](https://t.example/p.gif)"
    )
    markdown = token_client(creator).get(f"/api/cuts/{cut.pk}/export/?format=md").content.decode()
    assert "see \\[x\\](https://evil.example/) !\\[\\](https://t.example/p.gif)" in markdown
    assert "``a`b.py``" in markdown


def _nested_otio(depth: int) -> str:
    return "[" * depth + "]" * depth


# Row 3: a .otio of ~50k nested brackets, on the studio's timeline page and the new-cut form.
def test_row_3_a_deeply_nested_otio_file_is_refused_before_opentimelineio_reads_it(
    client, cut, creator
):
    client.force_login(creator)
    base = f"/studio/videos/{cut.video.slug}"
    response = client.post(
        f"{base}/cuts/1/timeline/", {"timeline": _upload("bomb.otio", _nested_otio(50_000))}
    )
    assert response.status_code == 400
    assert "limit: nesting depth" in response.content.decode()

    response = client.post(
        f"{base}/cuts/new/",
        {
            "label": "v2",
            "duration": "10:00",
            "fps": "30",
            "media_url": "https://example.com/v2.mp4",
            "timeline": _upload("bomb.otio", _nested_otio(50_000)),
        },
    )
    assert response.status_code == 400
    assert "limit: nesting depth" in response.content.decode()
    assert not cut.video.cuts.filter(number=2).exists()


# Row 4: YouTube JSON nested 100k deep to POST /api/cuts/{id}/import/.
def test_row_4_a_deeply_nested_youtube_file_is_refused_at_once(cut, creator):
    body = b'{"items": [' + b"[" * 100_000 + b"]" * 100_000 + b"]}"
    response = token_client(creator).post(
        f"/api/cuts/{cut.pk}/import/",
        {"format": "youtube", "file": _upload("threads.json", body)},
        format="multipart",
    )
    assert response.status_code == 400
    assert "limit: nesting depth" in response.json()["fields"]["file"][0]
    assert not Comment.objects.exists()


# Row 5: a JSON body nested 100k deep on a review-link API post.
def test_row_5_a_deeply_nested_request_body_is_a_400_naming_the_limit(review_link):
    body = '{"text": ' + "[" * 100_000 + "]" * 100_000 + "}"
    response = link_client(review_link).post(
        "/api/comments/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "limit: nesting depth" in response.json()["detail"]


# Row 6: /r/%00/ (also under media/ and mine/), unauthenticated.
@pytest.mark.parametrize("path", ["/r/%00/", "/r/%00/media/", "/r/%00/mine/", "/r/a%00b/"])
def test_row_6_a_nul_in_the_path_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_row_6_a_nul_in_an_api_query_or_a_header_is_a_400(creator, cut):
    api = token_client(creator)
    assert api.get("/api/errata/?video=%00").status_code == 400
    response = api.get("/api/errata/", HTTP_IF_MATCH='"1\x00"')
    assert response.status_code == 400
    assert response.json()["detail"] == "The If-Match header holds a control character."


# Row 7: `Range: bytes=` and 5,000 digits.
def test_row_7_a_range_of_5000_digits_is_ignored(client, review_link, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    cut = review_link.cut
    cut.media_file.save("cut.webm", io.BytesIO(b"x" * 1000))
    factories.CutMediaFactory(cut=cut)  # a processed video, served as media
    response = client.get(f"/r/{review_link.token}/media/", HTTP_RANGE="bytes=" + "9" * 5000)
    assert response.status_code == 200
    assert response["Content-Length"] == "1000"
    response = client.get(f"/r/{review_link.token}/media/", HTTP_RANGE="bytes=1-" + "9" * 5000)
    assert response.status_code == 200


# Row 8: a CSV timestamp of 5,000 digits; manim source "-" * 200000 + "1".
def test_row_8_a_timestamp_of_5000_digits_is_refused_by_line(cut, creator):
    csv_file = "author,text,timestamp\nAda,fine,1:00\nBob,huge," + "9" * 5000 + "\n"
    response = token_client(creator).post(
        f"/api/cuts/{cut.pk}/import/",
        {"format": "csv", "file": _upload("c.csv", csv_file)},
        format="multipart",
    )
    assert response.status_code == 400
    message = response.json()["fields"]["file"][0]
    assert "line 3: timestamp '99999" in message
    assert len(message) < 200  # the refusal does not echo the 5,000 digits


def test_row_8_a_manim_source_that_exhausts_the_parser_is_a_form_error(client, cut, creator):
    client.force_login(creator)
    response = client.post(
        f"/studio/videos/{cut.video.slug}/scenes/",
        {"source": _upload("bomb.py", "-" * 200_000 + "1"), "source_path": ""},
    )
    assert response.status_code == 400
    assert "(limit: memory)" in response.content.decode()
    assert not Scene.objects.exists()


# Row 9: a CSV import where two comments name each other as parent.
def test_row_9_comments_answering_each_other_in_a_loop_are_refused_naming_them(cut, creator):
    csv_file = "external_id,parent_id,author,text\na,b,Ada,first\nb,a,Bob,second\nc,,Cy,fine\n"
    response = token_client(creator).post(
        f"/api/cuts/{cut.pk}/import/",
        {"format": "csv", "file": _upload("c.csv", csv_file)},
        format="multipart",
    )
    assert response.status_code == 400
    message = response.json()["fields"]["file"][0]
    assert "answer each other in a loop: 'a' \u2192 'b' \u2192 'a'" in message
    assert not Comment.objects.exists()


def test_row_9_a_reply_to_an_unknown_comment_is_refused_naming_the_record(cut, creator):
    csv_file = "external_id,parent_id,author,text\na,,Ada,first\nb,zzz,Bob,reply\n"
    response = token_client(creator).post(
        f"/api/cuts/{cut.pk}/import/",
        {"format": "csv", "file": _upload("c.csv", csv_file)},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["fields"]["file"][0].startswith("Nothing was imported: line 3:")


# Row 10: 30 wrong passwords for `creator` on /accounts/login/ (and the admin).
@pytest.mark.parametrize("login_url", ["/accounts/login/", "/admin/login/"])
def test_row_10_wrong_passwords_lock_the_account_out_from_that_address(client, settings, login_url):
    settings.AXES_FAILURE_LIMIT = 5
    factories.UserFactory(username="creator", password="the-right-password-1", is_staff=True)
    # allauth's sign-in form calls the account field `login`; the admin's says `username`.
    field = "login" if login_url.startswith("/accounts/") else "username"
    answers = [
        client.post(login_url, {field: "creator", "password": f"guess-{n}"}).status_code
        for n in range(8)
    ]
    assert answers[:4] == [200] * 4  # the form again, with its error
    assert set(answers[5:]) == {429}
    # Locked out: even the right password is refused from this address for now.
    right = client.post(login_url, {field: "creator", "password": "the-right-password-1"})
    assert right.status_code == 429
    # Another address is not locked out (one person cannot keep the creator out).
    other = client.post(
        login_url,
        {field: "creator", "password": "the-right-password-1"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert other.status_code == 302


def test_row_10_api_token_creation_is_throttled_per_person(creator, settings):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "token_create": "3/hour"}
    api = token_client(creator)  # the first token, made directly
    answers = [api.post("/api/tokens/", {"name": f"t{n}"}).status_code for n in range(5)]
    assert answers == [201, 201, 201, 429, 429]


def test_row_10_password_validators_refuse_a_weak_password(creator):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    for weak in ("password", "grant123", "1234"):
        with pytest.raises(ValidationError):
            validate_password(weak, creator)


# Row 11: `load_demo` in production (tests/management/test_load_demo.py has the details).
def test_row_11_load_demo_with_debug_off_refuses_the_published_password(settings):
    from django.core.management import CommandError, call_command

    settings.DEBUG = False
    with pytest.raises(CommandError, match="--password"):
        call_command("load_demo", stdout=io.StringIO())


# Row 12: creating a video with a slug another team uses.
def test_row_12_a_taken_slug_is_refused_without_telling_whose_it_is(creator, outsider, video):
    theirs = token_client(outsider).get("/api/teams/").json()["results"][0]["slug"]
    body = {"slug": video.slug, "team": theirs, "title": "Mine"}
    other_team = token_client(outsider).post("/api/videos/", body).json()
    own_team = token_client(creator).post("/api/videos/", {**body, "team": video.team.slug}).json()
    assert other_team["fields"]["slug"] == ["This slug is not available; choose another."]
    assert own_team["fields"]["slug"] == other_team["fields"]["slug"]


# Row 15: staff could edit an erratum's status in the admin.
def test_row_15_the_admin_shows_status_and_version_but_does_not_change_them(client, cut):
    admin = factories.UserFactory(username="staff", is_staff=True, is_superuser=True)
    erratum = factories.ErratumFactory(cut=cut, title="Typo", status="open")
    client.force_login(admin)
    url = f"/admin/errata/erratum/{erratum.pk}/change/"
    form = client.get(url).content.decode()
    assert 'name="status"' not in form and 'name="version"' not in form
    client.post(url, {"title": "Typo", "status": "verified", "version": 99, "category": "typo"})
    erratum.refresh_from_db()
    assert (erratum.status, erratum.version) == ("open", 1)
    # The change goes through the service: an event, a new version.
    client.post(
        "/admin/errata/erratum/",
        {"action": "accept_selected", "_selected_action": [erratum.pk]},
    )
    erratum.refresh_from_db()
    assert erratum.status == "accepted"
    assert erratum.version == 2
    assert erratum.events.filter(kind="status").exists()


# Row 13: new guests on a shared IP (campus, household NAT).
def _guest_posts(client, link, text: str) -> int:
    return client.post(
        f"/r/{link.token}/comments/new/",
        {"text": text, "time": "", "time_source": "player", "player_time": "", "name": "Guest"},
        HTTP_HX_REQUEST="true",
    ).status_code


def test_row_13_new_guests_behind_one_address_each_get_their_own_limit(review_link, settings):
    from django.test import Client

    settings.REVIEW_POSTS_PER_MINUTE = 6
    settings.REVIEW_POSTS_PER_MINUTE_PER_IP = 60
    browsers = [Client() for _ in range(10)]  # ten people behind one NAT address
    for browser in browsers:
        assert browser.get(f"/r/{review_link.token}/").status_code == 200
    assert [_guest_posts(b, review_link, "first") for b in browsers] == [200] * 10
    assert Comment.objects.count() == 10


def test_row_13_floods_from_one_address_are_still_refused(review_link, settings):
    from django.test import Client

    settings.REVIEW_POSTS_PER_MINUTE = 6
    settings.REVIEW_POSTS_PER_MINUTE_PER_IP = 20
    # A script without cookies counts against its address with the per-viewer limit.
    bare = [_guest_posts(Client(), review_link, f"spam {n}") for n in range(8)]
    assert bare == [200] * 6 + [429] * 2
    # A script that loads the page for a fresh cookie each time meets the address's ceiling.
    fresh = []
    for n in range(20):
        browser = Client()
        browser.get(f"/r/{review_link.token}/")
        fresh.append(_guest_posts(browser, review_link, f"more spam {n}"))
    assert fresh.count(200) == 20 - 8 and set(fresh[12:]) == {429}
    assert Comment.objects.count() == 6 + 12


# Row 14: webhooks (DNS rebinding, replay, rotation). End to end against a real receiver in
# tests/api/test_webhooks.py: test_the_connection_goes_to_the_address_that_was_checked,
# test_a_delivery_captured_and_sent_again_later_is_refused_by_its_timestamp,
# test_a_rotated_secret_signs_beside_the_old_one_until_the_window_ends.
def test_row_14_the_signature_covers_the_id_the_timestamp_and_the_body():
    from errata.models import webhook_secret_new
    from errata.webhooks.signing import signed_headers, verify

    secret = webhook_secret_new()
    now = int(time.time())
    headers = signed_headers(secrets_in_use=[secret], msg_id="evt_1", timestamp=now, body="{}")
    assert verify(secret=secret, body=b"{}", headers=headers)
    for changed in ({"webhook-id": "evt_2"}, {"webhook-timestamp": str(now - 1)}):
        assert not verify(secret=secret, body=b"{}", headers={**headers, **changed})
    assert not verify(secret=secret, body=b'{"a":1}', headers=headers)
