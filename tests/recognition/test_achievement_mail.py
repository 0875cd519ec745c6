"""Mail about newly earned achievements: only to members who asked for it, once per achievement (the close
that earned it), one mail for the closes of an hour, naming each achievement as the profile does."""

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from meetups.events.models import StaffRole
from meetups.notify import service as notify
from meetups.notify.models import Message, Topic
from meetups.recognition import profiles, service
from meetups.recognition.models import Attendance, Outcome
from tests.factories import make_community, make_member, make_staff


def achievement_mail(session, member=None):
    query = select(Message).where(Message.kind == "achievements_earned").order_by(Message.id)
    if member is not None:
        query = query.where(Message.member_id == member.id)
    return list(session.scalars(query))


def opt_in(session, member, now):
    notify.set_wanted(session, member_id=member.id, choices={Topic.achievements: True}, now=now)


def came_to(session, now, past_event, rsvp, member, times, community=None):
    """`times` earlier events the member came to, closed already; returns the last."""
    community = community or make_community(session)
    for weeks in range(times, 0, -1):
        event = past_event(community=community, starts_at=now - timedelta(weeks=weeks))
        rsvp(event, member, came=True)
        service.close_event(session, event_id=event.id, actor=None, now=now)
    return event


def test_a_member_who_asked_gets_one_mail_on_reaching_an_achievement(session, now, past_event, rsvp, outbox):
    member = make_member(session)
    community = make_community(session, name="Berlin Python")
    came_to(session, now, past_event, rsvp, member, 4, community)
    opt_in(session, member, now)
    fifth = past_event(community=community)
    rsvp(fifth, member, came=True)
    service.close_event(session, event_id=fifth.id, actor=None, now=now)
    [queued] = achievement_mail(session)
    assert queued.params["achievements"] == [{"key": "events_5", "event_id": fifth.id}]
    session.commit()
    assert outbox.deliver(now) == []  # it waits an hour for other closes
    [sent] = outbox.deliver(now + timedelta(hours=1))
    assert sent.to == member.email and sent.subject == "You earned an achievement: 5 meetups"
    assert "5 meetups, earned at Berlin Python: Came to 5 events." in sent.body
    assert f"http://meetups.test/members/{member.id}" in sent.body


def test_nothing_is_queued_for_a_member_who_did_not_ask(session, now, past_event, rsvp):
    member = make_member(session)
    came_to(session, now, past_event, rsvp, member, 1)  # a first event: "First meetup"
    assert achievement_mail(session) == []


def test_two_closes_within_the_hour_make_one_mail_with_both(session, now, past_event, rsvp, outbox):
    member = make_member(session)
    opt_in(session, member, now)
    first, talk = past_event(), past_event()
    rsvp(first, member, came=True)
    make_staff(session, talk, member, StaffRole.speaker)
    service.close_event(session, event_id=first.id, actor=None, now=now)
    service.close_event(session, event_id=talk.id, actor=None, now=now + timedelta(minutes=30))
    [queued] = achievement_mail(session)
    assert [a["key"] for a in queued.params["achievements"]] == ["first_event", "first_talk"]
    session.commit()
    assert outbox.deliver(now + timedelta(minutes=70)) == []  # the second close pushed it back
    [sent] = outbox.deliver(now + timedelta(minutes=90))
    assert sent.subject == "You earned 2 achievements"
    assert f"First meetup, earned at {first.community.name}: Came to a first event." in sent.body
    assert f"First talk, earned at {talk.community.name}: Gave a first talk." in sent.body


def test_an_achievement_held_already_is_not_mailed_again(session, now, past_event, rsvp):
    member = make_member(session)
    came_to(session, now, past_event, rsvp, member, 1)
    opt_in(session, member, now)
    came_to(session, now, past_event, rsvp, member, 1)  # a second event earns nothing new
    assert achievement_mail(session) == []


def test_closing_twice_mails_once(session, now, past_event, rsvp):
    member = make_member(session)
    opt_in(session, member, now)
    event = past_event()
    rsvp(event, member, came=True)
    for minutes in (0, 10):
        service.close_event(session, event_id=event.id, actor=None, now=now + timedelta(minutes=minutes))
    [queued] = achievement_mail(session)
    assert queued.params["achievements"] == [{"key": "first_event", "event_id": event.id}]


def test_a_correction_after_the_close_mails_nothing(session, now, past_event, rsvp):
    member, organiser = make_member(session), make_member(session, is_admin=True)
    opt_in(session, member, now)
    event = past_event()
    rsvp(event, member)  # never scanned: a no-show
    service.close_event(session, event_id=event.id, actor=None, now=now)
    record = session.scalar(select(Attendance).where(Attendance.member_id == member.id))
    service.correct_attendance(
        session,
        event_id=event.id,
        record_id=record.id,
        actor=organiser,
        outcome="attended",
        reason="let in without a scan",
        now=now,
    )
    assert achievement_mail(session) == []


def test_everyone_at_the_close_is_read_in_a_fixed_number_of_queries(
    session, now, past_event, rsvp, count_queries
):
    def close_with(attendees: int) -> int:
        members = [make_member(session) for _ in range(attendees)]
        for member in members:
            came_to(session, now, past_event, rsvp, member, 2)
        event = past_event()
        for member in members:
            rsvp(event, member, came=True)  # a third event: nothing new
        count_queries.clear()
        service.close_event(session, event_id=event.id, actor=None, now=now)
        return len(count_queries)

    assert close_with(1) == close_with(5)


def test_the_mail_names_every_achievement_as_the_profile_does(session, now, past_event, outbox):
    """The template names achievements by key, in the reader's language; here it must agree with the
    profile on every achievement there is."""
    days = [date(2026, 1, 10)] + [date(2027, 6, 1) + timedelta(days=30 * i) for i in range(49)]
    attended = [{"on": day, "outcome": Outcome.attended} for day in days]
    contributions = [{"on": days[1], "role": "speaker"}, {"on": days[2], "role": "volunteer"}]
    everything = profiles.achievements(attended, contributions, [datetime(2026, 1, 1, tzinfo=UTC)], attended)
    member, event = make_member(session), past_event()
    notify.queue(
        session,
        to=member,
        kind="achievements_earned",
        topic=None,
        now=now,
        achievements=[{"key": a["key"], "event_id": event.id} for a in everything],
        event_ids=[event.id],
    )
    session.commit()
    [sent] = outbox.deliver(now)
    assert len(everything) == 10 and sent.subject == "You earned 10 achievements"
    for a in everything:
        assert f"{a['title']}, earned at {event.community.name}: {a['description']}" in sent.body
