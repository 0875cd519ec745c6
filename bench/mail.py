"""Mail throughput: how fast the outbox drains into a real SMTP server (aiosmtpd on 127.0.0.1), and what one
message costs to make. Seeds an event with N members going, each with a live ticket and a queued
confirmation (the heaviest kind: text, HTML, the ticket's QR inline and the event's .ics), plus N reminders
(text and HTML only), then times the mailer's delivery run over one SMTP connection.

    .venv/bin/python bench/mail.py                         # SQLite in a temporary file, 1,000 members
    .venv/bin/python bench/mail.py --database postgresql   # MEETUPS_BENCH_DATABASE_URL or local postgres
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select

from harness.servers import create_schema, fresh_database, smtp_server
from meetups import clock, create_app, mailer, web
from meetups.accounts.models import Member
from meetups.communities.models import Community
from meetups.events.models import Event, EventStatus
from meetups.extensions import db
from meetups.notify import service as outbox
from meetups.notify.models import Message, MessageStatus, Topic
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.rsvps.tickets import new_code

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def seed(app, people: int) -> None:
    now = clock.now()
    with app.app_context():
        session = db.session
        community = Community(slug="bench", name="Bench community", created_at=now)
        event = Event(
            community=community,
            title="Bench evening",
            description="Talks and *pizza*.",
            starts_at=now + timedelta(days=2),
            ends_at=now + timedelta(days=2, hours=2),
            timezone="Europe/Berlin",
            venue_name="Café Central",
            venue_address="Hauptstraße 1, Berlin",
            status=EventStatus.published,
            alarm_minutes=60,
            created_at=now,
            updated_at=now,
        )
        session.add(event)
        session.flush()
        session.execute(
            insert(Member),
            [{"email": f"m{n}@bench.test", "name": f"Member {n}", "created_at": now} for n in range(people)],
        )
        members = list(session.scalars(select(Member).order_by(Member.id)))
        session.execute(
            insert(Rsvp),
            [
                {
                    "event_id": event.id,
                    "member_id": m.id,
                    "status": RsvpStatus.going,
                    "ticket_code": new_code(),
                    "guests": 0,
                    "answers": {},
                    "created_at": now,
                    "updated_at": now,
                    "seated_at": now,
                }
                for m in members
            ],
        )
        rsvps = dict(session.execute(select(Rsvp.member_id, Rsvp.id)).all())
        for kind, topic in (("rsvp_confirmed", Topic.rsvps), ("event_reminder", Topic.reminders)):
            for member in members:
                outbox.queue(
                    session,
                    to=member,
                    kind=kind,
                    topic=topic,
                    now=now,
                    rsvp_id=rsvps[member.id],
                    event_id=event.id,
                    hours=24,
                )
        session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--people", type=int, default=1000)
    args = parser.parse_args()
    base = (
        os.environ.get("MEETUPS_BENCH_DATABASE_URL", PG_DEFAULT)
        if args.database == "postgresql"
        else "sqlite://"
    )
    with fresh_database(base) as database_url, smtp_server() as (port, sink):
        create_schema(database_url)
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "MAIL_URL": f"smtp://127.0.0.1:{port}"})
        seed(app, args.people)
        with app.app_context():
            sample = db.session.scalars(select(Message).order_by(Message.id).limit(50)).all()
            renders = []
            for message in sample:
                started = time.perf_counter()
                mail = mailer.render(db.session, message, web.site(), clock.now())
                renders.append((time.perf_counter() - started) * 1000)
            size = len(mail.mime.as_bytes())
            db.session.rollback()
            started = time.perf_counter()
            sent = mailer.deliver_due(db.session, site=web.site(), now=clock.now(), limit=10 * args.people)
            elapsed = time.perf_counter() - started
            left = db.session.scalar(select(db.func.count()).where(Message.status != MessageStatus.sent))
            db.session.remove()
            db.engine.dispose()
    total = 2 * args.people
    print(f"database {args.database}; {args.people:,} members going, {total:,} messages queued")
    print(
        f"make one confirmation (QR + .ics): p50 {statistics.median(renders):.1f} ms, "
        f"max {max(renders):.1f} ms; {size / 1024:.1f} KiB on the wire"
    )
    print(
        f"deliver: {sent:,} sent in {elapsed:.1f} s = {sent / elapsed:.0f} messages/s over one connection; "
        f"{len(sink.received):,} received; {left} not sent"
    )


if __name__ == "__main__":
    main()
