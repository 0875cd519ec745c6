"""JSON API for accounts: sign-up and tokens for API clients, my profile, my personal tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from apiflask import APIBlueprint
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr

from meetups import api, clock, pages, web
from meetups.accounts import service
from meetups.accounts.models import ApiToken, Member
from meetups.api import IsoText
from meetups.calendars.links import calendar_url
from meetups.extensions import db, limiter

bp = APIBlueprint("accounts_api", __name__, tag="Accounts")


# The input models check types and shapes only; lengths and formats are the service's to judge, so the HTML
# forms and the API give the same messages.


class SignupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422, not silently ignored

    email: StrictStr
    name: StrictStr
    password: StrictStr = Field(description=f"{service.PASSWORD_MIN} to {service.PASSWORD_MAX} characters.")


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: StrictStr
    password: StrictStr
    name: StrictStr = Field("", description="What the token is for, such as 'door scanner'.")


class NewTokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr = Field("", description="What the token is for, such as 'door scanner'.")


class ProfileChanges(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    # Leaving a field out keeps it; sending null for a text field is a 422 (StrictStr refuses None).
    name: StrictStr = Field(None, description=f"At most {service.NAME_MAX} characters.")
    pronouns: StrictStr = Field(None, description=f"At most {service.PRONOUNS_MAX} characters.")
    bio: StrictStr = Field(None, description=f"At most {service.BIO_MAX} characters; Markdown.")
    locale: Literal["en", "ru"] | None = Field(None, description="null: follow the browser's language.")


class PrivacyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    profile_visibility: StrictStr = Field(description="public, communities or private: who sees my profile.")
    show_in_attendee_lists: StrictBool = Field(description="My name in the “who's going” list of events.")
    show_on_leaderboards: StrictBool = Field(description="Me on my communities' leaderboards.")


class PasswordIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: StrictStr = Field(description="To be sure it is you.")


class MyDataOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    member: dict[str, Any]
    memberships: list[dict[str, Any]]
    rsvps: list[dict[str, Any]]
    attendance: list[dict[str, Any]]
    contributions: list[dict[str, Any]]
    check_ins: list[dict[str, Any]]
    mail: list[dict[str, Any]]
    api_tokens: list[dict[str, Any]]


class MemberOut(BaseModel):
    model_config = ConfigDict(extra="allow")  # member_json() is the source of truth; this documents it

    id: int
    email: str
    name: str
    pronouns: str
    bio: str
    initials: str = Field(description="Up to two letters for the avatar.")
    locale: Literal["en", "ru"] | None
    email_verified: bool
    is_admin: bool
    created_at: IsoText
    url: str = Field(description="The public profile page.")


class MemberEnvelope(BaseModel):
    member: MemberOut


class SignupOut(BaseModel):
    member: MemberOut
    token: str = Field(description="A personal API token named 'signup'; shown this once.")


class NewTokenOut(BaseModel):
    token: str = Field(description="Send it as `Authorization: Bearer <token>`; shown this once.")
    id: int


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str = Field(description="The token's first characters, to tell tokens apart.")
    created_at: IsoText
    last_used_at: IsoText | None


class TokensEnvelope(BaseModel):
    tokens: list[TokenOut]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def member_json(member: Member) -> dict:
    """The member as they see themselves (with their email address): the one shape of GET and PATCH /me."""
    return {
        "id": member.id,
        "email": member.email,
        "name": member.name,
        "pronouns": member.pronouns,
        "bio": member.bio,
        "initials": member.initials,
        "locale": member.locale or None,
        "email_verified": member.is_email_verified,
        "is_admin": member.is_admin,
        "created_at": _iso(member.created_at),
        "url": web.absolute_url("recognition.profile", member_id=member.id),
        # the secret personal feed; only the member sees this object
        "calendar_url": calendar_url(db.session, member, site=web.site()),
        "profile_visibility": member.profile_visibility.value,
        "show_in_attendee_lists": member.show_in_attendee_lists,
        "show_on_leaderboards": member.show_on_leaderboards,
    }


def token_json(token: ApiToken) -> dict:
    """A token's description; the secret itself is shown once, when it is created."""
    return {
        "id": token.id,
        "name": token.name,
        "prefix": token.prefix,
        "created_at": _iso(token.created_at),
        "last_used_at": _iso(token.last_used_at),
    }


def _me() -> Member:
    return current_user._get_current_object()


@bp.post("/auth/signup")
@limiter.limit(service.LOGIN_LIMIT)
@bp.input(SignupIn, arg_name="body")
@bp.output(SignupOut, status_code=201)
@bp.doc(
    summary="Sign up",
    description="Creates a member and a personal API token named 'signup', and emails a "
    "link that confirms the address.",
    responses={409: "email_taken", 422: "invalid_input", 429: "rate_limited"},
)
def signup(body: SignupIn):
    member, plain = service.sign_up_with_token(
        db.session, email=body.email, name=body.name, password=body.password, now=clock.now()
    )
    db.session.commit()
    return {"member": member_json(member), "token": plain}


@bp.post("/auth/token")
@limiter.limit(service.LOGIN_LIMIT)
@bp.input(TokenIn, arg_name="body")
@bp.output(NewTokenOut, status_code=201)
@bp.doc(
    summary="Get an API token",
    description="For scanners and mobile clients: trade an email and password for a personal token.",
    responses={401: "invalid_credentials", 422: "invalid_input", 429: "rate_limited"},
)
def issue_token(body: TokenIn):
    token, plain = service.issue_token(
        db.session, email=body.email, password=body.password, name=body.name, now=clock.now()
    )
    db.session.commit()
    return {"token": plain, "id": token.id}


@bp.get("/me")
@bp.output(MemberEnvelope)
@bp.doc(summary="My profile", security=api.SECURITY, responses={401: "login_required"})
@api.login_required
def get_me():
    return {"member": member_json(_me())}


@bp.patch("/me")
@bp.input(ProfileChanges, arg_name="body")
@bp.output(MemberEnvelope)
@bp.doc(
    summary="Change my profile",
    description="Only the fields sent change.",
    security=api.SECURITY,
    responses={401: "login_required", 422: "invalid_input"},
)
@api.login_required
def update_me(body: ProfileChanges):
    member = _me()
    kept = {"name": member.name, "pronouns": member.pronouns, "bio": member.bio, "locale": member.locale}
    changes = {**kept, **body.model_dump(include=body.model_fields_set)}
    service.update_profile(db.session, member, **{**changes, "locale": changes["locale"] or ""})
    db.session.commit()
    return {"member": member_json(member)}


@bp.put("/me/privacy")
@bp.input(PrivacyIn, arg_name="body")
@bp.output(MemberEnvelope)
@bp.doc(
    summary="Set who sees my profile, and whether I appear on attendee lists and leaderboards",
    security=api.SECURITY,
    responses={401: "login_required", 422: "invalid_input"},
)
@api.login_required
def update_privacy(body: PrivacyIn):
    member = service.update_privacy(db.session, _me(), **body.model_dump())
    db.session.commit()
    return {"member": member_json(member)}


@bp.get("/me/export")
@bp.output(MyDataOut)
@bp.doc(
    summary="Everything kept about me (the same as the JSON download on /me)",
    security=api.SECURITY,
    responses={401: "login_required"},
)
@api.login_required
def export_me():
    return pages.get_my_data(db.session, member=_me(), site=web.site())


@bp.delete("/me")
@bp.input(PasswordIn, arg_name="body")
@bp.output({}, status_code=204)
@bp.doc(
    summary="Delete my account",
    description="Personal data goes; organisers keep anonymous counts of who came. The last organiser of a "
    "community must hand it on first.",
    security=api.SECURITY,
    responses={401: "login_required, invalid_credentials", 403: "forbidden", 422: "invalid_input"},
)
@api.login_required
def delete_me(body: PasswordIn):
    service.delete_account(db.session, _me(), password=body.password, now=clock.now())
    db.session.commit()
    return ""


@bp.get("/me/tokens")
@bp.output(TokensEnvelope)
@bp.doc(
    summary="My API tokens",
    description="Never their secrets.",
    security=api.SECURITY,
    responses={401: "login_required"},
)
@api.login_required
def list_tokens():
    return {"tokens": [token_json(token) for token in service.list_tokens(db.session, _me())]}


@bp.post("/me/tokens")
@bp.input(NewTokenIn, arg_name="body")
@bp.output(NewTokenOut, status_code=201)
@bp.doc(
    summary="Create an API token",
    security=api.SECURITY,
    responses={401: "login_required", 422: "invalid_input"},
)
@api.login_required
def create_token(body: NewTokenIn):
    token, plain = service.create_token(db.session, _me(), name=body.name, now=clock.now())
    db.session.commit()
    return {"token": plain, "id": token.id}


@bp.delete("/me/tokens/<int:token_id>")
@bp.output({}, status_code=204)
@bp.doc(
    summary="Revoke an API token",
    description="It stops working at once.",
    security=api.SECURITY,
    responses={401: "login_required", 404: "not_found"},
)
@api.login_required
def revoke_token(token_id: int):
    service.revoke_token(db.session, _me(), token_id=token_id)
    db.session.commit()
    return ""
