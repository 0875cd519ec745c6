"""The programme's rooms and tracks: names unique per event; a room stays while sessions are planned in it."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from meetups import errors
from meetups.accounts.models import Member
from meetups.events import service as events
from meetups.events.models import Event
from meetups.programme import fields as check
from meetups.programme.models import ProgrammeSession, Room, Track
from meetups.programme.service import get_room, get_track


class RoomInUse(errors.DomainError):
    code, status = "room_in_use", 409


def _unique_name(
    session: Session, model, event: Event, name: str, exclude_id: int | None, message: str
) -> None:
    query = select(model.id).where(model.event_id == event.id, func.lower(model.name) == name.lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    if session.scalar(query) is not None:
        raise errors.InvalidInput(message, field="name")


def save_room(
    session: Session, *, event: Event, actor: Member, values: dict, room_id: int | None = None
) -> Room:
    events.ensure_can(session, actor, event, "manage")
    cleaned = check.room_fields(values)
    _unique_name(
        session, Room, event, cleaned["name"], room_id, _("This event already has a room of that name.")
    )
    room = Room(event_id=event.id) if room_id is None else get_room(session, event, room_id)
    for name, value in cleaned.items():
        setattr(room, name, value)
    session.add(room)
    session.flush()
    return room


def delete_room(session: Session, *, event: Event, actor: Member, room_id: int) -> None:
    events.ensure_can(session, actor, event, "manage")
    room = get_room(session, event, room_id)
    if session.scalar(select(func.count()).where(ProgrammeSession.room_id == room.id)):
        raise RoomInUse(_("Sessions are still planned in %(room)s: move them first.", room=room.name))
    session.delete(room)
    session.flush()


def save_track(
    session: Session, *, event: Event, actor: Member, values: dict, track_id: int | None = None
) -> Track:
    events.ensure_can(session, actor, event, "manage")
    cleaned = check.track_fields(values)
    _unique_name(
        session, Track, event, cleaned["name"], track_id, _("This event already has a track of that name.")
    )
    track = Track(event_id=event.id) if track_id is None else get_track(session, event, track_id)
    for name, value in cleaned.items():
        setattr(track, name, value)
    session.add(track)
    session.flush()
    return track


def delete_track(session: Session, *, event: Event, actor: Member, track_id: int) -> None:
    """Its sessions stay, in no track."""
    events.ensure_can(session, actor, event, "manage")
    session.delete(get_track(session, event, track_id))
    session.flush()
