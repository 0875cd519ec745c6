"""Two scanners sync batches for the same tickets at the same moment, against gunicorn workers on the test
database (PostgreSQL in CI): one check-in per ticket, and the earliest scan time kept."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from harness.servers import create_schema, fresh_database, gunicorn, seed_door
from meetups.accounts.models import Member
from meetups.checkin.models import CheckIn
from meetups.rsvps.models import Rsvp

pytestmark = pytest.mark.slow
TICKETS = 30


def _seed(database_url: str, now: datetime) -> tuple[int, list[str], list[str]]:
    return seed_door(database_url, now, tickets=TICKETS, scanners=2)


def test_concurrent_batches_from_two_scanners_keep_one_checkin_with_the_earliest_time():
    now = datetime.now(UTC).replace(microsecond=0)
    with fresh_database() as database_url:
        create_schema(database_url)
        event_id, codes, tokens = _seed(database_url, now)
        # scanner 0 saw even tickets first, scanner 1 saw odd tickets first: each batch wins half
        batches = []
        for s, token in enumerate(tokens):
            items = [
                {
                    "code": code,
                    "client_scan_id": f"s{s}-{i}",
                    "scanned_at": (now - timedelta(minutes=20 if i % 2 == s else 10, seconds=i)).isoformat(),
                }
                for i, code in enumerate(codes)
            ]
            batches.append((token, items if s == 0 else items[::-1]))  # opposite orders: no deadlock either
        with gunicorn(database_url, workers=4) as url:

            def send(batch):
                token, items = batch
                return requests.post(
                    f"{url}/api/v1/events/{event_id}/checkins/batch",
                    json={"checkins": items},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=60,
                )

            for order in (batches, batches[::-1]):  # both orders; the second round is a replay
                with ThreadPoolExecutor(max_workers=2) as pool:
                    responses = list(pool.map(send, order))
                assert [r.status_code for r in responses] == [200, 200], [r.text for r in responses]
        engine = create_engine(database_url)
        with Session(engine) as session:
            live = session.scalars(select(CheckIn).where(CheckIn.undone_at.is_(None))).all()
            scanners = {m.id: m.email for m in session.scalars(select(Member))}
            rsvps = {r.id: r.ticket_code for r in session.scalars(select(Rsvp))}
        engine.dispose()
        assert len(live) == TICKETS  # one check-in per ticket
        for checkin in live:
            i = codes.index(rsvps[checkin.rsvp_id])
            assert checkin.checked_in_at == now - timedelta(minutes=20, seconds=i)  # the earliest scan stands
            assert scanners[checkin.scanned_by_id] == f"scanner{i % 2}@example.test"


def test_single_scans_racing_from_fresh_scanners_check_each_ticket_in_once():
    """Two scanners scan every ticket at the same moment, one request per scan, with tokens never used before
    (so the first requests also note the token's use): no error, and one check-in per ticket. On SQLite this
    is the door's read-first path: reads in a plain transaction, the check-in in an IMMEDIATE one."""
    now = datetime.now(UTC).replace(microsecond=0)
    with fresh_database() as database_url:
        create_schema(database_url)
        event_id, codes, tokens = _seed(database_url, now)
        jobs = [(token, code) for code in codes for token in tokens]
        with gunicorn(database_url, workers=4) as url:

            def send(job):
                token, code = job
                return requests.post(
                    f"{url}/api/v1/events/{event_id}/checkins",
                    json={"code": code},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=60,
                )

            with ThreadPoolExecutor(max_workers=8) as pool:
                responses = list(pool.map(send, jobs))
        assert [r.status_code for r in responses] == [200] * len(jobs), {r.text for r in responses}
        results = [r.json()["result"] for r in responses]
        assert results.count("ok") == TICKETS and results.count("already_checked_in") == TICKETS
        engine = create_engine(database_url)
        with Session(engine) as session:
            live = session.scalars(select(CheckIn).where(CheckIn.undone_at.is_(None))).all()
        engine.dispose()
        assert sorted(c.rsvp_id for c in live) == sorted({c.rsvp_id for c in live}) and len(live) == TICKETS
