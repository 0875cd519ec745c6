"""The programme for attendees: the agenda by day, a page per session and per speaker, my schedule, and the
buttons that star a session or take a seat at a workshop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from meetups import clock, errors, web
from meetups.extensions import db
from meetups.forms import ActionForm
from meetups.programme import agenda, registrations, schedule
from meetups.programme import service as programme
from meetups.programme.forms import kind_labels, level_labels
from meetups.programme.models import Registration, RegistrationStatus

bp = Blueprint("programme", __name__)


@bp.app_template_global("programme_has_sessions")
def _has_sessions(event) -> bool:
    """For the event page's link to its programme."""
    return agenda.has_programme(db.session, event)


def language_name(tag: str) -> str:
    """ "English" for "en", in the reader's language; the tag itself when Babel does not know it."""
    try:
        name = Locale.parse(tag.replace("-", "_")).get_display_name(str(get_locale() or "en"))
    except (ValueError, UnknownLocaleError):
        name = None
    return name[:1].upper() + name[1:] if name else tag


def _page(template: str, **context: Any) -> str:
    return render_template(
        template,
        form=ActionForm(formdata=None),
        kinds=kind_labels(),
        levels=level_labels(),
        language_name=language_name,
        here=request.full_path.rstrip("?"),
        **context,
    )


@bp.get("/e/<int:event_id>/agenda")
def show_agenda(event_id: int):
    page = agenda.get_agenda(
        db.session, event_id=event_id, viewer=web.me(), now=clock.now(), filters=request.args
    )
    return _page("programme/agenda.html", agenda=page, event=page.event)


@bp.get("/e/<int:event_id>/sessions/<int:session_id>")
def show_session(event_id: int, session_id: int):
    page = agenda.get_session_page(
        db.session, event_id=event_id, session_id=session_id, viewer=web.me(), now=clock.now()
    )
    return _page("programme/session.html", page=page, event=page.event, item=page.item)


@bp.get("/e/<int:event_id>/speakers/<int:speaker_id>")
def show_speaker(event_id: int, speaker_id: int):
    page = agenda.get_speaker_page(db.session, event_id=event_id, speaker_id=speaker_id, viewer=web.me())
    return _page("programme/speaker.html", page=page, event=page.event, speaker=page.speaker)


@bp.get("/e/<int:event_id>/schedule")
@login_required
def my_schedule(event_id: int):
    page = agenda.get_my_schedule(db.session, event_id=event_id, viewer=web.me(), now=clock.now())
    return _page("programme/schedule.html", page=page, event=page.event)


# Buttons


def _back(event_id: int, session_id: int):
    """To the page the button was on (the agenda, the session, my schedule), at the session's place."""
    target = request.form.get("next", "")
    if not target.startswith(f"/e/{event_id}/") or "//" in target or "\\" in target:
        target = url_for(".show_session", event_id=event_id, session_id=session_id)
    return redirect(f"{target}#session-{session_id}")


def _act(event_id: int, session_id: int, action: Callable[[Any], Any], said: Callable[[Any], str]):
    """Check the button's CSRF token (the app's CSRFProtect refuses a missing one first), run the one service
    call and commit; a refusal is flashed on the page the button was on."""
    if not ActionForm().validate_on_submit():
        flash(_("The form expired; please try again."), "error")
        return _back(event_id, session_id)
    event = programme.get_event(db.session, event_id, web.me())
    programme.get_session(db.session, event, session_id)  # no such event or session: a 404 page
    try:
        result = action(event)
    except errors.DomainError as err:
        db.session.rollback()
        flash(err.message, "error")
        return _back(event_id, session_id)
    web.commit()
    flash(said(result), "success")
    return _back(event_id, session_id)


def _seat_message(registration: Registration) -> str:
    if registration.status is RegistrationStatus.going:
        return _("You have a seat at this workshop.")
    place = registrations.position(db.session, registration)
    return _(
        "The workshop is full: you are number %(n)d in line. We will tell you when a seat frees.", n=place
    )


@bp.post("/e/<int:event_id>/sessions/<int:session_id>/star")
@login_required
def star(event_id: int, session_id: int):
    def action(event):
        return schedule.star(db.session, event=event, session_id=session_id, member=web.me(), now=clock.now())

    return _act(event_id, session_id, action, lambda _r: _("Added to your schedule."))


@bp.post("/e/<int:event_id>/sessions/<int:session_id>/unstar")
@login_required
def unstar(event_id: int, session_id: int):
    def action(event):
        return schedule.unstar(db.session, event=event, session_id=session_id, member=web.me())

    return _act(event_id, session_id, action, lambda _r: _("Removed from your schedule."))


@bp.post("/e/<int:event_id>/sessions/<int:session_id>/register")
@login_required
def register(event_id: int, session_id: int):
    def action(event):
        now = clock.now()
        return registrations.register(
            db.session, event=event, session_id=session_id, member=web.me(), now=now
        )

    return _act(event_id, session_id, action, _seat_message)


@bp.post("/e/<int:event_id>/sessions/<int:session_id>/unregister")
@login_required
def unregister(event_id: int, session_id: int):
    def action(event):
        now = clock.now()
        return registrations.unregister(
            db.session, event=event, session_id=session_id, member=web.me(), now=now
        )

    return _act(event_id, session_id, action, lambda _r: _("You are no longer registered for this workshop."))
