"""The demo's conference (3 days, 6 rooms, 150 sessions, 100 speakers): how long its pages, exports and feeds
take, and how many SQL statements each runs (a fixed number, whatever the size of the programme).

Builds the demo (`flask --app app demo`'s data) in a fresh database, then times each through the Flask test
client, as a stranger, as the demo member (stars, a clash, workshop seats) and as the organiser:

    .venv/bin/python bench/programme.py                          # SQLite in a temporary file
    .venv/bin/python bench/programme.py --database postgresql    # MEETUPS_BENCH_DATABASE_URL or local PG
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from bench.profiles import PG_DEFAULT, Statements, line, measure
from harness.servers import create_schema, fresh_database
from meetups import clock, create_app, demo, web
from meetups.events.models import Event
from meetups.extensions import db
from meetups.programme.models import Track


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
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
        with app.app_context():
            started = time.perf_counter()
            demo.load(db.session, now=clock.now(), secret=web.site().secret_key)
            db.session.commit()
            built = time.perf_counter() - started
            event = db.session.scalar(select(Event).where(Event.title.like("PyCon Demo%")))
            event_id, second_day = event.id, (event.local_starts_at.date() + timedelta(days=1)).isoformat()
            track_id = db.session.scalar(select(Track.id).where(Track.event_id == event_id).limit(1))
            statements = Statements(db.engine)
        print(f"database {args.database}; the demo with its 150-session conference built in {built:.1f} s")

        def signed_in(email: str, password: str):
            client = app.test_client()
            response = client.post("/login", data={"email": email, "password": password})
            assert response.status_code == 302, response.text[:300]
            return client

        logins = {role: (email, password) for role, email, password, _name in demo.LOGINS}
        member, organiser = signed_in(*logins["member"]), signed_in(*logins["organiser"])
        feed = (
            member.get("/api/v1/me").get_json()["member"]["calendar_url"].split("://", 1)[1].split("/", 1)[1]
        )
        e = f"/e/{event_id}"
        rows = [
            ("agenda, a stranger", app.test_client(), f"{e}/agenda", args.repeat),
            ("agenda, the member (stars, seats)", member, f"{e}/agenda", args.repeat),
            (
                "agenda, one day and one track, the member",
                member,
                f"{e}/agenda?day={second_day}&track={track_id}",
                args.repeat,
            ),
            ("agenda, the organiser (star counts)", organiser, f"{e}/agenda", args.repeat),
            ("a session page, the member", member, f"{e}/sessions/2", args.repeat),
            ("my schedule, the member", member, f"{e}/schedule", args.repeat),
            ("programme overview, the organiser", organiser, f"{e}/programme", args.repeat),
            (
                "GET /api/v1/events/<id>/sessions, the member",
                member,
                f"/api/v1/events/{event_id}/sessions",
                args.repeat,
            ),
            (
                "GET /api/v1/events/<id>/speakers",
                app.test_client(),
                f"/api/v1/events/{event_id}/speakers",
                args.repeat,
            ),
            ("schedule.xml (frab)", app.test_client(), f"{e}/schedule.xml", args.repeat),
            ("programme.csv", app.test_client(), f"{e}/programme.csv", args.repeat),
            ("event.ics?programme=1", app.test_client(), f"{e}/event.ics?programme=1", args.repeat),
            ("personal feed, the member (starred sessions)", app.test_client(), f"/{feed}", args.repeat),
            ("programme.pdf (3 pages)", app.test_client(), f"{e}/programme.pdf", 3),
        ]
        for label, client, path, repeat in rows:
            times, queries = measure(client, statements, path, repeat)
            line(label, times, queries)


if __name__ == "__main__":
    main()
