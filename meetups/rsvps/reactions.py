"""How RSVPs follow what happens below them: an event that changes, is published or is cancelled, staff who
gain or lose a role, a member who deletes their account. create_app subscribes these to the signals of
events and accounts, so those domains never import this one; each runs inside the action's transaction,
and a refusal raised here refuses the whole action."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from meetups import errors
from meetups.accounts.models import Member
from meetups.events.fields import WHEN_FIELDS, WHERE_FIELDS
from meetups.events.models import Event, EventStatus, StaffRole
from meetups.notify import service as notify
from meetups.notify.models import Topic
from meetups.rsvps import series, waitlist
from meetups.rsvps import service as rsvps
from meetups.rsvps.models import ACTIVE, SEATED, Rsvp, RsvpStatus

#: a change mail waits this long after the latest edit, so an organiser fixing a typo in the new address
#: sends one mail, about how the event stands when it goes
CHANGE_SETTLES = timedelta(minutes=10)


def _locked(session: Session, event_id: int) -> Event:
    return session.get(Event, event_id, with_for_update=True, populate_existing=True)


def _standing(session: Session, event: Event) -> list[Rsvp]:
    """The RSVPs still in the event (going, offered, waitlisted, pending), with their members."""
    return list(
        session.scalars(
            select(Rsvp)
            .options(joinedload(Rsvp.member))
            .where(Rsvp.event_id == event.id, Rsvp.status.in_(ACTIVE))
            .order_by(Rsvp.id)
        )
    )


def on_event_changed(event: Event, *, session: Session, now: datetime, changed: set[str], **_details) -> None:
    """More capacity, a later close or a new waitlist mode: the line may move (the event is locked). A new
    time or place is mailed to everyone still in the event, once the edits settle; other edits are not."""
    if event.status is not EventStatus.published:
        return
    waitlist.move_line(session, event, now)
    what_moved = [what for what, names in (("time", WHEN_FIELDS), ("place", WHERE_FIELDS)) if changed & names]
    if not what_moved or event.has_ended(now):
        return
    for rsvp in _standing(session, event):
        notify.queue(
            session,
            to=rsvp.member,
            kind="event_changed",
            topic=Topic.changes,
            now=now,
            settle_key=rsvps.change_settle_key(event.id, rsvp.member_id),
            settle=CHANGE_SETTLES,
            rsvp_id=rsvp.id,
            event_id=event.id,
            what_moved=what_moved,  # a list, so edits that settle into one mail add up ("time", then "place")
        )


def on_event_published(event: Event, *, session: Session, now: datetime, **_details) -> None:
    """A new date of a series: members who are always going get their RSVP."""
    if event.series_id is not None:
        series.apply_subscriptions(session, now=now, series_id=event.series_id)


def on_event_cancelled(event: Event, *, session: Session, now: datetime, actor: Member, **_details) -> None:
    """Every RSVP still standing ends, its ticket void, and its member is told (feeds then show it
    cancelled). A change mail still waiting to settle is dropped: "cancelled" says all there is to say."""
    member_ids = session.scalars(select(Rsvp.member_id).where(Rsvp.event_id == event.id))
    notify.skip_waiting(
        session,
        settle_keys=[rsvps.change_settle_key(event.id, member_id) for member_id in member_ids],
        reason="the event was cancelled",
    )
    for rsvp in _standing(session, event):
        was = rsvp.status
        waitlist.unseat(rsvp, RsvpStatus.cancelled, now, reason="event_cancelled")
        waitlist.log(session, rsvp, "event_cancelled", now, actor_id=actor.id, detail=was.value)
        notify.queue(
            session,
            to=rsvp.member,
            kind="event_cancelled",
            topic=Topic.changes,
            now=now,
            rsvp_id=rsvp.id,
            event_id=event.id,
            was=was.value,  # cancelled by the time the mail goes: this says whether it held a ticket
        )
    session.flush()
    rsvps.skip_empty_approval_batches(session, event)  # the requests ended with the event


def _is_exempt(roles: list[tuple[StaffRole, bool]]) -> bool:
    """The same rule as waitlist._seat_exempt, for a list of (role, takes_seat)."""
    return bool(roles) and not any(takes_seat for _role, takes_seat in roles)


def on_staff_changed(
    event: Event,
    *,
    session: Session,
    now: datetime,
    member_id: int,
    roles_before: list[tuple[StaffRole, bool]],
    **_details,
) -> None:
    """A member who stops being seat-exempt staff needs a seat for their own RSVP: refused when the event has
    none left. One who becomes exempt frees a seat, and the line moves."""
    if event.status is not EventStatus.published:
        return  # drafts have no RSVPs; a cancelled event's line never moves
    event = _locked(session, event.id)
    rsvp = session.scalar(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.member_id == member_id))
    newly_needs_seat = (
        rsvp is not None
        and rsvp.status in SEATED
        and _is_exempt(roles_before)
        and member_id not in waitlist.seat_exempt_members(session, event)
    )
    over = event.admits is not None and waitlist.seats_taken(session, event) > event.admits
    if newly_needs_seat and over:
        raise errors.NotEnoughSeats(
            _(
                "%(name)s is going, and without this role their RSVP would take a seat, but the event is "
                "full. Raise the capacity first, or keep the role.",
                name=session.get(Member, member_id).name,
            )
        )
    waitlist.move_line(session, event, now)


def on_member_deleting(member: Member, *, session: Session, now: datetime, **_details) -> None:
    """Before an account goes: its RSVPs to events still to come end, and each line moves, so no seat stays
    empty beside a waiting member."""
    event_ids = session.scalars(
        select(Rsvp.event_id)
        .join(Event, Event.id == Rsvp.event_id)
        .where(Rsvp.member_id == member.id, Rsvp.status.in_(ACTIVE), Event.ends_at > now)
        .order_by(Rsvp.event_id)  # events locked in one order: two deletions never deadlock
    ).all()
    for event_id in event_ids:
        event = _locked(session, event_id)
        rsvp = session.scalar(select(Rsvp).where(Rsvp.event_id == event_id, Rsvp.member_id == member.id))
        waitlist.unseat(rsvp, RsvpStatus.cancelled, now, reason="account_deleted")
        session.flush()
        if event.status is EventStatus.published:
            waitlist.move_line(session, event, now)
