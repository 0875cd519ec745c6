"""Building the programme: sessions, each checked against the rooms, tracks and speakers (programme.places,
programme.lineup) (inside the
event's dates, one session per room at a time, one place per speaker at a time). Speakers with an account hold
the event's speaker role while they have a session. A session that moves or is cancelled raises its SEQUENCE
and is news to the members who starred it or hold a seat in it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from meetups import dates, errors
from meetups.accounts.models import Member
from meetups.events import service as events
from meetups.events.models import Event, StaffRole
from meetups.notify import service as notify
from meetups.notify.models import Topic
from meetups.programme import fields as check
from meetups.programme import registrations
from meetups.programme.models import (
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    Room,
    SessionKind,
    SessionSpeaker,
    SessionStatus,
    Speaker,
    Star,
    Track,
)

#: edits to one session within this window make one mail to each member who starred it
CHANGE_SETTLES = timedelta(minutes=10)


class RoomTaken(errors.DomainError):
    code, status = "room_taken", 409


class SpeakerBusy(errors.DomainError):
    code, status = "speaker_busy", 409


class OutsideEvent(errors.DomainError):
    code, status = "outside_event", 422


# Reading


def get_event(session: Session, event_id: int, viewer: Member | None) -> Event:
    return events.get_event(session, event_id, viewer=viewer)


def get_managed_event(session: Session, event_id: int, actor: Member | None) -> Event:
    return events.get_managed_event(session, event_id, actor)


def _loaded():
    return (
        selectinload(ProgrammeSession.speaker_links),
        selectinload(ProgrammeSession.room),
        selectinload(ProgrammeSession.track),
    )


def list_sessions(
    session: Session, event: Event, *, include_cancelled: bool = True
) -> list[ProgrammeSession]:
    """The event's sessions in time order, rooms left to right, with rooms, tracks and speakers loaded (four
    statements however many there are)."""
    query = (
        select(ProgrammeSession)
        .outerjoin(Room, Room.id == ProgrammeSession.room_id)
        .where(ProgrammeSession.event_id == event.id)
        .options(*_loaded())
        .order_by(ProgrammeSession.starts_at, Room.position, Room.name, ProgrammeSession.id)
    )
    if not include_cancelled:
        query = query.where(ProgrammeSession.status == SessionStatus.scheduled)
    return list(session.scalars(query))


def list_rooms(session: Session, event: Event) -> list[Room]:
    return list(
        session.scalars(select(Room).where(Room.event_id == event.id).order_by(Room.position, Room.name))
    )


def list_tracks(session: Session, event: Event) -> list[Track]:
    return list(session.scalars(select(Track).where(Track.event_id == event.id).order_by(Track.name)))


def list_speakers(session: Session, event: Event) -> list[Speaker]:
    return list(
        session.scalars(
            select(Speaker)
            .where(Speaker.event_id == event.id)
            .options(selectinload(Speaker.member))
            .order_by(func.lower(Speaker.name), Speaker.id)
        )
    )


def get_session(session: Session, event: Event, session_id: int) -> ProgrammeSession:
    found = session.scalar(
        select(ProgrammeSession)
        .where(ProgrammeSession.id == session_id, ProgrammeSession.event_id == event.id)
        .options(*_loaded())
    )
    if found is None:
        raise errors.NotFound(_("There is no such session."))
    return found


def get_speaker(session: Session, event: Event, speaker_id: int) -> Speaker:
    found = session.get(Speaker, speaker_id)
    if found is None or found.event_id != event.id:
        raise errors.NotFound(_("There is no such speaker."))
    return found


def sessions_of_speaker(session: Session, speaker: Speaker) -> list[ProgrammeSession]:
    return list(
        session.scalars(
            select(ProgrammeSession)
            .join(SessionSpeaker, SessionSpeaker.session_id == ProgrammeSession.id)
            .where(SessionSpeaker.speaker_id == speaker.id)
            .options(*_loaded())
            .order_by(ProgrammeSession.starts_at)
        )
    )


def get_room(session: Session, event: Event, room_id: int) -> Room:
    room = session.get(Room, room_id)
    if room is None or room.event_id != event.id:
        raise errors.NotFound(_("There is no such room."), field="room_id")
    return room


def get_track(session: Session, event: Event, track_id: int) -> Track:
    track = session.get(Track, track_id)
    if track is None or track.event_id != event.id:
        raise errors.NotFound(_("There is no such track."), field="track_id")
    return track


def sync_speaker_roles(session: Session, event: Event, member_ids: set[int], now: datetime) -> None:
    """Linked speakers with a scheduled session hold the event's speaker role (a badge ribbon, no attendee
    seat, the "first talk" achievement once the event closes); those without one no longer do."""
    if not member_ids:
        return
    speaking = set(
        session.scalars(
            select(Speaker.member_id)
            .join(SessionSpeaker, SessionSpeaker.speaker_id == Speaker.id)
            .join(ProgrammeSession, ProgrammeSession.id == SessionSpeaker.session_id)
            .where(
                Speaker.event_id == event.id,
                Speaker.member_id.in_(member_ids),
                ProgrammeSession.status == SessionStatus.scheduled,
            )
        )
    )
    for member_id in sorted(member_ids):
        if member_id in speaking:
            member = session.get(Member, member_id)
            events.grant_role(session, event=event, member=member, role=StaffRole.speaker, now=now)
        else:
            events.revoke_role(session, event=event, member_id=member_id, role=StaffRole.speaker, now=now)


# Sessions


def _overlapping(event: Event, values: dict, exclude_id: int | None):
    query = select(ProgrammeSession).where(
        ProgrammeSession.event_id == event.id,
        ProgrammeSession.status == SessionStatus.scheduled,
        ProgrammeSession.starts_at < values["ends_at"],
        ProgrammeSession.ends_at > values["starts_at"],
    )
    return query if exclude_id is None else query.where(ProgrammeSession.id != exclude_id)


def check_fits(session: Session, event: Event, values: dict, exclude_id: int | None = None) -> None:
    """Inside the event's dates, its room free, each speaker in one place at a time; each refusal names the
    field and the session in the way."""
    if values["starts_at"] < event.starts_at or values["ends_at"] > event.ends_at:
        raise OutsideEvent(
            _(
                "The session must lie within the event: %(start)s to %(end)s.",
                start=dates.local_datetime(event.starts_at, event.timezone),
                end=dates.local_datetime(event.ends_at, event.timezone),
            ),
            field="starts_at",
        )
    if values["room_id"] is not None:
        room = get_room(session, event, values["room_id"])
        other = session.scalar(
            _overlapping(event, values, exclude_id).where(ProgrammeSession.room_id == room.id).limit(1)
        )
        if other is not None:
            raise RoomTaken(
                _(
                    "%(room)s is taken then by %(title)s (%(start)s–%(end)s).",
                    room=room.name,
                    title=other.title,
                    start=dates.local_datetime(other.starts_at, event.timezone, "EEE HH:mm"),
                    end=dates.local_time(other.ends_at, event.timezone),
                ),
                field="room_id",
                session_id=other.id,
            )
    if values["track_id"] is not None:
        get_track(session, event, values["track_id"])
    if not values["speaker_ids"]:
        return
    speakers = {
        s.id: s for s in session.scalars(select(Speaker).where(Speaker.id.in_(values["speaker_ids"])))
    }
    if any(s.event_id != event.id for s in speakers.values()) or len(speakers) != len(values["speaker_ids"]):
        raise errors.NotFound(_("There is no such speaker."), field="speaker_ids")
    busy = session.execute(
        _overlapping(event, values, exclude_id)
        .join(SessionSpeaker, SessionSpeaker.session_id == ProgrammeSession.id)
        .where(SessionSpeaker.speaker_id.in_(values["speaker_ids"]))
        .add_columns(SessionSpeaker.speaker_id)
        .limit(1)
    ).first()
    if busy is not None:
        other, speaker_id = busy
        raise SpeakerBusy(
            _(
                "%(name)s speaks in %(title)s then (%(start)s–%(end)s).",
                name=speakers[speaker_id].name,
                title=other.title,
                start=dates.local_datetime(other.starts_at, event.timezone, "EEE HH:mm"),
                end=dates.local_time(other.ends_at, event.timezone),
            ),
            field="speaker_ids",
            session_id=other.id,
        )


def _apply(item: ProgrammeSession, values: dict) -> set[str]:
    """Set the fields; the names of those that changed."""
    changed = set()
    for name, value in values.items():
        if name == "speaker_ids":
            if [link.speaker_id for link in item.speaker_links] != value:
                item.speaker_links = [
                    SessionSpeaker(speaker_id=sid, position=i) for i, sid in enumerate(value)
                ]
                changed.add(name)
        elif getattr(item, name) != value:
            setattr(item, name, value)
            changed.add(name)
    return changed


def _speaker_members(session: Session, speaker_ids) -> set[int]:
    if not speaker_ids:
        return set()
    return set(
        session.scalars(
            select(Speaker.member_id).where(Speaker.id.in_(list(speaker_ids)), Speaker.member_id.is_not(None))
        )
    )


def create_session(
    session: Session, *, event: Event, actor: Member, values: dict, now: datetime
) -> ProgrammeSession:
    events.ensure_can(session, actor, event, "manage")
    cleaned = check.session_fields(values, event.zone)
    return add_checked_session(session, event=event, cleaned=cleaned, now=now)


def add_checked_session(session: Session, *, event: Event, cleaned: dict, now: datetime) -> ProgrammeSession:
    """A session whose fields are checked (session_fields), fitted into the programme: for create_session and
    the import, which checks its permission once for every row."""
    check_fits(session, event, cleaned)
    item = ProgrammeSession(event_id=event.id, created_at=now, updated_at=now)
    _apply(item, cleaned)
    session.add(item)
    session.flush()
    sync_speaker_roles(session, event, _speaker_members(session, cleaned["speaker_ids"]), now)
    return item


def update_session(
    session: Session, *, event: Event, actor: Member, session_id: int, changes: dict, now: datetime
) -> ProgrammeSession:
    """A partial update, checked as a whole."""
    events.ensure_can(session, actor, event, "manage")
    item = get_session(session, event, session_id)
    if item.is_cancelled:
        raise errors.InvalidState(_("This session is cancelled; add a new one instead."))
    current = {
        "title": item.title,
        "kind": item.kind.value,
        "abstract": item.abstract,
        "starts_at": item.starts_at,
        "ends_at": item.ends_at,
        "room_id": item.room_id,
        "track_id": item.track_id,
        "language": item.language,
        "level": item.level.value if item.level else None,
        "capacity": item.capacity,
        "speaker_ids": [link.speaker_id for link in item.speaker_links],
    }
    unknown = set(changes) - set(current)
    if unknown:
        raise errors.InvalidInput(
            _("Unknown field: %(name)s.", name=sorted(unknown)[0]), field=sorted(unknown)[0]
        )
    cleaned = check.session_fields({**current, **changes}, event.zone)
    check_fits(session, event, cleaned, exclude_id=item.id)
    if cleaned["capacity"] is not None and cleaned["capacity"] < (item.capacity or 0):
        seated = session.scalar(
            select(func.count()).where(
                Registration.session_id == item.id, Registration.status == RegistrationStatus.going
            )
        )
        if seated > cleaned["capacity"]:
            raise errors.InvalidInput(
                ngettext(
                    "%(num)d person already holds a seat: the workshop cannot have fewer.",
                    "%(num)d people already hold seats: the workshop cannot have fewer.",
                    seated,
                ),
                field="capacity",
            )
    speakers_before = _speaker_members(session, current["speaker_ids"])
    changed = _apply(item, cleaned)
    if not changed:
        return item
    item.updated_at = now
    if changed & check.SCHEDULE_FIELDS:
        item.sequence += 1
        tell_followers(session, event, item, now)
    session.flush()
    if changed & {"room_id", "track_id"}:
        session.expire(item, ["room", "track"])  # loaded for the old ids
    if "capacity" in changed:
        registrations.move_line(session, event, item, now)
    if "speaker_ids" in changed:
        sync_speaker_roles(
            session, event, speakers_before | _speaker_members(session, cleaned["speaker_ids"]), now
        )
    return item


def cancel_session(
    session: Session, *, event: Event, actor: Member, session_id: int, now: datetime
) -> ProgrammeSession:
    """It stays on the agenda, struck through, so nobody looks for it in vain; feeds cancel it, followers
    hear."""
    events.ensure_can(session, actor, event, "manage")
    item = get_session(session, event, session_id)
    if item.is_cancelled:
        return item
    item.status, item.updated_at = SessionStatus.cancelled, now
    item.sequence += 1
    tell_followers(session, event, item, now)  # registered members among them, before their seats end
    for registration in session.scalars(
        select(Registration).where(
            Registration.session_id == item.id, Registration.status != RegistrationStatus.cancelled
        )
    ):
        registration.status, registration.waitlist_rank, registration.updated_at = (
            RegistrationStatus.cancelled,
            None,
            now,
        )
    session.flush()
    sync_speaker_roles(session, event, _speaker_members(session, [s.id for s in item.speakers]), now)
    return item


def delete_session(session: Session, *, event: Event, actor: Member, session_id: int, now: datetime) -> None:
    """For sessions nobody follows yet (a draft programme); a followed one is cancelled instead, so feeds
    and followers learn of it."""
    events.ensure_can(session, actor, event, "manage")
    item = get_session(session, event, session_id)
    if event.is_published and followers(session, item):
        raise errors.InvalidState(_("Members follow this session: cancel it instead, so they hear of it."))
    members = _speaker_members(session, [s.id for s in item.speakers])
    session.delete(item)
    session.flush()
    sync_speaker_roles(session, event, members, now)


def followers(session: Session, item: ProgrammeSession) -> list[int]:
    """Members who starred the session or hold a seat (or a place in line) at it."""
    starred = select(Star.member_id).where(Star.session_id == item.id)
    registered = select(Registration.member_id).where(
        Registration.session_id == item.id, Registration.status != RegistrationStatus.cancelled
    )
    return sorted(set(session.scalars(starred.union(registered))))


def change_settle_key(event_id: int, member_id: int) -> str:
    return f"programme-changed:{event_id}:{member_id}"


def tell_followers(session: Session, event: Event, item: ProgrammeSession, now: datetime) -> None:
    """One mail per follower for the edits of the next few minutes, however many of their sessions moved."""
    if not event.is_published or event.has_ended(now) or item.kind is SessionKind.break_:
        return
    for member in session.scalars(select(Member).where(Member.id.in_(followers(session, item)))):
        notify.queue(
            session,
            to=member,
            kind="session_changed",
            topic=Topic.changes,
            now=now,
            settle_key=change_settle_key(event.id, member.id),
            settle=CHANGE_SETTLES,
            event_id=event.id,
            session_ids=[item.id],
        )


def on_event_cancelled(event: Event, *, session: Session, **_details) -> None:
    """The event's own cancellation mail says it all: session changes still settling are not sent."""
    sessions = select(ProgrammeSession.id).where(ProgrammeSession.event_id == event.id)
    starred = select(Star.member_id).where(Star.session_id.in_(sessions))
    registered = select(Registration.member_id).where(Registration.session_id.in_(sessions))
    members = session.scalars(starred.union(registered)).all()
    notify.skip_waiting(
        session,
        settle_keys=[change_settle_key(event.id, member_id) for member_id in members],
        reason="the event was cancelled",
    )


def programme_summary(session: Session, event: Event) -> dict[str, Any]:
    """For the dashboard: how much of a programme there is."""
    counts = session.execute(
        select(
            select(func.count()).where(ProgrammeSession.event_id == event.id).scalar_subquery(),
            select(func.count()).where(Speaker.event_id == event.id).scalar_subquery(),
            select(func.count()).where(Room.event_id == event.id).scalar_subquery(),
        )
    ).one()
    return {"sessions": counts[0], "speakers": counts[1], "rooms": counts[2]}
