"""Account pages: sign-up, login, password reset, email verification, settings and public profiles."""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user

from meetups import clock, errors, forms, pages, web
from meetups.accounts import service
from meetups.accounts.forms import (
    DeleteAccountForm,
    ForgotForm,
    LoginForm,
    PasswordForm,
    PrivacyForm,
    ProfileForm,
    ResetForm,
    SignupForm,
    TokenForm,
)
from meetups.accounts.models import Member
from meetups.extensions import db, limiter

bp = Blueprint("accounts", __name__)
log = logging.getLogger(__name__)

LOGIN_LIMIT = service.LOGIN_LIMIT
MAIL_LIMIT = "5 per minute"


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a path on this site, never another site (no open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    # Browsers read "/\evil.example" as "//evil.example"; control characters can smuggle a host in too.
    if "\\" in target or any(ord(c) < 32 or ord(c) == 127 for c in target):
        return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


def _next_arg() -> str | None:
    """The `next` query argument, passed on to the sibling page's links only when it is safe."""
    target = safe_next(request.args.get("next"))
    return target if target != "/" else None


def _secret() -> str:
    return current_app.config["SECRET_KEY"]


def _me() -> Member:
    return current_user._get_current_object()


def _fresh_session() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang  # the language picked before is no secret; keep it


def _log_in(member: Member, *, remember: bool = False) -> None:
    """A fresh session for the new identity, so a session planted before login is worth nothing."""
    _fresh_session()
    login_user(member, remember=remember)


def _refuse(form, err: errors.DomainError) -> int:
    """Every refusal on an account form is about what was typed (a wrong password, the last organiser): its
    message goes next to its field, or above the form."""
    field = form._fields.get(str(err.details.get("field") or ""))
    if field is not None:
        field.errors = [*field.errors, err.message]
    else:
        form.form_errors.append(err.message)
    return 422


def _form_page(template: str, form, status: int | None = None, **context):
    status = status or (422 if form.is_submitted() and form.errors else 200)
    return render_template(template, form=form, next_arg=_next_arg(), **context), status


def _email_key() -> str:
    """Rate-limit key per address, so one inbox cannot be flooded from many client addresses."""
    return "email:" + (request.form.get("email") or "").strip().lower()


def _member_key() -> str:
    return f"member:{current_user.id}" if current_user.is_authenticated else get_remote_address()


@bp.context_processor
def _limits() -> dict:
    return {"password_min": service.PASSWORD_MIN}


@bp.errorhandler(429)
def _too_many_attempts(_err):
    seconds = errors.retry_after_seconds()
    page = render_template("accounts/rate_limited.html", retry_after=seconds)
    return page, 429, {"Retry-After": str(seconds)}


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def signup():
    form, locale = SignupForm(), str(get_locale())
    sent = forms.submit(
        form, lambda: service.sign_up(db.session, locale=locale, now=clock.now(), **form.values()), _refuse
    )
    if not sent.done:
        return _form_page("accounts/signup.html", form, sent.status)
    _log_in(sent.result)
    flash(
        _("Welcome, %(name)s! We sent you a link to confirm your email address.", name=sent.result.name),
        "success",
    )
    return redirect(safe_next(request.args.get("next")))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def login():
    if request.method == "GET" and current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    sent = forms.submit(
        form,
        lambda: service.authenticate(db.session, email=form.email.data, password=form.password.data),
        _refuse,
    )
    if not sent.done:
        return _form_page("accounts/login.html", form, sent.status)
    _log_in(sent.result, remember=form.remember.data)
    return redirect(safe_next(request.args.get("next")))


@bp.post("/logout")
def logout():
    _fresh_session()
    logout_user()  # after the clear: it leaves the note that deletes the "remember me" cookie
    flash(_("You are logged out. See you soon!"), "success")
    return redirect("/")


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(MAIL_LIMIT, methods=["POST"])
@limiter.limit("5 per hour", methods=["POST"], key_func=_email_key)
def forgot():
    form = ForgotForm()
    if not form.validate_on_submit():
        return _form_page("accounts/forgot.html", form)
    service.request_password_reset(db.session, email=form.email.data, now=clock.now())
    db.session.commit()
    return render_template("accounts/forgot_sent.html")  # the same either way: no telling who has an account


def _reset_password(form: ResetForm, token: str) -> Member | None:
    """The new password set (and committed), or None while the form is only shown: the link is checked
    either way."""
    if not form.validate_on_submit():
        service.check_reset_token(db.session, secret=_secret(), token=token, now=clock.now())
        return None
    member = service.reset_password(
        db.session, secret=_secret(), token=token, password=form.password.data, now=clock.now()
    )
    db.session.commit()
    return member


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT, methods=["POST"])
def reset(token: str):
    form = ResetForm()
    try:
        member = _reset_password(form, token)
    except errors.InvalidToken as err:
        return render_template("accounts/link_invalid.html", message=err.message, kind="reset"), 400
    except errors.DomainError as err:
        _refuse(form, err)
        member = None
    if member is None:
        return _form_page("accounts/reset.html", form)
    _log_in(member)
    flash(_("Your new password is set, and you are logged in."), "success")
    return redirect("/")


@bp.get("/verify/<token>")
def verify(token: str):
    try:
        service.verify_email(db.session, secret=_secret(), token=token, now=clock.now())
        db.session.commit()
    except errors.InvalidToken as err:
        return render_template("accounts/link_invalid.html", message=err.message, kind="verify"), 400
    flash(_("Thank you, your email address is confirmed."), "success")
    return redirect(url_for("accounts.me") if current_user.is_authenticated else "/")


@bp.post("/me/verify/resend")
@login_required
@limiter.limit("5 per hour", key_func=_member_key)
def resend_verification():
    if service.resend_verification(db.session, _me(), now=clock.now()):
        db.session.commit()
        flash(_("We sent a new link to %(email)s.", email=current_user.email), "success")
    else:
        flash(_("Your email address is already confirmed."), "success")
    return redirect(url_for("accounts.me"))


def _me_page(status: int = 200, *, new_token: tuple | None = None, **forms):
    """The settings page; a refused form comes back filled in with its errors, the others fresh."""
    forms = {
        "profile_form": ProfileForm(formdata=None, obj=_me(), prefix="profile"),
        "password_form": PasswordForm(formdata=None, prefix="password"),
        "token_form": TokenForm(formdata=None, prefix="token"),
        "delete_form": DeleteAccountForm(formdata=None, prefix="delete"),
        "privacy_form": PrivacyForm(formdata=None, obj=_me(), prefix="privacy"),
        **forms,
    }
    page = pages.get_me_page(db.session, member=_me(), now=clock.now())
    response = current_app.make_response(
        (render_template("accounts/me.html", new_token=new_token, **page, **forms), status)
    )
    response.headers["Cache-Control"] = "no-store"  # it may show a token in plain text
    return response


@bp.get("/me")
@login_required
def me():
    return _me_page()


@bp.post("/me/profile")
@login_required
def update_profile():
    form = ProfileForm(prefix="profile")
    if not forms.submit(
        form, lambda: service.update_profile(db.session, _me(), **form.values()), _refuse
    ).done:
        return _me_page(422, profile_form=form)
    session.pop("lang", None)  # the saved language now decides, not an earlier switch on a page
    flash(_("Your profile is saved."), "success")
    return redirect(url_for("accounts.me"))


@bp.post("/me/privacy")
@login_required
def update_privacy():
    form = PrivacyForm(prefix="privacy")
    if not forms.submit(
        form, lambda: service.update_privacy(db.session, _me(), **form.values()), _refuse
    ).done:
        return _me_page(422, privacy_form=form)
    flash(_("Your privacy settings are saved."), "success")
    return redirect(url_for("accounts.me", _anchor="privacy"))


@bp.get("/me/data.<any(json, csv):kind>")
@login_required
def my_data(kind: str):
    data = pages.get_my_data(db.session, member=_me(), site=web.site())
    body, mimetype = (
        (pages.my_data_csv(data), "text/csv")
        if kind == "csv"
        else (json.dumps(data, ensure_ascii=False, indent=2), "application/json")
    )
    headers = {
        "Content-Disposition": f'attachment; filename="meetups-my-data.{kind}"',
        "Cache-Control": "no-store",
    }
    return current_app.response_class(body, mimetype=mimetype, headers=headers)


@bp.post("/me/password")
@login_required
@limiter.limit(LOGIN_LIMIT, key_func=_member_key)  # a borrowed session must not guess the password
def change_password():
    form = PasswordForm(prefix="password")
    current, new = form.current_password.data, form.password.data
    if not forms.submit(
        form, lambda: service.change_password(db.session, _me(), current=current, new=new), _refuse
    ).done:
        return _me_page(422, password_form=form)
    # The session id carries a fingerprint of the password: renew ours, every other one is now void.
    _log_in(
        _me(), remember=current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies
    )
    flash(_("Your password is changed. You are logged out everywhere else."), "success")
    return redirect(url_for("accounts.me"))


@bp.post("/me/tokens")
@login_required
def create_token():
    form = TokenForm(prefix="token")
    sent = forms.submit(
        form, lambda: service.create_token(db.session, _me(), name=form.name.data, now=clock.now()), _refuse
    )
    if not sent.done:
        return _me_page(422, token_form=form)
    return _me_page(new_token=sent.result)  # shown this once; only its hash is kept


@bp.post("/me/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    service.revoke_token(db.session, _me(), token_id=token_id)
    db.session.commit()
    flash(_("The token is revoked. It stops working now."), "success")
    return redirect(url_for("accounts.me"))


@bp.post("/me/delete")
@login_required
@limiter.limit(LOGIN_LIMIT, key_func=_member_key)
def delete_account():
    form = DeleteAccountForm(prefix="delete")
    password = form.password.data
    if not forms.submit(
        form, lambda: service.delete_account(db.session, _me(), password=password, now=clock.now()), _refuse
    ).done:
        return _me_page(422, delete_form=form)
    _fresh_session()
    logout_user()
    flash(_("Your account is deleted. Goodbye, and thank you for coming along."), "success")
    return redirect("/")
