"""Telling members about the achievements they have just earned, if they asked to hear (Topic.achievements
is off unless turned on). "Just earned" is read from the record as the event closes: held with this event's
rows, not held without them. So an achievement is mailed once, by the close that earned it; a hand
correction afterwards mails nothing, and one that takes an achievement away lets a later close earn (and
mail) it again, as the record is the only memory there is. Closes within the hour make one mail."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from sqlalchemy import select, union
from sqlalchemy.orm import Session

from meetups.accounts.models import Member
from meetups.events.models import Event
from meetups.notify import service as outbox
from meetups.notify.models import Topic
from meetups.recognition import profiles
from meetups.recognition.models import Attendance, Contribution, Outcome

#: a member who goes to several events closed within this time gets one mail about all of them
SETTLE = timedelta(hours=1)


def queue_earned_achievements(session: Session, *, event: Event, now: datetime) -> None:
    """One mail per member who wants them, listing what this event's record earned them; a mail still
    waiting from another close grows instead."""
    here = session.scalars(
        union(
            select(Attendance.member_id).where(Attendance.event_id == event.id),
            select(Contribution.member_id).where(Contribution.event_id == event.id),
        )
    )
    # asked first, in one query: most members never turn these on, and then nothing is reckoned at all
    wanting = outbox.wanting(session, here, Topic.achievements)
    if not wanting:
        return
    earned = _newly_earned(session, event, wanting)
    for member in session.scalars(select(Member).where(Member.id.in_(earned)).order_by(Member.id)):
        outbox.queue(
            session,
            to=member,
            kind="achievements_earned",
            topic=Topic.achievements,
            now=now,
            settle_key=f"achievements:{member.id}",
            settle=SETTLE,
            # keys, named in the member's language as the mail goes; the event says where it was earned
            achievements=[{"key": key, "event_id": event.id} for key in earned[member.id]],
            event_ids=[event.id],
        )


def _newly_earned(session: Session, event: Event, here: set[int]) -> dict[int, list[str]]:
    """Member id -> the keys of achievements held with this event's record and not without it. The whole
    record of these members is read in two queries, however many they are."""
    records: dict[int, list[dict]] = defaultdict(list)
    for member_id, event_id, on, outcome in session.execute(
        select(Attendance.member_id, Attendance.event_id, Attendance.event_on, Attendance.outcome)
        .where(Attendance.member_id.in_(here))
        .order_by(Attendance.member_id, Attendance.event_on, Attendance.event_id)
    ):
        records[member_id].append({"event_id": event_id, "on": on, "outcome": outcome})
    contributions: dict[int, list[dict]] = defaultdict(list)
    for member_id, event_id, on, role in session.execute(
        select(Contribution.member_id, Contribution.event_id, Contribution.event_on, Contribution.role)
        .where(Contribution.member_id.in_(here))
        .order_by(Contribution.member_id, Contribution.event_on, Contribution.event_id)
    ):
        contributions[member_id].append({"event_id": event_id, "on": on, "role": role})
    earned = {}
    for member_id in records.keys() | contributions.keys():
        mine, roles = records[member_id], contributions[member_id]
        before = _held(
            [r for r in mine if r["event_id"] != event.id], [c for c in roles if c["event_id"] != event.id]
        )
        after = _held(mine, roles)
        if new := sorted((on, key) for key, on in after.items() if key not in before):
            earned[member_id] = [key for _on, key in new]  # in the order earned, as the profile lists them
    return earned


def _held(records: list[dict], contributions: list[dict]) -> dict[str, date]:
    attended = [r for r in records if r["outcome"] is Outcome.attended]
    # founding a community is no part of a close: held before and after alike, so left out of both
    return profiles.achievement_dates(attended, contributions, [], records)
