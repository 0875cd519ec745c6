"""The mail a member's RSVP brings them (confirmation, waitlist, offers and their expiry, approval answers),
and the approval requests their organisers get in batches: who gets each, that nobody else does, and what
it says."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from meetups.communities.models import CommunityRole
from meetups.events import service as events
from meetups.events.models import RsvpMode, StaffRole, WaitlistMode
from meetups.notify.models import Message, MessageStatus, Topic
from meetups.rsvps import organiser, service
from meetups.rsvps.models import Rsvp, RsvpStatus
from tests.factories import join, make_admin, make_community, make_member, make_staff


def rsvp(session, event, member, now, guests=0, **kw):
    return service.save_rsvp(session, event_id=event.id, member=member, guests=guests, now=now, **kw)


def sent(session, outbox, now=None):
    """Commit what the services queued, then deliver what is due, as the request or the worker would."""
    session.commit()
    return outbox.deliver(now)


def recipients(mails):
    return sorted(mail.to for mail in mails)


def emails(members):
    return sorted(member.email for member in members)


@pytest.fixture
def community_organiser(session):
    return make_member(session, name="Olga Organiser")


@pytest.fixture
def community(session, community_organiser):
    return make_community(session, organiser=community_organiser)


# Confirmation


def test_a_member_seated_by_their_own_rsvp_gets_their_ticket(
    session, now, event_factory, community, members, outbox
):
    event = event_factory(community=community, capacity=5)
    (member,) = members(1)
    mine = rsvp(session, event, member, now, guests=1)
    (mail,) = sent(session, outbox)
    assert mail.to == member.email
    assert mail.subject == f"You're in: {event.title}"
    assert f"You are going to {event.title}, with 1 guest." in mail.body
    assert "When: Mon 8 Apr 2030, 14:00–16:00 (Europe/Berlin)" in mail.body
    assert "Where: Café Central, Hauptstraße 1, Berlin" in mail.body
    assert f"http://meetups.test/t/{mine.ticket_code}" in mail.body
    assert (
        f"Please cancel, so the next person in line gets your seat: http://meetups.test/e/{event.id}"
        in mail.body
    )
    attached = [part.get_content_type() for part in mail.mime.iter_attachments()]
    assert "text/calendar" in attached and 'src="cid:ticket-qr"' in mail.html  # the mailer adds both
    message = session.scalar(select(Message).where(Message.kind == "rsvp_confirmed"))
    assert message.topic is Topic.rsvps and message.params == {"rsvp_id": mine.id, "event_id": event.id}


def test_changing_the_guests_of_a_seat_sends_nothing(session, now, event_factory, members, outbox):
    event = event_factory(capacity=5)
    (member,) = members(1)
    rsvp(session, event, member, now)
    sent(session, outbox)
    outbox.clear()
    rsvp(session, event, member, now, guests=2)
    rsvp(session, event, member, now, guests=1)
    assert sent(session, outbox) == []


def test_claiming_a_held_seat_confirms_it(session, now, event_factory, members, outbox):
    event = event_factory(capacity=1, waitlist_mode=WaitlistMode.offer)
    leaving, waiting = members(2)
    rsvp(session, event, leaving, now)
    rsvp(session, event, waiting, now)
    service.cancel_rsvp(session, event_id=event.id, member=leaving, now=now)
    (offer,) = [mail for mail in sent(session, outbox) if mail.subject.startswith("A seat is held")]
    outbox.clear()
    assert offer.to == waiting.email
    assert "When: Mon 8 Apr 2030, 14:00–16:00 (Europe/Berlin)" in offer.body
    assert "Decline it on the same page" in offer.body
    later = now + timedelta(hours=1)
    claimed = rsvp(session, event, waiting, later)
    assert claimed.status is RsvpStatus.going
    (mail,) = sent(session, outbox, later)
    assert mail.to == waiting.email and mail.subject == f"You're in: {event.title}"
    assert f"http://meetups.test/t/{claimed.ticket_code}" in mail.body


def test_mail_about_moving_up_is_an_rsvp_update(session, now, event_factory, members, outbox):
    offering = event_factory(capacity=1, waitlist_mode=WaitlistMode.offer)
    seating = event_factory(capacity=1)
    leaving, waiting = members(2)
    for event in (offering, seating):
        rsvp(session, event, leaving, now)
        rsvp(session, event, waiting, now)
        service.cancel_rsvp(session, event_id=event.id, member=leaving, now=now)
    moved = session.scalars(select(Message).where(Message.kind.in_(["rsvp_offered", "rsvp_promoted"]))).all()
    assert sorted(m.kind for m in moved) == ["rsvp_offered", "rsvp_promoted"]
    assert {m.topic for m in moved} == {Topic.rsvps} and {m.member_id for m in moved} == {waiting.id}


# Waitlist


def test_a_full_event_puts_members_in_line_and_tells_each_their_place(
    session, now, event_factory, members, outbox
):
    event = event_factory(capacity=1)
    seated, first, second = members(3)
    for member in (seated, first, second):
        rsvp(session, event, member, now)
    mails = {mail.to: mail for mail in sent(session, outbox)}
    assert sorted(mails) == emails([seated, first, second])  # one each
    assert mails[seated.email].subject.startswith("You're in")
    assert mails[first.email].subject == f"On the waitlist: {event.title}"
    assert f"{event.title} is full, so you are on the waitlist." in mails[first.email].body
    assert "You are 1st on the waitlist." in mails[first.email].body
    assert "You are 2nd on the waitlist." in mails[second.email].body
    assert "ticket" not in mails[first.email].body
    assert session.scalar(select(Message.params).where(Message.member_id == second.id))["position"] == 2


def test_a_larger_party_that_joins_the_line_is_told_it_left_its_seat(
    session, now, event_factory, members, outbox
):
    event = event_factory(capacity=2, max_guests=2)
    growing, other = members(2)
    rsvp(session, event, growing, now)
    rsvp(session, event, other, now)
    sent(session, outbox)
    outbox.clear()
    moved = rsvp(session, event, growing, now, guests=2, join_waitlist=True)
    assert moved.status is RsvpStatus.waitlisted
    (mail,) = sent(session, outbox)
    assert mail.to == growing.email and mail.subject == f"On the waitlist: {event.title}"
    assert "There are not enough free seats for 2 guests, so your party moved to the waitlist" in mail.body
    assert "Your ticket no longer works" in mail.body
    assert "You are 1st on the waitlist." in mail.body


# Offers that run out


@pytest.fixture
def offered(session, now, event_factory, members, outbox):
    """Capacity 1 in offer mode: the seat of one who left is held for the first in line, a second waits."""
    event = event_factory(capacity=1, waitlist_mode=WaitlistMode.offer)
    leaving, holder, next_in_line = members(3)
    for member in (leaving, holder, next_in_line):
        rsvp(session, event, member, now)
    service.cancel_rsvp(session, event_id=event.id, member=leaving, now=now)
    sent(session, outbox)
    outbox.clear()
    held = session.scalar(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.member_id == holder.id))
    assert held.status is RsvpStatus.offered
    return event, held, next_in_line


def test_an_offer_that_runs_out_tells_its_member_and_passes_on(session, offered, outbox):
    event, held, next_in_line = offered
    later = held.offer_expires_at + timedelta(minutes=1)
    assert service.expire_all_offers(session, now=later) == 1
    mails = {mail.to: mail for mail in sent(session, outbox, later)}
    assert sorted(mails) == sorted([held.member.email, next_in_line.email])
    expired = mails[held.member.email]
    assert expired.subject == f"Your seat offer ran out: {event.title}"
    assert "it was not claimed in time" in expired.body
    assert f"you can RSVP again: http://meetups.test/e/{event.id}" in expired.body
    assert mails[next_in_line.email].subject.startswith("A seat is held for you")


def test_an_offer_declined_by_its_member_sends_no_expiry(session, now, offered, outbox):
    event, held, next_in_line = offered
    service.cancel_rsvp(session, event_id=event.id, member=held.member, now=now)
    assert recipients(sent(session, outbox)) == [next_in_line.email]  # the seat offered on, nothing else
    assert session.scalar(select(Message.id).where(Message.kind == "rsvp_offer_expired")) is None


# Approval requests, in batches per organiser


@pytest.fixture
def approval_event(session, event_factory, community, community_organiser):
    """An approval event whose community has an organiser, plus an event organiser, a volunteer, a plain
    community member and a site admin (who may manage, but is not asked)."""
    event = event_factory(community=community, rsvp_mode=RsvpMode.approval)
    event_organiser = make_member(session, name="Edda Event")
    make_staff(session, event, event_organiser, StaffRole.organiser)
    make_staff(session, event, make_member(session), StaffRole.volunteer)
    join(session, community, make_member(session), CommunityRole.member)
    make_admin(session)
    return event, [community_organiser, event_organiser]


def ask(session, event, names, now, minutes_apart=5):
    requests = []
    for n, name in enumerate(names):
        requests.append(
            rsvp(session, event, make_member(session, name=name), now + timedelta(minutes=n * minutes_apart))
        )
    assert {r.status for r in requests} == {RsvpStatus.pending}
    return requests


def test_requests_within_a_quarter_hour_reach_each_organiser_as_one_mail(
    session, now, approval_event, outbox
):
    event, organisers = approval_event
    ask(session, event, ["Ana", "Ben", "Cleo"], now)  # at 0, 5 and 10 minutes
    assert sent(session, outbox, now + timedelta(minutes=24)) == []  # still settling
    mails = sent(session, outbox, now + timedelta(minutes=25))
    assert recipients(mails) == emails(organisers)
    for mail in mails:
        assert mail.subject == f"3 RSVPs wait for your approval: {event.title}"
        assert "3 members ask to come to" in mail.body
        assert "- Ana\n- Ben\n- Cleo" in mail.body
        assert f"http://meetups.test/e/{event.id}/attendees?status=pending" in mail.body
    assert {
        m.topic for m in session.scalars(select(Message).where(Message.kind == "rsvp_approval_requested"))
    } == {Topic.approvals}


def test_a_request_answered_meanwhile_is_left_out(session, now, approval_event, outbox):
    event, (community_organiser, event_organiser) = approval_event
    _ana, ben, _cleo = ask(session, event, ["Ana", "Ben", "Cleo"], now)
    organiser.approve_rsvp(session, actor=event_organiser, rsvp_id=ben.id, now=now + timedelta(minutes=12))
    mails = sent(session, outbox, now + timedelta(minutes=30))
    approvals = [mail for mail in mails if mail.to != ben.member.email]
    assert recipients(approvals) == emails([community_organiser, event_organiser])
    for mail in approvals:
        assert mail.subject.startswith("2 RSVPs wait for your approval")
        assert "- Ana\n- Cleo" in mail.body and "Ben" not in mail.body


def test_a_request_with_guests_names_them(session, now, approval_event, outbox):
    event, organisers = approval_event
    rsvp(session, event, make_member(session, name="Dora"), now, guests=2)
    mails = sent(session, outbox, now + timedelta(minutes=15))
    assert recipients(mails) == emails(organisers)
    assert all(
        mail.subject.startswith("1 RSVP waits") and "- Dora, with 2 guests" in mail.body for mail in mails
    )


def test_an_organiser_asking_is_not_asked_about_their_own_request(session, now, approval_event, outbox):
    event, (community_organiser, event_organiser) = approval_event
    rsvp(session, event, community_organiser, now)
    assert recipients(sent(session, outbox, now + timedelta(minutes=15))) == [event_organiser.email]


def test_no_mail_once_every_request_was_answered_before_it_went(session, now, approval_event, outbox):
    event, (_community_organiser, event_organiser) = approval_event
    ana, ben = ask(session, event, ["Ana", "Ben"], now)
    organiser.approve_rsvp(session, actor=event_organiser, rsvp_id=ana.id, now=now + timedelta(minutes=6))
    service.cancel_rsvp(session, event_id=event.id, member=ben.member, now=now + timedelta(minutes=7))
    mails = sent(session, outbox, now + timedelta(minutes=30))
    assert recipients(mails) == [ana.member.email]  # approved; the organisers' batch was not sent
    batches = session.scalars(select(Message).where(Message.kind == "rsvp_approval_requested")).all()
    assert len(batches) == 2 and {m.status for m in batches} == {MessageStatus.skipped}


def test_cancelling_the_event_drops_the_batch_still_settling(session, now, approval_event, outbox):
    event, (_community_organiser, event_organiser) = approval_event
    (ana,) = ask(session, event, ["Ana"], now)
    events.cancel_event(session, event=event, actor=event_organiser, reason="Venue flooded", now=now)
    mails = sent(session, outbox, now + timedelta(minutes=30))
    assert recipients(mails) == [ana.member.email]  # told it is cancelled; the organisers are asked nothing
    batches = session.scalars(select(Message).where(Message.kind == "rsvp_approval_requested")).all()
    assert len(batches) == 2 and {m.status for m in batches} == {MessageStatus.skipped}


def test_a_new_request_after_the_batch_went_starts_another(session, now, approval_event, outbox):
    event, organisers = approval_event
    ask(session, event, ["Ana"], now)
    assert len(sent(session, outbox, now + timedelta(minutes=15))) == 2
    ask(session, event, ["Ben"], now + timedelta(minutes=20))
    mails = sent(session, outbox, now + timedelta(minutes=35))
    assert recipients(mails) == emails(organisers)
    assert all("- Ben" in mail.body and "Ana" not in mail.body for mail in mails)


# Answers to requests


def test_approval_and_decline_carry_the_organisers_message(session, now, approval_event, outbox):
    event, (_community_organiser, event_organiser) = approval_event
    ana, ben = ask(session, event, ["Ana", "Ben"], now)
    organiser.approve_rsvp(session, actor=event_organiser, rsvp_id=ana.id, message="Welcome!", now=now)
    organiser.decline_rsvp(session, actor=event_organiser, rsvp_id=ben.id, message="Members only.", now=now)
    mails = {mail.to: mail for mail in sent(session, outbox)}
    assert sorted(mails) == sorted([ana.member.email, ben.member.email])  # the batches were not due yet
    approved, declined = mails[ana.member.email], mails[ben.member.email]
    assert approved.subject == f"Approved: {event.title}"
    assert "Welcome!" in approved.body and f"http://meetups.test/t/{ana.ticket_code}" in approved.body
    assert "When: Mon 8 Apr 2030" in approved.body
    assert declined.subject == f"Your RSVP for {event.title}" and "Members only." in declined.body
    kinds = session.scalars(select(Message).where(Message.kind.in_(["rsvp_approved", "rsvp_declined"])))
    assert {m.topic for m in kinds} == {Topic.rsvps}
