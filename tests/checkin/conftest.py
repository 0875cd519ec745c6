"""Browser fixtures for the door: the shared live server and Chromium (tests/browser/conftest.py), an event
whose check-in is open with tickets on it, and a phone whose server can be switched off."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from meetups import clock, create_app, web
from meetups.checkin import door as door_links
from meetups.events.models import StaffRole
from meetups.extensions import db
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.rsvps.tickets import new_code as new_ticket_code
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, browser, live_server, screenshots  # noqa: F401
from tests.factories import PASSWORD, make_event, make_member, make_staff

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / "static" / "build"


def require_build() -> None:
    """The scanner runs from static/build (npm ci && npm run build): without it CI fails, a laptop skips."""
    missing = [
        name
        for name in ("scanner.js", "scanner-decode-worker.js", "zxing_reader.wasm", "scanner-sw.js")
        if not (BUILD / name).exists()
    ]
    if missing:
        message = f"static/build lacks {', '.join(missing)}: run `npm ci && npm run build`"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@dataclass
class Ticket:
    code: str
    name: str
    rsvp_id: int
    url: str


@dataclass
class Door:
    """An event whose check-in is open, its organiser, and its tickets."""

    base_url: str
    event_id: int
    organiser_email: str
    organiser_name: str
    door_token: str
    tickets: list[Ticket] = field(default_factory=list)

    @property
    def scanner_url(self) -> str:
        return f"{self.base_url}/e/{self.event_id}/checkin"


def make_door(
    app,
    base_url: str,
    *,
    names: list[str],
    guests: dict[str, int] | None = None,
    statuses: dict[str, RsvpStatus] | None = None,
) -> Door:
    """Written straight into the server's database: the test is about the door, not about RSVPs."""
    guests, statuses = guests or {}, statuses or {}
    now = clock.now()
    with app.app_context():
        session = db.session
        event = make_event(
            session, starts_at=now + timedelta(hours=1), capacity=200, max_guests=3, title="Door test night"
        )
        organiser = make_member(session, name="Olga Door", email_verified_at=now)
        make_staff(session, event, organiser, StaffRole.organiser)
        _link, token = door_links.create_door_link(
            session, event_id=event.id, actor=organiser, label="Front door", now=now
        )
        tickets = []
        for name in names:
            member = make_member(session, name=name, email_verified_at=now)
            rsvp = Rsvp(
                event=event,
                member=member,
                status=statuses.get(name, RsvpStatus.going),
                guests=guests.get(name, 0),
                ticket_code=new_ticket_code(),
                created_at=now,
                updated_at=now,
            )
            session.add(rsvp)
            session.flush()
            tickets.append(Ticket(rsvp.ticket_code, name, rsvp.id, f"{base_url}/t/{rsvp.ticket_code}"))
        door = Door(base_url, event.id, organiser.email, organiser.name, token, tickets)
        session.commit()
    return door


@pytest.fixture
def built():
    require_build()


@pytest.fixture
def door_factory(live_server):  # noqa: F811 — the shared fixture, imported above
    url, app = live_server
    return lambda **kwargs: make_door(app, url, **kwargs)


@pytest.fixture
def scanner_context(browser):  # noqa: F811
    """A 360 x 740 phone, like tests/browser's `phone`, that also lets a test cut the network."""
    contexts = []

    def _new(**extra):
        context = browser.new_context(
            viewport={"width": 360, "height": 740},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="en-GB",
            **extra,
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield _new
    for context in contexts:
        context.close()


class ThreadServer:
    """The app on a free port in a thread, which a test can stop: a server that is really gone."""

    def __init__(self, database: Path) -> None:
        self.app = create_app(
            {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "RATELIMIT_ENABLED": False, "MAIL_URL": ""}
        )
        with self.app.app_context():
            db.create_all()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.app.config["BASE_URL"] = self.url
        web.install_site(self.app)
        self.thread = threading.Thread(target=self.server.serve_forever, name="door-server", daemon=True)
        self.thread.start()
        self.running = True

    def stop(self) -> None:
        if self.running:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(timeout=10)
            self.running = False


@pytest.fixture
def own_server(tmp_path):
    require_build()
    server = ThreadServer(tmp_path / "door.db")
    yield server
    server.stop()
    with server.app.app_context():
        db.engine.dispose()


def log_in(page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()


def open_scanner(page, door: Door, *, door_link: bool = False) -> None:
    page.goto(f"{door.scanner_url}?door={door.door_token}" if door_link else door.scanner_url)
    page.wait_for_function("document.body.classList.contains('scanner-ready')")
