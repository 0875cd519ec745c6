"""RSVPs: what members and organisers do. Seats and the line itself live in rsvps.waitlist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, joinedload

from meetups import errors
from meetups.accounts.models import Member
from meetups.events import service as events
from meetups.events.models import Event, EventStatus, RsvpMode, RsvpWindow
from meetups.notify import jobs
from meetups.notify import service as notify
from meetups.notify.models import Topic
from meetups.rsvps import questions, waitlist
from meetups.rsvps.models import ACTIVE, Rsvp, RsvpStatus

#: requests arriving within this of each other reach each organiser as one mail
APPROVAL_BATCH = timedelta(minutes=15)


@dataclass(frozen=True)
class RsvpView:
    """An RSVP as its member sees it: with the waitlist position worked out."""

    rsvp: Rsvp
    position: int | None


def lock_event(session: Session, event_id: int) -> Event:
    """Load the event and hold its row until commit: concurrent RSVPs for it queue here (PostgreSQL
    SELECT … FOR UPDATE; SQLite already serialises writers with BEGIN IMMEDIATE)."""
    event = session.get(Event, event_id, with_for_update=True, populate_existing=True)
    if event is None or event.status is EventStatus.draft:
        raise errors.NotFound(_("There is no such event."))
    return event


def _ensure_can_rsvp(event: Event, now: datetime) -> None:
    window = event.rsvp_window(now)
    if window is RsvpWindow.cancelled:
        raise errors.EventCancelled(_("This event was cancelled."))
    if window is RsvpWindow.not_open_yet:
        raise errors.RsvpNotOpen(
            _("RSVPs for this event have not opened yet."), opens_at=event.rsvp_opens_at.isoformat()
        )
    if window is not RsvpWindow.open:
        raise errors.RsvpClosed(_("RSVPs for this event are closed."))


def _check_guests(event: Event, guests: Any) -> int:
    if isinstance(guests, bool) or not isinstance(guests, int) or guests < 0:  # JSON can send anything
        raise errors.InvalidInput(_("Guests must be a whole number, 0 or more."), field="guests")
    if guests > event.max_guests:
        message = (
            _("This event does not allow guests.")
            if event.max_guests == 0
            else ngettext(
                "You can bring at most %(num)d guest.",
                "You can bring at most %(num)d guests.",
                event.max_guests,
            )
        )
        raise errors.TooManyGuests(message, limit=event.max_guests, field="guests")
    return guests


def _get_mine(session: Session, event: Event, member: Member) -> Rsvp | None:
    return session.scalar(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.member_id == member.id))


def fits(session: Session, event: Event, member_id: int, guests: int, *, holding: int | None = None) -> bool:
    """Whether the member's party with `guests` fits; `holding` is the guest count of a party that already
    holds seats (going, or offered), whose seats count as free for it."""
    free, exempt = waitlist.room(session, event, member_id)
    member_seat = 0 if exempt else 1
    held = 0 if holding is None else holding + member_seat
    return free is None or guests + member_seat <= free + held


def join_line(session: Session, event: Event, rsvp: Rsvp, now: datetime) -> None:
    waitlist.unseat(rsvp, RsvpStatus.waitlisted, now)
    rsvp.waitlist_rank = waitlist.next_rank(session, event)


def save_rsvp(
    session: Session,
    *,
    event_id: int,
    member: Member,
    guests: Any = 0,
    answers: dict | None = None,
    join_waitlist: bool = False,
    now: datetime,
) -> Rsvp:
    """Seat the member's party if it fits, else waitlist it (approval events: ask the organisers).
    Posting again changes guests and answers, or claims a held offer."""
    clean_answers = questions.check_answers(session, event_id, answers or {})  # reads only: before the lock
    event = lock_event(session, event_id)
    _ensure_can_rsvp(event, now)
    guests = _check_guests(event, guests)
    rsvp = _get_mine(session, event, member)
    if rsvp is not None and rsvp.status in ACTIVE:
        return _change(
            session, event, rsvp, guests=guests, answers=clean_answers, join_waitlist=join_waitlist, now=now
        )
    if rsvp is not None and rsvp.status is RsvpStatus.declined:
        raise errors.RsvpDeclined(_("The organisers declined your RSVP for this event."))
    if waitlist.offer_hold(event, event.starts_at) is not None:  # only then can a held seat be overdue
        waitlist.expire_offers(session, event, now)
    if rsvp is None:  # added only once its state is decided: one INSERT, no UPDATE after it
        rsvp = Rsvp(event=event, member=member, created_at=now, updated_at=now, status=RsvpStatus.pending)
    rsvp.guests, rsvp.answers, rsvp.end_reason, rsvp.message = guests, clean_answers, "", ""
    if event.rsvp_mode is RsvpMode.approval:
        waitlist.unseat(rsvp, RsvpStatus.pending, now)
    elif fits(session, event, member.id, guests):
        waitlist.seat(rsvp, now)
    else:
        join_line(session, event, rsvp, now)
    session.add(rsvp)
    session.flush()
    _tell_outcome(session, event, rsvp, now)
    return rsvp


def _change(
    session: Session,
    event: Event,
    rsvp: Rsvp,
    *,
    guests: int,
    answers: dict,
    join_waitlist: bool,
    now: datetime,
) -> Rsvp:
    was = rsvp.status
    if rsvp.status is RsvpStatus.offered:
        if rsvp.offer_expires_at is not None and rsvp.offer_expires_at <= now:
            # refused, and nothing written: the expiry is the periodic job's (or the next page view's), which
            # passes the seat on; every other RSVP at this event already expires overdue offers first
            raise errors.OfferExpired(_("Sorry, the seat we held for you was passed on: the offer expired."))
        if not fits(session, event, rsvp.member_id, guests, holding=rsvp.guests):
            raise errors.NotEnoughSeats(_("The seats held for you cannot take a larger party."))
        rsvp.guests, rsvp.answers = guests, answers
        waitlist.seat(rsvp, now)
        waitlist.log(session, rsvp, "offer_claimed", now, actor_id=rsvp.member_id)
    elif rsvp.status is RsvpStatus.going and guests > rsvp.guests:
        if fits(session, event, rsvp.member_id, guests, holding=rsvp.guests):
            rsvp.guests = guests
        elif join_waitlist:
            rsvp.guests = guests
            join_line(session, event, rsvp, now)
            waitlist.log(session, rsvp, "waitlisted_larger_party", now, actor_id=rsvp.member_id)
        else:
            raise errors.NotEnoughSeats(
                _(
                    "There are not enough free seats for %(n)d guests. You keep your seat; you can join the "
                    "waitlist with the larger party instead.",
                    n=guests,
                ),
                field="guests",
            )
    else:
        rsvp.guests = guests
    rsvp.answers, rsvp.updated_at = answers, now
    session.flush()
    waitlist.move_line(session, event, now)  # fewer guests, or a party that left its seats, frees seats
    if rsvp.status is not was:  # a claimed offer, or a larger party in line: not a mere guest change
        _tell_outcome(session, event, rsvp, now, had_seat=was is RsvpStatus.going)
    return rsvp


def _tell_outcome(session: Session, event: Event, rsvp: Rsvp, now: datetime, had_seat: bool = False) -> None:
    """What the member's own answer led to: their ticket, their place in line, or a request to organisers."""
    if rsvp.status is RsvpStatus.going:
        waitlist.tell(session, rsvp, "rsvp_confirmed", now)
    elif rsvp.status is RsvpStatus.waitlisted:
        position = waitlist.position(session, rsvp)
        waitlist.tell(session, rsvp, "rsvp_waitlisted", now, position=position, had_seat=had_seat)
    elif rsvp.status is RsvpStatus.pending:
        _ask_organisers(session, event, rsvp, now)


def _approval_batch_key(event_id: int, organiser_id: int) -> str:
    return f"approvals:{event_id}:{organiser_id}"


def _ask_organisers(session: Session, event: Event, rsvp: Rsvp, now: datetime) -> None:
    """Each organiser but the one asking gets the request, joined to the others of the last quarter hour."""
    for organiser in events.list_managers(session, event):
        if organiser.id != rsvp.member_id:
            notify.queue(
                session,
                to=organiser,
                kind="rsvp_approval_requested",
                topic=Topic.approvals,
                now=now,
                settle_key=_approval_batch_key(event.id, organiser.id),
                settle=APPROVAL_BATCH,
                event_id=event.id,
                rsvp_ids=[rsvp.id],
            )


def skip_empty_approval_batches(session: Session, event: Event) -> None:
    """After a request ended (approved, declined, withdrawn): once none wait, the batches still settling
    would list nothing, so they are not sent."""
    waiting = exists().where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.pending)
    if not session.scalar(select(waiting)):
        keys = [
            _approval_batch_key(event.id, organiser.id) for organiser in events.list_managers(session, event)
        ]
        notify.skip_waiting(session, settle_keys=keys, reason="every request was answered before it went")


def change_settle_key(event_id: int, member_id: int) -> str:
    """The settle key of the member's "the event moved" mail (rsvps.reactions): edits within its window
    make one mail, and a cancellation, theirs or the event's, drops it."""
    return f"event-changed:{event_id}:{member_id}"


def cancel_rsvp(session: Session, *, event_id: int, member: Member, now: datetime) -> Rsvp:
    """Cancel in one tap until the event starts (a held offer is declined); the seat passes on at once."""
    event = lock_event(session, event_id)
    rsvp = _get_mine(session, event, member)
    if rsvp is None or rsvp.status not in ACTIVE:
        raise errors.NotFound(_("You have no RSVP for this event."))
    if now >= event.starts_at:
        raise errors.RsvpClosed(_("The event has started; it is too late to cancel."))
    was = rsvp.status
    reason = "offer_declined" if was is RsvpStatus.offered else "member"
    waitlist.unseat(rsvp, RsvpStatus.cancelled, now, reason=reason)
    waitlist.log(session, rsvp, "cancelled", now, actor_id=member.id, detail=reason)
    session.flush()
    if was is RsvpStatus.pending:
        skip_empty_approval_batches(session, event)
    notify.skip_waiting(
        session,
        settle_keys=[change_settle_key(event.id, member.id)],
        reason="the member cancelled their RSVP",
    )
    waitlist.move_line(session, event, now)
    return rsvp


def settle(session: Session, *, event_id: int, now: datetime) -> None:
    """Lazily expire held offers on read, so a page never shows an offer that is already over."""
    overdue = session.scalar(
        select(func.count()).where(
            Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.offered, Rsvp.offer_expires_at <= now
        )
    )
    if overdue:
        waitlist.move_line(session, lock_event(session, event_id), now)


@jobs.every_minute("offers")
def expire_all_offers(session: Session, *, now: datetime) -> int:
    """The periodic job: settle every event with an overdue offer. Returns how many events moved."""
    event_ids = list(
        session.scalars(
            select(Rsvp.event_id)
            .where(Rsvp.status == RsvpStatus.offered, Rsvp.offer_expires_at <= now)
            .distinct()
        )
    )
    for event_id in event_ids:
        settle(session, event_id=event_id, now=now)
    return len(event_ids)


# Reading


def get_my_rsvp(session: Session, event: Event, member: Member | None) -> RsvpView | None:
    if member is None or not member.is_authenticated:
        return None
    rsvp = _get_mine(session, event, member)
    return None if rsvp is None else RsvpView(rsvp, waitlist.position(session, rsvp))


def list_my_rsvps(session: Session, member: Member, *, now: datetime, past: bool = False) -> list[RsvpView]:
    """Upcoming RSVPs soonest first, or past ones latest first, with waitlist positions."""
    query = (
        select(Rsvp)
        .join(Rsvp.event)
        .options(joinedload(Rsvp.event).joinedload(Event.community))
        .where(Rsvp.member_id == member.id, Event.status != EventStatus.draft)
    )
    query = (
        query.where(Event.ends_at <= now).order_by(Event.starts_at.desc())
        if past
        else query.where(Event.ends_at > now).order_by(Event.starts_at)
    )
    rsvps = list(session.scalars(query))
    places = positions(session, [r.event_id for r in rsvps if r.status is RsvpStatus.waitlisted])
    return [RsvpView(r, places.get(r.id)) for r in rsvps]


def positions(session: Session, event_ids: list[int]) -> dict[int, int]:
    """Waitlist positions of every waitlisted RSVP of these events, in one query."""
    if not event_ids:
        return {}
    place = func.row_number().over(partition_by=Rsvp.event_id, order_by=(Rsvp.waitlist_rank, Rsvp.id))
    rows = session.execute(
        select(Rsvp.id, place).where(Rsvp.event_id.in_(event_ids), Rsvp.status == RsvpStatus.waitlisted)
    )
    return dict(rows.all())


def count_rsvps(session: Session, event_ids: list[int]) -> dict[int, dict[str, int]]:
    return waitlist.waitlist_counts(session, event_ids)


#: how many names the "who's going" list of an event page shows
GOING_SHOWN = 24


def list_going_people(session: Session, event: Event, viewer: Member | None) -> tuple[list[Member], int]:
    """Who is going, for members who are signed in: those who let their name appear on attendee lists
    (`Member.show_in_attendee_lists`), up to GOING_SHOWN, and how many are going in all."""
    going = select(Rsvp.member_id).where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.going)
    total = session.scalar(select(func.count()).select_from(going.subquery())) or 0
    if viewer is None or not viewer.is_authenticated:
        return [], total
    shown = session.scalars(
        select(Member)
        .where(Member.id.in_(going), Member.show_in_attendee_lists.is_(True))
        .order_by(Member.name)
        .limit(GOING_SHOWN)
    )
    return list(shown), total


def get_rsvp_box(session: Session, event: Event, member: Member | None) -> dict[str, Any]:
    """What the event page's RSVP box shows: my RSVP and place, the questions, counts and free seats."""
    counts = count_rsvps(session, [event.id])[event.id]
    free = None if event.admits is None else max(0, event.admits - counts["seats"])
    return {
        "my_rsvp": get_my_rsvp(session, event, member),
        "asked": questions.list_questions(session, event),
        "counts": counts,
        "free": free,
    }
