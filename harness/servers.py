"""Real servers for tests and benchmarks: a fresh database and gunicorn workers on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import requests

from meetups.config import normalize_database_url

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def fresh_database(base_url: str | None = None) -> Iterator[str]:
    """An empty database of the same kind as the test database: a new PostgreSQL database on the same server
    (dropped afterwards), or a new SQLite file."""
    base_url = normalize_database_url(
        base_url or os.environ.get("MEETUPS_TEST_DATABASE_URL", "") or "sqlite://"
    )
    if not base_url.startswith("postgresql"):
        with tempfile.TemporaryDirectory() as tmp:
            yield f"sqlite:///{tmp}/live.db"
        return
    import psycopg

    parts = urlsplit(base_url)
    name = f"meetups_live_{uuid.uuid4().hex[:10]}"
    admin = urlunsplit(("postgresql", parts.netloc, "/postgres", "", ""))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_schema(database_url: str) -> None:
    from meetups import create_app
    from meetups.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()


def seed_door(
    database_url: str, now: datetime, *, tickets: int, scanners: int, max_guests: int = 0
) -> tuple[int, list[str], list[str]]:
    """An event whose door is open (it starts in 30 minutes), `scanners` volunteers with an API token each,
    and `tickets` people going with up to `max_guests` guests; returns the event's id, the ticket codes and
    the tokens. For races and load at the door."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from meetups.accounts import service as accounts
    from meetups.accounts.models import Member
    from meetups.communities.models import Community
    from meetups.events.models import Event, EventStaff, EventStatus, StaffRole
    from meetups.rsvps.models import Rsvp, RsvpStatus

    engine = create_engine(database_url)
    with Session(engine) as session:
        event = Event(
            community=Community(slug="door", name="Door", created_at=now),
            title="At the door",
            starts_at=now + timedelta(minutes=30),
            ends_at=now + timedelta(hours=3),
            timezone="Europe/Berlin",
            capacity=None,
            status=EventStatus.published,
            created_at=now,
            updated_at=now,
        )
        staff = [
            Member(email=f"scanner{i}@example.test", name=f"Scanner {i}", created_at=now)
            for i in range(scanners)
        ]
        session.add_all([event, *staff])
        session.flush()
        session.add_all(
            [EventStaff(event=event, member=m, role=StaffRole.volunteer, added_at=now) for m in staff]
        )
        codes = [f"door-{i:06d}-{secrets.token_hex(8)}" for i in range(tickets)]
        session.add_all(
            [
                Rsvp(
                    event=event,
                    member=Member(email=f"a{i}@example.test", name=f"Attendee {i}", created_at=now),
                    status=RsvpStatus.going,
                    ticket_code=code,
                    guests=i % (max_guests + 1),
                    created_at=now,
                    updated_at=now,
                )
                for i, code in enumerate(codes)
            ]
        )
        tokens = [accounts.create_token(session, m, name="door", now=now)[1] for m in staff]
        session.commit()
        event_id = event.id
    engine.dispose()
    return event_id, codes, tokens


@contextlib.contextmanager
def gunicorn(
    database_url: str,
    *,
    workers: int = 4,
    threads: int = 1,
    base_url: str | None = None,
    rate_limits: bool = False,
) -> Iterator[str]:
    """gunicorn serving app:app on a free loopback port; yields its URL and stops it afterwards. Rate limits
    are off (load from one address) unless asked for."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "MEETUPS_DATABASE_URL": database_url,
        "MEETUPS_RATE_LIMITS": "on" if rate_limits else "off",
        "MEETUPS_BASE_URL": base_url or url,
        "MEETUPS_SECRET_KEY": "live-server-secret",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
            "--timeout",
            "60",
            "--graceful-timeout",
            "2",
            "--preload",
            "app:app",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.1)
        yield url
    finally:
        process.send_signal(signal.SIGINT)  # quick shutdown: tests need no graceful drain
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()


class SmtpSink:
    """What a real SMTP server (aiosmtpd) on 127.0.0.1 received: one (envelope sender, recipients, bytes) per
    message."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd's handler hook
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 OK"


@contextlib.contextmanager
def smtp_server(port: int | None = None) -> Iterator[tuple[int, SmtpSink]]:
    """An SMTP server on 127.0.0.1 (a free port unless given) while the block runs."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=port or free_port())
    controller.start()
    try:
        yield controller.port, sink
    finally:
        controller.stop()


@contextlib.contextmanager
def redis_server() -> Iterator[str]:
    """A Redis server of its own on 127.0.0.1 (Debian's redis-server, nothing kept on disk) while the block
    runs: its URL. Never the machine's shared one, so nothing there is read or flushed."""
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        server = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                tmp,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection(("127.0.0.1", port), timeout=1) as s,
                ):
                    s.sendall(b"PING\r\n")
                    if s.recv(16).startswith(b"+PONG"):
                        break
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            server.terminate()
            server.wait(10)
