"""A community's health, for its organisers: members over time, new and returning attendees per event,
retention of first-timers, no-shows per event and by how early people RSVP'd, and an overbooking suggestion
for the next event; and its leaderboard, for its members. Read in a fixed number of queries however many
RSVPs the community has (bench/profiles.py measures 50,000)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from meetups import errors, spreadsheets
from meetups.accounts.models import Member
from meetups.communities import service as communities
from meetups.communities.models import Community, Membership
from meetups.events import service as events
from meetups.events.models import Event, EventStatus
from meetups.extensions import days_between
from meetups.recognition.models import Attendance, Outcome

YEAR = timedelta(days=365)
RETURN_WITHIN = timedelta(days=90)
EVENTS_SHOWN = 12
#: below this many resolved RSVPs a no-show rate says little, and no overbooking is suggested
ENOUGH = 20
#: how early people RSVP'd, in days before the start: (up to, key); pages name them in the reader's language
LEAD_BUCKETS = ((1, "under_a_day"), (7, "days"), (28, "weeks"), (None, "months"))
LEADERBOARD = 10


@dataclass(frozen=True)
class EventHealth:
    event: Event
    attended: int
    no_shows: int
    new: int

    @property
    def returning(self) -> int:
        return self.attended - self.new

    @property
    def no_show_rate(self) -> float | None:
        counted = self.attended + self.no_shows
        return self.no_shows / counted if counted else None


@dataclass(frozen=True)
class Suggestion:
    event: Event
    rate: float
    extra: int

    @property
    def admits(self) -> int:
        return self.event.capacity + self.extra


@dataclass(frozen=True)
class Health:
    community: Community
    #: (month as "2030-04", members at its end), the last 13 months
    members: list[tuple[str, int]]
    per_event: list[EventHealth]
    #: first-timers whose first event is at least 90 days ago, and how many of them came back within 90 days
    first_timers: int
    returned: int
    #: (label, attended, no-shows) by how early people RSVP'd, over the last year
    by_lead: list[tuple[str, int, int]]
    no_show_rate: float | None
    resolved: int
    suggestion: Suggestion | None

    @property
    def retention(self) -> float | None:
        return self.returned / self.first_timers if self.first_timers else None


def _month_ends(today: date, count: int = 13) -> list[date]:
    """The first day after each of the last `count` months (this one included)."""
    ends, year, month = [], today.year, today.month
    for _month in range(count):
        ends.append(date(year + (month == 12), month % 12 + 1, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return ends[::-1]


def get_health(session: Session, *, slug: str, actor: Member | None, now: datetime) -> Health:
    """Everything the health page shows, computed from the attendance record."""
    community = communities.get_community_for(session, slug, actor, "manage_community")
    today = now.date()
    ends = _month_ends(today)
    totals = session.execute(
        select(
            *[
                func.coalesce(
                    func.sum(
                        case(
                            (Membership.joined_at < datetime(e.year, e.month, 1, tzinfo=now.tzinfo), 1),
                            else_=0,
                        )
                    ),
                    0,
                )
                for e in ends
            ]
        ).where(Membership.community_id == community.id)
    ).one()
    members = [(f"{(e - timedelta(days=1)):%Y-%m}", int(n)) for e, n in zip(ends, totals, strict=True)]
    recent = _recent_events(session, community, now)
    first_timers, returned = _retention(session, community, today)
    by_lead = _by_lead(session, community, today)
    resolved = sum(came + missed for _label, came, missed in by_lead)
    rate = sum(missed for _label, _came, missed in by_lead) / resolved if resolved else None
    return Health(
        community=community,
        members=members,
        per_event=_per_event(session, community, recent),
        first_timers=first_timers,
        returned=returned,
        by_lead=[row for row in by_lead if row[0] is not None],
        no_show_rate=rate,
        resolved=resolved,
        suggestion=_suggest(session, community, rate, resolved, now),
    )


# Each number is one aggregate query: the rows stay in the database, however many there are.


def _came(community: Community):
    return (Attendance.community_id == community.id) & (Attendance.outcome == Outcome.attended)


def _first_visits(community: Community):
    """Each member's first attended date in the community."""
    return (
        select(Attendance.member_id, func.min(Attendance.event_on).label("first_on"))
        .where(_came(community), Attendance.member_id.is_not(None))
        .group_by(Attendance.member_id)
        .subquery("first_visits")
    )


def _recent_events(session: Session, community: Community, now: datetime) -> list[Event]:
    return list(
        session.scalars(
            select(Event)
            .where(Event.community_id == community.id, Event.closed_at.is_not(None))
            .order_by(Event.starts_at.desc())
            .limit(EVENTS_SHOWN)
        )
    )[::-1]


def _per_event(session: Session, community: Community, recent: list[Event]) -> list[EventHealth]:
    first = _first_visits(community)
    came = Attendance.outcome == Outcome.attended
    counts = {
        event_id: (int(attended), int(no_shows), int(new))
        for event_id, attended, no_shows, new in session.execute(
            select(
                Attendance.event_id,
                func.sum(case((came, 1), else_=0)),
                func.sum(case((Attendance.outcome == Outcome.no_show, 1), else_=0)),
                func.sum(case((came & (Attendance.event_on == first.c.first_on), 1), else_=0)),
            )
            .outerjoin(first, first.c.member_id == Attendance.member_id)
            .where(Attendance.event_id.in_([e.id for e in recent]))
            .group_by(Attendance.event_id)
        )
    }
    return [EventHealth(e, *counts.get(e.id, (0, 0, 0))) for e in recent]


def _retention(session: Session, community: Community, today: date) -> tuple[int, int]:
    """First-timers whose first event is at least 90 days ago, and how many came again within 90 days."""
    # one pass over the community's record: each member's first and second date they came
    nth = func.dense_rank().over(partition_by=Attendance.member_id, order_by=Attendance.event_on).label("nth")
    dates = (
        select(Attendance.member_id, Attendance.event_on, nth)
        .where(_came(community), Attendance.member_id.is_not(None))
        .subquery("dates")
    )
    visits = (
        select(
            func.min(case((dates.c.nth == 1, dates.c.event_on))).label("first_on"),
            func.min(case((dates.c.nth == 2, dates.c.event_on))).label("second_on"),
        )
        .where(dates.c.nth <= 2)
        .group_by(dates.c.member_id)
        .subquery("visits")
    )
    back = visits.c.second_on.is_not(None) & (
        days_between(visits.c.second_on, visits.c.first_on) <= RETURN_WITHIN.days
    )
    total, returned = session.execute(
        select(func.count(), func.coalesce(func.sum(case((back, 1), else_=0)), 0)).where(
            visits.c.first_on <= today - RETURN_WITHIN
        )
    ).one()
    return int(total), int(returned)


def _by_lead(session: Session, community: Community, today: date) -> list[tuple[str | None, int, int]]:
    """(bucket, came, did not come) over the last year, by how long before the start people RSVP'd; the
    None bucket holds records without an RSVP time, counted in the totals only."""
    lead = days_between(Event.starts_at, Attendance.rsvp_at)
    bucket = case(
        (Attendance.rsvp_at.is_(None), None),
        *[(lead < limit, label) for limit, label in LEAD_BUCKETS if limit is not None],
        else_=LEAD_BUCKETS[-1][1],
    ).label("bucket")
    year = (
        select(bucket, Attendance.outcome.label("outcome"))
        .join(Event, Event.id == Attendance.event_id)
        .where(
            Attendance.community_id == community.id,
            Attendance.outcome.in_([Outcome.attended, Outcome.no_show]),
            Attendance.event_on >= today - YEAR,
        )
        .subquery("year")
    )
    counts = {
        (label, Outcome(outcome)): int(n)
        for label, outcome, n in session.execute(
            select(year.c.bucket, year.c.outcome, func.count()).group_by(year.c.bucket, year.c.outcome)
        )
    }
    labels = [label for _limit, label in LEAD_BUCKETS] + [None]
    return [
        (label, counts.get((label, Outcome.attended), 0), counts.get((label, Outcome.no_show), 0))
        for label in labels
    ]


def _next_event(session: Session, community: Community, now: datetime) -> Event | None:
    return session.scalar(
        select(Event)
        .where(
            Event.community_id == community.id,
            Event.status == EventStatus.published,
            Event.starts_at > now,
            Event.capacity.is_not(None),
            Event.capacity > 0,
        )
        .order_by(Event.starts_at)
        .limit(1)
    )


def _suggest(session: Session, community: Community, rate: float | None, resolved: int, now: datetime):
    """Past no-show rate 18 % → 18 extra places for 100 seats: about as many come as there are seats."""
    event = _next_event(session, community, now)
    if event is None or rate is None or resolved < ENOUGH:
        return None
    return Suggestion(event, rate, int(event.capacity * rate))


def apply_overbooking(session: Session, *, slug: str, event_id: int, actor: Member, now: datetime) -> Event:
    """Give the next event the suggested overbooking (the RSVP rules then admit that many more, and the
    waitlist moves up into them)."""
    health = get_health(session, slug=slug, actor=actor, now=now)
    if health.suggestion is None or health.suggestion.event.id != event_id:
        raise errors.InvalidState(_("There is no overbooking suggestion for that event now."))
    return events.update_event(
        session,
        event=health.suggestion.event,
        actor=actor,
        changes={"overbook": health.suggestion.extra},
        now=now,
    )


def health_csv(health: Health) -> str:
    """The page's numbers as a spreadsheet: one row per event, then the monthly members and lead times."""
    rows: list[list[object]] = []
    for item in health.per_event:
        rate = "" if item.no_show_rate is None else round(100 * item.no_show_rate, 1)
        rows.append(
            [
                "event",
                item.event.local_starts_at.date().isoformat(),
                item.event.title,
                item.attended,
                item.new,
                item.returning,
                item.no_shows,
                rate,
            ]
        )
    rows += [["members", month, "", n, "", "", "", ""] for month, n in health.members]
    rows += [["rsvp_lead", "", label, came, "", "", missed, ""] for label, came, missed in health.by_lead]
    header = ["kind", "date", "title", "attended", "new", "returning", "no_shows", "no_show_rate_percent"]
    return spreadsheets.to_csv(header, rows)


# The leaderboard


@dataclass(frozen=True)
class Leader:
    member: Member
    attended: int


def get_leaderboard(
    session: Session, *, community: Community, viewer: Member | None, now: datetime
) -> list[Leader] | None:
    """Who came to most events in the last 12 months, for the community's members (None for anyone else);
    members who opted out are left out."""
    signed_in = viewer is not None and viewer.is_authenticated
    if not signed_in or (not viewer.is_admin and communities.get_role(session, viewer, community) is None):
        return None
    attended = func.count(Attendance.id).label("attended")
    rows = session.execute(
        select(Member, attended)
        .join(Attendance, Attendance.member_id == Member.id)
        .where(
            Attendance.community_id == community.id,
            Attendance.outcome == Outcome.attended,
            Attendance.event_on >= (now - YEAR).date(),
            Member.show_on_leaderboards.is_(True),
        )
        .group_by(Member.id)
        .order_by(attended.desc(), Member.name)
        .limit(LEADERBOARD)
    )
    return [Leader(member, n) for member, n in rows]


def get_community_leaderboard(
    session: Session, *, slug: str, viewer: Member | None, now: datetime
) -> list[Leader]:
    """The leaderboard of a community by its short name; refused to anyone but its members."""
    leaders = get_leaderboard(
        session, community=communities.get_community(session, slug), viewer=viewer, now=now
    )
    if leaders is None:
        raise errors.PermissionDenied(_("The leaderboard is for the community's members."))
    return leaders
