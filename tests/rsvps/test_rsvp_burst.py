"""A burst of simultaneous RSVPs for the last seats, against gunicorn with several workers on the test
database (PostgreSQL in CI): exactly `capacity` seats taken, the rest waitlisted in arrival order."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from harness.servers import create_schema, fresh_database, gunicorn
from meetups.accounts import service as accounts
from meetups.accounts.models import Member
from meetups.communities.models import Community
from meetups.events.models import Event, EventStatus
from meetups.rsvps.models import Rsvp, RsvpStatus

pytestmark = pytest.mark.slow
CAPACITY, PEOPLE = 10, 60


def _seed(database_url: str) -> tuple[int, list[str]]:
    now = datetime.now(UTC)
    engine = create_engine(database_url)
    with Session(engine) as session:
        community = Community(slug="burst", name="Burst", created_at=now)
        event = Event(
            community=community,
            title="Last seats",
            starts_at=now + timedelta(days=3),
            ends_at=now + timedelta(days=3, hours=2),
            timezone="Europe/Berlin",
            capacity=CAPACITY,
            max_guests=0,
            status=EventStatus.published,
            created_at=now,
            updated_at=now,
        )
        session.add(event)
        members = [Member(email=f"b{i}@example.test", name=f"B {i}", created_at=now) for i in range(PEOPLE)]
        session.add_all(members)
        session.flush()
        tokens = [accounts.create_token(session, m, name="burst", now=now)[1] for m in members]
        session.commit()
        event_id = event.id
    engine.dispose()
    return event_id, tokens


def test_simultaneous_rsvps_never_exceed_capacity():
    with fresh_database() as database_url:
        create_schema(database_url)
        event_id, tokens = _seed(database_url)
        with gunicorn(database_url, workers=4) as url:

            def attempt(token: str) -> requests.Response:
                return requests.post(
                    f"{url}/api/v1/events/{event_id}/rsvp",
                    json={},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=60,
                )

            with ThreadPoolExecutor(max_workers=30) as pool:
                responses = list(pool.map(attempt, tokens))
        assert [r.status_code for r in responses] == [200] * PEOPLE, [
            r.text for r in responses if r.status_code != 200
        ]
        statuses = [r.json()["rsvp"]["status"] for r in responses]
        assert statuses.count("going") == CAPACITY
        assert statuses.count("waitlisted") == PEOPLE - CAPACITY
        engine = create_engine(database_url)
        with Session(engine) as session:
            line = list(
                session.scalars(
                    select(Rsvp).where(Rsvp.status == RsvpStatus.waitlisted).order_by(Rsvp.waitlist_rank)
                )
            )
            going = session.scalars(select(Rsvp).where(Rsvp.status == RsvpStatus.going)).all()
        engine.dispose()
        assert len(going) == CAPACITY
        ranks = [r.waitlist_rank for r in line]
        assert len(set(ranks)) == len(ranks)  # no duplicated places
        assert [r.id for r in line] == sorted(r.id for r in line)  # the line is the order they got in
        assert max(r.id for r in going) < min(r.id for r in line)  # nobody who came later took a seat
        positions = sorted(
            r.json()["rsvp"]["waitlist_position"]
            for r in responses
            if r.json()["rsvp"]["status"] == "waitlisted"
        )
        assert positions == list(range(1, PEOPLE - CAPACITY + 1))
