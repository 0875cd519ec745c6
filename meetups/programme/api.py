"""The programme over JSON: sessions, speakers, rooms, tracks, my agenda and workshop seats. Reads are public
for published events (drafts only to those who manage them); every change is one programme rule and one
commit. Times are UTC with their offset; the event's zone comes once per answer."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from apiflask import APIBlueprint
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, field_validator
from sqlalchemy import select
from werkzeug.routing import BuildError

from meetups import api, clock, errors, web
from meetups.api import IsoText, MemberRef
from meetups.events import service as events
from meetups.events.models import Event
from meetups.extensions import db
from meetups.programme import fields, lineup, places, registrations, schedule, service
from meetups.programme.models import (
    Level,
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    Room,
    SessionKind,
    SessionStatus,
    Speaker,
    Track,
)

bp = APIBlueprint("programme_api", __name__, tag="Programme")
#: ids are PostgreSQL integers: a bigger number names nothing (and must not reach a query)
ID_LIMIT = 2**31

READ_ERRORS = {404: "not_found"}
MANAGE_ERRORS = {401: "login_required", 403: "forbidden", 404: "not_found"}
EDIT_ERRORS = {**MANAGE_ERRORS, 422: "invalid_input"}
SESSION_ERRORS = {
    **MANAGE_ERRORS,
    409: "room_taken, speaker_busy",
    422: "invalid_input, outside_event",
}
MEMBER_ERRORS = {401: "login_required", 404: "not_found"}

# Bodies: types and shapes only; the rules (lengths, choices, times, clashes) are programme.fields and
# programme.service, which the HTML forms and the CSV import share.

WhenText = Annotated[
    StrictStr,
    Field(
        description="ISO 8601. With an offset it is converted; without, it is wall-clock time in the "
        "event's zone.",
        examples=["2030-10-25T11:00"],
    ),
]


class SessionChanges(BaseModel):
    """Every field optional: PATCH changes only what it names (null clears a field that may be empty)."""

    model_config = ConfigDict(extra="forbid")

    kind: SessionKind | None = None
    title: StrictStr | None = None
    abstract: StrictStr | None = Field(None, description="Markdown.")
    starts_at: WhenText | None = None
    ends_at: WhenText | None = None
    room_id: StrictInt | None = Field(None, description="Null only for breaks.")
    track_id: StrictInt | None = None
    language: StrictStr | None = Field(None, description='A language tag such as "en"; "" for none.')
    level: Level | None = None
    capacity: StrictInt | None = Field(
        None, description="Seats, for a workshop that takes registrations; null: walk in."
    )
    speaker_ids: list[StrictInt] | None = Field(None, description="In the order they are named.")


class SessionIn(SessionChanges):
    title: StrictStr
    starts_at: WhenText
    ends_at: WhenText


class SpeakerChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr | None = None
    bio: StrictStr | None = Field(None, description="Markdown.")
    pronouns: StrictStr | None = None
    affiliation: StrictStr | None = None
    links: list[StrictStr] | None = Field(None, description="Up to 5 http(s) addresses.")
    email: StrictStr | None = Field(
        None,
        description='The speaker\'s own account, to link (they then hold the speaker role); "" or null '
        "unlinks. Never shown back.",
    )


class SpeakerIn(SpeakerChanges):
    name: StrictStr


class RoomChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr | None = None
    capacity: StrictInt | None = Field(None, description="People it holds; null: not known.")
    position: StrictInt | None = Field(None, description="Left to right on the agenda (0 first).")


class RoomIn(RoomChanges):
    name: StrictStr


class TrackChanges(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr | None = None
    colour: StrictStr | None = Field(None, description="#RRGGBB; the name is always shown beside it.")


class TrackIn(TrackChanges):
    name: StrictStr


Id = Annotated[StrictInt, Field(ge=1, lt=ID_LIMIT)]


class AgendaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_ids: list[Id] = Field(description="Every session of my schedule at this event.")


class SessionsQuery(BaseModel):
    # Query strings are text, so lax parsing here ("3"); an empty parameter is no filter.
    track: int | None = Field(None, ge=1, lt=ID_LIMIT, description="Only this track's sessions (its id).")
    room: int | None = Field(None, ge=1, lt=ID_LIMIT, description="Only this room's sessions (its id).")
    language: str | None = Field(None, pattern=fields.LANGUAGE_RE.pattern, description='Such as "en".')
    level: Level | None = None
    day: str | None = Field(
        None, pattern=r"^\d{4}-\d{2}-\d{2}$", description="YYYY-MM-DD, a day of the event in its zone."
    )

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if value == "" else value


# Answers


class RoomRef(BaseModel):
    id: int
    name: str


class TrackRef(BaseModel):
    id: int
    name: str
    colour: str


class SeatsOut(BaseModel):
    taken: int
    waiting: int


class RegistrationOut(BaseModel):
    status: RegistrationStatus
    waitlist_position: int | None = Field(description="1 for the first in line; null unless waitlisted.")


class SessionOut(BaseModel):
    id: int
    url: str = Field(description="The session's page.")
    kind: SessionKind
    title: str
    abstract: str = Field(description="Markdown, as written.")
    starts_at: IsoText = Field(description="UTC.")
    ends_at: IsoText = Field(description="UTC.")
    room: RoomRef | None = Field(description="Null for a break everyone shares.")
    track: TrackRef | None
    language: str
    level: Level | None
    capacity: int | None = Field(description="Seats of a workshop that takes registrations; null: walk in.")
    seats: SeatsOut | None = Field(description="For workshops with a capacity.")
    status: SessionStatus
    sequence: int = Field(description="Raised whenever the time, the room or the status changes.")
    speakers: list[MemberRef]
    starred: bool = Field(description="On the caller's schedule.")
    registration: RegistrationOut | None = Field(description="The caller's seat or place in line.")
    stars: int | None = Field(None, description="Organisers only: how many members starred it.")


class SessionEnvelope(BaseModel):
    timezone: str = Field(description="The event's IANA zone, to show the times in.")
    session: SessionOut


class SessionsEnvelope(BaseModel):
    timezone: str = Field(description="The event's IANA zone, to show the times in.")
    sessions: list[SessionOut] = Field(description="In time order, rooms left to right; cancelled ones too.")


class SpeakerOut(BaseModel):
    id: int
    name: str
    pronouns: str
    affiliation: str
    bio: str = Field(description="Markdown, as written.")
    links: list[str]
    url: str = Field(description="The speaker's page.")
    session_ids: list[int] = Field(description="Their sessions, in time order.")
    member: MemberRef | None = Field(None, description="Organisers only: the linked account.")


class SpeakerEnvelope(BaseModel):
    speaker: SpeakerOut


class SpeakersEnvelope(BaseModel):
    speakers: list[SpeakerOut]


class RoomOut(BaseModel):
    id: int
    name: str
    capacity: int | None
    position: int


class RoomEnvelope(BaseModel):
    room: RoomOut


class RoomsEnvelope(BaseModel):
    rooms: list[RoomOut]


class TrackOut(BaseModel):
    id: int
    name: str
    colour: str


class TrackEnvelope(BaseModel):
    track: TrackOut


class TracksEnvelope(BaseModel):
    tracks: list[TrackOut]


class AgendaOut(BaseModel):
    session_ids: list[int] = Field(description="The sessions I starred at this event.")
    clashes: list[list[int]] = Field(description="Pairs of them that overlap in time, in time order.")


class RegistrationEnvelope(BaseModel):
    registration: RegistrationOut


# Shaping answers


#: the programme's pages, by the endpoint names agreed for them and by their view functions' names
SESSION_PAGE = ("programme.session", "programme.show_session")
SPEAKER_PAGE = ("programme.speaker", "programme.show_speaker")


def _page_url(endpoints: tuple[str, ...], path: str, **values: object) -> str:
    """The page's absolute URL from the app's own routes; `path` is the same address, used only by an app
    built without the programme's pages."""
    for endpoint in endpoints:
        try:
            return web.absolute_url(endpoint, **values)
        except BuildError:
            continue
    return web.site().base_url + path


@dataclass(frozen=True)
class Seen:
    """What the caller's view of sessions adds to them, loaded once for a whole list."""

    starred: set[int]
    mine: dict[int, Registration]
    positions: dict[int, int]
    seats: dict[int, registrations.Seats]
    stars: dict[int, int] | None


def _positions(mine: Iterable[Registration]) -> dict[int, int]:
    """The caller's place in each line they wait in, in one statement (registrations.position's count)."""
    waiting = {r.session_id: r.waitlist_rank for r in mine if r.status is RegistrationStatus.waitlisted}
    if not waiting:
        return {}
    places = dict.fromkeys(waiting, 1)
    rows = db.session.execute(
        select(Registration.session_id, Registration.waitlist_rank).where(
            Registration.session_id.in_(list(waiting)), Registration.status == RegistrationStatus.waitlisted
        )
    )
    for session_id, rank in rows:
        if rank < waiting[session_id]:
            places[session_id] += 1
    return places


def _seen(event: Event, sessions: list[ProgrammeSession]) -> Seen:
    viewer = web.me()
    mine = registrations.my_registrations(db.session, event, viewer)
    return Seen(
        starred=schedule.starred_ids(db.session, event, viewer),
        mine=mine,
        positions=_positions(mine.values()),
        seats=registrations.seats(db.session, [s.id for s in sessions if s.takes_registrations]),
        stars=schedule.star_counts(db.session, event)
        if events.can(db.session, viewer, event, "manage")
        else None,
    )


def session_json(item: ProgrammeSession, seen: Seen) -> dict[str, Any]:
    seats, mine = seen.seats.get(item.id), seen.mine.get(item.id)
    return {
        "id": item.id,
        "url": _page_url(
            SESSION_PAGE,
            f"/e/{item.event_id}/sessions/{item.id}",
            event_id=item.event_id,
            session_id=item.id,
        ),
        "kind": item.kind.value,
        "title": item.title,
        "abstract": item.abstract,
        "starts_at": item.starts_at.isoformat(),
        "ends_at": item.ends_at.isoformat(),
        "room": {"id": item.room.id, "name": item.room.name} if item.room else None,
        "track": {"id": item.track.id, "name": item.track.name, "colour": item.track.colour}
        if item.track
        else None,
        "language": item.language,
        "level": item.level.value if item.level else None,
        "capacity": item.capacity,
        "seats": {"taken": seats.taken, "waiting": seats.waiting} if seats else None,
        "status": item.status.value,
        "sequence": item.sequence,
        "speakers": [{"id": s.id, "name": s.name} for s in item.speakers],
        "starred": item.id in seen.starred,
        "registration": None
        if mine is None
        else {"status": mine.status.value, "waitlist_position": seen.positions.get(item.id)},
        "stars": None if seen.stars is None else seen.stars.get(item.id, 0),
    }


def _sessions_answer(event: Event, sessions: list[ProgrammeSession]) -> dict[str, Any]:
    seen = _seen(event, sessions)
    return {"timezone": event.timezone, "sessions": [session_json(s, seen) for s in sessions]}


def _session_answer(event: Event, item: ProgrammeSession, *, moved: bool = False) -> dict[str, Any]:
    """`moved`: the rule changed room_id or track_id, so the room and track loaded before are stale (the
    session keeps objects after a commit)."""
    if moved:
        db.session.expire(item, ["room", "track"])
    return {"timezone": event.timezone, "session": session_json(item, _seen(event, [item]))}


def speaker_json(speaker: Speaker, session_ids: list[int], *, manages: bool) -> dict[str, Any]:
    return {
        "id": speaker.id,
        "name": speaker.name,
        "pronouns": speaker.pronouns,
        "affiliation": speaker.affiliation,
        "bio": speaker.bio,
        "links": list(speaker.links or []),
        "url": _page_url(
            SPEAKER_PAGE,
            f"/e/{speaker.event_id}/speakers/{speaker.id}",
            event_id=speaker.event_id,
            speaker_id=speaker.id,
        ),
        "session_ids": session_ids,
        "member": {"id": speaker.member.id, "name": speaker.member.name}
        if manages and speaker.member
        else None,
    }


def _speaker_answer(event: Event, speaker: Speaker) -> dict[str, Any]:
    ids = [s.id for s in service.sessions_of_speaker(db.session, speaker)]
    manages = events.can(db.session, web.me(), event, "manage")
    return {"speaker": speaker_json(speaker, ids, manages=manages)}


def room_json(room: Room) -> dict[str, Any]:
    return {"id": room.id, "name": room.name, "capacity": room.capacity, "position": room.position}


def track_json(track: Track) -> dict[str, Any]:
    return {"id": track.id, "name": track.name, "colour": track.colour}


def _agenda_answer(event: Event) -> dict[str, Any]:
    mine = schedule.starred_sessions(db.session, web.me(), [event.id])
    return {
        "session_ids": sorted(s.id for s in mine),
        "clashes": [[c.first.id, c.second.id] for c in schedule.clashes(mine)],
    }


def _registration_answer(registration: Registration) -> dict[str, Any]:
    return {
        "registration": {
            "status": registration.status.value,
            "waitlist_position": registrations.position(db.session, registration),
        }
    }


# Reading what the request names


@bp.url_value_preprocessor
def _ids_in_range(_endpoint: str | None, values: dict[str, Any] | None) -> None:
    if any(isinstance(v, int) and v >= ID_LIMIT for v in (values or {}).values()):
        raise errors.NotFound(_("There is nothing here."))


def _event(event_id: int) -> Event:
    """The event as the caller may see it: a draft is not there for those who do not manage it."""
    return service.get_event(db.session, event_id, web.me())


def _one(items: list, item_id: int, message: str):
    found = next((item for item in items if item.id == item_id), None)
    if found is None:
        raise errors.NotFound(message)
    return found


def _local_day(event: Event, text: str | None) -> date | None:
    if text is None:
        return None
    first, last = event.local_starts_at.date(), event.local_ends_at.date()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise errors.InvalidInput(_("That is not a date (YYYY-MM-DD)."), field="day") from None
    if not first <= day <= last:
        raise errors.InvalidInput(
            _("The event runs from %(first)s to %(last)s.", first=first.isoformat(), last=last.isoformat()),
            field="day",
        )
    return day


def _filtered(event: Event, query: SessionsQuery) -> list[ProgrammeSession]:
    """The event's sessions that pass the query's filters; a track or room of another event is refused."""
    if query.track is not None and query.track not in {t.id for t in service.list_tracks(db.session, event)}:
        raise errors.InvalidInput(_("This event has no such track."), field="track")
    if query.room is not None and query.room not in {r.id for r in service.list_rooms(db.session, event)}:
        raise errors.InvalidInput(_("This event has no such room."), field="room")
    day, zone = _local_day(event, query.day), event.zone
    language = query.language.lower() if query.language else None
    return [
        s
        for s in service.list_sessions(db.session, event)
        if (query.track is None or s.track_id == query.track)
        and (query.room is None or s.room_id == query.room)
        and (language is None or s.language == language)
        and (query.level is None or s.level is query.level)
        and (day is None or s.local_starts_at(zone).date() == day)
    ]


def _speaker_values(speaker: Speaker, body: SpeakerChanges) -> dict[str, Any]:
    """The speaker as it is, with what the body changes (the rule checks the whole)."""
    current = {
        "name": speaker.name,
        "bio": speaker.bio,
        "pronouns": speaker.pronouns,
        "affiliation": speaker.affiliation,
        "links": list(speaker.links or []),
        "email": speaker.member.email if speaker.member else "",
    }
    return {**current, **body.model_dump(exclude_unset=True)}


def _manage() -> dict[str, Any]:
    return {"session": db.session, "actor": web.me()}


# Sessions


@bp.get("/events/<int:event_id>/sessions")
@bp.input(SessionsQuery, location="query", arg_name="query")
@bp.output(SessionsEnvelope)
@bp.doc(
    summary="The programme: every session, with the caller's stars and seats",
    description="Filters: `track`, `room` (ids), `language`, `level`, `day` (YYYY-MM-DD in the event's "
    "zone). Drafts only for those who manage the event; organisers also get each session's `stars`.",
    responses={**READ_ERRORS, 422: "invalid_input"},
)
def list_sessions(event_id: int, query: SessionsQuery):
    event = _event(event_id)
    return _sessions_answer(event, _filtered(event, query))


@bp.get("/events/<int:event_id>/sessions/<int:session_id>")
@bp.output(SessionEnvelope)
@bp.doc(summary="One session", responses=READ_ERRORS)
def show_session(event_id: int, session_id: int):
    event = _event(event_id)
    return _session_answer(event, service.get_session(db.session, event, session_id))


@bp.post("/events/<int:event_id>/sessions")
@bp.input(SessionIn, arg_name="body")
@bp.output(SessionEnvelope, status_code=201)
@bp.doc(
    summary="Add a session (organisers)",
    description="Inside the event's dates, its room free then, each speaker in one place at a time; a "
    "refusal names the `field` and the `session_id` in the way.",
    security=api.SECURITY,
    responses=SESSION_ERRORS,
)
@api.login_required
def create_session(event_id: int, body: SessionIn):
    event = _event(event_id)
    item = service.create_session(
        **_manage(), event=event, values=body.model_dump(exclude_none=True), now=clock.now()
    )
    db.session.commit()
    return _session_answer(event, item), 201


@bp.patch("/events/<int:event_id>/sessions/<int:session_id>")
@bp.input(SessionChanges, arg_name="body")
@bp.output(SessionEnvelope)
@bp.doc(
    summary="Change a session (organisers)",
    description="Only the fields sent change; the result is checked as a whole. A new time, room or "
    "status raises `sequence` and tells the members who follow it.",
    security=api.SECURITY,
    responses={**SESSION_ERRORS, 409: "room_taken, speaker_busy, invalid_state"},
)
@api.login_required
def update_session(event_id: int, session_id: int, body: SessionChanges):
    event = _event(event_id)
    item = service.update_session(
        **_manage(),
        event=event,
        session_id=session_id,
        changes=body.model_dump(exclude_unset=True),
        now=clock.now(),
    )
    db.session.commit()
    return _session_answer(event, item, moved=True)


@bp.post("/events/<int:event_id>/sessions/<int:session_id>/cancel")
@bp.output(SessionEnvelope)
@bp.doc(
    summary="Cancel a session (organisers)",
    description="It stays on the agenda, marked cancelled; its seats end and its followers hear. Cancelling "
    "twice changes nothing.",
    security=api.SECURITY,
    responses=MANAGE_ERRORS,
)
@api.login_required
def cancel_session(event_id: int, session_id: int):
    event = _event(event_id)
    item = service.cancel_session(**_manage(), event=event, session_id=session_id, now=clock.now())
    db.session.commit()
    return _session_answer(event, item)


@bp.delete("/events/<int:event_id>/sessions/<int:session_id>")
@bp.output({}, status_code=204)
@bp.doc(
    summary="Remove a session nobody follows yet (organisers)",
    description="A session members starred or registered for is cancelled instead (`invalid_state`).",
    security=api.SECURITY,
    responses={**MANAGE_ERRORS, 409: "invalid_state"},
)
@api.login_required
def delete_session(event_id: int, session_id: int):
    service.delete_session(**_manage(), event=_event(event_id), session_id=session_id, now=clock.now())
    db.session.commit()
    return ""


# Speakers


@bp.get("/events/<int:event_id>/speakers")
@bp.output(SpeakersEnvelope)
@bp.doc(summary="The event's speakers, with their sessions", responses=READ_ERRORS)
def list_speakers(event_id: int):
    event = _event(event_id)
    talks: dict[int, list[int]] = {}
    for item in service.list_sessions(db.session, event):
        for speaker in item.speakers:
            talks.setdefault(speaker.id, []).append(item.id)
    manages = events.can(db.session, web.me(), event, "manage")
    speakers = service.list_speakers(db.session, event)
    return {"speakers": [speaker_json(s, talks.get(s.id, []), manages=manages) for s in speakers]}


@bp.get("/events/<int:event_id>/speakers/<int:speaker_id>")
@bp.output(SpeakerEnvelope)
@bp.doc(summary="One speaker, with their sessions", responses=READ_ERRORS)
def show_speaker(event_id: int, speaker_id: int):
    event = _event(event_id)
    return _speaker_answer(event, service.get_speaker(db.session, event, speaker_id))


@bp.post("/events/<int:event_id>/speakers")
@bp.input(SpeakerIn, arg_name="body")
@bp.output(SpeakerEnvelope, status_code=201)
@bp.doc(
    summary="Add a speaker (organisers)",
    description="`email` links the speaker's own account: they hold the speaker role while they have a "
    "session.",
    security=api.SECURITY,
    responses=EDIT_ERRORS,
)
@api.login_required
def create_speaker(event_id: int, body: SpeakerIn):
    event = _event(event_id)
    values = body.model_dump(exclude_none=True)
    speaker = lineup.save_speaker(**_manage(), event=event, values=values, now=clock.now())
    db.session.commit()
    return _speaker_answer(event, speaker), 201


@bp.patch("/events/<int:event_id>/speakers/<int:speaker_id>")
@bp.input(SpeakerChanges, arg_name="body")
@bp.output(SpeakerEnvelope)
@bp.doc(summary="Change a speaker (organisers)", security=api.SECURITY, responses=EDIT_ERRORS)
@api.login_required
def update_speaker(event_id: int, speaker_id: int, body: SpeakerChanges):
    event = _event(event_id)
    events.ensure_can(db.session, web.me(), event, "manage")  # before the speaker's account is read
    values = _speaker_values(service.get_speaker(db.session, event, speaker_id), body)
    speaker = lineup.save_speaker(
        **_manage(), event=event, values=values, now=clock.now(), speaker_id=speaker_id
    )
    db.session.commit()
    return _speaker_answer(event, speaker)


@bp.delete("/events/<int:event_id>/speakers/<int:speaker_id>")
@bp.output({}, status_code=204)
@bp.doc(
    summary="Remove a speaker (organisers); their sessions stay, without them",
    security=api.SECURITY,
    responses=MANAGE_ERRORS,
)
@api.login_required
def delete_speaker(event_id: int, speaker_id: int):
    lineup.delete_speaker(**_manage(), event=_event(event_id), speaker_id=speaker_id, now=clock.now())
    db.session.commit()
    return ""


# Rooms


@bp.get("/events/<int:event_id>/rooms")
@bp.output(RoomsEnvelope)
@bp.doc(summary="The event's rooms, left to right", responses=READ_ERRORS)
def list_rooms(event_id: int):
    return {"rooms": [room_json(r) for r in service.list_rooms(db.session, _event(event_id))]}


@bp.post("/events/<int:event_id>/rooms")
@bp.input(RoomIn, arg_name="body")
@bp.output(RoomEnvelope, status_code=201)
@bp.doc(summary="Add a room (organisers)", security=api.SECURITY, responses=EDIT_ERRORS)
@api.login_required
def create_room(event_id: int, body: RoomIn):
    values = body.model_dump(exclude_none=True)
    room = places.save_room(**_manage(), event=_event(event_id), values=values)
    db.session.commit()
    return {"room": room_json(room)}, 201


@bp.patch("/events/<int:event_id>/rooms/<int:room_id>")
@bp.input(RoomChanges, arg_name="body")
@bp.output(RoomEnvelope)
@bp.doc(summary="Change a room (organisers)", security=api.SECURITY, responses=EDIT_ERRORS)
@api.login_required
def update_room(event_id: int, room_id: int, body: RoomChanges):
    event = _event(event_id)
    room = _one(service.list_rooms(db.session, event), room_id, _("There is no such room."))
    values = {**room_json(room), **body.model_dump(exclude_unset=True)}
    room = places.save_room(**_manage(), event=event, values=values, room_id=room_id)
    db.session.commit()
    return {"room": room_json(room)}


@bp.delete("/events/<int:event_id>/rooms/<int:room_id>")
@bp.output({}, status_code=204)
@bp.doc(
    summary="Remove a room no session is planned in (organisers)",
    security=api.SECURITY,
    responses={**MANAGE_ERRORS, 409: "room_in_use"},
)
@api.login_required
def delete_room(event_id: int, room_id: int):
    places.delete_room(**_manage(), event=_event(event_id), room_id=room_id)
    db.session.commit()
    return ""


# Tracks


@bp.get("/events/<int:event_id>/tracks")
@bp.output(TracksEnvelope)
@bp.doc(summary="The event's tracks", responses=READ_ERRORS)
def list_tracks(event_id: int):
    return {"tracks": [track_json(t) for t in service.list_tracks(db.session, _event(event_id))]}


@bp.post("/events/<int:event_id>/tracks")
@bp.input(TrackIn, arg_name="body")
@bp.output(TrackEnvelope, status_code=201)
@bp.doc(summary="Add a track (organisers)", security=api.SECURITY, responses=EDIT_ERRORS)
@api.login_required
def create_track(event_id: int, body: TrackIn):
    values = body.model_dump(exclude_none=True)
    track = places.save_track(**_manage(), event=_event(event_id), values=values)
    db.session.commit()
    return {"track": track_json(track)}, 201


@bp.patch("/events/<int:event_id>/tracks/<int:track_id>")
@bp.input(TrackChanges, arg_name="body")
@bp.output(TrackEnvelope)
@bp.doc(summary="Change a track (organisers)", security=api.SECURITY, responses=EDIT_ERRORS)
@api.login_required
def update_track(event_id: int, track_id: int, body: TrackChanges):
    event = _event(event_id)
    track = _one(service.list_tracks(db.session, event), track_id, _("There is no such track."))
    values = {**track_json(track), **body.model_dump(exclude_unset=True)}
    track = places.save_track(**_manage(), event=event, values=values, track_id=track_id)
    db.session.commit()
    return {"track": track_json(track)}


@bp.delete("/events/<int:event_id>/tracks/<int:track_id>")
@bp.output({}, status_code=204)
@bp.doc(
    summary="Remove a track (organisers); its sessions stay, in no track",
    security=api.SECURITY,
    responses=MANAGE_ERRORS,
)
@api.login_required
def delete_track(event_id: int, track_id: int):
    places.delete_track(**_manage(), event=_event(event_id), track_id=track_id)
    db.session.commit()
    return ""


# My agenda


@bp.get("/events/<int:event_id>/agenda/mine")
@bp.output(AgendaOut)
@bp.doc(
    summary="My schedule at the event: the sessions I starred, and which of them clash",
    security=api.SECURITY,
    responses=MEMBER_ERRORS,
)
@api.login_required
def my_agenda(event_id: int):
    return _agenda_answer(_event(event_id))


@bp.put("/events/<int:event_id>/agenda/mine")
@bp.input(AgendaIn, arg_name="body")
@bp.output(AgendaOut)
@bp.doc(
    summary="Replace my schedule at the event (for apps that keep their own list)",
    description="An id that is no session of the event refuses the whole list (`not_found`, nothing "
    "changes); breaks are left out, as they are on everyone's schedule.",
    security=api.SECURITY,
    responses={**MEMBER_ERRORS, 422: "invalid_input"},
)
@api.login_required
def set_my_agenda(event_id: int, body: AgendaIn):
    event = _event(event_id)
    schedule.set_stars(
        db.session, event=event, member=web.me(), session_ids=body.session_ids, now=clock.now()
    )
    db.session.commit()
    return _agenda_answer(event)


@bp.post("/events/<int:event_id>/sessions/<int:session_id>/star")
@bp.output(AgendaOut)
@bp.doc(
    summary="Star a session: put it on my schedule (again is fine); answers my schedule",
    security=api.SECURITY,
    responses={**MEMBER_ERRORS, 422: "invalid_input"},
)
@api.login_required
def star_session(event_id: int, session_id: int):
    event = _event(event_id)
    schedule.star(db.session, event=event, session_id=session_id, member=web.me(), now=clock.now())
    db.session.commit()
    return _agenda_answer(event)


@bp.delete("/events/<int:event_id>/sessions/<int:session_id>/star")
@bp.output(AgendaOut)
@bp.doc(
    summary="Take a session off my schedule; answers my schedule",
    security=api.SECURITY,
    responses=MEMBER_ERRORS,
)
@api.login_required
def unstar_session(event_id: int, session_id: int):
    event = _event(event_id)
    schedule.unstar(db.session, event=event, session_id=session_id, member=web.me())
    db.session.commit()
    return _agenda_answer(event)


# Workshop seats


@bp.post("/events/<int:event_id>/sessions/<int:session_id>/registration")
@bp.output(RegistrationEnvelope)
@bp.doc(
    summary="Take a seat at a workshop, or a place in its line (members going to the event)",
    description="Registering again changes nothing. The line moves by the RSVP waitlist's rule until the "
    "session starts; whoever is seated from it gets a mail.",
    security=api.SECURITY,
    responses={**MEMBER_ERRORS, 409: "no_registration, not_going, invalid_state, rsvp_closed"},
)
@api.login_required
def register(event_id: int, session_id: int):
    registration = registrations.register(
        db.session, event=_event(event_id), session_id=session_id, member=web.me(), now=clock.now()
    )
    db.session.commit()
    return _registration_answer(registration)


@bp.delete("/events/<int:event_id>/sessions/<int:session_id>/registration")
@bp.output(RegistrationEnvelope)
@bp.doc(
    summary="Give my workshop seat (or place in line) back; the line moves at once",
    security=api.SECURITY,
    responses=MEMBER_ERRORS,
)
@api.login_required
def unregister(event_id: int, session_id: int):
    registration = registrations.unregister(
        db.session, event=_event(event_id), session_id=session_id, member=web.me(), now=clock.now()
    )
    db.session.commit()
    return _registration_answer(registration)
