"""Abuse limits, CSRF and cookie flags, each on an app of its own configured the way production is."""

import pytest
from werkzeug.security import generate_password_hash

from meetups import config, create_app
from meetups.accounts.models import Member
from meetups.extensions import db, limiter
from tests.conftest import FROZEN_NOW
from tests.factories import csrf_token

PASSWORD = "correct horse battery"


@pytest.fixture
def make_app(monkeypatch):
    """A separate app on its own in-memory database, with production settings unless overridden.
    The limiter is one object shared by every app: its on/off switch is put back afterwards."""
    monkeypatch.setattr(limiter, "enabled", limiter.enabled)

    def _make(**overrides):
        app = create_app(
            {
                "TESTING": True,
                "SQLALCHEMY_DATABASE_URI": "sqlite://",
                "MAIL_URL": "",
                "RATELIMIT_STORAGE_URI": "memory://",
                **overrides,
            }
        )
        with app.app_context():
            db.create_all()
            db.session.add(
                Member(
                    email="ada@example.com",
                    name="Ada Lovelace",
                    created_at=FROZEN_NOW,
                    password_hash=generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
                )
            )
            db.session.commit()
        return app

    yield _make
    limiter.reset()


def _csrf_token(client, path: str = "/login") -> str:
    page = client.get(path)
    return csrf_token(page.text)


def _login(client) -> None:
    response = client.post(
        "/login", data={"email": "ada@example.com", "password": PASSWORD, "csrf_token": _csrf_token(client)}
    )
    assert response.status_code == 302, response.text


# Rate limits


def test_the_eleventh_login_attempt_in_a_minute_is_refused(make_app):
    client = make_app(RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=False).test_client()
    for _attempt in range(10):
        assert (
            client.post("/login", data={"email": "ada@example.com", "password": "guess"}).status_code == 422
        )
    refused = client.post("/login", data={"email": "ada@example.com", "password": PASSWORD})
    assert refused.status_code == 429
    seconds = int(refused.headers["Retry-After"])
    assert 0 < seconds <= 60
    assert f"Too many attempts. You can try again in {seconds} second" in refused.text
    assert client.get("/login").status_code == 200  # reading the page is not an attempt


def test_the_eleventh_api_token_request_in_a_minute_is_refused(make_app):
    client = make_app(RATELIMIT_ENABLED=True).test_client()
    for _attempt in range(10):
        response = client.post("/api/v1/auth/token", json={"email": "ada@example.com", "password": "guess"})
        assert response.status_code == 401
    refused = client.post("/api/v1/auth/token", json={"email": "ada@example.com", "password": PASSWORD})
    assert refused.status_code == 429
    assert refused.json["error"]["code"] == "rate_limited"


def test_forgot_password_is_limited_per_address_too(make_app):
    app = make_app(RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=False)
    for n in range(5):  # five requests from five different client addresses, for one inbox
        client = app.test_client()
        response = client.post(
            "/forgot", data={"email": "ada@example.com"}, environ_base={"REMOTE_ADDR": f"192.0.2.{n}"}
        )
        assert response.status_code == 200
    refused = app.test_client().post(
        "/forgot", data={"email": "ada@example.com"}, environ_base={"REMOTE_ADDR": "192.0.2.99"}
    )
    assert refused.status_code == 429
    assert len(app.extensions["meetups_outbox"]) == 5


@pytest.mark.parametrize("proxies", [0, 1])
def test_behind_a_trusted_proxy_each_client_has_its_own_limit(make_app, proxies):
    """Behind one proxy every request comes from its address: with TRUSTED_PROXIES=1 the client's address
    (X-Forwarded-For) counts; without it, the header is not believed, so nobody can dodge a limit with it."""
    app = make_app(RATELIMIT_ENABLED=True, WTF_CSRF_ENABLED=False, TRUSTED_PROXIES=proxies)
    proxy = {"REMOTE_ADDR": "10.0.0.1"}

    def attempt(client_address: str) -> int:
        return (
            app.test_client()
            .post(
                "/login",
                data={"email": "ada@example.com", "password": "guess"},
                environ_base=proxy,
                headers={"X-Forwarded-For": client_address},
            )
            .status_code
        )

    for n in range(10):
        assert attempt(f"192.0.2.{n}" if proxies else "192.0.2.1") == 422
    assert attempt("192.0.2.1") == (422 if proxies else 429)
    assert attempt("198.51.100.7") == (422 if proxies else 429)


def test_limits_are_off_when_configured_off(make_app):
    client = make_app(RATELIMIT_ENABLED=False, WTF_CSRF_ENABLED=False).test_client()
    for _attempt in range(12):
        assert (
            client.post("/login", data={"email": "ada@example.com", "password": "guess"}).status_code == 422
        )


# CSRF


def test_pages_refuse_a_form_post_without_its_csrf_token(make_app):
    client = make_app(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False).test_client()
    response = client.post("/login", data={"email": "ada@example.com", "password": PASSWORD})
    assert response.status_code == 400
    _login(client)
    assert client.post("/logout").status_code == 400
    assert client.get("/me").status_code == 200  # still logged in


def test_api_session_callers_must_send_the_csrf_header(make_app):
    client = make_app(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False).test_client()
    _login(client)
    assert client.get("/api/v1/me").status_code == 200  # reads need no header

    refused = client.post("/api/v1/me/tokens", json={"name": "from a cookie"})
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "forbidden"
    refused = client.patch("/api/v1/me", json={"name": "Mallory"})
    assert refused.status_code == 403
    assert client.get("/api/v1/me").json["member"]["name"] == "Ada Lovelace"

    allowed = client.post(
        "/api/v1/me/tokens",
        json={"name": "from a cookie"},
        headers={"X-CSRFToken": _csrf_token(client, "/me")},
    )
    assert allowed.status_code == 201


def test_api_bearer_callers_need_no_csrf_header(make_app):
    client = make_app(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False).test_client()
    token = client.post("/api/v1/auth/token", json={"email": "ada@example.com", "password": PASSWORD})
    assert token.status_code == 201
    response = client.patch(
        "/api/v1/me", json={"pronouns": "she/her"}, headers={"Authorization": f"Bearer {token.json['token']}"}
    )
    assert response.status_code == 200
    assert response.json["member"]["pronouns"] == "she/her"


def test_an_invalid_bearer_token_is_a_401_even_with_csrf_on(make_app):
    client = make_app(WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=False).test_client()
    response = client.post("/api/v1/me/tokens", json={}, headers={"Authorization": "Bearer mtk_forged"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "login_required"


# Cookies and passwords


def _set_cookie(response, name: str) -> str:
    return next(value for value in response.headers.getlist("Set-Cookie") if value.startswith(f"{name}="))


def test_the_session_cookie_is_httponly_and_samesite_lax(make_app):
    client = make_app(
        WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False, BASE_URL="http://meetups.test"
    ).test_client()
    response = client.post("/login", data={"email": "ada@example.com", "password": PASSWORD, "remember": "y"})
    for name in ("session", "remember_token"):
        cookie = _set_cookie(response, name)
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert "Secure" not in cookie  # plain http: a Secure cookie would never come back


def test_cookies_are_secure_when_the_site_is_https(make_app, monkeypatch):
    monkeypatch.setenv("MEETUPS_BASE_URL", "https://meetups.example")
    settings = config.from_env()
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["REMEMBER_COOKIE_SECURE"] is True
    client = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False).test_client()
    response = client.post(
        "/login",
        data={"email": "ada@example.com", "password": PASSWORD, "remember": "y"},
        base_url="https://meetups.example",
    )
    for name in ("session", "remember_token"):
        assert "Secure" in _set_cookie(response, name)


def test_passwords_are_stored_as_scrypt_hashes(make_app):
    app = make_app(WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=False)
    client = app.test_client()
    client.post(
        "/signup", data={"name": "Grace", "email": "grace@example.org", "password": "a long password"}
    )
    with app.app_context():
        member = db.session.scalar(db.select(Member).where(Member.email == "grace@example.org"))
        assert member.password_hash.startswith("scrypt:")
        assert "a long password" not in member.password_hash
