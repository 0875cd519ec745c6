"""Organisers writing to an event's members: who gets it, the log, the limit, who may, and what is refused."""

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from meetups import create_app, errors
from meetups.communities.models import CommunityRole
from meetups.events import service as events
from meetups.events.models import EventStatus, StaffRole
from meetups.extensions import db
from meetups.notify import service as notify
from meetups.notify.models import Message, MessageStatus, Topic
from meetups.rsvps import announcements
from meetups.rsvps.models import Announcement, Audience, Rsvp, RsvpStatus
from tests.factories import join, make_community, make_event, make_member, make_staff

STATUSES = ("going", "offered", "waitlisted", "pending", "cancelled", "declined")


def _rsvp(session, event, member, status, now):
    rsvp = Rsvp(event=event, member=member, status=RsvpStatus(status), created_at=now, updated_at=now)
    session.add(rsvp)
    session.flush()
    return rsvp


@pytest.fixture
def event(session, now):
    return make_event(session, title="Python evening")


@pytest.fixture
def organiser(session, event, now):
    """An organiser of the event who is going to it too (they never get their own message)."""
    member = make_member(session, name="Olga Organiser")
    make_staff(session, event, member, StaffRole.organiser)
    _rsvp(session, event, member, "going", now)
    return member


@pytest.fixture
def people(session, event, now):
    """One member in each RSVP state, by state."""
    return {status: _rsvp(session, event, make_member(session), status, now).member for status in STATUSES}


def send(session, event, actor, now, **overrides):
    values = {"audience": "going", "subject": "Room change", "body": "We moved to room 2.", **overrides}
    return announcements.send_announcement(session, event_id=event.id, actor=actor, now=now, **values)


def queued(session, announcement=None):
    query = select(Message).order_by(Message.id)
    if announcement is not None:
        query = query.where(Message.params["announcement_id"].as_integer() == announcement.id)
    return list(session.scalars(query))


def written(session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Announcement)),
        session.scalar(select(func.count()).select_from(Message)),
    )


# Who receives it


@pytest.mark.parametrize(
    ("audience", "reached"),
    [
        ("going", {"going", "offered"}),
        ("waitlisted", {"waitlisted"}),
        ("everyone", {"going", "offered", "waitlisted"}),
    ],
)
def test_each_audience_reaches_its_members_and_never_the_author(
    session, now, event, organiser, people, audience, reached
):
    announcement = send(session, event, organiser, now, audience=audience)
    mails = queued(session, announcement)
    assert {m.member_id for m in mails} == {people[status].id for status in reached}
    assert organiser.id not in {m.member_id for m in mails}
    assert announcement.recipients == len(reached)
    assert {(m.kind, m.topic) for m in mails} == {("announcement", Topic.announcements)}
    rsvps = {r.member_id: r.id for r in session.scalars(select(Rsvp).where(Rsvp.event_id == event.id))}
    assert {m.member_id: m.params["rsvp_id"] for m in mails} == {
        m.member_id: rsvps[m.member_id] for m in mails
    }
    assert {m.params["event_id"] for m in mails} == {event.id}


def test_the_log_keeps_who_wrote_what_to_how_many(session, now, event, organiser, people):
    announcement = send(session, event, organiser, now, audience="everyone", subject="  Slides   are up ")
    session.expire_all()
    kept = session.get(Announcement, announcement.id)
    assert (kept.event_id, kept.author_id, kept.audience) == (event.id, organiser.id, Audience.everyone)
    assert (kept.subject, kept.body, kept.recipients, kept.created_at) == (
        "Slides are up",
        "We moved to room 2.",
        3,
        now,
    )


def test_the_mail_names_the_event_the_author_the_time_and_the_link(
    session, now, event, organiser, people, outbox
):
    send(session, event, organiser, now, subject="Room change", body="We moved to room 2.\n\nSee you there!")
    session.commit()
    sent = {mail.to: mail for mail in outbox.deliver()}
    mail = sent[people["going"].email]
    assert mail.subject == "[Python evening] Room change"
    assert "Olga Organiser wrote to everyone going to Python evening:" in mail.body
    assert "We moved to room 2.\n\nSee you there!" in mail.body
    assert "Mon 8 Apr 2030, 14:00–16:00 (Europe/Berlin)" in mail.body
    assert f"http://meetups.test/e/{event.id}" in mail.body
    assert "You get this because you have an RSVP for this event." in mail.body
    assert set(sent) == {people["going"].email, people["offered"].email}


def test_members_who_turned_organiser_messages_off_are_skipped(
    session, now, event, organiser, people, outbox
):
    quiet = people["going"]
    notify.set_wanted(session, member_id=quiet.id, choices={Topic.announcements: False}, now=now)
    announcement = send(session, event, organiser, now)
    session.commit()
    assert [m.to for m in outbox.deliver()] == [people["offered"].email]
    skipped = [m for m in queued(session, announcement) if m.member_id == quiet.id]
    assert [m.status for m in skipped] == [MessageStatus.skipped]


def test_a_cancelled_event_reaches_those_its_cancellation_ended(session, now, event, organiser, people):
    events.cancel_event(session, event=event, actor=organiser, reason="The venue flooded", now=now)
    announcement = send(session, event, organiser, now, audience="waitlisted", subject="Why we cancelled")
    assert {m.member_id for m in queued(session, announcement)} == {people["waitlisted"].id}
    everyone = send(session, event, organiser, now + timedelta(minutes=10), audience="everyone")
    reached = {people[s].id for s in ("going", "offered", "waitlisted")}
    assert {m.member_id for m in queued(session, everyone)} == reached


def test_a_community_organiser_who_is_not_event_staff_may_write(session, now, event, people):
    runner = make_member(session)
    join(session, event.community, runner, CommunityRole.organiser)
    assert send(session, event, runner, now).recipients == 2


# The limit: 3 a day, 10 minutes apart


def test_a_second_message_within_10_minutes_is_refused_saying_when(session, now, event, organiser, people):
    send(session, event, organiser, now)
    before = written(session)
    with pytest.raises(errors.TooManyAnnouncements) as refused:
        send(session, event, organiser, now + timedelta(minutes=9, seconds=59))
    assert refused.value.code == "too_many_announcements" and refused.value.status == 429
    assert "The next one can go on Mon 1 Apr 2030, 14:10 (CEST)." in refused.value.message
    assert "at least 10 minutes apart" in refused.value.message
    assert refused.value.details == {"next_at": (now + timedelta(minutes=10)).isoformat()}
    assert written(session) == before
    assert send(session, event, organiser, now + timedelta(minutes=10)).recipients == 2


def test_a_fourth_message_within_24_hours_waits_for_the_first_to_age_out(
    session, now, event, organiser, people
):
    for minutes in (0, 10, 20):
        send(session, event, organiser, now + timedelta(minutes=minutes))
    with pytest.raises(errors.TooManyAnnouncements) as refused:
        send(session, event, organiser, now + timedelta(hours=5))
    assert "You can send 3 messages per event in 24 hours" in refused.value.message
    assert "The next one can go on Tue 2 Apr 2030, 14:00 (CEST)." in refused.value.message
    with pytest.raises(errors.TooManyAnnouncements):
        send(session, event, organiser, now + timedelta(hours=24) - timedelta(seconds=1))
    assert send(session, event, organiser, now + timedelta(hours=24)).recipients == 2


def test_the_limit_is_per_event_and_counts_every_organiser(session, now, event, organiser, people):
    other_organiser = make_member(session)
    make_staff(session, event, other_organiser)
    send(session, event, organiser, now)
    with pytest.raises(errors.TooManyAnnouncements):
        send(session, event, other_organiser, now + timedelta(minutes=1))
    elsewhere = make_event(session, community=event.community)
    _rsvp(session, elsewhere, make_member(session), "going", now)
    make_staff(session, elsewhere, organiser)
    assert send(session, elsewhere, organiser, now + timedelta(minutes=1)).recipients == 1


# Who may


@pytest.mark.parametrize("who", ["member", "attendee", "volunteer", "speaker", "organiser_elsewhere"])
def test_only_the_events_organisers_may_write(session, now, event, organiser, people, who):
    actor = people["going"] if who == "attendee" else make_member(session)
    if who == "member":
        join(session, event.community, actor)
    if who in ("volunteer", "speaker"):
        make_staff(session, event, actor, StaffRole(who))
    if who == "organiser_elsewhere":
        make_staff(session, make_event(session, community=event.community), actor)
    before = written(session)
    with pytest.raises(errors.PermissionDenied):
        send(session, event, actor, now)
    with pytest.raises(errors.PermissionDenied):
        announcements.list_announcements(session, event_id=event.id, actor=actor)
    assert written(session) == before


def test_nobody_logged_in_is_asked_to_log_in(session, now, event, people):
    with pytest.raises(errors.LoginRequired):
        announcements.list_announcements(session, event_id=event.id, actor=None)


# What is refused


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"audience": "staff"}, "audience", "Choose who gets the message: going, waitlisted or everyone."),
        ({"audience": None}, "audience", "Choose who gets the message"),
        ({"subject": ""}, "subject", "The subject must be 1 to 200 characters long."),
        ({"subject": " \n\t "}, "subject", "The subject must be 1 to 200 characters long."),
        ({"subject": "x" * 201}, "subject", "The subject must be 1 to 200 characters long."),
        ({"subject": None}, "subject", "The subject must be 1 to 200 characters long."),
        ({"body": "   "}, "body", "The message must be 1 to 5000 characters long."),
        ({"body": "x" * 5001}, "body", "The message must be 1 to 5000 characters long."),
        ({"body": ["not", "text"]}, "body", "The message must be 1 to 5000 characters long."),
    ],
)
def test_bad_input_is_refused_by_field_and_writes_nothing(
    session, now, event, organiser, people, overrides, field, message
):
    before = written(session)
    with pytest.raises(errors.InvalidInput) as refused:
        send(session, event, organiser, now, **overrides)
    assert refused.value.details["field"] == field and message in refused.value.message
    assert written(session) == before


def test_limits_are_inclusive_and_a_subject_is_one_line(session, now, event, organiser, people):
    announcement = send(session, event, organiser, now, subject="a\nb" + "x" * 197, body="y" * 5000)
    assert announcement.subject == "a b" + "x" * 197 and len(announcement.body) == 5000


def test_a_draft_is_refused(session, now, organiser):
    draft = make_event(session, status=EventStatus.draft)
    make_staff(session, draft, organiser)
    with pytest.raises(errors.InvalidState, match="Publish the event first"):
        send(session, draft, organiser, now)
    assert written(session) == (0, 0)


def test_an_event_over_for_more_than_7_days_is_refused(session, now, organiser):
    def past_event(days_since_end):
        past = make_event(session, starts_at=now - timedelta(days=days_since_end, hours=2))
        make_staff(session, past, organiser)
        _rsvp(session, past, make_member(session), "going", now)
        return past

    assert send(session, past_event(6), organiser, now).recipients == 1
    with pytest.raises(errors.InvalidState, match="ended more than 7 days ago"):
        send(session, past_event(7), organiser, now)


def test_an_audience_of_nobody_is_refused_and_uses_up_nothing(session, now, event, organiser):
    with pytest.raises(errors.InvalidState) as refused:
        send(session, event, organiser, now, audience="waitlisted")
    assert refused.value.details == {"field": "audience"} and "no one to write to" in refused.value.message
    assert written(session) == (0, 0)
    _rsvp(session, event, make_member(session), "waitlisted", now)
    assert send(session, event, organiser, now, audience="waitlisted").recipients == 1


# Reading


def test_the_history_is_newest_first_with_its_author_and_count(session, now, event, organiser, people):
    first = send(session, event, organiser, now, subject="First")
    second = send(
        session, event, organiser, now + timedelta(minutes=10), audience="everyone", subject="Second"
    )
    session.expire_all()
    history = announcements.list_announcements(session, event_id=event.id, actor=organiser)
    assert [(a.id, a.author.name, a.recipients) for a in history] == [
        (second.id, "Olga Organiser", 3),
        (first.id, "Olga Organiser", 2),
    ]


def test_the_panel_counts_each_audience_without_the_viewer_and_says_when_next(
    session, now, event, organiser, people
):
    panel = announcements.get_panel(session, event_id=event.id, actor=organiser, now=now)
    assert panel.audiences == {"going": 2, "waitlisted": 1, "everyone": 3}
    assert (panel.history, panel.refusal, panel.next_at) == ([], None, None)
    assert "3 messages per event in 24 hours, at least 10 minutes apart" in panel.rule
    send(session, event, organiser, now)
    later = announcements.get_panel(
        session, event_id=event.id, actor=organiser, now=now + timedelta(minutes=3)
    )
    assert later.next_at == now + timedelta(minutes=10) and len(later.history) == 1


# Two organisers at once (real transactions: the limit holds under the event's row lock)


def test_two_organisers_at_once_send_one_message(monkeypatch):
    from harness.servers import create_schema, fresh_database
    from tests.conftest import FROZEN_NOW

    with fresh_database() as url:
        create_schema(url)
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "MAIL_URL": ""})
        with app.app_context():
            with Session(db.engine, expire_on_commit=False) as session:
                event = make_event(session, community=make_community(session))
                writers = [make_member(session) for _ in range(2)]
                for writer in writers:
                    make_staff(session, event, writer)
                _rsvp(session, event, make_member(session), "going", FROZEN_NOW)
                session.commit()
            real_queue = notify.queue

            def slow_queue(*args, **kwargs):  # holds the transaction open after the limit was checked
                time.sleep(0.3)
                return real_queue(*args, **kwargs)

            monkeypatch.setattr(notify, "queue", slow_queue)
            start, outcomes = threading.Barrier(2), []

            def attempt(writer):
                with app.app_context(), Session(db.engine) as own:
                    start.wait()
                    try:
                        send(own, event, own.merge(writer), FROZEN_NOW)
                        own.commit()
                        outcomes.append("sent")
                    except errors.TooManyAnnouncements:
                        own.rollback()
                        outcomes.append("refused")

            threads = [threading.Thread(target=attempt, args=(w,)) for w in writers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
            with Session(db.engine) as session:
                assert session.scalar(select(func.count()).select_from(Announcement)) == 1
                assert session.scalar(select(func.count()).select_from(Message)) == 1
            db.engine.dispose()
        assert sorted(outcomes) == ["refused", "sent"]
