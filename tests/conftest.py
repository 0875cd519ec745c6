import os
from datetime import UTC, datetime

import pytest
import sqlalchemy
from sqlalchemy.orm import Session

from meetups import clock, create_app, mailer, web
from meetups.config import normalize_database_url
from meetups.extensions import db

TEST_DATABASE_URL = normalize_database_url(os.environ.get("MEETUPS_TEST_DATABASE_URL", "") or "sqlite://")
FROZEN_NOW = datetime(2030, 4, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def app():
    app = create_app(
        {
            "TESTING": True,
            "WTF_CSRF_ENABLED": False,
            "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL,
            "RATELIMIT_ENABLED": False,
            "BASE_URL": "http://meetups.test",
            "MAIL_URL": "",
            "SERVER_NAME": None,
        }
    )
    with app.app_context():  # then popped: each request gets its own app context, g and db.session
        db.drop_all()
        db.create_all()
        db.session.configure(join_transaction_mode="create_savepoint")
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()


@pytest.fixture
def session(app, monkeypatch):
    """Per test; requests share its connection; a commit only releases a SAVEPOINT, and all is rolled back."""
    with app.app_context():
        connection = db.engine.connect()
        monkeypatch.setitem(db.engines, None, connection)
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    app.extensions["meetups_outbox"] = Mailbox(app, session)
    yield session
    session.close()
    outer.rollback()
    connection.close()


@pytest.fixture
def site(app):
    """The settings services take instead of reading the app (its address, secret key, sender)."""
    return app.extensions[web.SITE_KEY]


@pytest.fixture
def now(monkeypatch) -> datetime:
    monkeypatch.setattr(clock, "now", lambda: FROZEN_NOW)
    return FROZEN_NOW


@pytest.fixture
def count_queries(app, session):
    """The SQL statements run while the test watches; clear() it right before the request you measure."""
    with app.app_context():
        engine = db.engines[None].engine  # the `session` fixture swapped the engine for its Connection

    statements: list[str] = []

    def _record(_conn, _cursor, statement, _parameters, _context, _executemany):
        if not statement.startswith(
            ("SAVEPOINT", "RELEASE", "ROLLBACK")
        ):  # the test harness's, not the page's
            statements.append(statement)

    sqlalchemy.event.listen(engine, "before_cursor_execute", _record)
    yield statements
    sqlalchemy.event.remove(engine, "before_cursor_execute", _record)


@pytest.fixture
def csrf_client(app, session, monkeypatch):
    """A client of a second app with CSRF checks on (the test app switches them off), in the test's
    transaction."""
    csrf_app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL,
            "RATELIMIT_ENABLED": False,
            "MAIL_URL": "",
            "BASE_URL": "http://meetups.test",
        }
    )
    with app.app_context():
        connection = db.engines[None]
    with csrf_app.app_context():
        monkeypatch.setitem(db.engines, None, connection)  # the test's transaction, rolled back after
    return csrf_app.test_client()


@pytest.fixture
def client(app, session):
    """Needs `session`, or what requests write would outlive the test."""
    return app.test_client()


class Mailbox(list):
    """The mail that went out (log mode), newest last. A request delivers what it queued itself; a test that
    calls services directly commits, then `deliver()`s, as the worker would."""

    def __init__(self, app, session):
        super().__init__()
        self.app, self.session = app, session

    def deliver(self, now=None) -> list:
        """Send what is due (at `now`, default the clock's); returns what went."""
        before = len(self)
        with self.app.app_context():
            mailer.deliver_due(self.session, site=web.site(), now=now or clock.now())
        return self[before:]


@pytest.fixture
def outbox(app, session):
    """The mail sent so far. No app context is pushed here: requests would share it, and with it `g` (the
    logged-in member) and db.session, instead of getting their own."""
    return app.extensions["meetups_outbox"]


@pytest.fixture
def login(client):
    """Log a member in on the test client (through the real login form)."""

    def _login(member, password="correct horse battery"):
        response = client.post("/login", data={"email": member.email, "password": password})
        assert response.status_code == 302, response.text
        return member

    return _login
