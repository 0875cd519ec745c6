"""The programme out: CSV (it imports again), JSON, and the frab schedule XML that conference apps read.

The frab XML leaves cancelled sessions out, as the conference apps that read it have no "cancelled" state,
and so do breaks without a room (frab files place every event in a room)."""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from sqlalchemy.orm import Session

from meetups.accounts.models import Member
from meetups.events.models import Event
from meetups.programme import service
from meetups.programme.importing import EXPORT_ONLY, SESSION_COLUMNS
from meetups.programme.models import ProgrammeSession, SessionKind, Speaker
from meetups.site import Site
from meetups.spreadsheets import to_csv

#: the frab schedule's time grid
SLOT = timedelta(minutes=15)


@dataclass(frozen=True)
class Programme:
    """What every export shows: scheduled and cancelled sessions in time order, with their rooms, tracks and
    speakers, and the event's speakers (five statements however big the programme)."""

    event: Event
    sessions: list[ProgrammeSession]
    speakers: list[Speaker]


def get_programme(session: Session, *, event_id: int, viewer: Member | None) -> Programme:
    """Public for published events, like the agenda; drafts only for who manages them."""
    event = service.get_event(session, event_id, viewer)
    return Programme(event, service.list_sessions(session, event), service.list_speakers(session, event))


def _local(value: datetime, event: Event) -> datetime:
    return value.astimezone(event.zone)


def _minutes(value: timedelta) -> int:
    return int(value.total_seconds() // 60)


def programme_csv(programme: Programme) -> str:
    """Formula-safe, with the import's columns (it imports again), speakers by name (never their email)."""
    event = programme.event
    rows = [
        [
            item.id,
            item.status.value,
            item.title,
            item.kind.value,
            _local(item.starts_at, event).strftime("%Y-%m-%d %H:%M"),
            _local(item.ends_at, event).strftime("%Y-%m-%d %H:%M"),
            item.room.name if item.room else "",
            item.track.name if item.track else "",
            item.language,
            item.level.value if item.level else "",
            item.capacity if item.capacity is not None else "",
            "; ".join(s.name for s in item.speakers),
            item.abstract,
        ]
        for item in programme.sessions
    ]
    return to_csv((*EXPORT_ONLY, *SESSION_COLUMNS), rows)


def session_guid(site: Site, item: ProgrammeSession) -> str:
    """Stable for as long as the site keeps its address: the UUID5 of the session's page."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, _session_url(site, item)))


def _session_url(site: Site, item: ProgrammeSession) -> str:
    return site.url("programme.show_session", event_id=item.event_id, session_id=item.id)


def programme_json(programme: Programme, site: Site) -> dict[str, Any]:
    event = programme.event
    rooms = {s.room.id: s.room for s in programme.sessions if s.room}
    tracks = {s.track.id: s.track for s in programme.sessions if s.track}
    return {
        "event": {
            "id": event.id,
            "title": event.title,
            "timezone": event.timezone,
            "starts_at": _local(event.starts_at, event).isoformat(),
            "ends_at": _local(event.ends_at, event).isoformat(),
            "url": site.url("events.show", event_id=event.id),
        },
        "rooms": [
            {"id": r.id, "name": r.name, "capacity": r.capacity}
            for r in sorted(rooms.values(), key=lambda r: (r.position, r.name))
        ],
        "tracks": [
            {"id": t.id, "name": t.name, "colour": t.colour}
            for t in sorted(tracks.values(), key=lambda t: t.name)
        ],
        "speakers": [
            {
                "id": s.id,
                "name": s.name,
                "pronouns": s.pronouns,
                "affiliation": s.affiliation,
                "bio": s.bio,
                "links": list(s.links or []),
            }
            for s in programme.speakers
        ],
        "sessions": [_session_json(item, event, site) for item in programme.sessions],
    }


def _session_json(item: ProgrammeSession, event: Event, site: Site) -> dict[str, Any]:
    return {
        "id": item.id,
        "guid": session_guid(site, item),
        "url": _session_url(site, item),
        "title": item.title,
        "kind": item.kind.value,
        "status": item.status.value,
        "starts_at": _local(item.starts_at, event).isoformat(),
        "ends_at": _local(item.ends_at, event).isoformat(),
        "duration_minutes": _minutes(item.ends_at - item.starts_at),
        "room": {"id": item.room.id, "name": item.room.name} if item.room else None,
        "track": {"id": item.track.id, "name": item.track.name, "colour": item.track.colour}
        if item.track
        else None,
        "language": item.language,
        "level": item.level.value if item.level else None,
        "capacity": item.capacity,
        "abstract": item.abstract,
        "speakers": [{"id": s.id, "name": s.name} for s in item.speakers],
        "sequence": item.sequence,
    }


def event_days(event: Event) -> list[date]:
    """Each date the event touches at the venue (an end at midnight adds no day)."""
    first = event.local_starts_at.date()
    last = (event.local_ends_at - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def sessions_by_day(event: Event, sessions: Iterable[ProgrammeSession]) -> dict[date, list[ProgrammeSession]]:
    """Sessions by the date they start at the venue, for every day of the event."""
    days: dict[date, list[ProgrammeSession]] = {day: [] for day in event_days(event)}
    for item in sessions:
        days.setdefault(_local(item.starts_at, event).date(), []).append(item)
    return days


def _hhmm(value: timedelta) -> str:
    minutes = _minutes(value)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60]


def frab_xml(programme: Programme, site: Site) -> bytes:
    """The frab schedule (as pretalx writes it), for Giggity, ConfClerk, Fahrplan and the like."""
    event = programme.event
    shown = [s for s in programme.sessions if not s.is_cancelled and s.room is not None]
    days = sessions_by_day(event, shown)
    acronym = _slug(f"{event.community.slug}-{event.id}") or f"event-{event.id}"
    root = Element("schedule")
    latest = max((s.updated_at for s in programme.sessions), default=event.updated_at)
    SubElement(root, "version").text = latest.strftime("%Y-%m-%d %H:%M:%S UTC")
    conference = SubElement(root, "conference")
    for name, value in (
        ("acronym", acronym),
        ("title", event.title),
        ("start", min(days).isoformat()),
        ("end", max(days).isoformat()),
        ("days", str(len(days))),
        ("timeslot_duration", _hhmm(SLOT)),
        ("time_zone_name", event.timezone),
        ("base_url", site.url("events.show", event_id=event.id)),
    ):
        SubElement(conference, name).text = value
    for index, (day, items) in enumerate(sorted(days.items()), start=1):
        _frab_day(root, event, site, acronym, index, day, items)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode").encode("utf-8")


def _frab_day(root, event: Event, site: Site, acronym: str, index: int, day: date, items: list) -> None:
    zone = event.zone
    midnight = datetime.combine(day, time(), zone)
    start = min([_local(s.starts_at, event) for s in items] or [max(event.local_starts_at, midnight)])
    end = max(
        [_local(s.ends_at, event) for s in items] or [min(event.local_ends_at, midnight + timedelta(days=1))]
    )
    element = SubElement(
        root,
        "day",
        {"index": str(index), "date": day.isoformat(), "start": start.isoformat(), "end": end.isoformat()},
    )
    by_room: dict[int, list[ProgrammeSession]] = defaultdict(list)
    for item in items:
        by_room[item.room.id].append(item)
    for room_items in sorted(by_room.values(), key=lambda r: (r[0].room.position, r[0].room.name)):
        room = SubElement(element, "room", {"name": room_items[0].room.name})
        for item in room_items:
            _frab_event(room, event, site, acronym, item)


def _frab_event(room: Element, event: Event, site: Site, acronym: str, item: ProgrammeSession) -> None:
    starts = _local(item.starts_at, event)
    node = SubElement(room, "event", {"guid": session_guid(site, item), "id": str(item.id)})
    for name, value in (
        ("date", starts.isoformat()),
        ("start", starts.strftime("%H:%M")),
        ("duration", _hhmm(item.ends_at - item.starts_at)),
        ("room", item.room.name),
        ("slug", f"{acronym}-{item.id}-{_slug(item.title)}".rstrip("-")),
        ("url", _session_url(site, item)),
        ("title", item.title),
        ("subtitle", ""),
        ("track", item.track.name if item.track else ""),
        ("type", item.kind.value if item.kind is not SessionKind.break_ else "break"),
        ("language", item.language),
        ("abstract", item.abstract),
        ("description", ""),
    ):
        SubElement(node, name).text = value
    persons = SubElement(node, "persons")
    for speaker in item.speakers:
        SubElement(persons, "person", {"id": str(speaker.id)}).text = speaker.name
    links = SubElement(node, "links")
    SubElement(links, "link", {"href": _session_url(site, item)}).text = item.title
