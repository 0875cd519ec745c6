"""Feeds over HTTP: content type, validators and 304s that build nothing, gzip, caching headers, and the
VEVENT cache that keeps a big feed cheap without ever serving a stale entry."""

import gzip
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy
from sqlalchemy import select

from meetups.calendars import links, service
from meetups.calendars.models import CalendarEventCache
from meetups.events import service as events
from meetups.extensions import db
from tests.calendars.conftest import assert_well_formed
from tests.factories import make_community, make_event, make_member


@pytest.fixture
def statements(app, session):
    """The SQL run while the test watches; clear() it right before the request you measure."""
    with app.app_context():
        engine = db.engines[None].engine
    seen: list[str] = []

    def _record(_conn, _cursor, statement, _parameters, _context, _executemany):
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    sqlalchemy.event.listen(engine, "before_cursor_execute", _record)
    yield seen
    sqlalchemy.event.remove(engine, "before_cursor_execute", _record)


@pytest.fixture
def community_with_events(session, now):
    community = make_community(session)
    for day in range(12):
        make_event(session, community=community, starts_at=now + timedelta(days=day + 1))
    return community


def test_an_unchanged_community_feed_answers_304_from_one_query(
    client, session, now, community_with_events, statements
):
    path = f"/c/{community_with_events.slug}/calendar.ics"
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=300"
    assert "Accept-Encoding" in first.headers["Vary"]
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')

    statements.clear()
    again = client.get(path, headers={"If-None-Match": etag})

    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    assert len(statements) == 1  # the community with its events' aggregate: nothing is built
    assert client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    assert client.get(path, headers={"If-None-Match": 'W/"other"'}).status_code == 200


def test_any_change_gives_a_new_etag(client, session, now, community_with_events):
    organiser = make_member(session, is_admin=True)
    path = f"/c/{community_with_events.slug}/calendar.ics"
    etag = client.get(path).headers["ETag"]
    event = make_event(session, community=community_with_events, starts_at=now + timedelta(days=30))
    added = client.get(path, headers={"If-None-Match": etag})
    assert added.status_code == 200

    events.update_event(
        session, event=event, actor=organiser, changes={"title": "New title"}, now=now + timedelta(seconds=1)
    )
    renamed = client.get(path, headers={"If-None-Match": added.headers["ETag"]})
    assert renamed.status_code == 200 and b"SUMMARY:New title" in renamed.data


def test_repeated_and_cold_builds_take_a_fixed_number_of_queries(client, session, now, statements):
    community = make_community(session)
    path = f"/c/{community.slug}/calendar.ics"
    make_event(session, community=community)

    def queries() -> int:
        statements.clear()
        assert client.get(path).status_code == 200
        return len(statements)

    first_small = queries()
    service.clear_caches()
    cached_small = queries()  # the VEVENTs now come from calendar_event_cache
    for day in range(20):
        make_event(session, community=community, starts_at=now + timedelta(days=day + 2))
    first_big = queries()
    service.clear_caches()
    cached_big = queries()
    repeated = queries()

    assert first_small == first_big  # building: the events, then one insert per 500
    assert cached_small == cached_big == 2  # the validator, then the events joined to their cached entries
    assert repeated == 1  # the last build is kept in this process by ETag
    rows = session.scalars(select(CalendarEventCache).where(CalendarEventCache.locale == "en")).all()
    assert len({row.event_id for row in rows}) >= 21


def test_a_stale_cached_entry_is_never_served(client, session, now):
    organiser = make_member(session, is_admin=True)
    event = make_event(session, title="Before")
    path = f"/c/{event.community.slug}/calendar.ics"
    assert b"SUMMARY:Before" in client.get(path).data
    events.update_event(
        session, event=event, actor=organiser, changes={"title": "After"}, now=now + timedelta(seconds=1)
    )
    service.clear_caches()  # as in another process: only the database cache is left, and it is stale

    body = client.get(path).data

    assert b"SUMMARY:After" in body and b"Before" not in body


def test_gzip_when_asked(client, session, now, community_with_events):
    path = f"/c/{community_with_events.slug}/calendar.ics"
    plain = client.get(path)
    zipped = client.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})

    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert zipped.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert gzip.decompress(zipped.data) == plain.data
    assert len(zipped.data) < len(plain.data) / 3
    assert zipped.headers["ETag"] == plain.headers["ETag"]  # weak: the same feed either way
    assert "Content-Encoding" not in client.get(path, headers={"Accept-Encoding": "gzip;q=0"}).headers


def test_event_and_personal_feeds_answer_304_too(site, client, session, now):
    event = make_event(session)
    me = make_member(session)
    personal = links.calendar_url(session, me, site=site).removeprefix("http://meetups.test")
    for path in (f"/e/{event.id}/event.ics", personal):
        first = client.get(path)
        assert first.status_code == 200
        assert client.get(path, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_personal_feeds_stay_private_and_unindexed(site, client, session, now):
    me = make_member(session)
    path = links.calendar_url(session, me, site=site).removeprefix("http://meetups.test")

    response = client.get(path)

    assert response.headers["Cache-Control"] == "private, max-age=300"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Set-Cookie" not in response.headers


def test_the_event_download_is_an_attachment(client, session, now):
    event = make_event(session)
    response = client.get(f"/e/{event.id}/event.ics")
    assert response.headers["Content-Disposition"] == f'attachment; filename="event-{event.id}.ics"'
    assert response.headers["Last-Modified"] == "Mon, 01 Apr 2030 12:00:00 GMT"


def test_the_event_download_rings_when_the_organisers_said_and_feeds_never_do(client, session, now, icaljs):
    community = make_community(session)
    ringing = make_event(session, community=community, alarm_minutes=45)
    silent = make_event(session, community=community, alarm_minutes=None)
    [entry] = icaljs(client.get(f"/e/{ringing.id}/event.ics").data)["events"]
    assert entry["alarms"] == [{"action": "DISPLAY", "trigger": "-PT45M"}]
    assert icaljs(client.get(f"/e/{silent.id}/event.ics").data)["events"][0]["alarms"] == []
    feed = icaljs(client.get(f"/c/{community.slug}/calendar.ics").data)
    assert [e["alarms"] for e in feed["events"]] == [[], []]


TITLE = "Встреча; «Python», 🐍🎉\nвторая строка \\ обратная косая"
DESCRIPTION = (
    "Привет, мир! Это очень длинное описание на русском языке, с эмодзи 😀👍🏽 и знаками; запятыми, "
    "точками с запятой\n\nи переводами строк. " * 4
)


def test_text_is_escaped_and_folded_without_splitting_characters(client, session, now, icaljs):
    community = make_community(session, name="Клуб «Питон», Берлин; 🐍")
    event = make_event(
        session,
        community=community,
        title=TITLE,
        description=DESCRIPTION,
        venue_name="Кафе «Ромашка»; зал 2",
        venue_address="ул. Ленина, 1\nвход со двора",
        starts_at=datetime(2030, 6, 1, 16, tzinfo=UTC),
    )

    for path in (f"/e/{event.id}/event.ics", f"/c/{community.slug}/calendar.ics"):
        body = client.get(path).data
        calendar = assert_well_formed(body)  # every line ≤ 75 octets and valid UTF-8 on its own
        assert any(line.startswith(b" ") for line in body.split(b"\r\n"))  # long lines were folded
        (entry,) = calendar.walk("VEVENT")
        assert entry["SUMMARY"] == TITLE
        assert entry["LOCATION"] == "Кафе «Ромашка»; зал 2, ул. Ленина, 1\nвход со двора"
        assert entry["ORGANIZER"].params["CN"] == "Клуб «Питон», Берлин; 🐍"
        (read,) = icaljs(body)["events"]
        assert read["summary"] == TITLE
        assert read["location"] == "Кафе «Ромашка»; зал 2, ул. Ленина, 1\nвход со двора"
        assert read["description"].startswith("Привет, мир! Это очень длинное описание")
        assert "😀👍🏽" in read["description"] and read["description"] == str(entry["DESCRIPTION"])
        assert read["organizer"]["cn"] == "Клуб «Питон», Берлин; 🐍"
