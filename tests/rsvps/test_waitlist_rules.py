from datetime import timedelta

import pytest

from meetups import errors
from meetups.events.models import RsvpMode, StaffRole, WaitlistMode
from meetups.rsvps import organiser, service, waitlist
from meetups.rsvps.models import Rsvp, RsvpStatus
from tests.factories import make_member, make_staff


def rsvp(session, event, member, now, guests=0, **kw):
    return service.save_rsvp(session, event_id=event.id, member=member, guests=guests, now=now, **kw)


def statuses(session, event):
    return {r.member_id: r.status for r in session.query(Rsvp).filter_by(event_id=event.id)}


def test_fills_seats_then_waitlists_in_arrival_order(session, now, event_factory, members):
    event = event_factory(capacity=3)
    people = members(5)
    results = [rsvp(session, event, m, now) for m in people]
    assert [r.status for r in results] == ["going"] * 3 + ["waitlisted"] * 2
    assert [waitlist.position(session, r) for r in results[3:]] == [1, 2]
    assert all(r.ticket_code and len(r.ticket_code) >= 22 for r in results[:3])
    assert all(r.valid_ticket_code is None for r in results[3:])


def test_guests_take_seats(session, now, event_factory, members):
    event = event_factory(capacity=4, max_guests=3)
    a, b = members(2)
    assert rsvp(session, event, a, now, guests=3).status is RsvpStatus.going
    assert rsvp(session, event, b, now).status is RsvpStatus.waitlisted
    assert waitlist.seats_taken(session, event) == 4


def test_cancellation_promotes_first_party_that_fits_skipping_others(session, now, event_factory, members):
    event = event_factory(capacity=3, max_guests=3)
    a, big, small, later = members(4)
    rsvp(session, event, a, now, guests=1)  # 2 seats
    rsvp(session, event, make_member(session), now)  # 3rd seat
    big_rsvp = rsvp(session, event, big, now, guests=2)  # waits, needs 3
    small_rsvp = rsvp(session, event, small, now)  # waits, needs 1
    rsvp(session, event, later, now)
    service.cancel_rsvp(session, event_id=event.id, member=a, now=now)  # frees 2
    assert small_rsvp.status is RsvpStatus.going
    assert big_rsvp.status is RsvpStatus.waitlisted
    assert waitlist.position(session, big_rsvp) == 1  # kept its place
    assert statuses(session, event)[later.id] is RsvpStatus.going
    assert waitlist.seats_taken(session, event) == 3


def test_guest_reduction_frees_seats(session, now, event_factory, members):
    event = event_factory(capacity=3, max_guests=2)
    a, b = members(2)
    rsvp(session, event, a, now, guests=2)
    waiting = rsvp(session, event, b, now)
    rsvp(session, event, a, now, guests=1)
    assert waiting.status is RsvpStatus.going


def test_guest_increase_that_does_not_fit_is_refused_or_joins_waitlist(session, now, event_factory, members):
    event = event_factory(capacity=3, max_guests=3)
    a, b = members(2)
    mine = rsvp(session, event, a, now, guests=0)
    rsvp(session, event, b, now, guests=1)
    with pytest.raises(errors.NotEnoughSeats):
        rsvp(session, event, a, now, guests=2)
    assert mine.status is RsvpStatus.going and mine.guests == 0
    mine = rsvp(session, event, a, now, guests=2, join_waitlist=True)
    assert mine.status is RsvpStatus.waitlisted and mine.guests == 2 and mine.valid_ticket_code is None


def test_capacity_increase_promotes(session, now, event_factory, members):
    event = event_factory(capacity=1)
    org = make_member(session, is_admin=True)
    a, b, c = members(3)
    for m in (a, b, c):
        rsvp(session, event, m, now)
    from meetups.events import service as events

    events.update_event(session, event=event, actor=org, changes={"capacity": 2}, now=now)
    assert statuses(session, event)[b.id] is RsvpStatus.going
    assert statuses(session, event)[c.id] is RsvpStatus.waitlisted


def test_lowering_capacity_removes_nobody_and_stops_promotions(session, now, event_factory, members):
    from meetups.events import service as events

    event = event_factory(capacity=3)
    org = make_member(session, is_admin=True)
    a, b, c, d = members(4)
    for m in (a, b, c, d):
        rsvp(session, event, m, now)
    events.update_event(session, event=event, actor=org, changes={"capacity": 1}, now=now)
    service.cancel_rsvp(session, event_id=event.id, member=a, now=now)
    s = statuses(session, event)
    assert s[b.id] is s[c.id] is RsvpStatus.going
    assert s[d.id] is RsvpStatus.waitlisted


def test_offer_mode_holds_the_seat_and_expiry_passes_it_on(session, now, event_factory, members, monkeypatch):
    event = event_factory(capacity=1, waitlist_mode=WaitlistMode.offer, offer_hours=12)
    a, b, c = members(3)
    rsvp(session, event, a, now)
    rb, rc = rsvp(session, event, b, now), rsvp(session, event, c, now)
    service.cancel_rsvp(session, event_id=event.id, member=a, now=now)
    assert rb.status is RsvpStatus.offered and rb.offer_expires_at == now + timedelta(hours=12)
    assert rc.status is RsvpStatus.waitlisted and waitlist.position(session, rc) == 1
    # a newcomer does not take the held seat
    assert rsvp(session, event, make_member(session), now).status is RsvpStatus.waitlisted
    later = now + timedelta(hours=13)
    with pytest.raises(errors.OfferExpired):
        rsvp(session, event, b, later)
    service.settle(session, event_id=event.id, now=later)  # the periodic job, or the next page view
    assert rb.status is RsvpStatus.cancelled and rb.end_reason == "offer_expired"
    assert rc.status is RsvpStatus.offered


def test_claiming_an_offer_seats_the_member_with_a_ticket(session, now, event_factory, members):
    event = event_factory(capacity=1, waitlist_mode=WaitlistMode.offer)
    a, b = members(2)
    rsvp(session, event, a, now)
    rb = rsvp(session, event, b, now)
    service.cancel_rsvp(session, event_id=event.id, member=a, now=now)
    claimed = rsvp(session, event, b, now + timedelta(hours=1))
    assert claimed is rb and rb.status is RsvpStatus.going and rb.ticket_code


def test_declining_an_offer_passes_it_on(session, now, event_factory, members):
    event = event_factory(capacity=1, waitlist_mode=WaitlistMode.offer)
    a, b, c = members(3)
    rsvp(session, event, a, now)
    rb, rc = rsvp(session, event, b, now), rsvp(session, event, c, now)
    service.cancel_rsvp(session, event_id=event.id, member=a, now=now)
    service.cancel_rsvp(session, event_id=event.id, member=b, now=now)
    assert rb.end_reason == "offer_declined" and rc.status is RsvpStatus.offered


def test_periodic_job_expires_offers(session, now, event_factory, members):
    event = event_factory(capacity=1, waitlist_mode=WaitlistMode.offer, offer_hours=2)
    a, b, c = members(3)
    rsvp(session, event, a, now)
    rb, rc = rsvp(session, event, b, now), rsvp(session, event, c, now)
    service.cancel_rsvp(session, event_id=event.id, member=a, now=now)
    assert service.expire_all_offers(session, now=now + timedelta(hours=3)) == 1
    assert rb.status is RsvpStatus.cancelled and rc.status is RsvpStatus.offered


def test_time_adaptive_switches_to_short_offers_near_the_start(session, now, event_factory, members):
    event = event_factory(
        capacity=1, starts_at=now + timedelta(hours=30), offer_cutover_hours=24, late_offer_hours=3
    )
    a, b, c = members(3)
    rsvp(session, event, a, now)
    rb, rc = rsvp(session, event, b, now), rsvp(session, event, c, now)
    service.cancel_rsvp(session, event_id=event.id, member=a, now=now)  # 30 h before: automatic
    assert rb.status is RsvpStatus.going
    late = now + timedelta(hours=10)  # 20 h before: offers held 3 h
    service.cancel_rsvp(session, event_id=event.id, member=b, now=late)
    assert rc.status is RsvpStatus.offered and rc.offer_expires_at == late + timedelta(hours=3)


def test_offer_never_outlasts_rsvp_close(session, now, event_factory, members):
    event = event_factory(
        capacity=1, waitlist_mode=WaitlistMode.offer, offer_hours=48, starts_at=now + timedelta(hours=5)
    )
    a, b = members(2)
    rsvp(session, event, a, now)
    rb = rsvp(session, event, b, now)
    service.cancel_rsvp(session, event_id=event.id, member=a, now=now)
    assert rb.offer_expires_at == event.starts_at


def test_waitlist_stops_when_rsvps_close(session, now, event_factory, members):
    event = event_factory(
        capacity=1, rsvp_closes_at=now + timedelta(hours=1), starts_at=now + timedelta(hours=5)
    )
    a, b = members(2)
    rsvp(session, event, a, now)
    rb = rsvp(session, event, b, now)
    service.cancel_rsvp(session, event_id=event.id, member=a, now=now + timedelta(hours=2))
    assert rb.status is RsvpStatus.waitlisted
    with pytest.raises(errors.RsvpClosed):
        rsvp(session, event, make_member(session), now + timedelta(hours=2))


def test_approval_events_pending_then_approved_or_waitlisted(session, now, event_factory, members):
    event = event_factory(capacity=1, rsvp_mode=RsvpMode.approval)
    org = make_member(session, is_admin=True)
    a, b, c = members(3)
    ra, rb, rc = (rsvp(session, event, m, now) for m in (a, b, c))
    assert {ra.status, rb.status, rc.status} == {RsvpStatus.pending}
    organiser.approve_rsvp(session, actor=org, rsvp_id=ra.id, now=now)
    organiser.approve_rsvp(session, actor=org, rsvp_id=rb.id, now=now)
    organiser.decline_rsvp(session, actor=org, rsvp_id=rc.id, message="Sorry, members only", now=now)
    assert (ra.status, rb.status, rc.status) == (RsvpStatus.going, RsvpStatus.waitlisted, RsvpStatus.declined)
    assert rc.message == "Sorry, members only"
    with pytest.raises(errors.RsvpDeclined):
        rsvp(session, event, c, now)


def test_organiser_removal_promotes_and_manual_moves_are_logged(session, now, event_factory, members):
    event = event_factory(capacity=1)
    org = make_member(session, is_admin=True)
    a, b, c, d = members(4)
    ra, rb, rc, rd = (rsvp(session, event, m, now) for m in (a, b, c, d))
    organiser.move_in_waitlist(
        session, actor=org, rsvp_id=rd.id, position=1, reason="speaker's partner", now=now
    )
    assert [waitlist.position(session, r) for r in (rb, rc, rd)] == [2, 3, 1]
    organiser.decline_rsvp(session, actor=org, rsvp_id=ra.id, now=now)
    assert rd.status is RsvpStatus.going
    from meetups.rsvps.models import RsvpLog

    moves = session.query(RsvpLog).filter_by(rsvp_id=rd.id, action="moved").all()
    assert moves and moves[0].actor_id == org.id and "speaker's partner" in moves[0].detail


def test_manual_promotion_respects_capacity(session, now, event_factory, members):
    event = event_factory(capacity=1)
    org = make_member(session, is_admin=True)
    a, b = members(2)
    rsvp(session, event, a, now)
    rb = rsvp(session, event, b, now)
    with pytest.raises(errors.NotEnoughSeats):
        organiser.promote_rsvp(session, actor=org, rsvp_id=rb.id, reason="VIP", now=now)
    with pytest.raises(errors.InvalidInput):
        organiser.promote_rsvp(session, actor=org, rsvp_id=rb.id, reason="", now=now)


def test_staff_take_no_seat_unless_the_organiser_says_so(session, now, event_factory, members):
    event = event_factory(capacity=1)
    speaker, a = members(2)
    make_staff(session, event, speaker, StaffRole.speaker)
    assert rsvp(session, event, speaker, now).status is RsvpStatus.going
    assert rsvp(session, event, a, now).status is RsvpStatus.going
    assert waitlist.seats_taken(session, event) == 1


@pytest.mark.parametrize("guests", [-1, 3, "2", 1.5, True, None])
def test_bad_guest_counts_are_refused(session, now, event_factory, members, guests):
    event = event_factory(max_guests=2)
    (a,) = members(1)
    with pytest.raises((errors.InvalidInput, errors.TooManyGuests)):
        rsvp(session, event, a, now, guests=guests)
    assert session.query(Rsvp).count() == 0


def test_cancelled_draft_and_past_events_refuse_rsvps(session, now, event_factory, members):
    from meetups.events.models import EventStatus

    (a,) = members(1)
    with pytest.raises(errors.EventCancelled):
        rsvp(session, event_factory(status=EventStatus.cancelled), a, now)
    with pytest.raises(errors.NotFound):
        rsvp(session, event_factory(status=EventStatus.draft), a, now)
    with pytest.raises(errors.RsvpClosed):
        rsvp(session, event_factory(starts_at=now - timedelta(hours=1)), a, now)
    with pytest.raises(errors.RsvpNotOpen):
        rsvp(session, event_factory(rsvp_opens_at=now + timedelta(days=1)), a, now)


def test_rsvp_twice_changes_instead_of_duplicating(session, now, event_factory, members):
    event = event_factory(max_guests=2)
    (a,) = members(1)
    first = rsvp(session, event, a, now)
    second = rsvp(session, event, a, now, guests=2)
    assert first is second and second.guests == 2
    assert session.query(Rsvp).count() == 1


def test_cancel_voids_ticket_and_rersvp_gets_a_new_one(session, now, event_factory, members):
    event = event_factory()
    (a,) = members(1)
    first_code = rsvp(session, event, a, now).ticket_code
    cancelled = service.cancel_rsvp(session, event_id=event.id, member=a, now=now)
    assert cancelled.valid_ticket_code is None and cancelled.ticket_code == first_code  # void, on record
    again = rsvp(session, event, a, now)
    assert again.status is RsvpStatus.going and again.ticket_code not in (None, first_code)


def test_promoted_member_is_told_after_commit(session, now, event_factory, members, outbox):
    from meetups.notify.models import Message

    event = event_factory(capacity=1)
    a, b = members(2)
    rsvp(session, event, a, now)
    rsvp(session, event, b, now)
    session.commit()
    outbox.deliver()
    outbox.clear()  # the ticket and the place in line
    queued = session.query(Message).count()
    with session.begin_nested() as attempt:  # an action that is rolled back mails nobody
        service.cancel_rsvp(session, event_id=event.id, member=a, now=now)
        assert session.query(Message).filter_by(kind="rsvp_promoted").count() == 1
        attempt.rollback()
    assert outbox.deliver() == [] and session.query(Message).count() == queued
    service.cancel_rsvp(session, event_id=event.id, member=a, now=now)
    session.commit()
    outbox.deliver()
    assert [m.to for m in outbox] == [b.email]
    assert "You're in" in outbox[0].subject
    promoted = session.query(Rsvp).filter_by(member_id=b.id).one()
    assert f"http://meetups.test/t/{promoted.ticket_code}" in outbox[0].body
    assert f"http://meetups.test/e/{event.id}" in outbox[0].body


def test_making_an_attendee_staff_frees_their_seat_unless_they_take_one(session, now, event_factory, members):
    from meetups.events import service as events

    event = event_factory(capacity=1)
    org = make_member(session, is_admin=True)
    speaker, waiting, later = members(3)
    rsvp(session, event, speaker, now)
    rw = rsvp(session, event, waiting, now)
    events.add_staff(session, event=event, actor=org, email=speaker.email, role="speaker", now=now)
    assert rw.status is RsvpStatus.going  # the speaker's seat went to the next in line
    rl = rsvp(session, event, later, now)
    events.add_staff(
        session, event=event, actor=org, email=later.email, role="volunteer", takes_seat=True, now=now
    )
    assert rl.status is RsvpStatus.waitlisted and waitlist.seats_taken(session, event) == 1


def test_pages_and_lists_count_seats_as_the_rsvp_service_does(session, now, event_factory, members):
    """A speaker's own RSVP takes no seat: the event page, lists and the API show the seat as free."""
    from meetups.events import service as events

    event = event_factory(capacity=2)
    org = make_member(session, is_admin=True)
    speaker, guest_bringer, volunteer = members(3)
    rsvp(session, event, speaker, now)
    rsvp(session, event, volunteer, now)
    events.add_staff(session, event=event, actor=org, email=speaker.email, role="speaker", now=now)
    events.add_staff(session, event=event, actor=org, email=volunteer.email, role="volunteer", now=now)
    # a second role that takes a seat wins over one that does not
    events.add_staff(
        session, event=event, actor=org, email=volunteer.email, role="speaker", takes_seat=True, now=now
    )
    counts = service.count_rsvps(session, [event.id])[event.id]
    assert counts["going"] == 2 and counts["seats"] == 1 == waitlist.seats_taken(session, event)
    assert service.get_rsvp_box(session, event, guest_bringer)["free"] == 1
    assert waitlist.seat_exempt_members(session, event) == {speaker.id}
