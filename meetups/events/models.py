from __future__ import annotations

import enum
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetups.accounts.models import Member
from meetups.communities.models import Community
from meetups.extensions import db


class EventStatus(enum.StrEnum):
    draft = "draft"
    published = "published"
    cancelled = "cancelled"


class RsvpMode(enum.StrEnum):
    open = "open"
    approval = "approval"


class WaitlistMode(enum.StrEnum):
    auto = "auto"
    offer = "offer"


class RsvpWindow(enum.StrEnum):
    """Where an event stands for RSVPs: the one definition the rules, the pages and the API share."""

    draft = "draft"
    cancelled = "cancelled"
    not_open_yet = "not_open_yet"
    open = "open"
    closed = "closed"  # past rsvp_closes_at (by default the start)


class StaffRole(enum.StrEnum):
    organiser = "organiser"
    volunteer = "volunteer"
    speaker = "speaker"


def _enum(cls: type[enum.StrEnum]) -> Enum:
    return Enum(cls, native_enum=False, length=16, validate_strings=True)


class Frequency(enum.StrEnum):
    weekly = "weekly"
    biweekly = "biweekly"
    monthly = "monthly"  # the same weekday of the month: "2nd Tuesday", or "last Friday"


class Series(db.Model):
    """Events that repeat. Each occurrence is a real event with its own RSVPs; the rule is kept to describe it
    and to add occurrences consistently, in the zone's wall-clock time across DST changes."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    frequency: Mapped[Frequency] = mapped_column(_enum(Frequency))
    #: for monthly series: which weekday of the month (1..4, or -1 for the last)
    week_of_month: Mapped[int | None]
    created_at: Mapped[datetime]


class Event(db.Model):
    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity >= 0", name="capacity_not_negative"),
        CheckConstraint("max_guests >= 0", name="max_guests_not_negative"),
        CheckConstraint("overbook >= 0", name="overbook_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    series_id: Mapped[int | None] = mapped_column(ForeignKey("series.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    #: Markdown, rendered through the sanitiser
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    #: IANA zone name; times are shown in it
    timezone: Mapped[str] = mapped_column(String(64))
    venue_name: Mapped[str] = mapped_column(String(200), default="")
    venue_address: Mapped[str] = mapped_column(String(500), default="")
    online_url: Mapped[str] = mapped_column(String(500), default="")
    #: seats for attendees and their guests; None means no limit
    capacity: Mapped[int | None]
    max_guests: Mapped[int] = mapped_column(default=0)
    rsvp_mode: Mapped[RsvpMode] = mapped_column(_enum(RsvpMode), default=RsvpMode.open)
    waitlist_mode: Mapped[WaitlistMode] = mapped_column(_enum(WaitlistMode), default=WaitlistMode.auto)
    #: how long an offered seat is held in offer mode
    offer_hours: Mapped[int] = mapped_column(default=24)
    #: time-adaptive waitlist: this many hours before the start, automatic promotion turns into offers
    #: held for late_offer_hours, so nobody is seated at the last minute without saying yes
    offer_cutover_hours: Mapped[int | None]
    late_offer_hours: Mapped[int] = mapped_column(default=2)
    rsvp_opens_at: Mapped[datetime | None]
    #: None means RSVPs close when the event starts
    rsvp_closes_at: Mapped[datetime | None]
    #: None means two hours before the start
    checkin_opens_at: Mapped[datetime | None]
    #: overbooking: this many more people may take a seat than there are seats, because some never come
    #: (the community health page suggests it from the no-show rate); the waitlist starts after them
    overbook: Mapped[int] = mapped_column(default=0)
    #: attendance is resolved this long after the end, unless an organiser closes the event first
    close_after_hours: Mapped[int] = mapped_column(default=6)
    #: reminder mails 24 h and 2 h before the start, to members going
    send_reminders: Mapped[bool] = mapped_column(default=True)
    #: the alarm the event's .ics sets in members' calendars, this many minutes before; None sets none (new
    #: events get events.fields.ALARM_MINUTES_DEFAULT)
    alarm_minutes: Mapped[int | None]
    #: when attendance was resolved (recognition.service.close_event); the door's record is final then
    closed_at: Mapped[datetime | None]
    status: Mapped[EventStatus] = mapped_column(_enum(EventStatus), default=EventStatus.draft, index=True)
    cancel_reason: Mapped[str] = mapped_column(String(500), default="")
    #: iCalendar SEQUENCE: bumped whenever time, place or status changes
    sequence: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    published_at: Mapped[datetime | None]
    cancelled_at: Mapped[datetime | None]

    community: Mapped[Community] = relationship()
    series: Mapped[Series | None] = relationship()
    staff: Mapped[list[EventStaff]] = relationship(
        back_populates="event", passive_deletes=True, cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r}>"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def local_starts_at(self) -> datetime:
        return self.starts_at.astimezone(self.zone)

    @property
    def local_ends_at(self) -> datetime:
        return self.ends_at.astimezone(self.zone)

    @property
    def is_published(self) -> bool:
        return self.status is EventStatus.published

    @property
    def is_cancelled(self) -> bool:
        return self.status is EventStatus.cancelled

    def has_ended(self, now: datetime) -> bool:
        return self.ends_at <= now

    @property
    def admits(self) -> int | None:
        """How many people may hold seats: the capacity and the overbooking (None: no limit)."""
        return None if self.capacity is None else self.capacity + self.overbook

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    def rsvp_closes(self) -> datetime:
        return self.rsvp_closes_at or self.starts_at

    def checkin_opens(self) -> datetime:
        return self.checkin_opens_at or self.starts_at - timedelta(hours=2)

    def rsvp_window(self, now: datetime) -> RsvpWindow:
        if self.status is EventStatus.draft:
            return RsvpWindow.draft
        if self.is_cancelled:
            return RsvpWindow.cancelled
        if self.rsvp_opens_at is not None and now < self.rsvp_opens_at:
            return RsvpWindow.not_open_yet
        return RsvpWindow.open if now < self.rsvp_closes() else RsvpWindow.closed

    def is_rsvp_open(self, now: datetime) -> bool:
        return self.rsvp_window(now) is RsvpWindow.open


class EventStaff(db.Model):
    """A member's role at one event: organisers manage it, volunteers check people in, speakers speak."""

    __tablename__ = "event_staff"
    __table_args__ = (UniqueConstraint("event_id", "member_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    role: Mapped[StaffRole] = mapped_column(_enum(StaffRole))
    #: staff do not take attendee seats with their own RSVP unless the organiser says so
    takes_seat: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime]

    event: Mapped[Event] = relationship(back_populates="staff")
    member: Mapped[Member] = relationship()
