"""The Russian catalog: found where Flask-Babel looks, valid, and shown with ?lang=ru."""

from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

import meetups

TRANSLATIONS = Path(meetups.__file__).resolve().parent / "translations"
RU_PO = TRANSLATIONS / "ru" / "LC_MESSAGES" / "messages.po"


def _catalog():
    with RU_PO.open("rb") as f:
        return read_po(f, locale="ru")


def test_the_app_reads_translations_from_the_meetups_package(app):
    assert [Path(d) for d in app.extensions["babel"].translation_directories] == [TRANSLATIONS]
    assert RU_PO.is_file()


def test_every_russian_translation_keeps_the_placeholders():
    problems = [(message.id, [str(e) for e in errors]) for message, errors in _catalog().check()]
    assert problems == []


@pytest.fixture
def russian(app, monkeypatch, tmp_path):
    """The catalog compiled as the scripts compile it, into a directory of the test's own."""
    mo = tmp_path / "ru" / "LC_MESSAGES" / "messages.mo"
    mo.parent.mkdir(parents=True)
    with mo.open("wb") as f:
        write_mo(f, _catalog())
    monkeypatch.setattr(app.extensions["babel"], "translation_directories", [str(tmp_path)])


def test_lang_ru_shows_the_russian_page_and_sticks(client, russian):
    page = client.get("/login?lang=ru").text
    assert "Войти" in page
    assert "Перейти к содержимому" in page
    assert 'lang="ru"' in page

    assert "Регистрация" in client.get("/login").text  # remembered in the session


def test_english_is_the_default(client, russian):
    page = client.get("/login", headers={"Accept-Language": "de"}).text
    assert "Log in" in page
    assert "Войти" not in page


def test_going_reads_as_mine_or_someone_elses(app, russian):
    """Russian conjugates: my own RSVP says «Иду», someone else's in an attendee list says «Идёт»."""
    from meetups.templating import rsvp_status_label

    with app.test_request_context("/?lang=ru"):
        assert rsvp_status_label("going", own=True) == "Иду"
        assert rsvp_status_label("going") == "Идёт"
        assert rsvp_status_label("waitlisted") == rsvp_status_label("waitlisted", own=True)
