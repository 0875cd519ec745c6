"""The programme in calendar feeds: each starred session a VEVENT of its own in the member's feed (room in
LOCATION, the event's zone across the end of summer time, SEQUENCE raised by a move, CANCELLED kept), a new
ETag for every star, unstar and change, and the event feed with the whole programme when asked. Read by
icalendar and by the independent parser (ical.js)."""

from datetime import timedelta

import pytest

from meetups.calendars import links
from meetups.events import service as events
from meetups.events.models import EventStatus
from meetups.programme import places, schedule
from meetups.programme import service as programme
from meetups.rsvps import service as rsvps
from tests.calendars import conftest as calendar_checks
from tests.calendars.conftest import assert_well_formed, events_by_uid
from tests.factories import make_member
from tests.programme.conftest import NOW

#: the calendar tests' fixtures: the independent parser, and no feed kept from an earlier test
icaljs, _fresh_caches = calendar_checks.icaljs, calendar_checks._fresh_caches

VENUE = "Café Central, Hauptstraße 1, Berlin"  # tests.factories.make_event's


def uid(item) -> str:
    return f"session-{item.id}@meetups.test"


def page(item) -> str:
    return f"http://meetups.test/e/{item.event_id}/sessions/{item.id}"


@pytest.fixture
def my_feed(session, site, client, now):
    """GET the member's own feed: (response, {uid: VEVENT} as icalendar reads it)."""

    def _get(member, **headers):
        path = links.calendar_url(session, member, site=site).removeprefix("http://meetups.test")
        response = client.get(path, headers=headers)
        assert response.status_code in (200, 304), response.text
        listed = events_by_uid(assert_well_formed(response.data)) if response.status_code == 200 else {}
        return response, listed

    return _get


def star(session, conference, *keys, member=None):
    for key in keys:
        schedule.star(
            session,
            event=conference.event,
            session_id=conference.sessions[key].id,
            member=member or conference.member,
            now=NOW,
        )
    session.commit()


def change(session, conference, key, **changes):
    programme.update_session(
        session,
        event=conference.event,
        actor=conference.organiser,
        session_id=conference.sessions[key].id,
        changes=changes,
        now=NOW + timedelta(minutes=5),
    )
    session.commit()


def cancel(session, conference, key):
    programme.cancel_session(
        session,
        event=conference.event,
        actor=conference.organiser,
        session_id=conference.sessions[key].id,
        now=NOW + timedelta(minutes=6),
    )
    session.commit()


def test_starred_sessions_are_vevents_of_their_own(conference, session, my_feed, icaljs):
    rsvps.save_rsvp(session, event_id=conference.event.id, member=conference.member, now=NOW)
    star(session, conference, "web", "data", "sunday")
    web, data, sunday = (conference.sessions[k] for k in ("web", "data", "sunday"))

    response, listed = my_feed(conference.member)

    assert set(listed) == {f"event-{conference.event.id}@meetups.test", uid(web), uid(data), uid(sunday)}
    entry = listed[uid(web)]
    assert entry["SUMMARY"] == "Fast pages" and entry["STATUS"] == "CONFIRMED"
    assert entry["LOCATION"] == f"Main hall, {VENUE}"
    assert entry["SEQUENCE"] == 0 and entry["TRANSP"] == "OPAQUE"
    assert entry["URL"] == page(web)
    assert entry.categories == ["Web"]
    assert entry["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert "Speaker: Grace Hopper" in entry["DESCRIPTION"] and page(web) in entry["DESCRIPTION"]
    tables = listed[uid(data)]["DESCRIPTION"]
    # plain text: the Markdown is gone, and what the author typed as HTML shows as the text it is
    assert "Rows, columns and <script>alert(1)</script> indexes." in tables and "**" not in tables
    assert listed[uid(data)]["LOCATION"] == f"Room B, {VENUE}"

    parsed = {e["uid"]: e for e in icaljs(response.data)["events"]}
    assert parsed[uid(web)]["start"] == "2030-10-25T09:00:00.000Z"  # 11:00 summer time (UTC+2)
    assert parsed[uid(web)]["end"] == "2030-10-25T09:45:00.000Z"
    assert parsed[uid(sunday)]["start"] == "2030-10-27T08:00:00.000Z"  # 09:00 winter time (UTC+1)
    assert parsed[uid(sunday)]["tz"] == "Europe/Berlin"
    assert parsed[uid(data)]["location"] == f"Room B, {VENUE}"
    assert parsed[uid(sunday)]["sequence"] == 0 and parsed[uid(sunday)]["url"] == page(sunday)


def test_a_star_is_enough_without_an_rsvp_and_nobody_sees_my_stars(conference, session, my_feed):
    star(session, conference, "keynote")
    star(session, conference, "web", member=conference.stranger)

    _response, mine = my_feed(conference.member)
    _response, theirs = my_feed(conference.ada_member)

    assert set(mine) == {uid(conference.sessions["keynote"])}  # no RSVP: no event entry, the session stays
    assert theirs == {}


def test_a_move_raises_the_sequence_and_a_cancellation_stays_cancelled(conference, session, my_feed, icaljs):
    star(session, conference, "web", "data")
    web, data = conference.sessions["web"], conference.sessions["data"]
    cancel(session, conference, "data")  # which frees Room B
    change(session, conference, "web", starts_at="2030-10-25T11:30", ends_at="2030-10-25T12:15")
    change(session, conference, "web", room_id=conference.small.id)

    response, listed = my_feed(conference.member)

    assert listed[uid(web)]["SEQUENCE"] == 2 and listed[uid(web)]["LOCATION"] == f"Room B, {VENUE}"
    assert listed[uid(data)]["STATUS"] == "CANCELLED" and listed[uid(data)]["SEQUENCE"] == 1
    assert listed[uid(data)]["SUMMARY"] == "[Cancelled] Tables at scale"
    assert listed[uid(data)]["TRANSP"] == "TRANSPARENT"
    assert "This session is cancelled." in listed[uid(data)]["DESCRIPTION"]
    parsed = {e["uid"]: e for e in icaljs(response.data)["events"]}
    assert parsed[uid(web)]["start"] == "2030-10-25T09:30:00.000Z" and parsed[uid(web)]["sequence"] == 2
    assert parsed[uid(data)]["status"] == "CANCELLED" and parsed[uid(data)]["sequence"] == 1


def test_a_cancelled_event_cancels_its_sessions_and_drafts_stay_out(conference, session, my_feed, now):
    star(session, conference, "web")
    events.cancel_event(session, event=conference.event, actor=conference.organiser, reason="Flood", now=now)
    session.commit()

    _response, listed = my_feed(conference.member)

    entry = listed[uid(conference.sessions["web"])]
    assert entry["STATUS"] == "CANCELLED" and entry["SEQUENCE"] == 1  # one more than the session's own
    assert "This event is cancelled. Flood" in entry["DESCRIPTION"]

    conference.event.status = EventStatus.draft
    session.commit()
    assert my_feed(conference.member)[1] == {}


def test_a_star_an_unstar_and_a_change_each_give_a_new_etag(conference, session, my_feed):
    def etag_after(previous: str) -> str:
        response, _listed = my_feed(conference.member, **{"If-None-Match": previous})
        assert response.status_code == 200, "the feed changed, so the old ETag must not match"
        return response.headers["ETag"]

    first, _listed = my_feed(conference.member)
    etag = first.headers["ETag"]
    assert my_feed(conference.member, **{"If-None-Match": etag})[0].status_code == 304

    star(session, conference, "web")
    etag = etag_after(etag)
    assert my_feed(conference.member, **{"If-None-Match": etag})[0].status_code == 304
    change(session, conference, "web", starts_at="2030-10-25T11:15", ends_at="2030-10-25T12:00")
    etag = etag_after(etag)
    places.save_room(
        session,
        event=conference.event,
        actor=conference.organiser,
        values={"name": "Hall A", "capacity": 300, "position": 0},
        room_id=conference.main.id,
    )
    session.commit()
    etag = etag_after(etag)  # a renamed room moves no session, but the LOCATION changed
    schedule.unstar(
        session, event=conference.event, session_id=conference.sessions["web"].id, member=conference.member
    )
    session.commit()
    etag = etag_after(etag)
    assert etag == first.headers["ETag"]  # back to the feed without the session


def test_the_personal_feed_takes_a_fixed_number_of_queries(conference, session, my_feed, count_queries):
    star(session, conference, "web")
    my_feed(conference.member)
    count_queries.clear()
    my_feed(conference.member)
    one = len(count_queries)

    star(session, conference, "keynote", "data", "workshop", "sunday")
    count_queries.clear()
    my_feed(conference.member)

    assert len(count_queries) == one


def test_the_event_feed_carries_the_whole_programme_when_asked(conference, session, client, now, icaljs):
    cancel(session, conference, "data")
    path = f"/e/{conference.event.id}/event.ics"

    alone = events_by_uid(assert_well_formed(client.get(path).data))
    asked = client.get(path, query_string={"programme": "1"})
    listed = events_by_uid(assert_well_formed(asked.data))

    assert set(alone) == {f"event-{conference.event.id}@meetups.test"}
    assert set(events_by_uid(assert_well_formed(client.get(path + "?programme=0").data))) == set(alone)
    assert set(listed) == set(alone) | {uid(item) for item in conference.sessions.values()}
    assert f'filename="event-{conference.event.id}-programme.ics"' in asked.headers["Content-Disposition"]
    data = listed[uid(conference.sessions["data"])]
    assert data["STATUS"] == "CANCELLED" and data["SEQUENCE"] == 1
    web = listed[uid(conference.sessions["web"])]
    assert web["STATUS"] == "CONFIRMED" and web["TRANSP"] == "TRANSPARENT"  # a listing, not my plan
    lunch = listed[uid(conference.sessions["lunch"])]
    assert lunch["LOCATION"] == VENUE and "CATEGORIES" not in lunch  # a break: no room, no track
    parsed = {e["uid"]: e for e in icaljs(asked.data)["events"]}
    assert parsed[uid(conference.sessions["sunday"])]["start"] == "2030-10-27T08:00:00.000Z"
    assert parsed[uid(conference.sessions["keynote"])]["location"] == f"Main hall, {VENUE}"
    again = client.get(
        path, query_string={"programme": "1"}, headers={"If-None-Match": asked.headers["ETag"]}
    )
    assert again.status_code == 304


def test_a_programme_change_gives_the_event_feed_a_new_etag(conference, session, client, now):
    path = f"/e/{conference.event.id}/event.ics?programme=1"
    etag = client.get(path).headers["ETag"]

    change(session, conference, "sunday", starts_at="2030-10-27T10:00", ends_at="2030-10-27T10:45")
    moved = client.get(path, headers={"If-None-Match": etag})

    assert moved.status_code == 200
    listed = events_by_uid(assert_well_formed(moved.data))
    assert listed[uid(conference.sessions["sunday"])]["SEQUENCE"] == 1


def test_a_draft_programme_shows_only_to_organisers(conference, session, client, now, login):
    conference.event.status = EventStatus.draft
    session.commit()
    path = f"/e/{conference.event.id}/event.ics?programme=1"

    assert client.get(path).status_code == 404
    login(conference.organiser)
    listed = events_by_uid(assert_well_formed(client.get(path).data))

    entry = listed[uid(conference.sessions["web"])]
    assert entry["STATUS"] == "TENTATIVE" and entry["SUMMARY"] == "[Draft] Fast pages"


def test_a_stranger_cannot_star_their_way_into_someone_elses_feed(conference, session, my_feed):
    other = make_member(session, name="Otto Other")
    star(session, conference, "web", member=other)

    assert my_feed(conference.member)[1] == {}
