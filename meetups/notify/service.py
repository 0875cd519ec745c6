"""Email. With MEETUPS_MAIL_URL it goes over SMTP; without, it lands in the outbox and the log, so a fresh
install can still reset passwords (the link is printed where the person running it can see it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from flask_mail import Mail, Message
from sqlalchemy import event
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from meetups.accounts.models import Member

log = logging.getLogger("meetups.mail")


@dataclass(frozen=True)
class OutgoingMail:
    to: str
    subject: str
    body: str


def init_app(app: Flask) -> None:
    url = app.config.get("MAIL_URL", "")
    app.extensions["meetups_outbox"] = []
    if url:
        parts = urlsplit(url)
        app.config.update(
            MAIL_SERVER=parts.hostname or "localhost",
            MAIL_PORT=parts.port or (465 if parts.scheme == "smtps" else 25),
            MAIL_USE_SSL=parts.scheme == "smtps",
            MAIL_USE_TLS=parts.scheme == "smtp+starttls",
            MAIL_USERNAME=unquote(parts.username) if parts.username else None,
            MAIL_PASSWORD=unquote(parts.password) if parts.password else None,
            MAIL_DEFAULT_SENDER=app.config["MAIL_FROM"],
        )
        Mail(app)


def outbox() -> list[OutgoingMail]:
    """Mail kept in this process when no SMTP server is configured (newest last)."""
    return current_app.extensions["meetups_outbox"]


def send_mail(to: str, subject: str, body: str) -> None:
    """Send one plain-text message; call it after the commit, so a rollback never leaves mail behind."""
    mail = OutgoingMail(to=to, subject=subject, body=body)
    if current_app.config.get("MAIL_URL"):
        current_app.extensions["mail"].send(Message(subject=subject, recipients=[to], body=body))
        return
    box = outbox()
    box.append(mail)
    del box[:-100]  # bounded: this is a development aid, not a mail store
    log.warning("mail to %s (no MEETUPS_MAIL_URL set, not sent)\nSubject: %s\n\n%s", to, subject, body)


# Mail that belongs to a change is queued on the session and sent only once the change is committed;
# a rollback drops it, so nobody is told about something that did not happen.


def queue_mail(session: Session, *, to: Member, template: str, **context: object) -> None:
    """Render `templates/email/<template>.txt` in the member's language now (objects are fresh), send after
    commit. The first line of the rendered text is the subject."""
    with force_locale(to.locale or "en"):
        text = render_template(
            f"email/{template}.txt", member=to, base_url=current_app.config["BASE_URL"], **context
        )
    subject, _sep, body = text.strip().partition("\n")
    session.info.setdefault("outgoing_mail", []).append(OutgoingMail(to.email, subject.strip(), body.strip()))


@event.listens_for(Session, "after_commit")
def _send_queued(session: Session) -> None:
    for mail in session.info.pop("outgoing_mail", []):
        try:
            send_mail(mail.to, mail.subject, mail.body)
        except Exception:  # a mail server hiccup must not turn a saved change into an error page
            log.exception("could not send mail to %s", mail.to)


@event.listens_for(Session, "after_rollback")
def _drop_queued(session: Session) -> None:
    session.info.pop("outgoing_mail", None)
