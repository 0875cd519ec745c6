from datetime import timedelta

import pytest

from meetups.accounts import service as accounts
from meetups.checkin import door as door_links
from meetups.checkin.models import CheckIn, Scan
from meetups.events.models import StaffRole
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.rsvps.tickets import code_hash
from tests.factories import make_event, make_member, make_staff


@pytest.fixture
def bearer(session, now):
    def _bearer(member):
        return {"Authorization": f"Bearer {accounts.create_token(session, member, name='t', now=now)[1]}"}

    return _bearer


@pytest.fixture
def event(session, now):
    # starts in 1 hour: check-in opened an hour ago
    return make_event(session, starts_at=now + timedelta(hours=1), capacity=50, max_guests=3)


@pytest.fixture
def volunteer(session, event, bearer):
    member = make_member(session, name="Max")
    make_staff(session, event, member, StaffRole.volunteer)
    return bearer(member)


def ticket(session, event, now, status=RsvpStatus.going, guests=0, name="Anna", code=None):
    n = session.query(Rsvp).count()
    rsvp = Rsvp(
        event=event,
        member=make_member(session, name=name),
        status=status,
        guests=guests,
        ticket_code=code or f"code-{n:04d}-abcdefghijklmnop",
        created_at=now,
        updated_at=now,
    )
    session.add(rsvp)
    session.flush()
    return rsvp


def scan(client, event, headers, code, **extra):
    return client.post(f"/api/v1/events/{event.id}/checkins", json={"code": code, **extra}, headers=headers)


def test_ok_then_already_checked_in_never_double_counts(client, session, event, volunteer, now):
    rsvp = ticket(session, event, now, guests=2)
    first = scan(client, event, volunteer, f"http://meetups.test/t/{rsvp.ticket_code}", client_scan_id="a1")
    assert first.status_code == 200, first.json
    assert first.json["result"] == "ok"
    assert first.json["attendee"] == {
        "rsvp_id": rsvp.id,
        "name": "Anna",
        "pronouns": None,
        "status": "going",
        "guests": 2,
        "guests_admitted": 2,
    }
    again = scan(client, event, volunteer, rsvp.ticket_code, client_scan_id="a2")
    assert again.json["result"] == "already_checked_in" and again.json["checked_in_by"] == "Max"
    assert session.query(CheckIn).count() == 1 and session.query(Scan).count() == 2
    stats = client.get(f"/api/v1/events/{event.id}/stats", headers=volunteer).json
    assert stats["checked_in"] == 3 and stats["expected"] == 3 and stats["arrivals"][0]["people"] == 3


def test_guests_one_by_one(client, session, event, volunteer, now):
    rsvp = ticket(session, event, now, guests=2)
    assert scan(client, event, volunteer, rsvp.ticket_code, guests=0).json["attendee"]["guests_admitted"] == 0
    later = scan(client, event, volunteer, rsvp.ticket_code, guests=1)
    assert later.json["result"] == "ok" and later.json["attendee"]["guests_admitted"] == 1
    assert scan(client, event, volunteer, rsvp.ticket_code, guests=5).json["attendee"]["guests_admitted"] == 2
    assert scan(client, event, volunteer, rsvp.ticket_code).json["result"] == "already_checked_in"


@pytest.mark.parametrize(
    ("status", "result"),
    [
        (RsvpStatus.waitlisted, "not_confirmed"),
        (RsvpStatus.pending, "not_confirmed"),
        (RsvpStatus.offered, "not_confirmed"),
        (RsvpStatus.cancelled, "cancelled"),
        (RsvpStatus.declined, "cancelled"),
    ],
)
def test_refusals_name_the_reason(client, session, event, volunteer, now, status, result):
    rsvp = ticket(session, event, now, status=status)
    assert scan(client, event, volunteer, rsvp.ticket_code).json["result"] == result
    assert session.query(CheckIn).count() == 0 and session.query(Scan).one().result == result


def test_unknown_wrong_event_and_not_open_yet(client, session, event, volunteer, now):
    assert scan(client, event, volunteer, "not-a-real-ticket-code-at-all").json["result"] == "unknown_ticket"
    assert scan(client, event, volunteer, "https://evil.example/<script>").json["result"] == "unknown_ticket"
    other = make_event(session, title="Other meetup", starts_at=now + timedelta(hours=1))
    foreign = ticket(session, other, now)
    wrong = scan(client, event, volunteer, foreign.ticket_code).json
    assert wrong["result"] == "wrong_event" and wrong["event"]["title"] == "Other meetup"
    assert wrong["attendee"] is None  # nothing about another event's attendee
    later_event = make_event(session, starts_at=now + timedelta(hours=5))
    from meetups.accounts.models import Member

    make_staff(
        session,
        later_event,
        session.get(Member, session.query(Scan).first().scanned_by_id),
        StaffRole.volunteer,
    )
    early = scan(client, later_event, volunteer, ticket(session, later_event, now).ticket_code).json
    assert early["result"] == "not_open_yet" and early["opens_at"]


def test_replayed_client_scan_id_changes_nothing(client, session, event, volunteer, now):
    rsvps = [ticket(session, event, now) for _ in range(3)]
    batch = {
        "checkins": [
            {
                "code": r.ticket_code,
                "client_scan_id": f"dev1-{i}",
                "scanned_at": (now - timedelta(minutes=10 - i)).isoformat(),
            }
            for i, r in enumerate(rsvps)
        ]
    }
    first = client.post(f"/api/v1/events/{event.id}/checkins/batch", json=batch, headers=volunteer)
    second = client.post(f"/api/v1/events/{event.id}/checkins/batch", json=batch, headers=volunteer)
    assert [r["result"] for r in first.json["results"]] == ["ok"] * 3
    assert [r["result"] for r in second.json["results"]] == ["ok"] * 3  # answered as the first time
    assert session.query(CheckIn).count() == 3 and session.query(Scan).count() == 3


@pytest.mark.parametrize("later_first", [True, False])
def test_two_offline_scanners_earliest_scan_stands(
    client, session, event, volunteer, now, bearer, later_first
):
    rsvp = ticket(session, event, now)
    other = make_member(session, name="Olga")
    make_staff(session, event, other, StaffRole.volunteer)
    early = {
        "code": rsvp.ticket_code,
        "client_scan_id": "olga-1",
        "scanned_at": (now - timedelta(minutes=5)).isoformat(),
    }
    late = {
        "code": rsvp.ticket_code,
        "client_scan_id": "max-1",
        "scanned_at": (now - timedelta(minutes=2)).isoformat(),
    }
    sends = (
        [(volunteer, late), (bearer(other), early)]
        if later_first
        else [(bearer(other), early), (volunteer, late)]
    )
    answers = [
        client.post(f"/api/v1/events/{event.id}/checkins/batch", json={"checkins": [item]}, headers=h).json[
            "results"
        ][0]
        for h, item in sends
    ]
    checkin = session.query(CheckIn).one()
    assert checkin.checked_in_at == now - timedelta(minutes=5) and checkin.scanned_by_id == other.id
    assert any("duplicate" in a for a in answers)
    assert sorted(a["result"] for a in answers) == (
        ["ok", "ok"] if later_first else ["already_checked_in", "ok"]
    )


def test_undo_is_logged_and_the_ticket_scans_again(client, session, event, volunteer, now):
    rsvp = ticket(session, event, now)
    checkin_id = scan(client, event, volunteer, rsvp.ticket_code).json["checkin_id"]
    assert client.delete(f"/api/v1/checkins/{checkin_id}", headers=volunteer).status_code == 200
    assert session.get(CheckIn, checkin_id).undone_at is not None
    assert session.query(Scan).filter_by(result="undone").count() == 1
    assert scan(client, event, volunteer, rsvp.ticket_code).json["result"] == "ok"
    assert session.query(CheckIn).filter(CheckIn.undone_at.is_(None)).count() == 1


def test_checkin_list_has_hashes_not_codes(client, session, event, volunteer, now):
    rsvp = ticket(session, event, now)
    listed = client.get(f"/api/v1/events/{event.id}/checkin-list", headers=volunteer).json
    assert listed["tickets"][0]["h"] == code_hash(rsvp.ticket_code)
    assert rsvp.ticket_code not in str(listed)
    scan(client, event, volunteer, rsvp.ticket_code)
    listed = client.get(f"/api/v1/events/{event.id}/checkin-list", headers=volunteer).json
    assert listed["tickets"][0]["checked_in_by"] == "Max" and listed["tickets"][0]["checked_in_at"]


def test_door_link_grants_check_in_for_one_event_until_expiry_or_revocation(
    client, session, event, now, monkeypatch
):
    from meetups import clock

    organiser = make_member(session, is_admin=True)
    link, token = door_links.create_door_link(
        session, event_id=event.id, actor=organiser, label="Front door", now=now
    )
    assert link.expires_at == event.ends_at + timedelta(hours=2)
    door = {"X-Door-Token": token}
    rsvp = ticket(session, event, now)
    assert scan(client, event, door, rsvp.ticket_code).json["result"] == "ok"
    assert session.query(CheckIn).one().door_link_id == link.id
    other = make_event(session, starts_at=now + timedelta(hours=1))
    assert scan(client, other, door, "whatever-code-1234567").status_code == 403
    monkeypatch.setattr(clock, "now", lambda: link.expires_at + timedelta(minutes=1))
    assert client.get(f"/api/v1/events/{event.id}/stats", headers=door).status_code == 401
    monkeypatch.setattr(clock, "now", lambda: now)
    door_links.revoke_door_link(session, event_id=event.id, actor=organiser, link_id=link.id, now=now)
    assert client.get(f"/api/v1/events/{event.id}/stats", headers=door).status_code == 401


ENDPOINTS = [
    ("post", "/api/v1/events/{event}/checkins", {"code": "x" * 22}),
    ("post", "/api/v1/events/{event}/checkins/batch", {"checkins": []}),
    ("get", "/api/v1/events/{event}/checkin-list", None),
    ("get", "/api/v1/events/{event}/stats", None),
    ("get", "/api/v1/events/{event}/checkin-search?q=an", None),
    ("delete", "/api/v1/checkins/{checkin}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS)
@pytest.mark.parametrize(
    "who", ["stranger", "member", "volunteer_elsewhere", "expired_link", "revoked_link", "other_event_link"]
)
def test_door_endpoints_refuse_everyone_else(client, session, event, now, bearer, method, path, body, who):

    organiser = make_member(session, is_admin=True)
    rsvp = ticket(session, event, now)
    checkin = CheckIn(event_id=event.id, rsvp=rsvp, checked_in_at=now, recorded_at=now)
    session.add(checkin)
    session.flush()
    headers = {}
    if who in ("member", "volunteer_elsewhere"):
        actor = make_member(session)
        if who == "volunteer_elsewhere":
            make_staff(session, make_event(session), actor, StaffRole.volunteer)
        headers = bearer(actor)
    elif who.endswith("link"):
        target = make_event(session) if who == "other_event_link" else event
        link, token = door_links.create_door_link(
            session, event_id=target.id, actor=organiser, label="x", now=now
        )
        if who == "expired_link":
            link.expires_at = now - timedelta(minutes=1)
        if who == "revoked_link":
            link.revoked_at = now
        session.flush()
        headers = {"X-Door-Token": token}
    response = getattr(client, method)(
        path.format(event=event.id, checkin=checkin.id), json=body, headers=headers
    )
    assert response.status_code in (401, 403), response.json
    assert session.get(CheckIn, checkin.id).undone_at is None


@pytest.mark.parametrize(
    "body",
    [
        {"code": ""},
        {"code": 5},
        {"code": "x" * 301},
        {"code": "abc", "guests": -1},
        {"code": "abc", "scanned_at": "yesterday"},
        {"code": "abc", "client_scan_id": "a b"},
        {"code": "abc", "nope": 1},
        {},
        {"rsvp_id": 0},
        {"rsvp_id": "1"},
        {"code": "abcdefghijklmnopqrstuv", "rsvp_id": 1},
    ],
)
def test_bad_scans_get_clear_errors(client, session, event, volunteer, body):
    response = client.post(f"/api/v1/events/{event.id}/checkins", json=body, headers=volunteer)
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == "invalid_input"
    assert session.query(Scan).count() == 0


def test_the_name_search_names_people_but_never_hands_out_their_codes(client, session, event, volunteer, now):
    """A volunteer's phone (or a door link) that is lost must leak no usable ticket, from the list or the
    search: what it finds is admitted by RSVP id."""
    anna = ticket(session, event, now, name="Anna Berg", guests=1)
    found = client.get(f"/api/v1/events/{event.id}/checkin-search?q=an", headers=volunteer).json
    assert [a["rsvp_id"] for a in found["attendees"]] == [anna.id]
    assert found["attendees"][0]["h"] == code_hash(anna.ticket_code)
    assert anna.ticket_code not in str(found)
    answer = client.post(
        f"/api/v1/events/{event.id}/checkins",
        json={"rsvp_id": anna.id, "client_scan_id": "s1"},
        headers=volunteer,
    ).json
    assert answer["result"] == "ok" and answer["attendee"]["name"] == "Anna Berg"
    assert answer["attendee"]["guests_admitted"] == 1
    again = client.post(f"/api/v1/events/{event.id}/checkins", json={"rsvp_id": anna.id}, headers=volunteer)
    assert again.json["result"] == "already_checked_in"


def test_an_rsvp_id_of_another_event_or_without_a_ticket_is_unknown(client, session, event, volunteer, now):
    other = make_event(session, starts_at=now + timedelta(hours=1))
    foreign = ticket(session, other, now)
    waiting = ticket(session, event, now, status=RsvpStatus.waitlisted)
    waiting.ticket_code = None
    session.flush()
    for rsvp_id in (foreign.id, waiting.id, 999_999):
        answer = client.post(
            f"/api/v1/events/{event.id}/checkins", json={"rsvp_id": rsvp_id}, headers=volunteer
        )
        assert answer.json["result"] == "unknown_ticket", rsvp_id
        assert answer.json["event"] is None


def test_an_offline_batch_admits_by_rsvp_id_too(client, session, event, volunteer, now):
    by_name, by_code = ticket(session, event, now, name="Sam"), ticket(session, event, now, name="Dora")
    items = [
        {"rsvp_id": by_name.id, "client_scan_id": "n1", "scanned_at": now.isoformat()},
        {"code": by_code.ticket_code, "client_scan_id": "c1", "scanned_at": now.isoformat()},
    ]
    results = client.post(
        f"/api/v1/events/{event.id}/checkins/batch", json={"checkins": items}, headers=volunteer
    ).json["results"]
    assert [r["result"] for r in results] == ["ok", "ok"]
    assert session.query(CheckIn).count() == 2


def test_the_scan_log_keeps_no_whole_ticket_code(client, session, event, volunteer, now):
    rsvp = ticket(session, event, now)
    scan(client, event, volunteer, f"http://meetups.test/t/{rsvp.ticket_code}")
    client.post(f"/api/v1/events/{event.id}/checkins", json={"rsvp_id": rsvp.id}, headers=volunteer)
    scan(client, event, volunteer, "hello, not a ticket")
    texts = [s.scanned_text for s in session.query(Scan).order_by(Scan.id)]
    assert texts == [f"ticket {rsvp.ticket_code[:6]}…", f"name search: RSVP {rsvp.id}", "hello, not a ticket"]
    assert all(rsvp.ticket_code not in text for text in texts)
