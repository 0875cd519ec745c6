from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from meetups.accounts.models import Member
from meetups.extensions import db


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class BadgeJob(db.Model):
    """A large badge sheet built in the background; the page polls it for progress and then downloads it."""

    __tablename__ = "badge_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    #: {"layout", "who", "crop_marks", "locale"}: what to print, chosen when it was asked for
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(
        Enum(JobStatus, native_enum=False, length=16), default=JobStatus.queued
    )
    done_count: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    #: the finished PDF, in the database so that any web instance can serve it; loaded only when downloaded
    pdf: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    requested_by: Mapped[Member | None] = relationship()

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.done, JobStatus.failed)


class BadgePrint(db.Model):
    """A badge that went out in a PDF: "not printed yet" means no row for the member at the event."""

    __tablename__ = "badge_prints"
    __table_args__ = (Index("ix_badge_prints_event_member", "event_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    #: the RSVP whose ticket was on the badge; None for staff printed without a ticket
    rsvp_id: Mapped[int | None] = mapped_column(ForeignKey("rsvps.id", ondelete="SET NULL"))
    printed_at: Mapped[datetime]
    printed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    job_id: Mapped[int | None] = mapped_column(ForeignKey("badge_jobs.id", ondelete="SET NULL"))
    layout: Mapped[str] = mapped_column(String(16))
