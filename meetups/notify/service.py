"""The outbox: services add messages to it inside their transaction; after the commit a deliverer (the request
that caused them, or the worker) claims the due ones, renders and sends them (meetups.mailer), and marks each
sent, or retries it later with back-off. Nothing here renders, sends or knows about requests."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, Protocol

from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from meetups import errors
from meetups.notify.models import MailPreference, Message, MessageStatus, Topic

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
    topic: Topic | None,
    now: datetime,
    not_before: datetime | None = None,
    dedupe_key: str | None = None,
    settle_key: str | None = None,
    settle: timedelta = timedelta(0),
    **params: Any,
) -> Message | None:
    """Add a message for after the commit. `params` name what it is about by id and must be JSON. `topic`
    None is account mail, always sent; else the member's choice is checked as it goes out.

    With a `dedupe_key` seen before, nothing is added (None): the message goes once ever. With a
    `settle_key`, the message waits `settle`; while one with that key still waits, queueing again pushes it
    back instead of adding a second, with the new params merged in (lists joined: a batch of rsvp_ids
    grows): several edits make one mail, about how things are when it goes."""
    if settle_key is not None:
        waiting = session.scalar(
            select(Message)
            .where(Message.settle_key == settle_key, Message.status == MessageStatus.queued)
            .with_for_update()
        )
        if waiting is not None:
            waiting.params, waiting.not_before = _merged(waiting.params, params), now + settle
            session.info[QUEUED] = True
            return waiting
    message = Message(
        kind=kind,
        topic=topic,
        settle_key=settle_key,
        member_id=to.id,
        to_email=to.email,
        locale=to.locale or "",
        params=params,
        dedupe_key=dedupe_key,
        status=MessageStatus.queued,
        not_before=not_before or now + settle,
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


def _merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    merged = {**old, **new}
    for key, value in new.items():
        if isinstance(value, list) and isinstance(old.get(key), list):
            merged[key] = [*old[key], *(item for item in value if item not in old[key])]
    return merged


def skip_waiting(session: Session, *, settle_keys: Iterable[str], reason: str) -> int:
    """Messages still waiting to settle that a later one replaces (a change mail, once the event is
    cancelled): kept, marked skipped with the reason, never sent."""
    keys = list(settle_keys)
    return _skip_queued(session, Message.settle_key.in_(keys), reason=reason) if keys else 0


def newest_id(session: Session) -> int:
    return session.scalar(select(func.max(Message.id))) or 0


def skip_queued_after(session: Session, *, after_id: int, reason: str) -> int:
    """Messages queued since `after_id` that must never go (the demo's invented members), kept as skipped."""
    return _skip_queued(session, Message.id > after_id, reason=reason)


def _skip_queued(session: Session, which: Any, *, reason: str) -> int:
    done = session.execute(
        update(Message)
        .where(which, Message.status == MessageStatus.queued)
        .values(status=MessageStatus.skipped, last_error=reason)
        .execution_options(synchronize_session=False)
    )
    return done.rowcount or 0


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


def mark_skipped(message: Message, *, reason: str) -> None:
    message.status, message.last_error = MessageStatus.skipped, reason


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


# What each member wants


def wanted_topics(session: Session, member_id: int) -> dict[Topic, bool]:
    """Every topic with the member's choice, or its default."""
    chosen = dict(
        session.execute(
            select(MailPreference.topic, MailPreference.wanted).where(MailPreference.member_id == member_id)
        ).all()
    )
    return {topic: chosen.get(topic, topic.default) for topic in Topic}


def wants(session: Session, member_id: int, topic: Topic | None) -> bool:
    """Whether the member wants mail of the topic; account mail (no topic) always goes."""
    return topic is None or member_id in wanting(session, [member_id], topic)


def wanting(session: Session, member_ids: Iterable[int], topic: Topic) -> set[int]:
    """Of these members, those who want the topic (their choice, or its default): one query for a whole
    event's people."""
    ids = set(member_ids)
    if not ids:
        return set()
    chosen = dict(
        session.execute(
            select(MailPreference.member_id, MailPreference.wanted).where(
                MailPreference.topic == topic, MailPreference.member_id.in_(ids)
            )
        ).all()
    )
    return {i for i in ids if chosen.get(i, topic.default)}


def set_wanted(session: Session, *, member_id: int, choices: dict[Topic, bool], now: datetime) -> None:
    """Save the member's choices for the topics given; the others stay as they were."""
    for topic, wanted in choices.items():
        preference = session.get(MailPreference, (member_id, topic))
        if preference is None:
            session.add(MailPreference(member_id=member_id, topic=topic, wanted=wanted, updated_at=now))
        elif preference.wanted != wanted:
            preference.wanted, preference.updated_at = wanted, now
    session.flush()


def _unsubscribe_signer(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt="meetups-unsubscribe")


def make_unsubscribe_token(secret: str, member_id: int, topic: Topic) -> str:
    """A link that turns one topic off without logging in. It never expires: an old mail's link still works,
    and all it can do is stop mail."""
    return _unsubscribe_signer(secret).dumps({"m": member_id, "t": topic.value})


def read_unsubscribe_token(secret: str, token: str) -> tuple[int, Topic]:
    try:
        payload = _unsubscribe_signer(secret).loads(token)
        return int(payload["m"]), Topic(payload["t"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise errors.InvalidToken(
            _("This unsubscribe link is not valid. You can choose what mail you get on your settings page.")
        ) from None


# The site admin's view


def ensure_site_admin(actor: Any) -> None:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise errors.LoginRequired(_("Please log in first."))
    if not getattr(actor, "is_admin", False):
        raise errors.PermissionDenied(_("Only site admins can see the outbox."))


def list_outbox(
    session: Session,
    *,
    actor: Any,
    status: MessageStatus | None = None,
    before_id: int | None = None,
    limit: int = 100,
) -> tuple[list[Message], dict[MessageStatus, int]]:
    """The newest messages (optionally of one status, older than `before_id`), and how many there are of each
    status: whether mail is flowing, and why one did not go."""
    ensure_site_admin(actor)
    query = select(Message).order_by(Message.id.desc()).limit(limit)
    if status is not None:
        query = query.where(Message.status == status)
    if before_id is not None:
        query = query.where(Message.id < before_id)
    counts = dict(session.execute(select(Message.status, func.count()).group_by(Message.status)).all())
    return list(session.scalars(query)), {s: counts.get(s, 0) for s in MessageStatus}
