"""Times in an event's zone and the reader's language, for pages, mail, feeds and badges alike."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_time, get_timezone_name
from flask_babel import get_locale


def local_datetime(value: datetime | None, zone: str, fmt: str = "EEE d MMM y, HH:mm") -> str:
    if value is None:
        return ""
    return format_datetime(value.astimezone(ZoneInfo(zone)), fmt, locale=get_locale())


def local_time(value: datetime, zone: str) -> str:
    return format_time(value.astimezone(ZoneInfo(zone)), "HH:mm", locale=get_locale())


def zone_label(value: datetime, zone: str) -> str:
    """A short, readable zone name such as 'CET' or 'GMT+03:00' at that moment."""
    local = value.astimezone(ZoneInfo(zone))
    return (
        local.tzname()
        if local.tzname() and local.tzname()[0] not in "+-"
        else get_timezone_name(local, width="short", locale=get_locale())
    )


def when(event) -> str:
    """'Tue 3 Dec 2026, 19:00–21:00' in the event's zone; both dates when it spans days."""
    start, end = event.local_starts_at, event.local_ends_at
    first = local_datetime(event.starts_at, event.timezone)
    if start.date() == end.date():
        return f"{first}–{local_time(event.ends_at, event.timezone)}"
    return f"{first} – {local_datetime(event.ends_at, event.timezone)}"
