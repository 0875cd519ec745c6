"""A community feed of 1,000 events: how long each path takes, next to a naive icalendar build in one run.

Paths, through the Flask test client (add --http for gunicorn on 127.0.0.1 too):
  naive     icalendar objects for everything (Timezone.from_tzid, an Event each, Markdown descriptions)
  first     nothing cached anywhere: every VEVENT built and stored in calendar_event_cache
  cold      a fresh process: nothing in memory, the VEVENTs come from calendar_event_cache
  warm      the same feed again: kept in this process by ETag, one aggregate query
  304       If-None-Match: one aggregate query, nothing built
Goals (shared/BENCHMARKS.md): cold <= 60 ms, cached/304 <= 5 ms.

    .venv/bin/python bench/ical_feed.py                     # SQLite in a temporary file
    .venv/bin/python bench/ical_feed.py --database postgresql  # MEETUPS_BENCH_DATABASE_URL or local postgres
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests
from icalendar import Calendar, Timezone, vCalAddress
from icalendar import Event as VEvent
from sqlalchemy import delete, select

from harness.servers import create_schema, fresh_database, gunicorn
from meetups import create_app, markdown
from meetups.calendars import service
from meetups.calendars.models import CalendarEventCache
from meetups.communities.models import Community
from meetups.events.models import Event, EventStatus
from meetups.extensions import db

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
SLUG = "bench"
DESCRIPTION = (
    "Talks, **pizza** and people. Bring a laptop if you want to hack along; the wifi is "
    "`meetup-guest`.\n\n- 19:00 doors\n- 19:30 talks\n- 21:00 drinks, Café & Bar"
)


def seed(app, count: int) -> None:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with app.app_context():
        community = Community(slug=SLUG, name="Bench Python, Berlin", created_at=now)
        db.session.add(community)
        for n in range(count):
            zone = "America/New_York" if n % 10 == 0 else "Europe/Berlin"  # two zones, as real feeds have
            starts = now - timedelta(days=60) + timedelta(hours=9 * n)
            db.session.add(
                Event(
                    community=community,
                    title=f"Python evening #{n}: typing, tests & «Юникод» 🐍",
                    description=DESCRIPTION,
                    starts_at=starts,
                    ends_at=starts + timedelta(hours=3),
                    timezone=zone,
                    venue_name="Café Central",
                    venue_address=f"Hauptstraße {n % 90 + 1}, 10827 Berlin",
                    capacity=50,
                    status=EventStatus.published,
                    sequence=n % 3,
                    created_at=now,
                    updated_at=now,
                    published_at=now,
                )
            )
        db.session.commit()


def naive_build(app) -> bytes:
    """What a feed costs with no thought: icalendar objects for everything, every time."""
    with app.app_context():
        events = db.session.scalars(
            select(Event).where(Event.community.has(slug=SLUG)).order_by(Event.starts_at)
        ).all()
        calendar = Calendar()
        calendar.add("prodid", "-//naive//EN")
        calendar.add("version", "2.0")
        for zone in sorted({e.timezone for e in events}):
            calendar.add_component(
                Timezone.from_tzid(zone, first_date=date(2020, 1, 1), last_date=date(2035, 1, 1))
            )
        for e in events:
            entry = VEvent()
            entry.add("uid", f"event-{e.id}@bench")
            entry.add("dtstamp", e.updated_at)
            entry.add("sequence", e.sequence)
            entry.add("summary", e.title)
            entry.add("dtstart", e.starts_at.astimezone(ZoneInfo(e.timezone)))
            entry.add("dtend", e.ends_at.astimezone(ZoneInfo(e.timezone)))
            entry.add("location", f"{e.venue_name}, {e.venue_address}")
            entry.add("description", markdown.plain(e.description))
            entry.add("organizer", vCalAddress("mailto:noreply@bench"))
            calendar.add_component(entry)
        return calendar.to_ical()


def timed(run, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return times


def line(label: str, times: list[float], note: str = "") -> None:
    print(
        f"{label:<34} median {statistics.median(times):8.2f} ms   min {min(times):8.2f} ms   "
        f"(n={len(times)}){note}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--http", action="store_true", help="also measure through gunicorn on 127.0.0.1")
    args = parser.parse_args()
    base = (
        os.environ.get("MEETUPS_BENCH_DATABASE_URL", PG_DEFAULT)
        if args.database == "postgresql"
        else "sqlite://"
    )
    with fresh_database(base) as database_url:
        create_schema(database_url)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "RATELIMIT_ENABLED": False,
                "BASE_URL": "https://meetups.example",
            }
        )
        seed(app, args.events)
        client = app.test_client()
        path = f"/c/{SLUG}/calendar.ics"

        def get(**headers):
            response = client.get(path, headers=headers)
            assert response.status_code in (200, 304), response.status_code
            return response

        def forget_everything():
            service.clear_caches()
            with app.app_context():
                db.session.execute(delete(CalendarEventCache))
                db.session.commit()

        naive = timed(lambda: naive_build(app), 3)
        naive_bytes = naive_build(app)
        first = []
        for _ in range(3):
            forget_everything()
            first += timed(get, 1)
        cold = []
        for _ in range(15):
            service.clear_caches()  # as a new process: only the database cache is left
            cold += timed(get, 1)
        cold_gzip = []
        for _ in range(15):
            service.clear_caches()
            cold_gzip += timed(lambda: get(**{"Accept-Encoding": "gzip"}), 1)
        body = get().data
        etag = get().headers["ETag"]
        warm = timed(get, 50)
        not_modified = timed(lambda: get(**{"If-None-Match": etag}), 50)
        floor = timed(lambda: client.get("/healthz"), 50)
        gzipped = get(**{"Accept-Encoding": "gzip"}).data
        gzip_ms = timed(lambda: gzip.compress(body, compresslevel=6, mtime=0), 10)

        assert body.count(b"BEGIN:VEVENT") == args.events, "the feed must list every event"
        Calendar.from_ical(body)
        print(
            f"database                           {args.database}; {args.events} events in 2 zones; "
            f"{os.cpu_count()} cores"
        )
        line("naive icalendar build", naive, f"   {len(naive_bytes):,} bytes")
        line(
            "ours, first build (nothing cached)",
            first,
            f"   {statistics.median(naive) / statistics.median(first):.1f}x faster than naive",
        )
        line(
            "ours, cold (fresh process, DB cache)",
            cold,
            f"   {statistics.median(naive) / statistics.median(cold):.0f}x faster than naive",
        )
        line("ours, cold + gzip (as apps ask)", cold_gzip)
        line("ours, warm (same process)", warm)
        line("ours, 304 (If-None-Match)", not_modified)
        line("gzip level 6 of the feed", gzip_ms)
        line("for scale: GET /healthz (1 query)", floor)
        print(f"{'feed size':<34} {len(body):,} bytes, gzip {len(gzipped):,} bytes")
        vtimezones = body.split(b"BEGIN:VEVENT")[0]
        print(
            f"{'header + VTIMEZONEs':<34} {len(vtimezones):,} bytes "
            f"(naive: {len(naive_bytes.split(b'BEGIN:VEVENT')[0]):,})"
        )
        if args.http:
            with gunicorn(database_url, workers=1) as url:
                http = requests.Session()
                assert http.get(url + path, timeout=60).ok  # builds once in the worker
                over_http = timed(lambda: http.get(url + path, timeout=60), 30)
                tag = http.get(url + path, timeout=60).headers["ETag"]
                http_304 = timed(lambda: http.get(url + path, headers={"If-None-Match": tag}, timeout=60), 30)
                http_floor = timed(lambda: http.get(url + "/healthz", timeout=60), 30)
                http.close()
            line("HTTP (gunicorn), warm, gzip", over_http)
            line("HTTP (gunicorn), 304", http_304)
            line("HTTP (gunicorn), /healthz", http_floor)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
