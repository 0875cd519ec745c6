"""The programme's rules: sessions fit the event, their room and their speakers' days (across the change from
summer time); speakers with an account hold the speaker role exactly while they have a session; changes raise
the SEQUENCE and reach followers once; workshop seats move by the RSVP waitlist's own rule."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetups import errors
from meetups.events.models import EventStaff, StaffRole
from meetups.notify.models import Message, MessageStatus
from meetups.programme import lineup, places, registrations, schedule, service
from meetups.programme.models import RegistrationStatus, SessionStatus, Star
from meetups.rsvps import service as rsvps
from meetups.rsvps import waitlist
from tests.factories import make_member
from tests.programme.conftest import NOW

#: a free hour in Room B
LATER = {"starts_at": "2030-10-25T15:00", "ends_at": "2030-10-25T16:00"}


def add(conference, session, **values):
    base = {"title": "New talk", "room_id": conference.small.id}
    return service.create_session(
        session, event=conference.event, actor=conference.organiser, values={**base, **values}, now=NOW
    )


def speaker_roles(session, conference):
    return set(
        session.scalars(
            select(EventStaff.member_id).where(
                EventStaff.event_id == conference.event.id, EventStaff.role == StaffRole.speaker
            )
        )
    )


# Fitting sessions in


def test_wall_clock_times_follow_the_zone_across_the_change_from_summer_time(conference):
    friday, sunday = conference.sessions["keynote"], conference.sessions["sunday"]
    assert friday.starts_at.replace(tzinfo=UTC) == datetime(2030, 10, 25, 7, 30, tzinfo=UTC)  # UTC+2
    assert sunday.starts_at.replace(tzinfo=UTC) == datetime(2030, 10, 27, 8, 0, tzinfo=UTC)  # UTC+1


def test_the_hour_repeated_when_clocks_go_back_is_one_hour_of_the_room(conference, session):
    """02:30 happens twice on Sunday 27 October; with offsets both are bookable, and they do not clash."""
    first = add(conference, session, starts_at="2030-10-27T02:10+02:00", ends_at="2030-10-27T02:50+02:00")
    second = add(conference, session, starts_at="2030-10-27T02:10+01:00", ends_at="2030-10-27T02:50+01:00")
    assert second.starts_at - first.starts_at == timedelta(hours=1)
    with pytest.raises(service.RoomTaken):
        add(
            conference, session, starts_at="2030-10-27T00:30Z", ends_at="2030-10-27T01:30Z"
        )  # 02:30+01 overlaps


@pytest.mark.parametrize(
    ("values", "error", "field"),
    [
        ({"starts_at": "2030-10-24T10:00", "ends_at": "2030-10-24T11:00"}, service.OutsideEvent, "starts_at"),
        ({"starts_at": "2030-10-27T17:30", "ends_at": "2030-10-27T18:30"}, service.OutsideEvent, "starts_at"),
        ({"starts_at": "2030-10-25T15:00", "ends_at": "2030-10-25T14:00"}, errors.InvalidInput, "ends_at"),
        ({"starts_at": "2030-10-25T15:00", "ends_at": "2030-10-25T15:00"}, errors.InvalidInput, "ends_at"),
        ({"starts_at": "tomorrow", "ends_at": "2030-10-25T15:00"}, errors.InvalidInput, "starts_at"),
        ({"starts_at": "2030-10-25T11:30", "ends_at": "2030-10-25T12:30"}, service.RoomTaken, "room_id"),
        ({**LATER, "room_id": None}, errors.InvalidInput, "room_id"),
        ({**LATER, "room_id": 999999}, errors.NotFound, "room_id"),
        ({**LATER, "track_id": 999999}, errors.NotFound, "track_id"),
        ({**LATER, "level": "expert"}, errors.InvalidInput, "level"),
        ({**LATER, "kind": "party"}, errors.InvalidInput, "kind"),
        ({**LATER, "language": "english!"}, errors.InvalidInput, "language"),
        ({**LATER, "capacity": 0}, errors.InvalidInput, "capacity"),
        ({**LATER, "speaker_ids": [999999]}, errors.NotFound, "speaker_ids"),
        ({**LATER, "title": ""}, errors.InvalidInput, "title"),
    ],
)
def test_a_session_that_does_not_fit_is_refused_naming_the_field(conference, session, values, error, field):
    before = session.scalar(select(func.count()).select_from(type(conference.sessions["web"])))
    with pytest.raises(error) as refused:
        add(conference, session, **values)
    assert refused.value.details.get("field") == field
    session.rollback()
    assert session.scalar(select(func.count()).select_from(type(conference.sessions["web"]))) == before


def test_a_room_clash_names_the_session_in_the_way(conference, session):
    with pytest.raises(service.RoomTaken) as refused:
        add(conference, session, starts_at="2030-10-25T11:30", ends_at="2030-10-25T12:30")
    assert "Tables at scale" in refused.value.message
    assert refused.value.details["session_id"] == conference.sessions["data"].id


def test_a_speaker_cannot_be_in_two_rooms_at_once(conference, session):
    """Ada gives the keynote in the main hall 09:30-10:30: not also in Room B at 10:00."""
    with pytest.raises(service.SpeakerBusy) as refused:
        add(
            conference,
            session,
            starts_at="2030-10-25T10:00",
            ends_at="2030-10-25T10:20",
            speaker_ids=[conference.ada.id],
        )
    assert "Ada Lovelace" in refused.value.message and "Opening keynote" in refused.value.message


def test_back_to_back_sessions_and_cancelled_ones_leave_the_room_free(conference, session):
    add(conference, session, starts_at="2030-10-25T11:45", ends_at="2030-10-25T12:00")  # right after "data"
    service.cancel_session(
        session,
        event=conference.event,
        actor=conference.organiser,
        session_id=conference.sessions["data"].id,
        now=NOW,
    )
    add(conference, session, starts_at="2030-10-25T11:00", ends_at="2030-10-25T11:45", title="In its place")


def test_moving_a_session_checks_it_again_but_not_against_itself(conference, session):
    web = conference.sessions["web"]
    moved = service.update_session(
        session,
        event=conference.event,
        actor=conference.organiser,
        session_id=web.id,
        changes={"ends_at": "2030-10-25T11:50"},
        now=NOW,
    )
    assert moved.sequence == 1
    with pytest.raises(service.RoomTaken):
        service.update_session(
            session,
            event=conference.event,
            actor=conference.organiser,
            session_id=web.id,
            changes={"room_id": conference.small.id},
            now=NOW,
        )


def test_only_organisers_build_the_programme(conference, session):
    with pytest.raises(errors.PermissionDenied):
        service.create_session(
            session,
            event=conference.event,
            actor=conference.member,
            values={"title": "Mine", "room_id": conference.small.id, **LATER},
            now=NOW,
        )
    with pytest.raises(errors.PermissionDenied):
        places.save_room(session, event=conference.event, actor=conference.ada_member, values={"name": "X"})


def test_names_are_unique_per_event_and_a_room_in_use_stays(conference, session):
    with pytest.raises(errors.InvalidInput):
        places.save_room(
            session, event=conference.event, actor=conference.organiser, values={"name": "room b"}
        )
    with pytest.raises(places.RoomInUse):
        places.delete_room(
            session, event=conference.event, actor=conference.organiser, room_id=conference.small.id
        )


def test_a_bad_track_colour_or_link_is_refused(conference, session):
    with pytest.raises(errors.InvalidInput) as refused:
        places.save_track(
            session, event=conference.event, actor=conference.organiser, values={"name": "X", "colour": "red"}
        )
    assert refused.value.details["field"] == "colour"
    with pytest.raises(errors.InvalidInput) as refused:
        lineup.save_speaker(
            session,
            event=conference.event,
            actor=conference.organiser,
            values={"name": "X", "links": ["javascript:alert(1)"]},
            now=NOW,
        )
    assert refused.value.details["field"] == "links"


# The speaker role


def test_linked_speakers_hold_the_speaker_role_while_they_have_a_session(conference, session):
    ada = conference.ada_member.id
    assert speaker_roles(session, conference) == {ada}
    for key in ("keynote", "workshop"):
        service.cancel_session(
            session,
            event=conference.event,
            actor=conference.organiser,
            session_id=conference.sessions[key].id,
            now=NOW,
        )
    assert speaker_roles(session, conference) == set()
    add(
        conference,
        session,
        starts_at="2030-10-26T09:00",
        ends_at="2030-10-26T10:00",
        speaker_ids=[conference.ada.id],
    )
    assert speaker_roles(session, conference) == {ada}


def test_unlinking_or_deleting_a_speaker_takes_the_role_away(conference, session):
    lineup.save_speaker(
        session,
        event=conference.event,
        actor=conference.organiser,
        speaker_id=conference.ada.id,
        values={"name": "Ada Lovelace"},
        now=NOW,
    )
    assert speaker_roles(session, conference) == set()
    linked = make_member(session, name="Linus")
    speaker = lineup.save_speaker(
        session,
        event=conference.event,
        actor=conference.organiser,
        values={"name": "Linus", "email": linked.email},
        now=NOW,
    )
    add(
        conference,
        session,
        starts_at="2030-10-26T09:00",
        ends_at="2030-10-26T10:00",
        speaker_ids=[speaker.id],
    )
    assert speaker_roles(session, conference) == {linked.id}
    lineup.delete_speaker(
        session, event=conference.event, actor=conference.organiser, speaker_id=speaker.id, now=NOW
    )
    assert speaker_roles(session, conference) == set()


def test_a_member_is_linked_to_one_speaker_per_event(conference, session):
    with pytest.raises(errors.InvalidInput) as refused:
        lineup.save_speaker(
            session,
            event=conference.event,
            actor=conference.organiser,
            values={"name": "Ada again", "email": conference.ada_member.email},
            now=NOW,
        )
    assert refused.value.details["field"] == "email"
    with pytest.raises(errors.NotFound):
        lineup.save_speaker(
            session,
            event=conference.event,
            actor=conference.organiser,
            values={"name": "N", "email": "no@x.org"},
            now=NOW,
        )


# Following a session


def queued(session, kind="session_changed"):
    return list(
        session.scalars(select(Message).where(Message.kind == kind, Message.status == MessageStatus.queued))
    )


def test_followers_hear_once_of_several_changes(conference, session):
    web, data = conference.sessions["web"], conference.sessions["data"]
    for item in (web, data):
        schedule.star(session, event=conference.event, session_id=item.id, member=conference.member, now=NOW)
    change = {"session": session, "event": conference.event, "actor": conference.organiser, "now": NOW}
    service.update_session(**change, session_id=web.id, changes={"starts_at": "2030-10-25T11:05"})
    service.update_session(**change, session_id=web.id, changes={"title": "Faster pages"})  # no news
    service.cancel_session(**change, session_id=data.id)
    [message] = queued(session)
    assert message.member_id == conference.member.id
    assert sorted(message.params["session_ids"]) == sorted([web.id, data.id])
    assert web.sequence == 1 and data.sequence == 1 and data.status is SessionStatus.cancelled


def test_a_title_edit_is_no_news_and_drafts_tell_nobody(conference, session):
    web = conference.sessions["web"]
    schedule.star(session, event=conference.event, session_id=web.id, member=conference.member, now=NOW)
    change = {"session": session, "event": conference.event, "actor": conference.organiser, "now": NOW}
    service.update_session(**change, session_id=web.id, changes={"title": "Renamed"})
    assert queued(session) == [] and web.sequence == 0
    conference.event.status = "draft"
    service.update_session(**change, session_id=web.id, changes={"starts_at": "2030-10-25T11:05"})
    assert queued(session) == [] and web.sequence == 1


def test_a_followed_session_is_cancelled_rather_than_deleted(conference, session):
    web = conference.sessions["web"]
    schedule.star(session, event=conference.event, session_id=web.id, member=conference.member, now=NOW)
    with pytest.raises(errors.InvalidState):
        service.delete_session(
            session, event=conference.event, actor=conference.organiser, session_id=web.id, now=NOW
        )
    service.delete_session(
        session,
        event=conference.event,
        actor=conference.organiser,
        session_id=conference.sessions["sunday"].id,
        now=NOW,
    )


# My schedule


def test_stars_are_set_replaced_and_clashes_found(conference, session):
    s = conference.sessions
    mine = schedule.set_stars(
        session,
        event=conference.event,
        member=conference.member,
        session_ids=[s["web"].id, s["data"].id, s["lunch"].id],
        now=NOW,
    )
    assert mine == {s["web"].id, s["data"].id}  # breaks are everyone's
    assert schedule.starred_ids(session, conference.event, conference.member) == mine
    [clash] = schedule.clashes(schedule.starred_sessions(session, conference.member))
    assert {clash.first.id, clash.second.id} == {s["web"].id, s["data"].id}
    with pytest.raises(errors.NotFound):
        schedule.set_stars(
            session,
            event=conference.event,
            member=conference.member,
            session_ids=[s["web"].id, 999999],
            now=NOW,
        )
    assert schedule.starred_ids(session, conference.event, conference.member) == mine
    schedule.set_stars(
        session, event=conference.event, member=conference.member, session_ids=[s["web"].id], now=NOW
    )
    assert schedule.starred_ids(session, conference.event, conference.member) == {s["web"].id}
    assert schedule.star_counts(session, conference.event) == {s["web"].id: 1}


@pytest.mark.parametrize("bad", [None, "1,2", [True], ["1"], [1.5]])
def test_a_schedule_is_a_list_of_ids(conference, session, bad):
    with pytest.raises(errors.InvalidInput):
        schedule.set_stars(
            session, event=conference.event, member=conference.member, session_ids=bad, now=NOW
        )


def test_clashes_sweep_in_time_order():
    class S:
        def __init__(self, i, start, end):
            self.id, self.starts_at, self.ends_at, self.is_cancelled = i, start, end, False

    day = datetime(2030, 1, 1, tzinfo=UTC)
    h = lambda n: day + timedelta(hours=n)  # noqa: E731
    found = schedule.clashes([S(1, h(9), h(12)), S(2, h(10), h(11)), S(3, h(11), h(13)), S(4, h(13), h(14))])
    assert [(c.first.id, c.second.id) for c in found] == [(1, 2), (1, 3)]


def test_a_star_needs_a_member_and_a_session_of_this_event(conference, session):
    with pytest.raises(errors.LoginRequired):
        schedule.star(
            session, event=conference.event, session_id=conference.sessions["web"].id, member=None, now=NOW
        )
    with pytest.raises(errors.NotFound):
        schedule.star(session, event=conference.event, session_id=999999, member=conference.member, now=NOW)
    assert session.scalar(select(func.count()).select_from(Star)) == 0


# Workshop seats


def going(session, conference, *names):
    members = [make_member(session, name=name) for name in names]
    for member in members:
        rsvps.save_rsvp(session, event_id=conference.event.id, member=member, now=NOW)
    return members


def test_a_workshop_seats_in_order_and_its_line_moves_when_a_seat_frees(conference, session):
    workshop = conference.sessions["workshop"]  # two seats
    a, b, c, d = going(session, conference, "A", "B", "C", "D")
    reg = {
        m.name: registrations.register(
            session, event=conference.event, session_id=workshop.id, member=m, now=NOW
        )
        for m in (a, b, c, d)
    }
    assert [reg[n].status for n in "ABCD"] == ["going", "going", "waitlisted", "waitlisted"]
    assert registrations.position(session, reg["D"]) == 2
    registrations.unregister(session, event=conference.event, session_id=workshop.id, member=a, now=NOW)
    assert reg["C"].status is RegistrationStatus.going and registrations.position(session, reg["D"]) == 1
    [told] = queued(session, "workshop_seat")
    assert told.member_id == c.id and told.params["session_id"] == workshop.id
    seats = registrations.seats(session, [workshop.id])[workshop.id]
    assert (seats.capacity, seats.taken, seats.waiting) == (2, 2, 1)


def test_leaving_the_event_gives_the_workshop_seat_back(conference, session):
    workshop = conference.sessions["workshop"]
    a, b, c = going(session, conference, "A", "B", "C")
    for m in (a, b, c):
        registrations.register(session, event=conference.event, session_id=workshop.id, member=m, now=NOW)
    rsvps.cancel_rsvp(session, event_id=conference.event.id, member=a, now=NOW)
    mine = registrations.my_registrations(session, conference.event, c)
    assert mine[workshop.id].status is RegistrationStatus.going
    assert registrations.my_registrations(session, conference.event, a) == {}


def test_more_seats_move_the_line_and_fewer_than_taken_are_refused(conference, session):
    workshop = conference.sessions["workshop"]
    members = going(session, conference, "A", "B", "C")
    regs = [
        registrations.register(session, event=conference.event, session_id=workshop.id, member=m, now=NOW)
        for m in members
    ]
    change = {"session": session, "event": conference.event, "actor": conference.organiser, "now": NOW}
    with pytest.raises(errors.InvalidInput):
        service.update_session(**change, session_id=workshop.id, changes={"capacity": 1})
    service.update_session(**change, session_id=workshop.id, changes={"capacity": 3})
    assert regs[2].status is RegistrationStatus.going


def test_workshop_seats_are_for_people_going_before_the_start(conference, session):
    workshop, talk = conference.sessions["workshop"], conference.sessions["web"]
    with pytest.raises(registrations.NotGoing):
        registrations.register(
            session, event=conference.event, session_id=workshop.id, member=conference.member, now=NOW
        )
    [member] = going(session, conference, "A")
    with pytest.raises(registrations.NoRegistration):
        registrations.register(session, event=conference.event, session_id=talk.id, member=member, now=NOW)
    with pytest.raises(errors.RsvpClosed):
        registrations.register(
            session, event=conference.event, session_id=workshop.id, member=member, now=workshop.starts_at
        )
    again = registrations.register(
        session, event=conference.event, session_id=workshop.id, member=member, now=NOW
    )
    assert (
        registrations.register(
            session, event=conference.event, session_id=workshop.id, member=member, now=NOW
        )
        is again
    )


def test_cancelling_a_workshop_ends_its_registrations(conference, session):
    workshop = conference.sessions["workshop"]
    [member] = going(session, conference, "A")
    reg = registrations.register(
        session, event=conference.event, session_id=workshop.id, member=member, now=NOW
    )
    service.cancel_session(
        session, event=conference.event, actor=conference.organiser, session_id=workshop.id, now=NOW
    )
    assert reg.status is RegistrationStatus.cancelled
    assert [m.member_id for m in queued(session)] == [member.id]  # a registered member follows it


# The waitlist's rule, shared


@pytest.mark.parametrize(
    ("free", "line", "chosen"),
    [
        (None, [("a", 3), ("b", 1)], ["a", "b"]),
        (0, [("a", 1)], []),
        (2, [("a", 3), ("b", 1), ("c", 1), ("d", 1)], ["b", "c"]),
        (3, [("a", 2), ("b", 2), ("c", 1)], ["a", "c"]),
    ],
)
def test_first_that_fit_skips_parties_too_big_and_keeps_order(free, line, chosen):
    assert waitlist.first_that_fit(free, line) == chosen


def test_cancelling_the_event_skips_the_session_changes_still_settling(conference, session):
    from meetups.events import service as events

    web = conference.sessions["web"]
    schedule.star(session, event=conference.event, session_id=web.id, member=conference.member, now=NOW)
    change = {"session": session, "event": conference.event, "actor": conference.organiser, "now": NOW}
    service.update_session(**change, session_id=web.id, changes={"starts_at": "2030-10-25T11:05"})
    events.cancel_event(session, event=conference.event, actor=conference.organiser, now=NOW)
    assert queued(session) == []
    [skipped] = session.scalars(select(Message).where(Message.kind == "session_changed"))
    assert skipped.status is MessageStatus.skipped
