"""A conference programme: rooms, tracks, speakers and the sessions that put them together, and what members
do with sessions (star them, register for a workshop's seats, get scanned in at its door)."""

from __future__ import annotations

import enum
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetups.accounts.models import Member
from meetups.events.models import Event
from meetups.extensions import db


def _enum(cls: type[enum.StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, validate_strings=True)


class SessionKind(enum.StrEnum):
    talk = "talk"
    workshop = "workshop"
    panel = "panel"
    keynote = "keynote"
    break_ = "break"


class Level(enum.StrEnum):
    beginner = "beginner"
    intermediate = "intermediate"
    advanced = "advanced"


class SessionStatus(enum.StrEnum):
    scheduled = "scheduled"
    cancelled = "cancelled"


class RegistrationStatus(enum.StrEnum):
    going = "going"
    waitlisted = "waitlisted"
    cancelled = "cancelled"


class Room(db.Model):
    __tablename__ = "programme_rooms"
    __table_args__ = (
        UniqueConstraint("event_id", "name"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="room_capacity_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: people the room holds (None: not known); organisers compare it with the stars of its sessions
    capacity: Mapped[int | None]
    #: left to right on the agenda
    position: Mapped[int] = mapped_column(default=0)


class Track(db.Model):
    __tablename__ = "programme_tracks"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: "#RRGGBB"; the agenda always shows the name too, never the colour alone
    colour: Mapped[str] = mapped_column(String(7), default="#5b6ee1")


class Speaker(db.Model):
    __tablename__ = "programme_speakers"
    __table_args__ = (UniqueConstraint("event_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    #: the speaker's own account, when they have one: they then hold the event's speaker role
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: Markdown, rendered through the sanitiser
    bio: Mapped[str] = mapped_column(Text, default="")
    pronouns: Mapped[str] = mapped_column(String(40), default="")
    affiliation: Mapped[str] = mapped_column(String(200), default="")
    #: http(s) URLs: a site, a profile, slides
    links: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]

    member: Mapped[Member | None] = relationship()


class ProgrammeSession(db.Model):
    """One item of the agenda: a talk, workshop, panel, keynote or break, at a time and (but for breaks) in
    a room. "Session" is SQLAlchemy's word for a transaction, hence the longer name."""

    __tablename__ = "programme_sessions"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="session_ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="session_capacity_not_negative"),
        Index("ix_programme_sessions_event_starts", "event_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[SessionKind] = mapped_column(_enum(SessionKind), default=SessionKind.talk)
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown, rendered through the sanitiser
    abstract: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    room_id: Mapped[int | None] = mapped_column(
        ForeignKey("programme_rooms.id", ondelete="RESTRICT"), index=True
    )
    track_id: Mapped[int | None] = mapped_column(ForeignKey("programme_tracks.id", ondelete="SET NULL"))
    #: a language tag ("en", "ru"); "" when the event's language goes without saying
    language: Mapped[str] = mapped_column(String(16), default="")
    level: Mapped[Level | None] = mapped_column(_enum(Level))
    #: seats for a workshop that takes registrations; None: walk in
    capacity: Mapped[int | None]
    status: Mapped[SessionStatus] = mapped_column(_enum(SessionStatus), default=SessionStatus.scheduled)
    #: iCalendar SEQUENCE: bumped when the time, the room or the status changes
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    event: Mapped[Event] = relationship()
    room: Mapped[Room | None] = relationship()
    track: Mapped[Track | None] = relationship()
    speaker_links: Mapped[list[SessionSpeaker]] = relationship(
        order_by="SessionSpeaker.position", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def speakers(self) -> list[Speaker]:
        return [link.speaker for link in self.speaker_links]

    @property
    def is_cancelled(self) -> bool:
        return self.status is SessionStatus.cancelled

    @property
    def takes_registrations(self) -> bool:
        return self.capacity is not None

    def local_starts_at(self, zone: ZoneInfo) -> datetime:
        return self.starts_at.astimezone(zone)

    def local_ends_at(self, zone: ZoneInfo) -> datetime:
        return self.ends_at.astimezone(zone)


class SessionSpeaker(db.Model):
    __tablename__ = "programme_session_speakers"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("programme_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    speaker_id: Mapped[int] = mapped_column(
        ForeignKey("programme_speakers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    position: Mapped[int] = mapped_column(default=0)

    speaker: Mapped[Speaker] = relationship(lazy="joined")


class Star(db.Model):
    """A session on a member's personal schedule."""

    __tablename__ = "programme_stars"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("programme_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    starred_at: Mapped[datetime]


class Registration(db.Model):
    """A seat at a workshop (or a place in its line), for a member going to the event."""

    __tablename__ = "programme_registrations"
    __table_args__ = (
        UniqueConstraint("session_id", "member_id"),
        Index("ix_programme_registrations_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("programme_sessions.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(_enum(RegistrationStatus))
    #: order in the line while waitlisted
    waitlist_rank: Mapped[int | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    member: Mapped[Member] = relationship()


class SessionCheckIn(db.Model):
    """Someone scanned in at a session's door (the event's ticket, scanned in the session's room)."""

    __tablename__ = "programme_checkins"
    __table_args__ = (UniqueConstraint("session_id", "rsvp_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("programme_sessions.id", ondelete="CASCADE"))
    rsvp_id: Mapped[int] = mapped_column(ForeignKey("rsvps.id", ondelete="CASCADE"), index=True)
    client_scan_id: Mapped[str] = mapped_column(String(64), default="")
    checked_in_at: Mapped[datetime]
    #: the staff member who scanned (None for a door link)
    scanned_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
