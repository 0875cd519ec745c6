"""Reminders a day and two hours before an event, to the members going: each once, even when the job runs
every minute or on two workers at once; none for a reminder whose moment came before the member got a seat."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from harness.servers import create_schema, fresh_database
from meetups import create_app
from meetups.accounts.models import Member
from meetups.communities.models import Community
from meetups.events import service as events
from meetups.events.models import Event, EventStatus
from meetups.extensions import db
from meetups.notify import jobs
from meetups.notify.models import Message
from meetups.rsvps import reminders, service
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.rsvps.tickets import new_code
from tests.factories import make_member

STARTS = datetime(2030, 4, 4, 17, tzinfo=UTC)  # 19:00 in Berlin
DAY_BEFORE, TWO_HOURS_BEFORE = STARTS - timedelta(hours=24), STARTS - timedelta(hours=2)


def rsvp(session, event, member, now, guests=0):
    return service.save_rsvp(session, event_id=event.id, member=member, guests=guests, now=now)


def reminded(session) -> list[tuple[int, int]]:
    rows = session.scalars(select(Message).where(Message.kind == "event_reminder").order_by(Message.id))
    return [(m.member_id, m.params["hours"]) for m in rows]


def run_job(session, *moments: datetime) -> list[int]:
    return [reminders.queue_due_reminders(session, now=moment) for moment in moments]


@pytest.fixture
def evening(session, now, event_factory):
    """A published event on 4 April at 19:00 in Berlin, with two seats."""
    return event_factory(starts_at=STARTS, title="Python evening", capacity=2, max_guests=2)


def test_going_members_are_reminded_a_day_and_two_hours_before_once_each(
    session, now, evening, members, outbox
):
    (going,) = members(1)
    ticket = rsvp(session, evening, going, now, guests=1).ticket_code
    session.commit()
    outbox.deliver()
    outbox.clear()

    minute = timedelta(minutes=1)
    assert run_job(
        session, DAY_BEFORE - minute, DAY_BEFORE, DAY_BEFORE + minute, TWO_HOURS_BEFORE - minute
    ) == [
        0,
        1,
        0,
        0,
    ]
    session.commit()
    (day,) = outbox.deliver(DAY_BEFORE)
    assert day.to == going.email
    assert day.subject == "Tomorrow at 19:00: Python evening"
    assert "Where: Café Central, Hauptstraße 1, Berlin" in day.body
    assert f"http://meetups.test/t/{ticket}" in day.body
    assert "It lets in you and 1 guest." in day.body
    assert (
        f"please cancel, so the next person in line gets your seat: http://meetups.test/e/{evening.id}"
        in (day.body.lower())
    )

    assert run_job(session, TWO_HOURS_BEFORE - minute, TWO_HOURS_BEFORE, TWO_HOURS_BEFORE + minute) == [
        0,
        1,
        0,
    ]
    assert run_job(session, STARTS, STARTS + minute) == [0, 0]  # started: no more reminders
    session.commit()
    (soon,) = outbox.deliver(TWO_HOURS_BEFORE)
    assert soon.subject == "In two hours: Python evening"
    assert "starts in two hours, at 19:00 (Europe/Berlin)" in soon.body
    assert reminded(session) == [(going.id, 24), (going.id, 2)]


def test_a_member_seated_three_hours_before_gets_only_the_two_hour_reminder(session, now, evening, members):
    early, late, last_minute = members(3)
    evening.capacity = None
    rsvp(session, evening, early, now)
    reminders.queue_due_reminders(session, now=DAY_BEFORE)
    rsvp(session, evening, late, STARTS - timedelta(hours=3))
    reminders.queue_due_reminders(session, now=STARTS - timedelta(hours=3))
    reminders.queue_due_reminders(session, now=TWO_HOURS_BEFORE)
    rsvp(session, evening, last_minute, STARTS - timedelta(minutes=90))  # after both moments: no reminder
    reminders.queue_due_reminders(session, now=STARTS - timedelta(minutes=90))
    assert reminded(session) == [(early.id, 24), (early.id, 2), (late.id, 2)]


def test_the_day_reminder_is_never_sent_once_the_two_hour_one_is_due(session, now, evening, members):
    (going,) = members(1)
    rsvp(session, evening, going, now)
    assert run_job(session, TWO_HOURS_BEFORE + timedelta(minutes=5)) == [1]
    assert reminded(session) == [(going.id, 2)]


def test_members_waiting_or_cancelled_get_no_reminder(session, now, evening, members):
    going, waiting, gone = members(3)
    rsvp(session, evening, going, now, guests=1)  # the two seats
    for member in (waiting, gone):
        rsvp(session, evening, member, now)
    service.cancel_rsvp(session, event_id=evening.id, member=gone, now=now)
    statuses = {
        r.member_id: r.status for r in session.scalars(select(Rsvp).where(Rsvp.event_id == evening.id))
    }
    assert statuses == {
        going.id: RsvpStatus.going,
        waiting.id: RsvpStatus.waitlisted,
        gone.id: RsvpStatus.cancelled,
    }
    run_job(session, DAY_BEFORE, TWO_HOURS_BEFORE)
    assert reminded(session) == [(going.id, 24), (going.id, 2)]


def test_no_reminders_when_the_organisers_turned_them_off_or_cancelled(session, now, event_factory, members):
    organiser = make_member(session, is_admin=True)
    quiet = event_factory(starts_at=STARTS, send_reminders=False)
    called_off = event_factory(starts_at=STARTS)
    a, b = members(2)
    rsvp(session, quiet, a, now)
    rsvp(session, called_off, b, now)
    events.cancel_event(session, event=called_off, actor=organiser, now=now)
    assert run_job(session, DAY_BEFORE, TWO_HOURS_BEFORE) == [0, 0]
    assert reminded(session) == []


def test_the_job_reads_one_query_per_reminder_however_many_events(
    session, now, event_factory, members, count_queries
):
    moment = DAY_BEFORE + timedelta(hours=6)
    for hours in (3, 7, 11, 15, 19):  # after the moment: started, the 2 h reminder, three 24 h ones
        event = event_factory(starts_at=DAY_BEFORE + timedelta(hours=hours), capacity=None)
        for member in members(3):
            rsvp(session, event, member, now)
    assert reminders.queue_due_reminders(session, now=moment) == 4 * 3
    count_queries.clear()
    assert reminders.queue_due_reminders(session, now=moment + timedelta(minutes=1)) == 0
    assert len(count_queries) == len(reminders.REMINDER_HOURS), count_queries


def test_the_job_runs_with_the_other_periodic_jobs(app):
    names = list(jobs.periodic_names())
    assert names.index("offers") < names.index("reminders") < names.index("mail"), names


# Two workers at once, with real commits (PostgreSQL in CI; a SQLite file locally)

PEOPLE, WORKERS = 30, 4


def _seed(database_url: str) -> None:
    engine = create_engine(database_url)
    with Session(engine) as session:
        seated = STARTS - timedelta(days=5)
        event = Event(
            community=Community(slug="race", name="Race", created_at=seated),
            title="Python evening",
            starts_at=STARTS,
            ends_at=STARTS + timedelta(hours=2),
            timezone="Europe/Berlin",
            status=EventStatus.published,
            created_at=seated,
            updated_at=seated,
        )
        for i in range(PEOPLE):
            member = Member(email=f"r{i}@example.test", name=f"R {i}", created_at=seated)
            session.add(
                Rsvp(
                    event=event,
                    member=member,
                    status=RsvpStatus.going,
                    ticket_code=new_code(),
                    created_at=seated,
                    updated_at=seated,
                    seated_at=seated,
                )
            )
        session.commit()
    engine.dispose()


def test_two_workers_running_the_job_at_once_queue_each_reminder_once():
    with fresh_database() as database_url:
        create_schema(database_url)
        _seed(database_url)
        app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "MAIL_URL": ""})
        start = threading.Barrier(WORKERS)
        queued: list[int] = []

        def worker():  # the periodic run of one worker, with its own app context and session
            with app.app_context():
                start.wait()
                queued.append(reminders.queue_due_reminders(db.session, now=DAY_BEFORE))
                db.session.commit()
                db.session.remove()

        threads = [threading.Thread(target=worker) for _ in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with app.app_context():
            stored = db.session.scalar(
                select(func.count()).select_from(Message).where(Message.kind == "event_reminder")
            )
            db.session.remove()
            db.engine.dispose()
    assert sum(queued) == PEOPLE, queued
    assert stored == PEOPLE
