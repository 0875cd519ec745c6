"""The events JSON API: create, read, list, edit, publish, cancel, staff."""

from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from meetups.communities.models import CommunityRole
from meetups.events.models import Event, EventStaff, EventStatus, StaffRole
from tests.factories import bearer, event_body, join, make_community, make_event, make_member, make_staff


@pytest.fixture
def organiser(session):
    return make_member(session, name="Olga Organiser")


@pytest.fixture
def community(session, organiser):
    return make_community(session, slug="py", name="Python", organiser=organiser)


def _create(client, session, organiser, **overrides):
    response = client.post(
        "/api/v1/communities/py/events", headers=bearer(session, organiser), json=event_body(**overrides)
    )
    assert response.status_code == 201, response.json
    return response.json["event"]


def _saved(session, event_id: int) -> Event:
    session.expire_all()  # the request wrote through its own session
    return session.get(Event, event_id)


def test_an_organiser_creates_a_draft_with_every_field(client, session, now, community, organiser):
    event = _create(client, session, organiser)
    assert event == {
        "id": event["id"],
        "url": f"http://meetups.test/e/{event['id']}",
        "ics_url": f"http://meetups.test/e/{event['id']}/event.ics",
        "status": "draft",
        "title": "Python evening",
        "description": "Talks and *pizza*.",
        "starts_at": "2030-07-01T17:00:00+00:00",
        "ends_at": "2030-07-01T20:00:00+00:00",
        "timezone": "Europe/Berlin",
        "local_starts_at": "2030-07-01T19:00:00+02:00",
        "local_ends_at": "2030-07-01T22:00:00+02:00",
        "venue": {"name": "Café Central", "address": "Hauptstraße 1, Berlin"},
        "online_url": "",
        "capacity": 40,
        "max_guests": 1,
        "rsvp_mode": "open",
        "waitlist_mode": "auto",
        "offer_hours": 12,
        "rsvp_opens_at": "2030-06-01T07:00:00+00:00",
        "rsvp_closes_at": "2030-07-01T16:00:00+00:00",
        "community": {"slug": "py", "name": "Python"},
        "cancel_reason": "",
        "going_count": 0,
        "seats_taken": 0,
        "waitlist_count": 0,
        "pending_count": 0,
        "offer_cutover_hours": None,
        "late_offer_hours": 2,
        "checkin_opens_at": "2030-07-01T15:00:00+00:00",
        "series_id": None,
        "overbook": 0,
        "close_after_hours": 6,
        "closed_at": None,
        "send_reminders": True,
        "alarm_minutes": 60,
    }
    saved = _saved(session, event["id"])
    assert saved.status is EventStatus.draft
    assert saved.created_by_id == organiser.id


def test_publish_true_publishes_at_once(client, session, now, community, organiser):
    event = _create(client, session, organiser, publish=True)
    assert event["status"] == "published"
    assert _saved(session, event["id"]).published_at == now


def test_only_the_required_fields_are_needed(client, session, now, community, organiser):
    response = client.post(
        "/api/v1/communities/py/events",
        headers=bearer(session, organiser),
        json={
            "title": "Minimal",
            "starts_at": "2030-07-01T19:00",
            "ends_at": "2030-07-01T20:00",
            "timezone": "UTC",
        },
    )
    assert response.status_code == 201, response.json
    event = response.json["event"]
    assert (event["capacity"], event["max_guests"], event["offer_hours"]) == (None, 0, 24)
    assert event["venue"] == {"name": "", "address": ""}
    assert event["rsvp_closes_at"] is None


@pytest.mark.parametrize(
    "starts_at",
    ["2030-07-01T19:00", "2030-07-01T19:00+02:00", "2030-07-01T17:00Z", "2030-07-01T13:00:00-04:00"],
)
def test_times_are_stored_in_utc(client, session, now, community, organiser, starts_at):
    event = _create(client, session, organiser, starts_at=starts_at)
    assert _saved(session, event["id"]).starts_at == datetime(2030, 7, 1, 17, 0, tzinfo=UTC)
    assert event["starts_at"] == "2030-07-01T17:00:00+00:00"
    assert event["local_starts_at"] == "2030-07-01T19:00:00+02:00"


def test_a_wall_clock_time_follows_daylight_saving(client, session, now, community, organiser):
    event = _create(
        client,
        session,
        organiser,
        starts_at="2030-12-01T19:00",
        ends_at="2030-12-01T21:00",
        rsvp_opens_at=None,
        rsvp_closes_at=None,
    )
    assert event["starts_at"] == "2030-12-01T18:00:00+00:00"  # CET, not CEST
    assert event["local_starts_at"] == "2030-12-01T19:00:00+01:00"


def test_anyone_lists_published_upcoming_events_soonest_first(client, session, now, community):
    later = make_event(session, community=community, starts_at=datetime(2030, 5, 2, 18, tzinfo=UTC))
    sooner = make_event(session, community=community, starts_at=datetime(2030, 5, 1, 18, tzinfo=UTC))
    make_event(session, community=community, status=EventStatus.draft)
    make_event(session, community=community, starts_at=datetime(2030, 3, 1, 18, tzinfo=UTC))  # past
    response = client.get("/api/v1/events")
    assert response.status_code == 200
    assert [e["id"] for e in response.json["events"]] == [sooner.id, later.id]
    assert response.json["events"][0]["community"] == {"slug": "py", "name": "Python"}


def test_events_filter_by_community_and_past_and_limit(client, session, now, community):
    other = make_community(session, slug="other")
    mine = [
        make_event(session, community=community, starts_at=datetime(2030, 5, d, 18, tzinfo=UTC))
        for d in (1, 2, 3)
    ]
    make_event(session, community=other)
    old = make_event(session, community=community, starts_at=datetime(2030, 3, 1, 18, tzinfo=UTC))
    older = make_event(session, community=community, starts_at=datetime(2030, 2, 1, 18, tzinfo=UTC))

    response = client.get("/api/v1/events?community=py")
    assert [e["id"] for e in response.json["events"]] == [e.id for e in mine]
    response = client.get("/api/v1/events?community=py&limit=2")
    assert [e["id"] for e in response.json["events"]] == [e.id for e in mine[:2]]
    response = client.get("/api/v1/events?community=py&past=true")
    assert [e["id"] for e in response.json["events"]] == [old.id, older.id]


def test_event_list_query_parameters_are_checked(client, session):
    for query in ("limit=101", "limit=0", "limit=many", "past=perhaps"):
        response = client.get(f"/api/v1/events?{query}")
        assert response.status_code == 422, query
        assert response.json["error"]["code"] == "invalid_input"
    response = client.get("/api/v1/events?community=nope")
    assert response.status_code == 404


def test_anyone_reads_a_published_event(client, session, community):
    event = make_event(session, community=community, title="Open to all")
    response = client.get(f"/api/v1/events/{event.id}")
    assert response.status_code == 200
    assert response.json["event"]["title"] == "Open to all"
    assert response.json["event"]["status"] == "published"


def test_drafts_are_invisible_to_strangers_and_members(client, session, now, community, organiser):
    draft = make_event(session, community=community, status=EventStatus.draft, published_at=None)
    member = make_member(session)
    join(session, community, member)
    for headers in ({}, bearer(session, member)):
        assert client.get(f"/api/v1/events/{draft.id}", headers=headers).status_code == 404
        assert client.get("/api/v1/events", headers=headers).json["events"] == []
    response = client.get(f"/api/v1/events/{draft.id}", headers=bearer(session, organiser))
    assert response.status_code == 200
    assert response.json["event"]["status"] == "draft"


def test_an_unknown_event_is_404(client, session):
    response = client.get("/api/v1/events/999999")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_patch_changes_only_what_it_names(client, session, now, community, organiser):
    event = _create(client, session, organiser)
    response = client.patch(
        f"/api/v1/events/{event['id']}",
        headers=bearer(session, organiser),
        json={"title": "Renamed", "capacity": None, "venue": {"name": "Library"}},
    )
    assert response.status_code == 200, response.json
    changed = response.json["event"]
    assert changed["title"] == "Renamed"
    assert changed["capacity"] is None
    assert changed["venue"] == {"name": "Library", "address": "Hauptstraße 1, Berlin"}
    unchanged = {k: v for k, v in changed.items() if k not in ("title", "capacity", "venue")}
    assert unchanged == {k: v for k, v in event.items() if k not in ("title", "capacity", "venue")}


def test_patching_the_time_zone_keeps_the_wall_clock_times(client, session, now, community, organiser):
    event = _create(client, session, organiser)
    response = client.patch(
        f"/api/v1/events/{event['id']}",
        headers=bearer(session, organiser),
        json={"timezone": "Europe/London"},
    )
    assert response.status_code == 200, response.json
    changed = response.json["event"]
    assert changed["local_starts_at"] == "2030-07-01T19:00:00+01:00"
    assert changed["starts_at"] == "2030-07-01T18:00:00+00:00"
    assert changed["local_ends_at"] == "2030-07-01T22:00:00+01:00"
    assert changed["rsvp_closes_at"] == "2030-07-01T17:00:00+00:00"
    saved = _saved(session, event["id"])
    assert saved.starts_at == datetime(2030, 7, 1, 18, tzinfo=UTC)
    assert saved.sequence == 1  # calendars learn that it moved


def test_patching_the_time_zone_with_new_times_uses_them(client, session, now, community, organiser):
    event = _create(client, session, organiser)
    response = client.patch(
        f"/api/v1/events/{event['id']}",
        headers=bearer(session, organiser),
        json={
            "timezone": "Asia/Tokyo",
            "starts_at": "2030-07-01T16:00+00:00",
            "ends_at": "2030-07-02T04:00",
            "rsvp_closes_at": None,
        },
    )
    assert response.status_code == 200, response.json
    assert response.json["event"]["local_starts_at"] == "2030-07-02T01:00:00+09:00"
    assert response.json["event"]["ends_at"] == "2030-07-01T19:00:00+00:00"  # 04:00 in Tokyo


def test_a_draft_is_published_once(client, session, now, community, organiser):
    event = _create(client, session, organiser)
    for _ in range(2):
        response = client.post(f"/api/v1/events/{event['id']}/publish", headers=bearer(session, organiser))
        assert response.status_code == 200
        assert response.json["event"]["status"] == "published"
    assert client.get(f"/api/v1/events/{event['id']}").status_code == 200


def test_cancelling_twice_is_harmless_and_keeps_the_first_reason(client, session, now, community, organiser):
    event = make_event(session, community=community)
    headers = bearer(session, organiser)
    first = client.post(
        f"/api/v1/events/{event.id}/cancel", headers=headers, json={"reason": "Venue flooded"}
    )
    assert first.status_code == 200, first.json
    assert first.json["event"]["status"] == "cancelled"
    assert first.json["event"]["cancel_reason"] == "Venue flooded"
    second = client.post(f"/api/v1/events/{event.id}/cancel", headers=headers, json={"reason": "Other"})
    assert second.status_code == 200
    assert second.json == first.json
    saved = _saved(session, event.id)
    assert (saved.status, saved.cancelled_at, saved.sequence) == (EventStatus.cancelled, now, 1)


def test_cancel_needs_no_body(client, session, now, community, organiser):
    event = make_event(session, community=community)
    response = client.post(f"/api/v1/events/{event.id}/cancel", headers=bearer(session, organiser))
    assert response.status_code == 200, response.json
    assert response.json["event"]["status"] == "cancelled"


def test_a_cancelled_event_stays_listed_and_cannot_be_edited(client, session, now, community, organiser):
    event = make_event(session, community=community)
    headers = bearer(session, organiser)
    client.post(f"/api/v1/events/{event.id}/cancel", headers=headers, json={})
    assert [e["status"] for e in client.get("/api/v1/events").json["events"]] == ["cancelled"]
    response = client.patch(f"/api/v1/events/{event.id}", headers=headers, json={"title": "Back on"})
    assert response.status_code == 409
    assert response.json["error"]["code"] == "event_cancelled"
    response = client.post(f"/api/v1/events/{event.id}/publish", headers=headers)
    assert response.status_code == 409
    assert _saved(session, event.id).title != "Back on"


def test_an_organiser_adds_lists_and_removes_staff(client, session, now, community, organiser):
    event = make_event(session, community=community)
    volunteer = make_member(session, name="Vera Volunteer", email="vera@example.test")
    headers = bearer(session, organiser)
    response = client.post(
        f"/api/v1/events/{event.id}/staff",
        headers=headers,
        json={"email": " Vera@Example.test ", "role": "volunteer"},
    )
    assert response.status_code == 201, response.json
    staff = response.json["staff"]
    assert staff == {
        "id": staff["id"],
        "member": {"id": volunteer.id, "name": "Vera Volunteer"},
        "role": "volunteer",
    }

    response = client.post(
        f"/api/v1/events/{event.id}/staff",
        headers=headers,
        json={"email": "vera@example.test", "role": "volunteer"},
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "already_staff"

    listed = client.get(f"/api/v1/events/{event.id}/staff", headers=bearer(session, volunteer))
    assert listed.status_code == 200  # volunteers see attendees, and so the team
    assert listed.json == {"staff": [staff]}

    response = client.delete(f"/api/v1/events/{event.id}/staff/{staff['id']}", headers=headers)
    assert response.status_code == 204
    assert session.scalar(select(func.count()).select_from(EventStaff)) == 0
    response = client.delete(f"/api/v1/events/{event.id}/staff/{staff['id']}", headers=headers)
    assert response.status_code == 404


def test_staff_need_a_known_email_and_role(client, session, now, community, organiser):
    event = make_event(session, community=community)
    headers = bearer(session, organiser)
    response = client.post(
        f"/api/v1/events/{event.id}/staff",
        headers=headers,
        json={"email": "nobody@example.test", "role": "speaker"},
    )
    assert response.status_code == 404
    assert response.json["error"]["field"] == "email"
    response = client.post(
        f"/api/v1/events/{event.id}/staff", headers=headers, json={"email": organiser.email, "role": "boss"}
    )
    assert response.status_code == 422
    assert "role" in response.json["error"]["fields"]


def test_a_speaker_cannot_see_the_staff_list(client, session, now, community):
    event = make_event(session, community=community)
    speaker = make_member(session)
    make_staff(session, event, speaker, StaffRole.speaker)
    response = client.get(f"/api/v1/events/{event.id}/staff", headers=bearer(session, speaker))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"


def test_an_event_organiser_who_is_not_a_community_organiser_manages_the_event(
    client, session, now, community
):
    helper = make_member(session)
    join(session, community, helper, CommunityRole.member)
    event = make_event(session, community=community)
    make_staff(session, event, helper, StaffRole.organiser)
    response = client.patch(
        f"/api/v1/events/{event.id}", headers=bearer(session, helper), json={"capacity": 5}
    )
    assert response.status_code == 200
    assert response.json["event"]["capacity"] == 5


@contextmanager
def _queries(session):
    """The SQL statements run on the test's connection, which the requests share."""
    statements, connection = [], session.connection()

    def _record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    sa_event.listen(connection, "before_cursor_execute", _record)
    try:
        yield statements
    finally:
        sa_event.remove(connection, "before_cursor_execute", _record)


def test_list_pages_run_a_fixed_number_of_queries(client, session, community):
    make_event(session, community=community)
    with _queries(session) as few:
        assert len(client.get("/api/v1/events").json["events"]) == 1
        assert len(client.get("/api/v1/communities").json["communities"]) == 1
    for n in range(5):
        make_event(session, community=make_community(session, slug=f"more-{n}"))
    with _queries(session) as many:
        assert len(client.get("/api/v1/events").json["events"]) == 6
        assert len(client.get("/api/v1/communities").json["communities"]) == 6
    assert len(many) == len(few)


def test_the_staff_list_runs_a_fixed_number_of_queries(client, session, now, community, organiser):
    event = make_event(session, community=community)
    headers = bearer(session, organiser)
    make_staff(session, event, make_member(session))
    with _queries(session) as few:
        assert len(client.get(f"/api/v1/events/{event.id}/staff", headers=headers).json["staff"]) == 1
    for role in StaffRole:
        make_staff(session, event, make_member(session), role)
    with _queries(session) as many:
        assert len(client.get(f"/api/v1/events/{event.id}/staff", headers=headers).json["staff"]) == 4
    assert len(many) == len(few)
