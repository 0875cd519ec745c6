"""Every organiser and admin endpoint refuses a stranger (401) and a plain member (403); neither writes."""

import pytest
from sqlalchemy import select

from meetups.communities.models import Community, Membership
from meetups.events.models import Event, EventStaff, StaffRole
from tests.factories import bearer, event_body, join, make_community, make_event, make_member, make_staff


@pytest.fixture
def scene(session):
    organiser, member = make_member(session), make_member(session)
    community = make_community(session, slug="py", organiser=organiser)
    join(session, community, member)  # a member of the community, but no organiser
    event = make_event(session, community=community)
    staff = make_staff(session, event, make_member(session), StaffRole.speaker)
    return {"organiser": organiser, "member": member, "event": event, "staff": staff}


# (method, URL template, JSON body); the bodies are valid, so only the caller is wrong
ENDPOINTS = {
    "create community": ("POST", "/api/v1/communities", {"slug": "fresh", "name": "Fresh"}),
    "create event": ("POST", "/api/v1/communities/py/events", event_body()),
    "update event": ("PATCH", "/api/v1/events/{event}", {"title": "Hijacked", "capacity": 1}),
    "publish event": ("POST", "/api/v1/events/{event}/publish", None),
    "cancel event": ("POST", "/api/v1/events/{event}/cancel", {"reason": "Because"}),
    "add staff": ("POST", "/api/v1/events/{event}/staff", {"email": "{member_email}", "role": "organiser"}),
    "list staff": ("GET", "/api/v1/events/{event}/staff", None),
    "remove staff": ("DELETE", "/api/v1/events/{event}/staff/{staff}", None),
}


def _snapshot(session) -> dict:
    """Every row the endpoints could write, as plain values."""
    session.expire_all()
    tables = {model: select(model) for model in (Community, Membership, Event, EventStaff)}
    return {
        model.__tablename__: sorted(
            tuple(getattr(row, c.name) for c in model.__table__.columns) for row in session.scalars(query)
        )
        for model, query in tables.items()
    }


def _call(client, session, scene, endpoint: str, headers: dict):
    method, url, body = ENDPOINTS[endpoint]
    url = url.format(event=scene["event"].id, staff=scene["staff"].id)
    if body and body.get("email") == "{member_email}":
        body = {**body, "email": scene["member"].email}
    return client.open(url, method=method, headers=headers, json=body)


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_stranger_is_asked_to_log_in(client, session, now, scene, endpoint):
    before = _snapshot(session)
    response = _call(client, session, scene, endpoint, headers={})
    assert response.status_code == 401, response.json
    assert response.json["error"]["code"] == "login_required"
    assert response.json["error"]["message"]
    assert _snapshot(session) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_plain_member_is_refused(client, session, now, scene, endpoint):
    headers = bearer(session, scene["member"])
    before = _snapshot(session)
    response = _call(client, session, scene, endpoint, headers=headers)
    assert response.status_code == 403, response.json
    assert response.json["error"]["code"] == "forbidden"
    assert response.json["error"]["message"]
    assert _snapshot(session) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_a_wrong_token_is_refused(client, session, now, scene, endpoint):
    before = _snapshot(session)
    response = _call(client, session, scene, endpoint, headers={"Authorization": "Bearer mtk_not-a-token"})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "login_required"
    assert _snapshot(session) == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e not in ("create community", "create event")])
def test_the_event_speaker_cannot_manage_it_either(client, session, now, scene, endpoint):
    speaker = scene["staff"].member
    before = _snapshot(session)
    response = _call(client, session, scene, endpoint, headers=bearer(session, speaker))
    assert response.status_code == 403, response.json
    assert _snapshot(session) == before


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e != "create community"])
def test_the_organiser_may(client, session, now, scene, endpoint):
    response = _call(client, session, scene, endpoint, headers=bearer(session, scene["organiser"]))
    assert response.status_code in (200, 201, 204), response.json


def test_a_plain_member_does_not_learn_that_a_draft_exists(client, session, now, scene):
    draft = make_event(session, community=scene["event"].community, status="draft", published_at=None)
    headers = bearer(session, scene["member"])
    for method, url in [
        ("PATCH", f"/api/v1/events/{draft.id}"),
        ("POST", f"/api/v1/events/{draft.id}/publish"),
        ("POST", f"/api/v1/events/{draft.id}/cancel"),
        ("GET", f"/api/v1/events/{draft.id}/staff"),
    ]:
        response = client.open(url, method=method, headers=headers, json={} if method != "GET" else None)
        assert response.status_code == 404, url
        assert response.json["error"]["code"] == "not_found"
