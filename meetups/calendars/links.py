"""Links to feeds: the personal feed's secret link (made, checked, reset) with its setting, and the
add-to-calendar links of an event page."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from meetups import errors
from meetups.accounts.models import Member
from meetups.calendars import ics
from meetups.calendars.models import CalendarFeed
from meetups.events.models import Event
from meetups.site import Site


def feed_token(member: Member, nonce: str, secret: str) -> str:
    """<member id>-<192-bit HMAC of the member and the nonce>. The member's creation time is in the message,
    so a link can never open a later account that reuses the id (SQLite may reuse the highest one)."""
    created = member.created_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S%f")
    message = f"calendar-feed:{member.id}:{created}:{nonce}".encode()
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()[:24]
    return f"{member.id}-{base64.urlsafe_b64encode(mac).decode()}"


def find_owner(session: Session, token: str, *, site: Site) -> tuple[Member, CalendarFeed | None] | None:
    member_id, dash, _mac = token.partition("-")
    if not (dash and member_id.isascii() and member_id.isdigit() and len(token) <= 64):
        return None
    if int(member_id) >= 2**31:  # beyond an integer column: PostgreSQL would refuse the query
        return None
    row = session.execute(
        select(Member, CalendarFeed)
        .outerjoin(CalendarFeed, CalendarFeed.member_id == Member.id)
        .where(Member.id == int(member_id))
    ).first()
    if row is None:
        return None
    member, settings = row
    expected = feed_token(member, settings.nonce if settings else "", site.secret_key)
    return (member, settings) if hmac.compare_digest(expected.encode(), token.encode()) else None


@dataclass(frozen=True)
class FeedSettings:
    """What /me and the API show about a member's feed."""

    url: str
    include_community_events: bool

    @property
    def webcal_url(self) -> str:
        return webcal(self.url)

    @property
    def google_url(self) -> str:
        return "https://calendar.google.com/calendar/r?" + urlencode({"cid": self.webcal_url})


def webcal(url: str) -> str:
    """The same feed for "subscribe": calendar apps open webcal:// links."""
    return "webcal://" + url.split("://", 1)[1]


def _settings_of(session: Session, member: Member) -> CalendarFeed | None:
    return session.scalar(select(CalendarFeed).where(CalendarFeed.member_id == member.id))


def _feed_settings(member: Member, settings: CalendarFeed | None, site: Site) -> FeedSettings:
    token = feed_token(member, settings.nonce if settings else "", site.secret_key)
    return FeedSettings(
        url=site.url("calendars.personal_feed", token=token),
        include_community_events=bool(settings and settings.include_community_events),
    )


def get_feed_settings(session: Session, member: Member, *, site: Site) -> FeedSettings:
    """The member's secret feed link and setting; reading them writes nothing."""
    return _feed_settings(member, _settings_of(session, member), site)


def calendar_url(session: Session, member: Member, *, site: Site) -> str:
    """The member's secret feed URL, for GET /api/v1/me."""
    return get_feed_settings(session, member, site=site).url


def _settings_row(session: Session, member: Member, now: datetime) -> CalendarFeed:
    settings = _settings_of(session, member)
    if settings is not None:
        return settings
    try:
        with session.begin_nested():  # two first saves at once: the second finds the first's row
            settings = CalendarFeed(
                member_id=member.id, nonce="", include_community_events=False, created_at=now
            )
            session.add(settings)
    except IntegrityError:
        settings = _settings_of(session, member)
    return settings


def reset_calendar(session: Session, member: Member, *, site: Site, now: datetime) -> FeedSettings:
    """A new secret link; the old one stops working at once."""
    settings = _settings_row(session, member, now)
    settings.nonce, settings.created_at = secrets.token_urlsafe(16), now
    session.flush()
    return _feed_settings(member, settings, site)


def set_include_community_events(
    session: Session, member: Member, value: bool, *, site: Site, now: datetime
) -> FeedSettings:
    """Whether the feed also lists every event of the member's communities; the link stays the same."""
    if not isinstance(value, bool):
        raise errors.InvalidInput(_("Choose yes or no."), field="include_community_events")
    settings = _settings_row(session, member, now)
    settings.include_community_events = value
    session.flush()
    return _feed_settings(member, settings, site)


# Links on event pages


def event_links(event: Event, *, site: Site) -> dict[str, str]:
    """Download, subscribe (webcal) and Google Calendar links for one event."""
    page = site.url("events.show", event_id=event.id)
    ics_url = site.url("calendars.event_feed", event_id=event.id)
    details = ics.plain_description(event)
    details = (details[:600].rstrip() + "…" if len(details) > 600 else details) + f"\n\n{page}"
    google = {
        "action": "TEMPLATE",
        "text": event.title,
        "dates": f"{_google_time(event.starts_at)}/{_google_time(event.ends_at)}",
        "details": details.strip(),
        "location": ics.location(event),
        "ctz": event.timezone,
    }
    return {
        "ics": ics_url,
        "webcal": webcal(ics_url),
        "google": "https://calendar.google.com/calendar/render?" + urlencode(google, quote_via=quote),
    }


def _google_time(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
