"""What organisers set on rooms, tracks, speakers and sessions, and the one place that checks each (the HTML
forms, the JSON API and the CSV import all land here). Checks that need the database (clashes, the event's
dates) are in programme.service."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask_babel import gettext as _

from meetups import errors
from meetups.events.fields import choice, text, to_utc, whole
from meetups.programme.models import Level, SessionKind

TITLE_MAX, ABSTRACT_MAX, BIO_MAX = 200, 20_000, 5_000
LINKS_MAX, SPEAKERS_MAX = 5, 20
CAPACITY_MAX = 100_000
COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
LANGUAGE_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
#: the session fields whose change moves it in calendars (SEQUENCE) and is news to who starred it
SCHEDULE_FIELDS = frozenset({"starts_at", "ends_at", "room_id", "status"})


def _id_or_none(fields: dict, name: str, label: str) -> int | None:
    value = fields.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 2**31:
        raise errors.InvalidInput(_("Please choose a %(label)s from the list.", label=label), field=name)
    return value


def _ids(fields: dict, name: str, label: str, most: int) -> list[int]:
    value = fields.get(name)
    if value is None or value == "":
        return []
    if not isinstance(value, list | tuple):
        raise errors.InvalidInput(_("%(label)s must be a list.", label=label), field=name)
    ids: list[int] = []
    for item in value:
        one = _id_or_none({name: item}, name, label)
        if one is not None and one not in ids:
            ids.append(one)
    if len(ids) > most:
        raise errors.InvalidInput(_("At most %(n)d %(label)s.", n=most, label=label), field=name)
    return ids


def room_fields(fields: dict) -> dict[str, Any]:
    return {
        "name": text(fields, "name", 100, required=True, label=_("Room name")),
        "capacity": whole(fields, "capacity", 0, CAPACITY_MAX, _("Room capacity")),
        "position": whole(fields, "position", 0, 1000, _("Position")) or 0,
    }


def track_fields(fields: dict) -> dict[str, Any]:
    colour = text(fields, "colour", 7, label=_("Colour")) or "#5b6ee1"
    if not COLOUR_RE.match(colour):
        raise errors.InvalidInput(_("The colour is written like #1a7f5a."), field="colour")
    return {"name": text(fields, "name", 100, required=True, label=_("Track name")), "colour": colour.lower()}


def _links(fields: dict) -> list[str]:
    value = fields.get("links")
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = value.split()
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise errors.InvalidInput(_("Links must be a list of web addresses."), field="links")
    links = [v.strip() for v in value if v.strip()]
    if len(links) > LINKS_MAX:
        raise errors.InvalidInput(_("At most %(n)d links.", n=LINKS_MAX), field="links")
    for link in links:
        parts = urlsplit(link)
        if parts.scheme not in ("http", "https") or not parts.netloc or len(link) > 500:
            raise errors.InvalidInput(
                _("%(link)s is not a web address (it starts with https://).", link=link[:80]), field="links"
            )
    return links


def speaker_fields(fields: dict) -> dict[str, Any]:
    """`email` names the speaker's own account, if they have one (it is looked up, never stored here)."""
    return {
        "name": text(fields, "name", 200, required=True, label=_("Name")),
        "bio": text(fields, "bio", BIO_MAX, label=_("Bio")),
        "pronouns": text(fields, "pronouns", 40, label=_("Pronouns")),
        "affiliation": text(fields, "affiliation", 200, label=_("Affiliation")),
        "links": _links(fields),
        "email": text(fields, "email", 320, label=_("Account email")).lower(),
    }


def session_fields(fields: dict, zone: ZoneInfo) -> dict[str, Any]:
    """Clean and check a session's fields: times are wall-clock in the event's zone or carry an offset."""
    starts_at = to_utc(fields.get("starts_at"), zone, "starts_at")
    ends_at = to_utc(fields.get("ends_at"), zone, "ends_at")
    if starts_at is None:
        raise errors.InvalidInput(_("Please say when the session starts."), field="starts_at")
    if ends_at is None:
        raise errors.InvalidInput(_("Please say when the session ends."), field="ends_at")
    if ends_at <= starts_at:
        raise errors.InvalidInput(_("The session must end after it starts."), field="ends_at")
    language = text(fields, "language", 16, label=_("Language"))
    if language and not LANGUAGE_RE.match(language):
        raise errors.InvalidInput(_("The language is a short code such as en or ru."), field="language")
    kind = choice(fields, "kind", SessionKind, SessionKind.talk)
    values = {
        "title": text(fields, "title", TITLE_MAX, required=True, label=_("Title")),
        "kind": kind,
        "abstract": text(fields, "abstract", ABSTRACT_MAX, label=_("Abstract")),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "room_id": _id_or_none(fields, "room_id", _("room")),
        "track_id": _id_or_none(fields, "track_id", _("track")),
        "language": language.lower(),
        "level": choice(fields, "level", Level, None),
        "capacity": whole(fields, "capacity", 1, CAPACITY_MAX, _("Seats")),
        "speaker_ids": _ids(fields, "speaker_ids", _("speakers"), SPEAKERS_MAX),
    }
    if values["room_id"] is None and kind is not SessionKind.break_:
        raise errors.InvalidInput(_("Please choose the room (only breaks may have none)."), field="room_id")
    return values
