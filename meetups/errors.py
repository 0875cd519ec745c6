"""Domain errors with stable codes, and the one place that renders them as HTML or JSON."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from apiflask.exceptions import HTTPError
from flask import Flask, flash, make_response, redirect, render_template, request
from flask_babel import gettext as _
from markupsafe import escape
from werkzeug.exceptions import HTTPException

if TYPE_CHECKING:
    from flask_wtf import FlaskForm

log = logging.getLogger(__name__)


class DomainError(Exception):
    """`code` is a contract: clients and tests match on it, never on the message."""

    code, status = "domain_error", 400

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message, self.details = message, details


class InvalidInput(DomainError):
    code, status = "invalid_input", 422

    @classmethod
    def from_form(cls, form: FlaskForm) -> InvalidInput:
        field, messages = next(iter(form.errors.items()), ("", [_("Please check the form.")]))
        label = getattr(getattr(form, field, None), "label", None)
        text = messages[0] if isinstance(messages, list) else str(messages)
        return cls(f"{label.text}: {text}" if label else text, field=field)


class InvalidJson(DomainError):
    code, status = "invalid_json", 400


class NotFound(DomainError):
    code, status = "not_found", 404


class LoginRequired(DomainError):
    code, status = "login_required", 401


class InvalidCredentials(DomainError):
    code, status = "invalid_credentials", 401


class PermissionDenied(DomainError):
    code, status = "forbidden", 403


class EmailTaken(DomainError):
    code, status = "email_taken", 409


class SlugTaken(DomainError):
    code, status = "slug_taken", 409


class AlreadyStaff(DomainError):
    code, status = "already_staff", 409


class EventCancelled(DomainError):
    code, status = "event_cancelled", 409


class InvalidToken(DomainError):
    code, status = "invalid_token", 400


def _same_site_referrer() -> str | None:
    referrer = request.referrer
    if not referrer:
        return None
    ref, here = urlsplit(referrer), urlsplit(request.host_url)
    return referrer if ref.netloc == here.netloc and ref.path != request.path else None


def is_api_request() -> bool:
    return request.path.startswith("/api/")


#: the JSON error body, for the OpenAPI document (app config HTTP_ERROR_SCHEMA and VALIDATION_ERROR_SCHEMA)
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable; match on it, never on the message."},
                "message": {"type": "string", "description": "For people, in their language."},
                "field": {"type": "string", "description": "The input field at fault, when there is one."},
                "fields": {
                    "type": "object",
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    "description": "Every field that failed request validation, with its problems.",
                },
            },
            "additionalProperties": True,
        }
    },
}


def json_error(code: str, message: str, status: int, **details: object):
    return {"error": {"code": code, "message": message, **details}}, status


def _rollback() -> None:
    from meetups.extensions import db  # late: errors is imported by models' modules

    db.session.rollback()


def register(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(err: DomainError):
        _rollback()  # a refused action leaves nothing behind
        if is_api_request():
            return json_error(err.code, err.message, err.status, **err.details)
        if err.status == 401:
            return redirect(f"/login?next={request.full_path.rstrip('?')}")
        if err.status in (403, 404) or request.method == "GET":
            return error_page(err.message, err.status)
        flash(err.message, "error")
        return redirect(_same_site_referrer() or "/")

    @app.error_processor
    def _validation_error(err: HTTPError):
        """APIFlask's request validation (pydantic), in our error shape."""
        fields: dict[str, list[str]] = {}
        for location in (err.detail or {}).values():
            if isinstance(location, dict):
                fields.update(location)
        if fields:
            field, messages = next(iter(fields.items()))
            message = _("%(field)s: %(problem)s", field=field, problem=messages[0])
            return json_error("invalid_input", message, err.status_code, fields=fields)
        return json_error(_http_code(err.status_code), err.message or _("Request refused."), err.status_code)

    @app.errorhandler(HTTPException)
    def _http_error(err: HTTPException):
        _rollback()
        if is_api_request():
            response = json_error(_http_code(err.code or 500), _http_message(err), err.code or 500)
            return *response, {k: v for k, v in err.get_headers() if k != "Content-Type"}
        if err.code == 429:
            return _rate_limited_page()
        return error_page(_http_message(err), err.code or 500)

    @app.errorhandler(Exception)
    def _unexpected(err: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        _rollback()
        message = _("Something went wrong on our side. Nothing was saved; please try again.")
        if is_api_request():
            return json_error("internal_error", message, 500)
        return error_page(message, 500)


def error_page(title: str, status: int, **context: object):
    """The error page in the site's look and the reader's language. Should the page itself fail (the database
    gone, say, while the layout asks who is logged in), a plain page says the same: never a traceback."""
    try:
        return make_response(render_template("error.html", title=title, status=status, **context), status)
    except Exception:
        log.exception("the error page for %s failed to render", status)
        return make_response(_PLAIN_ERROR_PAGE.format(title=escape(title), status=status), status)


_PLAIN_ERROR_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body><main><h1>{title}</h1><p>{status}</p><p><a href="/">Meetups</a></p></main></body></html>
"""


def retry_after_seconds() -> int:
    """How long the request's rate limit still holds (its own window), else a minute."""
    from meetups.extensions import limiter

    try:
        current = limiter.current_limit
        if current is not None:
            return max(1, int(current.reset_at - time.time()))
    except Exception:  # the limit's store unreachable: a minute is a fair guess
        log.warning("could not read the rate limit's reset time", exc_info=True)
    return 60


def _rate_limited_page():
    """429: how long to wait, on the page and in Retry-After."""
    seconds = retry_after_seconds()
    message = _("Too many attempts. Please wait a minute and try again.")
    response = error_page(message, 429, retry_after=seconds)
    response.headers["Retry-After"] = str(seconds)
    return response


_HTTP_CODES = {
    400: "bad_request",
    401: "login_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
}


def _http_code(status: int) -> str:
    return _HTTP_CODES.get(status, "internal_error" if status >= 500 else "http_error")


def _http_message(err: HTTPException) -> str:
    messages = {
        400: _("The request could not be understood."),
        401: _("Please log in first."),
        403: _("You are not allowed to do that."),
        404: _("There is nothing here."),
        405: _("That action is not available here."),
        413: _("That is too much data."),
        429: _("Too many attempts. Please wait a minute and try again."),
    }
    return messages.get(err.code or 500, err.description or err.name)


# RSVPs and the waitlist


class RsvpClosed(DomainError):
    code, status = "rsvp_closed", 409


class RsvpNotOpen(DomainError):
    code, status = "rsvp_not_open", 409


class TooManyGuests(DomainError):
    code, status = "too_many_guests", 422


class NotEnoughSeats(DomainError):
    code, status = "not_enough_seats", 409


class AnswerRequired(DomainError):
    code, status = "answer_required", 422


class InvalidAnswer(DomainError):
    code, status = "invalid_answer", 422


class OfferExpired(DomainError):
    code, status = "offer_expired", 409


class RsvpDeclined(DomainError):
    code, status = "rsvp_declined", 409


class InvalidState(DomainError):
    code, status = "invalid_state", 409


class TooManyAnnouncements(DomainError):
    code, status = "too_many_announcements", 429
