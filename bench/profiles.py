"""A member with 500 attended events and a community with 50,000 RSVPs: how long the profile and the health
view take, and how many SQL statements each one runs (a fixed number, whatever the size of the record).

Seeds 500 closed weekly events of one community, 100 RSVPs each (50,000 RSVPs and attendance records,
2,000 members), with one regular who came to all 500, then times each page through the Flask test client:

  profile    /members/<id> as the member (everything, reliability included) and as another member
  api        GET /api/v1/members/<id>
  health     /c/<slug>/health and its CSV, as the organiser; GET /api/v1/communities/<slug>/health
  community  /c/<slug> with its leaderboard, as a member

    .venv/bin/python bench/profiles.py                          # SQLite in a temporary file
    .venv/bin/python bench/profiles.py --database postgresql    # MEETUPS_BENCH_DATABASE_URL or local postgres
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy
from sqlalchemy import insert
from werkzeug.security import generate_password_hash

from harness.servers import create_schema, fresh_database
from meetups import create_app
from meetups.accounts import service as accounts
from meetups.accounts.models import Member, Visibility
from meetups.communities.models import Community, CommunityRole, Membership
from meetups.events.models import Event, EventStatus
from meetups.extensions import db
from meetups.recognition.models import Attendance, Outcome
from meetups.rsvps.models import Rsvp, RsvpStatus

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
SLUG = "bench"
PASSWORD = "bench password 1"


def seed(app, *, events: int, per_event: int, members: int) -> dict[str, int]:
    """Bulk rows straight into the tables: the closing rules have their own tests, this measures reading."""
    rng = random.Random(7)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    first = now - timedelta(weeks=events + 1)
    password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    with app.app_context():
        session = db.session
        community = Community(slug=SLUG, name="Bench community", created_at=first)
        session.add(community)
        session.flush()
        session.execute(
            insert(Member),
            [
                {
                    "email": f"m{n}@bench.test",
                    "name": f"Member {n}",
                    "password_hash": password_hash,
                    "created_at": first,
                    "profile_visibility": Visibility.communities,
                }
                for n in range(members)
            ],
        )
        ids = list(session.scalars(sqlalchemy.select(Member.id).order_by(Member.id)))
        organiser, regular, viewer, crowd = ids[0], ids[1], ids[2], ids[3:]
        session.execute(
            insert(Membership),
            [
                {
                    "community_id": community.id,
                    "member_id": member_id,
                    "role": CommunityRole.organiser if member_id == organiser else CommunityRole.member,
                    "joined_at": first + timedelta(days=rng.randrange(events * 7)),
                }
                for member_id in ids
            ],
        )
        session.execute(
            insert(Event),
            [
                {
                    "community_id": community.id,
                    "title": f"Evening #{n}",
                    "description": "",
                    "starts_at": first + timedelta(weeks=n, hours=18),
                    "ends_at": first + timedelta(weeks=n, hours=21),
                    "timezone": "Europe/Berlin",
                    "capacity": per_event,
                    "status": EventStatus.published,
                    "created_at": first,
                    "updated_at": first,
                    "published_at": first,
                    "closed_at": first + timedelta(weeks=n, hours=27),
                }
                for n in range(events)
            ],
        )
        event_rows = session.execute(
            sqlalchemy.select(Event.id, Event.starts_at).order_by(Event.starts_at)
        ).all()
        rsvps, records = [], []
        for event_id, starts in event_rows:
            starts = starts.replace(tzinfo=UTC)
            people = [regular, *rng.sample(crowd, per_event - 1)]
            for member_id in people:
                roll = rng.random()
                outcome = (
                    Outcome.attended
                    if member_id == regular or roll < 0.82
                    else Outcome.no_show
                    if roll < 0.95
                    else Outcome.late_cancel
                )
                answered = starts - timedelta(hours=rng.choice((5, 30, 200, 700)))
                rsvps.append(
                    {
                        "event_id": event_id,
                        "member_id": member_id,
                        "status": RsvpStatus.cancelled
                        if outcome == Outcome.late_cancel
                        else RsvpStatus.going,
                        "guests": 0,
                        "answers": {},
                        "end_reason": "member" if outcome == Outcome.late_cancel else "",
                        "message": "",
                        "created_at": answered,
                        "updated_at": answered,
                    }
                )
                records.append(
                    {
                        "event_id": event_id,
                        "member_id": member_id,
                        "community_id": community.id,
                        "event_on": starts.date(),
                        "outcome": outcome,
                        "guests": 0,
                        "rsvp_at": answered,
                        "resolved_at": starts + timedelta(hours=9),
                    }
                )
        for start in range(0, len(rsvps), 5000):
            session.execute(insert(Rsvp), rsvps[start : start + 5000])
            session.execute(insert(Attendance), records[start : start + 5000])
        session.commit()
        tokens = {
            name: accounts.create_token(session, session.get(Member, member_id), name="bench", now=now)[1]
            for name, member_id in (("organiser", organiser), ("regular", regular), ("viewer", viewer))
        }
        session.commit()
        emails = {
            name: session.get(Member, member_id).email
            for name, member_id in (("organiser", organiser), ("regular", regular), ("viewer", viewer))
        }
    return {"regular": regular, "rsvps": len(rsvps), "tokens": tokens, "emails": emails}


class Statements(list):
    """Counts the SQL statements the app runs while a request is measured."""

    def __init__(self, engine):
        super().__init__()
        sqlalchemy.event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, *_args):
        self.append(statement)


def measure(client, statements: Statements, path: str, repeat: int, **kwargs) -> tuple[list[float], int]:
    response = client.get(path, **kwargs)  # once to warm templates and caches the page keeps
    assert response.status_code == 200, (path, response.status_code, response.text[:300])
    statements.clear()
    client.get(path, **kwargs)
    queries = len(statements)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, **kwargs)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times, queries


def line(label: str, times: list[float], queries: int) -> None:
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    print(
        f"{label:<44} p50 {statistics.median(times):8.1f} ms   p99 {p99:8.1f} ms   "
        f"{queries:3d} queries   (n={len(times)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--events", type=int, default=500)
    parser.add_argument("--per-event", type=int, default=100)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    base = (
        os.environ.get("MEETUPS_BENCH_DATABASE_URL", PG_DEFAULT)
        if args.database == "postgresql"
        else "sqlite://"
    )
    with fresh_database(base) as database_url:
        create_schema(database_url)
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False}
        )
        started = time.perf_counter()
        data = seed(app, events=args.events, per_event=args.per_event, members=args.members)
        seeded = time.perf_counter() - started
        with app.app_context():
            statements = Statements(db.engine)
        print(
            f"database {args.database}; {args.events} closed events, {data['rsvps']:,} RSVPs and attendance "
            f"records, {args.members:,} members; the regular came to {args.events}; seeded in {seeded:.1f} s"
        )

        def signed_in(who: str):
            client = app.test_client()
            response = client.post("/login", data={"email": data["emails"][who], "password": PASSWORD})
            assert response.status_code == 302, response.text[:300]
            return client

        regular, organiser, viewer = signed_in("regular"), signed_in("organiser"), signed_in("viewer")
        bearer = {"Authorization": f"Bearer {data['tokens']['regular']}"}
        profile = f"/members/{data['regular']}"
        rows = [
            ("profile, as the member (500 events)", regular, profile, {}),
            ("profile, as another member", viewer, profile, {}),
            ("profile, as the organiser", organiser, profile, {}),
            (
                "GET /api/v1/members/<id>, as the member",
                app.test_client(),
                f"/api/v1{profile}",
                {"headers": bearer},
            ),
            ("/me, as the member", regular, "/me", {}),
            ("health page, as the organiser (50,000 RSVPs)", organiser, f"/c/{SLUG}/health", {}),
            ("health CSV, as the organiser", organiser, f"/c/{SLUG}/health.csv", {}),
            (
                "GET /api/v1/communities/<slug>/health",
                app.test_client(),
                f"/api/v1/communities/{SLUG}/health",
                {"headers": {"Authorization": f"Bearer {data['tokens']['organiser']}"}},
            ),
            ("community page with leaderboard, as a member", viewer, f"/c/{SLUG}", {}),
        ]
        for label, client, path, kwargs in rows:
            times, queries = measure(client, statements, path, args.repeat, **kwargs)
            line(label, times, queries)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
