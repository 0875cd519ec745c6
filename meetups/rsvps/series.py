""" "Always going" for a series: an RSVP for every occurrence as its RSVPs open, seats permitting."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from meetups import errors
from meetups.accounts.models import Member
from meetups.events.models import Event, EventStatus, Series
from meetups.notify import jobs
from meetups.rsvps import service
from meetups.rsvps.models import Rsvp, SeriesRsvp


def _open_occurrences(session: Session, series_id: int, now: datetime) -> list[Event]:
    candidates = session.scalars(
        select(Event)
        .where(Event.series_id == series_id, Event.status == EventStatus.published, Event.starts_at > now)
        .order_by(Event.starts_at)
    )
    return [e for e in candidates if e.is_rsvp_open(now)]


def _rsvp_if_new(session: Session, event: Event, member: Member, now: datetime) -> Rsvp | None:
    """An RSVP unless the member already has one (a cancelled one included: they said no to that date)."""
    if session.scalar(select(Rsvp.id).where(Rsvp.event_id == event.id, Rsvp.member_id == member.id)):
        return None
    try:
        return service.save_rsvp(session, event_id=event.id, member=member, now=now)
    except errors.AnswerRequired:
        return None  # an occurrence that asks required questions needs the member's own answer


def always_go(session: Session, *, series_id: int, member: Member, now: datetime) -> list[Rsvp]:
    """Subscribe to a series: RSVP to every open upcoming occurrence now, and to later ones as they open."""
    series = session.get(Series, series_id)
    if series is None:
        raise errors.NotFound(_("There is no such series."))
    if (
        session.scalar(
            select(SeriesRsvp.id).where(SeriesRsvp.series_id == series_id, SeriesRsvp.member_id == member.id)
        )
        is None
    ):
        session.add(SeriesRsvp(series_id=series_id, member_id=member.id, created_at=now))
        session.flush()
    made = [_rsvp_if_new(session, event, member, now) for event in _open_occurrences(session, series_id, now)]
    return [r for r in made if r is not None]


def stop_always_going(session: Session, *, series_id: int, member: Member) -> None:
    """No more automatic RSVPs; the ones already made stay until the member cancels them."""
    if session.get(Series, series_id) is None:
        raise errors.NotFound(_("There is no such series."))
    subscription = session.scalar(
        select(SeriesRsvp).where(SeriesRsvp.series_id == series_id, SeriesRsvp.member_id == member.id)
    )
    if subscription is not None:
        session.delete(subscription)
        session.flush()


def is_always_going(session: Session, series_id: int | None, member: Member | None) -> bool:
    if series_id is None or member is None or not member.is_authenticated:
        return False
    return (
        session.scalar(
            select(SeriesRsvp.id).where(SeriesRsvp.series_id == series_id, SeriesRsvp.member_id == member.id)
        )
        is not None
    )


@jobs.every_minute("series")
def apply_subscriptions(session: Session, *, now: datetime, series_id: int | None = None) -> int:
    """The periodic job (and the publish step): RSVP subscribers, in the order they subscribed, to occurrences
    whose RSVPs are open. Returns how many RSVPs it made."""
    made = 0
    query = select(SeriesRsvp).order_by(SeriesRsvp.created_at, SeriesRsvp.id)
    if series_id is not None:
        query = query.where(SeriesRsvp.series_id == series_id)
    subscriptions = session.scalars(query).all()
    by_series: dict[int, list[SeriesRsvp]] = {}
    for subscription in subscriptions:
        by_series.setdefault(subscription.series_id, []).append(subscription)
    for series_id, subscribers in by_series.items():
        for event in _open_occurrences(session, series_id, now):
            for subscription in subscribers:
                made += _rsvp_if_new(session, event, subscription.member, now) is not None
    return made
