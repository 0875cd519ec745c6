"""Reading the programme as an attendee: the agenda by day (in the event's zone, in time slots so parallel
rooms sit side by side), filtered by track, room, language, level and day; what runs now and what is next
during the event; a page per session and per speaker; and my own schedule with its clashes. Every page loads
in a fixed number of statements however many sessions the programme has."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from babel.dates import format_date
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased, selectinload

from meetups import errors
from meetups.accounts.models import Member
from meetups.dates import zone_label
from meetups.events import service as events
from meetups.events.models import Event
from meetups.programme import registrations as seating
from meetups.programme import schedule
from meetups.programme import service as programme
from meetups.programme.models import (
    Level,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    Room,
    SessionKind,
    SessionSpeaker,
    SessionStatus,
    Speaker,
    Track,
)
from meetups.rsvps.models import Rsvp, RsvpStatus

FILTER_NAMES = ("track", "room", "language", "level", "day")


# The pieces of an agenda


@dataclass(frozen=True)
class Entry:
    """A session placed on its day's grid: `column` counts the day's rooms from 1 (None: across all rooms,
    as a break), `row` counts its time slots from 1, and `span` is how many slots it lasts into."""

    item: ProgrammeSession
    column: int | None
    row: int
    span: int


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    local: datetime
    entries: list[Entry]


@dataclass(frozen=True)
class Day:
    date: date
    label: str
    #: the zone's short name that day ("CEST" on Friday, "CET" on Sunday after the clocks went back)
    zone: str
    slots: list[Slot] = field(default_factory=list)
    #: the rooms that have a session shown that day, left to right: the grid's columns
    rooms: list[Room] = field(default_factory=list)

    @property
    def iso(self) -> str:
        return self.date.isoformat()

    @property
    def sessions(self) -> list[ProgrammeSession]:
        return [entry.item for slot in self.slots for entry in slot.entries]


@dataclass(frozen=True)
class Filters:
    """What the reader asked to see; values that name nothing are dropped, each with a message."""

    track_id: int | None = None
    room_id: int | None = None
    language: str = ""
    level: str = ""
    day: date | None = None
    problems: tuple[str, ...] = ()

    @property
    def active(self) -> bool:
        return any((self.track_id, self.room_id, self.language, self.level))

    def args(self, **changes: object) -> dict[str, str]:
        """The query string of these filters with some changed (None or "" drops one), for links."""
        values = {
            "track": self.track_id,
            "room": self.room_id,
            "language": self.language,
            "level": self.level,
            "day": self.day.isoformat() if self.day else None,
        }
        values.update(changes)
        return {name: str(value) for name, value in values.items() if value not in (None, "")}

    def keeps(self, item: ProgrammeSession) -> bool:
        if item.kind is SessionKind.break_:
            return True  # breaks are everyone's, whatever the filter
        level = item.level.value if item.level else ""
        return (
            (self.track_id is None or item.track_id == self.track_id)
            and (self.room_id is None or item.room_id == self.room_id)
            and (not self.language or item.language == self.language)
            and (not self.level or level == self.level)
        )


@dataclass(frozen=True)
class Agenda:
    event: Event
    #: the days shown (one when a day is picked), with the sessions the filters keep
    days: list[Day]
    #: every day of the programme, for the day links: (date, short label such as "Fri 25 Oct")
    all_days: list[tuple[date, str]]
    rooms: list[Room]
    tracks: list[Track]
    languages: list[str]
    levels: list[str]
    filters: Filters
    #: whether `now` falls within the event; then `running` and `next_up` say what is on
    is_live: bool
    running: list[ProgrammeSession]
    next_up: list[ProgrammeSession]
    starred: set[int]
    registrations: dict[int, Registration]
    #: my place in line, per workshop I am waitlisted for
    positions: dict[int, int]
    seats: dict[int, seating.Seats]
    can_manage: bool
    #: members who starred each session: for organisers only (None for everyone else)
    star_counts: dict[int, int] | None
    total: int

    @property
    def shown(self) -> int:
        return sum(len(day.sessions) for day in self.days)


# Helpers


def _locale() -> str:
    return str(get_locale() or "en")


def day_label(day: date) -> str:
    """ "Friday 25 October" in the reader's language."""
    return format_date(day, "EEEE d MMMM", locale=_locale())


def short_day_label(day: date) -> str:
    return format_date(day, "EEE d MMM", locale=_locale())


def local_day(item: ProgrammeSession, event: Event) -> date:
    return item.starts_at.astimezone(event.zone).date()


def _sessions(session: Session, event: Event, *, ids: Iterable[int] | None = None) -> list[ProgrammeSession]:
    """The event's sessions (or these of them) in time order, rooms left to right, each with its room, track
    and speakers: four statements however many."""
    query = (
        select(ProgrammeSession)
        .outerjoin(Room, Room.id == ProgrammeSession.room_id)
        .where(ProgrammeSession.event_id == event.id)
        .options(
            selectinload(ProgrammeSession.speaker_links),
            selectinload(ProgrammeSession.room),
            selectinload(ProgrammeSession.track),
        )
        .order_by(ProgrammeSession.starts_at, Room.position, Room.name, ProgrammeSession.id)
    )
    if ids is not None:
        query = query.where(ProgrammeSession.id.in_(list(ids)))
    return list(session.scalars(query))


def waitlist_positions(session: Session, mine: Mapping[int, Registration]) -> dict[int, int]:
    """My place in each line I stand in, in one statement (registrations.position asks one at a time)."""
    waiting = [r.id for r in mine.values() if r.status is RegistrationStatus.waitlisted]
    if not waiting:
        return {}
    other = aliased(Registration)
    ahead = (
        select(func.count(other.id))
        .where(
            other.session_id == Registration.session_id,
            other.status == RegistrationStatus.waitlisted,
            other.waitlist_rank < Registration.waitlist_rank,
        )
        .correlate(Registration)
        .scalar_subquery()
    )
    rows = session.execute(select(Registration.session_id, ahead).where(Registration.id.in_(waiting)))
    return {sid: (n or 0) + 1 for sid, n in rows}


def _as_id(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdigit() and len(raw) < 10 else None


def parse_filters(
    raw: Mapping[str, str],
    *,
    tracks: list[Track],
    rooms: list[Room],
    languages: list[str],
    days: list[date],
) -> Filters:
    """Read the agenda's query string; a value that names nothing here is dropped, and said so."""
    problems: list[str] = []

    def value(name: str) -> str:
        given = raw.get(name, "")
        return given.strip()[:40] if isinstance(given, str) else ""

    track_id = _as_id(value("track")) if value("track") else None
    if value("track") and track_id not in {t.id for t in tracks}:
        problems.append(_("There is no such track here: showing every track."))
        track_id = None
    room_id = _as_id(value("room")) if value("room") else None
    if value("room") and room_id not in {r.id for r in rooms}:
        problems.append(_("There is no such room here: showing every room."))
        room_id = None
    language = value("language").lower()
    if language and language not in languages:
        problems.append(_("No session is in that language: showing every language."))
        language = ""
    level = value("level").lower()
    if level and level not in {lv.value for lv in Level}:
        problems.append(_("There is no such level: showing every level."))
        level = ""
    day = None
    if value("day"):
        try:
            day = date.fromisoformat(value("day"))
        except ValueError:
            day = None
        if day not in days:
            problems.append(_("The programme has no such day: showing every day."))
            day = None
    return Filters(track_id, room_id, language, level, day, tuple(problems))


def build_days(event: Event, items: list[ProgrammeSession], rooms: list[Room]) -> list[Day]:
    """Split sessions by the event's local date and lay each day out: a row per start time, a column per
    room in use that day; a session lasts into the slots that start before it ends (a cancelled one keeps to
    its first, so a session put in its place has the room)."""
    by_day: dict[date, list[ProgrammeSession]] = {}
    for item in items:
        by_day.setdefault(local_day(item, event), []).append(item)
    order = {room.id: i for i, room in enumerate(rooms)}
    days = []
    for day, sessions in sorted(by_day.items()):
        used = sorted(
            {s.room_id for s in sessions if s.room_id is not None}, key=lambda rid: order.get(rid, 0)
        )
        columns = {rid: i + 1 for i, rid in enumerate(used)}
        starts = sorted({s.starts_at for s in sessions})
        rows = {at: i + 1 for i, at in enumerate(starts)}
        slots: dict[datetime, list[Entry]] = {at: [] for at in starts}
        for s in sessions:
            span = 1 if s.is_cancelled else max(1, sum(1 for at in starts if s.starts_at <= at < s.ends_at))
            column = columns.get(s.room_id) if s.room_id is not None else None
            slots[s.starts_at].append(Entry(s, column, rows[s.starts_at], span))
        days.append(
            Day(
                date=day,
                label=day_label(day),
                zone=zone_label(sessions[0].starts_at, event.timezone),
                slots=[Slot(at, at.astimezone(event.zone), entries) for at, entries in slots.items()],
                rooms=[room for room in rooms if room.id in columns],
            )
        )
    return days


def now_and_next(
    items: list[ProgrammeSession], now: datetime
) -> tuple[list[ProgrammeSession], list[ProgrammeSession]]:
    """What runs at `now`, and the sessions of the next start after it (cancelled ones are neither)."""
    live = [s for s in items if not s.is_cancelled]
    running = [s for s in live if s.starts_at <= now < s.ends_at]
    later = [s.starts_at for s in live if s.starts_at > now]
    if not later:
        return running, []
    soonest = min(later)
    return running, [s for s in live if s.starts_at == soonest]


# The agenda


def get_agenda(
    session: Session, *, event_id: int, viewer: Member | None, now: datetime, filters: Mapping[str, str]
) -> Agenda:
    """The agenda of an event the viewer may see (drafts only for its organisers)."""
    event = programme.get_event(session, event_id, viewer)
    manages = events.can(session, viewer, event, "manage")
    items = _sessions(session, event)
    rooms, tracks = programme.list_rooms(session, event), programme.list_tracks(session, event)
    languages = sorted({s.language for s in items if s.language})
    levels = [lv.value for lv in Level if any(s.level is lv for s in items)]
    every_day = sorted({local_day(s, event) for s in items})
    chosen = parse_filters(filters, tracks=tracks, rooms=rooms, languages=languages, days=every_day)
    kept = [s for s in items if chosen.keeps(s)]
    days = build_days(event, kept, rooms)
    if chosen.day is not None:
        days = [day for day in days if day.date == chosen.day]
    is_live = event.starts_at <= now < event.ends_at
    running, next_up = now_and_next(kept, now) if is_live else ([], [])
    mine = seating.my_registrations(session, event, viewer)
    return Agenda(
        event=event,
        days=days,
        all_days=[(day, short_day_label(day)) for day in every_day],
        rooms=rooms,
        tracks=tracks,
        languages=languages,
        levels=levels,
        filters=chosen,
        is_live=is_live,
        running=running,
        next_up=next_up,
        starred=schedule.starred_ids(session, event, viewer),
        registrations=mine,
        positions=waitlist_positions(session, mine),
        seats=seating.seats(session, [s.id for s in items if s.takes_registrations]),
        can_manage=manages,
        star_counts=schedule.star_counts(session, event) if manages else None,
        total=len(items),
    )


def has_programme(session: Session, event: Event) -> bool:
    """Whether the event has any session, for the link from its page."""
    found = session.scalar(select(ProgrammeSession.id).where(ProgrammeSession.event_id == event.id).limit(1))
    return found is not None


# A session's page


@dataclass(frozen=True)
class SessionPage:
    event: Event
    item: ProgrammeSession
    zone: str
    can_star: bool
    starred: bool
    registration: Registration | None
    position: int | None
    seats: seating.Seats | None
    #: whether the viewer holds a going RSVP to the event (workshop seats are for them)
    is_going: bool
    has_started: bool
    #: other scheduled sessions at the same time, for "at the same time"
    parallel: list[ProgrammeSession]
    can_manage: bool
    star_count: int | None


def _is_going(session: Session, event: Event, viewer: Member | None) -> bool:
    if viewer is None or not viewer.is_authenticated:
        return False
    found = session.scalar(
        select(Rsvp.id).where(
            Rsvp.event_id == event.id, Rsvp.member_id == viewer.id, Rsvp.status == RsvpStatus.going
        )
    )
    return found is not None


def get_session_page(
    session: Session, *, event_id: int, session_id: int, viewer: Member | None, now: datetime
) -> SessionPage:
    event = programme.get_event(session, event_id, viewer)
    item = programme.get_session(session, event, session_id)
    manages = events.can(session, viewer, event, "manage")
    mine = seating.my_registrations(session, event, viewer)
    registration = mine.get(item.id)
    parallel = list(
        session.scalars(
            select(ProgrammeSession)
            .where(
                ProgrammeSession.event_id == event.id,
                ProgrammeSession.id != item.id,
                ProgrammeSession.status == SessionStatus.scheduled,
                ProgrammeSession.starts_at < item.ends_at,
                ProgrammeSession.ends_at > item.starts_at,
            )
            .options(selectinload(ProgrammeSession.room))
            .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
        )
    )
    return SessionPage(
        event=event,
        item=item,
        zone=zone_label(item.starts_at, event.timezone),
        can_star=item.kind is not SessionKind.break_,
        starred=item.id in schedule.starred_ids(session, event, viewer),
        registration=registration,
        position=waitlist_positions(session, {item.id: registration}).get(item.id) if registration else None,
        seats=seating.seats(session, [item.id]).get(item.id) if item.takes_registrations else None,
        is_going=_is_going(session, event, viewer) if item.takes_registrations else False,
        has_started=now >= item.starts_at,
        parallel=parallel,
        can_manage=manages,
        star_count=schedule.star_counts(session, event).get(item.id, 0) if manages else None,
    )


# A speaker's page


@dataclass(frozen=True)
class SpeakerPage:
    event: Event
    speaker: Speaker
    sessions: list[ProgrammeSession]
    starred: set[int]


def get_speaker_page(
    session: Session, *, event_id: int, speaker_id: int, viewer: Member | None
) -> SpeakerPage:
    event = programme.get_event(session, event_id, viewer)
    speaker = programme.get_speaker(session, event, speaker_id)
    talks = select(SessionSpeaker.session_id).where(SessionSpeaker.speaker_id == speaker.id)
    return SpeakerPage(
        event=event,
        speaker=speaker,
        sessions=_sessions(session, event, ids=session.scalars(talks).all()),
        starred=schedule.starred_ids(session, event, viewer),
    )


# My schedule


@dataclass(frozen=True)
class ScheduleDay:
    date: date
    label: str
    zone: str
    items: list[ProgrammeSession]


@dataclass(frozen=True)
class MySchedule:
    event: Event
    days: list[ScheduleDay]
    clashes: list[schedule.Clash]
    #: per session, the other sessions of mine it overlaps
    clashing: dict[int, list[ProgrammeSession]]
    starred: set[int]
    registrations: dict[int, Registration]
    positions: dict[int, int]
    now: datetime

    @property
    def count(self) -> int:
        return sum(len(day.items) for day in self.days)


def get_my_schedule(session: Session, *, event_id: int, viewer: Member | None, now: datetime) -> MySchedule:
    """The sessions I starred, and the workshops I hold a seat (or a place in line) at, by day, with the
    pairs that overlap."""
    if viewer is None or not viewer.is_authenticated:
        raise errors.LoginRequired(_("Log in to keep your own schedule."))
    event = programme.get_event(session, event_id, viewer)
    starred = schedule.starred_ids(session, event, viewer)
    mine = seating.my_registrations(session, event, viewer)
    items = _sessions(session, event, ids=starred | set(mine)) if starred or mine else []
    found = schedule.clashes(items)
    clashing: dict[int, list[ProgrammeSession]] = {}
    for clash in found:
        clashing.setdefault(clash.first.id, []).append(clash.second)
        clashing.setdefault(clash.second.id, []).append(clash.first)
    by_day: dict[date, list[ProgrammeSession]] = {}
    for item in items:
        by_day.setdefault(local_day(item, event), []).append(item)
    days = [
        ScheduleDay(day, day_label(day), zone_label(sessions[0].starts_at, event.timezone), sessions)
        for day, sessions in sorted(by_day.items())
    ]
    return MySchedule(event, days, found, clashing, starred, mine, waitlist_positions(session, mine), now)
