"""Email. With MEETUPS_MAIL_URL it goes over SMTP; without, it lands in the outbox and the log, so a fresh
install can still reset passwords (the link is printed where the person running it can see it)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from flask import Flask, current_app
from flask_mail import Mail, Message

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
