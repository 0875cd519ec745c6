"""The door log and the RSVP history: what the scans and the waitlist recorded, shown to organisers with
filters, in a fixed number of queries, and to nobody else."""

from datetime import timedelta

import pytest

from meetups.checkin import door as door_links
from meetups.checkin import service as checkin
from meetups.events.models import StaffRole, WaitlistMode
from meetups.rsvps import organiser, service
from meetups.rsvps.models import Rsvp, RsvpStatus
from tests.factories import bearer, make_event, make_member, make_staff


@pytest.fixture
def door(session, now):
    """An event starting in an hour (the door is open): an organiser, a volunteer, a door link and tickets."""
    event = make_event(session, starts_at=now + timedelta(hours=1), capacity=50, title="Door night")
    boss, volunteer = make_member(session, name="Olga Organiser"), make_member(session, name="Vera Volunteer")
    make_staff(session, event, boss, StaffRole.organiser)
    make_staff(session, event, volunteer, StaffRole.volunteer)
    link, _token = door_links.create_door_link(
        session, event_id=event.id, actor=boss, label="Side door", now=now
    )
    people = []
    for name in ("Anna", "Boris", "Clara"):
        people.append(
            service.save_rsvp(session, event_id=event.id, member=make_member(session, name=name), now=now)
        )
    return event, boss, volunteer, link, people


def _scan(session, event, now, text, **who):
    return checkin.check_in(
        session, event_id=event.id, scanner=door_links.Scanner(device="phone 7", **who), text=text, now=now
    )


def test_the_door_log_shows_every_scan_with_who_and_what(client, session, now, door, login):
    event, boss, volunteer, link, (anna, boris, _clara) = door
    first = _scan(session, event, now, anna.ticket_code, member=volunteer)
    _scan(session, event, now, anna.ticket_code, door_link=link)
    _scan(session, event, now, "hello, not a ticket", member=volunteer)
    checkin.undo_checkin(
        session, checkin_id=first.checkin.id, scanner=door_links.Scanner(member=boss), now=now
    )
    _scan(session, event, now, boris.ticket_code, member=volunteer)
    login(boss)
    page = client.get(f"/e/{event.id}/door-log")
    assert page.status_code == 200
    text = page.text
    for shown in ("Admitted", "Already checked in", "Unknown ticket", "Check-in undone", "Vera Volunteer"):
        assert shown in text, shown
    assert "Side door" in text and "phone 7" in text and "Anna" in text and "Boris" in text
    assert anna.ticket_code not in text and boris.ticket_code not in text
    only_refused = client.get(f"/e/{event.id}/door-log?result=unknown_ticket").text
    assert "hello, not a ticket" in only_refused and "Boris" not in only_refused
    by_link = client.get(f"/e/{event.id}/door-log?scanner=link:{link.id}").text
    assert "Side door" in by_link and "Boris" not in by_link
    assert "Boris" not in client.get(f"/e/{event.id}/door-log?q=ann").text
    assert client.get(f"/e/{event.id}/door-log?result=nonsense").status_code == 422


def test_the_door_log_api_pages_through_newest_first(client, session, now, door, monkeypatch):
    from meetups.checkin import door_log

    event, boss, volunteer, _link, (anna, boris, clara) = door
    monkeypatch.setattr(door_log, "PAGE", 2)
    for rsvp in (anna, boris, clara):
        _scan(session, event, now, rsvp.ticket_code, member=volunteer)
    headers = bearer(session, boss)
    first = client.get(f"/api/v1/events/{event.id}/scans", headers=headers).json
    assert [s["attendee"] for s in first["scans"]] == ["Clara", "Boris"]
    assert first["counts"] == {"ok": 3} and first["older"] == first["scans"][-1]["id"]
    rest = client.get(f"/api/v1/events/{event.id}/scans?before={first['older']}", headers=headers).json
    assert [s["attendee"] for s in rest["scans"]] == ["Anna"] and rest["older"] is None
    assert rest["scans"][0]["scanned_by"] == "Vera Volunteer"
    bad = client.get(f"/api/v1/events/{event.id}/scans?scanner=everyone", headers=headers)
    assert bad.status_code == 422 and bad.json["error"]["code"] == "invalid_input"


def test_the_door_log_reads_in_a_fixed_number_of_queries(client, session, now, door, login, count_queries):
    event, boss, volunteer, _link, _people = door
    login(boss)
    sizes = []
    for extra in (0, 15):
        for _ in range(extra):
            person = make_member(session)
            rsvp = service.save_rsvp(session, event_id=event.id, member=person, now=now)
            _scan(session, event, now, rsvp.ticket_code, member=volunteer)
        count_queries.clear()
        assert client.get(f"/e/{event.id}/door-log").status_code == 200
        sizes.append(len(count_queries))
    assert sizes[0] == sizes[1], sizes


def test_the_rsvp_history_lists_moves_with_their_reasons(client, session, now, login):
    event = make_event(session, capacity=1, waitlist_mode=WaitlistMode.auto, title="Tiny room")
    boss = make_member(session, name="Olga Organiser")
    make_staff(session, event, boss, StaffRole.organiser)
    first, second, third = (make_member(session, name=n) for n in ("Ada", "Ben", "Cy"))
    for person in (first, second, third):
        service.save_rsvp(session, event_id=event.id, member=person, now=now)
    cy = session.query(Rsvp).filter_by(member_id=third.id).one()
    organiser.move_in_waitlist(
        session, actor=boss, rsvp_id=cy.id, position=1, reason="Speaker's partner", now=now
    )
    service.cancel_rsvp(session, event_id=event.id, member=first, now=now)  # Cy moves up by itself
    login(boss)
    text = client.get(f"/e/{event.id}/history").text
    assert "Moved in the waitlist" in text and "Speaker&#39;s partner" in text and "Olga Organiser" in text
    assert "Moved up from the waitlist" in text and "automatic" in text
    assert "Cancelled" in text
    only_moves = client.get(f"/e/{event.id}/history?action=moved").text
    assert "Moved up from the waitlist</td>" not in only_moves
    api = client.get(f"/api/v1/events/{event.id}/rsvp-log?q=cy", headers=bearer(session, boss)).json
    assert [(e["member"], e["action"], e["actor"]) for e in api["entries"]] == [
        ("Cy", "promoted", None),
        ("Cy", "moved", "Olga Organiser"),
    ]
    assert session.query(Rsvp).filter_by(member_id=third.id).one().status is RsvpStatus.going


@pytest.mark.parametrize(
    "path",
    [
        "/e/{event}/door-log",
        "/e/{event}/history",
        "/api/v1/events/{event}/scans",
        "/api/v1/events/{event}/rsvp-log",
    ],
)
@pytest.mark.parametrize("who", ["stranger", "member", "volunteer", "door_link"])
def test_only_organisers_read_the_logs(client, session, now, door, login, path, who):
    event, _boss, volunteer, _link, _people = door
    headers = {}
    if who == "member":
        headers = bearer(session, make_member(session))
    elif who == "volunteer":
        headers = bearer(session, volunteer)
    elif who == "door_link":
        _link2, token = door_links.create_door_link(
            session, event_id=event.id, actor=make_member(session, is_admin=True), label="x", now=now
        )
        headers = {"X-Door-Token": token}
    if not path.startswith("/api/") and who == "volunteer":
        login(volunteer)
        headers = {}
    response = client.get(path.format(event=event.id), headers=headers)
    assert response.status_code in (302, 401, 403), (who, path, response.status_code)
    if response.status_code == 302:
        assert "/login" in response.location
