"""Recurring events: a rule (weekly, every two weeks, monthly on the nth weekday) turns one event into a
series of real events, in the event's wall-clock time across DST changes; edits can reach "this and
following"."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil.rrule import MONTHLY, WEEKLY, rrule, weekday
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from meetups import errors
from meetups.accounts.models import Member
from meetups.events import fields
from meetups.events import service as events
from meetups.events.models import Event, EventStatus, Frequency, Series

MAX_OCCURRENCES = 52
LONGEST_SERIES = timedelta(days=2 * 366)
#: copied from the first event to each occurrence: what organisers set, but the moments (each date has its
#: own, at the same wall-clock time), and what the event belongs to
COPIED = (
    *(name for name in fields.EDITABLE if name not in fields.DATETIME_FIELDS),
    "community_id",
    "status",
    "created_by_id",
)
TIME_FIELDS = {"timezone", *fields.DATETIME_FIELDS}


def _nth_weekday(local_start: datetime) -> int:
    """Which weekday of its month a date is: 1..4, or -1 when it is the 5th (so: the last)."""
    nth = (local_start.day - 1) // 7 + 1
    return -1 if nth == 5 else nth


def _rule(
    frequency: Frequency, start: datetime, *, count: int | None, until: date | None, week_of_month: int | None
) -> rrule:
    end = datetime.combine(until, datetime.max.time()) if until else None
    if frequency is Frequency.monthly:
        return rrule(
            MONTHLY, dtstart=start, count=count, until=end, byweekday=weekday(start.weekday(), week_of_month)
        )
    return rrule(
        WEEKLY, dtstart=start, count=count, until=end, interval=2 if frequency is Frequency.biweekly else 1
    )


def _local_naive(value: datetime, zone: ZoneInfo) -> datetime:
    return value.astimezone(zone).replace(tzinfo=None)


def _at(local: datetime, zone: ZoneInfo) -> datetime:
    return local.replace(tzinfo=zone).astimezone(ZoneInfo("UTC"))


def _check_rule(frequency: Any, count: Any, until: Any) -> Frequency:
    try:
        frequency = Frequency(frequency)
    except ValueError:
        raise errors.InvalidInput(
            _("Repeat weekly, every two weeks or monthly."), field="frequency"
        ) from None
    if (count is None) == (until is None):
        raise errors.InvalidInput(_("Give either how many times or an end date."), field="count")
    if count is not None and (
        isinstance(count, bool) or not isinstance(count, int) or not 2 <= count <= MAX_OCCURRENCES
    ):
        raise errors.InvalidInput(_("A series has 2 to %(n)d events.", n=MAX_OCCURRENCES), field="count")
    if until is not None and not isinstance(until, date):
        raise errors.InvalidInput(_("The end date is not a date."), field="until")
    return frequency


def repeat_event(
    session: Session,
    *,
    event: Event,
    actor: Member,
    frequency: Any,
    count: int | None = None,
    until: date | None = None,
    now: datetime,
) -> list[Event]:
    """Make the event the first of a series and add the later occurrences (drafts stay drafts)."""
    events.ensure_can(session, actor, event, "manage")
    frequency = _check_rule(frequency, count, until)
    if event.series_id is not None:
        raise errors.InvalidState(_("This event is already part of a series."))
    if event.is_cancelled:
        raise errors.EventCancelled(_("A cancelled event cannot be repeated."))
    zone = event.zone
    start = _local_naive(event.starts_at, zone)
    if until is not None and not start.date() < until <= (start + LONGEST_SERIES).date():
        raise errors.InvalidInput(
            _("The end date must be after the first event and within two years."), field="until"
        )
    week = _nth_weekday(start) if frequency is Frequency.monthly else None
    dates = list(_rule(frequency, start, count=count, until=until, week_of_month=week)[:MAX_OCCURRENCES])
    if len(dates) < 2:
        raise errors.InvalidInput(_("That rule gives no second date."), field="until")
    series = Series(community_id=event.community_id, frequency=frequency, week_of_month=week, created_at=now)
    session.add(series)
    session.flush()
    event.series_id = series.id
    wall_length = _local_naive(event.ends_at, zone) - start
    created = []
    for local in dates[1:]:
        starts = _at(local, zone)
        occurrence = Event(
            **{name: getattr(event, name) for name in COPIED},
            series_id=series.id,
            starts_at=starts,
            ends_at=_at(local + wall_length, zone),
            created_at=now,
            updated_at=now,
            published_at=now if event.is_published else None,
            rsvp_opens_at=_shift(event.rsvp_opens_at, event.starts_at, starts),
            rsvp_closes_at=_shift(event.rsvp_closes_at, event.starts_at, starts),
            checkin_opens_at=_shift(event.checkin_opens_at, event.starts_at, starts),
        )
        session.add(occurrence)
        created.append(occurrence)
    session.flush()
    return created


def _shift(value: datetime | None, old_start: datetime, new_start: datetime) -> datetime | None:
    """RSVP windows keep their distance from the start."""
    return None if value is None else new_start - (old_start - value)


def list_occurrences(session: Session, event: Event) -> list[Event]:
    """All events of the event's series, in order (just the event when it is not in one)."""
    if event.series_id is None:
        return [event]
    return list(
        session.scalars(
            select(Event)
            .where(Event.series_id == event.series_id, Event.status != EventStatus.draft)
            .order_by(Event.starts_at)
        )
    )


def update_following(
    session: Session, *, event: Event, actor: Member, changes: dict, now: datetime
) -> list[Event]:
    """Edit this event and every later one in its series. A new time moves each of them the same way on its
    own date (a new time of day, or a shift by whole days); other fields are copied."""
    old_start = _local_naive(event.starts_at, event.zone)
    later = (
        []
        if event.series_id is None
        else list(
            session.scalars(
                select(Event)
                .where(
                    Event.series_id == event.series_id,
                    Event.starts_at > event.starts_at,
                    Event.status != EventStatus.cancelled,
                )
                .order_by(Event.starts_at)
            )
        )
    )
    events.update_event(session, event=event, actor=actor, changes=changes, now=now)
    zone = event.zone
    new_start = _local_naive(event.starts_at, zone)
    day_shift = new_start.date() - old_start.date()
    wall_length = _local_naive(event.ends_at, zone) - new_start
    plain = {k: v for k, v in changes.items() if k not in TIME_FIELDS}
    for occurrence in later:
        mine = dict(plain)
        if TIME_FIELDS & set(changes):
            day = _local_naive(occurrence.starts_at, occurrence.zone).date() + day_shift
            local = datetime.combine(day, new_start.time())
            mine.update(
                timezone=event.timezone,
                starts_at=local,
                ends_at=local + wall_length,
                rsvp_opens_at=_shift(event.rsvp_opens_at, event.starts_at, _at(local, zone)),
                rsvp_closes_at=_shift(event.rsvp_closes_at, event.starts_at, _at(local, zone)),
                checkin_opens_at=_shift(event.checkin_opens_at, event.starts_at, _at(local, zone)),
            )
        events.update_event(session, event=occurrence, actor=actor, changes=mine, now=now)
    return [event, *later]


def save_changes(
    session: Session, *, event: Event, actor: Member, changes: dict, following: bool, now: datetime
) -> list[Event]:
    """An organiser's edit: of this event alone, or of this and every later one of its series."""
    if following and event.series_id is not None:
        return update_following(session, event=event, actor=actor, changes=changes, now=now)
    return [events.update_event(session, event=event, actor=actor, changes=changes, now=now)]
