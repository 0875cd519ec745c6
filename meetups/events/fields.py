"""An event's fields: what organisers set, in the order the form shows it, and the one place that checks them
(the HTML form and the JSON API both land here, so they can never disagree)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import gettext as _

from meetups import errors
from meetups.events.models import RsvpMode, WaitlistMode

TITLE_MAX, DESCRIPTION_MAX = 200, 20_000
MAX_GUESTS_LIMIT, OFFER_HOURS_MAX = 20, 168
LONGEST_EVENT = timedelta(days=31)
#: a new event's calendar alarm, minutes before the start; further ahead than a week reminds of nothing
ALARM_MINUTES_DEFAULT, ALARM_MINUTES_MAX = 60, 7 * 24 * 60
#: when and where the event is: a change to either is news to everyone with an RSVP
WHEN_FIELDS = frozenset({"starts_at", "ends_at", "timezone"})
WHERE_FIELDS = frozenset({"venue_name", "venue_address", "online_url"})
#: fields whose change moves the event in subscribers' calendars (iCalendar SEQUENCE)
SCHEDULE_FIELDS = WHEN_FIELDS | WHERE_FIELDS | {"status"}
#: what organisers set on an event, in the order the form shows it
EDITABLE = (
    "title",
    "description",
    "starts_at",
    "ends_at",
    "timezone",
    "venue_name",
    "venue_address",
    "online_url",
    "capacity",
    "max_guests",
    "rsvp_mode",
    "waitlist_mode",
    "offer_hours",
    "offer_cutover_hours",
    "late_offer_hours",
    "rsvp_opens_at",
    "rsvp_closes_at",
    "checkin_opens_at",
    "overbook",
    "close_after_hours",
    "send_reminders",
    "alarm_minutes",
)
#: the editable fields that are moments: given as wall-clock time in the event's zone, or with an offset
DATETIME_FIELDS = ("starts_at", "ends_at", "rsvp_opens_at", "rsvp_closes_at", "checkin_opens_at")


@cache
def timezone_names() -> frozenset[str]:
    return frozenset(available_timezones())


def to_utc(value: Any, zone: ZoneInfo, field: str) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            raise errors.InvalidInput(_("That is not a date and time."), field=field) from None
    if not isinstance(value, datetime):
        raise errors.InvalidInput(_("That is not a date and time."), field=field)
    if value.tzinfo is None:  # a wall-clock time at the venue
        value = value.replace(tzinfo=zone)
    return value.astimezone(ZoneInfo("UTC"))


def text(fields: dict, name: str, limit: int, *, required: bool = False, label: str = "") -> str:
    value = fields.get(name)
    value = "" if value is None else value
    if not isinstance(value, str):
        raise errors.InvalidInput(_("%(label)s must be text.", label=label or name), field=name)
    value = value.strip()
    if required and not value:
        raise errors.InvalidInput(_("Please fill in %(label)s.", label=label or name), field=name)
    if len(value) > limit:
        raise errors.InvalidInput(
            _("%(label)s can be at most %(n)d characters.", label=label or name, n=limit), field=name
        )
    return value


def whole(fields: dict, name: str, low: int, high: int | None, label: str) -> int | None:
    value = fields.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.InvalidInput(_("%(label)s must be a whole number.", label=label), field=name)
    if value < low or (high is not None and value > high):
        message = (
            _("%(label)s must be between %(low)d and %(high)d.", label=label, low=low, high=high)
            if high is not None
            else _("%(label)s cannot be below %(low)d.", label=label, low=low)
        )
        raise errors.InvalidInput(message, field=name)
    return value


def _flag(fields: dict, name: str, label: str, default: bool) -> bool:
    if name not in fields:
        return default
    value = fields[name]
    if not isinstance(value, bool):
        raise errors.InvalidInput(_("%(label)s must be true or false.", label=label), field=name)
    return value


def _alarm_minutes(fields: dict) -> int | None:
    """Empty means no alarm, so only a value left out gets the default."""
    if "alarm_minutes" not in fields:
        return ALARM_MINUTES_DEFAULT
    value = fields["alarm_minutes"]
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= ALARM_MINUTES_MAX:
        raise errors.InvalidInput(
            _(
                "The calendar alarm is a whole number of minutes before the start, from 0 to %(most)d (a "
                "week). Leave it empty for no alarm.",
                most=ALARM_MINUTES_MAX,
            ),
            field="alarm_minutes",
        )
    return value


def choice(fields: dict, name: str, enum_cls: type, default: Any) -> Any:
    value = fields.get(name)
    if value is None or value == "":
        return default
    try:
        return enum_cls(value)
    except ValueError:
        allowed = ", ".join(e.value for e in enum_cls)
        raise errors.InvalidInput(
            _("%(name)s must be one of: %(allowed)s.", name=name, allowed=allowed), field=name
        ) from None


def validate_event_fields(fields: dict) -> dict:
    """Clean and check every event field; raises InvalidInput naming the first problem."""
    zone_name = fields.get("timezone")
    if not isinstance(zone_name, str) or zone_name not in timezone_names():
        raise errors.InvalidInput(
            _("Please choose a time zone from the list, such as Europe/Berlin."), field="timezone"
        )
    zone = ZoneInfo(zone_name)
    clean = {
        "title": text(fields, "title", TITLE_MAX, required=True, label=_("Title")),
        "description": text(fields, "description", DESCRIPTION_MAX, label=_("Description")),
        "timezone": zone_name,
        "venue_name": text(fields, "venue_name", 200, label=_("Venue")),
        "venue_address": text(fields, "venue_address", 500, label=_("Address")),
        "online_url": text(fields, "online_url", 500, label=_("Online link")),
        "capacity": whole(fields, "capacity", 0, 1_000_000, _("Capacity")),
        "max_guests": whole(fields, "max_guests", 0, MAX_GUESTS_LIMIT, _("Guests per RSVP")) or 0,
        "offer_hours": whole(fields, "offer_hours", 1, OFFER_HOURS_MAX, _("Offer hold time")) or 24,
        "offer_cutover_hours": whole(fields, "offer_cutover_hours", 1, 24 * 14, _("Switch to offers")),
        "late_offer_hours": whole(fields, "late_offer_hours", 1, 48, _("Late offer hold time")) or 2,
        "overbook": whole(fields, "overbook", 0, 1_000_000, _("Overbooking")) or 0,
        "close_after_hours": whole(fields, "close_after_hours", 1, 24 * 7, _("Close after")) or 6,
        "rsvp_mode": choice(fields, "rsvp_mode", RsvpMode, RsvpMode.open),
        "waitlist_mode": choice(fields, "waitlist_mode", WaitlistMode, WaitlistMode.auto),
        "send_reminders": _flag(fields, "send_reminders", _("Reminder emails"), default=True),
        "alarm_minutes": _alarm_minutes(fields),
    }
    for name in DATETIME_FIELDS:
        clean[name] = to_utc(fields.get(name), zone, name)
    if clean["online_url"] and urlsplit(clean["online_url"]).scheme not in ("http", "https"):
        raise errors.InvalidInput(
            _("The online link must start with https:// or http://."), field="online_url"
        )
    if clean["overbook"] and (clean["capacity"] is None or clean["overbook"] > clean["capacity"]):
        raise errors.InvalidInput(
            _("Overbooking needs a capacity, and at most as many extra places as there are seats."),
            field="overbook",
        )
    starts, ends = clean["starts_at"], clean["ends_at"]
    if starts is None:
        raise errors.InvalidInput(_("Please say when the event starts."), field="starts_at")
    if ends is None:
        raise errors.InvalidInput(_("Please say when the event ends."), field="ends_at")
    if ends <= starts:
        raise errors.InvalidInput(_("The event must end after it starts."), field="ends_at")
    if ends - starts > LONGEST_EVENT:
        raise errors.InvalidInput(_("An event can last at most 31 days."), field="ends_at")
    if clean["checkin_opens_at"] is not None and clean["checkin_opens_at"] >= ends:
        raise errors.InvalidInput(_("Check-in must open before the event ends."), field="checkin_opens_at")
    opens, closes = clean["rsvp_opens_at"], clean["rsvp_closes_at"]
    if closes is not None and closes > ends:
        raise errors.InvalidInput(_("RSVPs must close before the event ends."), field="rsvp_closes_at")
    if opens is not None and opens >= (closes or starts):
        raise errors.InvalidInput(_("RSVPs must open before they close."), field="rsvp_opens_at")
    return clean
