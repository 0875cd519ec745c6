"""Mail out of the outbox. Services only queue messages (meetups.notify); after the action's commit they are
delivered here: right after the request when no SMTP server is configured (the log is instant), else by the
worker; and every minute whatever is due (retries with back-off, messages that wait for edits to settle).

Each message is rendered when it goes out, in its member's language, from templates/email/<kind>.txt (the
first line is the subject), with what its params name loaded by id; a member who turned the message's topic
off is skipped then. It goes as one MIME message: the text, an HTML part made from the same text (so the two
never disagree), the ticket's QR inline when the member holds one, the event's .ics for the kinds that add,
move or cancel it, and a one-click List-Unsubscribe for its topic (RFC 8058). With MEETUPS_MAIL_URL it goes
over SMTP; without, it is written to the log and marked sent, so a fresh install can still reset passwords."""

from __future__ import annotations

import contextlib
import html
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from flask import Flask, current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import Session

from meetups import clock, web
from meetups.accounts import service as accounts
from meetups.accounts.models import Member
from meetups.calendars import ics
from meetups.communities.models import Community
from meetups.events.models import Event
from meetups.extensions import db
from meetups.notify import jobs, topics
from meetups.notify import service as outbox
from meetups.notify.models import Message
from meetups.programme.models import ProgrammeSession
from meetups.rsvps import tickets
from meetups.rsvps.models import Announcement, Rsvp, RsvpStatus
from meetups.site import Site
from meetups.surveys.models import Survey

log = logging.getLogger("meetups.mail")
#: the params that name something, and what the template calls it
RESOLVE = {
    "rsvp_id": ("rsvp", Rsvp),
    "event_id": ("event", Event),
    "community_id": ("community", Community),
    "announcement_id": ("announcement", Announcement),
    "session_id": ("programme_session", ProgrammeSession),
}
#: the params that name several things: those gone since are left out
RESOLVE_MANY = {
    "event_ids": ("events", Event),
    "follow_up_ids": ("follow_ups", Survey),
    "rsvp_ids": ("rsvps", Rsvp),
    "session_ids": ("programme_sessions", ProgrammeSession),
}
#: the kinds that carry the event's .ics, and what it asks the calendar app to do
CALENDAR_METHOD = {
    "rsvp_confirmed": "PUBLISH",
    "rsvp_promoted": "PUBLISH",
    "rsvp_approved": "PUBLISH",
    "event_changed": "REQUEST",
    "event_cancelled": "CANCEL",
}
#: the kinds that show the member's ticket QR inline, when they hold a live one
TICKET_KINDS = {"rsvp_confirmed", "rsvp_promoted", "rsvp_approved", "event_changed", "event_reminder"}
TICKET_CID = "ticket-qr"
URL_RE = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)]")
SENT_KEPT = 100  # messages kept in memory in log mode: a development aid (and what tests read)
BATCH = 50


@dataclass(frozen=True)
class OutgoingMail:
    """A message as it went (or, in log mode, would have gone)."""

    to: str
    subject: str
    body: str  # the text part
    html: str = ""
    mime: EmailMessage | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: bool  # the whole connection (smtps://)
    starttls: bool
    username: str | None
    password: str | None
    timeout: float = 15.0

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        """smtp://user:pass@host:587?starttls=1, smtps://host (port 465), smtp+starttls://host."""
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        tls = parts.scheme == "smtps"
        return cls(
            host=parts.hostname or "localhost",
            port=parts.port or (465 if tls else 587 if parts.scheme == "smtp+starttls" else 25),
            tls=tls,
            starttls=parts.scheme == "smtp+starttls" or query.get("starttls", ["0"])[0] in ("1", "true"),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            timeout=float(query.get("timeout", ["15"])[0]),
        )

    def connect(self) -> smtplib.SMTP:
        context = ssl.create_default_context()
        if self.tls:
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=context
            )
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            if self.starttls:
                connection.starttls(context=context)
        if self.username:
            connection.login(self.username, self.password or "")
        return connection


class Gone(Exception):
    """What the message is about no longer exists (a deleted account, say): it is dropped, not retried."""


def init_app(app: Flask) -> None:
    url = app.config.get("MAIL_URL", "")
    app.extensions["meetups_outbox"] = []
    app.extensions["meetups_smtp"] = SmtpServer.from_url(url) if url else None
    # after every domain's periodic jobs, so the mail they queue goes in the same minute
    jobs.every_minute("mail", needs_site=True, after=(jobs.EVERY_OTHER,))(deliver_due)

    @app.after_request
    def _deliver_after_commit(response):
        if db.session.info.pop(outbox.QUEUED, False):
            deliver_soon()
        return response


def deliver_soon() -> None:
    """After a commit that queued mail: log mode delivers at once (nothing to wait for), SMTP in the worker,
    so no member waits for a mail server."""
    if current_app.extensions["meetups_smtp"] is not None:
        jobs.enqueue("mail.deliver")
    else:
        deliver_due(db.session, site=web.site(), now=clock.now())


@jobs.job("mail.deliver")
def _deliver_job(session: Session, *, site: Site, now: datetime) -> None:
    deliver_due(session, site=site, now=now)


def deliver_due(session: Session, *, site: Site, now: datetime, limit: int = 500) -> int:
    """Send what is due, each message claimed, sent and marked in transactions of its own, over one SMTP
    connection; returns how many went out."""
    outbox.give_up_stuck(session, now=now)
    session.commit()
    sent = 0
    with _Connection(current_app.extensions["meetups_smtp"]) as connection:
        while sent < limit:
            batch = outbox.claim_due(session, now=now, limit=BATCH)
            session.commit()  # the claim first: another deliverer skips these from now on
            if not batch:
                break
            for message in batch:
                if connection.unreachable:  # no point knocking 50 times: the rest wait with back-off
                    outbox.mark_failed(message, error=connection.unreachable, now=now)
                else:
                    sent += _deliver(session, message, site, now, connection)
                session.commit()
            if connection.unreachable:
                break
    return sent


class _Connection:
    """One SMTP connection for a delivery run, opened when the first message goes; a failure closes it, and
    the next message opens a new one. None (no MEETUPS_MAIL_URL): messages go to the log."""

    def __init__(self, server: SmtpServer | None):
        self.server, self.smtp = server, None
        #: why the server could not be reached in this run, once it could not
        self.unreachable = ""

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def send(self, mime: EmailMessage) -> None:
        if self.server is None:
            _log(mime)
            return
        if self.smtp is None:
            try:
                self.smtp = self.server.connect()
            except (smtplib.SMTPException, OSError) as err:
                self.unreachable = f"{type(err).__name__}: {err}"
                raise
        try:
            self.smtp.send_message(mime)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            raise

    def close(self) -> None:
        if self.smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):  # it is going away either way
                self.smtp.quit()
            self.smtp = None


def _deliver(session: Session, message: Message, site: Site, now: datetime, connection: _Connection) -> int:
    if message.member_id is not None and not outbox.wants(session, message.member_id, message.topic):
        outbox.mark_skipped(message, reason="the member turned these emails off")
        return 0
    try:
        mail = render(session, message, site, now)
        connection.send(mail.mime)
    except Gone as gone:
        outbox.mark_failed(message, error=str(gone), now=now, retry=False)
    except (smtplib.SMTPException, OSError) as err:  # the server is down or refused: later, with back-off
        log.warning("mail %s to %s not sent yet: %s", message.id, message.to_email, err)
        outbox.mark_failed(message, error=f"{type(err).__name__}: {err}", now=now)
    except Exception as err:  # a template that cannot render: retrying will not help
        log.exception("mail %s (%s) could not be made", message.id, message.kind)
        outbox.mark_failed(message, error=f"{type(err).__name__}: {err}", now=now, retry=False)
    else:
        outbox.mark_sent(message, subject=mail.subject, now=now)
        if connection.server is None:
            _keep(mail)
        return 1
    return 0


def render(session: Session, message: Message, site: Site, now: datetime) -> OutgoingMail:
    """The whole message, in its member's language: subject, text, HTML, the QR and the .ics."""
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
    ticket = _ticket(message.kind, context.get("rsvp"), site)
    unsubscribe = _unsubscribe_url(message, site) if message.topic is not None else ""
    method = CALENDAR_METHOD.get(message.kind) if context.get("event") is not None else None
    with force_locale(message.locale or "en"):
        text = render_template(f"email/{message.kind}.txt", **context)
        subject, _sep, body = text.strip().partition("\n")
        subject, body = subject.strip(), body.strip()
        footer = _footer(message, site, unsubscribe)
        calendar = _calendar(context, site, method, message.to_email) if method else None
        html_part = render_template(
            "email/_layout.html",
            subject=subject,
            blocks=_blocks(body),
            ticket=ticket,
            footer=footer,
            community=_community_of(context),
            locale=message.locale or "en",
        )
    mime = EmailMessage()
    mime["Subject"] = subject
    mime["From"] = site.mail_from
    mime["To"] = message.to_email
    mime["Date"] = format_datetime(now)
    mime["Message-ID"] = f"<outbox-{message.id}.{int(message.created_at.timestamp())}@{site.host}>"
    mime["Auto-Submitted"] = "auto-generated"
    if unsubscribe:
        mime["List-Unsubscribe"] = f"<{unsubscribe}>"
        mime["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    text_part = _text_with_footer(body, footer)
    mime.set_content(text_part)
    mime.add_alternative(html_part, subtype="html")
    if ticket is not None:
        mime.get_payload()[1].add_related(
            ticket["png"], maintype="image", subtype="png", cid=f"<{TICKET_CID}>", filename="ticket.png"
        )
    if calendar is not None:
        mime.add_attachment(
            calendar, maintype="text", subtype="calendar", filename="event.ics", params={"method": method}
        )
    return OutgoingMail(message.to_email, subject, text_part, html_part, mime)


def _calendar(context: dict[str, Any], site: Site, method: str, attendee: str) -> bytes:
    rsvp = context.get("rsvp")
    seated = rsvp is not None and rsvp.status is RsvpStatus.going
    return ics.invitation(context["event"], site, method=method, attendee=attendee, seated=seated)


def _ticket(kind: str, rsvp: Rsvp | None, site: Site) -> dict[str, Any] | None:
    if kind not in TICKET_KINDS or rsvp is None or rsvp.valid_ticket_code is None:
        return None
    url = tickets.ticket_url(site, rsvp.valid_ticket_code)
    return {"url": url, "png": tickets.make_mail_qr(url), "cid": TICKET_CID}


def _community_of(context: dict[str, Any]) -> str:
    if (community := context.get("community")) is not None:
        return community.name
    if (event := context.get("event")) is not None:
        return event.community.name
    return ""


def _unsubscribe_url(message: Message, site: Site) -> str:
    token = outbox.make_unsubscribe_token(site.secret_key, message.member_id, message.topic)
    return site.url("mail.unsubscribe", token=token)


def _footer(message: Message, site: Site, unsubscribe: str) -> list[tuple[str, str]]:
    """(text, link) lines under every message with a topic: why it came, where to choose, how to stop it."""
    if message.topic is None:
        return []
    return [
        (topics.reason(message.topic, message.kind), ""),
        (_("Choose which emails you get"), site.url("mail.settings")),
        (
            _("Stop emails about %(topic)s", topic=topics.short_label(message.topic)),
            unsubscribe,
        ),
    ]


def _text_with_footer(body: str, footer: list[tuple[str, str]]) -> str:
    if not footer:
        return body + "\n"
    lines = [f"{text}: {url}" if url else text for text, url in footer]
    return body + "\n\n-- \n" + "\n".join(lines) + "\n"


def _blocks(body: str) -> list[Markup]:
    """The text as HTML paragraphs: escaped, its line breaks kept and its URLs made links."""
    paragraphs = [p for p in re.split(r"\n\s*\n", body) if p.strip()]
    return [Markup("<br>\n".join(_linked(line) for line in p.strip().splitlines())) for p in paragraphs]


def _linked(line: str) -> str:
    out, last = [], 0
    for match in URL_RE.finditer(line):
        out.append(html.escape(line[last : match.start()]))
        url = html.escape(match.group(0))
        out.append(f'<a href="{url}">{url}</a>')
        last = match.end()
    out.append(html.escape(line[last:]))
    return "".join(out)


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


def _log(mime: EmailMessage) -> None:
    text = mime.get_body(preferencelist=("plain",))
    log.warning(
        "mail to %s (no MEETUPS_MAIL_URL set, not sent)\nSubject: %s\n\n%s",
        mime["To"],
        mime["Subject"],
        text.get_content() if text else "",
    )


def _keep(mail: OutgoingMail) -> None:
    kept = current_app.extensions["meetups_outbox"]
    kept.append(mail)
    del kept[:-SENT_KEPT]
