"""The outbox: services add messages to it inside their transaction; after the commit a deliverer (the request
that caused them, or the worker) claims the due ones, renders and sends them (meetups.mailer), and marks each
sent, or retries it later with back-off. Nothing here renders, sends or knows about requests."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from meetups.notify.models import Category, Message, MessageStatus

#: a send that failed is tried again after 1, 2, 4, ... minutes, at most this many times in all
MAX_ATTEMPTS = 8
#: a claim older than this was cut off mid-send (the worker died): given up, never sent twice
STUCK_AFTER = timedelta(minutes=15)
#: the session.info flag a face checks after its commit: something to deliver
QUEUED = "meetups.outbox.queued"


class Recipient(Protocol):
    id: int
    email: str
    locale: str


def queue(
    session: Session,
    *,
    to: Recipient,
    kind: str,
    now: datetime,
    category: Category = Category.transactional,
    not_before: datetime | None = None,
    dedupe_key: str | None = None,
    **params: Any,
) -> Message | None:
    """Add a message for after the commit. `params` name what it is about by id and must be JSON; with a
    `dedupe_key` seen before, nothing is added (None)."""
    message = Message(
        kind=kind,
        category=category,
        member_id=to.id,
        to_email=to.email,
        locale=to.locale or "",
        params=params,
        dedupe_key=dedupe_key,
        status=MessageStatus.queued,
        not_before=not_before or now,
        created_at=now,
    )
    if dedupe_key is None:
        session.add(message)
    else:
        if session.scalar(select(Message.id).where(Message.dedupe_key == dedupe_key)) is not None:
            return None
        try:
            with session.begin_nested():  # two deliverers racing to queue the same reminder: one wins
                session.add(message)
        except IntegrityError:
            return None
    session.info[QUEUED] = True
    return message


def claim_due(session: Session, *, now: datetime, limit: int = 50) -> list[Message]:
    """Take up to `limit` due messages for this deliverer, oldest first. The claim is one UPDATE that rechecks
    the status, so two deliverers never take the same message (PostgreSQL rechecks the locked row; SQLite
    runs one writer at a time). The caller commits the claim before sending."""
    token = secrets.token_hex(8)
    due = (
        select(Message.id)
        .where(Message.status == MessageStatus.queued, Message.not_before <= now)
        .order_by(Message.not_before, Message.id)
        .limit(limit)
    )
    session.execute(
        update(Message)
        .where(Message.id.in_(due.scalar_subquery()), Message.status == MessageStatus.queued)
        .values(status=MessageStatus.sending, claimed_by=token, claimed_at=now, attempts=Message.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return list(session.scalars(select(Message).where(Message.claimed_by == token).order_by(Message.id)))


def mark_sent(message: Message, *, subject: str, now: datetime) -> None:
    message.status, message.subject, message.sent_at, message.last_error = (
        MessageStatus.sent,
        subject,
        now,
        "",
    )


def mark_failed(message: Message, *, error: str, now: datetime, retry: bool = True) -> None:
    """A send that did not happen: tried again later with back-off, or given up after MAX_ATTEMPTS."""
    message.last_error = error[:2000]
    if retry and message.attempts < MAX_ATTEMPTS:
        message.status = MessageStatus.queued
        message.not_before = now + timedelta(minutes=2 ** (message.attempts - 1))
    else:
        message.status = MessageStatus.failed


def give_up_stuck(session: Session, *, now: datetime) -> int:
    """Claims cut off mid-send (a worker that died) are marked failed: it may have gone out, and a message
    must never go twice. They stay visible with the reason."""
    done = session.execute(
        update(Message)
        .where(Message.status == MessageStatus.sending, Message.claimed_at < now - STUCK_AFTER)
        .values(
            status=MessageStatus.failed, last_error="interrupted while sending; it may or may not have gone"
        )
        .execution_options(synchronize_session=False)
    )
    return done.rowcount or 0
