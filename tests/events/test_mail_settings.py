"""The event's reminder emails and calendar alarm: set in the form and the API like every other field, checked
in one place, copied to the later dates of a series."""

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from meetups.events import series
from meetups.events.models import Event
from tests.events.test_event_organiser_views import event_form
from tests.factories import bearer, event_body, make_community, make_event, make_member


@pytest.fixture
def organiser(session):
    return make_member(session, name="Olga Organiser")


@pytest.fixture
def community(session, organiser):
    return make_community(session, slug="py", organiser=organiser)


@pytest.fixture
def event(session, community):
    return make_event(session, community=community, starts_at=datetime(2030, 6, 1, 17, tzinfo=UTC))


def _saved(session, event_id: int) -> Event:
    session.expire_all()  # the request wrote through its own session
    return session.get(Event, event_id)


# The form


def test_a_new_event_reminds_and_rings_an_hour_before_unless_changed(
    client, session, now, login, organiser, community
):
    login(organiser)

    page = client.get(f"/c/{community.slug}/events/new")

    assert "Remind people going by email 24 hours and 2 hours before" in page.text
    assert 'id="send_reminders" name="send_reminders" type="checkbox" value="y"' in page.text
    assert 'checked id="send_reminders"' in page.text
    assert "Calendar alarm: minutes before (empty for none)" in page.text
    assert re.search(r'<input[^>]* id="alarm_minutes"[^>]* value="60"', page.text)


@pytest.mark.parametrize(
    ("posted", "saved"),
    [
        ({"send_reminders": "y", "alarm_minutes": "30"}, (True, 30)),
        # an unticked box is not sent at all
        ({"alarm_minutes": ""}, (False, None)),
        ({"send_reminders": "y", "alarm_minutes": "0"}, (True, 0)),  # at the start
    ],
    ids=["on, half an hour", "off, no alarm", "alarm at the start"],
)
def test_the_form_saves_both(client, session, now, login, organiser, community, posted, saved):
    login(organiser)

    response = client.post(f"/c/{community.slug}/events/new", data={**event_form(**posted), "save": "1"})

    assert response.status_code == 302
    event = session.scalar(select(Event).where(Event.community_id == community.id))
    assert (event.send_reminders, event.alarm_minutes) == saved


def test_the_edit_form_shows_and_changes_them(client, session, now, login, organiser, event):
    event.send_reminders, event.alarm_minutes = False, None
    session.flush()
    login(organiser)

    page = client.get(f"/e/{event.id}/edit")
    assert 'checked id="send_reminders"' not in page.text
    assert re.search(r'<input[^>]* id="alarm_minutes"[^>]* value=""', page.text)

    data = {**event_form(starts_at="2030-06-01T19:00", ends_at="2030-06-01T21:00"), "save": "1"}
    response = client.post(
        f"/e/{event.id}/edit", data={**data, "send_reminders": "y", "alarm_minutes": "1440"}
    )
    assert response.status_code == 302
    assert (_saved(session, event.id).send_reminders, _saved(session, event.id).alarm_minutes) == (True, 1440)
    assert _saved(session, event.id).sequence == 0  # no new time or place: calendars are not asked to update


def test_an_edit_can_turn_both_off(client, session, now, login, organiser, event):
    login(organiser)

    data = {**event_form(starts_at="2030-06-01T19:00", ends_at="2030-06-01T21:00"), "save": "1"}
    response = client.post(f"/e/{event.id}/edit", data={**data, "alarm_minutes": ""})

    assert response.status_code == 302
    assert (_saved(session, event.id).send_reminders, _saved(session, event.id).alarm_minutes) == (
        False,
        None,
    )


def test_an_alarm_beyond_a_week_is_refused_by_its_field(client, session, now, login, organiser, community):
    login(organiser)

    page = client.post(
        f"/c/{community.slug}/events/new", data={**event_form(alarm_minutes="10081"), "save": "1"}
    )

    assert page.status_code == 422
    assert (
        '<p class="field-error" id="alarm_minutes-error">The calendar alarm is a whole number of minutes'
        in (page.text)
    )
    assert "from 0 to 10080 (a week)" in page.text
    assert session.scalar(select(Event).where(Event.community_id == community.id)) is None


# The API


@pytest.mark.parametrize(
    ("given", "saved"),
    [
        ({}, (True, 60)),
        ({"send_reminders": False, "alarm_minutes": 5}, (False, 5)),
        ({"alarm_minutes": None}, (True, None)),
    ],
    ids=["defaults", "given", "no alarm"],
)
def test_the_api_creates_with_the_defaults_or_what_it_is_given(
    client, session, now, community, organiser, given, saved
):
    response = client.post(
        "/api/v1/communities/py/events", headers=bearer(session, organiser), json=event_body(**given)
    )
    assert response.status_code == 201, response.json
    assert (response.json["event"]["send_reminders"], response.json["event"]["alarm_minutes"]) == saved


def test_a_patch_changes_only_the_one_it_names(client, session, now, organiser, event):
    headers = bearer(session, organiser)

    off = client.patch(f"/api/v1/events/{event.id}", headers=headers, json={"send_reminders": False})
    no_alarm = client.patch(f"/api/v1/events/{event.id}", headers=headers, json={"alarm_minutes": None})

    assert off.status_code == no_alarm.status_code == 200, (off.json, no_alarm.json)
    assert (off.json["event"]["send_reminders"], off.json["event"]["alarm_minutes"]) == (False, 60)
    assert (no_alarm.json["event"]["send_reminders"], no_alarm.json["event"]["alarm_minutes"]) == (
        False,
        None,
    )
    assert _saved(session, event.id).sequence == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"alarm_minutes": 10081}, "from 0 to 10080 (a week)"),
        ({"alarm_minutes": -1}, "from 0 to 10080 (a week)"),
        ({"alarm_minutes": "60"}, ""),  # the schema wants a number
        ({"alarm_minutes": True}, ""),
        ({"send_reminders": None}, "Reminder emails must be true or false."),
        ({"send_reminders": "yes"}, ""),
    ],
    ids=["over a week", "negative", "text", "boolean alarm", "null", "text flag"],
)
def test_bad_values_are_refused_and_change_nothing(client, session, now, organiser, event, change, message):
    response = client.patch(f"/api/v1/events/{event.id}", headers=bearer(session, organiser), json=change)

    assert response.status_code == 422, response.json
    error = response.json["error"]
    assert error["code"] == "invalid_input"
    assert (error.get("field") or next(iter(error["fields"]))) == next(iter(change))
    assert message in error["message"]
    saved = _saved(session, event.id)
    assert (saved.send_reminders, saved.alarm_minutes) == (True, 60)


def test_the_api_documents_both(client, session):
    schemas = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    for schema in ("EventIn", "EventChanges", "EventEnvelope.EventOut"):
        assert {"send_reminders", "alarm_minutes"} <= set(schemas[schema]["properties"]), schema


# Series


@pytest.mark.parametrize(
    "settings",
    [(False, 15), (True, None)],
    ids=["off, 15", "no alarm"],
)
def test_later_dates_of_a_series_keep_the_settings(session, now, organiser, event, settings):
    event.send_reminders, event.alarm_minutes = settings
    created = series.repeat_event(session, event=event, actor=organiser, frequency="weekly", count=3, now=now)
    assert [(e.send_reminders, e.alarm_minutes) for e in created] == [settings] * 2
