"""50 scanners at the door, 5,000 tickets, against gunicorn (4 workers) on PostgreSQL.

Every ticket is scanned once by its own scanner and ~10 % a second time by another scanner (a queue mix-up),
all at once. Prints scan latency p50/p99, throughput, errors (must be 0) and double check-ins (must be 0).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.servers import create_schema, fresh_database, gunicorn, seed_door
from meetups.checkin.models import CheckIn

PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--scanners", type=int, default=50)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument(
        "--pace",
        type=float,
        default=0.0,
        help="seconds between one scanner's scans (0: as fast as the server answers)",
    )
    args = parser.parse_args()
    base = (
        os.environ.get("MEETUPS_BENCH_DATABASE_URL", PG_DEFAULT)
        if args.database == "postgresql"
        else "sqlite://"
    )
    with fresh_database(base) as database_url:
        create_schema(database_url)
        event_id, codes, tokens = seed_door(
            database_url, datetime.now(UTC), tickets=args.tickets, scanners=args.scanners, max_guests=2
        )
        rng = random.Random(7)
        work: list[list[str]] = [[] for _ in tokens]
        for i, code in enumerate(codes):
            work[i % len(tokens)].append(code)
            if rng.random() < 0.1:  # scanned again elsewhere
                work[rng.randrange(len(tokens))].append(code)
        for queue in work:
            rng.shuffle(queue)
        with gunicorn(database_url, workers=args.workers) as url:

            def run_scanner(index: int) -> list[tuple[int, float, str]]:
                http = requests.Session()
                headers = {"Authorization": f"Bearer {tokens[index]}"}
                if args.pace:  # volunteers do not all scan in the same instant
                    time.sleep(random.Random(index).uniform(0, args.pace))
                seen = []
                for n, code in enumerate(work[index]):
                    started = time.perf_counter()
                    response = http.post(
                        f"{url}/api/v1/events/{event_id}/checkins",
                        headers=headers,
                        timeout=60,
                        json={"code": f"{url}/t/{code}", "client_scan_id": f"s{index}-{n}"},
                    )
                    elapsed = time.perf_counter() - started
                    if args.pace:
                        time.sleep(max(0.0, args.pace - elapsed))
                    seen.append(
                        (
                            response.status_code,
                            elapsed,
                            response.json().get("result", "") if response.ok else response.text[:80],
                        )
                    )
                return seen

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=len(tokens)) as pool:
                results = [
                    r for per_scanner in pool.map(run_scanner, range(len(tokens))) for r in per_scanner
                ]
            wall = time.perf_counter() - started
        engine = create_engine(database_url)
        with Session(engine) as session:
            live = session.scalar(
                select(func.count()).select_from(CheckIn).where(CheckIn.undone_at.is_(None))
            )
            doubles = session.scalar(
                select(func.count()).select_from(
                    select(CheckIn.rsvp_id)
                    .where(CheckIn.undone_at.is_(None))
                    .group_by(CheckIn.rsvp_id)
                    .having(func.count() > 1)
                    .subquery()
                )
            )
        engine.dispose()
    latencies = sorted(e * 1000 for _s, e, _r in results)
    outcome = {k: sum(1 for *_x, r in results if r == k) for k in ("ok", "already_checked_in")}
    pace = f"one scan per {args.pace:g} s each" if args.pace else "back to back"
    setup = f"{args.database}, {args.workers} gunicorn workers, {args.scanners} scanners, {pace}"
    print(f"database             {setup}")
    print(f"tickets / scans      {args.tickets} / {len(results)}")
    print(f"answers              ok {outcome['ok']}, already_checked_in {outcome['already_checked_in']}")
    print(f"errors (non-200)     {sum(1 for s, _e, _r in results if s != 200)} (must be 0)")
    print(f"check-ins stored     {live} (must be {args.tickets})")
    print(f"double check-ins     {doubles} (must be 0)")
    print(f"throughput           {len(results) / wall:.0f} scans/s ({wall:.1f} s wall)")
    print(
        f"latency p50 / p99    {statistics.median(latencies):.1f} / "
        f"{latencies[int(0.99 * len(latencies))]:.1f} ms"
    )


if __name__ == "__main__":
    main()
