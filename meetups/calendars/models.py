from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from meetups.extensions import db


class CalendarFeed(db.Model):
    """A member's personal feed settings. The secret link is not stored: it is an HMAC, under the app's
    secret key, of the member and `nonce` (see calendars.links.feed_token), so /me can show it again while
    a copy of the database alone cannot rebuild it. A member without a row has a working link with the empty
    nonce; a reset stores a new nonce, and the old link stops matching at once."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), unique=True)
    #: random, 128 bits; changed by every reset
    nonce: Mapped[str] = mapped_column(String(32), default="")
    #: also list every published event of the member's communities, not just their RSVPs
    include_community_events: Mapped[bool] = mapped_column(default=False)
    #: when the current link was made (the last reset), or when the setting was first saved
    created_at: Mapped[datetime]


class CalendarEventCache(db.Model):
    """An event's VEVENT as the public feeds serve it, serialised once per change and language: building one
    with icalendar (and its description with Markdown) costs about a millisecond, joining cached ones nothing.
    A row is valid while its fingerprint matches the event (sequence, updated_at, status, community name)."""

    __tablename__ = "calendar_event_cache"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    locale: Mapped[str] = mapped_column(String(8), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
