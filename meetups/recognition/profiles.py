"""A member's profile, computed from the attendance record: history, counts per community, streaks,
reliability and achievements, and who may see which part. A fixed number of queries however long the
history (bench/profiles.py measures it at 500 events)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import Session

from meetups import errors
from meetups.accounts.models import Member, Visibility
from meetups.communities.models import Community, CommunityRole, Membership
from meetups.events.models import Event, EventStatus
from meetups.recognition.models import AchievementSeen, Attendance, Contribution, Outcome

#: attended events that earn a count achievement
MILESTONES = (5, 10, 25, 50)
#: "came back": an attended event this long after the one before
AWAY = timedelta(days=365)
STREAK_MONTHS = 3
#: how many past RSVPs the nudge on the RSVP box looks at ("you came to 7 of your last 8")
NUDGE_LOOKBACK = 8


# Who may see what


def shares_a_community(session: Session, viewer: Member, member: Member) -> bool:
    mine = select(Membership.community_id).where(Membership.member_id == viewer.id)
    return (
        session.scalar(
            select(Membership.id)
            .where(Membership.member_id == member.id, Membership.community_id.in_(mine))
            .limit(1)
        )
        is not None
    )


def can_see_profile(session: Session, viewer: Member | None, member: Member) -> bool:
    """The one rule for a profile and its attendance: the member's own setting (public, members of their
    communities, only them); site admins see every profile."""
    signed_in = viewer is not None and viewer.is_authenticated
    if signed_in and (viewer.id == member.id or viewer.is_admin):
        return True
    if member.profile_visibility is Visibility.public:
        return True
    if member.profile_visibility is Visibility.communities and signed_in:
        return shares_a_community(session, viewer, member)
    return False


def _organises_for(session: Session, viewer: Member, member: Member) -> bool:
    """Whether the viewer organises a community the member belongs to (they see reliability)."""
    theirs = select(Membership.community_id).where(Membership.member_id == member.id)
    return (
        session.scalar(
            select(Membership.id)
            .where(
                Membership.member_id == viewer.id,
                Membership.role == CommunityRole.organiser,
                Membership.community_id.in_(theirs),
            )
            .limit(1)
        )
        is not None
    )


# What a profile says


@dataclass(frozen=True)
class HistoryItem:
    event_id: int
    title: str
    community: str
    community_slug: str
    on: date
    outcome: Outcome | None  # None: a staff role without an RSVP of their own
    roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Streak:
    current: int = 0
    longest: int = 0
    #: the series it counts dates of; None for months
    series: str | None = None


@dataclass(frozen=True)
class Achievement:
    key: str
    title: str
    description: str
    earned_on: date
    is_new: bool = False


@dataclass(frozen=True)
class Profile:
    member: Member
    is_own: bool
    history: list[HistoryItem]
    #: (community name, slug, events attended there), most first
    per_community: list[tuple[str, str, int]]
    attended: int
    no_shows: int
    months: Streak
    dates: Streak
    achievements: list[Achievement]
    #: attended ÷ (attended + no-shows); None when not shown (only to the member and their organisers)
    reliability: float | None = None
    founded: list[str] = field(default_factory=list)


def get_profile(session: Session, *, member_id: int, viewer: Member | None, now: datetime) -> Profile:
    """A member's profile as the viewer may see it; hidden and missing profiles get the same answer."""
    member = session.get(Member, member_id)
    if member is None or not can_see_profile(session, viewer, member):
        raise errors.NotFound(_("There is no such member, or their profile is private."))
    is_own = viewer is not None and viewer.is_authenticated and viewer.id == member.id
    records = _records(session, member.id)
    contributions = _contributions(session, member.id)
    founded = list(
        session.execute(
            select(Community.name, Community.created_at).where(Community.founded_by_id == member.id)
        )
    )
    attended = [r for r in records if r["outcome"] is Outcome.attended]
    no_shows = sum(r["outcome"] is Outcome.no_show for r in records)
    months = monthly_streak(records, now.date())
    dates = series_streak(session, records, now)
    earned = achievements(attended, contributions, [created for _name, created in founded], records)
    seen = set(session.scalars(select(AchievementSeen.key).where(AchievementSeen.member_id == member.id)))
    signed_in = viewer is not None and viewer.is_authenticated
    shows_reliability = is_own or (signed_in and (viewer.is_admin or _organises_for(session, viewer, member)))
    counted = len(attended) + no_shows
    history = _history(records, contributions)
    if not shows_reliability:  # someone's no-shows are theirs and their organisers' business only
        history, no_shows = [item for item in history if item.outcome is not Outcome.no_show], 0
    return Profile(
        member=member,
        is_own=is_own,
        history=history,
        per_community=_per_community(attended),
        attended=len(attended),
        no_shows=no_shows,
        months=months,
        dates=dates,
        achievements=[Achievement(**a, is_new=is_own and a["key"] not in seen) for a in earned],
        reliability=(len(attended) / counted if counted else None) if shows_reliability else None,
        founded=[name for name, _created in founded],
    )


def mark_achievements_seen(session: Session, profile: Profile, now: datetime) -> None:
    """The member has now seen their new achievements: next time they are no longer new."""
    for achievement in profile.achievements:
        if achievement.is_new:
            session.add(AchievementSeen(member_id=profile.member.id, key=achievement.key, seen_at=now))
    session.flush()


def _records(session: Session, member_id: int) -> list[dict]:
    rows = session.execute(
        select(
            Attendance.event_id,
            Attendance.event_on,
            Attendance.outcome,
            Attendance.series_id,
            Event.title,
            Community.name,
            Community.slug,
        )
        .join(Event, Event.id == Attendance.event_id)
        .join(Community, Community.id == Attendance.community_id)
        .where(Attendance.member_id == member_id)
        .order_by(Attendance.event_on, Attendance.event_id)
    )
    keys = ("event_id", "on", "outcome", "series_id", "title", "community", "slug")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _contributions(session: Session, member_id: int) -> list[dict]:
    rows = session.execute(
        select(
            Contribution.event_id,
            Contribution.event_on,
            Contribution.role,
            Event.title,
            Community.name,
            Community.slug,
        )
        .join(Event, Event.id == Contribution.event_id)
        .join(Community, Community.id == Contribution.community_id)
        .where(Contribution.member_id == member_id)
        .order_by(Contribution.event_on, Contribution.event_id)
    )
    keys = ("event_id", "on", "role", "title", "community", "slug")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def _history(records: list[dict], contributions: list[dict]) -> list[HistoryItem]:
    """What they came to and did, newest first: declined-in-time RSVPs are nobody's business."""
    roles: dict[int, list[str]] = defaultdict(list)
    for c in contributions:
        roles[c["event_id"]].append(c["role"])
    by_event = {r["event_id"]: r for r in records if r["outcome"] in (Outcome.attended, Outcome.no_show)}
    items = [
        HistoryItem(
            r["event_id"],
            r["title"],
            r["community"],
            r["slug"],
            r["on"],
            r["outcome"],
            tuple(roles.get(r["event_id"], ())),
        )
        for r in by_event.values()
    ]
    items += [
        HistoryItem(
            c["event_id"], c["title"], c["community"], c["slug"], c["on"], None, tuple(roles[c["event_id"]])
        )
        for c in {c["event_id"]: c for c in contributions}.values()
        if c["event_id"] not in by_event
    ]
    return sorted(items, key=lambda item: (item.on, item.event_id), reverse=True)


def _per_community(attended: list[dict]) -> list[tuple[str, str, int]]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for r in attended:
        counts[(r["community"], r["slug"])] += 1
    return sorted(((name, slug, n) for (name, slug), n in counts.items()), key=lambda x: (-x[2], x[0]))


# Streaks: forgiving what is not the member's fault


def _month(day: date) -> int:
    return day.year * 12 + day.month - 1


def monthly_streak(records: list[dict], today: date) -> Streak:
    """Consecutive calendar months with an attended event. A month with only an RSVP cancelled in time is
    excused: it neither breaks nor lengthens a streak. The current month still counts as running."""
    came = {_month(r["on"]) for r in records if r["outcome"] is Outcome.attended}
    excused = {_month(r["on"]) for r in records if r["outcome"] is Outcome.excused} - came
    if not came:
        return Streak()
    longest = run = 0
    for month in range(min(came), max(came) + 1):
        if month in came:
            run += 1
            longest = max(longest, run)
        elif month not in excused:
            run = 0
    current, month = 0, _month(today)
    if month not in came and month not in excused:
        month -= 1  # this month is not over yet: last month's streak is still alive
    while month in came or month in excused:
        current += month in came
        month -= 1
    return Streak(current, longest)


def streak_reached_on(records: list[dict], length: int) -> date | None:
    """The date a monthly streak first reached `length` months (for the achievement)."""
    came = sorted({r["on"] for r in records if r["outcome"] is Outcome.attended})
    excused = {_month(r["on"]) for r in records if r["outcome"] is Outcome.excused}
    run, last = 0, None
    for day in came:
        month = _month(day)
        if last is not None and month == last:
            continue
        gap = range(last + 1, month) if last is not None else range(0)
        run = run + 1 if all(m in excused for m in gap) else 1
        last = month
        if run >= length:
            return day
    return None


def series_streak(session: Session, records: list[dict], now: datetime) -> Streak:
    """Consecutive dates of a series attended, the best of the member's series. A date the organisers
    cancelled, or one the member excused themselves from in time, never breaks it."""
    outcomes = {r["event_id"]: r["outcome"] for r in records}
    series_ids = {
        r["series_id"] for r in records if r["series_id"] is not None and r["outcome"] is Outcome.attended
    }
    if not series_ids:
        return Streak()
    rows = session.execute(
        select(Event.series_id, Event.id, Event.status, Event.title)
        .where(
            Event.series_id.in_(series_ids),
            Event.ends_at <= now,
            Event.status != EventStatus.draft,
        )
        .order_by(Event.series_id, Event.starts_at)
    )
    dates: dict[int, list[tuple[int, EventStatus]]] = defaultdict(list)
    titles: dict[int, str] = {}
    for series_id, event_id, status, title in rows:
        dates[series_id].append((event_id, status))
        titles.setdefault(series_id, title)
    best = Streak()
    for series_id, occurrences in dates.items():
        run = longest = 0
        for event_id, status in occurrences:
            outcome = outcomes.get(event_id)
            if status is EventStatus.cancelled or outcome is Outcome.excused:
                continue
            run = run + 1 if outcome is Outcome.attended else 0
            longest = max(longest, run)
        if (run, longest) > (best.current, best.longest):
            best = Streak(run, longest, titles[series_id])
    return best


# Achievements: from the record, never a stored counter


def achievement_title(key: str) -> tuple[str, str]:
    """An achievement's name and what it takes, in the reader's language (the profile, the mail)."""
    return _titles()[key]


def _titles() -> dict[str, tuple[str, str]]:
    return {
        "first_event": (_("First meetup"), _("Came to a first event.")),
        **{
            f"events_{n}": (
                ngettext("%(num)d meetup", "%(num)d meetups", n),
                ngettext("Came to %(num)d event.", "Came to %(num)d events.", n),
            )
            for n in MILESTONES
        },
        "streak_3_months": (_("Three months running"), _("Came to an event three months in a row.")),
        "first_talk": (_("First talk"), _("Gave a first talk.")),
        "door_volunteer": (_("At the door"), _("Volunteered at the door.")),
        "founder": (_("Founder"), _("Founded a community.")),
        "comeback": (_("Welcome back"), _("Came back after more than a year away.")),
    }


def achievements(
    attended: list[dict], contributions: list[dict], founded: list[datetime], records: list[dict]
) -> list[dict]:
    """Each achievement with the date it was earned, in the order earned."""
    titles = _titles()
    earned = achievement_dates(attended, contributions, founded, records)
    return [
        {"key": key, "title": titles[key][0], "description": titles[key][1], "earned_on": on}
        for key, on in sorted(earned.items(), key=lambda item: (item[1], item[0]))
    ]


def achievement_dates(
    attended: list[dict], contributions: list[dict], founded: list[datetime], records: list[dict]
) -> dict[str, date]:
    """Each achievement held, by key, with the date it was earned; unnamed, as naming costs more than the
    reckoning when a close weighs the record of everyone who came (recognition/mail.py)."""
    earned: dict[str, date] = {}
    days = [r["on"] for r in attended]
    if days:
        earned["first_event"] = days[0]
    for n in MILESTONES:
        if len(days) >= n:
            earned[f"events_{n}"] = days[n - 1]
    if (reached := streak_reached_on(records, STREAK_MONTHS)) is not None:
        earned["streak_3_months"] = reached
    for role, key in (("speaker", "first_talk"), ("volunteer", "door_volunteer")):
        if first := next((c["on"] for c in contributions if c["role"] == role), None):
            earned[key] = first
    if founded:
        earned["founder"] = min(founded).date()
    if back := next((b for a, b in pairwise(days) if b - a > AWAY), None):
        earned["comeback"] = back
    return earned


# The nudge against no-shows


def recent_record(session: Session, member_id: int) -> tuple[int, int]:
    """(came, of) over the member's last few RSVPs that resolved to attended or no-show."""
    outcomes = session.scalars(
        select(Attendance.outcome)
        .where(Attendance.member_id == member_id, Attendance.outcome.in_([Outcome.attended, Outcome.no_show]))
        .order_by(Attendance.event_on.desc(), Attendance.id.desc())
        .limit(NUDGE_LOOKBACK)
    ).all()
    return sum(o is Outcome.attended for o in outcomes), len(outcomes)
