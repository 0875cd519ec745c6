"""VTIMEZONEs: one onset per line, only the years a feed covers, and instants that an independent parser
(ical.js, which knows no time zones of its own) reads exactly as we store them, around every change."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from meetups.calendars import ics
from tests.calendars.conftest import assert_well_formed
from tests.factories import make_community, make_event

YEAR_2030 = (datetime(2030, 1, 1, tzinfo=UTC), datetime(2031, 1, 1, tzinfo=UTC))
#: spring and autumn in both hemispheres, half-hour and 45-minute offsets, Dublin's negative DST, Morocco's
#: Ramadan changes, a zone without DST, and UTC
ZONES = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Europe/Dublin",
    "Africa/Casablanca",
    "America/Santiago",
    "Asia/Kolkata",
    "UTC",
]


def utc_text(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", ".000Z")


def test_events_around_every_clock_change_of_2030_are_read_at_the_stored_instants(
    client, session, now, icaljs
):
    community = make_community(session)
    made = []
    for zone in ZONES:
        for change, _before, _after in ics._transitions(ZoneInfo(zone), *YEAR_2030):
            for minutes in (
                -90,
                -60,
                -30,
                -1,
                0,
                1,
                30,
                60,
                90,
            ):  # ambiguous and just-after-the-gap times too
                starts = change + timedelta(minutes=minutes)
                made.append(
                    make_event(
                        session,
                        community=community,
                        timezone=zone,
                        starts_at=starts,
                        ends_at=starts + timedelta(minutes=45),
                    )
                )
    assert len(made) > 100

    body = client.get(f"/c/{community.slug}/calendar.ics").data

    assert_well_formed(body)
    read = {e["uid"]: (e["start"], e["end"]) for e in icaljs(body)["events"]}
    assert read == {f"event-{e.id}@meetups.test": (utc_text(e.starts_at), utc_text(e.ends_at)) for e in made}


def test_an_ambiguous_wall_time_is_written_in_utc():
    berlin = ZoneInfo("Europe/Berlin")
    second_half_past_two = datetime(2030, 10, 27, 1, 30, tzinfo=UTC)  # 02:30 CET, after 02:30 CEST
    assert ics._clock_time(second_half_past_two, berlin).tzinfo is UTC
    assert ics._clock_time(datetime(2030, 10, 27, 3, 0, tzinfo=UTC), berlin).tzinfo == berlin


def test_rdates_stand_one_per_line_and_only_for_the_years_covered():
    body = ics.vtimezone("Europe/Berlin", 2030, 2033).decode()
    rdates = [line for line in body.split("\r\n") if line.startswith("RDATE")]
    assert len(rdates) == 6  # two changes a year, the first of each kind is its DTSTART
    assert not any("," in line for line in rdates)
    onsets = [line.split(":")[1] for line in body.split("\r\n") if line.startswith(("RDATE", "DTSTART"))]
    assert min(onsets)[:4] == "2030" and max(onsets)[:4] == "2033"
    assert "DTSTART:20300331T020000" in body  # spring: 02:00 on the clock before it jumps to 03:00
    assert "DTSTART:20301027T030000" in body  # autumn: 03:00 summer time, which becomes 02:00


def test_a_feed_defines_each_zone_once_for_exactly_its_years(client, session, now, icaljs):
    community = make_community(session)
    new_year = datetime(2030, 12, 31, 20, 0, tzinfo=UTC)  # a three-day event over the new year in Berlin
    make_event(session, community=community, starts_at=new_year, ends_at=new_year + timedelta(days=3))
    make_event(session, community=community, starts_at=datetime(2030, 6, 1, 17, tzinfo=UTC))
    make_event(
        session,
        community=community,
        timezone="America/New_York",
        starts_at=datetime(2030, 6, 2, 23, tzinfo=UTC),
    )
    make_event(session, community=community, timezone="UTC", starts_at=datetime(2030, 6, 3, 9, tzinfo=UTC))

    body = client.get(f"/c/{community.slug}/calendar.ics").data

    calendar = assert_well_formed(body)
    zones = {str(tz["TZID"]): tz for tz in calendar.walk("VTIMEZONE")}
    assert set(zones) == {"Europe/Berlin", "America/New_York"}  # UTC times are written as ...Z
    assert zones["Europe/Berlin"].to_ical().decode().count("20310330T020000") == 1  # 2031 is covered
    assert "2031" not in zones["America/New_York"].to_ical().decode()
    assert b"DTSTART:20300603T090000Z" in body
    parsed = icaljs(body)
    assert parsed["timezone"] == "Europe/Berlin"  # the zone most events use
    assert [e["end"] for e in parsed["events"]][-1] == "2031-01-03T20:00:00.000Z"
