"""Organisers build the programme: one overview of every session by day, with how many members starred each
beside its room's capacity (a crowded talk moves to a bigger room before the day), and the forms for rooms,
tracks, speakers and sessions. Every page is for those who manage the event (programme.service checks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from meetups import clock, errors, forms, web
from meetups.events.models import Event
from meetups.extensions import db
from meetups.forms import ActionForm, show_error
from meetups.programme import lineup, places, service
from meetups.programme.forms import (
    LOCAL_FORMAT,
    RoomForm,
    SessionForm,
    SpeakerForm,
    TrackForm,
    kind_labels,
    level_labels,
    new_session_data,
    session_data,
    speaker_data,
)
from meetups.programme.models import ProgrammeSession, SessionKind
from meetups.programme.overview import get_overview_page

bp = Blueprint("programme_manage", __name__)
PAGE = "programme/manage/"


def _event(event_id: int) -> Event:
    return service.get_managed_event(db.session, event_id, web.me())


def _saved(message: str, event_id: int, anchor: str):
    flash(message, "success")
    return redirect(url_for(".overview", event_id=event_id, _anchor=anchor))


def _one(items: list, item_id: int | None, message: str):
    """The item of this event with that id (None for a new one); another event's is no such thing."""
    if item_id is None:
        return None
    for item in items:
        if item.id == item_id:
            return item
    raise errors.NotFound(message)


# The overview


def _elsewhere(event: Event) -> list[tuple[str, str]]:
    """The programme's other pages (the agenda members read, import and export), those the app serves."""
    pages = [
        ("programme.show_agenda", _("The agenda as members see it")),
        ("programme_exchange.import_form", _("Import from CSV")),
        ("programme_exchange.programme_csv", _("Export CSV")),
        ("programme_exchange.programme_json", _("Export JSON")),
        ("programme_exchange.schedule_xml", _("Schedule XML (for conference apps)")),
        ("programme_exchange.programme_pdf", _("Printed programme (PDF)")),
    ]
    found = current_app.view_functions
    return [(url_for(name, event_id=event.id), label) for name, label in pages if name in found]


def _overview(event: Event) -> dict[str, Any]:
    page = get_overview_page(db.session, event=event)
    return {**page, "kinds": kind_labels(), "levels": level_labels(), "elsewhere": _elsewhere(event)}


@bp.get("/e/<int:event_id>/programme")
@login_required
def overview(event_id: int):
    return render_template(PAGE + "overview.html", **_overview(_event(event_id)))


# Rooms, tracks and speakers


@bp.route("/e/<int:event_id>/programme/rooms/new", methods=["GET", "POST"])
@bp.route("/e/<int:event_id>/programme/rooms/<int:room_id>/edit", methods=["GET", "POST"])
@login_required
def room_form(event_id: int, room_id: int | None = None):
    event = _event(event_id)
    room = _one(service.list_rooms(db.session, event), room_id, _("There is no such room."))
    form = RoomForm(obj=room)
    save = places.save_room
    sent = forms.submit(
        form, lambda: save(db.session, event=event, actor=web.me(), values=form.values(), room_id=room_id)
    )
    if not sent.done:
        return render_template(PAGE + "room_form.html", event=event, form=form, room=room), sent.status
    return _saved(_("The room %(name)s is saved.", name=sent.result.name), event_id, "rooms")


@bp.route("/e/<int:event_id>/programme/tracks/new", methods=["GET", "POST"])
@bp.route("/e/<int:event_id>/programme/tracks/<int:track_id>/edit", methods=["GET", "POST"])
@login_required
def track_form(event_id: int, track_id: int | None = None):
    event = _event(event_id)
    track = _one(service.list_tracks(db.session, event), track_id, _("There is no such track."))
    form = TrackForm(obj=track)
    save = places.save_track
    sent = forms.submit(
        form, lambda: save(db.session, event=event, actor=web.me(), values=form.values(), track_id=track_id)
    )
    if not sent.done:
        return render_template(PAGE + "track_form.html", event=event, form=form, track=track), sent.status
    return _saved(_("The track %(name)s is saved.", name=sent.result.name), event_id, "tracks")


def _save_speaker(event: Event, form: SpeakerForm, speaker_id: int | None):
    return lineup.save_speaker(
        db.session, event=event, actor=web.me(), values=form.values(), now=clock.now(), speaker_id=speaker_id
    )


@bp.route("/e/<int:event_id>/programme/speakers/new", methods=["GET", "POST"])
@bp.route("/e/<int:event_id>/programme/speakers/<int:speaker_id>/edit", methods=["GET", "POST"])
@login_required
def speaker_form(event_id: int, speaker_id: int | None = None):
    event = _event(event_id)
    speaker = None if speaker_id is None else service.get_speaker(db.session, event, speaker_id)
    form = SpeakerForm(data=speaker_data(speaker) if speaker else None)
    sent = forms.submit(form, lambda: _save_speaker(event, form, speaker_id))
    if not sent.done:
        page = {"event": event, "form": form, "speaker": speaker}
        return render_template(PAGE + "speaker_form.html", **page), sent.status
    return _saved(_("%(name)s is saved.", name=sent.result.name), event_id, "speakers")


# Sessions


def _session_form(event: Event, item: ProgrammeSession | None) -> SessionForm:
    if item is not None:
        data = session_data(item, event)
        moved = request.args.get("room_id", "")  # "move to a bigger room" from the overview
        data["room_id"] = moved if moved.isdigit() else data["room_id"]
    else:
        data = new_session_data(event, request.args.get("day"), request.args.get("room_id"))
    return SessionForm(
        data=data,
        rooms=service.list_rooms(db.session, event),
        tracks=service.list_tracks(db.session, event),
        speakers=service.list_speakers(db.session, event),
    )


def _save_session(event: Event, item: ProgrammeSession | None, form: SessionForm) -> ProgrammeSession:
    values, now = form.values(), clock.now()
    if item is None:
        return service.create_session(db.session, event=event, actor=web.me(), values=values, now=now)
    return service.update_session(
        db.session, event=event, actor=web.me(), session_id=item.id, changes=values, now=now
    )


def _refused(form: SessionForm, err: errors.DomainError) -> int:
    """A clash names the session in the way: the page links to it as well."""
    other = err.details.get("session_id")
    if isinstance(other, int):
        form.clash_id = other
    return show_error(form, err)


def _session_page(event: Event, form: SessionForm, item: ProgrammeSession | None, status: int):
    bounds = {
        "min": event.local_starts_at.strftime(LOCAL_FORMAT),
        "max": event.local_ends_at.strftime(LOCAL_FORMAT),
    }
    page = {"event": event, "form": form, "item": item, "bounds": bounds, "workshop": SessionKind.workshop}
    return render_template(PAGE + "session_form.html", **page), status


def _after_session(event: Event, saved: ProgrammeSession):
    flash(_("%(title)s is saved.", title=saved.title), "success")
    if request.form.get("next") == "another":
        day = saved.local_starts_at(event.zone).date().isoformat()
        return redirect(url_for(".session_form", event_id=event.id, day=day, room_id=saved.room_id))
    return redirect(url_for(".overview", event_id=event.id, _anchor=f"session-{saved.id}"))


@bp.route("/e/<int:event_id>/programme/sessions/new", methods=["GET", "POST"])
@bp.route("/e/<int:event_id>/programme/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def session_form(event_id: int, session_id: int | None = None):
    event = _event(event_id)
    item = None if session_id is None else service.get_session(db.session, event, session_id)
    form = _session_form(event, item)
    sent = forms.submit(form, lambda: _save_session(event, item, form), on_refusal=_refused)
    if not sent.done:
        return _session_page(event, form, item, sent.status)
    return _after_session(event, sent.result)


# Deleting and cancelling: a page that says what follows, then one POST button


def _confirm(event: Event, action: Callable[[], Any], done: str, anchor: str, **page):
    form = ActionForm()
    sent = forms.submit(form, action)
    if not sent.done:
        return render_template(PAGE + "confirm.html", event=event, form=form, **page), sent.status
    return _saved(done, event.id, anchor)


@bp.route("/e/<int:event_id>/programme/rooms/<int:room_id>/delete", methods=["GET", "POST"])
@login_required
def room_delete(event_id: int, room_id: int):
    event = _event(event_id)
    room = _one(service.list_rooms(db.session, event), room_id, _("There is no such room."))
    name = room.name
    return _confirm(
        event,
        lambda: places.delete_room(db.session, event=event, actor=web.me(), room_id=room_id),
        _("The room %(name)s is deleted.", name=name),
        "rooms",
        heading=_("Delete the room %(name)s?", name=name),
        explain=[_("A room with sessions in it cannot be deleted: move its sessions to another room first.")],
        button=_("Delete the room"),
    )


@bp.route("/e/<int:event_id>/programme/tracks/<int:track_id>/delete", methods=["GET", "POST"])
@login_required
def track_delete(event_id: int, track_id: int):
    event = _event(event_id)
    track = _one(service.list_tracks(db.session, event), track_id, _("There is no such track."))
    name = track.name
    return _confirm(
        event,
        lambda: places.delete_track(db.session, event=event, actor=web.me(), track_id=track_id),
        _("The track %(name)s is deleted.", name=name),
        "tracks",
        heading=_("Delete the track %(name)s?", name=name),
        explain=[_("Its sessions stay on the programme, in no track.")],
        button=_("Delete the track"),
    )


@bp.route("/e/<int:event_id>/programme/speakers/<int:speaker_id>/delete", methods=["GET", "POST"])
@login_required
def speaker_delete(event_id: int, speaker_id: int):
    event = _event(event_id)
    name, now = service.get_speaker(db.session, event, speaker_id).name, clock.now()
    return _confirm(
        event,
        lambda: lineup.delete_speaker(
            db.session, event=event, actor=web.me(), speaker_id=speaker_id, now=now
        ),
        _("%(name)s is no longer a speaker here.", name=name),
        "speakers",
        heading=_("Delete the speaker %(name)s?", name=name),
        explain=[
            _("Their sessions stay on the programme, without them; a linked account loses the speaker role.")
        ],
        button=_("Delete the speaker"),
    )


def _followers(item: ProgrammeSession) -> int:
    return len(service.followers(db.session, item))


def _cancel_wording(item: ProgrammeSession) -> dict[str, Any]:
    """What cancelling does, and who hears of it."""
    count = _followers(item)
    told = ngettext(
        "%(num)d member starred it or holds a seat: they are told by email.",
        "%(num)d members starred it or hold a seat: they are told by email.",
        count,
    )
    return {
        "heading": _("Cancel %(title)s?", title=item.title),
        "explain": [
            _("It stays on the agenda, struck through, and calendars mark it cancelled."),
            told if count else _("Nobody has starred it or taken a seat yet."),
        ],
        "button": _("Cancel the session"),
    }


def _delete_wording(item: ProgrammeSession) -> dict[str, Any]:
    """What deleting does; a session members follow is better cancelled, so they hear of it."""
    count = _followers(item)
    followed = ngettext(
        "%(num)d member starred it or holds a seat: cancel it instead, so they hear of it.",
        "%(num)d members starred it or hold a seat: cancel it instead, so they hear of it.",
        count,
    )
    cancel = url_for(".session_cancel", event_id=item.event_id, session_id=item.id)
    return {
        "heading": _("Delete %(title)s?", title=item.title),
        "explain": [
            _("It disappears from the programme for good."),
            followed if count else _("Nobody has starred it or taken a seat yet."),
        ],
        "button": _("Delete the session"),
        "cancel_instead": None if item.is_cancelled else cancel,
    }


@bp.route("/e/<int:event_id>/programme/sessions/<int:session_id>/cancel", methods=["GET", "POST"])
@login_required
def session_cancel(event_id: int, session_id: int):
    event = _event(event_id)
    item = service.get_session(db.session, event, session_id)
    wording, now = _cancel_wording(item), clock.now()
    return _confirm(
        event,
        lambda: service.cancel_session(
            db.session, event=event, actor=web.me(), session_id=session_id, now=now
        ),
        _("%(title)s is cancelled.", title=item.title),
        f"session-{session_id}",
        **wording,
    )


@bp.route("/e/<int:event_id>/programme/sessions/<int:session_id>/delete", methods=["GET", "POST"])
@login_required
def session_delete(event_id: int, session_id: int):
    event = _event(event_id)
    item = service.get_session(db.session, event, session_id)
    wording, now = _delete_wording(item), clock.now()
    return _confirm(
        event,
        lambda: service.delete_session(
            db.session, event=event, actor=web.me(), session_id=session_id, now=now
        ),
        _("%(title)s is deleted.", title=item.title),
        "sessions",
        **wording,
    )
