"""Managing my feed: the /me actions (CSRF, login), the JSON API, and the includes for event, ticket and
settings pages."""

import re
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from flask import render_template_string
from flask_login import login_user
from sqlalchemy import select

from meetups.calendars import links
from meetups.calendars.models import CalendarFeed
from meetups.events.models import EventStatus
from tests.factories import bearer, make_event, make_member


def settings_of(session, member):
    return session.scalar(select(CalendarFeed).where(CalendarFeed.member_id == member.id))


# The /me actions


@pytest.mark.parametrize("path", ["/me/calendar/reset", "/me/calendar/settings"])
def test_strangers_are_sent_to_log_in(client, session, now, path):
    response = client.post(path, data={"include_community_events": "y"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("path", ["/me/calendar/reset", "/me/calendar/settings"])
def test_the_me_actions_need_the_csrf_token(csrf_client, session, now, path):
    me = make_member(session)
    with csrf_client.session_transaction() as cookie:
        cookie["_user_id"], cookie["_fresh"] = me.get_id(), True

    refused = csrf_client.post(path, data={"include_community_events": "y"})

    assert refused.status_code == 400
    assert settings_of(session, me) is None


def test_the_setting_and_the_reset_each_change_only_their_part(client, session, now, login, site):
    me = make_member(session)
    login(me)
    first = links.calendar_url(session, me, site=site)

    client.post("/me/calendar/settings", data={"include_community_events": "y"})
    assert links.calendar_url(session, me, site=site) == first  # the setting keeps the link
    assert settings_of(session, me).include_community_events is True

    client.post("/me/calendar/reset")
    assert links.calendar_url(session, me, site=site) != first
    assert settings_of(session, me).include_community_events is True  # and the reset keeps the setting


def test_reading_my_link_writes_nothing(session, now, site):
    me = make_member(session)
    assert links.calendar_url(session, me, site=site) == links.calendar_url(session, me, site=site)
    assert settings_of(session, me) is None


# The JSON API


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "/api/v1/me/calendar"), ("put", "/api/v1/me/calendar"), ("post", "/api/v1/me/calendar/reset")],
)
def test_the_api_needs_a_member(client, session, now, method, path):
    response = getattr(client, method)(path, json={"include_community_events": True})
    assert response.status_code == 401
    assert response.json["error"]["code"] == "login_required"


def test_the_api_shows_changes_and_resets_my_feed(client, session, now):
    me = make_member(session)
    headers = bearer(session, me)

    shown = client.get("/api/v1/me/calendar", headers=headers).json
    assert shown["calendar_url"].startswith(f"http://meetups.test/calendar/{me.id}-")
    assert shown["webcal_url"] == shown["calendar_url"].replace("http://", "webcal://")
    assert shown["include_community_events"] is False

    changed = client.put("/api/v1/me/calendar", json={"include_community_events": True}, headers=headers).json
    assert changed == {**shown, "include_community_events": True}

    reset = client.post("/api/v1/me/calendar/reset", headers=headers)
    assert reset.status_code == 200
    assert reset.json["calendar_url"] != shown["calendar_url"]
    assert client.get(urlsplit(shown["calendar_url"]).path).status_code == 404
    assert client.get(urlsplit(reset.json["calendar_url"]).path).status_code == 200


@pytest.mark.parametrize(
    "body",
    [
        {"include_community_events": "yes"},
        {"include_community_events": 1},
        {},
        {"include_community_events": True, "colour": "red"},
    ],
)
def test_the_api_refuses_a_bad_setting(client, session, now, body):
    me = make_member(session)
    response = client.put("/api/v1/me/calendar", json=body, headers=bearer(session, me))
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_input"
    assert settings_of(session, me) is None


def test_the_api_is_described(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    assert {"get", "put"} <= set(paths["/api/v1/me/calendar"])
    operation = paths["/api/v1/me/calendar/reset"]["post"]
    assert operation["summary"] and "401" in operation["responses"]
    assert {"BearerAuth": []} in operation["security"]


# The includes


def render(app, template: str, member=None, **context) -> str:
    with app.test_request_context():
        if member is not None:
            login_user(member)
        return render_template_string(template, **context)


def test_add_to_calendar_links(app, session, now):
    event = make_event(session, title="Python & pizza", description="Talks about **typing**.")

    page = render(app, '{% include "calendars/_add_to_calendar.html" %}', event=event)

    links = re.findall(r'href="([^"]+)"', page.replace("&amp;", "&"))
    assert f"http://meetups.test/e/{event.id}/event.ics" in links
    assert f"webcal://meetups.test/e/{event.id}/event.ics" in links
    google = next(link for link in links if link.startswith("https://calendar.google.com/calendar/render?"))
    query = parse_qs(urlsplit(google).query)
    assert query["action"] == ["TEMPLATE"]
    assert query["text"] == ["Python & pizza"]
    assert query["dates"] == ["20300408T120000Z/20300408T140000Z"]
    assert query["details"] == [f"Talks about typing.\n\nhttp://meetups.test/e/{event.id}"]
    assert query["location"] == ["Café Central, Hauptstraße 1, Berlin"]
    assert query["ctz"] == ["Europe/Berlin"]


@pytest.mark.parametrize("status", [EventStatus.draft, EventStatus.cancelled])
def test_no_add_to_calendar_for_drafts_or_cancelled_events(app, session, now, status):
    event = make_event(session, status=status)
    assert "calendar" not in render(app, '{% include "calendars/_add_to_calendar.html" %}', event=event)


def test_my_feed_section(app, session, now, site):
    me = make_member(session)
    url = links.calendar_url(session, me, site=site)

    page = render(app, '{% include "calendars/_my_feed.html" %}', member=me)

    assert 'id="calendar"' in page
    assert f'value="{url}"' in page and f'data-copy="{url}"' in page
    webcal = url.replace("http://", "webcal://")
    assert f'href="{webcal}"' in page
    assert f'href="https://calendar.google.com/calendar/r?cid={quote(webcal, safe="")}"' in page
    assert 'action="/me/calendar/reset"' in page and "data-confirm=" in page
    assert 'action="/me/calendar/settings"' in page and 'name="csrf_token"' in page
    assert 'name="include_community_events"' in page and "checked" not in page
    assert render(app, '{% include "calendars/_my_feed.html" %}').strip() == ""  # logged out: nothing
