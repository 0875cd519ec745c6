"""Every path that takes or frees a seat goes through the waitlist: staff roles that come and go, accounts
that are deleted, events that are cancelled. Found by a read from outside (issue 11)."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from meetups import errors
from meetups.accounts import service as accounts
from meetups.checkin import door as door_links
from meetups.checkin import service as checkin
from meetups.communities.models import CommunityRole
from meetups.events import service as events
from meetups.events.models import EventStaff, RsvpMode, StaffRole, WaitlistMode
from meetups.rsvps import service, waitlist
from meetups.rsvps.models import Rsvp, RsvpLog, RsvpStatus
from tests.factories import PASSWORD, bearer, join, make_community, make_member, make_staff


def rsvp(session, event, member, now, **kw):
    return service.save_rsvp(session, event_id=event.id, member=member, now=now, **kw)


# Staff roles


def test_removing_a_role_that_would_put_the_event_over_capacity_is_refused(
    client, session, now, event_factory, members
):
    event = event_factory(capacity=1)
    organiser = make_member(session, is_admin=True)
    volunteer, attendee = members(2)
    role = make_staff(session, event, volunteer, StaffRole.volunteer)
    rsvp(session, event, volunteer, now)  # seat-exempt: takes no seat
    rsvp(session, event, attendee, now)  # the one seat
    response = client.delete(f"/api/v1/events/{event.id}/staff/{role.id}", headers=bearer(session, organiser))
    assert response.status_code == 409, response.json
    assert response.json["error"]["code"] == "not_enough_seats"
    assert volunteer.name in response.json["error"]["message"]
    assert session.get(EventStaff, role.id) is not None  # nothing half-done
    assert waitlist.seats_taken(session, event) == 1 == event.capacity


def test_a_second_role_that_takes_a_seat_is_refused_when_the_event_is_full(
    session, now, event_factory, members
):
    event = event_factory(capacity=1)
    organiser = make_member(session, is_admin=True)
    speaker, attendee = members(2)
    make_staff(session, event, speaker, StaffRole.speaker)
    rsvp(session, event, speaker, now)
    rsvp(session, event, attendee, now)
    with pytest.raises(errors.NotEnoughSeats):
        events.add_staff(
            session,
            event=event,
            actor=organiser,
            email=speaker.email,
            role="volunteer",
            takes_seat=True,
            now=now,
        )


def test_removing_a_role_with_room_seats_their_rsvp_and_the_line_stays_fair(
    session, now, event_factory, members
):
    event = event_factory(capacity=2)
    organiser = make_member(session, is_admin=True)
    volunteer, first, second = members(3)
    role = make_staff(session, event, volunteer, StaffRole.volunteer)
    mine = rsvp(session, event, volunteer, now)
    rsvp(session, event, first, now)
    events.remove_staff(session, event=event, actor=organiser, staff_id=role.id, now=now)
    assert mine.status is RsvpStatus.going and waitlist.seats_taken(session, event) == 2
    assert rsvp(session, event, second, now).status is RsvpStatus.waitlisted


def test_a_staff_member_without_an_rsvp_can_always_lose_a_role(session, now, event_factory, members):
    event = event_factory(capacity=1)
    organiser = make_member(session, is_admin=True)
    volunteer, attendee = members(2)
    role = make_staff(session, event, volunteer, StaffRole.volunteer)
    rsvp(session, event, attendee, now)
    events.remove_staff(session, event=event, actor=organiser, staff_id=role.id, now=now)
    assert session.get(EventStaff, role.id) is None


def test_making_someone_staff_on_a_full_event_moves_the_line(session, now, event_factory, members):
    event = event_factory(capacity=1)
    organiser = make_member(session, is_admin=True)
    speaker, waiting = members(2)
    rsvp(session, event, speaker, now)
    line = rsvp(session, event, waiting, now)
    events.add_staff(session, event=event, actor=organiser, email=speaker.email, role="speaker", now=now)
    assert line.status is RsvpStatus.going


# Deleted accounts


def test_deleting_an_account_passes_its_seat_to_the_line_and_tells_them(
    session, now, event_factory, members, outbox
):
    event = event_factory(capacity=1)
    leaving, waiting = members(2)
    rsvp(session, event, leaving, now)
    line = rsvp(session, event, waiting, now)
    session.commit()
    outbox.deliver()
    outbox.clear()  # the ticket and the place in line
    accounts.delete_account(session, leaving, password=PASSWORD, now=now)
    session.commit()
    outbox.deliver()
    assert line.status is RsvpStatus.going and line.valid_ticket_code
    assert waitlist.seats_taken(session, event) == 1
    assert [m.to for m in outbox] == [waiting.email]


def test_deleting_an_account_in_offer_mode_offers_its_seat(session, now, event_factory, members):
    event = event_factory(capacity=1, waitlist_mode=WaitlistMode.offer)
    leaving, waiting = members(2)
    rsvp(session, event, leaving, now)
    line = rsvp(session, event, waiting, now)
    accounts.delete_account(session, leaving, password=PASSWORD, now=now)
    assert line.status is RsvpStatus.offered


def test_the_last_organiser_of_a_community_cannot_delete_their_account(client, session, now, login):
    organiser = make_member(session)
    community = make_community(session, organiser=organiser, name="Rust Berlin")
    login(organiser)
    response = client.post("/me/delete", data={"delete-password": PASSWORD})
    assert response.status_code == 422
    assert "last organiser of Rust Berlin" in response.text
    assert session.get(type(organiser), organiser.id) is not None
    second = make_member(session)
    join(session, community, second, CommunityRole.organiser)
    response = client.post("/me/delete", data={"delete-password": PASSWORD})
    assert response.status_code == 302


# Cancelled events


@pytest.fixture
def full_event(session, now, event_factory, members):
    """Capacity 2: two going (one with a ticket checked in later), one waitlisted, one offered elsewhere."""
    event = event_factory(capacity=2, waitlist_mode=WaitlistMode.offer)
    people = members(4)
    for person in people[:3]:
        rsvp(session, event, person, now)
    service.cancel_rsvp(session, event_id=event.id, member=people[1], now=now)  # offers the seat to #3
    rsvp(session, event, people[3], now)  # waits
    return event, people


def test_cancelling_an_event_ends_every_rsvp_and_tells_each_member(session, now, full_event, outbox):
    event, people = full_event
    organiser = make_member(session, is_admin=True)
    session.commit()
    outbox.deliver()
    outbox.clear()  # the offer made on the way
    before = {r.member_id: r.status for r in session.scalars(select(Rsvp).where(Rsvp.event_id == event.id))}
    assert set(before.values()) == {
        RsvpStatus.going,
        RsvpStatus.cancelled,
        RsvpStatus.offered,
        RsvpStatus.waitlisted,
    }
    events.cancel_event(session, event=event, actor=organiser, reason="The venue flooded.", now=now)
    session.commit()
    outbox.deliver()
    after = {r.member_id: r for r in session.scalars(select(Rsvp).where(Rsvp.event_id == event.id))}
    assert {r.status for r in after.values()} == {RsvpStatus.cancelled}
    told = {p.email for p in people if before[p.id] is not RsvpStatus.cancelled}
    assert {r.member.email for r in after.values() if r.end_reason == "event_cancelled"} == told
    assert after[people[1].id].end_reason == "member"  # who had cancelled already keeps their reason
    assert sorted(m.to for m in outbox) == sorted(told)
    assert all("Cancelled" in m.subject and "The venue flooded." in m.body for m in outbox)
    logged = session.scalars(select(RsvpLog.action).where(RsvpLog.event_id == event.id)).all()
    assert logged.count("event_cancelled") == 3
    assert waitlist.seats_taken(session, event) == 0


def test_a_ticket_of_a_cancelled_event_answers_cancelled_at_the_door(session, now, event_factory, members):
    event = event_factory(capacity=5, starts_at=now + timedelta(hours=1))
    organiser = make_member(session, is_admin=True)
    (attendee,) = members(1)
    code = rsvp(session, event, attendee, now).ticket_code
    events.cancel_event(session, event=event, actor=organiser, now=now)
    outcome = checkin.check_in(
        session, event_id=event.id, scanner=door_links.Scanner(member=organiser), text=code, now=now
    )
    assert outcome.result.value == "cancelled"


def test_cancelling_twice_tells_nobody_twice(session, now, full_event, outbox):
    event, _people = full_event
    organiser = make_member(session, is_admin=True)
    session.commit()
    outbox.deliver()
    outbox.clear()
    events.cancel_event(session, event=event, actor=organiser, now=now)
    session.commit()
    sent = len(outbox.deliver())
    events.cancel_event(session, event=event, actor=organiser, now=now)
    session.commit()
    outbox.deliver()
    assert len(outbox) == sent == 3


def test_pending_requests_end_too(session, now, event_factory, members, outbox):
    event = event_factory(capacity=5, rsvp_mode=RsvpMode.approval)
    (asking,) = members(1)
    request = rsvp(session, event, asking, now)
    assert request.status is RsvpStatus.pending
    events.cancel_event(session, event=event, actor=make_member(session, is_admin=True), now=now)
    assert request.status is RsvpStatus.cancelled and request.end_reason == "event_cancelled"
