"""The event and community feeds: what they list, every field calendar apps rely on, and how changes and
cancellations reach subscribers. Each feed is read by icalendar and by ical.js."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from meetups.calendars import ics
from meetups.events import series
from meetups.events import service as events
from meetups.events.models import EventStatus
from tests.calendars.conftest import assert_well_formed, events_by_uid
from tests.factories import BASE_TIME, make_community, make_event, make_member

EVENING = datetime(2030, 6, 12, 17, 0, tzinfo=UTC)  # 19:00 in Berlin (CEST)


def uid(event) -> str:
    return f"event-{event.id}@meetups.test"


def feed(client, path: str, **headers) -> bytes:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    return response.data


def test_an_event_feed_carries_every_field_calendar_apps_use(client, session, now, icaljs):
    organiser = make_member(session, name="Olga Organiser", email="olga@example.test")
    community = make_community(session, organiser=organiser, name="Python Berlin")
    event = make_event(
        session,
        community=community,
        title="Python evening",
        starts_at=EVENING,
        ends_at=EVENING + timedelta(hours=3),
        description="Talks and **pizza** & <drinks>.",
        online_url="https://meet.example.test/py",
        sequence=2,
        created_at=BASE_TIME - timedelta(days=3),
    )

    body = feed(client, f"/e/{event.id}/event.ics")

    calendar = assert_well_formed(body)
    assert calendar["METHOD"] == "PUBLISH"
    assert calendar["PRODID"] == ics.PRODID
    assert calendar["X-WR-CALNAME"] == "Python evening"
    assert calendar["X-WR-TIMEZONE"] == "Europe/Berlin"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT1H\r\n" in body
    assert b"X-PUBLISHED-TTL:PT1H\r\n" in body
    entry = events_by_uid(calendar)[f"event-{event.id}@meetups.test"]
    assert entry["SEQUENCE"] == 2
    assert entry["STATUS"] == "CONFIRMED"
    assert entry["DTSTART"].dt == EVENING and entry["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert entry["DTEND"].dt == EVENING + timedelta(hours=3)
    assert entry["DTSTAMP"].dt == entry["LAST-MODIFIED"].dt == BASE_TIME
    assert entry["CREATED"].dt == BASE_TIME - timedelta(days=3)
    assert entry["LOCATION"] == "Café Central, Hauptstraße 1, Berlin"
    assert entry["URL"] == f"http://meetups.test/e/{event.id}"
    assert entry["DESCRIPTION"] == (
        f"Talks and pizza & <drinks>.\n\nOnline: https://meet.example.test/py\n\n"
        f"http://meetups.test/e/{event.id}"
    )
    assert entry["ORGANIZER"].params["CN"] == "Python Berlin"
    assert str(entry["ORGANIZER"]) == "mailto:noreply@meetups.localhost"
    assert "GEO" not in entry  # we know no coordinates
    assert b"olga" not in body.lower()  # organisers' names and addresses stay out

    parsed = icaljs(body)
    assert parsed["method"] == "PUBLISH" and parsed["refresh"] == "PT1H" and parsed["ttl"] == "PT1H"
    (read,) = parsed["events"]
    assert read["uid"] == f"event-{event.id}@meetups.test"
    assert read["start"] == "2030-06-12T17:00:00.000Z" and read["end"] == "2030-06-12T20:00:00.000Z"
    assert read["tz"] == "Europe/Berlin"
    assert read["sequence"] == 2 and read["status"] == "CONFIRMED"
    assert read["location"] == "Café Central, Hauptstraße 1, Berlin"
    assert read["organizer"] == {"cn": "Python Berlin", "value": "mailto:noreply@meetups.localhost"}


def test_drafts_are_missing_for_everyone_but_their_organisers(client, session, now, login):
    organiser = make_member(session)
    community = make_community(session, organiser=organiser)
    draft = make_event(session, community=community, status=EventStatus.draft)

    assert client.get(f"/e/{draft.id}/event.ics").status_code == 404
    login(make_member(session))
    assert client.get(f"/e/{draft.id}/event.ics").status_code == 404
    login(organiser)
    response = client.get(f"/e/{draft.id}/event.ics")
    assert response.status_code == 200
    assert b"STATUS:TENTATIVE" in response.data and b"SUMMARY:[Draft] " in response.data
    assert "private" in response.headers["Cache-Control"]  # never in a shared cache


def test_unknown_events_and_communities_are_404(client, session, now):
    assert client.get("/e/999999/event.ics").status_code == 404
    assert client.get("/c/no-such-community/calendar.ics").status_code == 404


def test_a_community_feed_lists_upcoming_and_recent_events_and_recent_cancellations(
    client, session, now, icaljs
):
    community = make_community(session)
    upcoming = make_event(session, community=community, starts_at=now + timedelta(days=3))
    recent = make_event(session, community=community, starts_at=now - timedelta(days=80))
    old = make_event(session, community=community, starts_at=now - timedelta(days=120))
    draft = make_event(session, community=community, status=EventStatus.draft)
    cancelled = make_event(
        session,
        community=community,
        status=EventStatus.cancelled,
        sequence=1,
        cancelled_at=now - timedelta(days=10),
        starts_at=now + timedelta(days=5),
    )
    long_cancelled = make_event(
        session,
        community=community,
        status=EventStatus.cancelled,
        cancelled_at=now - timedelta(days=100),
        starts_at=now + timedelta(days=200),
    )
    elsewhere = make_event(session, starts_at=now + timedelta(days=3))

    body = feed(client, f"/c/{community.slug}/calendar.ics")

    listed = events_by_uid(assert_well_formed(body))
    uid = "event-{}@meetups.test".format
    assert set(listed) == {uid(recent.id), uid(upcoming.id), uid(cancelled.id)}
    assert listed[uid(cancelled.id)]["STATUS"] == "CANCELLED"
    assert str(listed[uid(cancelled.id)]["SUMMARY"]).startswith("[Cancelled] ")
    assert all(uid(e.id) not in listed for e in (old, draft, long_cancelled, elsewhere))
    parsed = icaljs(body)
    assert [e["uid"] for e in parsed["events"]] == [uid(recent.id), uid(upcoming.id), uid(cancelled.id)]
    assert [e["status"] for e in parsed["events"]] == ["CONFIRMED", "CONFIRMED", "CANCELLED"]
    assert parsed["calname"] == community.name


def test_an_empty_community_feed_is_still_a_calendar(client, session, now, icaljs):
    community = make_community(session)
    body = feed(client, f"/c/{community.slug}/calendar.ics")
    assert_well_formed(body)
    assert icaljs(body)["events"] == []


def test_moving_and_cancelling_raise_sequence_and_keep_the_uid(app, client, session, now, icaljs):
    organiser = make_member(session)
    community = make_community(session, organiser=organiser)
    event = make_event(session, community=community, starts_at=EVENING)
    path = f"/c/{community.slug}/calendar.ics"

    def read():
        (entry,) = icaljs(feed(client, path))["events"]
        return entry

    first = read()
    later = now + timedelta(minutes=5)  # a real edit happens after the event was made
    events.update_event(
        session,
        event=event,
        actor=organiser,
        changes={"starts_at": "2030-06-12T20:00", "ends_at": "2030-06-12T22:00"},
        now=later,
    )
    moved = read()
    events.update_event(
        session,
        event=event,
        actor=organiser,
        changes={"title": "Python evening, renamed"},
        now=later + timedelta(minutes=1),
    )
    renamed = read()
    events.cancel_event(
        session, event=event, actor=organiser, reason="Venue flooded", now=later + timedelta(hours=1)
    )
    cancelled = read()

    assert (
        first["uid"] == moved["uid"] == renamed["uid"] == cancelled["uid"] == f"event-{event.id}@meetups.test"
    )
    assert (first["sequence"], moved["sequence"], cancelled["sequence"]) == (0, 1, 2)
    assert moved["start"] == "2030-06-12T18:00:00.000Z"
    assert renamed["summary"] == "Python evening, renamed"  # the cached entry was rebuilt
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["summary"] == "[Cancelled] Python evening, renamed"
    assert cancelled["description"].startswith("This event is cancelled. Venue flooded")
    assert cancelled["lastModified"] == "2030-04-01T13:05:00Z"
    alone = events_by_uid(assert_well_formed(feed(client, f"/e/{event.id}/event.ics")))[uid(event)]
    assert alone["STATUS"] == "CANCELLED" and alone["SEQUENCE"] == 2  # its own download says so too


@pytest.mark.parametrize("zone", ["Europe/Berlin", "America/New_York", "Australia/Sydney"])
def test_a_weekly_series_across_dst_is_read_at_the_right_instants(client, session, now, icaljs, zone):
    organiser = make_member(session)
    community = make_community(session, organiser=organiser)
    # 19:00 on the venue's clock, weekly for 12 weeks from early March: crosses the spring change in Europe
    # and America and the autumn change in Australia
    local_start = datetime(2030, 3, 5, 19, 0, tzinfo=ZoneInfo(zone))
    first = make_event(
        session,
        community=community,
        timezone=zone,
        starts_at=local_start.astimezone(UTC),
        ends_at=(local_start + timedelta(hours=2)).astimezone(UTC),
    )
    occurrences = [
        first,
        *series.repeat_event(session, event=first, actor=organiser, frequency="weekly", count=12, now=now),
    ]
    assert len({o.starts_at.astimezone(UTC).hour for o in occurrences}) == 2  # the UTC hour moves once

    body = feed(client, f"/c/{community.slug}/calendar.ics")

    assert_well_formed(body)
    parsed = icaljs(body)
    expected = {
        f"event-{o.id}@meetups.test": o.starts_at.isoformat().replace("+00:00", ".000Z") for o in occurrences
    }
    assert {e["uid"]: e["start"] for e in parsed["events"]} == expected
    assert {e["tz"] for e in parsed["events"]} == {zone}
    assert parsed["timezones"][0]["tzid"] == zone
