"""The programme's two mails, through the real outbox: "session_changed" (one per follower once the edits
settle, each session as it stands when the mail goes, in the event's zone) and "workshop_seat" (a seat freed
up and the line moved). Both honour the member's choice of topics.

Who hears is decided when a session changes (programme.service.followers): a member who unstars while the
mail settles still gets it. The mail says how the session stands, which is news to them too, and the
personal feed (not the mail) is what must be exact at every moment."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from meetups.notify import service as notify
from meetups.notify.models import Message, MessageStatus, Topic
from meetups.programme import registrations, schedule
from meetups.programme import service as programme
from meetups.programme.service import CHANGE_SETTLES
from meetups.rsvps import service as rsvps
from tests.factories import make_member
from tests.programme.conftest import NOW


def page(item) -> str:
    return f"http://meetups.test/e/{item.event_id}/sessions/{item.id}"


@pytest.fixture
def follower(conference, session, outbox):
    """Mia, going to the conference, with "Fast pages" and "Tables at scale" on her schedule; her RSVP mail
    out of the way."""
    rsvps.save_rsvp(session, event_id=conference.event.id, member=conference.member, now=NOW)
    for key in ("web", "data"):
        schedule.star(
            session,
            event=conference.event,
            session_id=conference.sessions[key].id,
            member=conference.member,
            now=NOW,
        )
    session.commit()
    outbox.deliver(NOW)
    outbox.clear()
    return conference.member


def edit(session, conference, key, at, **changes):
    programme.update_session(
        session,
        event=conference.event,
        actor=conference.organiser,
        session_id=conference.sessions[key].id,
        changes=changes,
        now=at,
    )


def cancel(session, conference, key, at):
    programme.cancel_session(
        session,
        event=conference.event,
        actor=conference.organiser,
        session_id=conference.sessions[key].id,
        now=at,
    )


def test_two_moves_within_the_settle_window_make_one_mail_with_the_final_time(
    conference, session, follower, outbox
):
    edit(session, conference, "web", NOW, starts_at="2030-10-25T11:15", ends_at="2030-10-25T12:00")
    last = NOW + timedelta(minutes=4)
    edit(session, conference, "web", last, starts_at="2030-10-25T11:30", ends_at="2030-10-25T12:15")
    session.commit()

    assert outbox.deliver(last + CHANGE_SETTLES - timedelta(seconds=1)) == []
    [mail] = outbox.deliver(last + CHANGE_SETTLES)

    web = conference.sessions["web"]
    assert mail.to == follower.email
    assert mail.subject == "Programme change: Fast pages"
    assert mail.body.startswith("Hello Mia Member,")
    assert "A session on your schedule at PyConf 2030 changed. This is how it stands now:" in mail.body
    assert mail.body.count("Fast pages") == 1
    assert "When: Fri 25 Oct 2030, 11:30–12:15 (Europe/Berlin)" in mail.body
    assert "11:15" not in mail.body and "11:00" not in mail.body
    assert "Where: Main hall" in mail.body
    assert page(web) in mail.body
    assert f"http://meetups.test/e/{conference.event.id}/schedule" in mail.body
    assert f'<a href="{page(web)}">' in mail.html
    assert outbox.deliver(last + 2 * CHANGE_SETTLES) == []  # once


def test_a_move_and_a_cancellation_make_one_mail_listing_both(conference, session, follower, outbox):
    moved = {"room_id": conference.small.id, "starts_at": "2030-10-25T12:00", "ends_at": "2030-10-25T12:45"}
    edit(session, conference, "web", NOW, **moved)
    cancel(session, conference, "data", NOW + timedelta(minutes=1))
    session.commit()
    session.expire_all()  # the worker reads afresh; this test's session still holds the old room

    [mail] = outbox.deliver(NOW + timedelta(minutes=1) + CHANGE_SETTLES)

    assert mail.subject == "2 sessions on your schedule changed: PyConf 2030"
    assert "2 sessions on your schedule at PyConf 2030 changed. This is how they stand now:" in mail.body
    web_part, data_part = mail.body.split("Tables at scale")
    assert "When: Fri 25 Oct 2030, 12:00–12:45 (Europe/Berlin)" in web_part
    assert "Where: Room B" in web_part
    assert "Cancelled: it is off the programme." in data_part and "When:" not in data_part
    assert page(conference.sessions["data"]) in data_part


def test_a_cancelled_session_says_so_in_the_subject(conference, session, follower, outbox):
    cancel(session, conference, "data", NOW)
    session.commit()

    [mail] = outbox.deliver(NOW + CHANGE_SETTLES)

    assert mail.subject == "Session cancelled: Tables at scale"
    assert "Cancelled: it is off the programme." in mail.body and "When:" not in mail.body


def test_sunday_after_the_clocks_went_back_reads_in_winter_time(conference, session, outbox):
    member = make_member(session, name="Sunny")
    schedule.star(
        session, event=conference.event, session_id=conference.sessions["sunday"].id, member=member, now=NOW
    )
    edit(session, conference, "sunday", NOW, starts_at="2030-10-27T10:00", ends_at="2030-10-27T10:45")
    session.commit()

    [mail] = [m for m in outbox.deliver(NOW + CHANGE_SETTLES) if m.to == member.email]

    assert "When: Sun 27 Oct 2030, 10:00–10:45 (Europe/Berlin)" in mail.body
    assert conference.sessions["sunday"].starts_at.hour == 9  # 10:00 CET is 09:00 UTC


def test_who_hears_is_decided_at_the_change(conference, session, follower, outbox):
    """Documented choice: unstarring while the mail settles does not stop it."""
    edit(session, conference, "web", NOW, starts_at="2030-10-25T11:15", ends_at="2030-10-25T12:00")
    schedule.unstar(
        session, event=conference.event, session_id=conference.sessions["web"].id, member=follower
    )
    session.commit()

    [mail] = outbox.deliver(NOW + CHANGE_SETTLES)

    assert mail.to == follower.email and mail.subject == "Programme change: Fast pages"


def test_nobody_hears_of_a_session_they_do_not_follow(conference, session, follower, outbox):
    edit(session, conference, "sunday", NOW, starts_at="2030-10-27T10:00", ends_at="2030-10-27T10:45")
    session.commit()

    assert outbox.deliver(NOW + CHANGE_SETTLES) == []


def test_changes_turned_off_means_no_mail(conference, session, follower, outbox):
    notify.set_wanted(session, member_id=follower.id, choices={Topic.changes: False}, now=NOW)
    edit(session, conference, "web", NOW, starts_at="2030-10-25T11:15", ends_at="2030-10-25T12:00")
    session.commit()

    assert outbox.deliver(NOW + CHANGE_SETTLES) == []
    [message] = session.scalars(select(Message).where(Message.kind == "session_changed")).all()
    assert message.status is MessageStatus.skipped


def test_a_freed_workshop_seat_is_mailed_to_the_next_in_line(conference, session, outbox):
    workshop = conference.sessions["workshop"]  # two seats
    a, b, c = (make_member(session, name=name) for name in ("Anna", "Ben", "Cleo"))
    for member in (a, b, c):
        rsvps.save_rsvp(session, event_id=conference.event.id, member=member, now=NOW)
        registrations.register(
            session, event=conference.event, session_id=workshop.id, member=member, now=NOW
        )
    session.commit()
    outbox.deliver(NOW)
    outbox.clear()

    registrations.unregister(session, event=conference.event, session_id=workshop.id, member=a, now=NOW)
    session.commit()
    [mail] = outbox.deliver(NOW)

    assert mail.to == c.email
    assert mail.subject == "You have a seat: Hands-on testing"
    assert "A seat freed up at the workshop Hands-on testing (PyConf 2030), and it is yours" in mail.body
    assert "When: Sat 26 Oct 2030, 14:00–16:00 (Europe/Berlin)" in mail.body
    assert "Where: Room B, Café Central" in mail.body
    assert "give the seat back" in mail.body and page(workshop) in mail.body


def test_a_seat_mail_follows_the_rsvps_topic(conference, session, outbox):
    workshop = conference.sessions["workshop"]
    a, b, c = (make_member(session) for _ in range(3))
    for member in (a, b, c):
        rsvps.save_rsvp(session, event_id=conference.event.id, member=member, now=NOW)
        registrations.register(
            session, event=conference.event, session_id=workshop.id, member=member, now=NOW
        )
    notify.set_wanted(session, member_id=c.id, choices={Topic.rsvps: False}, now=NOW)
    session.commit()
    outbox.deliver(NOW)
    outbox.clear()

    rsvps.cancel_rsvp(session, event_id=conference.event.id, member=a, now=NOW)  # leaving the event frees it
    session.commit()

    assert [m for m in outbox.deliver(NOW) if "Hands-on testing" in m.subject] == []
    [message] = session.scalars(select(Message).where(Message.kind == "workshop_seat")).all()
    assert message.member_id == c.id and message.status is MessageStatus.skipped


def test_a_session_deleted_before_the_mail_goes_leaves_a_pointer_to_the_agenda(
    conference, session, follower, outbox
):
    web = conference.sessions["web"]
    edit(session, conference, "web", NOW, starts_at="2030-10-25T11:15", ends_at="2030-10-25T12:00")
    schedule.unstar(session, event=conference.event, session_id=web.id, member=follower)
    programme.delete_session(  # nobody follows it any more, so it may go
        session, event=conference.event, actor=conference.organiser, session_id=web.id, now=NOW
    )
    session.commit()

    [mail] = outbox.deliver(NOW + CHANGE_SETTLES)

    assert mail.subject == "Programme change: PyConf 2030"
    assert "The programme of PyConf 2030 changed. See how it stands now:" in mail.body
    assert f"http://meetups.test/e/{conference.event.id}/agenda" in mail.body
