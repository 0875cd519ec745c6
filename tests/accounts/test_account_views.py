"""Account pages through the test client: sign-up, login, logout, password reset, verification, settings."""

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from meetups import clock
from meetups.accounts import service
from meetups.accounts.models import ApiToken, Member, Visibility
from meetups.accounts.views import safe_next
from tests.factories import PASSWORD, make_member

NEW_PASSWORD = "a brand new password"


def _main(response) -> str:
    """The page's own content, without the shell (which carries a per-session CSRF token)."""
    return re.search(r"<main.*?</main>", response.text, re.S).group(0)


def _link_in(mail) -> str:
    """The path of the one link in a mail, as a browser would open it on this site."""
    url = re.search(r"https?://\S+", mail.body).group(0)
    assert url.startswith("http://meetups.test/")
    return url.removeprefix("http://meetups.test")


def _field_error(response, field_id: str) -> str:
    match = re.search(rf'<p class="field-error" id="{field_id}-error">(.*?)</p>', response.text, re.S)
    assert match, f"no error shown next to {field_id}"
    return unescape(match.group(1))


def _signup(client, **overrides):
    data = {"name": "Ada Lovelace", "email": "ada@example.com", "password": "analytical engine", **overrides}
    return client.post("/signup", data=data)


def _member(session, email: str) -> Member | None:
    session.expire_all()  # the request wrote through its own session
    return session.scalar(select(Member).where(Member.email == email))


def _logged_in_as(client) -> str | None:
    response = client.get("/me")
    if response.status_code != 200:
        return None
    return re.search(r"<h1>(.*?)</h1>", response.text).group(1)


# Sign-up


def test_the_signup_page_has_fields_phones_understand(client):
    response = client.get("/signup")
    assert response.status_code == 200
    assert 'type="email"' in response.text and 'autocomplete="email"' in response.text
    assert 'type="password"' in response.text and 'autocomplete="new-password"' in response.text
    assert '<label for="name">' in response.text


def test_signing_up_creates_the_member_logs_in_and_sends_a_verification_link(client, session, now, outbox):
    response = _signup(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    member = _member(session, "ada@example.com")
    assert member.name == "Ada Lovelace"
    assert member.password_hash.startswith("scrypt:")
    assert _logged_in_as(client) == "Ada Lovelace"
    [mail] = outbox
    assert mail.to == "ada@example.com"
    assert mail.subject == "Confirm your email address"
    assert "/verify/" in mail.body

    response = client.get(_link_in(mail))
    assert response.status_code == 302
    assert response.headers["Location"] == "/me"
    assert _member(session, "ada@example.com").email_verified_at == now


def test_signing_up_goes_on_to_the_page_that_asked(client):
    response = client.post(
        "/signup?next=/e/12%3Ftab%3Drsvp",
        data={"name": "Ada", "email": "ada@example.com", "password": "analytical engine"},
    )
    assert response.headers["Location"] == "/e/12?tab=rsvp"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"email": "not-an-email"}, "email", "That does not look like an email address."),
        ({"password": "short"}, "password", "Passwords need at least 8 characters."),
        ({"name": "x" * 101}, "name", "Names can be at most 100 characters."),
    ],
)
def test_signup_problems_are_shown_next_to_the_field(client, session, overrides, field, message):
    response = _signup(client, **overrides)
    assert response.status_code == 422
    assert _field_error(response, field) == message
    assert 'value="Ada Lovelace"' in response.text or field == "name"  # what was typed is kept
    assert _member(session, overrides.get("email", "ada@example.com")) is None
    assert _logged_in_as(client) is None


def test_an_address_can_sign_up_only_once(client, session):
    make_member(session, email="ada@example.com", name="The First Ada")
    response = _signup(client, email="ADA@example.com")
    assert response.status_code == 422
    assert "already an account" in _field_error(response, "email")


def test_a_missing_field_is_asked_for(client):
    response = client.post("/signup", data={"email": "ada@example.com"})
    assert response.status_code == 422
    assert _field_error(response, "name") == "Please fill this in."


# Login and logout


def test_login_and_logout(client, session):
    member = make_member(session, name="Grace Hopper")
    response = client.post("/login", data={"email": member.email, "password": PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _logged_in_as(client) == "Grace Hopper"

    response = client.post("/logout")
    assert response.status_code == 302
    assert _logged_in_as(client) is None
    assert client.get("/me").headers["Location"] == "/login?next=%2Fme"


def test_a_wrong_password_and_an_unknown_email_look_the_same(client, session):
    member = make_member(session)
    wrong = client.post("/login", data={"email": member.email, "password": "not the password"})
    unknown = client.post("/login", data={"email": "nobody@example.com", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 422
    assert "That email and password do not match." in wrong.text
    assert _main(wrong).replace(member.email, "") == _main(unknown).replace("nobody@example.com", "")
    assert _logged_in_as(client) is None


def test_login_starts_a_fresh_session(client, session):
    """Anything planted in the session before login (session fixation) is gone after it."""
    member = make_member(session)
    with client.session_transaction() as planted:
        planted["planted"] = "by an attacker"
        planted["lang"] = "ru"
    client.post("/login", data={"email": member.email, "password": PASSWORD})
    with client.session_transaction() as after:
        assert "planted" not in after
        assert after["lang"] == "ru"  # the language picked before logging in stays
        assert after["_user_id"] == member.get_id()


def test_remember_me_sets_a_lasting_cookie_and_logout_removes_it(client, session):
    member = make_member(session)
    client.post("/login", data={"email": member.email, "password": PASSWORD, "remember": "y"})
    assert client.get_cookie("remember_token") is not None
    client.post("/logout")
    assert client.get_cookie("remember_token") is None
    assert _logged_in_as(client) is None


def test_without_remember_me_there_is_no_lasting_cookie(client, session, login):
    login(make_member(session))
    assert client.get_cookie("remember_token") is None


@pytest.mark.parametrize("target", ["/me", "/e/3", "/c/python?tab=events"])
def test_login_goes_on_to_a_page_on_this_site(client, session, target):
    member = make_member(session)
    response = client.post(
        "/login", query_string={"next": target}, data={"email": member.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "https:/evil.example",
        "/\t/evil.example",
        "javascript:alert(1)",
        "me",
        "",
    ],
)
def test_login_never_sends_anyone_to_another_site(client, session, target):
    member = make_member(session)
    response = client.post(
        "/login", query_string={"next": target}, data={"email": member.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_safe_next_keeps_paths_and_drops_everything_else():
    assert safe_next("/e/1?x=1#rsvp") == "/e/1?x=1#rsvp"
    for target in (
        None,
        "",
        "https://evil.example/",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\r\n/evil.example",
        "http:evil.example",
        "relative/path",
    ):
        assert safe_next(target) == "/"


def test_the_login_page_links_to_signup_with_a_safe_next_only(client):
    assert 'href="/signup?next=/e/3"' in client.get("/login?next=/e/3").text
    assert "evil.example" not in client.get("/login?next=https://evil.example").text


def test_a_logged_in_member_skips_the_login_page(client, session, login):
    login(make_member(session))
    response = client.get("/login?next=/e/3")
    assert response.status_code == 302 and response.headers["Location"] == "/e/3"


def test_logout_needs_a_post(client, session, login):
    login(make_member(session))
    assert client.get("/logout").status_code == 405
    assert _logged_in_as(client) is not None


# Forgotten password


def test_forgot_sends_mail_only_for_existing_accounts_but_says_the_same(client, session, outbox):
    member = make_member(session, email="grace@example.org")
    known = client.post("/forgot", data={"email": "Grace@example.org"})
    unknown = client.post("/forgot", data={"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert "If an account exists for that address, we sent a link" in known.text
    assert _main(known) == _main(unknown)
    assert [mail.to for mail in outbox] == [member.email]
    assert outbox[0].subject == "Set a new password"


def test_forgot_needs_an_address(client, outbox):
    response = client.post("/forgot", data={"email": ""})
    assert response.status_code == 422
    assert outbox == []


def test_password_reset_end_to_end_through_the_mailed_link(client, session, outbox, now):
    member = make_member(session, name="Grace Hopper")
    client.post("/forgot", data={"email": member.email})
    link = _link_in(outbox[-1])
    assert link.startswith("/reset/")

    form = client.get(link)
    assert form.status_code == 200 and 'autocomplete="new-password"' in form.text
    too_short = client.post(link, data={"password": "short"})
    assert too_short.status_code == 422
    assert _field_error(too_short, "password") == "Passwords need at least 8 characters."

    done = client.post(link, data={"password": NEW_PASSWORD})
    assert done.status_code == 302
    assert _logged_in_as(client) == "Grace Hopper"
    assert _member(session, member.email).email_verified_at == now  # the link proved the inbox is theirs

    client.post("/logout")
    assert client.post("/login", data={"email": member.email, "password": PASSWORD}).status_code == 422
    assert client.post("/login", data={"email": member.email, "password": NEW_PASSWORD}).status_code == 302

    again = client.get(link)
    assert again.status_code == 400
    assert "not valid any more" in again.text
    assert client.post(link, data={"password": "yet another password"}).status_code == 400


def test_a_reset_link_expires_after_two_hours(client, session, outbox, now, monkeypatch):
    member = make_member(session)
    client.post("/forgot", data={"email": member.email})
    link = _link_in(outbox[-1])
    monkeypatch.setattr(clock, "now", lambda: now + timedelta(hours=2, minutes=1))
    assert client.get(link).status_code == 400
    response = client.post(link, data={"password": NEW_PASSWORD})
    assert response.status_code == 400
    assert "/forgot" in response.text  # the way to a new link
    assert service.authenticate(session, email=member.email, password=PASSWORD)


def test_a_made_up_reset_link_is_refused(client):
    response = client.get("/reset/made-up")
    assert response.status_code == 400
    assert "not valid any more" in response.text


# Email verification


def test_a_made_up_verify_link_is_refused_with_a_way_forward(client, session, login):
    login(make_member(session))
    response = client.get("/verify/made-up")
    assert response.status_code == 400
    assert "/me/verify/resend" in response.text


def test_resend_verification_sends_a_fresh_link_until_the_address_is_confirmed(
    client, session, outbox, now, login
):
    member = login(make_member(session))
    response = client.post("/me/verify/resend")
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    [mail] = outbox
    assert mail.to == member.email and "/verify/" in mail.body
    client.get(_link_in(mail))
    assert _member(session, member.email).is_email_verified

    client.post("/me/verify/resend")
    assert len(outbox) == 1  # already confirmed: nothing more to send
    assert "Confirmed" in client.get("/me").text


# Settings page


def test_settings_need_a_login(client):
    for path in ("/me",):
        response = client.get(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")
    for path in (
        "/me/profile",
        "/me/password",
        "/me/tokens",
        "/me/tokens/1/revoke",
        "/me/delete",
        "/me/verify/resend",
    ):
        response = client.post(path)
        assert response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def test_the_settings_page_shows_everything_in_one_place(client, session, login):
    member = login(make_member(session, name="Grace Hopper", email="grace@example.org"))
    page = client.get("/me")
    assert page.status_code == 200
    assert page.headers["Cache-Control"] == "no-store"
    for text in (
        'class="avatar',
        ">GH<",
        "grace@example.org",
        "Not confirmed yet",
        'id="profile-name"',
        'id="password-current_password"',
        'id="token-name"',
        'id="delete-password"',
        f"/members/{member.id}",
    ):
        assert text in page.text


def test_editing_the_profile(client, session, login):
    member = login(make_member(session))
    response = client.post(
        "/me/profile",
        data={
            "profile-name": "Grace Hopper",
            "profile-pronouns": "she/her",
            "profile-bio": "Found the first bug.",
            "profile-locale": "en",
        },
    )
    assert response.status_code == 302 and response.headers["Location"] == "/me"
    saved = _member(session, member.email)
    assert (saved.name, saved.pronouns, saved.bio, saved.locale) == (
        "Grace Hopper",
        "she/her",
        "Found the first bug.",
        "en",
    )
    assert "Your profile is saved." in client.get("/me").text


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"profile-name": ""}, "profile-name", "Please fill this in."),
        ({"profile-name": "   "}, "profile-name", "Please enter your name."),
        ({"profile-pronouns": "x" * 41}, "profile-pronouns", "Pronouns can be at most 40 characters."),
        ({"profile-bio": "x" * 1001}, "profile-bio", "The bio can be at most 1000 characters."),
        ({"profile-locale": "de"}, "profile-locale", "Not a valid choice."),
    ],
)
def test_profile_problems_are_shown_next_to_the_field(client, session, login, data, field, message):
    member = login(make_member(session, name="Kept Name"))
    response = client.post("/me/profile", data={"profile-name": "New Name", "profile-locale": "", **data})
    assert response.status_code == 422
    assert _field_error(response, field) == message
    assert _member(session, member.email).name == "Kept Name"


def test_changing_the_password_keeps_me_in_and_logs_out_other_devices(client, session, login, app):
    member = login(make_member(session))
    other_device = app.test_client()
    other_device.post("/login", data={"email": member.email, "password": PASSWORD})
    assert _logged_in_as(other_device) is not None

    wrong = client.post(
        "/me/password",
        data={"password-current_password": "wrong password", "password-password": NEW_PASSWORD},
    )
    assert wrong.status_code == 422
    assert _field_error(wrong, "password-current_password") == "Your current password is not right."

    short = client.post(
        "/me/password", data={"password-current_password": PASSWORD, "password-password": "x"}
    )
    assert _field_error(short, "password-password") == "Passwords need at least 8 characters."

    done = client.post(
        "/me/password", data={"password-current_password": PASSWORD, "password-password": NEW_PASSWORD}
    )
    assert done.status_code == 302
    assert _logged_in_as(client) is not None
    assert _logged_in_as(other_device) is None
    session.expire_all()
    assert service.authenticate(session, email=member.email, password=NEW_PASSWORD)


def test_a_token_is_shown_once_and_can_be_revoked(client, session, login):
    member = login(make_member(session))
    created = client.post("/me/tokens", data={"token-name": "kitchen tablet"})
    assert created.status_code == 200
    assert created.headers["Cache-Control"] == "no-store"
    plain = re.search(r'id="new-token" type="text" value="([^"]+)"', created.text).group(1)
    assert plain.startswith("mtk_")
    assert "data-copy" in created.text
    session.expire_all()
    token = session.scalar(select(ApiToken).where(ApiToken.member_id == member.id))
    assert token.name == "kitchen tablet" and plain not in token.token_hash

    page = client.get("/me")
    assert plain not in page.text
    assert "kitchen tablet" in page.text and token.prefix in page.text and "never" in page.text

    revoked = client.post(f"/me/tokens/{token.id}/revoke")
    assert revoked.status_code == 302
    assert service.get_member_for_token(session, plain, clock.now()) is None
    assert "kitchen tablet" not in client.get("/me").text


def test_a_token_name_that_is_too_long_is_refused(client, session, login):
    login(make_member(session))
    response = client.post("/me/tokens", data={"token-name": "x" * 61})
    assert response.status_code == 422
    assert _field_error(response, "token-name") == "Token names can be at most 60 characters."


def test_nobody_revokes_someone_elses_token(client, session, login, now):
    owner = make_member(session)
    token, plain = service.create_token(session, owner, name="phone", now=now)
    login(make_member(session))
    assert client.post(f"/me/tokens/{token.id}/revoke").status_code == 404
    assert service.get_member_for_token(session, plain, now) == owner


def test_deleting_the_account(client, session, login):
    member = login(make_member(session))
    wrong = client.post("/me/delete", data={"delete-password": "wrong password"})
    assert wrong.status_code == 422
    assert _field_error(wrong, "delete-password") == "Your password is not right."
    assert _member(session, member.email) is not None

    done = client.post("/me/delete", data={"delete-password": PASSWORD})
    assert done.status_code == 302 and done.headers["Location"] == "/"
    assert _member(session, member.email) is None
    assert _logged_in_as(client) is None


# Public profile


def test_a_public_profile_shows_what_the_member_shares_and_not_their_email(client, session):
    member = make_member(
        session,
        name="Grace Hopper",
        email="grace@example.org",
        pronouns="she/her",
        bio="Found the **first** bug.",
        profile_visibility=Visibility.public,
    )
    response = client.get(f"/members/{member.id}")
    assert response.status_code == 200
    for text in ("Grace Hopper", ">GH<", "she/her", "<strong>first</strong>", "Member since April 2030"):
        assert text in response.text
    assert "grace@example.org" not in response.text


def test_a_bio_cannot_inject_markup(client, session):
    bio = "<script>alert(1)</script> [x](javascript:alert(1))"
    member = make_member(session, bio=bio, profile_visibility=Visibility.public)
    response = client.get(f"/members/{member.id}")
    assert "<script>alert(1)" not in response.text
    assert 'href="javascript:' not in response.text


def test_an_unknown_member_is_a_404(client):
    assert client.get("/members/999999").status_code == 404


def test_signing_up_in_russian_keeps_russian_for_later_mail(client, session, now):
    from sqlalchemy import select

    from meetups.accounts.models import Member

    client.get("/signup?lang=ru")
    client.post(
        "/signup", data={"name": "Анна", "email": "anna@example.org", "password": "correct horse battery"}
    )
    assert session.scalar(select(Member.locale).where(Member.email == "anna@example.org")) == "ru"
