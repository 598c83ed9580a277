"""Languages: the review page and the studio in German with the right singular and plural, the
switcher (Django's set_language) remembered on the account, English when nobody asks for
another, and the catalogue check that `make lint` runs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from errata.management.commands.check_messages import catalogue_problems
from errata.models import Membership, User
from tests import factories
from tests.notifications.test_digests import START, at, send, triaged

pytestmark = pytest.mark.django_db

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}
LOCALE_DE = Path(settings.LOCALE_PATHS[0]) / "de" / "LC_MESSAGES"
needs_gettext = pytest.mark.skipif(
    shutil.which("msgfmt") is None, reason="needs GNU gettext (apt-get install gettext)"
)


def _waiting_comments(cut, n: int, at_s: float = 363) -> None:
    """Comments still waiting for triage count on the timeline by their player time."""
    for i in range(n):
        factories.CommentFactory(
            cut=cut, text=f"Is this right? ({i})", timestamp_s=at_s, triage_state="pending"
        )


# --- The review page ----------------------------------------------------------------------------


def test_the_review_page_speaks_german_with_one_report(client, review_link, cut):
    _waiting_comments(cut, 1)
    response = client.get(review_link.get_absolute_url(), **GERMAN)
    page = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in page
    assert "Kommentar veröffentlichen" in page and "Post comment" not in page
    assert "Neuer Kommentar" in page
    # The marker under the player and the summary for screen readers: the singular.
    assert re.search(r"<title>1 Meldung bei \d+:\d\d\u2013\d+:\d\d</title>", page)
    assert re.search(r"Meldungen häufen sich bei \d+:\d\d \(1 Meldung\)\.", page)
    assert "Meldungen bei" not in page


def test_the_review_page_speaks_german_with_several_reports(client, review_link, cut):
    _waiting_comments(cut, 3)
    page = client.get(review_link.get_absolute_url(), **GERMAN).content.decode()
    assert re.search(r"<title>3 Meldungen bei \d+:\d\d\u2013\d+:\d\d</title>", page)
    assert re.search(r"\(3 Meldungen\)\.", page)
    assert "1 Meldung bei" not in page
    # Nothing left in English where German was asked for.
    assert "reports at" not in page and "Reports cluster" not in page


def test_the_review_page_stays_english_when_nobody_asks_for_german(client, review_link, cut):
    _waiting_comments(cut, 1)
    response = client.get(review_link.get_absolute_url())
    page = response.content.decode()
    assert response["Content-Language"] == "en"
    assert "Post comment" in page
    assert re.search(r"<title>1 report at \d+:\d\d\u2013\d+:\d\d</title>", page)


def test_a_refused_link_explains_itself_in_german(client, review_link):
    review_link.revoked_at = review_link.created_at
    review_link.save()
    response = client.get(review_link.get_absolute_url(), **GERMAN)
    assert response.status_code == 410
    assert "Dieser Review-Link wurde widerrufen" in response.content.decode()


def test_the_patreon_gate_explains_itself_in_german(client, review_link):
    review_link.patreon_required = True
    review_link.save()
    page = client.get(review_link.get_absolute_url(), **GERMAN).content.decode()
    assert "Für Patrons" in page
    assert "aber es ist noch keine Patreon-Kampagne verbunden" in page


# --- The studio ---------------------------------------------------------------------------------


def _count_line(page: str) -> str:
    return page.split('class="counts"')[1].split("</p>")[0]


def test_the_studio_counts_speak_german_in_the_singular(client, creator, cut):
    creator.language = "de"
    creator.save()
    client.force_login(creator)
    _waiting_comments(cut, 1)
    counts = _count_line(client.get("/studio/").content.decode())
    assert "<strong>1</strong> neuer Kommentar" in counts
    assert "<strong>0</strong> offene Errata" in counts


def test_the_studio_counts_speak_german_in_the_plural(client, creator, cut):
    creator.language = "de"
    creator.save()
    client.force_login(creator)
    _waiting_comments(cut, 3)
    page = client.get("/studio/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # The member's own choice wins over what the browser asks for.
    assert "<strong>3</strong> neue Kommentare" in _count_line(page)
    assert "Videos" in page and "Ein Video hinzufügen" in page


def test_the_cut_page_in_german_says_one_scene_span_and_several(client, creator, cut):
    creator.language = "de"
    creator.save()
    client.force_login(creator)
    url = f"/studio/videos/{cut.video.slug}/cuts/{cut.number}/"
    scene = factories.SceneFactory(video=cut.video, name="Intro")
    factories.SceneSpanFactory(cut=cut, scene=scene, start_s=0, end_s=10)
    assert "1 Szenenabschnitt ·" in client.get(url).content.decode()
    for i, start in enumerate((10, 20)):
        other = factories.SceneFactory(video=cut.video, name=f"Part{i}")
        factories.SceneSpanFactory(cut=cut, scene=other, start_s=start, end_s=start + 10)
    page = client.get(url).content.decode()
    assert "3 Szenenabschnitte ·" in page
    assert "Review-Links" in page and "Review links" not in page


# --- The switcher -------------------------------------------------------------------------------


def test_the_switcher_keeps_a_members_choice_for_every_device(client, creator, cut):
    client.force_login(creator)
    assert User.objects.get(pk=creator.pk).language == ""
    response = client.post("/i18n/setlang/", {"language": "de", "next": "/studio/"})
    assert response.status_code == 302 and response["Location"] == "/studio/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    assert User.objects.get(pk=creator.pk).language == "de"
    # Another browser, no cookie, an English Accept-Language: still German for this member.
    other_device = type(client)()
    other_device.force_login(creator)
    page = other_device.get("/studio/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Ein Video hinzufügen" in page


def test_a_guest_switches_by_cookie_alone(client, review_link):
    response = client.post(
        "/i18n/setlang/", {"language": "de", "next": review_link.get_absolute_url()}
    )
    assert response.status_code == 302
    page = client.get(review_link.get_absolute_url()).content.decode()
    assert "Kommentar veröffentlichen" in page


def test_a_language_the_site_does_not_offer_changes_nothing(client, creator):
    client.force_login(creator)
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/studio/"})
    assert response.status_code == 302
    assert User.objects.get(pk=creator.pk).language == ""
    # French: Django has a catalogue for it, the site does not offer it.
    client.post("/i18n/setlang/", {"language": "fr", "next": "/studio/"})
    assert User.objects.get(pk=creator.pk).language == ""
    assert "Add a video" in client.get("/studio/").content.decode()


def test_the_switcher_is_on_every_page_and_marks_the_current_language(client, review_link):
    page = client.get(review_link.get_absolute_url(), **GERMAN).content.decode()
    assert 'action="/i18n/setlang/"' in page
    assert '<option value="de" lang="de" selected>Deutsch</option>' in page


# --- Mail ---------------------------------------------------------------------------------------


def test_a_members_digest_comes_in_their_language(cut, creator, django_capture_on_commit_callbacks):
    creator.language = "de"
    creator.save()
    Membership.objects.update(created_at=START)
    for name in ("Ada", "Bob", "Cleo"):
        triaged(cut, "the sigma is wrong", at(1, 5), name=name, categories=["notation"], time=358)
    sent = send(at(1, 7), django_capture_on_commit_callbacks)
    assert len(sent) == 1
    assert sent[0].subject == "3 neue Kommentare zu Neural networks, Fassung 1 · Three Blue"
    assert "Hallo 3blue1brown," in sent[0].body
    assert "3 Kommentare mit 3 Befunden zu den Videos von Three Blue." in sent[0].body
    html = sent[0].alternatives[0][0]
    assert '<html lang="de">' in html and "3 Kommentare von 3 Personen" in html


# --- The catalogue ------------------------------------------------------------------------------


@needs_gettext
def test_the_committed_catalogue_is_complete_and_compiled():
    assert catalogue_problems(LOCALE_DE / "django.po", LOCALE_DE / "django.mo") == []


@needs_gettext
def test_a_mo_file_behind_its_po_is_caught(tmp_path):
    po = tmp_path / "django.po"
    text = (LOCALE_DE / "django.po").read_text()
    po.write_text(text.replace('msgstr "Speichern"', 'msgstr "Sichern"', 1))
    shutil.copy(LOCALE_DE / "django.mo", tmp_path / "django.mo")
    problems = catalogue_problems(po, tmp_path / "django.mo")
    assert len(problems) == 1 and "does not match" in problems[0]


@needs_gettext
def test_an_untranslated_message_is_caught(tmp_path):
    po = tmp_path / "django.po"
    text = (LOCALE_DE / "django.po").read_text()
    po.write_text(text.replace('msgstr "Speichern"', 'msgstr ""', 1))
    problems = catalogue_problems(po, LOCALE_DE / "django.mo")
    assert any("untranslated" in p for p in problems)


@needs_gettext
@pytest.mark.skipif(shutil.which("xgettext") is None, reason="needs xgettext")
def test_every_string_marked_in_the_source_has_a_german_translation():
    """makemessages on a copy of the source, merged with the committed .po: a template or
    message marked for translation without a German line fails here (and in `make lint`)."""
    try:
        call_command("check_messages", fresh=True)
    except CommandError as error:  # pragma: no cover - the message says what to translate
        pytest.fail(str(error))


def test_a_default_title_is_written_in_the_sites_language_whatever_the_pages(cut):
    """Titles are stored and shared by the team, so a German page must not make a
    "Tippfehler: “mabye”" title; the exports print a title as it is."""
    from django.utils import translation

    from errata.findings.titles import erratum_defaults_from_findings
    from errata.io.exports.checklist import short_description

    comment = factories.CommentFactory(cut=cut, text="“mabye” at 6:03")
    finding = factories.FindingFactory(
        comment=comment, suggested_category="typo", timestamp_s=363, text="“mabye” at 6:03"
    )
    with translation.override("de"):
        title = erratum_defaults_from_findings([finding])["title"]
        assert title == "Typo: “mabye”"
        erratum = factories.ErratumFactory(cut=cut, title=title, category="typo", timestamp_s=363)
        assert short_description(erratum) == title
