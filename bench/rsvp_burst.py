"""2,000 members RSVP at once for 100 seats, against gunicorn (4 workers) on PostgreSQL.

Prints seats taken (must equal capacity), waitlist order violations (must be 0), 5xx answers (must be 0),
throughput and latency percentiles.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.servers import create_schema, fresh_database, gunicorn
from meetups.accounts import service as accounts
from meetups.accounts.models import Member
from meetups.communities.models import Community
from meetups.events.models import Event, EventStatus
from meetups.rsvps.models import Rsvp, RsvpStatus

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def seed(database_url: str, members: int, capacity: int) -> tuple[int, list[str]]:
    now = datetime.now(UTC)
    engine = create_engine(database_url)
    with Session(engine) as session:
        event = Event(
            community=Community(slug="bench", name="Bench", created_at=now),
            title="Burst",
            starts_at=now + timedelta(days=2),
            ends_at=now + timedelta(days=2, hours=3),
            timezone="Europe/Berlin",
            capacity=capacity,
            status=EventStatus.published,
            created_at=now,
            updated_at=now,
        )
        session.add(event)
        people = [
            Member(email=f"burst{i}@example.test", name=f"Burst {i}", created_at=now) for i in range(members)
        ]
        session.add_all(people)
        session.flush()
        tokens = [accounts.create_token(session, m, name="bench", now=now)[1] for m in people]
        session.commit()
        event_id = event.id
    engine.dispose()
    return event_id, tokens


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--capacity", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--clients", type=int, default=64, help="concurrent client connections")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()
    base = (
        os.environ.get("MEETUPS_BENCH_DATABASE_URL", PG_DEFAULT)
        if args.database == "postgresql"
        else "sqlite://"
    )
    with fresh_database(base) as database_url:
        create_schema(database_url)
        event_id, tokens = seed(database_url, args.members, args.capacity)
        with gunicorn(database_url, workers=args.workers) as url:
            http = requests.Session()
            http.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=args.clients))

            def attempt(token: str) -> tuple[int, float, dict]:
                started = time.perf_counter()
                response = http.post(
                    f"{url}/api/v1/events/{event_id}/rsvp",
                    json={},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=120,
                )
                elapsed = time.perf_counter() - started
                return response.status_code, elapsed, response.json() if response.ok else {}

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.clients) as pool:
                results = list(pool.map(attempt, tokens))
            wall = time.perf_counter() - started
        engine = create_engine(database_url)
        with Session(engine) as session:
            seated = session.scalars(select(Rsvp).where(Rsvp.status == RsvpStatus.going)).all()
            line = session.scalars(
                select(Rsvp).where(Rsvp.status == RsvpStatus.waitlisted).order_by(Rsvp.waitlist_rank)
            ).all()
        engine.dispose()
    ids = [r.id for r in line]
    violations = sum(1 for a, b in itertools.pairwise(ids) if a > b)
    violations += sum(1 for r in seated if line and r.id > line[0].id)
    latencies = [elapsed * 1000 for _status, elapsed, _body in results]
    print(f"database            {args.database}, {args.workers} gunicorn workers, {args.clients} clients")
    print(f"members / capacity  {args.members} / {args.capacity}")
    print(f"seats taken         {sum(r.guests + 1 for r in seated)} (must be {args.capacity})")
    print(f"waitlisted          {len(line)}")
    print(f"order violations    {violations} (must be 0)")
    print(f"5xx answers         {sum(1 for s, _e, _b in results if s >= 500)} (must be 0)")
    print(f"other non-200       {sum(1 for s, _e, _b in results if s != 200 and s < 500)}")
    print(f"throughput          {len(results) / wall:.0f} RSVP/s ({wall:.2f} s wall)")
    print(f"latency p50 / p99   {statistics.median(latencies):.1f} / {percentile(latencies, 0.99):.1f} ms")


if __name__ == "__main__":
    main()
