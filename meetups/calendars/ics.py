"""Writing iCalendar (RFC 5545) with icalendar: one VEVENT per event and per programme session, a VTIMEZONE
per zone limited to the years a feed covers, and the VCALENDAR around them. Feeds are joined from serialised
parts, so a cached VEVENT is never parsed or rebuilt (calendars.service keeps them)."""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parseaddr
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from flask_babel import ngettext
from icalendar import (
    Alarm,
    Calendar,
    Timezone,
    TimezoneDaylight,
    TimezoneStandard,
    vCalAddress,
    vDDDTypes,
    vDuration,
    vText,
)
from icalendar import Event as VEvent

from meetups import markdown
from meetups.events.models import Event, EventStatus
from meetups.programme.models import ProgrammeSession
from meetups.site import Site

PRODID = "-//Meetups//Meetups calendar feeds//EN"
#: how often calendar apps should fetch a feed again (REFRESH-INTERVAL and X-PUBLISHED-TTL)
REFRESH = timedelta(hours=1)
END = b"END:VCALENDAR\r\n"
_STATUS = {
    EventStatus.published: "CONFIRMED",
    EventStatus.cancelled: "CANCELLED",
    EventStatus.draft: "TENTATIVE",
}


@lru_cache(maxsize=8)
def organizer(mail_from: str, host: str) -> str:
    """ORGANIZER's address: the site's no-reply sender, never a member's email."""
    sender = parseaddr(mail_from)[1]
    return sender if "@" in sender else f"noreply@{host}"


@dataclass(frozen=True)
class Personal:
    """How one member's RSVP changes an event's entry in their own feed."""

    #: shown before the title, such as "Waitlist #3"; empty when they are going
    label: str
    status: str  # CONFIRMED or TENTATIVE
    #: the first paragraph of the description: their ticket, their place in line
    note: str
    #: the later of the event's and the RSVP's last change
    stamp: datetime


class Entry(NamedTuple):
    """A serialised VEVENT and what the calendar around it needs to know."""

    event_id: int
    starts_at: datetime
    ends_at: datetime
    timezone: str
    stamp: datetime
    body: bytes


def event_url(site: Site, event: Event) -> str:
    return site.url("events.show", event_id=event.id)


def location(event: Event) -> str:
    return ", ".join(part for part in (event.venue_name, event.venue_address) if part) or event.online_url


def plain_description(event: Event) -> str:
    # markdown.plain() strips tags but leaves entities (&amp;); a calendar shows text, not HTML
    return html.unescape(markdown.plain(event.description))


def _label(event: Event) -> str:
    if event.is_cancelled:
        return _("Cancelled")
    return _("Draft") if event.status is EventStatus.draft else ""


def _description(event: Event, site: Site, note: str) -> str:
    parts = []
    if event.is_cancelled:
        parts.append(" ".join(filter(None, [_("This event is cancelled."), event.cancel_reason])))
    parts += [note, plain_description(event)]
    if event.online_url:
        parts.append(_("Online: %(url)s", url=event.online_url))
    parts.append(event_url(site, event))
    return "\n\n".join(part for part in parts if part)


def vevent(event: Event, site: Site, personal: Personal | None = None) -> Entry:
    """The event as a VEVENT: the same UID forever, SEQUENCE from the event, times in its own zone."""
    entry = _component(event, site, personal)
    stamp = personal.stamp if personal else event.updated_at
    return Entry(event.id, event.starts_at, event.ends_at, event.timezone, stamp, entry.to_ical())


def _component(event: Event, site: Site, personal: Personal | None) -> VEvent:
    label = _label(event) or (personal.label if personal else "")
    status = _STATUS[event.status] if personal is None or event.is_cancelled else personal.status
    stamp = personal.stamp if personal else event.updated_at
    entry = VEvent()
    entry.add("uid", f"event-{event.id}@{site.host}")
    entry.add("dtstamp", stamp)  # the entry's last change, not the download time: unchanged feeds stay equal
    entry.add("created", event.created_at)
    entry.add("last-modified", stamp)
    entry.add("sequence", event.sequence)
    entry.add("summary", vText(f"[{label}] {event.title}" if label else event.title))
    entry.add("dtstart", _clock_time(event.starts_at, event.zone))
    entry.add("dtend", _clock_time(event.ends_at, event.zone))
    entry.add("status", status)
    if where := location(event):
        entry.add("location", vText(where))
    entry.add("description", vText(_description(event, site, personal.note if personal else "")))
    entry.add("url", event_url(site, event))
    sender = vCalAddress(f"mailto:{organizer(site.mail_from, site.host)}")
    sender.params["CN"] = event.community.name
    entry.add("organizer", sender)
    if personal is not None:  # a place in a line does not block the member's time; a seat does
        entry.add("transp", "OPAQUE" if status == "CONFIRMED" else "TRANSPARENT")
    return entry


# Programme sessions


def session_url(site: Site, item: ProgrammeSession) -> str:
    """The session's own page on the agenda."""
    return site.url("programme.show_session", event_id=item.event_id, session_id=item.id)


def _session_location(item: ProgrammeSession) -> str:
    return ", ".join(part for part in (item.room.name if item.room else "", location(item.event)) if part)


def _session_description(item: ProgrammeSession, site: Site) -> str:
    event, parts = item.event, []
    if event.is_cancelled:
        parts.append(" ".join(filter(None, [_("This event is cancelled."), event.cancel_reason])))
    elif item.is_cancelled:
        parts.append(_("This session is cancelled."))
    parts.append(html.unescape(markdown.plain(item.abstract)))
    if names := [speaker.name for speaker in item.speakers]:
        parts.append(
            ngettext("Speaker: %(names)s", "Speakers: %(names)s", len(names), names=", ".join(names))
        )
    parts.append(_("Part of %(event)s", event=event.title))
    parts.append(session_url(site, item))
    return "\n\n".join(part for part in parts if part)


def session_vevent(item: ProgrammeSession, site: Site, *, starred: bool = False) -> Entry:
    """A session of the programme as a VEVENT of its own, beside its event's: the same UID forever, SEQUENCE
    from the session (one more once the whole event is called off, which cancels it too), times in the
    event's zone, the room before the venue in LOCATION, the track in CATEGORIES. Cancelled sessions stay,
    CANCELLED, so calendars that keep what a feed no longer lists still drop them. `starred`: in its member's
    own feed, where it blocks their time (OPAQUE); the event feed's whole programme is a listing
    (TRANSPARENT), not a plan to sit in every room at once."""
    event = item.event
    cancelled = item.is_cancelled or event.is_cancelled
    status = "CANCELLED" if cancelled else _STATUS[event.status]
    stamp = max(item.updated_at, event.updated_at)  # LOCATION and DESCRIPTION carry the event's venue
    entry = VEvent()
    entry.add("uid", f"session-{item.id}@{site.host}")
    entry.add("dtstamp", stamp)
    entry.add("created", item.created_at)
    entry.add("last-modified", stamp)
    entry.add("sequence", item.sequence + (1 if event.is_cancelled and not item.is_cancelled else 0))
    label = _("Cancelled") if cancelled else _label(event)
    entry.add("summary", vText(f"[{label}] {item.title}" if label else item.title))
    entry.add("dtstart", _clock_time(item.starts_at, event.zone))
    entry.add("dtend", _clock_time(item.ends_at, event.zone))
    entry.add("status", status)
    if where := _session_location(item):
        entry.add("location", vText(where))
    entry.add("description", vText(_session_description(item, site)))
    entry.add("url", session_url(site, item))
    if item.track is not None:
        entry.add("categories", [item.track.name])
    sender = vCalAddress(f"mailto:{organizer(site.mail_from, site.host)}")
    sender.params["CN"] = event.community.name
    entry.add("organizer", sender)
    entry.add("transp", "OPAQUE" if starred and not cancelled else "TRANSPARENT")
    return Entry(event.id, item.starts_at, item.ends_at, event.timezone, stamp, entry.to_ical())


def _alarm(event: Event) -> Alarm | None:
    """The reminder the organisers set (Event.alarm_minutes before the start), or None."""
    if event.alarm_minutes is None:
        return None
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", vText(event.title))
    alarm.add("trigger", -timedelta(minutes=event.alarm_minutes))
    return alarm


def with_alarm(entry: Entry, event: Event) -> Entry:
    """The entry with the organisers' alarm, for a single event someone adds to their calendar: feeds leave
    it out (the VEVENT they cache is shared, and a subscribed calendar ringing for every event is noise)."""
    alarm = _alarm(event)
    if alarm is None:
        return entry
    return entry._replace(body=entry.body.replace(b"END:VEVENT\r\n", alarm.to_ical() + b"END:VEVENT\r\n"))


#: how a mailed .ics asks the calendar to treat it (RFC 5546): add it, update the entry it already has (same
#: UID, higher SEQUENCE), or remove it
METHODS = ("PUBLISH", "REQUEST", "CANCEL")


def invitation(event: Event, site: Site, *, method: str, attendee: str = "", seated: bool = True) -> bytes:
    """The event as a mail attachment, with the alarm its organisers set. REQUEST and CANCEL name the member
    as the attendee (RFC 5546 wants one), so calendar apps update or remove the entry they already hold
    instead of adding a second."""
    if method not in METHODS:
        raise ValueError(f"unknown iTIP method {method}")
    entry = _component(event, site, None)
    if method != "PUBLISH" and attendee:
        address = vCalAddress(f"mailto:{attendee}")
        address.params.update({"PARTSTAT": "ACCEPTED" if seated else "TENTATIVE", "RSVP": "FALSE"})
        entry.add("attendee", address)
    if method != "CANCEL" and (alarm := _alarm(event)) is not None:
        entry.add_component(alarm)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    head = calendar.to_ical().removesuffix(END)
    years = _years([Entry(event.id, event.starts_at, event.ends_at, event.timezone, event.updated_at, b"")])
    zones = [vtimezone(zone, *span) for zone, span in years.items()]
    return b"".join([head, *zones, entry.to_ical(), END])


# Time zones


def _clock_time(value: datetime, zone: ZoneInfo) -> datetime:
    """The time on the venue's clock (DTSTART;TZID=...), or UTC when that reading is ambiguous: in the hour a
    clock is set back, a TZID time means its first occurrence, which may not be the event's."""
    local = value.astimezone(zone)
    if local.replace(fold=0).utcoffset() != local.replace(fold=1).utcoffset():
        return value.astimezone(UTC)
    return local


@lru_cache(maxsize=1024)
def needs_vtimezone(zone_name: str) -> bool:
    """icalendar writes UTC zones as ...Z times, without a TZID to define."""
    return "TZID" in vDDDTypes(datetime(2030, 1, 1, tzinfo=ZoneInfo(zone_name))).params


def _transitions(zone: ZoneInfo, start: datetime, end: datetime):
    """(instant, offset before, offset after) for each change of the zone's UTC offset in [start, end)."""
    # Shorter than any gap between two changes: the closest since 1990 are 6 days 22 hours apart
    # (America/Cambridge_Bay, 2000), so no step can hold two changes that cancel out.
    step = timedelta(days=3)
    before, at = start.astimezone(zone).utcoffset(), start
    while at < end:
        later = min(at + step, end)
        after = later.astimezone(zone).utcoffset()
        if after != before:
            low, high = at, later  # bisect to the second: low has the old offset, high the new one
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                low, high = (middle, high) if middle.astimezone(zone).utcoffset() == before else (low, middle)
            yield high.replace(microsecond=0), before, after
        before, at = after, later


@lru_cache(maxsize=512)
def vtimezone(zone_name: str, first_year: int, last_year: int) -> bytes:
    """A VTIMEZONE for the zone from 1 January of first_year to the end of last_year, each onset on a line of
    its own (DTSTART or RDATE) as the clock read just before the change (RFC 5545). icalendar's
    Timezone.from_tzid joins RDATEs with commas, and some parsers read only the first value
    (shared/BENCHMARKS.md); it also writes spring onsets in the new offset."""
    zone = ZoneInfo(zone_name)
    start = datetime(first_year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(last_year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    first = start.astimezone(zone)
    onsets = [(start, first.utcoffset(), first.utcoffset())]  # what holds when the range begins
    onsets += list(_transitions(zone, start, end))
    # DAYLIGHT is the larger offset: zoneinfo calls Dublin's winter time daylight saving (a negative one)
    standard = min(after for _instant, _before, after in onsets)
    observances: dict[tuple, TimezoneStandard | TimezoneDaylight] = {}
    for instant, before, after in onsets:
        local = instant.astimezone(zone)
        wall = (instant + before).replace(tzinfo=None)  # the onset on the clock as it read before the change
        key = (before, after, local.tzname())
        if key in observances:
            observances[key].add("rdate", wall)
            continue
        observance = TimezoneDaylight() if after > standard else TimezoneStandard()
        observance.add("dtstart", wall)
        observance.add("tzoffsetfrom", before)
        observance.add("tzoffsetto", after)
        observance.add("tzname", local.tzname())
        observances[key] = observance
    definition = Timezone()
    definition.add("tzid", zone_name)
    for observance in observances.values():
        definition.add_component(observance)
    return definition.to_ical()


def _years(entries: list[Entry]) -> dict[str, tuple[int, int]]:
    """The local years each zone is used in, so its VTIMEZONE covers exactly those."""
    spans: dict[str, tuple[datetime, datetime]] = {}
    for entry in entries:
        low, high = spans.get(entry.timezone, (entry.starts_at, entry.ends_at))
        spans[entry.timezone] = (min(low, entry.starts_at), max(high, entry.ends_at))
    return {
        zone: (low.astimezone(ZoneInfo(zone)).year, high.astimezone(ZoneInfo(zone)).year)
        for zone, (low, high) in spans.items()
        if needs_vtimezone(zone)
    }


# The calendar


@lru_cache(maxsize=1024)
def _header(name: str, zone_name: str) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    if zone_name:
        calendar.add("x-wr-timezone", vText(zone_name))
    calendar.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    return calendar.to_ical().removesuffix(END)


def calendar(name: str, entries: list[Entry]) -> bytes:
    """The feed: header, one VTIMEZONE per zone used, the entries in the order given."""
    zones = Counter(entry.timezone for entry in entries)
    main_zone = zones.most_common(1)[0][0] if zones else ""
    timezones = [vtimezone(zone, *years) for zone, years in sorted(_years(entries).items())]
    return b"".join([_header(name, main_zone), *timezones, *(entry.body for entry in entries), END])


def clear_caches() -> None:
    for cached in (needs_vtimezone, vtimezone, _header):
        cached.cache_clear()
