"""Error pages (404, 403, 429, 500): in the site's look and the reader's language, each with a next step;
a 500 never shows a traceback, even when the error page itself cannot be drawn."""

import re

import pytest
from flask import abort

from meetups import create_app, errors
from meetups.extensions import db, limiter


@pytest.fixture(scope="module")
def app():
    """The app as in production (not TESTING), with a few routes that fail on purpose."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "RATELIMIT_ENABLED": False,
            "MAIL_URL": "",
            "SERVER_NAME": None,
        }
    )

    def boom():
        raise RuntimeError("secret-detail-in-the-exception")

    def forbidden():
        raise errors.PermissionDenied("You are not allowed to do that.")

    def limited():
        abort(429)

    app.add_url_rule("/_test/boom", view_func=boom)
    app.add_url_rule("/_test/forbidden", view_func=forbidden)
    app.add_url_rule("/_test/limited", view_func=limited)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def _in_site_style(page: str) -> None:
    assert 'class="top"' in page and 'class="foot"' in page and "/static/css/app.css?v=" in page
    assert 'id="main"' in page and 'href="#main"' in page


def test_404_offers_the_way_home(app):
    response = app.test_client().get("/no/such/page")
    assert response.status_code == 404
    _in_site_style(response.text)
    assert "There is nothing here." in response.text
    assert '<a class="button" href="/">Back to upcoming events</a>' in response.text
    assert "noindex" in response.text


def test_404_in_russian_for_a_russian_browser(app):
    response = app.test_client().get("/no/such/page", headers={"Accept-Language": "ru-RU,ru;q=0.9"})
    assert response.status_code == 404
    assert '<html lang="ru">' in response.text
    assert "Здесь ничего нет." in response.text and "К ближайшим мероприятиям" in response.text


def test_403_asks_a_visitor_to_log_in_and_comes_back(app):
    response = app.test_client().get("/_test/forbidden")
    assert response.status_code == 403
    _in_site_style(response.text)
    assert "You are not allowed to do that." in response.text
    assert 'href="/login?next=/_test/forbidden">Log in</a>' in response.text


def test_429_says_when_to_try_again_on_the_page_and_in_retry_after(app):
    response = app.test_client().get("/_test/limited")
    assert response.status_code == 429
    _in_site_style(response.text)
    assert response.headers["Retry-After"] == "60"
    assert "You can try again in 60 seconds." in response.text
    assert 'href="/_test/limited">Try again</a>' in response.text


def test_429_from_a_real_limit_counts_its_window():
    """(The account pages have their own 429 page; this is every other limited page's.)"""
    limited = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "MAIL_URL": "",
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": "memory://",
            "WTF_CSRF_ENABLED": False,
        }
    )
    limited.add_url_rule(
        "/_test/once", view_func=limiter.limit("1 per minute")(lambda: "ok"), methods=["POST"]
    )
    try:
        client = limited.test_client()
        assert client.post("/_test/once").status_code == 200
        refused = client.post("/_test/once")
    finally:
        limiter.reset()
        with limited.app_context():
            db.engine.dispose()
    assert refused.status_code == 429
    seconds = int(refused.headers["Retry-After"])
    assert 1 <= seconds <= 60
    shown = re.search(r"You can try again in (\d+) seconds?\.", refused.text)
    assert shown and abs(int(shown.group(1)) - seconds) <= 1
    assert 'href="/_test/once">Try again</a>' in refused.text  # a link: a GET, never a repeated POST


def test_500_hides_the_traceback_and_offers_a_retry(app, caplog):
    response = app.test_client().get("/_test/boom")
    assert response.status_code == 500
    _in_site_style(response.text)
    assert "Something went wrong on our side." in response.text
    assert 'href="/_test/boom">Try again</a>' in response.text
    assert "Traceback" not in response.text and "secret-detail" not in response.text
    assert "secret-detail-in-the-exception" in caplog.text  # it is logged for us instead


def test_500_in_russian(app):
    response = app.test_client().get("/_test/boom?lang=ru")
    assert response.status_code == 500
    assert '<html lang="ru">' in response.text
    assert 'aria-current="true">Русский</a>' in response.text


def test_500_when_the_error_page_itself_fails_is_still_plain_and_safe(app, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("the template is broken too")

    monkeypatch.setattr(errors, "render_template", broken)
    response = app.test_client().get("/_test/boom")
    assert response.status_code == 500
    assert response.mimetype == "text/html"
    assert "Something went wrong on our side." in response.text
    assert "Traceback" not in response.text and "broken" not in response.text


def test_api_errors_stay_json(app):
    response = app.test_client().get("/api/v1/no/such")
    assert response.status_code == 404 and response.json["error"]["code"] == "not_found"
