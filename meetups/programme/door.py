"""Check-in at a session's door, from the event's scanner: the volunteer picks the room, and each scan of an
event ticket answers for the session on in that room now (or about to start). Who may scan is the event
door's rule (checkin.door), and a ticket is read as the door reads it (checkin.service.Ticket).

A room scan does not check the person in at the entrance. The entrance counts who came into the building:
its arrivals per 15 minutes, its guests admitted, its undo and the offline list every door phone keeps all
rest on CheckIn rows made by the entrance's scanners. A room scan made into one would admit guests nobody
saw, put a hall's queue into the arrivals curve and change the offline phones' lists behind their backs.
The two counts answer two questions (how many came; how many sat in this talk) and stay apart."""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload

from meetups import errors
from meetups.checkin.door import Scanner, get_scannable_event
from meetups.checkin.service import CLIENT_ID_RE, Ticket
from meetups.events.models import Event
from meetups.extensions import begin_write
from meetups.programme import service as programme
from meetups.programme.models import (
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    Room,
    SessionCheckIn,
    SessionKind,
    SessionStatus,
)
from meetups.rsvps.models import Rsvp, RsvpStatus

#: a session this close to its start takes its room's scans (people queue at the door before it starts)
EARLY = timedelta(minutes=15)


class NoSessionNow(errors.DomainError):
    code, status = "no_session_now", 409


class RoomResult(enum.StrEnum):
    ok = "ok"
    already_checked_in = "already_checked_in"
    unknown_ticket = "unknown_ticket"
    wrong_event = "wrong_event"
    not_confirmed = "not_confirmed"  # waitlisted, pending or offered at the event
    cancelled = "cancelled"  # the RSVP (or the whole event)
    not_registered = "not_registered"  # a workshop with seats, and this member holds none
    session_cancelled = "session_cancelled"


@dataclass
class RoomOutcome:
    result: RoomResult
    room: Room
    item: ProgrammeSession
    client_scan_id: str
    rsvp: Rsvp | None = None
    checkin: SessionCheckIn | None = None
    other_event: Event | None = None
    #: people checked in to the session so far
    checked_in: int = 0
    replayed: bool = False

    @property
    def capacity(self) -> int | None:
        return capacity_of(self.item, self.room)


def capacity_of(item: ProgrammeSession | None, room: Room) -> int | None:
    """What a room's count is held against: a workshop's seats, else the room's size (None: not known)."""
    return item.capacity if item is not None and item.capacity is not None else room.capacity


# Which session a room is scanning for


def _candidates(session: Session, room: Room, now: datetime) -> list[ProgrammeSession]:
    """The room's sessions running now or starting within EARLY; breaks take no attendance."""
    return list(
        session.scalars(
            select(ProgrammeSession)
            .where(
                ProgrammeSession.room_id == room.id,
                ProgrammeSession.kind != SessionKind.break_,
                ProgrammeSession.starts_at <= now + EARLY,
                ProgrammeSession.ends_at > now,
            )
            .order_by(ProgrammeSession.starts_at.desc(), ProgrammeSession.id)
        )
    )


def current_session(session: Session, room: Room, now: datetime) -> ProgrammeSession | None:
    """The session a scan in this room is for: the one running now, except that one starting within 15
    minutes takes over (in the last minutes of a talk the queue at the door is for the next one: scanned
    into the talk that is ending, a queue for a workshop would be refused). A cancelled session answers
    only when nothing scheduled is on: its replacement in the same slot wins."""
    found = _candidates(session, room, now)
    scheduled = [item for item in found if item.status is SessionStatus.scheduled]
    return (scheduled or found or [None])[0]


def next_session(session: Session, room: Room, now: datetime) -> ProgrammeSession | None:
    """The room's next scheduled session after the current window, for "nothing on now"."""
    return session.scalar(
        select(ProgrammeSession)
        .where(
            ProgrammeSession.room_id == room.id,
            ProgrammeSession.kind != SessionKind.break_,
            ProgrammeSession.status == SessionStatus.scheduled,
            ProgrammeSession.starts_at > now + EARLY,
        )
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
        .limit(1)
    )


def _room(session: Session, event: Event, room_id: Any) -> Room:
    room = session.get(Room, room_id) if isinstance(room_id, int) else None
    if room is None or room.event_id != event.id:
        raise errors.NotFound(_("There is no such room."))
    return room


def _session_now(session: Session, room: Room, now: datetime) -> ProgrammeSession:
    item = current_session(session, room, now)
    if item is None:
        upcoming = next_session(session, room, now)
        raise NoSessionNow(
            _("Nothing is on in %(room)s now or in the next 15 minutes.", room=room.name),
            room=room.name,
            next=session_json(upcoming) if upcoming else None,
        )
    return item


def session_json(item: ProgrammeSession) -> dict[str, Any]:
    return {
        "id": item.id,
        "title": item.title,
        "starts_at": item.starts_at.isoformat(),
        "ends_at": item.ends_at.isoformat(),
        "status": item.status.value,
    }


# Scanning


def _client_id(value: Any) -> str:
    if value is None or value == "":
        return "server-" + secrets.token_hex(8)
    if not isinstance(value, str) or not CLIENT_ID_RE.match(value):
        raise errors.InvalidInput(
            _("client_scan_id must be 1–64 letters, digits or - _ . :"), field="client_scan_id"
        )
    return value


def _count(session: Session, item: ProgrammeSession) -> int:
    return (
        session.scalar(select(func.count(SessionCheckIn.id)).where(SessionCheckIn.session_id == item.id)) or 0
    )


def _replayed(session: Session, room: Room, rsvp: Rsvp, client_scan_id: str) -> RoomOutcome | None:
    """A scan sent again (a retry after a lost answer): the answer it had, nothing changed, even when the
    room has moved on to its next session. Only admissions leave a row; a refusal sent again is simply
    decided again. Looked up by the ticket's RSVP (indexed), which a replay names again."""
    checkin = session.scalar(
        select(SessionCheckIn).where(
            SessionCheckIn.rsvp_id == rsvp.id, SessionCheckIn.client_scan_id == client_scan_id
        )
    )
    item = session.get(ProgrammeSession, checkin.session_id) if checkin else None
    if item is None or item.event_id != room.event_id:
        return None
    return RoomOutcome(
        RoomResult.ok,
        room,
        item,
        client_scan_id,
        rsvp,
        checkin,
        checked_in=_count(session, item),
        replayed=True,
    )


def _find(session: Session, event: Event, ticket: Ticket) -> Rsvp | None:
    """The RSVP a scan names, locked until the commit, as at the entrance: a code of any event (the door
    says which), an RSVP id of this event only (the name search)."""
    if ticket.code is None and ticket.rsvp_id is None:
        return None
    query = select(Rsvp).options(joinedload(Rsvp.member, innerjoin=True)).with_for_update(of=Rsvp)
    if ticket.code is not None:
        return session.scalar(query.where(Rsvp.ticket_code == ticket.code))
    return session.scalar(
        query.where(Rsvp.id == ticket.rsvp_id, Rsvp.event_id == event.id, Rsvp.ticket_code.is_not(None))
    )


def _refusal(session: Session, event: Event, item: ProgrammeSession, rsvp: Rsvp | None) -> RoomResult | None:
    if item.is_cancelled:
        return RoomResult.session_cancelled
    if rsvp is None:
        return RoomResult.unknown_ticket
    if rsvp.event_id != event.id:
        return RoomResult.wrong_event
    if rsvp.status in (RsvpStatus.cancelled, RsvpStatus.declined) or event.is_cancelled:
        return RoomResult.cancelled
    if rsvp.status is not RsvpStatus.going:
        return RoomResult.not_confirmed
    if item.takes_registrations:
        seat = session.scalar(
            select(Registration.id).where(
                Registration.session_id == item.id,
                Registration.member_id == rsvp.member_id,
                Registration.status == RegistrationStatus.going,
            )
        )
        if seat is None:
            return RoomResult.not_registered
    return None


def _existing(session: Session, item: ProgrammeSession, rsvp: Rsvp) -> SessionCheckIn | None:
    return session.scalar(
        select(SessionCheckIn).where(SessionCheckIn.session_id == item.id, SessionCheckIn.rsvp_id == rsvp.id)
    )


def _admit(
    session: Session, item: ProgrammeSession, rsvp: Rsvp, scanner: Scanner, client_scan_id: str, now: datetime
) -> tuple[SessionCheckIn, bool]:
    """The check-in row, and whether this scan made it. Two scanners at one door racing with one ticket:
    the unique (session, RSVP) keeps one row, the other scan finds it."""
    dialect_insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    # RETURNING says whether this insert made the row: an ORM-enabled insert's rowcount is -1 on PostgreSQL
    made = session.scalar(
        dialect_insert(SessionCheckIn)
        .values(
            session_id=item.id,
            rsvp_id=rsvp.id,
            client_scan_id=client_scan_id,
            checked_in_at=now,
            scanned_by_id=scanner.member.id if scanner.member else None,
        )
        .on_conflict_do_nothing(index_elements=["session_id", "rsvp_id"])
        .returning(SessionCheckIn.id)
    )
    return _existing(session, item, rsvp), made is not None


def check_in_session(
    session: Session,
    *,
    event_id: int,
    room_id: int,
    scanner: Scanner,
    text: Any = None,
    rsvp_id: Any = None,
    client_scan_id: Any = None,
    now: datetime,
) -> RoomOutcome:
    """Answer one scan in a room for the session on there now: ok, already_checked_in (with when), or why
    not. A replayed client scan id answers as the first time; nobody is counted twice in one session. When
    nothing is on in the room, NoSessionNow (naming the room and what is next)."""
    event = get_scannable_event(session, event_id, scanner, now)
    room = _room(session, event, room_id)
    client_scan_id = _client_id(client_scan_id)
    ticket = Ticket.read(text, rsvp_id)
    begin_write(session)  # who may scan was read first; from the replay check on, one writing transaction
    rsvp = _find(session, event, ticket)
    if rsvp is not None and (replay := _replayed(session, room, rsvp, client_scan_id)) is not None:
        return replay
    item = _session_now(session, room, now)
    outcome = RoomOutcome(RoomResult.ok, room, item, client_scan_id, rsvp)
    if (refused := _refusal(session, event, item, rsvp)) is not None:
        outcome.result = refused
        if refused is RoomResult.wrong_event:
            outcome.other_event, outcome.rsvp = rsvp.event, None
    elif (live := _existing(session, item, rsvp)) is not None:
        outcome.result, outcome.checkin = RoomResult.already_checked_in, live
    else:
        outcome.checkin, made = _admit(session, item, rsvp, scanner, client_scan_id, now)
        if not made and outcome.checkin.client_scan_id != client_scan_id:
            outcome.result = RoomResult.already_checked_in
        outcome.replayed = not made and outcome.result is RoomResult.ok
    outcome.checked_in = _count(session, item)
    return outcome


# What the room's scanner reads


def list_rooms_for_scanner(session: Session, *, event_id: int, scanner: Scanner, now: datetime) -> list[Room]:
    """The rooms a scanner may pick (for the same people as the event's door), left to right as on the
    agenda; none for an event without a programme."""
    event = get_scannable_event(session, event_id, scanner, now)
    return programme.list_rooms(session, event)


def room_stats(
    session: Session, *, event_id: int, room_id: int, scanner: Scanner, now: datetime
) -> dict[str, Any]:
    """The room now: its session (or None, with the next one), people checked in to it, the capacity that
    counts (a workshop's seats, else the room's) and, for a workshop, the seats taken."""
    event = get_scannable_event(session, event_id, scanner, now)
    room = _room(session, event, room_id)
    item = current_session(session, room, now)
    upcoming = next_session(session, room, now) if item is None else None
    registered = None
    if item is not None and item.takes_registrations:
        registered = session.scalar(
            select(func.count(Registration.id)).where(
                Registration.session_id == item.id, Registration.status == RegistrationStatus.going
            )
        )
    return {
        "room": {"id": room.id, "name": room.name, "capacity": room.capacity},
        "session": session_json(item) if item else None,
        "next": session_json(upcoming) if upcoming else None,
        "checked_in": _count(session, item) if item else 0,
        "capacity": capacity_of(item, room),
        "registered": registered,
    }
