"""Reminder mails to the members going to an event, 24 hours and 2 hours before its start. The periodic job
finds who is due with one query per reminder, over the events starting within a day, and each reminder goes
once ever (its dedupe key is unique in the outbox), even when two workers run the job at the same time."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, cast, literal, select
from sqlalchemy.orm import Session, contains_eager, joinedload

from meetups.events.models import Event, EventStatus
from meetups.notify import jobs
from meetups.notify import service as notify
from meetups.notify.models import Message, Topic
from meetups.rsvps.models import Rsvp, RsvpStatus

#: hours before the start, earliest first. Each reminder is due from its moment until the next one's (the
#: last until the start), so nobody gets the 24 h reminder once the 2 h one is due.
REMINDER_HOURS = (24, 2)


def _key_prefix(hours: int) -> str:
    return f"reminder-{hours}h:"


@jobs.every_minute("reminders", after=("offers",))  # the seats settled first
def queue_due_reminders(session: Session, *, now: datetime) -> int:
    """Queue every reminder that is due and was never queued; returns how many."""
    queued = 0
    for hours, next_hours in zip(REMINDER_HOURS, (*REMINDER_HOURS[1:], 0), strict=True):
        for rsvp in _due(session, hours=hours, next_hours=next_hours, now=now):
            message = notify.queue(
                session,
                to=rsvp.member,
                kind="event_reminder",
                topic=Topic.reminders,
                now=now,
                dedupe_key=f"{_key_prefix(hours)}{rsvp.id}",
                hours=hours,
                event_id=rsvp.event_id,
                rsvp_id=rsvp.id,
            )
            queued += message is not None  # None: another worker queued it first
    return queued


def _due(session: Session, *, hours: int, next_hours: int, now: datetime) -> list[Rsvp]:
    """Going RSVPs without this reminder yet, at published events with reminders on that start after
    `next_hours` and within `hours` from now. One seated after the reminder's moment is left out: they just
    got their ticket."""
    reminded = select(Message.id).where(
        Message.dedupe_key == literal(_key_prefix(hours)) + cast(Rsvp.id, String)
    )
    rsvps = session.scalars(
        select(Rsvp)
        .join(Rsvp.event)
        .options(contains_eager(Rsvp.event), joinedload(Rsvp.member))
        .where(
            Event.status == EventStatus.published,
            Event.send_reminders.is_(True),
            Event.starts_at > now + timedelta(hours=next_hours),
            Event.starts_at <= now + timedelta(hours=hours),
            Rsvp.status == RsvpStatus.going,
            ~reminded.exists(),
        )
        .order_by(Rsvp.id)
    )
    # Compared here, not in SQL: "start - hours" is date arithmetic SQLite and PostgreSQL spell differently,
    # and the rows are few (going, starting within a day, not reminded yet).
    return [
        rsvp
        for rsvp in rsvps
        if rsvp.seated_at is None or rsvp.seated_at <= rsvp.event.starts_at - timedelta(hours=hours)
    ]
