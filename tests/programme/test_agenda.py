"""Reading the agenda: days split by the event's local date across the change from summer time, time slots
with rooms side by side, filters (bad values dropped with a message), now and next during the event, the
viewer's stars and seats, organisers' star counts, my schedule's clashes, drafts hidden, and a query count
that does not grow with the programme."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from meetups import errors
from meetups.events.models import EventStatus
from meetups.programme import agenda, lineup, places, registrations, schedule, service
from meetups.programme.models import RegistrationStatus
from meetups.rsvps import service as rsvps
from tests.factories import make_member
from tests.programme.conftest import BERLIN, NOW

FRIDAY, SATURDAY, SUNDAY = date(2030, 10, 25), date(2030, 10, 26), date(2030, 10, 27)


def berlin(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=BERLIN).astimezone(UTC)


def read(session, conference, viewer=None, now=NOW, **filters):
    return agenda.get_agenda(
        session,
        event_id=conference.event.id,
        viewer=viewer,
        now=now,
        filters={k: str(v) for k, v in filters.items()},
    )


def titles(page) -> list[str]:
    return [item.title for day in page.days for item in day.sessions]


def going(session, conference, *names):
    members = [make_member(session, name=name) for name in names]
    for member in members:
        rsvps.save_rsvp(session, event_id=conference.event.id, member=member, now=NOW)
    return members


# Days and slots


def test_days_follow_the_events_local_date_across_the_change_from_summer_time(conference, session):
    page = read(session, conference)
    assert [day.date for day in page.days] == [FRIDAY, SATURDAY, SUNDAY]
    assert page.all_days == [(FRIDAY, "Fri 25 Oct"), (SATURDAY, "Sat 26 Oct"), (SUNDAY, "Sun 27 Oct")]
    friday, _saturday, sunday = page.days
    assert friday.label == "Friday 25 October" and sunday.label == "Sunday 27 October"
    assert (friday.zone, sunday.zone) == ("CEST", "CET")  # the clocks went back in the night to Sunday
    [slot] = sunday.slots
    assert [entry.item.title for entry in slot.entries] == ["Sunday morning talk"]
    assert (slot.local.date(), slot.local.time()) == (SUNDAY, time(9, 0))  # 08:00 UTC
    assert [s.local.strftime("%H:%M") for s in friday.slots] == ["09:30", "11:00", "12:00"]


def test_a_session_late_in_the_evening_stays_on_its_local_day(conference, session):
    """23:30 in Berlin on Saturday is Saturday, though it is 22:30 UTC (after the change: 21:30 UTC would be
    wrong); a day is never split by UTC's midnight."""
    late = service.create_session(
        session,
        event=conference.event,
        actor=conference.organiser,
        values={
            "title": "Night owls",
            "room_id": conference.main.id,
            "starts_at": "2030-10-26T23:30",
            "ends_at": "2030-10-27T00:15",
        },
        now=NOW,
    )
    page = read(session, conference)
    saturday = next(day for day in page.days if day.date == SATURDAY)
    assert late in saturday.sessions
    assert late.starts_at.replace(tzinfo=UTC) == datetime(2030, 10, 26, 21, 30, tzinfo=UTC)


def test_parallel_sessions_share_a_row_in_their_rooms_columns_and_breaks_span_every_room(conference, session):
    friday = read(session, conference).days[0]
    assert [room.name for room in friday.rooms] == ["Main hall", "Room B"]
    keynote, parallel, lunch = friday.slots
    assert [(e.item.title, e.column, e.row) for e in parallel.entries] == [
        ("Fast pages", 1, 2),
        ("Tables at scale", 2, 2),
    ]
    [break_] = lunch.entries
    assert break_.column is None and break_.row == 3
    assert keynote.entries[0].span == 1


def test_a_long_session_spans_the_slots_that_start_before_it_ends(conference, session):
    for start, end in (("14:00", "14:45"), ("15:00", "15:45")):
        service.create_session(
            session,
            event=conference.event,
            actor=conference.organiser,
            values={
                "title": f"Talk {start}",
                "room_id": conference.main.id,
                "starts_at": f"2030-10-26T{start}",
                "ends_at": f"2030-10-26T{end}",
            },
            now=NOW,
        )
    saturday = read(session, conference).days[1]
    workshop = next(e for slot in saturday.slots for e in slot.entries if e.item.title == "Hands-on testing")
    assert (workshop.row, workshop.span) == (1, 2)  # 14:00 to 16:00: the 14:00 and 15:00 slots
    assert [room.name for room in saturday.rooms] == ["Main hall", "Room B"]
    assert workshop.column == 2


def test_cancelled_sessions_stay_listed_and_marked(conference, session):
    data = conference.sessions["data"]
    service.cancel_session(
        session, event=conference.event, actor=conference.organiser, session_id=data.id, now=NOW
    )
    page = read(session, conference)
    assert "Tables at scale" in titles(page)
    entry = next(e for slot in page.days[0].slots for e in slot.entries if e.item.id == data.id)
    assert entry.item.is_cancelled and entry.span == 1


# Filters


def test_the_controls_offer_what_the_programme_has(conference, session):
    page = read(session, conference)
    assert [t.name for t in page.tracks] == ["Data", "Web"]
    assert [r.name for r in page.rooms] == ["Main hall", "Room B"]
    assert page.languages == ["en", "ru"]
    assert page.levels == ["beginner", "advanced"]
    assert page.total == 6 and page.shown == 6 and not page.filters.active


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"track": "web"}, ["Fast pages", "Lunch", "Hands-on testing"]),
        ({"room": "small"}, ["Tables at scale", "Lunch", "Hands-on testing"]),
        ({"language": "ru"}, ["Tables at scale", "Lunch"]),
        ({"language": "RU"}, ["Tables at scale", "Lunch"]),
        ({"level": "advanced"}, ["Tables at scale", "Lunch"]),
        ({"day": "2030-10-27"}, ["Sunday morning talk"]),
        ({"track": "data", "day": "2030-10-25"}, ["Tables at scale", "Lunch"]),
    ],
)
def test_filters_keep_the_matching_sessions_and_the_breaks(conference, session, filters, expected):
    ids = {"web": conference.web.id, "data": conference.data.id, "small": conference.small.id}
    given = {name: ids.get(value, value) for name, value in filters.items()}
    page = read(session, conference, **given)
    assert titles(page) == expected
    assert page.filters.problems == ()
    assert page.total == 6


@pytest.mark.parametrize(
    "filters",
    [
        {"track": "abc"},
        {"track": "999999"},
        {"track": "99999999999999999999"},
        {"room": "-1"},
        {"language": "xx"},
        {"level": "expert"},
        {"day": "2030-13-01"},
        {"day": "2031-01-01"},
        {"day": "yesterday"},
    ],
)
def test_a_filter_that_names_nothing_is_dropped_with_a_message(conference, session, filters):
    page = read(session, conference, **filters)
    assert len(titles(page)) == 6
    assert len(page.filters.problems) == 1
    assert not page.filters.active and page.filters.day is None


def test_filter_links_keep_the_other_filters(conference, session):
    page = read(session, conference, track=conference.web.id, day="2030-10-26")
    assert page.filters.args(day=None) == {"track": str(conference.web.id)}
    assert page.filters.args(level="beginner") == {
        "track": str(conference.web.id),
        "level": "beginner",
        "day": "2030-10-26",
    }


# Now and next


def test_now_and_next_during_the_event(conference, session):
    page = read(session, conference, now=berlin(FRIDAY, 11, 10))
    assert page.is_live
    assert [s.title for s in page.running] == ["Fast pages", "Tables at scale"]
    assert [s.title for s in page.next_up] == ["Lunch"]


def test_between_sessions_nothing_runs_and_next_is_the_next_start(conference, session):
    page = read(session, conference, now=berlin(FRIDAY, 10, 45))
    assert page.running == []
    assert [s.title for s in page.next_up] == ["Fast pages", "Tables at scale"]


def test_now_and_next_skip_cancelled_sessions_and_follow_the_filters(conference, session):
    service.cancel_session(
        session,
        event=conference.event,
        actor=conference.organiser,
        session_id=conference.sessions["web"].id,
        now=NOW,
    )
    page = read(session, conference, now=berlin(FRIDAY, 11, 10))
    assert [s.title for s in page.running] == ["Tables at scale"]
    page = read(session, conference, now=berlin(FRIDAY, 10, 45), language="en")
    assert [s.title for s in page.next_up] == ["Lunch"]  # "Fast pages" is cancelled, "Tables" in Russian


def test_no_now_or_next_before_or_after_the_event(conference, session):
    for moment in (NOW, conference.event.ends_at + timedelta(minutes=1)):
        page = read(session, conference, now=moment)
        assert not page.is_live and page.running == [] and page.next_up == []


def test_on_sunday_morning_after_the_change_now_is_the_sunday_talk(conference, session):
    page = read(session, conference, now=berlin(SUNDAY, 9, 15))
    assert [s.title for s in page.running] == ["Sunday morning talk"] and page.next_up == []


# The viewer's stars and seats; organisers' counts


def test_the_viewer_sees_their_stars_seats_and_place_in_line(conference, session):
    workshop = conference.sessions["workshop"]  # two seats
    a, b, c = going(session, conference, "A", "B", "C")
    for member in (a, b, c):
        registrations.register(
            session, event=conference.event, session_id=workshop.id, member=member, now=NOW
        )
    schedule.star(
        session, event=conference.event, session_id=conference.sessions["web"].id, member=c, now=NOW
    )
    page = read(session, conference, viewer=c)
    assert page.starred == {conference.sessions["web"].id}
    assert page.registrations[workshop.id].status is RegistrationStatus.waitlisted
    assert page.positions == {workshop.id: 1}
    seats = page.seats[workshop.id]
    assert (seats.capacity, seats.taken, seats.waiting, seats.free) == (2, 2, 1, 0)
    assert page.star_counts is None and not page.can_manage
    anonymous = read(session, conference)
    assert anonymous.starred == set() and anonymous.registrations == {} and anonymous.positions == {}


def test_organisers_see_how_many_starred_each_session(conference, session):
    web = conference.sessions["web"]
    for member in (conference.member, conference.stranger):
        schedule.star(session, event=conference.event, session_id=web.id, member=member, now=NOW)
    page = read(session, conference, viewer=conference.organiser)
    assert page.can_manage and page.star_counts == {web.id: 2}
    assert read(session, conference, viewer=conference.member).star_counts is None


def test_the_agenda_takes_the_same_number_of_queries_however_many_sessions(
    conference, session, count_queries
):
    viewer = conference.organiser
    schedule.star(
        session, event=conference.event, session_id=conference.sessions["web"].id, member=viewer, now=NOW
    )
    session.expire_all()
    count_queries.clear()
    read(session, conference, viewer=viewer)
    few = len(count_queries)
    track = places.save_track(session, event=conference.event, actor=viewer, values={"name": "More"})
    for i in range(30):
        room = places.save_room(session, event=conference.event, actor=viewer, values={"name": f"R{i}"})
        speaker = lineup.save_speaker(
            session, event=conference.event, actor=viewer, now=NOW, values={"name": f"Speaker {i}"}
        )
        item = service.create_session(
            session,
            event=conference.event,
            actor=viewer,
            values={
                "title": f"Talk {i}",
                "room_id": room.id,
                "track_id": track.id,
                "speaker_ids": [speaker.id],
                "kind": "workshop" if i % 3 == 0 else "talk",
                "capacity": 10 if i % 3 == 0 else None,
                "starts_at": "2030-10-26T10:00",
                "ends_at": "2030-10-26T10:45",
            },
            now=NOW,
        )
        schedule.star(session, event=conference.event, session_id=item.id, member=viewer, now=NOW)
    session.flush()
    session.expire_all()
    count_queries.clear()
    page = read(session, conference, viewer=viewer)
    for day in page.days:  # everything the template reads is loaded already
        for item in day.sessions:
            _ = (
                item.room and item.room.name,
                item.track and item.track.name,
                [s.name for s in item.speakers],
            )
    assert page.total == 36
    assert len(count_queries) == few, "\n".join(count_queries)


# Drafts


def test_a_draft_programme_is_only_for_organisers(conference, session):
    conference.event.status = EventStatus.draft
    session.flush()
    for viewer in (None, conference.member):
        with pytest.raises(errors.NotFound):
            read(session, conference, viewer=viewer)
        with pytest.raises(errors.NotFound):
            agenda.get_session_page(
                session,
                event_id=conference.event.id,
                session_id=conference.sessions["web"].id,
                viewer=viewer,
                now=NOW,
            )
        with pytest.raises(errors.NotFound):
            agenda.get_speaker_page(
                session, event_id=conference.event.id, speaker_id=conference.ada.id, viewer=viewer
            )
    assert read(session, conference, viewer=conference.organiser).total == 6


# A session's page, a speaker's page


def test_a_session_page_says_what_runs_at_the_same_time_and_my_place(conference, session):
    data = conference.sessions["data"]
    page = agenda.get_session_page(
        session, event_id=conference.event.id, session_id=data.id, viewer=conference.member, now=NOW
    )
    assert [s.title for s in page.parallel] == ["Fast pages"]
    assert page.zone == "CEST" and page.can_star and not page.starred and page.seats is None
    assert page.star_count is None
    lunch = agenda.get_session_page(
        session,
        event_id=conference.event.id,
        session_id=conference.sessions["lunch"].id,
        viewer=None,
        now=NOW,
    )
    assert not lunch.can_star


def test_a_workshop_page_knows_the_seats_and_whether_i_am_going(conference, session):
    workshop = conference.sessions["workshop"]
    [a] = going(session, conference, "A")
    page = agenda.get_session_page(
        session, event_id=conference.event.id, session_id=workshop.id, viewer=a, now=NOW
    )
    assert page.is_going and page.registration is None and page.seats.free == 2
    assert not agenda.get_session_page(
        session, event_id=conference.event.id, session_id=workshop.id, viewer=conference.member, now=NOW
    ).is_going
    registrations.register(session, event=conference.event, session_id=workshop.id, member=a, now=NOW)
    page = agenda.get_session_page(
        session, event_id=conference.event.id, session_id=workshop.id, viewer=a, now=NOW
    )
    assert page.registration.status is RegistrationStatus.going and page.position is None
    assert page.seats.free == 1


def test_a_session_of_another_event_is_not_found(conference, session):
    with pytest.raises(errors.NotFound):
        agenda.get_session_page(
            session, event_id=conference.event.id, session_id=999999, viewer=None, now=NOW
        )


def test_a_speaker_page_lists_their_sessions_in_time_order(conference, session):
    page = agenda.get_speaker_page(
        session, event_id=conference.event.id, speaker_id=conference.ada.id, viewer=None
    )
    assert page.speaker.name == "Ada Lovelace"
    assert [s.title for s in page.sessions] == ["Opening keynote", "Hands-on testing"]


# My schedule


def test_my_schedule_groups_my_sessions_by_day_and_flags_clashes(conference, session):
    member = conference.member
    for key in ("keynote", "web", "data", "sunday"):
        schedule.star(
            session, event=conference.event, session_id=conference.sessions[key].id, member=member, now=NOW
        )
    mine = agenda.get_my_schedule(session, event_id=conference.event.id, viewer=member, now=NOW)
    assert [day.date for day in mine.days] == [FRIDAY, SUNDAY]
    assert [s.title for s in mine.days[0].items] == ["Opening keynote", "Fast pages", "Tables at scale"]
    assert mine.days[1].zone == "CET"
    [clash] = mine.clashes
    assert {clash.first.title, clash.second.title} == {"Fast pages", "Tables at scale"}
    web, data = conference.sessions["web"], conference.sessions["data"]
    assert mine.clashing[web.id] == [data] and mine.clashing[data.id] == [web]
    assert conference.sessions["keynote"].id not in mine.clashing
    assert mine.count == 4


def test_my_schedule_holds_my_workshops_and_no_cancelled_clash(conference, session):
    workshop = conference.sessions["workshop"]
    [a] = going(session, conference, "A")
    registrations.register(session, event=conference.event, session_id=workshop.id, member=a, now=NOW)
    schedule.star(
        session, event=conference.event, session_id=conference.sessions["web"].id, member=a, now=NOW
    )
    schedule.star(
        session, event=conference.event, session_id=conference.sessions["data"].id, member=a, now=NOW
    )
    service.cancel_session(
        session,
        event=conference.event,
        actor=conference.organiser,
        session_id=conference.sessions["data"].id,
        now=NOW,
    )
    mine = agenda.get_my_schedule(session, event_id=conference.event.id, viewer=a, now=NOW)
    assert [s.title for day in mine.days for s in day.items] == [
        "Fast pages",
        "Tables at scale",
        "Hands-on testing",
    ]
    assert mine.clashes == []
    assert mine.registrations[workshop.id].status is RegistrationStatus.going


def test_my_schedule_needs_a_login_and_starts_empty(conference, session):
    with pytest.raises(errors.LoginRequired):
        agenda.get_my_schedule(session, event_id=conference.event.id, viewer=None, now=NOW)
    mine = agenda.get_my_schedule(session, event_id=conference.event.id, viewer=conference.member, now=NOW)
    assert mine.days == [] and mine.count == 0


def test_my_schedule_takes_the_same_number_of_queries_however_many_sessions(
    conference, session, count_queries
):
    member = conference.member
    schedule.star(
        session, event=conference.event, session_id=conference.sessions["web"].id, member=member, now=NOW
    )
    session.expire_all()
    count_queries.clear()
    agenda.get_my_schedule(session, event_id=conference.event.id, viewer=member, now=NOW)
    few = len(count_queries)
    for key in ("keynote", "data", "sunday", "workshop"):
        schedule.star(
            session, event=conference.event, session_id=conference.sessions[key].id, member=member, now=NOW
        )
    session.expire_all()
    count_queries.clear()
    mine = agenda.get_my_schedule(session, event_id=conference.event.id, viewer=member, now=NOW)
    _ = [(s.room and s.room.name, [p.name for p in s.speakers]) for day in mine.days for s in day.items]
    assert len(count_queries) == few
