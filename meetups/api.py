"""What every JSON endpoint shares: who is calling (Bearer token or session + CSRF header), a body that is a
JSON object, and the few wire shapes that more than one domain's API uses. Domain endpoints
live in each domain's api.py."""

from __future__ import annotations

import json
from functools import wraps
from typing import Annotated

from flask import Request, g, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from pydantic import BaseModel, ConfigDict, Field

from meetups import clock, errors
from meetups.accounts import service as accounts
from meetups.extensions import csrf, db

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
#: how callers prove who they are, for the OpenAPI document (app config SECURITY_SCHEMES)
SECURITY_SCHEMES = {
    "BearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token: `Authorization: Bearer <token>`.",
    },
    "SessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "The site's login session; writes also need the X-CSRFToken header.",
    },
}
#: `@bp.doc(security=api.SECURITY)` on every login_required endpoint: either scheme will do
SECURITY = [{"BearerAuth": []}, {"SessionCookie": []}]


class ApiRequest(Request):
    """An API call without a body reads as an empty JSON object: `POST /events/1/cancel` needs no `{}`."""

    def on_json_loading_failed(self, e: ValueError | None):
        if e is not None and self.path.startswith("/api/") and not self.get_data(cache=True):
            return {}
        return super().on_json_loading_failed(e)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def guard_request() -> None:
    """Before every /api/ request: a malformed body or a cross-site cookie request never reaches a view."""
    body = None
    if request.method in UNSAFE_METHODS and request.get_data(cache=True):
        try:
            body = json.loads(request.get_data(cache=True))
        except (ValueError, UnicodeDecodeError):
            raise errors.InvalidJson(_("The request body is not valid JSON.")) from None
        if not isinstance(body, dict):
            raise errors.InvalidJson(_("The request body must be a JSON object."))
    if _has_nul(body):
        raise errors.InvalidInput(_("Text cannot contain NUL characters."))
    token = bearer_token()
    if request.headers.get("Authorization") and token is None:
        raise errors.LoginRequired(_("Use the header Authorization: Bearer <token>."))
    if token is not None:
        member = accounts.get_member_for_token(db.session, token, clock.now())
        if member is None:
            raise errors.LoginRequired(
                _("That API token is not valid. Create a new one on your settings page.")
            )
        if db.session.dirty:  # the token's last_used_at: a read-only request would roll it back at teardown
            db.session.commit()
        g._login_user = member  # the token alone says who calls; a session cookie riding along is ignored
    g.api_via_token = token is not None
    # A session cookie rides along on cross-site requests; a token cannot. So cookie callers prove intent.
    if request.method in UNSAFE_METHODS and not g.api_via_token and current_user.is_authenticated:
        try:
            csrf.protect()
        except CSRFError:
            raise errors.PermissionDenied(
                _("Send the X-CSRFToken header with session requests."), reason="csrf"
            ) from None


def refuse_nul() -> None:
    """Every request: PostgreSQL cannot store or even compare text with NUL characters, so refuse them before
    any query does (a 500 otherwise)."""
    if (
        _has_nul(request.path)
        or _has_nul(request.args.to_dict(flat=False))
        or _has_nul(request.form.to_dict(flat=False) if request.method in UNSAFE_METHODS else None)
    ):
        raise errors.InvalidInput(_("Text cannot contain NUL characters."))


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def login_required(view):
    """Session or Bearer token; anything else is a 401 in the JSON error shape."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            raise errors.LoginRequired(_("Log in or send an API token first."))
        return view(*args, **kwargs)

    wrapped.needs_login = True  # the OpenAPI test checks that such operations declare their security
    return wrapped


# Wire shapes shared by several domains' APIs (each domain's own shapes live in its api.py)

#: what the API answers for a moment: ISO 8601 text with its offset
IsoText = Annotated[str, Field(json_schema_extra={"format": "date-time"})]


class MemberRef(BaseModel):
    id: int
    name: str


class CommunityRef(BaseModel):
    slug: str
    name: str


class QuestionIn(BaseModel):
    """A question asked with each RSVP (on event creation, and PUT /events/<id>/questions)."""

    model_config = ConfigDict(extra="forbid")
    kind: str | None = Field(None, description="short_text, long_text, single, multi or yes_no")
    type: str | None = Field(None, description="The same as kind.")
    label: str | None = None
    options: list[str] = Field([], description="The choices of single and multi questions.")
    required: bool = False
    builtin: str | None = Field(None, description="Instead of the rest: accessibility, dietary, affiliation.")
