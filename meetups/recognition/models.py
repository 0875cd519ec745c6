from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetups.accounts.models import Member
from meetups.extensions import db


class Outcome(enum.StrEnum):
    attended = "attended"  # checked in at the door (or corrected to it by an organiser)
    no_show = "no_show"  # going, never checked in
    late_cancel = "late_cancel"  # cancelled within 24 hours of the start
    excused = "excused"  # cancelled in time: neither attended nor absent, so it breaks no streak


class Attendance(db.Model):
    """How one member's RSVP to a closed event turned out: the record profiles, achievements, survey
    eligibility and community health are computed from. A deleted account leaves its rows without a member,
    so the counts stay true and nothing personal remains."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("event_id", "member_id"),
        Index("ix_attendance_community_on", "community_id", "event_on"),
        # a member's record (profiles), and in one community (health: who came back, and when)
        Index("ix_attendance_member_community_on", "member_id", "community_id", "event_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id", ondelete="SET NULL"))
    #: the event's date in its own zone: streaks count dates and months as members lived them
    event_on: Mapped[date]
    outcome: Mapped[Outcome] = mapped_column(Enum(Outcome, native_enum=False, length=16))
    #: guests admitted with them at the door
    guests: Mapped[int] = mapped_column(default=0)
    #: when they RSVP'd: the health page relates no-shows to how early people answer
    rsvp_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime]

    member: Mapped[Member | None] = relationship()


class Contribution(db.Model):
    """A staff role someone held at a closed event: organiser, speaker or volunteer."""

    __tablename__ = "contributions"
    __table_args__ = (UniqueConstraint("event_id", "member_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    event_on: Mapped[date]

    member: Mapped[Member | None] = relationship()


class AttendanceCorrection(db.Model):
    """An organiser changed a record by hand after the close: never silently."""

    __tablename__ = "attendance_corrections"

    id: Mapped[int] = mapped_column(primary_key=True)
    attendance_id: Mapped[int] = mapped_column(ForeignKey("attendance.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    was: Mapped[Outcome] = mapped_column(Enum(Outcome, native_enum=False, length=16))
    now_is: Mapped[Outcome] = mapped_column(Enum(Outcome, native_enum=False, length=16))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime]

    actor: Mapped[Member | None] = relationship()


class AchievementSeen(db.Model):
    """Achievements are computed from the record; this only remembers which ones the member has seen, so a
    new one is shown as new once."""

    __tablename__ = "achievements_seen"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    key: Mapped[str] = mapped_column(String(32), primary_key=True)
    seen_at: Mapped[datetime]
