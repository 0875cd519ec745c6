"""SQLite at the door: a scan reads who may scan in a plain transaction, and takes the write lock only to
check the ticket in (meetups.extensions, "Reading first"). On an app of its own over a SQLite file, as in
production."""

from datetime import UTC, datetime

import pytest
from flask import g
from sqlalchemy import event as sa_event
from sqlalchemy import update

from harness.servers import create_schema, seed_door
from meetups import create_app
from meetups.accounts.models import ApiToken, Member
from meetups.extensions import begin_write, db


@pytest.fixture
def door(tmp_path):
    """A SQLite-file app whose door is open, one volunteer's token (used a moment ago, so a scan does not note
    its use again) and two tickets; yields the app, the event id, the token, the ticket codes and the list of
    every statement sent from then on (BEGIN included)."""
    database_url = f"sqlite:///{tmp_path}/door.db"
    create_schema(database_url)
    now = datetime.now(UTC)
    event_id, codes, (token,) = seed_door(database_url, now, tickets=2, scanners=1)
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "MAIL_URL": "", "RATELIMIT_ENABLED": False}
    )
    with app.app_context():
        db.session.execute(update(ApiToken).values(last_used_at=now))
        db.session.commit()
        engine = db.engine
    sent: list[str] = []
    sa_event.listen(
        engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: sent.append(statement)
    )
    yield app, event_id, token, codes, sent
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
    app, event_id, token, codes, sent = door
    response = app.test_client().post(
        f"/api/v1/events/{event_id}/checkins",
        json={"code": codes[0]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200 and response.json["result"] == "ok"
    reading, writing = _transactions(sent)
    assert reading[0] == "BEGIN" and set(reading[1:]) == {"SELECT"}  # token, event, role: no lock taken
    assert writing[0] == "BEGIN IMMEDIATE" and writing.count("INSERT") == 2  # the check-in and the scan


def test_other_requests_still_begin_immediate(door):
    app, event_id, _token, _codes, sent = door
    assert app.test_client().get(f"/e/{event_id}").status_code == 200
    assert {t[0] for t in _transactions(sent)} == {"BEGIN IMMEDIATE"}


def test_a_write_before_begin_write_is_a_bug_that_raises(door):
    app, _event_id, _token, _codes, _sent = door
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
