"""The close button and the periodic job racing, against gunicorn with several workers on the test database
(PostgreSQL in CI): attendance is resolved exactly once."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
import requests
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from harness.servers import create_schema, fresh_database, gunicorn
from meetups import create_app
from meetups.accounts import service as accounts
from meetups.accounts.models import Member
from meetups.checkin.models import CheckIn
from meetups.communities.models import Community, CommunityRole, Membership
from meetups.events.models import Event, EventStatus
from meetups.extensions import db
from meetups.recognition import service
from meetups.recognition.models import Attendance
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.rsvps.tickets import new_code

pytestmark = pytest.mark.slow
PEOPLE = 40


def _seed(database_url: str) -> tuple[int, str]:
    now = datetime.now(UTC)
    engine = create_engine(database_url)
    with Session(engine) as session:
        community = Community(slug="race", name="Race", created_at=now)
        organiser = Member(email="o@example.test", name="O", created_at=now)
        event = Event(
            community=community,
            title="Ended",
            starts_at=now - timedelta(hours=9),
            ends_at=now - timedelta(hours=7),
            timezone="Europe/Berlin",
            capacity=None,
            status=EventStatus.published,
            created_at=now,
            updated_at=now,
        )
        session.add_all(
            [
                event,
                Membership(
                    community=community, member=organiser, role=CommunityRole.organiser, joined_at=now
                ),
            ]
        )
        for i in range(PEOPLE):
            rsvp = Rsvp(
                event=event,
                member=Member(email=f"r{i}@example.test", name=f"R {i}", created_at=now),
                status=RsvpStatus.going,
                created_at=now - timedelta(days=3),
                updated_at=now - timedelta(days=3),
                ticket_code=new_code(),
            )
            session.add(rsvp)
            if i % 3:
                session.flush()
                at = event.starts_at
                session.add(CheckIn(event_id=event.id, rsvp=rsvp, checked_in_at=at, recorded_at=at))
        session.flush()
        token = accounts.create_token(session, organiser, name="race", now=now)[1]
        session.commit()
        event_id = event.id
    engine.dispose()
    return event_id, token


def test_the_button_and_the_job_close_once():
    with fresh_database() as database_url:
        create_schema(database_url)
        event_id, token = _seed(database_url)
        engine = create_engine(database_url)
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "MAIL_URL": ""})

        def job():  # the worker's periodic run, with the app's own engine (BEGIN IMMEDIATE on SQLite)
            with app.app_context():
                closed = service.close_due_events(db.session, now=datetime.now(UTC))
                db.session.commit()
                db.session.remove()
                return closed

        with gunicorn(database_url, workers=4) as url:
            headers = {"Authorization": f"Bearer {token}"}

            def press():
                return requests.post(
                    f"{url}/api/v1/events/{event_id}/close", headers=headers, timeout=30
                ).json()

            with ThreadPoolExecutor(6) as pool:
                presses = [pool.submit(press) for _ in range(4)]
                jobs = [pool.submit(job) for _ in range(2)]
                answers = [p.result() for p in presses]
                closed_by_job = sum(j.result() for j in jobs)
        with Session(engine) as session:
            records = session.scalar(
                select(func.count()).select_from(Attendance).where(Attendance.event_id == event_id)
            )
        engine.dispose()
        with app.app_context():
            db.engine.dispose()
    first_closers = sum(not a["already"] for a in answers) + closed_by_job
    assert first_closers == 1, (answers, closed_by_job)
    assert records == PEOPLE
