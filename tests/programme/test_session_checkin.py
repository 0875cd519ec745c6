"""Check-in at a session's door from the event's scanner: the room picks the session on now (or starting
within 15 minutes), the ticket is read as at the entrance, each result, a replay answers the same, nobody is
counted twice, workshops with seats admit their registered members only; the same people may scan as at the
event's door. Then the JSON API, and its refusals."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from meetups import clock, errors
from meetups.accounts import service as accounts
from meetups.checkin import door as door_links
from meetups.checkin.door import Scanner
from meetups.checkin.models import CheckIn
from meetups.events.models import EventStatus, StaffRole
from meetups.programme import door, places, registrations, service
from meetups.programme.door import RoomResult
from meetups.programme.models import SessionCheckIn
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.rsvps.tickets import new_code
from tests.factories import make_event, make_member, make_staff
from tests.programme.conftest import BERLIN, NOW


def at(local: str) -> datetime:
    """A wall-clock time in Berlin ("2030-10-25T11:00"), as the aware UTC time the rules take."""
    return datetime.fromisoformat(local).replace(tzinfo=BERLIN).astimezone(UTC)


FRIDAY_11 = at("2030-10-25T11:05")  # "Fast pages" in the Main hall, "Tables at scale" in Room B
SATURDAY_14 = at("2030-10-26T14:10")  # the workshop "Hands-on testing" (2 seats) in Room B


def ticket(session, event, name="Anna Attendee", status=RsvpStatus.going, member=None):
    rsvp = Rsvp(
        event=event,
        member=member or make_member(session, name=name),
        status=status,
        guests=0,
        ticket_code=new_code(),
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(rsvp)
    session.flush()
    return rsvp


@pytest.fixture
def volunteer(session, conference):
    member = make_member(session, name="Val Volunteer")
    make_staff(session, conference.event, member, StaffRole.volunteer)
    return Scanner(member=member, device="test phone")


def scan(session, conference, scanner, room, now, code=None, **extra):
    return door.check_in_session(
        session, event_id=conference.event.id, room_id=room.id, scanner=scanner, text=code, now=now, **extra
    )


def rows(session):
    return session.scalar(select(func.count()).select_from(SessionCheckIn))


# Results


def test_ok_then_already_checked_in_with_when_and_counted_once(session, conference, volunteer):
    anna = ticket(session, conference.event)
    first = scan(
        session, conference, volunteer, conference.main, FRIDAY_11, f"https://x.test/t/{anna.ticket_code}"
    )
    assert first.result is RoomResult.ok and first.item == conference.sessions["web"]
    assert first.rsvp == anna and first.checked_in == 1 and first.capacity == 300  # the room's
    assert first.checkin.checked_in_at == FRIDAY_11 and first.checkin.scanned_by_id == volunteer.member.id
    later = FRIDAY_11 + timedelta(minutes=3)
    again = scan(session, conference, volunteer, conference.main, later, anna.ticket_code)
    assert again.result is RoomResult.already_checked_in and again.checkin.checked_in_at == FRIDAY_11
    assert again.checked_in == 1 and rows(session) == 1
    # the same ticket in another session is another count; the entrance never hears of either
    other = scan(session, conference, volunteer, conference.small, later, anna.ticket_code)
    assert other.result is RoomResult.ok and other.item == conference.sessions["data"]
    assert rows(session) == 2 and session.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_a_name_search_admits_by_rsvp_id(session, conference, volunteer):
    anna = ticket(session, conference.event)
    outcome = scan(session, conference, volunteer, conference.small, FRIDAY_11, rsvp_id=anna.id)
    assert outcome.result is RoomResult.ok and outcome.rsvp == anna


@pytest.mark.parametrize(
    ("status", "result"),
    [
        (RsvpStatus.waitlisted, RoomResult.not_confirmed),
        (RsvpStatus.pending, RoomResult.not_confirmed),
        (RsvpStatus.offered, RoomResult.not_confirmed),
        (RsvpStatus.cancelled, RoomResult.cancelled),
        (RsvpStatus.declined, RoomResult.cancelled),
    ],
)
def test_tickets_not_going_are_refused_with_the_reason(session, conference, volunteer, status, result):
    rsvp = ticket(session, conference.event, status=status)
    outcome = scan(session, conference, volunteer, conference.main, FRIDAY_11, rsvp.ticket_code)
    assert outcome.result is result and outcome.rsvp == rsvp and outcome.checked_in == 0
    assert rows(session) == 0


def test_unknown_and_wrong_event_tickets(session, conference, volunteer):
    unknown = scan(session, conference, volunteer, conference.main, FRIDAY_11, "NoSuchTicketAtAllxx")
    assert unknown.result is RoomResult.unknown_ticket and unknown.rsvp is None
    unreadable = scan(session, conference, volunteer, conference.main, FRIDAY_11, "hello")
    assert unreadable.result is RoomResult.unknown_ticket
    other_event = make_event(session, community=conference.community, title="Another night")
    elsewhere = ticket(session, other_event)
    wrong = scan(session, conference, volunteer, conference.main, FRIDAY_11, elsewhere.ticket_code)
    assert wrong.result is RoomResult.wrong_event and wrong.other_event == other_event and wrong.rsvp is None
    # a name search only names RSVPs of this event
    by_id = scan(session, conference, volunteer, conference.main, FRIDAY_11, rsvp_id=elsewhere.id)
    assert by_id.result is RoomResult.unknown_ticket
    assert rows(session) == 0


def test_bad_input_is_refused_before_anything(session, conference, volunteer):
    with pytest.raises(errors.InvalidInput) as both:
        scan(session, conference, volunteer, conference.main, FRIDAY_11, "abc", rsvp_id=3)
    assert both.value.details["field"] == "rsvp_id"
    with pytest.raises(errors.InvalidInput) as bad_id:
        scan(session, conference, volunteer, conference.main, FRIDAY_11, "abc", client_scan_id="no spaces!")
    assert bad_id.value.details["field"] == "client_scan_id"


def test_a_cancelled_session_refuses_everyone(session, conference, volunteer):
    anna = ticket(session, conference.event)
    service.cancel_session(
        session,
        event=conference.event,
        actor=conference.organiser,
        session_id=conference.sessions["data"].id,
        now=NOW,
    )
    outcome = scan(session, conference, volunteer, conference.small, FRIDAY_11, anna.ticket_code)
    assert outcome.result is RoomResult.session_cancelled and outcome.item == conference.sessions["data"]
    assert rows(session) == 0


def test_a_replacement_in_a_cancelled_slot_takes_the_scans(session, conference, volunteer):
    anna = ticket(session, conference.event)
    data = conference.sessions["data"]
    service.cancel_session(
        session, event=conference.event, actor=conference.organiser, session_id=data.id, now=NOW
    )
    stand_in = conference.add(
        session,
        "stand_in",
        title="Stand-in talk",
        starts_at="2030-10-25T11:00",
        ends_at="2030-10-25T11:45",
        room_id=conference.small.id,
    )
    outcome = scan(session, conference, volunteer, conference.small, FRIDAY_11, anna.ticket_code)
    assert outcome.result is RoomResult.ok and outcome.item == stand_in


def test_the_whole_event_cancelled_answers_cancelled(session, conference, volunteer):
    anna = ticket(session, conference.event)
    conference.event.status = EventStatus.cancelled
    outcome = scan(session, conference, volunteer, conference.main, FRIDAY_11, anna.ticket_code)
    assert outcome.result is RoomResult.cancelled


# Workshops with seats


def test_a_workshop_admits_only_its_registered_members(session, conference, volunteer):
    workshop = conference.sessions["workshop"]
    seated, waiting, walk_in = (ticket(session, conference.event, name=n) for n in ("Sid", "Wes", "Walt"))
    third = ticket(session, conference.event, name="Tess")
    for rsvp in (seated, third, waiting):  # two seats: Wes waits in line
        registrations.register(
            session, event=conference.event, session_id=workshop.id, member=rsvp.member, now=NOW
        )
    assert registrations.seats(session, [workshop.id])[workshop.id].waiting == 1
    ok = scan(session, conference, volunteer, conference.small, SATURDAY_14, seated.ticket_code)
    assert ok.result is RoomResult.ok and ok.item == workshop and ok.capacity == 2  # the workshop's seats
    for rsvp in (waiting, walk_in):
        refused = scan(session, conference, volunteer, conference.small, SATURDAY_14, rsvp.ticket_code)
        assert refused.result is RoomResult.not_registered and refused.rsvp == rsvp
    assert rows(session) == 1


def test_a_talk_without_seats_admits_anyone_going(session, conference, volunteer):
    anna = ticket(session, conference.event)
    assert (
        scan(session, conference, volunteer, conference.small, FRIDAY_11, anna.ticket_code).result
        is RoomResult.ok
    )


# Replays and races


def test_a_replayed_client_scan_id_answers_the_same_and_changes_nothing(session, conference, volunteer):
    anna = ticket(session, conference.event)
    first = scan(
        session, conference, volunteer, conference.main, FRIDAY_11, anna.ticket_code, client_scan_id="r-1"
    )
    assert first.result is RoomResult.ok and not first.replayed
    again = scan(
        session, conference, volunteer, conference.main, FRIDAY_11, anna.ticket_code, client_scan_id="r-1"
    )
    assert again.result is RoomResult.ok and again.replayed and again.checkin.id == first.checkin.id
    # even an hour later, with the room on to its next session or none: the first answer
    late = at("2030-10-25T15:00")
    replay = scan(
        session, conference, volunteer, conference.main, late, anna.ticket_code, client_scan_id="r-1"
    )
    assert replay.result is RoomResult.ok and replay.item == conference.sessions["web"] and replay.replayed
    assert rows(session) == 1


def test_a_scan_losing_the_race_finds_the_winner_and_counts_once(session, conference, volunteer, monkeypatch):
    """Two phones at one door, one ticket: both looked and found no check-in; the second insert does nothing
    (ON CONFLICT DO NOTHING) and answers already_checked_in; its own retry still answers ok."""
    anna = ticket(session, conference.event)
    scan(session, conference, volunteer, conference.main, FRIDAY_11, anna.ticket_code, client_scan_id="first")
    real, calls = door._existing, []

    def looked_too_early(*args):
        calls.append(args)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(door, "_existing", looked_too_early)
    lost = scan(
        session, conference, volunteer, conference.main, FRIDAY_11, anna.ticket_code, client_scan_id="second"
    )
    assert lost.result is RoomResult.already_checked_in and lost.checkin.client_scan_id == "first"
    assert lost.checked_in == 1 and rows(session) == 1
    calls.clear()
    monkeypatch.setattr(door, "_replayed", lambda *args: None)  # the retry raced past the replay check too
    retry = scan(
        session, conference, volunteer, conference.main, FRIDAY_11, anna.ticket_code, client_scan_id="first"
    )
    assert retry.result is RoomResult.ok and retry.replayed and rows(session) == 1


# Which session a room scans for


@pytest.mark.parametrize(
    ("local", "expected"),
    [
        ("2030-10-25T09:14", None),  # the keynote starts in 16 minutes: not yet
        ("2030-10-25T09:15", "keynote"),  # 15 minutes before: its queue is scanned in
        ("2030-10-25T10:29", "keynote"),
        ("2030-10-25T10:30", None),  # it has ended; "Fast pages" is 30 minutes away
        ("2030-10-25T10:45", "web"),
        ("2030-10-25T11:44", "web"),
        ("2030-10-25T11:45", None),
        ("2030-10-27T08:50", "sunday"),  # the morning after the clocks went back (UTC+1)
    ],
)
def test_the_room_scans_for_the_session_on_now_or_within_15_minutes(
    session, conference, volunteer, local, expected
):
    anna = ticket(session, conference.event)
    if expected is None:
        with pytest.raises(door.NoSessionNow) as refused:
            scan(session, conference, volunteer, conference.main, at(local), anna.ticket_code)
        assert refused.value.code == "no_session_now" and "Main hall" in refused.value.message
        assert refused.value.details["room"] == "Main hall"
        assert rows(session) == 0
    else:
        outcome = scan(session, conference, volunteer, conference.main, at(local), anna.ticket_code)
        assert outcome.result is RoomResult.ok and outcome.item == conference.sessions[expected]


def test_in_the_last_minutes_of_a_talk_the_next_one_takes_the_door(session, conference, volunteer):
    """Between talks the queue at the door is for the next one: a talk ending at 10:55 gives way at 10:45
    to the one at 11:00."""
    short = conference.add(
        session,
        "short",
        title="Lightning talks",
        starts_at="2030-10-25T10:35",
        ends_at="2030-10-25T10:55",
        room_id=conference.main.id,
    )
    assert door.current_session(session, conference.main, at("2030-10-25T10:44")) == short
    assert (
        door.current_session(session, conference.main, at("2030-10-25T10:45")) == conference.sessions["web"]
    )


def test_nothing_on_names_the_room_and_what_is_next(session, conference, volunteer):
    anna = ticket(session, conference.event)
    with pytest.raises(door.NoSessionNow) as refused:
        scan(session, conference, volunteer, conference.small, at("2030-10-25T12:30"), anna.ticket_code)
    assert refused.value.message == "Nothing is on in Room B now or in the next 15 minutes."
    assert refused.value.details["next"]["title"] == "Hands-on testing"


def test_a_room_of_another_event_is_not_found(session, conference, volunteer):
    other = make_event(session, community=conference.community)
    room = places.save_room(session, event=other, actor=conference.organiser, values={"name": "Elsewhere"})
    with pytest.raises(errors.NotFound):
        scan(session, conference, volunteer, room, FRIDAY_11, "NoSuchTicketAtAllxx")


# Who may scan


def test_a_door_link_scans_while_valid_and_not_after(session, conference):
    anna, ben = ticket(session, conference.event), ticket(session, conference.event, name="Ben")
    link, _token = door_links.create_door_link(
        session, event_id=conference.event.id, actor=conference.organiser, label="Room B door", now=NOW
    )
    assert (
        scan(
            session, conference, Scanner(door_link=link), conference.small, FRIDAY_11, anna.ticket_code
        ).result
        is RoomResult.ok
    )
    assert rows(session) == 1 and session.scalar(select(SessionCheckIn.scanned_by_id)) is None
    link.expires_at = FRIDAY_11 - timedelta(minutes=1)
    with pytest.raises(errors.PermissionDenied):
        scan(session, conference, Scanner(door_link=link), conference.small, FRIDAY_11, ben.ticket_code)
    with pytest.raises(errors.PermissionDenied):
        door.room_stats(
            session,
            event_id=conference.event.id,
            room_id=conference.small.id,
            scanner=Scanner(door_link=link),
            now=FRIDAY_11,
        )


def test_a_door_link_of_another_event_is_refused(session, conference):
    other = make_event(session, community=conference.community, starts_at=NOW + timedelta(days=1))
    link, _token = door_links.create_door_link(
        session, event_id=other.id, actor=conference.organiser, label="Elsewhere", now=NOW
    )
    with pytest.raises(errors.PermissionDenied):
        scan(session, conference, Scanner(door_link=link), conference.main, FRIDAY_11, "NoSuchTicketAtAllxx")


@pytest.mark.parametrize("who", ["member", "stranger", "other event's volunteer"])
def test_everyone_else_is_refused(session, conference, who):
    anna = ticket(session, conference.event)
    if who == "member":
        member = conference.member
    elif who == "stranger":
        member = conference.stranger
    else:
        other = make_event(session, community=conference.community)
        member = make_staff(session, other, make_member(session), StaffRole.volunteer).member
    scanner = Scanner(member=member)
    with pytest.raises(errors.PermissionDenied):
        scan(session, conference, scanner, conference.main, FRIDAY_11, anna.ticket_code)
    with pytest.raises(errors.PermissionDenied):
        door.list_rooms_for_scanner(session, event_id=conference.event.id, scanner=scanner, now=FRIDAY_11)
    with pytest.raises(errors.PermissionDenied):
        door.room_stats(
            session, event_id=conference.event.id, room_id=conference.main.id, scanner=scanner, now=FRIDAY_11
        )
    assert rows(session) == 0


# What the room's scanner reads


def test_rooms_for_the_picker(session, conference, volunteer):
    rooms = door.list_rooms_for_scanner(
        session, event_id=conference.event.id, scanner=volunteer, now=FRIDAY_11
    )
    assert [room.name for room in rooms] == ["Main hall", "Room B"]
    plain = make_event(session, community=conference.community)
    make_staff(session, plain, volunteer.member, StaffRole.volunteer)
    assert door.list_rooms_for_scanner(session, event_id=plain.id, scanner=volunteer, now=FRIDAY_11) == []


def test_room_stats_for_a_workshop_a_talk_and_nothing(session, conference, volunteer):
    workshop = conference.sessions["workshop"]
    sid = ticket(session, conference.event, name="Sid")
    registrations.register(
        session, event=conference.event, session_id=workshop.id, member=sid.member, now=NOW
    )
    scan(session, conference, volunteer, conference.small, SATURDAY_14, sid.ticket_code)

    def stats(room, now):
        return door.room_stats(
            session, event_id=conference.event.id, room_id=room.id, scanner=volunteer, now=now
        )

    during = stats(conference.small, SATURDAY_14)
    assert during["session"]["id"] == workshop.id and during["session"]["title"] == "Hands-on testing"
    assert (during["checked_in"], during["capacity"], during["registered"]) == (1, 2, 1)
    assert during["room"] == {"id": conference.small.id, "name": "Room B", "capacity": 40}
    talk = stats(conference.main, FRIDAY_11)
    assert talk["session"]["title"] == "Fast pages"
    assert (talk["checked_in"], talk["capacity"], talk["registered"]) == (0, 300, None)
    nothing = stats(conference.small, at("2030-10-25T12:30"))
    assert nothing["session"] is None and nothing["checked_in"] == 0 and nothing["capacity"] == 40
    assert nothing["next"]["title"] == "Hands-on testing"


def test_room_stats_take_a_fixed_number_of_queries(session, conference, volunteer, count_queries):
    for n in range(5):
        scan(
            session,
            conference,
            volunteer,
            conference.main,
            FRIDAY_11,
            ticket(session, conference.event, name=f"P{n}").ticket_code,
        )
    session.expire_all()
    count_queries.clear()
    result = door.room_stats(
        session, event_id=conference.event.id, room_id=conference.main.id, scanner=volunteer, now=FRIDAY_11
    )
    assert result["checked_in"] == 5
    # the event, its room, the scanner (expired above) and their rights, the session now, its count
    assert len(count_queries) == 6, count_queries


# The API


@pytest.fixture
def api(client, session, conference, monkeypatch):
    """The JSON door of Room B and the Main hall, on Friday at 11:05 (or another time set with .now)."""

    class Api:
        moment = FRIDAY_11

        def headers(self, member):
            return {"Authorization": f"Bearer {accounts.create_token(session, member, name='t', now=NOW)[1]}"}

        def scan(self, room, headers, **body):
            room_id = room if isinstance(room, int) else room.id
            url = f"/api/v1/events/{conference.event.id}/rooms/{room_id}/checkins"
            return client.post(url, json=body, headers=headers)

        def stats(self, room, headers):
            return client.get(f"/api/v1/events/{conference.event.id}/rooms/{room.id}/stats", headers=headers)

    api = Api()
    monkeypatch.setattr(clock, "now", lambda: api.moment)
    return api


def test_the_api_checks_in_and_answers_the_session_and_the_count(session, conference, api, volunteer):
    anna = ticket(session, conference.event)
    staff = api.headers(volunteer.member)
    first = api.scan(
        conference.small, staff, code=f"https://x.test/t/{anna.ticket_code}", client_scan_id="p-1"
    )
    assert first.status_code == 200, first.json
    data = first.json
    data_session = conference.sessions["data"]
    assert data["result"] == "ok" and data["client_scan_id"] == "p-1" and data["replayed"] is False
    assert data["session"] == {
        "id": data_session.id,
        "title": "Tables at scale",
        "starts_at": data_session.starts_at.isoformat(),
        "ends_at": data_session.ends_at.isoformat(),
        "status": "scheduled",
    }
    assert data["attendee"] == {"rsvp_id": anna.id, "name": "Anna Attendee", "pronouns": None}
    assert data["room"] == {"id": conference.small.id, "name": "Room B"}
    assert (
        data["checked_in_at"] == FRIDAY_11.isoformat() and data["checked_in"] == 1 and data["capacity"] == 40
    )
    replay = api.scan(conference.small, staff, code=anna.ticket_code, client_scan_id="p-1").json
    assert replay["result"] == "ok" and replay["replayed"] is True
    again = api.scan(conference.small, staff, rsvp_id=anna.id).json
    assert again["result"] == "already_checked_in" and again["checked_in_at"] == FRIDAY_11.isoformat()
    stats = api.stats(conference.small, staff).json
    assert (
        stats["session"]["title"] == "Tables at scale"
        and stats["checked_in"] == 1
        and stats["capacity"] == 40
    )
    assert rows(session) == 1


def test_the_api_says_when_nothing_is_on_and_refuses_bad_bodies(session, conference, api, volunteer):
    staff = api.headers(volunteer.member)
    api.moment = at("2030-10-25T12:30")
    nothing = api.scan(conference.small, staff, code="NoSuchTicketAtAllxx")
    assert nothing.status_code == 409
    assert nothing.json["error"]["code"] == "no_session_now" and nothing.json["error"]["room"] == "Room B"
    assert nothing.json["error"]["next"]["title"] == "Hands-on testing"
    assert "Room B" in nothing.json["error"]["message"]
    for body in ({}, {"code": "abc", "rsvp_id": 1}, {"code": "abc", "guests": 1}, {"rsvp_id": "1"}):
        response = api.scan(conference.small, staff, **body)
        assert response.status_code == 422, body
        assert response.json["error"]["code"] == "invalid_input"
    assert api.scan(conference.small, staff, code="x", client_scan_id="bad id").status_code == 422
    missing = api.scan(999_999, staff, code="NoSuchTicketAtAllxx")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"


def test_the_api_takes_a_door_link_until_it_expires(session, conference, api, client):
    anna = ticket(session, conference.event)
    link, token = door_links.create_door_link(
        session, event_id=conference.event.id, actor=conference.organiser, label="Room B door", now=NOW
    )
    held = {"X-Door-Token": token}
    assert api.scan(conference.small, held, code=anna.ticket_code).json["result"] == "ok"
    assert api.stats(conference.small, held).json["checked_in"] == 1
    link.expires_at = FRIDAY_11 - timedelta(minutes=1)
    session.flush()
    expired = api.scan(conference.small, held, code=anna.ticket_code)
    assert expired.status_code == 401 and expired.json["error"]["code"] == "login_required"
    assert api.stats(conference.small, held).status_code == 401


@pytest.mark.parametrize("who", ["stranger", "member", "other event's volunteer"])
def test_the_api_refuses_everyone_else(session, conference, api, who):
    anna = ticket(session, conference.event)
    if who == "stranger":
        headers = {}
    elif who == "member":
        headers = api.headers(conference.member)
    else:
        other = make_event(session, community=conference.community)
        headers = api.headers(make_staff(session, other, make_member(session), StaffRole.volunteer).member)
    expected = 401 if who == "stranger" else 403
    response = api.scan(conference.small, headers, code=anna.ticket_code)
    assert response.status_code == expected and response.json["error"]["code"] in (
        "login_required",
        "forbidden",
    )
    assert api.stats(conference.small, headers).status_code == expected
    assert rows(session) == 0
