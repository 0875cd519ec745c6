"""The organisers' overview of the programme: every session by day, with how many members starred it beside
the seats its room has, and for a crowded one the bigger rooms free at that time (a crowded talk moves before
the day, not at the door)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from meetups.events.models import Event
from meetups.programme import registrations, schedule, service
from meetups.programme.models import ProgrammeSession, Room
from meetups.programme.registrations import Seats

#: an event longer than this shows only the days that have sessions
MOST_DAYS_SHOWN = 14
#: stars at this share of the room's seats read "nearly full"
NEARLY_FULL = 0.8
#: bigger free rooms suggested for a crowded session
ROOMS_SUGGESTED = 3


@dataclass(frozen=True)
class Row:
    """A session as the organiser weighs it: who starred it against the seats its room has."""

    item: ProgrammeSession
    stars: int
    seats: Seats | None
    #: free rooms at that time that would hold everyone who starred it, smallest first
    roomier: list[Room] = field(default_factory=list)

    @property
    def capacity(self) -> int | None:
        return self.item.room.capacity if self.item.room is not None else None

    @property
    def crowded(self) -> bool:
        return not self.item.is_cancelled and self.capacity is not None and self.stars > self.capacity

    @property
    def nearly_full(self) -> bool:
        capacity = self.capacity
        return bool(capacity) and not self.crowded and self.stars >= capacity * NEARLY_FULL


@dataclass(frozen=True)
class Day:
    #: noon at the venue that day, for the heading
    at: datetime
    rows: list[Row]
    #: the zone's names before and after, when the clocks change that night
    clocks: tuple[str, str] | None = None


def _roomier(item: ProgrammeSession, stars: int, rooms: list[Room], sessions: list[ProgrammeSession]):
    busy = {
        other.room_id
        for other in sessions
        if not other.is_cancelled and other.starts_at < item.ends_at and other.ends_at > item.starts_at
    }
    fits = [r for r in rooms if r.capacity is not None and r.capacity >= stars and r.id not in busy]
    return sorted(fits, key=lambda r: (r.capacity, r.position, r.name))[:ROOMS_SUGGESTED]


def _rows(session: Session, event: Event, sessions: list[ProgrammeSession], rooms: list[Room]) -> list[Row]:
    stars = schedule.star_counts(session, event)
    seats = registrations.seats(session, [s.id for s in sessions if s.capacity is not None])
    rows = []
    for item in sessions:
        row = Row(item, stars.get(item.id, 0), seats.get(item.id))
        if row.crowded:
            row = Row(item, row.stars, row.seats, _roomier(item, row.stars, rooms, sessions))
        rows.append(row)
    return rows


def _clocks(day: date, event: Event) -> tuple[str, str] | None:
    before = datetime.combine(day, time(0), tzinfo=event.zone)
    after = datetime.combine(day + timedelta(days=1), time(0), tzinfo=event.zone)
    if before.utcoffset() == after.utcoffset():
        return None
    return before.tzname() or "", after.tzname() or ""


def _days(event: Event, rows: list[Row]) -> list[Day]:
    """Every day of the event (its sessions in local time), and any day a session lies on outside it."""
    by_day: dict[date, list[Row]] = {}
    first, last = event.local_starts_at.date(), event.local_ends_at.date()
    if (last - first).days < MOST_DAYS_SHOWN:
        for n in range((last - first).days + 1):
            by_day[first + timedelta(days=n)] = []
    for row in rows:
        by_day.setdefault(row.item.local_starts_at(event.zone).date(), []).append(row)
    return [
        Day(datetime.combine(day, time(12), tzinfo=event.zone), by_day[day], _clocks(day, event))
        for day in sorted(by_day)
    ]


def get_overview_page(session: Session, *, event: Event) -> dict[str, Any]:
    """For an event its caller may manage (programme.service.get_managed_event)."""
    sessions = service.list_sessions(session, event)
    rooms = service.list_rooms(session, event)
    rows = _rows(session, event, sessions, rooms)
    return {
        "event": event,
        "days": _days(event, rows),
        "sessions": sessions,
        "crowded": [row for row in rows if row.crowded],
        "rooms": rooms,
        "tracks": service.list_tracks(session, event),
        "speakers": service.list_speakers(session, event),
    }
