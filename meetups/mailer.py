"""Mail out of the outbox. Services only queue messages (meetups.notify); after the action's commit they are
delivered here: right after the request when no SMTP server is configured (the log is instant), else by the
worker; and every minute whatever is due (retries with back-off, messages that wait for edits to settle).

Each message is rendered when it goes out, in its member's language, from templates/email/<kind>.txt (the
first line is the subject), with what its params name loaded by id. With MEETUPS_MAIL_URL it goes over
SMTP; without, it is written to the log and marked sent, so a fresh install can still reset passwords."""

from __future__ import annotations

import logging
import smtplib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from flask_mail import Mail
from flask_mail import Message as MailMessage
from sqlalchemy.orm import Session

from meetups import clock, web
from meetups.accounts import service as accounts
from meetups.accounts.models import Member
from meetups.communities.models import Community
from meetups.events.models import Event
from meetups.extensions import db
from meetups.notify import jobs
from meetups.notify import service as outbox
from meetups.notify.models import Message
from meetups.rsvps.models import Rsvp
from meetups.site import Site
from meetups.surveys.models import Survey

log = logging.getLogger("meetups.mail")
#: the params that name something, and what the template calls it
RESOLVE = {"rsvp_id": ("rsvp", Rsvp), "event_id": ("event", Event), "community_id": ("community", Community)}
#: the params that name several things: those gone since are left out
RESOLVE_MANY = {"event_ids": ("events", Event), "follow_up_ids": ("follow_ups", Survey)}
SENT_KEPT = 100  # messages kept in memory in log mode: a development aid (and what tests read)
BATCH = 50


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    body: str


class Gone(Exception):
    """What the message is about no longer exists (a deleted account, say): it is dropped, not retried."""


def init_app(app: Flask) -> None:
    url = app.config.get("MAIL_URL", "")
    app.extensions["meetups_outbox"] = []
    if url:
        parts = urlsplit(url)
        app.config.update(
            MAIL_SERVER=parts.hostname or "localhost",
            MAIL_PORT=parts.port or (465 if parts.scheme == "smtps" else 25),
            MAIL_USE_SSL=parts.scheme == "smtps",
            MAIL_USE_TLS=parts.scheme == "smtp+starttls" or "starttls=1" in parts.query,
            MAIL_USERNAME=unquote(parts.username) if parts.username else None,
            MAIL_PASSWORD=unquote(parts.password) if parts.password else None,
            MAIL_DEFAULT_SENDER=app.config["MAIL_FROM"],
        )
        Mail(app)
    # registered here, after every domain's periodic jobs, so the mail they queue goes in the same minute
    jobs.every_minute("mail", needs_site=True)(deliver_due)

    @app.after_request
    def _deliver_after_commit(response):
        if db.session.info.pop(outbox.QUEUED, False):
            deliver_soon()
        return response


def deliver_soon() -> None:
    """After a commit that queued mail: log mode delivers at once (nothing to wait for), SMTP in the worker,
    so no member waits for a mail server."""
    if current_app.config.get("MAIL_URL"):
        jobs.enqueue("mail.deliver")
    else:
        deliver_due(db.session, site=web.site(), now=clock.now())


@jobs.job("mail.deliver")
def _deliver_job(session: Session, *, site: Site, now: datetime) -> None:
    deliver_due(session, site=site, now=now)


def deliver_due(session: Session, *, site: Site, now: datetime, limit: int = 500) -> int:
    """Send what is due, each message claimed, sent and marked in transactions of its own; returns how many
    went out."""
    outbox.give_up_stuck(session, now=now)
    session.commit()
    sent = 0
    while sent < limit:
        batch = outbox.claim_due(session, now=now, limit=BATCH)
        session.commit()  # the claim first: another deliverer skips these from now on
        if not batch:
            break
        for message in batch:
            sent += _deliver(session, message, site, now)
            session.commit()
    return sent


def _deliver(session: Session, message: Message, site: Site, now: datetime) -> int:
    try:
        subject, body = render(session, message, site, now)
        _send(message.to_email, subject, body)
    except Gone as gone:
        outbox.mark_failed(message, error=str(gone), now=now, retry=False)
    except (smtplib.SMTPException, OSError) as err:  # the server is down or refused: later, with back-off
        log.warning("mail %s to %s not sent yet: %s", message.id, message.to_email, err)
        outbox.mark_failed(message, error=f"{type(err).__name__}: {err}", now=now)
    except Exception as err:  # a template that cannot render: retrying will not help
        log.exception("mail %s (%s) could not be made", message.id, message.kind)
        outbox.mark_failed(message, error=f"{type(err).__name__}: {err}", now=now, retry=False)
    else:
        outbox.mark_sent(message, subject=subject, now=now)
        return 1
    return 0


def render(session: Session, message: Message, site: Site, now: datetime) -> tuple[str, str]:
    """The subject and the text of a message, in its member's language."""
    member = session.get(Member, message.member_id) if message.member_id else None
    if member is None:
        raise Gone("the member deleted their account")
    context: dict[str, Any] = {"member": member, **message.params}
    for key, (name, model) in RESOLVE.items():
        if key in message.params:
            if (found := session.get(model, message.params[key])) is None:
                raise Gone(f"{name} {message.params[key]} no longer exists")
            context[name] = found
    for key, (name, model) in RESOLVE_MANY.items():
        if key in message.params:
            context[name] = [
                found for i in message.params[key] if (found := session.get(model, i)) is not None
            ]
    context.update(_links(message.kind, member, site, now))
    with force_locale(message.locale or "en"):
        text = render_template(f"email/{message.kind}.txt", **context)
    subject, _sep, body = text.strip().partition("\n")
    return subject.strip(), body.strip()


def _links(kind: str, member: Member, site: Site, now: datetime) -> dict[str, Any]:
    """Signed links are made as the message goes out, never stored in the outbox."""
    if kind == "verify":
        token = accounts.make_verify_token(site.secret_key, member, now)
        return {"link": site.url("accounts.verify", token=token), "days": accounts.VERIFY_VALID_FOR.days}
    if kind == "reset":
        token = accounts.make_reset_token(site.secret_key, member, now)
        hours = int(accounts.RESET_VALID_FOR.total_seconds() // 3600)
        return {"link": site.url("accounts.reset", token=token), "hours": hours}
    return {}


def _send(to: str, subject: str, body: str) -> None:
    if current_app.config.get("MAIL_URL"):
        current_app.extensions["mail"].send(MailMessage(subject=subject, recipients=[to], body=body))
        return
    kept = current_app.extensions["meetups_outbox"]
    kept.append(OutgoingMail(to, subject, body))
    del kept[:-SENT_KEPT]
    log.warning("mail to %s (no MEETUPS_MAIL_URL set, not sent)\nSubject: %s\n\n%s", to, subject, body)
