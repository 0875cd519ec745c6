"""SQLite at the door: a scan reads who may scan in a plain transaction, and takes the write lock only to
check the ticket in (meetups.extensions, "Reading first"). On an app of its own over a SQLite file, as in
production."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import g
from sqlalchemy import event as sa_event

from meetups import create_app
from meetups.accounts import service as accounts
from meetups.accounts.models import Member
from meetups.communities.models import Community
from meetups.events.models import Event, EventStaff, EventStatus, StaffRole
from meetups.extensions import begin_write, db
from meetups.rsvps.models import Rsvp, RsvpStatus


@pytest.fixture
def door(tmp_path):
    """A SQLite-file app with an event under way, a volunteer's token, and two tickets; yields the app, the
    event id, the token and the list of every statement sent from then on (BEGIN included)."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/door.db",
            "MAIL_URL": "",
            "RATELIMIT_ENABLED": False,
        }
    )
    now = datetime.now(UTC)
    with app.app_context():
        db.create_all()
        session = db.session
        community = Community(slug="c", name="C", color="#000000", created_at=now)
        event = Event(
            community=community,
            title="Meetup",
            starts_at=now + timedelta(hours=1),
            ends_at=now + timedelta(hours=3),
            timezone="UTC",
            capacity=None,
            status=EventStatus.published,
            created_at=now,
            updated_at=now,
            published_at=now,
        )
        volunteer = Member(email="v@example.test", name="Vera", created_at=now)
        session.add_all([community, event, volunteer])
        session.flush()
        session.add(EventStaff(event=event, member=volunteer, role=StaffRole.volunteer, added_at=now))
        for n in range(2):
            member = Member(email=f"m{n}@example.test", name=f"M{n}", created_at=now)
            session.add(
                Rsvp(
                    event=event,
                    member=member,
                    status=RsvpStatus.going,
                    ticket_code=f"ticket{n}-abcdefghijklmnop",
                    created_at=now,
                    updated_at=now,
                )
            )
        token = accounts.create_token(session, volunteer, name="door", now=now)[1]
        volunteer_token = session.scalars(db.select(accounts.ApiToken)).one()
        volunteer_token.last_used_at = now  # used a moment ago: a scan does not note it again
        session.commit()
        event_id, engine = event.id, db.engine
    sent: list[str] = []
    sa_event.listen(
        engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: sent.append(statement)
    )
    yield app, event_id, token, sent
    engine.dispose()


def _transactions(sent: list[str]) -> list[list[str]]:
    """Statements grouped by the BEGIN that opened their transaction, each by its first word."""
    groups: list[list[str]] = []
    for statement in sent:
        if statement.startswith("BEGIN"):
            groups.append([statement])
        elif groups:
            groups[-1].append(statement.split()[0])
    return groups


def test_a_scan_reads_first_and_writes_in_one_immediate_transaction(door):
    app, event_id, token, sent = door
    response = app.test_client().post(
        f"/api/v1/events/{event_id}/checkins",
        json={"code": "ticket0-abcdefghijklmnop"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200 and response.json["result"] == "ok"
    reading, writing = _transactions(sent)
    assert reading[0] == "BEGIN" and set(reading[1:]) == {"SELECT"}  # token, event, role: no lock taken
    assert writing[0] == "BEGIN IMMEDIATE" and writing.count("INSERT") == 2  # the check-in and the scan


def test_other_requests_still_begin_immediate(door):
    app, event_id, _token, sent = door
    assert app.test_client().get(f"/e/{event_id}").status_code == 200
    assert {t[0] for t in _transactions(sent)} == {"BEGIN IMMEDIATE"}


def test_a_write_before_begin_write_is_a_bug_that_raises(door):
    app, _event_id, _token, _transactions = door
    with app.test_request_context("/"), app.app_context():
        g.sqlite_reads_first = True
        member = db.session.scalars(db.select(Member)).first()
        member.name = "Changed"
        with pytest.raises(RuntimeError, match="begin_write"):
            db.session.flush()
        db.session.rollback()
        g.sqlite_reads_first = True
        member = db.session.scalars(db.select(Member)).first()
        begin_write(db.session)
        member.name = "Changed"
        db.session.commit()  # after begin_write, the same change is written
