from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetups.accounts.models import Member
from meetups.extensions import db
from meetups.rsvps.models import Rsvp


class ScanResult(enum.StrEnum):
    ok = "ok"
    already_checked_in = "already_checked_in"
    unknown_ticket = "unknown_ticket"
    wrong_event = "wrong_event"
    not_confirmed = "not_confirmed"  # waitlisted, pending or offered
    cancelled = "cancelled"
    not_open_yet = "not_open_yet"


class CheckIn(db.Model):
    """Someone admitted at the door. At most one live check-in per RSVP; an undone one stays, marked."""

    __tablename__ = "checkins"
    __table_args__ = (
        Index(
            "uq_checkins_live_rsvp",
            "rsvp_id",
            unique=True,
            postgresql_where=text("undone_at IS NULL"),
            sqlite_where=text("undone_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    rsvp_id: Mapped[int] = mapped_column(ForeignKey("rsvps.id", ondelete="CASCADE"))
    #: when the scanner saw the ticket (its clock, bounded by ours); the earliest scan stands
    checked_in_at: Mapped[datetime] = mapped_column(index=True)
    recorded_at: Mapped[datetime]
    guests_admitted: Mapped[int] = mapped_column(default=0)
    scanned_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    door_link_id: Mapped[int | None] = mapped_column(ForeignKey("door_links.id", ondelete="SET NULL"))
    device: Mapped[str] = mapped_column(String(100), default="")
    client_scan_id: Mapped[str] = mapped_column(String(64), default="")
    undone_at: Mapped[datetime | None]
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))

    rsvp: Mapped[Rsvp] = relationship()
    scanned_by: Mapped[Member | None] = relationship(foreign_keys=[scanned_by_id])
    door_link: Mapped[DoorLink | None] = relationship()


class Scan(db.Model):
    """Every scan, refused ones too: who, when, which device, what result. A client scan id makes a replayed
    offline batch change nothing."""

    __tablename__ = "scans"
    __table_args__ = (UniqueConstraint("event_id", "client_scan_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    client_scan_id: Mapped[str] = mapped_column(String(64))
    #: what was scanned, cut short: enough to investigate, never a whole ticket URL of someone else's
    scanned_text: Mapped[str] = mapped_column(String(80))
    #: a ScanResult, or "undone" for an undo
    result: Mapped[str] = mapped_column(String(24))
    rsvp_id: Mapped[int | None] = mapped_column(ForeignKey("rsvps.id", ondelete="SET NULL"))
    checkin_id: Mapped[int | None] = mapped_column(ForeignKey("checkins.id", ondelete="SET NULL"))
    scanned_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    scanned_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    door_link_id: Mapped[int | None] = mapped_column(ForeignKey("door_links.id", ondelete="SET NULL"))
    device: Mapped[str] = mapped_column(String(100), default="")


class DoorLink(db.Model):
    """Check-in rights for one event, for a volunteer without an account: expires, can be revoked."""

    __tablename__ = "door_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(60))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

    def is_valid(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at
