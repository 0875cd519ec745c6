"""Organisers writing to the members of an event: one logged announcement, one mail per member it is for,
within a limit kept in the database so every worker counts the same."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from meetups import dates, errors
from meetups.accounts.models import Member
from meetups.events import service as events
from meetups.events.models import Event, EventStatus
from meetups.notify import service as notify
from meetups.notify.models import Topic
from meetups.rsvps.models import Announcement, Audience, Rsvp, RsvpLog, RsvpStatus
from meetups.rsvps.service import lock_event

SUBJECT_MAX = 200
BODY_MAX = 5000
#: at most this many announcements per event in a day, and never two closer together than GAP
PER_DAY = 3
DAY = timedelta(hours=24)
GAP = timedelta(minutes=10)
#: an event that ended longer ago than this is over for its members too: nothing more is sent about it
WRITABLE_AFTER_END = timedelta(days=7)

#: whose RSVP puts them in each audience (an offered seat is held for someone who is as good as going)
STATUSES = {
    Audience.going: (RsvpStatus.going, RsvpStatus.offered),
    Audience.waitlisted: (RsvpStatus.waitlisted,),
    Audience.everyone: (RsvpStatus.going, RsvpStatus.offered, RsvpStatus.waitlisted),
}


def send_announcement(
    session: Session,
    *,
    event_id: int,
    actor: Member,
    audience: Any,
    subject: Any,
    body: Any,
    now: datetime,
) -> Announcement:
    """Write to the event's members who are going, waiting, or both (never to the author), for its organisers.
    Refused on a draft (nobody has an RSVP), once the event ended more than 7 days ago (it is over for its
    members too), and when nobody is in the audience. A cancelled event may still be written to, reaching
    those the cancellation ended, so organisers can explain. At most 3 per event in 24 hours and 10 minutes
    apart, counted under the event's row lock so two organisers at once cannot pass the limit."""
    event = _managed_event(session, event_id, actor)
    audience, subject, body = _clean(audience, subject, body)
    _ensure_writable(event, now)  # first: lock_event takes a draft for no event at all
    event = lock_event(session, event.id)
    _ensure_writable(event, now)  # again: it may have changed while we waited for the lock
    _ensure_within_limit(session, event, now)
    rsvps = list(session.scalars(_audience_query(event, audience, actor.id).options(joinedload(Rsvp.member))))
    if not rsvps:  # refused rather than logged: it would use up one of the day's messages for nobody
        raise errors.InvalidState(
            _("Nobody else is in that group yet, so there is no one to write to."), field="audience"
        )
    announcement = Announcement(
        event=event,
        author=actor,
        audience=audience,
        subject=subject,
        body=body,
        recipients=len(rsvps),
        created_at=now,
    )
    session.add(announcement)
    session.flush()
    for rsvp in rsvps:
        notify.queue(
            session,
            to=rsvp.member,
            kind="announcement",
            topic=Topic.announcements,
            now=now,
            event_id=event.id,
            announcement_id=announcement.id,
            rsvp_id=rsvp.id,
        )
    return announcement


def _ensure_within_limit(session: Session, event: Event, now: datetime) -> None:
    sent_at = session.scalars(
        select(Announcement.created_at)
        .where(Announcement.event_id == event.id, Announcement.created_at > now - DAY)
        .order_by(Announcement.created_at.desc())
    )
    if (next_at := _next_at(list(sent_at), now)) is not None:
        when = _(
            "The next one can go on %(when)s (%(zone)s).",
            when=dates.local_datetime(next_at, event.timezone),
            zone=dates.zone_label(next_at, event.timezone),
        )
        raise errors.TooManyAnnouncements(f"{_limit_rule()} {when}", next_at=next_at.isoformat())


def _managed_event(session: Session, event_id: int, actor: Member | None) -> Event:
    event = events.get_event(session, event_id, actor)
    events.ensure_can(session, actor, event, "manage")
    return event


def _refusal(event: Event, now: datetime) -> str | None:
    """Why nothing can be written about the event at all, if so."""
    if event.status is EventStatus.draft:
        return _("Publish the event first: nobody can have an RSVP for a draft.")
    if event.ends_at + WRITABLE_AFTER_END <= now:
        return _(
            "This event ended more than %(n)d days ago, so its members can no longer be written to.",
            n=WRITABLE_AFTER_END.days,
        )
    return None


def _ensure_writable(event: Event, now: datetime) -> None:
    if (refusal := _refusal(event, now)) is not None:
        raise errors.InvalidState(refusal)


def _clean(audience: Any, subject: Any, body: Any) -> tuple[Audience, str, str]:
    try:
        audience = Audience(audience)
    except ValueError:
        raise errors.InvalidInput(
            _("Choose who gets the message: going, waitlisted or everyone."), field="audience"
        ) from None
    # one line: the subject heads the mail, and a line break would cut it short
    subject = " ".join(subject.split()) if isinstance(subject, str) else ""
    if not 1 <= len(subject) <= SUBJECT_MAX:
        raise errors.InvalidInput(
            _("The subject must be 1 to %(n)d characters long.", n=SUBJECT_MAX), field="subject"
        )
    body = body.strip() if isinstance(body, str) else ""
    if not 1 <= len(body) <= BODY_MAX:
        raise errors.InvalidInput(
            _("The message must be 1 to %(n)d characters long.", n=BODY_MAX), field="body"
        )
    return audience, subject, body


def _limit_rule() -> str:
    return _(
        "You can send %(n)d messages per event in 24 hours, at least %(minutes)d minutes apart.",
        n=PER_DAY,
        minutes=GAP.seconds // 60,
    )


def _next_at(sent_at: list[datetime], now: datetime) -> datetime | None:
    """When the next announcement may go, if not now, from when the event's last ones went (newest first):
    10 minutes after the last, and 24 hours after the oldest of three sent within a day."""
    recent = [at for at in sent_at if at > now - DAY][:PER_DAY]
    waits = [recent[0] + GAP] if recent else []
    if len(recent) == PER_DAY:
        waits.append(recent[-1] + DAY)
    later = max(waits, default=now)
    return later if later > now else None


def _audience_query(event: Event, audience: Audience, author_id: int) -> Select:
    """The RSVPs an announcement goes to. On a cancelled event every RSVP has ended, so it goes by what each
    was when the cancellation ended it (kept in the RSVP log)."""
    statuses = [status.value for status in STATUSES[audience]]
    query = select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.member_id != author_id)
    if not event.is_cancelled:
        return query.where(Rsvp.status.in_(statuses))
    ended = select(RsvpLog.rsvp_id).where(
        RsvpLog.event_id == event.id, RsvpLog.action == "event_cancelled", RsvpLog.detail.in_(statuses)
    )
    return query.where(Rsvp.status == RsvpStatus.cancelled, Rsvp.id.in_(ended))


# Reading


def _history(session: Session, event: Event) -> list[Announcement]:
    return list(
        session.scalars(
            select(Announcement)
            .options(joinedload(Announcement.author))
            .where(Announcement.event_id == event.id)
            .order_by(Announcement.created_at.desc(), Announcement.id.desc())
        )
    )


def list_announcements(session: Session, *, event_id: int, actor: Member | None) -> list[Announcement]:
    """What was written to the event's members, newest first, with its author; organisers only."""
    return _history(session, _managed_event(session, event_id, actor))


@dataclass(frozen=True)
class Panel:
    """The dashboard's "write to members": whom each audience reaches, whether one may go now, the history."""

    #: newest first
    history: list[Announcement]
    #: members each audience reaches now, the viewer left out (they would not get their own message)
    audiences: dict[str, int]
    #: why nothing can be written about this event at all, or None
    refusal: str | None
    #: when the limit lets the next one go, or None for now
    next_at: datetime | None
    #: the limit, in words
    rule: str


def get_panel(session: Session, *, event_id: int, actor: Member | None, now: datetime) -> Panel:
    """The history, the audiences and what the limit allows, for the organisers' dashboard and API."""
    event = _managed_event(session, event_id, actor)
    history = _history(session, event)
    going, waitlisted = (
        session.scalar(
            select(func.count()).select_from(_audience_query(event, audience, actor.id).subquery())
        )
        for audience in (Audience.going, Audience.waitlisted)
    )
    return Panel(
        history,
        {"going": going, "waitlisted": waitlisted, "everyone": going + waitlisted},
        _refusal(event, now),
        _next_at([a.created_at for a in history], now),
        _limit_rule(),
    )
