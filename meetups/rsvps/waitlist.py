"""Seats and the waitlist: how many seats are taken, who is next, and moving the line when seats free up.

Every function here runs with the event row locked (rsvps.service.lock_event), so two requests never hand
out the same seat or the same waitlist place.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from blinker import Namespace
from sqlalchemy import exists, func, select, tuple_
from sqlalchemy.orm import Session, object_session

from meetups.events.models import Event, EventStaff, WaitlistMode
from meetups.notify import service as notify
from meetups.notify.models import Topic
from meetups.rsvps import tickets
from meetups.rsvps.models import SEATED, Rsvp, RsvpLog, RsvpStatus

T = TypeVar("T")
#: an RSVP that held a seat no longer does (cancelled, declined, the event called off): sent with `session=`
#: and `now=` inside the action's transaction, for the domains built on seats (create_app subscribes them)
seat_left = Namespace().signal("rsvp-seat-left")


@dataclass(frozen=True)
class Promotion:
    rsvp: Rsvp
    status: RsvpStatus  # going (auto) or offered


def _seat_exempt(event_ids: list[int]):
    """(event, member) pairs of staff whose own RSVP takes no attendee seat: no staff role of theirs at that
    event says it should. The one definition of "seat-exempt", for the RSVP service and for every count."""
    in_events = EventStaff.event_id.in_(event_ids)
    seated = select(EventStaff.event_id, EventStaff.member_id).where(in_events, EventStaff.takes_seat)
    return select(EventStaff.event_id, EventStaff.member_id).where(
        in_events,
        ~EventStaff.takes_seat,
        tuple_(EventStaff.event_id, EventStaff.member_id).not_in(seated),
    )


def _seats_held(event_ids: list[int]):
    """Seats held by the parties counted: member and guests, less the members who are seat-exempt staff."""
    exempt = tuple_(Rsvp.event_id, Rsvp.member_id).in_(_seat_exempt(event_ids))
    return func.coalesce(func.sum(Rsvp.guests + 1), 0) - func.count().filter(exempt)


def _seats_taken_query(event: Event):
    return select(_seats_held([event.id])).where(Rsvp.event_id == event.id, Rsvp.status.in_(SEATED))


def seats_taken(session: Session, event: Event) -> int:
    """Seats held by going and offered parties (member + guests); seat-exempt staff count only guests."""
    return session.scalar(_seats_taken_query(event)) or 0


def room(session: Session, event: Event, member_id: int) -> tuple[int | None, bool]:
    """Free seats (None: no limit) and whether this member is seat-exempt staff, in one round trip."""
    exempt = exists(_seat_exempt([event.id]).where(EventStaff.member_id == member_id))
    if event.admits is None:
        return None, bool(session.scalar(select(exempt)))
    taken, is_exempt = session.execute(select(_seats_taken_query(event).scalar_subquery(), exempt)).one()
    return max(0, event.admits - (taken or 0)), bool(is_exempt)


def seat_exempt_members(session: Session, event: Event) -> set[int]:
    return {member_id for _event_id, member_id in session.execute(_seat_exempt([event.id]))}


def seats_needed(exempt: set[int], member_id: int, guests: int) -> int:
    """The seats a party takes: its guests, and the member unless they are seat-exempt staff."""
    return guests + (0 if member_id in exempt else 1)


def seats_free(session: Session, event: Event) -> int | None:
    """None when the event has no limit; overbooking counts as seats. Never below zero: lowering capacity
    removes nobody."""
    if event.admits is None:
        return None
    return max(0, event.admits - seats_taken(session, event))


def next_rank(session: Session, event: Event) -> int:
    return (session.scalar(select(func.max(Rsvp.waitlist_rank)).where(Rsvp.event_id == event.id)) or 0) + 1


def position(session: Session, rsvp: Rsvp) -> int | None:
    """1 for the first in line; None when not waitlisted."""
    if rsvp.status is not RsvpStatus.waitlisted or rsvp.waitlist_rank is None:
        return None
    ahead = session.scalar(
        select(func.count()).where(
            Rsvp.event_id == rsvp.event_id,
            Rsvp.status == RsvpStatus.waitlisted,
            Rsvp.waitlist_rank < rsvp.waitlist_rank,
        )
    )
    return (ahead or 0) + 1


def offer_hold(event: Event, now: datetime) -> timedelta | None:
    """None in automatic mode; else how long an offered seat is held (shorter close to the start)."""
    late = event.offer_cutover_hours is not None and now >= event.starts_at - timedelta(
        hours=event.offer_cutover_hours
    )
    if late:
        return timedelta(hours=event.late_offer_hours)
    if event.waitlist_mode is WaitlistMode.offer:
        return timedelta(hours=event.offer_hours)
    return None


def log(
    session: Session, rsvp: Rsvp, action: str, now: datetime, actor_id: int | None = None, detail: str = ""
) -> None:
    session.add(
        RsvpLog(
            event_id=rsvp.event_id, rsvp_id=rsvp.id, actor_id=actor_id, action=action, detail=detail, at=now
        )
    )


def seat(rsvp: Rsvp, now: datetime) -> None:
    """Make the RSVP `going`, with a fresh ticket (a ticket voided earlier stays void)."""
    if rsvp.status is not RsvpStatus.going:
        rsvp.ticket_code = tickets.new_code()
        rsvp.seated_at = now
    rsvp.status, rsvp.offer_expires_at, rsvp.waitlist_rank = RsvpStatus.going, None, None
    rsvp.updated_at = now


def unseat(rsvp: Rsvp, status: RsvpStatus, now: datetime, reason: str = "") -> None:
    """Leave the seat (or the line). The ticket code stays on record but is void: the door answers
    "cancelled" for it instead of "unknown". Leaving a seat is news to the domains above (a workshop seat
    goes with it)."""
    if rsvp.status is RsvpStatus.going and status is not RsvpStatus.going:
        seat_left.send(rsvp, session=object_session(rsvp), now=now)
    rsvp.status, rsvp.offer_expires_at = status, None
    if status is not RsvpStatus.waitlisted:
        rsvp.waitlist_rank = None
    rsvp.end_reason, rsvp.updated_at = reason, now


def expire_offers(session: Session, event: Event, now: datetime) -> list[Rsvp]:
    """Offers nobody claimed in time end, and their members are told; the seats pass on (the caller
    promotes)."""
    expired = list(
        session.scalars(
            select(Rsvp).where(
                Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.offered, Rsvp.offer_expires_at <= now
            )
        )
    )
    for rsvp in expired:
        unseat(rsvp, RsvpStatus.cancelled, now, reason="offer_expired")
        log(session, rsvp, "offer_expired", now)
        tell(session, rsvp, "rsvp_offer_expired", now)
    session.flush()
    return expired


def first_that_fit(free: int | None, line: Iterable[tuple[T, int]]) -> list[T]:
    """The waitlist's rule, for every line there is (an event's RSVPs, a workshop's registrations): in line
    order, each party (with the seats it needs) that fits the free seats moves up; one that does not fit keeps
    its place and those behind it may pass (None: no limit)."""
    chosen: list[T] = []
    for party, needed in line:
        if free is not None and free <= 0:
            break
        if free is not None and needed > free:
            continue
        chosen.append(party)
        if free is not None:
            free -= needed
    return chosen


def promote(session: Session, event: Event, now: datetime) -> list[Promotion]:
    """Fill free seats from the waitlist, first come first served, skipping parties that don't fit (they keep
    their place). Automatic mode seats them; offer mode (or close to the start) holds the seat for them."""
    expire_offers(session, event, now)
    if not event.is_rsvp_open(now) or event.has_ended(now):
        return []  # the waitlist stops moving when RSVPs close
    free = seats_free(session, event)
    hold = offer_hold(event, now)
    promoted: list[Promotion] = []
    exempt = seat_exempt_members(session, event)
    line = session.scalars(
        select(Rsvp)
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.waitlisted)
        .order_by(Rsvp.waitlist_rank, Rsvp.id)
    )
    parties = ((rsvp, seats_needed(exempt, rsvp.member_id, rsvp.guests)) for rsvp in line)
    for rsvp in first_that_fit(free, parties):
        if hold is None:
            seat(rsvp, now)
        else:
            rsvp.status, rsvp.waitlist_rank, rsvp.updated_at = RsvpStatus.offered, None, now
            rsvp.offer_expires_at = min(now + hold, event.rsvp_closes())
        log(session, rsvp, "promoted" if hold is None else "offered", now)
        promoted.append(Promotion(rsvp, rsvp.status))
    session.flush()
    return promoted


def waitlist_counts(session: Session, event_ids: list[int]) -> dict[int, dict[str, int]]:
    """For lists: per event, seats taken and people waiting, in one query."""
    rows = session.execute(
        select(Rsvp.event_id, Rsvp.status, func.count(), _seats_held(event_ids))
        .where(
            Rsvp.event_id.in_(event_ids),
            Rsvp.status.in_([*SEATED, RsvpStatus.waitlisted, RsvpStatus.pending]),
        )
        .group_by(Rsvp.event_id, Rsvp.status)
    )
    counts = {eid: {"going": 0, "seats": 0, "waitlisted": 0, "pending": 0} for eid in event_ids}
    for event_id, status, n, seats in rows:
        entry = counts[event_id]
        if status in SEATED:
            entry["going"] += n if status is RsvpStatus.going else 0
            entry["seats"] += seats or 0
        else:
            entry[status.value] += n
    return counts


def tell(session: Session, rsvp: Rsvp, kind: str, now: datetime, **params: object) -> None:
    """Mail the member what happened to their RSVP (templates/email/<kind>.txt), among their RSVP updates."""
    notify.queue(
        session,
        to=rsvp.member,
        kind=kind,
        topic=Topic.rsvps,
        now=now,
        rsvp_id=rsvp.id,
        event_id=rsvp.event_id,
        **params,
    )


def tell_promoted(session: Session, promotions: list[Promotion], now: datetime) -> None:
    for p in promotions:
        tell(session, p.rsvp, "rsvp_promoted" if p.status is RsvpStatus.going else "rsvp_offered", now)


def move_line(session: Session, event: Event, now: datetime) -> None:
    """After anything that may free seats: promote (or offer) and tell those who moved up."""
    tell_promoted(session, promote(session, event, now), now)
