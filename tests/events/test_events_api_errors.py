"""Refused event input: each problem has a stable code, a message for people, and leaves nothing behind."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from meetups.events.models import Event
from tests.factories import bearer, event_body, make_community, make_event, make_member


@pytest.fixture
def organiser(session):
    organiser = make_member(session)
    make_community(session, slug="py", organiser=organiser)
    return organiser


def _events(session) -> int:
    return session.scalar(select(func.count()).select_from(Event))


def _post(client, headers, **kwargs):
    return client.post("/api/v1/communities/py/events", headers=headers, **kwargs)


def _assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.json
    error = response.json["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and len(error["message"]) > 5
    return error


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ('{"title": "Unclosed"', "not valid JSON"),
        ("[1, 2, 3]", "JSON object"),
        ('"just text"', "JSON object"),
        (b"\xff\xfe not utf-8", "not valid JSON"),
    ],
    ids=["malformed", "list", "string", "binary"],
)
def test_a_body_that_is_not_a_json_object_is_400(client, session, organiser, now, data, problem):
    response = _post(client, bearer(session, organiser), data=data, content_type="application/json")
    error = _assert_error(response, 400, "invalid_json")
    assert problem in error["message"]
    assert _events(session) == 0


# (change to a valid body, status, code, the field the error names)
CASES = {
    "unknown field": ({"colour": "red"}, 422, "colour"),
    "unknown venue field": ({"venue": {"name": "Hall", "floor": 3}}, 422, "venue.floor"),
    "capacity as text": ({"capacity": "ten"}, 422, "capacity"),
    "capacity as a fraction": ({"capacity": 10.5}, 422, "capacity"),
    "capacity as a boolean": ({"capacity": True}, 422, "capacity"),
    "title as a number": ({"title": 42}, 422, "title"),
    "publish as text": ({"publish": "yes"}, 422, "publish"),
    "venue as text": ({"venue": "Café"}, 422, "venue"),
    "unknown rsvp mode": ({"rsvp_mode": "lottery"}, 422, "rsvp_mode"),
    "missing title": ({"title": None}, 422, "title"),
    "blank title": ({"title": "   "}, 422, "title"),
    "title too long": ({"title": "x" * 201}, 422, "title"),
    "end before start": ({"ends_at": "2030-07-01T18:00"}, 422, "ends_at"),
    "end equals start": ({"ends_at": "2030-07-01T17:00Z"}, 422, "ends_at"),
    "unknown time zone": ({"timezone": "Mars/Olympus_Mons"}, 422, "timezone"),
    "not a date": ({"starts_at": "next tuesday"}, 422, "starts_at"),
    "negative capacity": ({"capacity": -1}, 422, "capacity"),
    "too many guests": ({"max_guests": 500}, 422, "max_guests"),
    "offer hours zero": ({"offer_hours": 0}, 422, "offer_hours"),
    "rsvps close after the end": ({"rsvp_closes_at": "2030-07-02T09:00"}, 422, "rsvp_closes_at"),
    "rsvps open after they close": ({"rsvp_opens_at": "2030-07-01T18:30"}, 422, "rsvp_opens_at"),
    "link without a scheme": ({"online_url": "javascript:alert(1)"}, 422, "online_url"),
}


def _field(error: dict) -> str:
    """Request validation lists every field in `fields`; the service names the first problem in `field`."""
    return error.get("field") or next(iter(error["fields"]))


@pytest.mark.parametrize(("change", "status", "field"), CASES.values(), ids=CASES.keys())
def test_bad_event_input_is_refused_and_nothing_is_saved(
    client, session, organiser, now, change, status, field
):
    body = event_body(**change)
    if body["title"] is None:
        del body["title"]
    error = _assert_error(_post(client, bearer(session, organiser), json=body), status, "invalid_input")
    assert _field(error) == field
    assert _events(session) == 0


def test_validation_errors_name_the_field_in_the_message(client, session, organiser, now):
    error = _assert_error(
        _post(client, bearer(session, organiser), json=event_body(capacity="ten")), 422, "invalid_input"
    )
    assert error["message"].startswith("capacity:")
    assert error["fields"]["capacity"]


def test_service_errors_speak_plainly(client, session, organiser, now):
    headers = bearer(session, organiser)
    cases = {
        "ends_at": "The event must end after it starts.",
        "timezone": "Europe/Berlin",
        "title": "at most 200 characters",
    }
    bodies = {
        "ends_at": event_body(ends_at="2030-07-01T18:00"),
        "timezone": event_body(timezone="Berlin"),
        "title": event_body(title="x" * 201),
    }
    for field, text in cases.items():
        error = _assert_error(_post(client, headers, json=bodies[field]), 422, "invalid_input")
        assert text in error["message"]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"capacity": -5}, 422, "capacity"),
        ({"timezone": "Nowhere/Special"}, 422, "timezone"),
        ({"starts_at": "2030-05-01T20:00+00:00"}, 422, "ends_at"),
        ({"title": None}, 422, "title"),
        ({"ends_at": 12}, 422, "ends_at"),
        ({"questions": []}, 422, "questions"),
    ],
    ids=["capacity", "timezone", "end before start", "null title", "number time", "unknown field"],
)
def test_a_bad_patch_changes_nothing(client, session, organiser, now, change, status, field):
    event = make_event(session, community=make_community(session, organiser=organiser))
    before = {c.name: getattr(event, c.name) for c in Event.__table__.columns}
    response = client.patch(f"/api/v1/events/{event.id}", headers=bearer(session, organiser), json=change)
    assert _field(_assert_error(response, status, "invalid_input")) == field
    session.expire_all()
    assert {c.name: getattr(session.get(Event, event.id), c.name) for c in Event.__table__.columns} == before


def test_a_cancel_reason_too_long_is_refused(client, session, organiser, now):
    event = make_event(session, community=make_community(session, organiser=organiser))
    response = client.post(
        f"/api/v1/events/{event.id}/cancel", headers=bearer(session, organiser), json={"reason": "x" * 501}
    )
    assert _field(_assert_error(response, 422, "invalid_input")) == "reason"
    session.expire_all()
    assert not session.get(Event, event.id).is_cancelled


JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**12), 10**12)
    | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
FIELDS = [
    "title",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "venue",
    "online_url",
    "capacity",
    "max_guests",
    "rsvp_mode",
    "waitlist_mode",
    "offer_hours",
    "rsvp_opens_at",
    "rsvp_closes_at",
    "publish",
]


@settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(changes=st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=3))
def test_no_input_makes_the_api_fail(client, session, organiser, now, changes):
    response = _post(
        client,
        bearer(session, organiser),
        data=json.dumps(event_body(**changes)),
        content_type="application/json",
    )
    assert response.status_code in (201, 422), response.json
    if response.status_code == 422:
        assert response.json["error"]["code"] == "invalid_input"


@pytest.mark.parametrize(
    "request_args",
    [
        ("POST", "/api/v1/communities/py/events", {"json": event_body(title="Nul\x00byte")}),
        (
            "POST",
            "/api/v1/communities/py/events",
            {"json": event_body(venue={"name": "a", "address": "\x00"})},
        ),
        ("GET", "/api/v1/communities/p%00y", {}),
        ("GET", "/api/v1/events?community=p%00y", {}),
    ],
    ids=["title", "nested", "path", "query"],
)
def test_nul_characters_are_refused_before_the_database_sees_them(
    client, session, organiser, now, request_args
):
    method, url, kwargs = request_args  # PostgreSQL would fail on them with a 500
    response = client.open(url, method=method, headers=bearer(session, organiser), **kwargs)
    _assert_error(response, 422, "invalid_input")
    assert _events(session) == 0
