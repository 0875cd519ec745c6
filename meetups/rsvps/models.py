from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetups.accounts.models import Member
from meetups.events.models import Event
from meetups.extensions import db


class RsvpStatus(enum.StrEnum):
    going = "going"
    waitlisted = "waitlisted"
    pending = "pending"  # waiting for an organiser's approval
    offered = "offered"  # a seat held for this member until offer_expires_at
    cancelled = "cancelled"  # by the member, or an offer that expired
    declined = "declined"  # by an organiser


#: states that hold seats: an offered seat is kept free for the member it was offered to
SEATED = (RsvpStatus.going, RsvpStatus.offered)
ACTIVE = (RsvpStatus.going, RsvpStatus.offered, RsvpStatus.waitlisted, RsvpStatus.pending)


class QuestionKind(enum.StrEnum):
    short_text = "short_text"
    long_text = "long_text"
    single = "single"
    multi = "multi"
    yes_no = "yes_no"


class Rsvp(db.Model):
    __tablename__ = "rsvps"
    __table_args__ = (
        UniqueConstraint("event_id", "member_id"),  # one RSVP per member per event
        CheckConstraint("guests >= 0", name="guests_not_negative"),
        Index("ix_rsvps_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    status: Mapped[RsvpStatus] = mapped_column(Enum(RsvpStatus, native_enum=False, length=16))
    guests: Mapped[int] = mapped_column(default=0)
    #: answers to the event's questions, by question id (as a string, JSON keys are strings)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: place in the waitlist: lower goes first; set on joining it, changed only by a logged manual move
    waitlist_rank: Mapped[int | None]
    offer_expires_at: Mapped[datetime | None]
    #: ≥128 bits of randomness; made each time the RSVP becomes `going`, valid only while it is
    ticket_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    #: why it ended, when it did: "member", "offer_expired", "offer_declined", "event_cancelled", "organiser"
    end_reason: Mapped[str] = mapped_column(String(20), default="")
    #: an organiser's note to the member on approval or decline
    message: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    #: when it last became `going`: a reminder whose moment came before that is not sent (they just got a
    #: ticket)
    seated_at: Mapped[datetime | None]

    event: Mapped[Event] = relationship()
    member: Mapped[Member] = relationship()

    def __repr__(self) -> str:
        return f"<Rsvp {self.id} event={self.event_id} member={self.member_id} {self.status}>"

    @property
    def party(self) -> int:
        return 1 + self.guests

    @property
    def valid_ticket_code(self) -> str | None:
        return self.ticket_code if self.status is RsvpStatus.going else None


class Question(db.Model):
    """A question an event asks with each RSVP; answers are seen by organisers only."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(Enum(QuestionKind, native_enum=False, length=16))
    label: Mapped[str] = mapped_column(String(300))
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_required: Mapped[bool] = mapped_column(default=False)
    #: "accessibility" or "dietary" for the two built-in questions, else ""
    builtin: Mapped[str] = mapped_column(String(20), default="")


class RsvpLog(db.Model):
    """What happened to an RSVP, by whom: manual moves must never be silent."""

    __tablename__ = "rsvp_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    rsvp_id: Mapped[int] = mapped_column(ForeignKey("rsvps.id", ondelete="CASCADE"), index=True)
    #: None when the system did it (automatic promotion, offer expiry)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(30))
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]

    actor: Mapped[Member | None] = relationship()


class SeriesRsvp(db.Model):
    """ "Always going": the member gets an RSVP for every occurrence of a series as its RSVPs open."""

    __tablename__ = "series_rsvps"
    __table_args__ = (UniqueConstraint("series_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]

    member: Mapped[Member] = relationship()


class TicketQr(db.Model):
    """A ticket's QR code, made once (segno, fixed mask) and kept: pages and badge sheets reuse it."""

    __tablename__ = "ticket_qr"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    #: one pixel per module, with the quiet zone; scaled up crisply by the page or the PDF
    png: Mapped[bytes] = mapped_column(LargeBinary)
    svg: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class Audience(enum.StrEnum):
    going = "going"
    waitlisted = "waitlisted"
    everyone = "everyone"  # going and waitlisted


class Announcement(db.Model):
    """A message an organiser wrote to the members going to (or waiting for) an event: kept as the log of who
    wrote what to how many, and what the outbox's mails point at."""

    __tablename__ = "announcements"
    __table_args__ = (Index("ix_announcements_event_created", "event_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    audience: Mapped[Audience] = mapped_column(Enum(Audience, native_enum=False, length=16))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    #: how many members it was queued for
    recipients: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]

    event: Mapped[Event] = relationship()
    author: Mapped[Member | None] = relationship()
