"""The page's language: the footer's switch (for this browser), else the member's setting, else the browser's
Accept-Language, else English; `<html lang>` follows it, and the switch keeps the page where it was."""

import re

from tests.factories import make_member


def _lang(page: str) -> str:
    return re.search(r'<html lang="([a-z]+)">', page).group(1)


def _current(page: str) -> str:
    return re.search(r'<a href="[^"]*" lang="([a-z]+)" hreflang="[a-z]+" aria-current="true">', page).group(1)


def test_the_browsers_language_when_nothing_else_is_known(client):
    assert _lang(client.get("/login", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"}).text) == "ru"
    assert _lang(client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"}).text) == "en"
    assert _lang(client.get("/login", headers={"Accept-Language": "de-DE"}).text) == "en"  # not offered
    assert _lang(client.get("/login").text) == "en"


def test_the_members_setting_wins_over_the_browser(client, session, login):
    login(make_member(session, locale="ru"))
    page = client.get("/me", headers={"Accept-Language": "en"}).text
    assert _lang(page) == "ru" and _current(page) == "ru"


def test_a_member_without_a_setting_gets_the_browsers_language(client, session, login):
    login(make_member(session, locale=""))
    assert _lang(client.get("/me", headers={"Accept-Language": "ru"}).text) == "ru"


def test_the_footer_offers_each_language_in_itself_and_marks_the_current_one(client):
    page = client.get("/login", headers={"Accept-Language": "en"}).text
    footer = re.search(r'<footer class="foot">.*?</footer>', page, re.S).group(0)
    assert 'href="?lang=en" lang="en" hreflang="en" aria-current="true">English</a>' in footer
    assert 'href="?lang=ru" lang="ru" hreflang="ru">Русский</a>' in footer
    assert re.search(r'<nav aria-label="[^"]+" class="languages">', footer)


def test_the_switch_keeps_the_page_and_its_query(client):
    page = client.get("/login?next=/me&lang=en").text
    assert 'href="?next=%2Fme&amp;lang=ru"' in page  # the old lang replaced, not repeated


def test_switching_sticks_for_this_browser_and_beats_the_setting(client, session, login):
    login(make_member(session, locale="en"))
    assert _lang(client.get("/me?lang=ru").text) == "ru"
    assert _lang(client.get("/me", headers={"Accept-Language": "en"}).text) == "ru"  # remembered
    assert _lang(client.get("/?lang=en").text) == "en"
    assert _lang(client.get("/me").text) == "en"


def test_a_foreign_next_is_not_carried_into_the_switch(client):
    page = client.get("/login?next=https://evil.example/&lang=en").text
    assert "evil.example" not in page
    assert 'href="?lang=ru"' in page
    assert "evil.example" not in client.get("/login?next=//evil.example/").text


def test_an_unknown_language_changes_nothing(client):
    client.get("/login?lang=ru")
    assert _lang(client.get("/login?lang=xx").text) == "ru"


def test_error_pages_speak_the_chosen_language(client):
    client.get("/login?lang=ru")
    page = client.get("/no/such/page").text
    assert _lang(page) == "ru" and _current(page) == "ru"
