"""Seats at workshops: a member going to the event registers for a session with a capacity; when it is full
they join its small line, which moves by the RSVP waitlist's own rule (rsvps.waitlist.first_that_fit) as
seats free up, until the session starts. Every change runs with the session's row locked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from meetups import errors
from meetups.accounts.models import Member
from meetups.events.models import Event
from meetups.notify import service as notify
from meetups.notify.models import Topic
from meetups.programme.models import ProgrammeSession, Registration, RegistrationStatus, SessionStatus
from meetups.rsvps import waitlist
from meetups.rsvps.models import Rsvp, RsvpStatus


class NoRegistration(errors.DomainError):
    code, status = "no_registration", 409


class NotGoing(errors.DomainError):
    code, status = "not_going", 409


@dataclass(frozen=True)
class Seats:
    capacity: int
    taken: int
    waiting: int

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.taken)


def _lock(session: Session, event: Event, session_id: int) -> ProgrammeSession:
    item = session.scalar(
        select(ProgrammeSession)
        .where(ProgrammeSession.id == session_id, ProgrammeSession.event_id == event.id)
        .with_for_update()
    )
    if item is None:
        raise errors.NotFound(_("There is no such session."))
    return item


def _mine(session: Session, item: ProgrammeSession, member: Member) -> Registration | None:
    return session.scalar(
        select(Registration).where(Registration.session_id == item.id, Registration.member_id == member.id)
    )


def seats(session: Session, session_ids: list[int]) -> dict[int, Seats]:
    """Per workshop: capacity, seats taken, people waiting (one statement for the whole agenda)."""
    if not session_ids:
        return {}
    rows = session.execute(
        select(
            ProgrammeSession.id, ProgrammeSession.capacity, Registration.status, func.count(Registration.id)
        )
        .outerjoin(
            Registration,
            (Registration.session_id == ProgrammeSession.id)
            & (Registration.status != RegistrationStatus.cancelled),
        )
        .where(ProgrammeSession.id.in_(session_ids), ProgrammeSession.capacity.is_not(None))
        .group_by(ProgrammeSession.id, ProgrammeSession.capacity, Registration.status)
    )
    found: dict[int, dict] = {}
    for sid, capacity, status, n in rows:
        entry = found.setdefault(sid, {"capacity": capacity, "taken": 0, "waiting": 0})
        if status is RegistrationStatus.going:
            entry["taken"] += n
        elif status is RegistrationStatus.waitlisted:
            entry["waiting"] += n
    return {sid: Seats(**entry) for sid, entry in found.items()}


def position(session: Session, registration: Registration) -> int | None:
    if registration.status is not RegistrationStatus.waitlisted:
        return None
    ahead = session.scalar(
        select(func.count()).where(
            Registration.session_id == registration.session_id,
            Registration.status == RegistrationStatus.waitlisted,
            Registration.waitlist_rank < registration.waitlist_rank,
        )
    )
    return (ahead or 0) + 1


def my_registrations(session: Session, event: Event, member: Member | None) -> dict[int, Registration]:
    if member is None or not member.is_authenticated:
        return {}
    rows = session.scalars(
        select(Registration)
        .join(ProgrammeSession, ProgrammeSession.id == Registration.session_id)
        .where(
            ProgrammeSession.event_id == event.id,
            Registration.member_id == member.id,
            Registration.status != RegistrationStatus.cancelled,
        )
    )
    return {r.session_id: r for r in rows}


def register(
    session: Session, *, event: Event, session_id: int, member: Member, now: datetime
) -> Registration:
    """Take a seat at the workshop, or a place in its line; registering again changes nothing."""
    if member is None or not member.is_authenticated:
        raise errors.LoginRequired(_("Please log in first."))
    item = _lock(session, event, session_id)
    if not item.takes_registrations:
        raise NoRegistration(_("This session takes no registrations: just come."))
    if item.status is SessionStatus.cancelled:
        raise errors.InvalidState(_("This session is cancelled."))
    if now >= item.starts_at:
        raise errors.RsvpClosed(_("The session has started; registration is over."))
    going = session.scalar(
        select(Rsvp.id).where(
            Rsvp.event_id == event.id, Rsvp.member_id == member.id, Rsvp.status == RsvpStatus.going
        )
    )
    if going is None:
        raise NotGoing(_("Workshop seats are for people going to the event: RSVP to the event first."))
    registration = _mine(session, item, member)
    if registration is not None and registration.status is not RegistrationStatus.cancelled:
        return registration
    taken = seats(session, [item.id])[item.id]
    if taken.free > 0 and not taken.waiting:
        status, rank = RegistrationStatus.going, None
    else:
        last = session.scalar(
            select(func.max(Registration.waitlist_rank)).where(Registration.session_id == item.id)
        )
        status, rank = RegistrationStatus.waitlisted, (last or 0) + 1
    if registration is None:
        registration = Registration(session_id=item.id, member_id=member.id, created_at=now)
        session.add(registration)
    registration.status, registration.waitlist_rank = status, rank
    registration.updated_at = now
    session.flush()
    return registration


def unregister(
    session: Session, *, event: Event, session_id: int, member: Member, now: datetime
) -> Registration:
    """Give the seat (or the place in line) back; the line moves at once."""
    if member is None or not member.is_authenticated:
        raise errors.LoginRequired(_("Please log in first."))
    item = _lock(session, event, session_id)
    registration = _mine(session, item, member)
    if registration is None or registration.status is RegistrationStatus.cancelled:
        raise errors.NotFound(_("You are not registered for this session."))
    _leave(registration, now)
    session.flush()
    move_line(session, event, item, now)
    return registration


def _leave(registration: Registration, now: datetime) -> None:
    registration.status, registration.waitlist_rank = RegistrationStatus.cancelled, None
    registration.updated_at = now


def move_line(session: Session, event: Event, item: ProgrammeSession, now: datetime) -> list[Registration]:
    """Seat who is next, by the waitlist's rule, and tell them; the line stops when the session starts."""
    if now >= item.starts_at or item.status is SessionStatus.cancelled or item.capacity is None:
        return []
    taken = seats(session, [item.id])[item.id]
    line = session.scalars(
        select(Registration)
        .where(Registration.session_id == item.id, Registration.status == RegistrationStatus.waitlisted)
        .order_by(Registration.waitlist_rank, Registration.id)
    )
    moved = waitlist.first_that_fit(taken.free, ((r, 1) for r in line))
    for registration in moved:
        registration.status, registration.waitlist_rank, registration.updated_at = (
            RegistrationStatus.going,
            None,
            now,
        )
        notify.queue(
            session,
            to=registration.member,
            kind="workshop_seat",
            topic=Topic.rsvps,
            now=now,
            event_id=event.id,
            session_id=item.id,
        )
    session.flush()
    return moved


def on_seat_left(rsvp: Rsvp, *, session: Session, now: datetime, **_details) -> None:
    """A member no longer going to the event gives back their workshop seats, and the lines move."""
    held = list(
        session.scalars(
            select(Registration)
            .join(ProgrammeSession, ProgrammeSession.id == Registration.session_id)
            .where(
                ProgrammeSession.event_id == rsvp.event_id,
                Registration.member_id == rsvp.member_id,
                Registration.status != RegistrationStatus.cancelled,
            )
        )
    )
    if not held:
        return
    event = session.get(Event, rsvp.event_id)
    for registration in held:
        _leave(registration, now)
    session.flush()
    for registration in held:
        move_line(session, event, _lock(session, event, registration.session_id), now)
