"""Telling members an event moved: one mail per member once the organiser's edits settle, about how the
event stands when it goes; nothing for edits that move nothing; only "cancelled" when it is cancelled soon
after."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from meetups.events import service as events
from meetups.events.models import EventStatus
from meetups.notify.models import Message, MessageStatus
from meetups.rsvps import service
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.rsvps.reactions import CHANGE_SETTLES
from tests.factories import make_member

STARTS = datetime(2030, 4, 4, 17, tzinfo=UTC)  # 19:00 in Berlin


def rsvp(session, event, member, now):
    return service.save_rsvp(session, event_id=event.id, member=member, now=now)


@pytest.fixture
def organiser(session):
    return make_member(session, is_admin=True)


@pytest.fixture
def gathered(session, now, event_factory, members, outbox):
    """An event with one seat: a member going, one waiting; their first mails already out of the way."""
    event = event_factory(starts_at=STARTS, capacity=1, title="Python evening")
    going, waiting = members(2)
    rsvp(session, event, going, now)
    rsvp(session, event, waiting, now)
    session.commit()
    outbox.deliver()
    outbox.clear()
    return event, going, waiting


def change_mails(session, kind="event_changed"):
    return session.scalars(select(Message).where(Message.kind == kind).order_by(Message.id)).all()


def edit(session, event, organiser, now, **changes):
    return events.update_event(session, event=event, actor=organiser, changes=changes, now=now)


def test_five_edits_in_ten_minutes_make_one_mail_each_about_how_the_event_stands(
    session, now, organiser, gathered, outbox
):
    event, going, waiting = gathered
    edits = [
        {"venue_name": "Town hall"},
        {"starts_at": STARTS + timedelta(hours=1), "ends_at": STARTS + timedelta(hours=3)},
        {"venue_address": "Rathausplatz 1, Berlin"},
        {"venue_name": "Library"},
        {"starts_at": STARTS + timedelta(hours=1, minutes=30), "ends_at": STARTS + timedelta(hours=3)},
    ]
    for minute, changes in enumerate(edits):
        edit(session, event, organiser, now + timedelta(minutes=2 * minute), **changes)
    session.commit()
    last_edit = now + timedelta(minutes=8)
    assert len(change_mails(session)) == 2
    assert event.sequence == 5  # each edit moved it in calendars: the place too

    assert outbox.deliver(last_edit + CHANGE_SETTLES - timedelta(seconds=1)) == []
    sent = outbox.deliver(last_edit + CHANGE_SETTLES)

    assert sorted(m.to for m in sent) == sorted([going.email, waiting.email])
    mine = next(m for m in sent if m.to == going.email)
    assert mine.subject == "New time and place: Python evening"
    assert (
        "Thu 4 Apr 2030, 20:30–22:00 (Europe/Berlin)" in mine.body
    )  # the last time given, in the event's zone
    assert "Where: Library, Rathausplatz 1, Berlin" in mine.body
    assert "Town hall" not in mine.body and "Café Central" not in mine.body
    assert "The attached invitation updates the event in your calendar." in mine.body
    assert "nothing to do" in mine.body and f"http://meetups.test/e/{event.id}" in mine.body
    invitation = next(
        part for part in mine.mime.iter_attachments() if part.get_content_type() == "text/calendar"
    )
    assert f"SEQUENCE:{event.sequence}" in invitation.get_content()
    theirs = next(m for m in sent if m.to == waiting.email)
    assert "still on the waitlist" in theirs.body
    assert outbox.deliver(last_edit + timedelta(hours=1)) == []  # once


def test_a_new_place_alone_says_so(session, now, organiser, gathered, outbox):
    event, _going, _waiting = gathered
    edit(session, event, organiser, now, online_url="https://meet.example.test/python")
    session.commit()
    sent = outbox.deliver(now + CHANGE_SETTLES)
    assert {m.subject for m in sent} == {"New place: Python evening"}
    assert "Online: https://meet.example.test/python" in sent[0].body


def test_edits_that_move_nothing_mail_nobody(session, now, organiser, gathered, outbox):
    event, _going, _waiting = gathered
    edit(session, event, organiser, now, title="Python evening, with pizza", description="Now with pizza.")
    edit(session, event, organiser, now, capacity=30)  # the waiting member is seated and told so, not more
    session.commit()
    assert change_mails(session) == []
    assert [m.subject for m in outbox.deliver(now + timedelta(hours=1))] == [
        "You're in: Python evening, with pizza"
    ]


def test_an_event_cancelled_while_its_change_settles_sends_only_the_cancellation(
    session, now, organiser, gathered, outbox
):
    event, going, waiting = gathered
    edit(
        session,
        event,
        organiser,
        now,
        starts_at=STARTS + timedelta(days=1),
        ends_at=STARTS + timedelta(days=1, hours=2),
    )
    session.commit()
    events.cancel_event(
        session, event=event, actor=organiser, reason="The speaker is ill.", now=now + timedelta(minutes=5)
    )
    session.commit()
    sent = outbox.deliver(now + timedelta(hours=1))
    assert sorted(m.to for m in sent) == sorted([going.email, waiting.email])
    assert {m.subject for m in sent} == {"Cancelled: Python evening"}
    assert [(m.status, m.last_error) for m in change_mails(session)] == [
        (MessageStatus.skipped, "the event was cancelled")
    ] * 2
    mine = next(m for m in sent if m.to == going.email)
    assert "The speaker is ill." in mine.body and "Your ticket no longer works." in mine.body
    theirs = next(m for m in sent if m.to == waiting.email)
    assert "Your ticket" not in theirs.body


def test_a_member_who_cancels_while_the_change_settles_is_not_told_it_moved(
    session, now, organiser, gathered, outbox
):
    event, going, waiting = gathered
    edit(session, event, organiser, now, venue_name="Town hall")
    service.cancel_rsvp(session, event_id=event.id, member=going, now=now + timedelta(minutes=3))
    session.commit()
    sent = outbox.deliver(now + timedelta(hours=1))
    moved = [m for m in sent if m.subject.startswith("New place")]
    assert [m.to for m in moved] == [waiting.email]  # who took the seat still hears; who left does not
    assert {(m.member_id, m.status) for m in change_mails(session)} == {
        (going.id, MessageStatus.skipped),
        (waiting.id, MessageStatus.sent),
    }


def test_only_members_still_in_a_published_event_to_come_hear_that_it_moved(
    session, now, organiser, event_factory, members
):
    event = event_factory(starts_at=STARTS)
    left, stayed = members(2)
    rsvp(session, event, left, now)
    rsvp(session, event, stayed, now)
    service.cancel_rsvp(session, event_id=event.id, member=left, now=now)
    ended = event_factory(starts_at=now - timedelta(hours=3))
    session.add(Rsvp(event=ended, member=stayed, status=RsvpStatus.going, created_at=now, updated_at=now))
    draft = event_factory(starts_at=STARTS, status=EventStatus.draft, published_at=None)
    for moved in (event, ended, draft):
        edit(session, moved, organiser, now, venue_name="Library")
    assert [(m.member_id, m.params["event_id"]) for m in change_mails(session)] == [(stayed.id, event.id)]
