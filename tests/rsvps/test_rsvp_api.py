from datetime import timedelta

import pytest

from meetups.accounts import service as accounts
from meetups.events.models import RsvpMode, StaffRole
from meetups.rsvps.models import Question, Rsvp, RsvpLog
from tests.factories import make_community, make_event, make_member, make_staff


@pytest.fixture
def bearer(session, now):
    def _bearer(member):
        _token, plain = accounts.create_token(session, member, name="test", now=now)
        return {"Authorization": f"Bearer {plain}"}

    return _bearer


@pytest.fixture
def event(session, now):
    return make_event(session, community=make_community(session), capacity=2, max_guests=2)


def test_rsvp_returns_status_guests_position_and_ticket(client, session, event, bearer):
    member = make_member(session)
    response = client.post(f"/api/v1/events/{event.id}/rsvp", json={"guests": 1}, headers=bearer(member))
    assert response.status_code == 200, response.json
    rsvp = response.json["rsvp"]
    assert rsvp["status"] == "going" and rsvp["guests"] == 1 and rsvp["waitlist_position"] is None
    assert rsvp["ticket"]["url"] == f"http://meetups.test/t/{rsvp['ticket']['code']}"
    other = client.post(f"/api/v1/events/{event.id}/rsvp", json={}, headers=bearer(make_member(session)))
    third = client.post(f"/api/v1/events/{event.id}/rsvp", json={}, headers=bearer(make_member(session)))
    assert [other.json["rsvp"]["waitlist_position"], third.json["rsvp"]["waitlist_position"]] == [1, 2]
    assert third.json["rsvp"]["status"] == "waitlisted" and third.json["rsvp"]["ticket"] is None


def test_cancel_frees_the_seat_and_my_rsvps_lists_it(client, session, event, bearer):
    member = make_member(session)
    headers = bearer(member)
    client.post(f"/api/v1/events/{event.id}/rsvp", json={}, headers=headers)
    mine = client.get("/api/v1/me/rsvps", headers=headers).json["rsvps"]
    assert [r["event"]["id"] for r in mine] == [event.id]
    response = client.delete(f"/api/v1/events/{event.id}/rsvp", headers=headers)
    assert response.json["rsvp"]["status"] == "cancelled" and response.json["rsvp"]["ticket"] is None


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"guests": -1}, 422, "invalid_input"),
        ({"guests": "two"}, 422, "invalid_input"),
        ({"guests": 3}, 422, "too_many_guests"),
        ({"answers": {"999": "x"}}, 422, "invalid_answer"),
        ({"surprise": 1}, 422, "invalid_input"),
    ],
)
def test_bad_rsvp_bodies_get_stable_codes_and_write_nothing(
    client, session, event, bearer, body, status, code
):
    response = client.post(f"/api/v1/events/{event.id}/rsvp", json=body, headers=bearer(make_member(session)))
    assert response.status_code == status, response.json
    assert response.json["error"]["code"] == code and response.json["error"]["message"]
    assert session.query(Rsvp).count() == 0


def test_malformed_json_and_lists_are_refused(client, session, event, bearer):
    headers = {**bearer(make_member(session)), "Content-Type": "application/json"}
    assert (
        client.post(f"/api/v1/events/{event.id}/rsvp", data="{", headers=headers).json["error"]["code"]
        == "invalid_json"
    )
    assert client.post(f"/api/v1/events/{event.id}/rsvp", data="[]", headers=headers).status_code == 400


def test_questions_required_and_choices_are_checked(client, session, event, bearer):
    organiser = make_member(session, is_admin=True)
    response = client.put(
        f"/api/v1/events/{event.id}/questions",
        headers=bearer(organiser),
        json={
            "questions": [
                {"kind": "single", "label": "T-shirt", "options": ["S", "M", "L"], "required": True},
                {"kind": "multi", "label": "Days", "options": ["Sat", "Sun"]},
                {"kind": "yes_no", "label": "Photos OK?"},
                {"builtin": "dietary"},
            ]
        },
    )
    assert response.status_code == 200, response.json
    qs = {q["label"]: q["id"] for q in response.json["questions"]}
    member_headers = bearer(make_member(session))
    url = f"/api/v1/events/{event.id}/rsvp"
    missing = client.post(url, json={"answers": {}}, headers=member_headers)
    assert missing.json["error"]["code"] == "answer_required"
    wrong = client.post(url, json={"answers": {str(qs["T-shirt"]): "XXL"}}, headers=member_headers)
    assert wrong.json["error"]["code"] == "invalid_answer"
    ok = client.post(
        url,
        headers=member_headers,
        json={
            "answers": {
                str(qs["T-shirt"]): "M",
                str(qs["Days"]): ["Sun", "Sat"],
                str(qs["Photos OK?"]): False,
                str(qs["Dietary requirements"]): "vegan",
            }
        },
    )
    assert ok.status_code == 200, ok.json
    rsvp = session.get(Rsvp, ok.json["rsvp"]["id"])
    assert rsvp.answers == {
        str(qs["T-shirt"]): "M",
        str(qs["Days"]): ["Sat", "Sun"],
        str(qs["Photos OK?"]): False,
        str(qs["Dietary requirements"]): "vegan",
    }
    public = client.get(f"/api/v1/events/{event.id}/questions").json["questions"]
    assert len(public) == 4 and "answers" not in str(public)


def test_bad_question_definitions_are_refused(client, session, event, bearer):
    headers = bearer(make_member(session, is_admin=True))
    for questions in (
        [{"kind": "single", "label": "Pick", "options": ["only one"]}],
        [{"kind": "essay", "label": "x"}],
        [{"builtin": "shoe size"}],
        [{"kind": "short_text"}],
    ):
        response = client.put(
            f"/api/v1/events/{event.id}/questions", json={"questions": questions}, headers=headers
        )
        assert response.status_code == 422, (questions, response.json)
    assert session.query(Question).count() == 0


def test_approval_flow_over_the_api(client, session, now, bearer):
    event = make_event(session, capacity=5, rsvp_mode=RsvpMode.approval)
    organiser = make_member(session)
    make_staff(session, event, organiser, StaffRole.organiser)
    member = make_member(session)
    rsvp = client.post(f"/api/v1/events/{event.id}/rsvp", json={}, headers=bearer(member)).json["rsvp"]
    assert rsvp["status"] == "pending"
    listed = client.get(f"/api/v1/events/{event.id}/attendees", headers=bearer(organiser)).json
    assert listed["counts"]["pending"] == 1 and listed["attendees"][0]["member"]["email"] == member.email
    approved = client.post(
        f"/api/v1/rsvps/{rsvp['id']}/approve", json={"message": "Welcome!"}, headers=bearer(organiser)
    )
    assert approved.json["rsvp"]["status"] == "going" and approved.json["rsvp"]["ticket"]


def test_manual_move_and_promote_are_logged(client, session, now, bearer):
    event = make_event(session, capacity=1)
    organiser = make_member(session, is_admin=True)
    ids = [
        client.post(f"/api/v1/events/{event.id}/rsvp", json={}, headers=bearer(make_member(session))).json[
            "rsvp"
        ]["id"]
        for _ in range(3)
    ]
    moved = client.post(
        f"/api/v1/rsvps/{ids[2]}/move", json={"position": 1, "reason": "host"}, headers=bearer(organiser)
    )
    assert moved.json["rsvp"]["waitlist_position"] == 1
    full = client.post(f"/api/v1/rsvps/{ids[2]}/promote", json={"reason": "host"}, headers=bearer(organiser))
    assert full.status_code == 409 and full.json["error"]["code"] == "not_enough_seats"
    assert session.query(RsvpLog).filter_by(action="moved", actor_id=organiser.id).count() == 1


STAFF_ENDPOINTS = [
    ("get", "/api/v1/events/{event}/attendees", None),
    ("post", "/api/v1/rsvps/{rsvp}/approve", {}),
    ("post", "/api/v1/rsvps/{rsvp}/decline", {}),
    ("post", "/api/v1/rsvps/{rsvp}/promote", {"reason": "x"}),
    ("post", "/api/v1/rsvps/{rsvp}/move", {"position": 1, "reason": "x"}),
    ("put", "/api/v1/events/{event}/questions", {"questions": []}),
]


@pytest.mark.parametrize(("method", "path", "body"), STAFF_ENDPOINTS)
@pytest.mark.parametrize("who", ["stranger", "member", "volunteer_elsewhere", "speaker"])
def test_staff_endpoints_refuse_others(client, session, now, bearer, method, path, body, who):
    event = make_event(session, capacity=1, rsvp_mode=RsvpMode.approval)
    rsvp = Rsvp(event=event, member=make_member(session), status="pending", created_at=now, updated_at=now)
    session.add(rsvp)
    session.flush()
    headers = {}
    if who != "stranger":
        actor = make_member(session)
        if who == "volunteer_elsewhere":
            make_staff(session, make_event(session), actor, StaffRole.volunteer)
        if who == "speaker":
            make_staff(session, event, actor, StaffRole.speaker)
        headers = bearer(actor)
    response = getattr(client, method)(path.format(event=event.id, rsvp=rsvp.id), json=body, headers=headers)
    assert response.status_code == (401 if who == "stranger" else 403), response.json
    assert session.get(Rsvp, rsvp.id).status == "pending"


def test_offer_claim_after_expiry_is_refused_and_the_seat_passes_on(
    client, session, now, bearer, monkeypatch
):
    from meetups import clock
    from meetups.events.models import WaitlistMode

    event = make_event(session, capacity=1, waitlist_mode=WaitlistMode.offer, offer_hours=1)
    a, b = make_member(session), make_member(session)
    client.post(f"/api/v1/events/{event.id}/rsvp", json={}, headers=bearer(a))
    client.post(f"/api/v1/events/{event.id}/rsvp", json={}, headers=bearer(b))
    client.delete(f"/api/v1/events/{event.id}/rsvp", headers=bearer(a))
    monkeypatch.setattr(clock, "now", lambda: now + timedelta(hours=2))
    response = client.post(f"/api/v1/events/{event.id}/rsvp", json={}, headers=bearer(b))
    assert response.status_code == 409 and response.json["error"]["code"] == "offer_expired"
    assert client.get(f"/e/{event.id}").status_code == 200  # the next look at the event passes it on
    rsvp = session.query(Rsvp).filter_by(member_id=b.id).one()
    session.refresh(rsvp)
    assert rsvp.status == "cancelled" and rsvp.end_reason == "offer_expired"


def test_an_event_is_created_with_its_questions_and_shows_counts(client, session, now, bearer):
    from tests.factories import make_community

    admin = make_member(session, is_admin=True)
    community = make_community(session)
    body = {
        "title": "Workshop",
        "starts_at": "2030-07-01T19:00",
        "ends_at": "2030-07-01T21:00",
        "timezone": "Europe/Berlin",
        "capacity": 1,
        "publish": True,
        "questions": [{"kind": "yes_no", "label": "Laptop?", "required": True}, {"builtin": "dietary"}],
    }
    created = client.post(f"/api/v1/communities/{community.slug}/events", json=body, headers=bearer(admin))
    assert created.status_code == 201, created.json
    event_id = created.json["event"]["id"]
    asked = client.get(f"/api/v1/events/{event_id}/questions").json["questions"]
    assert [q["label"] for q in asked] == ["Laptop?", "Dietary requirements"]
    laptop = str(asked[0]["id"])
    for _ in range(2):
        client.post(
            f"/api/v1/events/{event_id}/rsvp",
            json={"answers": {laptop: True}},
            headers=bearer(make_member(session)),
        )
    event = client.get(f"/api/v1/events/{event_id}").json["event"]
    assert (event["going_count"], event["waitlist_count"], event["seats_taken"]) == (1, 1, 1)


def test_bad_questions_at_creation_write_no_event(client, session, now, bearer):
    from meetups.events.models import Event
    from tests.factories import make_community

    community = make_community(session)
    body = {
        "title": "Workshop",
        "starts_at": "2030-07-01T19:00",
        "ends_at": "2030-07-01T21:00",
        "timezone": "Europe/Berlin",
        "questions": [{"kind": "single", "label": "Pick", "options": ["one"]}],
    }
    response = client.post(
        f"/api/v1/communities/{community.slug}/events",
        json=body,
        headers=bearer(make_member(session, is_admin=True)),
    )
    assert response.status_code == 422 and session.query(Event).count() == 0


def test_the_attendee_api_gives_emails_and_answers_to_organisers_only(client, session, event, bearer):
    from meetups.rsvps import questions

    organiser, volunteer = make_member(session), make_member(session)
    make_staff(session, event, organiser, StaffRole.organiser)
    make_staff(session, event, volunteer, StaffRole.volunteer)
    questions.set_questions(session, event=event, actor=organiser, items=[{"builtin": "dietary"}])
    attendee = make_member(session, email="dan@example.org")
    client.post(
        f"/api/v1/events/{event.id}/rsvp",
        json={"answers": {str(session.query(Question).one().id): "vegan"}},
        headers=bearer(attendee),
    )
    url = f"/api/v1/events/{event.id}/attendees"
    seen_by_organiser = client.get(url, headers=bearer(organiser)).json["attendees"][0]
    assert seen_by_organiser["member"]["email"] == "dan@example.org"
    assert list(seen_by_organiser["answers"].values()) == ["vegan"]
    seen_by_volunteer = client.get(url, headers=bearer(volunteer)).json["attendees"][0]
    assert seen_by_volunteer["member"] == {"id": attendee.id, "name": attendee.name, "email": None}
    assert seen_by_volunteer["answers"] is None and "dan@example.org" not in str(seen_by_volunteer)
    assert seen_by_volunteer["ticket"] is None and seen_by_organiser["ticket"]["code"]  # no usable ticket
