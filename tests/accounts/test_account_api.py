"""The accounts JSON API: sign-up, tokens, my profile; and how every endpoint refuses bad input."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from meetups import clock
from meetups.accounts import service
from meetups.accounts.models import ApiToken, Member
from tests.factories import PASSWORD, bearer, make_member

SIGNUP = {"email": "ada@example.com", "name": "Ada Lovelace", "password": "analytical engine"}


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]
    return response.json["error"]


# Sign-up and tokens for API clients


def test_signup_creates_the_member_and_a_token_that_works(client, session, now, outbox):
    response = client.post("/api/v1/auth/signup", json=SIGNUP)
    assert response.status_code == 201, response.json
    member, token = response.json["member"], response.json["token"]
    assert member == {
        "id": member["id"],
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "pronouns": "",
        "bio": "",
        "initials": "AL",
        "locale": None,
        "email_verified": False,
        "is_admin": False,
        "created_at": "2030-04-01T12:00:00+00:00",
        "url": f"http://meetups.test/members/{member['id']}",
        "calendar_url": member["calendar_url"],
        "profile_visibility": "communities",
        "show_in_attendee_lists": True,
        "show_on_leaderboards": True,
    }
    assert member["calendar_url"].startswith(f"http://meetups.test/calendar/{member['id']}-")
    assert token.startswith("mtk_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.json["member"] == member
    saved = session.scalar(select(ApiToken).where(ApiToken.member_id == member["id"]))
    assert saved.name == "signup"
    assert [mail.to for mail in outbox] == ["ada@example.com"]
    assert "/verify/" in outbox[0].body
    assert client.get_cookie("session") is None or "_user_id" not in str(client.get_cookie("session"))


def test_signup_with_a_taken_address_is_a_conflict(client, session):
    make_member(session, email="ada@example.com")
    error = _error(
        client.post("/api/v1/auth/signup", json={**SIGNUP, "email": "ADA@example.com"}), 409, "email_taken"
    )
    assert error["field"] == "email"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"password": "short"}, "password"),
        ({"name": " "}, "name"),
    ],
)
def test_signup_refusals_name_the_field(client, session, changes, field):
    error = _error(client.post("/api/v1/auth/signup", json={**SIGNUP, **changes}), 422, "invalid_input")
    assert error["field"] == field
    assert session.scalar(select(Member).where(Member.email == "ada@example.com")) is None


def test_auth_token_trades_a_password_for_a_token(client, session, now):
    member = make_member(session)
    response = client.post(
        "/api/v1/auth/token", json={"email": member.email, "password": PASSWORD, "name": "door scanner"}
    )
    assert response.status_code == 201
    token = session.get(ApiToken, response.json["id"])
    assert token.member_id == member.id and token.name == "door scanner"
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {response.json['token']}"})
    assert me.json["member"]["id"] == member.id


def test_auth_token_gives_nothing_away_about_which_part_was_wrong(client, session):
    member = make_member(session)
    wrong = _error(
        client.post("/api/v1/auth/token", json={"email": member.email, "password": "nope nope"}),
        401,
        "invalid_credentials",
    )
    unknown = _error(
        client.post("/api/v1/auth/token", json={"email": "nobody@example.com", "password": "x"}),
        401,
        "invalid_credentials",
    )
    assert wrong == unknown


# Who is calling


def test_me_needs_a_caller(client):
    _error(client.get("/api/v1/me"), 401, "login_required")


@pytest.mark.parametrize(
    "header", ["Bearer mtk_not-a-real-token", "Bearer nonsense", "Basic YWRhOnB3", "Bearer"]
)
def test_a_bad_authorization_header_is_a_401(client, session, header):
    _error(client.get("/api/v1/me", headers={"Authorization": header}), 401, "login_required")


def test_a_revoked_token_stops_working_at_once(client, session, now):
    member = make_member(session)
    token, plain = service.create_token(session, member, name="phone", now=now)
    headers = {"Authorization": f"Bearer {plain}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/me/tokens/{token.id}", headers=headers).status_code == 204
    _error(client.get("/api/v1/me", headers=headers), 401, "login_required")


def test_the_session_cookie_works_too(client, session, login):
    member = login(make_member(session))
    response = client.get("/api/v1/me")
    assert response.status_code == 200 and response.json["member"]["email"] == member.email


def test_a_token_records_when_it_was_last_used_even_on_reads(client, session, now, monkeypatch):
    member = make_member(session)
    token, plain = service.create_token(session, member, name="phone", now=now)
    later = now + timedelta(hours=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"})
    session.expire_all()
    assert session.get(ApiToken, token.id).last_used_at == later


# My profile


def test_patch_me_changes_only_what_is_sent(client, session):
    member = make_member(session, name="Grace Hopper", pronouns="she/her", bio="Admiral.")
    headers = bearer(session, member)
    response = client.patch(
        "/api/v1/me", headers=headers, json={"bio": "Found the first bug.", "locale": "ru"}
    )
    assert response.status_code == 200, response.json
    assert response.json["member"]["name"] == "Grace Hopper"
    assert response.json["member"]["pronouns"] == "she/her"
    assert response.json["member"]["bio"] == "Found the first bug."
    assert response.json["member"]["locale"] == "ru"
    response = client.patch("/api/v1/me", headers=headers, json={"locale": None})
    assert response.json["member"]["locale"] is None
    session.expire_all()
    assert session.get(Member, member.id).locale == ""
    assert (
        client.patch("/api/v1/me", headers=headers, json={}).json["member"]["bio"] == "Found the first bug."
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"pronouns": "x" * 41}, "pronouns"),
        ({"bio": "x" * 1001}, "bio"),
    ],
)
def test_patch_me_refuses_what_does_not_fit(client, session, body, field):
    member = make_member(session, name="Kept Name")
    error = _error(
        client.patch("/api/v1/me", headers=bearer(session, member), json=body), 422, "invalid_input"
    )
    assert error["field"] == field
    session.expire_all()
    assert session.get(Member, member.id).name == "Kept Name"


@pytest.mark.parametrize(
    "body",
    [
        {"name": None},
        {"name": 5},
        {"locale": "de"},
        {"bio": ["a"]},
        {"email": "new@example.com"},
        {"is_admin": True},
    ],
)
def test_patch_me_refuses_wrong_types_and_fields_it_does_not_know(client, session, body):
    member = make_member(session)
    error = _error(
        client.patch("/api/v1/me", headers=bearer(session, member), json=body), 422, "invalid_input"
    )
    assert set(error["fields"]) == set(body)
    session.expire_all()
    assert session.get(Member, member.id).is_admin is False


# My tokens


def test_tokens_are_listed_without_their_secrets_created_and_revoked(client, session, now):
    member = make_member(session)
    headers = bearer(session, member)  # a token named "t"
    created = client.post("/api/v1/me/tokens", headers=headers, json={"name": "kitchen tablet"})
    assert created.status_code == 201
    plain, token_id = created.json["token"], created.json["id"]

    listed = client.get("/api/v1/me/tokens", headers=headers)
    assert listed.status_code == 200
    assert [token["name"] for token in listed.json["tokens"]] == ["t", "kitchen tablet"]
    assert listed.json["tokens"][1] == {
        "id": token_id,
        "name": "kitchen tablet",
        "prefix": plain[:10],
        "created_at": "2030-04-01T12:00:00+00:00",
        "last_used_at": None,
    }
    assert plain not in listed.text

    assert client.delete(f"/api/v1/me/tokens/{token_id}", headers=headers).status_code == 204
    _error(client.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}), 401, "login_required")
    _error(client.delete(f"/api/v1/me/tokens/{token_id}", headers=headers), 404, "not_found")


def test_a_token_can_be_created_without_a_body(client, session):
    response = client.post("/api/v1/me/tokens", headers=bearer(session, make_member(session)))
    assert response.status_code == 201
    assert session.get(ApiToken, response.json["id"]).name == "API token"


def test_nobody_revokes_someone_elses_token(client, session, now):
    owner = make_member(session)
    token, _plain = service.create_token(session, owner, name="phone", now=now)
    stranger = make_member(session)
    _error(
        client.delete(f"/api/v1/me/tokens/{token.id}", headers=bearer(session, stranger)), 404, "not_found"
    )
    assert session.get(ApiToken, token.id) is not None


MEMBER_ENDPOINTS = [
    ("GET", "/api/v1/me"),
    ("PATCH", "/api/v1/me"),
    ("GET", "/api/v1/me/tokens"),
    ("POST", "/api/v1/me/tokens"),
    ("DELETE", "/api/v1/me/tokens/1"),
]


@pytest.mark.parametrize(("method", "path"), MEMBER_ENDPOINTS)
def test_member_endpoints_refuse_strangers(client, method, path):
    _error(
        client.open(path, method=method, json={} if method in ("POST", "PATCH") else None),
        401,
        "login_required",
    )


# Bodies that are not what they should be


BODY_ENDPOINTS = [
    ("POST", "/api/v1/auth/signup"),
    ("POST", "/api/v1/auth/token"),
    ("PATCH", "/api/v1/me"),
    ("POST", "/api/v1/me/tokens"),
]


@pytest.mark.parametrize(("method", "path"), BODY_ENDPOINTS)
@pytest.mark.parametrize(
    "body", ['{"email": ', "not json", "\xff\xfe", "[]", '["a", "b"]', "42", '"text"', "null"]
)
def test_malformed_or_non_object_json_is_a_400(client, session, method, path, body):
    headers = {**bearer(session, make_member(session)), "Content-Type": "application/json"}
    _error(
        client.open(path, method=method, data=body.encode("latin-1"), headers=headers), 400, "invalid_json"
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/api/v1/auth/signup", {**SIGNUP, "is_admin": True}),
        ("POST", "/api/v1/auth/token", {"email": "a@example.com", "password": "x", "remember": True}),
        ("POST", "/api/v1/me/tokens", {"name": "x", "scopes": ["all"]}),
    ],
)
def test_an_unknown_field_is_a_422(client, session, method, path, body):
    error = _error(
        client.open(path, method=method, json=body, headers=bearer(session, make_member(session))),
        422,
        "invalid_input",
    )
    assert error["fields"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/auth/signup", {**SIGNUP, "email": 1}),
        ("/api/v1/auth/signup", {**SIGNUP, "password": 12345678}),
        ("/api/v1/auth/signup", {"email": "ada@example.com"}),
        ("/api/v1/auth/signup", {}),
        ("/api/v1/auth/token", {"email": ["ada@example.com"], "password": "x"}),
        ("/api/v1/auth/token", {"email": "ada@example.com", "password": None}),
        ("/api/v1/me/tokens", {"name": {"nested": True}}),
    ],
)
def test_wrong_types_and_missing_fields_are_a_422(client, session, path, body):
    _error(client.post(path, json=body, headers=bearer(session, make_member(session))), 422, "invalid_input")
    assert session.scalar(select(Member).where(Member.email == "ada@example.com")) is None


def test_the_openapi_document_describes_the_accounts_api(client):
    spec = client.get("/api/v1/openapi.json").json
    for path in (
        "/api/v1/auth/signup",
        "/api/v1/auth/token",
        "/api/v1/me",
        "/api/v1/me/tokens",
        "/api/v1/me/tokens/{token_id}",
    ):
        assert path in spec["paths"], path
    assert set(spec["paths"]["/api/v1/me"]) >= {"get", "patch"}


def test_a_bearer_token_decides_who_calls_even_with_a_session_cookie(client, session, now, login):
    """A cookie riding along must not stand in for a bad token (and skip the CSRF check)."""
    from tests.factories import make_member

    login(make_member(session))
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer mtk_not-a-real-token"})
    assert response.status_code == 401 and response.json["error"]["code"] == "login_required"


def test_nul_characters_in_forms_are_refused_not_a_500(client, session, now):
    response = client.post("/login", data={"email": "a\x00@example.org", "password": "x"})
    assert response.status_code in (302, 422)
    assert client.get("/").status_code == 200
