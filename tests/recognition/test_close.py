"""Closing an event resolves attendance: once, by an organiser or the periodic job, from the door's record;
after that only an organiser's logged correction changes it."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from meetups import errors
from meetups.checkin.models import CheckIn
from meetups.events.models import EventStatus, StaffRole
from meetups.notify import jobs
from meetups.recognition import service
from meetups.recognition.models import Attendance, AttendanceCorrection, Contribution, Outcome
from tests.factories import bearer, make_member, make_staff


def outcomes(session, event):
    rows = session.execute(
        select(Attendance.member_id, Attendance.outcome).where(Attendance.event_id == event.id)
    )
    return dict(rows.all())


def test_each_rsvp_resolves_to_what_happened(session, now, past_event, rsvp):
    event = past_event(max_guests=3)
    came, missed, late, early, waited, declined = (make_member(session) for _ in range(6))
    rsvp(event, came, came=True, guests=2, admitted=1)
    rsvp(event, missed)
    rsvp(event, late, status="cancelled", cancelled_before=timedelta(hours=5))
    rsvp(event, early, status="cancelled", cancelled_before=timedelta(days=3))
    rsvp(event, waited, status="waitlisted")
    rsvp(event, declined, status="declined")
    speaker = make_member(session)
    make_staff(session, event, speaker, StaffRole.speaker)
    closed = service.close_event(
        session, event_id=event.id, actor=make_member(session, is_admin=True), now=now
    )
    assert outcomes(session, event) == {
        came.id: Outcome.attended,
        missed.id: Outcome.no_show,
        late.id: Outcome.late_cancel,
        early.id: Outcome.excused,
    }
    assert closed.counts == {"attended": 1, "no_show": 1, "late_cancel": 1, "excused": 1, "contributions": 1}
    record = session.scalar(select(Attendance).where(Attendance.member_id == came.id))
    assert record.guests == 1 and record.event_on == event.local_starts_at.date()
    assert session.scalar(select(Contribution.role).where(Contribution.member_id == speaker.id)) == "speaker"
    assert event.closed_at == now


def test_an_undone_check_in_before_the_close_counts_as_absent(session, now, past_event, rsvp):
    event = past_event()
    member = make_member(session)
    rsvp(event, member, came=True)
    session.scalar(select(CheckIn)).undone_at = now
    service.close_event(session, event_id=event.id, actor=None, now=now)
    assert outcomes(session, event) == {member.id: Outcome.no_show}


def test_closing_twice_changes_nothing(session, now, past_event, rsvp):
    event = past_event()
    rsvp(event, make_member(session), came=True)
    organiser = make_member(session, is_admin=True)
    service.close_event(session, event_id=event.id, actor=organiser, now=now)
    again = service.close_event(session, event_id=event.id, actor=organiser, now=now + timedelta(hours=1))
    assert again.already and again.counts == {}
    assert session.query(Attendance).count() == 1 and event.closed_at == now


def test_closing_a_running_event_ends_it_now(session, now, past_event, rsvp):
    event = past_event(starts_at=now - timedelta(hours=1))  # ends in an hour
    sequence = event.sequence
    service.close_event(session, event_id=event.id, actor=make_member(session, is_admin=True), now=now)
    assert event.ends_at == now and event.sequence == sequence + 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": EventStatus.cancelled}, "invalid_state"),
        ({"starts_at_in": timedelta(days=1)}, "invalid_state"),
    ],
)
def test_what_cannot_be_closed_is_refused_with_a_reason(session, now, past_event, change, code):
    starts = now + change.pop("starts_at_in", timedelta(hours=-3))
    event = past_event(starts_at=starts, **change)
    with pytest.raises(errors.DomainError) as refused:
        service.close_event(session, event_id=event.id, actor=make_member(session, is_admin=True), now=now)
    assert refused.value.code == code and session.query(Attendance).count() == 0


def test_a_draft_is_no_such_event(session, now, past_event):
    event = past_event(status=EventStatus.draft)
    with pytest.raises(errors.NotFound):
        service.close_event(session, event_id=event.id, actor=make_member(session), now=now)


def test_the_periodic_job_closes_events_some_hours_after_they_end(session, now, past_event, rsvp):
    recent, older = past_event(), past_event(starts_at=now - timedelta(hours=12))
    custom = past_event(starts_at=now - timedelta(hours=5), close_after_hours=1)
    for event in (recent, older, custom):
        rsvp(event, make_member(session), came=True)
    assert service.close_due_events(session, now=now) == 2  # recent ended 1 h ago: it waits for 6 h
    assert (recent.closed_at, older.closed_at, custom.closed_at) == (None, now, now)
    assert service.close_due_events(session, now=now) == 0
    assert "close_events" in list(jobs.periodic_names())


def test_the_api_closes_and_the_organiser_corrects_by_hand(client, session, now, past_event, rsvp):
    event = past_event()
    organiser, attendee = make_member(session), make_member(session, name="Kim")
    make_staff(session, event, organiser, StaffRole.organiser)
    rsvp(event, attendee)
    headers = bearer(session, organiser)
    before = client.patch(
        f"/api/v1/events/{event.id}/attendance/1",
        json={"outcome": "attended", "reason": "x"},
        headers=headers,
    )
    assert before.status_code == 404
    closed = client.post(f"/api/v1/events/{event.id}/close", headers=headers)
    assert closed.status_code == 200 and closed.json["counts"]["no_show"] == 1 and not closed.json["already"]
    sheet = client.get(f"/api/v1/events/{event.id}/attendance", headers=headers).json
    [record] = sheet["records"]
    assert record["member"] == {"id": attendee.id, "name": "Kim"} and record["outcome"] == "no_show"
    url = f"/api/v1/events/{event.id}/attendance/{record['id']}"
    for body, code in (
        ({"outcome": "attended", "reason": ""}, "invalid_input"),
        ({"outcome": "present", "reason": "Let in by hand"}, "invalid_input"),
        ({"outcome": "attended"}, "invalid_input"),
    ):
        refused = client.patch(url, json=body, headers=headers)
        assert refused.status_code == 422 and refused.json["error"]["code"] == code, body
    fixed = client.patch(
        url, json={"outcome": "attended", "reason": "Let in by hand, scanner was down"}, headers=headers
    )
    assert fixed.status_code == 200 and fixed.json["record"]["outcome"] == "attended"
    log = session.scalars(select(AttendanceCorrection)).one()
    assert (log.was, log.now_is, log.actor_id) == (Outcome.no_show, Outcome.attended, organiser.id)
    again = client.post(f"/api/v1/events/{event.id}/close", headers=headers).json
    assert again["already"] and outcomes(session, event) == {attendee.id: Outcome.attended}


def test_an_organiser_of_another_community_corrects_nothing(client, session, now, past_event, rsvp):
    event, elsewhere = past_event(), past_event()
    stranger_organiser = make_member(session)
    make_staff(session, elsewhere, stranger_organiser, StaffRole.organiser)
    rsvp(event, make_member(session))
    service.close_event(session, event_id=event.id, actor=None, now=now)
    record = session.scalar(select(Attendance))
    response = client.patch(
        f"/api/v1/events/{event.id}/attendance/{record.id}",
        json={"outcome": "attended", "reason": "because"},
        headers=bearer(session, stranger_organiser),
    )
    assert response.status_code == 403 and record.outcome is Outcome.no_show
    wrong_event = client.patch(
        f"/api/v1/events/{elsewhere.id}/attendance/{record.id}",
        json={"outcome": "attended", "reason": "because"},
        headers=bearer(session, stranger_organiser),
    )
    assert wrong_event.status_code == 404


@pytest.mark.parametrize("who", ["stranger", "member", "volunteer"])
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/events/{e}/close"),
        ("get", "/api/v1/events/{e}/attendance"),
        ("post", "/e/{e}/close"),
        ("get", "/e/{e}/attendance"),
    ],
)
def test_only_organisers_close_and_read_the_record(
    client, session, now, past_event, login, who, method, path
):
    event = past_event()
    headers = {}
    if who != "stranger":
        member = make_member(session)
        if who == "volunteer":
            make_staff(session, event, member, StaffRole.volunteer)
        headers = bearer(session, member)
        if not path.startswith("/api"):
            login(member)
    response = getattr(client, method)(path.format(e=event.id), headers=headers)
    assert response.status_code in (302, 401, 403)
    assert event.closed_at is None


def test_the_dashboard_button_closes_and_shows_the_record(client, session, now, past_event, rsvp, login):
    event = past_event(title="Rust night")
    organiser = make_member(session)
    make_staff(session, event, organiser, StaffRole.organiser)
    rsvp(event, make_member(session, name="Dana"), came=True)
    login(organiser)
    assert "Close event" in client.get(f"/e/{event.id}/manage").text
    response = client.post(f"/e/{event.id}/close")
    assert response.status_code == 302 and response.location.endswith(f"/e/{event.id}/attendance")
    page = client.get(f"/e/{event.id}/attendance").text
    assert "Dana" in page and "Came: 1" in page
    record = session.scalar(select(Attendance))
    corrected = client.post(
        f"/e/{event.id}/attendance/{record.id}", data={"outcome": "no_show", "reason": "Scanned by mistake"}
    )
    session.refresh(record)
    assert corrected.status_code == 302 and record.outcome is Outcome.no_show
    assert "Scanned by mistake" in client.get(f"/e/{event.id}/attendance").text
