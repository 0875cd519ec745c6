"""Members: sign-up, login, profile, password reset, email verification, API tokens, bulk import."""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from datetime import datetime, timedelta

from blinker import Namespace
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from meetups import errors
from meetups.accounts.models import ApiToken, Member, Visibility
from meetups.extensions import begin_write
from meetups.notify import service as notify

PASSWORD_MIN, PASSWORD_MAX = 8, 200
#: per client address: enough for typos, too few for guessing passwords (sign-up, login, tokens, resets)
LOGIN_LIMIT = "10 per minute"
NAME_MAX, PRONOUNS_MAX, BIO_MAX = 100, 40, 1000
RESET_VALID_FOR = timedelta(hours=2)
VERIFY_VALID_FOR = timedelta(days=7)
TOKEN_PREFIX = "mtk_"
# Checked against when the email is unknown, so a wrong email costs the same time as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")

signals = Namespace()
#: sent before an account is deleted (`session=`, `now=`), so the domains built on members can let go of it
#: (seats pass on) or refuse (the last organiser of a community); create_app subscribes them
member_deleting = signals.signal("member-deleting")


def normalize_email(email: str) -> str:
    """The canonical spelling of an address, or InvalidInput in words a member understands."""
    email = (email or "").strip()
    if not email:
        raise errors.InvalidInput(_("Please enter your email address."), field="email")
    if len(email) > 254:
        raise errors.InvalidInput(_("That email address is too long."), field="email")
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise errors.InvalidInput(_("That does not look like an email address."), field="email") from None


def _clean_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise errors.InvalidInput(_("Please enter your name."), field="name")
    if len(name) > NAME_MAX:
        raise errors.InvalidInput(_("Names can be at most %(n)d characters.", n=NAME_MAX), field="name")
    return name


def _check_password(password: str) -> str:
    if not isinstance(password, str) or len(password) < PASSWORD_MIN:
        raise errors.InvalidInput(
            _("Passwords need at least %(n)d characters.", n=PASSWORD_MIN), field="password"
        )
    if len(password) > PASSWORD_MAX:
        raise errors.InvalidInput(
            _("Passwords can be at most %(n)d characters.", n=PASSWORD_MAX), field="password"
        )
    return password


def get_member_by_email(session: Session, email: str) -> Member | None:
    try:
        email = normalize_email(email)  # the spelling sign_up stored
    except errors.InvalidInput:
        email = (email or "").strip().lower()  # imported or reserved-domain addresses still match
    return session.scalar(select(Member).where(Member.email == email))


def get_member(session: Session, member_id: int) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise errors.NotFound(_("There is no such member."))
    return member


def sign_up(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    now: datetime,
    is_admin: bool = False,
    locale: str = "",
    verify: bool = True,
) -> Member:
    """Create a member; one account per address, with a mail that confirms the address (unless an admin
    creates it on the command line). `locale` is the language they signed up in, so mail sent later on their
    behalf (a seat that opened up) speaks it too."""
    email = normalize_email(email)
    member = Member(
        email=email,
        name=_clean_name(name),
        is_admin=is_admin,
        locale=locale if locale in ("en", "ru") else "",
        created_at=now,
        password_hash=generate_password_hash(_check_password(password)),
    )
    taken = errors.EmailTaken(
        _("There is already an account with this email. Try logging in."), field="email"
    )
    if get_member_by_email(session, email) is not None:
        raise taken
    try:
        with session.begin_nested():  # two sign-ups racing for one address: the unique index decides
            session.add(member)
    except IntegrityError:
        raise taken from None
    if verify:
        notify.queue(session, to=member, kind="verify", topic=None, now=now)
    return member


def resend_verification(session: Session, member: Member, *, now: datetime) -> bool:
    """A fresh confirmation link, unless the address is confirmed already (False)."""
    if member.is_email_verified:
        return False
    notify.queue(session, to=member, kind="verify", topic=None, now=now)
    return True


def request_password_reset(session: Session, *, email: str, now: datetime) -> None:
    """Mail a reset link to the account with this address, if there is one: the answer is the same either
    way, so nobody learns who has an account."""
    member = get_member_by_email(session, email)
    if member is not None:
        notify.queue(session, to=member, kind="reset", topic=None, now=now)


def sign_up_with_token(
    session: Session, *, email: str, name: str, password: str, now: datetime
) -> tuple[Member, str]:
    """Sign up from an API client, which gets a personal token named "signup" to go on with."""
    member = sign_up(session, email=email, name=name, password=password, now=now)
    _token, plain = create_token(session, member, name="signup", now=now)
    return member, plain


def authenticate(session: Session, *, email: str, password: str) -> Member:
    """The member with this email and password; the same refusal whether the email exists or not."""
    member = get_member_by_email(session, email or "")
    valid = check_password_hash(
        member.password_hash if member and member.password_hash else _DUMMY_HASH, password or ""
    )
    if member is None or not member.password_hash or not valid:
        raise errors.InvalidCredentials(_("That email and password do not match."))
    return member


def issue_token(
    session: Session, *, email: str, password: str, name: str, now: datetime
) -> tuple[ApiToken, str]:
    """A new personal token for whoever knows the email and password (scanner and mobile clients)."""
    member = authenticate(session, email=email, password=password)
    return create_token(session, member, name=name, now=now)


def update_profile(
    session: Session, member: Member, *, name: str, pronouns: str = "", bio: str = "", locale: str = ""
) -> Member:
    """Change what others see of a member."""
    pronouns, bio = " ".join((pronouns or "").split()), (bio or "").strip()
    if len(pronouns) > PRONOUNS_MAX:
        raise errors.InvalidInput(
            _("Pronouns can be at most %(n)d characters.", n=PRONOUNS_MAX), field="pronouns"
        )
    if len(bio) > BIO_MAX:
        raise errors.InvalidInput(_("The bio can be at most %(n)d characters.", n=BIO_MAX), field="bio")
    if locale not in ("", "en", "ru"):
        raise errors.InvalidInput(_("That language is not available."), field="locale")
    member.name, member.pronouns, member.bio, member.locale = _clean_name(name), pronouns, bio, locale
    session.flush()
    return member


def update_privacy(
    session: Session,
    member: Member,
    *,
    profile_visibility: str,
    show_in_attendee_lists: bool,
    show_on_leaderboards: bool,
) -> Member:
    """Who sees my profile and attendance, and whether my name appears on attendee lists and leaderboards."""
    try:
        visibility = Visibility(profile_visibility)
    except ValueError:
        raise errors.InvalidInput(
            _("Choose who sees your profile: public, communities or private."), field="profile_visibility"
        ) from None
    for name, value in (
        ("show_in_attendee_lists", show_in_attendee_lists),
        ("show_on_leaderboards", show_on_leaderboards),
    ):
        if not isinstance(value, bool):
            raise errors.InvalidInput(_("Choose yes or no."), field=name)
    member.profile_visibility = visibility
    member.show_in_attendee_lists, member.show_on_leaderboards = show_in_attendee_lists, show_on_leaderboards
    session.flush()
    return member


def change_password(session: Session, member: Member, *, current: str, new: str) -> None:
    """Set a new password after checking the current one."""
    if not member.password_hash or not check_password_hash(member.password_hash, current or ""):
        raise errors.InvalidCredentials(_("Your current password is not right."), field="current_password")
    member.password_hash = generate_password_hash(_check_password(new))
    session.flush()


def delete_account(session: Session, member: Member, *, password: str, now: datetime) -> None:
    """Remove a member and everything that belongs only to them; the password confirms it is them."""
    if member.password_hash and not check_password_hash(member.password_hash, password or ""):
        raise errors.InvalidCredentials(_("Your password is not right."), field="password")
    member_deleting.send(member, session=session, now=now)
    session.delete(member)
    session.flush()


# Signed links: reset and verification carry the member id and a fingerprint of what they may change,
# so a reset link dies once the password changes and a verify link once the email changes.


def _fingerprint(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:16]


def _sign(secret: str, purpose: str, member: Member, now: datetime) -> str:
    basis = member.password_hash if purpose == "reset" else member.email
    payload = {"m": member.id, "f": _fingerprint(basis), "t": int(now.timestamp())}
    return URLSafeSerializer(secret, salt=f"meetups-{purpose}").dumps(payload)


def _unsign(
    session: Session, secret: str, purpose: str, token: str, now: datetime, valid_for: timedelta
) -> Member:
    invalid = errors.InvalidToken(_("This link is not valid any more. Please ask for a new one."))
    try:
        payload = URLSafeSerializer(secret, salt=f"meetups-{purpose}").loads(token)
        member = session.get(Member, int(payload["m"]))
        issued = int(payload["t"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise invalid from None
    basis = member.password_hash if member and purpose == "reset" else member.email if member else ""
    if (
        member is None
        or payload.get("f") != _fingerprint(basis)
        or now.timestamp() - issued > valid_for.total_seconds()
    ):
        raise invalid
    return member


def make_reset_token(secret: str, member: Member, now: datetime) -> str:
    return _sign(secret, "reset", member, now)


def make_verify_token(secret: str, member: Member, now: datetime) -> str:
    return _sign(secret, "verify", member, now)


def check_reset_token(session: Session, *, secret: str, token: str, now: datetime) -> Member:
    """The member a reset link belongs to, while it is valid: the form is shown only when it can work."""
    return _unsign(session, secret, "reset", token, now, RESET_VALID_FOR)


def reset_password(session: Session, *, secret: str, token: str, password: str, now: datetime) -> Member:
    """Set a new password through an emailed link, valid for two hours and once."""
    member = _unsign(session, secret, "reset", token, now, RESET_VALID_FOR)
    member.password_hash = generate_password_hash(_check_password(password))
    if member.email_verified_at is None:
        member.email_verified_at = now  # the link reached their inbox: the address is theirs
    session.flush()
    return member


def verify_email(session: Session, *, secret: str, token: str, now: datetime) -> Member:
    """Mark the address as the member's own, through the link sent to it."""
    member = _unsign(session, secret, "verify", token, now, VERIFY_VALID_FOR)
    if member.email_verified_at is None:
        member.email_verified_at = now
        session.flush()
    return member


# API tokens


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(session: Session, member: Member, *, name: str, now: datetime) -> tuple[ApiToken, str]:
    """A new personal API token; the plain text is returned once and never stored."""
    name = " ".join((name or "").split()) or _("API token")
    if len(name) > 60:
        raise errors.InvalidInput(_("Token names can be at most 60 characters."), field="name")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        member=member, name=name, token_hash=_hash_token(plain), prefix=plain[:10], created_at=now
    )
    session.add(token)
    session.flush()
    return token, plain


def revoke_token(session: Session, member: Member, *, token_id: int) -> None:
    """Revoke one of the member's own tokens; it stops working at once."""
    done = session.execute(delete(ApiToken).where(ApiToken.id == token_id, ApiToken.member_id == member.id))
    if done.rowcount == 0:
        raise errors.NotFound(_("There is no such token."))


def list_tokens(session: Session, member: Member) -> list[ApiToken]:
    return list(
        session.scalars(select(ApiToken).where(ApiToken.member_id == member.id).order_by(ApiToken.id))
    )


def get_member_for_token(session: Session, plain: str, now: datetime) -> Member | None:
    """The member a personal API token belongs to; notes (coarsely) when it was last used."""
    if not plain.startswith(TOKEN_PREFIX) or len(plain) > 100:
        return None
    token = session.scalar(
        select(ApiToken).options(joinedload(ApiToken.member)).where(ApiToken.token_hash == _hash_token(plain))
    )
    if token is None:
        return None
    member = token.member  # loaded first: a lazy load after the change below would autoflush it unseen
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        begin_write(session)
        token.last_used_at = now  # coarse, so reads do not write on every request; the caller commits it
    return member


def import_members(session: Session, text: str, *, now: datetime) -> list[Member]:
    """Members from CSV `email,name[,password]`: all rows or none; every bad row is named."""
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    if rows and [c.strip().lower() for c in rows[0][:2]] == ["email", "name"]:
        rows = [[], *rows[1:]]  # a header row: skip it but keep line numbers true
    problems: list[str] = []
    seen: set[str] = set()
    members: list[Member] = []
    for line, row in enumerate(rows, start=1):
        if not row or not any(c.strip() for c in row):
            continue
        try:
            if len(row) not in (2, 3):
                raise errors.InvalidInput(_("expected email,name[,password]"))
            email = normalize_email(row[0])
            if email in seen or get_member_by_email(session, email):
                raise errors.EmailTaken(_("%(email)s is already a member", email=email))
            seen.add(email)
            password = row[2] if len(row) == 3 and row[2] else None
            members.append(
                Member(
                    email=email,
                    name=_clean_name(row[1]),
                    created_at=now,
                    password_hash=generate_password_hash(_check_password(password)) if password else "",
                )
            )
        except errors.DomainError as err:
            problems.append(_("line %(line)d: %(problem)s", line=line, problem=err.message))
    if problems:
        raise errors.InvalidInput("\n".join(problems), rows=problems)
    if not members:
        raise errors.InvalidInput(_("The file has no members in it."))
    session.add_all(members)
    session.flush()
    return members
