"""Account rules without HTTP: sign-up, login, profile, passwords, signed links, API tokens."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from meetups import errors
from meetups.accounts import service
from meetups.accounts.models import ApiToken, Member
from tests.factories import PASSWORD, make_member

SECRET = "test secret"


def _sign_up(session, now, **overrides) -> Member:
    values = {
        "email": "ada@example.com",
        "name": "Ada Lovelace",
        "password": "analytical engine",
        **overrides,
    }
    return service.sign_up(session, now=now, **values)


def test_sign_up_stores_a_normalised_email_and_an_scrypt_hash(session, now):
    member = _sign_up(session, now, email="  Ada@Example.COM ", name="  Ada   Lovelace ")
    assert member.id is not None
    assert member.email == "ada@example.com"
    assert member.name == "Ada Lovelace"
    assert member.created_at == now
    assert member.password_hash.startswith("scrypt:")
    assert "analytical engine" not in member.password_hash
    assert member.email_verified_at is None
    assert member.initials == "AL"


def test_one_account_per_address_whatever_the_case(session, now):
    _sign_up(session, now)
    with pytest.raises(errors.EmailTaken) as refused:
        _sign_up(session, now, email="ADA@example.com", name="Another Ada")
    assert refused.value.code == "email_taken"
    assert refused.value.details["field"] == "email"


def test_a_sign_up_that_loses_the_race_for_an_address_is_refused_cleanly(session, now, monkeypatch):
    """Two requests both see the address free; the unique index decides, and the loser gets EmailTaken."""
    _sign_up(session, now)
    monkeypatch.setattr(service, "get_member_by_email", lambda *_args: None)
    with pytest.raises(errors.EmailTaken):
        _sign_up(session, now, email="ada@example.com")
    assert session.scalar(select(Member).where(Member.email == "ada@example.com")).name == "Ada Lovelace"


@pytest.mark.parametrize(
    "email",
    [
        "",
        "   ",
        "not-an-email",
        "ada@",
        "@example.com",
        "ada@example",
        "ada lovelace@example.com",
        "ada@example.test",
        "a" * 250 + "@example.com",
    ],
)
def test_bad_email_addresses_are_refused_with_a_reason(session, now, email):
    with pytest.raises(errors.InvalidInput) as refused:
        _sign_up(session, now, email=email)
    assert refused.value.details["field"] == "email"
    assert refused.value.message


@pytest.mark.parametrize("password", ["", "short", "1234567", "x" * 201])
def test_passwords_must_be_8_to_200_characters(session, now, password):
    with pytest.raises(errors.InvalidInput) as refused:
        _sign_up(session, now, password=password)
    assert refused.value.details["field"] == "password"


@pytest.mark.parametrize("password", ["12345678", "x" * 200, "пароль-на-русском"])
def test_passwords_at_the_limits_are_fine(session, now, password):
    member = _sign_up(session, now, password=password)
    assert service.authenticate(session, email=member.email, password=password) == member


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_names_must_be_given_and_short(session, now, name):
    with pytest.raises(errors.InvalidInput) as refused:
        _sign_up(session, now, name=name)
    assert refused.value.details["field"] == "name"


def test_authenticate_finds_the_member_by_any_spelling_of_the_address(session):
    member = make_member(session, email="grace@example.org")
    assert service.authenticate(session, email=" Grace@EXAMPLE.org ", password=PASSWORD) == member


def test_a_wrong_password_and_an_unknown_email_get_the_same_refusal(session):
    member = make_member(session)
    with pytest.raises(errors.InvalidCredentials) as wrong_password:
        service.authenticate(session, email=member.email, password="not the password")
    with pytest.raises(errors.InvalidCredentials) as unknown_email:
        service.authenticate(session, email="nobody@example.com", password=PASSWORD)
    assert wrong_password.value.code == unknown_email.value.code == "invalid_credentials"
    assert wrong_password.value.message == unknown_email.value.message
    assert wrong_password.value.details == unknown_email.value.details == {}


def test_a_member_imported_without_a_password_cannot_log_in_until_they_set_one(session):
    member = make_member(session, password_hash="")
    with pytest.raises(errors.InvalidCredentials):
        service.authenticate(session, email=member.email, password="")


def test_issue_token_needs_the_right_password(session, now):
    member = make_member(session)
    token, plain = service.issue_token(
        session, email=member.email, password=PASSWORD, name="scanner", now=now
    )
    assert token.member == member and token.name == "scanner"
    assert service.get_member_for_token(session, plain, now) == member
    with pytest.raises(errors.InvalidCredentials):
        service.issue_token(session, email=member.email, password="wrong password", name="", now=now)


def test_update_profile_cleans_and_checks_the_fields(session):
    member = make_member(session)
    service.update_profile(
        session, member, name="  Grace   Hopper ", pronouns=" she / her ", bio="  Admiral.\n", locale="ru"
    )
    assert (member.name, member.pronouns, member.bio, member.locale) == (
        "Grace Hopper",
        "she / her",
        "Admiral.",
        "ru",
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"pronouns": "x" * 41}, "pronouns"),
        ({"bio": "x" * 1001}, "bio"),
        ({"locale": "de"}, "locale"),
    ],
)
def test_update_profile_refuses_what_does_not_fit(session, changes, field):
    member = make_member(session, name="Kept Name")
    with pytest.raises(errors.InvalidInput) as refused:
        service.update_profile(session, member, **{"name": "New Name", **changes})
    assert refused.value.details["field"] == field
    assert member.name == "Kept Name"


def test_change_password_checks_the_current_one_and_ends_other_sessions(session):
    member = make_member(session)
    old_session_id = member.get_id()
    with pytest.raises(errors.InvalidCredentials) as refused:
        service.change_password(session, member, current="wrong password", new="a brand new password")
    assert refused.value.details["field"] == "current_password"
    service.change_password(session, member, current=PASSWORD, new="a brand new password")
    assert member.get_id() != old_session_id
    assert service.authenticate(session, email=member.email, password="a brand new password") == member


def test_delete_account_needs_the_password_and_takes_the_tokens_along(session, now):
    member = make_member(session)
    service.create_token(session, member, name="phone", now=now)
    with pytest.raises(errors.InvalidCredentials):
        service.delete_account(session, member, password="wrong password", now=now)
    service.delete_account(session, member, password=PASSWORD, now=now)
    session.expire_all()
    assert session.get(Member, member.id) is None
    assert session.scalars(select(ApiToken).where(ApiToken.member_id == member.id)).all() == []


# Signed links


def test_a_reset_link_works_once(session, now):
    member = make_member(session)
    token = service.make_reset_token(SECRET, member, now)
    assert service.check_reset_token(session, secret=SECRET, token=token, now=now) == member
    service.reset_password(session, secret=SECRET, token=token, password="a brand new password", now=now)
    assert service.authenticate(session, email=member.email, password="a brand new password") == member
    with pytest.raises(errors.InvalidToken) as refused:
        service.reset_password(session, secret=SECRET, token=token, password="another new password", now=now)
    assert refused.value.code == "invalid_token"


def test_a_reset_link_expires_after_two_hours(session, now):
    member = make_member(session)
    token = service.make_reset_token(SECRET, member, now)
    assert (
        service.check_reset_token(session, secret=SECRET, token=token, now=now + timedelta(hours=2)) == member
    )
    with pytest.raises(errors.InvalidToken):
        service.reset_password(
            session,
            secret=SECRET,
            token=token,
            password="a brand new password",
            now=now + timedelta(hours=2, minutes=1),
        )


def test_a_reset_confirms_the_email_address(session, now):
    member = make_member(session)
    token = service.make_reset_token(SECRET, member, now)
    service.reset_password(session, secret=SECRET, token=token, password="a brand new password", now=now)
    assert member.email_verified_at == now


@pytest.mark.parametrize(
    "mangle",
    [
        lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # a forged signature
        lambda token: "garbage",
        lambda token: "",
    ],
)
def test_a_forged_reset_link_is_refused(session, now, mangle):
    member = make_member(session)
    token = mangle(service.make_reset_token(SECRET, member, now))
    with pytest.raises(errors.InvalidToken):
        service.check_reset_token(session, secret=SECRET, token=token, now=now)


def test_links_are_bound_to_their_purpose_and_secret(session, now):
    member = make_member(session)
    verify = service.make_verify_token(SECRET, member, now)
    with pytest.raises(errors.InvalidToken):
        service.reset_password(session, secret=SECRET, token=verify, password="a brand new password", now=now)
    reset = service.make_reset_token(SECRET, member, now)
    with pytest.raises(errors.InvalidToken):
        service.check_reset_token(session, secret="another secret", token=reset, now=now)


def test_a_link_for_a_deleted_member_is_refused(session, now):
    member = make_member(session)
    token = service.make_verify_token(SECRET, member, now)
    service.delete_account(session, member, password=PASSWORD, now=now)
    with pytest.raises(errors.InvalidToken):
        service.verify_email(session, secret=SECRET, token=token, now=now)


def test_verify_email_marks_the_address_once(session, now):
    member = make_member(session)
    token = service.make_verify_token(SECRET, member, now)
    service.verify_email(session, secret=SECRET, token=token, now=now)
    assert member.is_email_verified and member.email_verified_at == now
    service.verify_email(session, secret=SECRET, token=token, now=now + timedelta(hours=1))
    assert member.email_verified_at == now  # the first confirmation is the one kept


def test_a_verify_link_expires_after_a_week_and_dies_with_the_address(session, now):
    member = make_member(session)
    token = service.make_verify_token(SECRET, member, now)
    with pytest.raises(errors.InvalidToken):
        service.verify_email(session, secret=SECRET, token=token, now=now + timedelta(days=7, minutes=1))
    member.email = "elsewhere@example.com"
    with pytest.raises(errors.InvalidToken):
        service.verify_email(session, secret=SECRET, token=token, now=now)


# API tokens


def test_only_a_hash_of_a_token_is_stored(session, now):
    member = make_member(session)
    token, plain = service.create_token(session, member, name="  door   scanner ", now=now)
    assert plain.startswith(service.TOKEN_PREFIX) and len(plain) > 40
    assert token.name == "door scanner"
    assert token.prefix == plain[:10]
    assert plain not in token.token_hash
    assert service.get_member_for_token(session, plain, now) == member
    assert service.get_member_for_token(session, plain + "x", now) is None
    assert service.get_member_for_token(session, "not-a-token", now) is None


def test_a_token_without_a_name_gets_one_and_long_names_are_refused(session, now):
    member = make_member(session)
    token, _plain = service.create_token(session, member, name="", now=now)
    assert token.name == "API token"
    with pytest.raises(errors.InvalidInput):
        service.create_token(session, member, name="x" * 61, now=now)


def test_last_used_is_recorded_coarsely(session, now):
    member = make_member(session)
    token, plain = service.create_token(session, member, name="phone", now=now)
    service.get_member_for_token(session, plain, now)
    assert token.last_used_at == now
    service.get_member_for_token(session, plain, now + timedelta(minutes=3))
    assert token.last_used_at == now  # within five minutes: no write for every request
    service.get_member_for_token(session, plain, now + timedelta(minutes=6))
    assert token.last_used_at == now + timedelta(minutes=6)


def test_revoking_a_token_stops_it_and_nobody_revokes_anothers(session, now):
    member, stranger = make_member(session), make_member(session)
    token, plain = service.create_token(session, member, name="phone", now=now)
    with pytest.raises(errors.NotFound):
        service.revoke_token(session, stranger, token_id=token.id)
    assert service.get_member_for_token(session, plain, now) == member
    service.revoke_token(session, member, token_id=token.id)
    assert service.get_member_for_token(session, plain, now) is None
    assert service.list_tokens(session, member) == []
    with pytest.raises(errors.NotFound):
        service.revoke_token(session, member, token_id=token.id)


def test_list_tokens_shows_only_my_own(session, now):
    member, other = make_member(session), make_member(session)
    mine = [service.create_token(session, member, name=name, now=now)[0] for name in ("a", "b")]
    service.create_token(session, other, name="c", now=now)
    assert service.list_tokens(session, member) == mine


def test_get_member_raises_not_found(session):
    member = make_member(session)
    assert service.get_member(session, member.id) == member
    with pytest.raises(errors.NotFound):
        service.get_member(session, member.id + 1000)
