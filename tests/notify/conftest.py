"""A real SMTP server (aiosmtpd on 127.0.0.1) for the mail tests, and a member going to an event with a live
ticket, to mail."""

from dataclasses import dataclass
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from harness.servers import free_port, smtp_server
from meetups import mailer
from meetups.accounts.models import Member
from meetups.events.models import Event
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.rsvps.tickets import new_code
from tests.factories import BASE_TIME, make_community, make_event, make_member


@dataclass
class Smtp:
    port: int
    sink: object

    @property
    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=policy.default) for _from, _to, raw in self.sink.received]


@pytest.fixture
def smtp_port():
    return free_port()


@pytest.fixture
def use_smtp(app, monkeypatch, smtp_port):
    """Mail goes over SMTP to 127.0.0.1:<smtp_port> (whether a server listens there or not)."""
    monkeypatch.setitem(
        app.extensions, "meetups_smtp", mailer.SmtpServer.from_url(f"smtp://127.0.0.1:{smtp_port}?timeout=5")
    )
    return smtp_port


@pytest.fixture
def smtp(use_smtp):
    with smtp_server(use_smtp) as (port, sink):
        yield Smtp(port, sink)


@dataclass
class Going:
    member: Member
    event: Event
    rsvp: Rsvp


@pytest.fixture
def going(session) -> Going:
    organiser = make_member(session, name="Olga Organiser")
    community = make_community(session, organiser=organiser, name="Berlin Python")
    event = make_event(session, community=community, title="Python evening", alarm_minutes=30)
    member = make_member(session, name="Mia Member", email="mia@example.test")
    rsvp = Rsvp(
        event=event,
        member=member,
        status=RsvpStatus.going,
        ticket_code=new_code(),
        created_at=BASE_TIME,
        updated_at=BASE_TIME,
        seated_at=BASE_TIME,
    )
    session.add(rsvp)
    session.flush()
    return Going(member, event, rsvp)
