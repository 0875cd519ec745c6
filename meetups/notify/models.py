from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from meetups.extensions import db


class MessageStatus(enum.StrEnum):
    queued = "queued"  # waiting for its time (not_before) and a deliverer
    sending = "sending"  # claimed by one deliverer; nobody else touches it
    sent = "sent"  # handed to the SMTP server, or logged when none is configured
    failed = "failed"  # gave up, with the reason in last_error
    skipped = (
        "skipped"  # not sent, on purpose: the member turned its topic off, or a later message replaced it
    )


class Category(enum.StrEnum):
    transactional = "transactional"  # tickets, changes, cancellations, account links: always sent
    optional = "optional"  # reminders, surveys, organisers' messages: members may turn them off


class Topic(enum.StrEnum):
    """What a member can turn on or off on /me/mail, and what one List-Unsubscribe click turns off. Account
    mail (verify, reset) has no topic: it was asked for."""

    rsvps = "rsvps"  # confirmations with the ticket, waitlist, seat offers, approvals
    changes = "changes"  # an event I am going to moved or was cancelled
    approvals = "approvals"  # organisers: RSVPs waiting for approval
    reminders = "reminders"  # 24 h and 2 h before
    surveys = "surveys"  # how was it?
    announcements = "announcements"  # organisers writing to an event's members
    achievements = "achievements"  # newly earned, batched; off unless asked for

    @property
    def category(self) -> Category:
        return Category.transactional if self in TRANSACTIONAL else Category.optional

    @property
    def default(self) -> bool:
        return self is not Topic.achievements


TRANSACTIONAL = frozenset({Topic.rsvps, Topic.changes, Topic.approvals})


class MailPreference(db.Model):
    """A member's choice for one topic; without a row the topic's default holds."""

    __tablename__ = "mail_preferences"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), primary_key=True)
    topic: Mapped[Topic] = mapped_column(Enum(Topic, native_enum=False, length=16), primary_key=True)
    wanted: Mapped[bool]
    updated_at: Mapped[datetime]


class Message(db.Model):
    """One email in the outbox, written in the same transaction as the change that caused it (so a rolled-back
    action mails nobody), rendered and sent after the commit. It names what it is about by id; the text is
    made when it goes out, in the member's language."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_not_before", "status", "not_before"),
        Index("ix_outbox_settle_key_status", "settle_key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the template under templates/email/, e.g. "rsvp_promoted"
    kind: Mapped[str] = mapped_column(String(40))
    #: None for account mail (always sent); else the member's choice for it is checked as it goes out
    topic: Mapped[Topic | None] = mapped_column(Enum(Topic, native_enum=False, length=16))
    #: None once the member deleted their account (the message is then dropped, not sent)
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    #: the address when it was queued: a link asked for goes where it was asked for
    to_email: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(8), default="")
    #: what the message is about, by id (rsvp_id, event_id, ...), and small values (a position, a reason)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: "reminder-24h:rsvp:17": a message that must never go twice; a second one with the key is not queued
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    #: "event-changed:3:member:5": while one with the key waits, another change pushes it back instead of
    #: adding a second mail (several edits in ten minutes make one)
    settle_key: Mapped[str | None] = mapped_column(String(120))
    status: Mapped[MessageStatus] = mapped_column(
        Enum(MessageStatus, native_enum=False, length=16), default=MessageStatus.queued
    )
    attempts: Mapped[int] = mapped_column(default=0)
    #: not before this moment: edits settle, a failed send backs off
    not_before: Mapped[datetime]
    #: who claimed it for sending (a random token per delivery run), and when
    claimed_by: Mapped[str] = mapped_column(String(32), default="")
    claimed_at: Mapped[datetime | None]
    subject: Mapped[str] = mapped_column(String(300), default="")
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.kind} {self.status}>"
