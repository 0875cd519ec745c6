"""Feedback on the programme's sessions, given with the survey's answers: which sessions a member is asked
about (those they were scanned into, then those they starred; never breaks, cancelled sessions or their own
talks), and checking and keeping a rating of 1 to 5 and a short comment on each, both optional."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from meetups import errors
from meetups.accounts.models import Member
from meetups.events.models import Event
from meetups.programme import schedule
from meetups.programme.models import ProgrammeSession, SessionCheckIn, SessionKind, SessionStatus
from meetups.questionnaires import is_blank
from meetups.rsvps.models import Rsvp
from meetups.surveys.answers import check_scale
from meetups.surveys.models import SessionFeedback, SurveyResponse

RATING = (1, 5)
COMMENT_MAX = 2000

#: {session id: (rating or None, comment)}, only for sessions given something
Given = dict[int, tuple[int | None, str]]


@dataclass(frozen=True)
class Offered:
    """A session the member is asked about, and why: scanned in at its door, or else on their schedule."""

    item: ProgrammeSession
    attended: bool


def offered_sessions(
    session: Session, event: Event, member: Member, response: SurveyResponse | None = None
) -> list[Offered]:
    """The sessions attended (in time order), then the starred ones; with those the member's response already
    speaks of, so an answer given stays on the page. Four queries however many there are."""
    attended = set(
        session.scalars(
            select(SessionCheckIn.session_id)
            .join(Rsvp, Rsvp.id == SessionCheckIn.rsvp_id)
            .where(Rsvp.event_id == event.id, Rsvp.member_id == member.id)
        )
    )
    ids = attended | schedule.starred_ids(session, event, member)
    if response is not None:
        ids |= {given.session_id for given in response.session_feedback}
    if not ids:
        return []
    items = session.scalars(
        select(ProgrammeSession)
        .where(
            ProgrammeSession.id.in_(ids),
            ProgrammeSession.event_id == event.id,
            ProgrammeSession.kind != SessionKind.break_,
            ProgrammeSession.status == SessionStatus.scheduled,
        )
        .options(selectinload(ProgrammeSession.speaker_links), selectinload(ProgrammeSession.room))
        .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
    )
    offered = [
        Offered(item, item.id in attended)
        for item in items
        if all(speaker.member_id != member.id for speaker in item.speakers)  # nobody rates their own talk
    ]
    return sorted(offered, key=lambda o: not o.attended)  # stable: each part stays in time order


def by_day(offered: list[Offered], zone: ZoneInfo) -> list[tuple[date, list[Offered]]]:
    """The offered sessions by day in the event's zone, days in order; attended first within each."""
    days: dict[date, list[Offered]] = {}
    for o in offered:
        days.setdefault(o.item.local_starts_at(zone).date(), []).append(o)
    return sorted(days.items(), key=lambda day: day[0])


def feedback_problems(offered: list[Offered], given: Any) -> tuple[Given | None, dict[str, str]]:
    """What the member says of each offered session, checked: the ratings and comments that say something
    (None when `given` is None: nothing to change), and every problem, {session id: message}."""
    if given is None:
        return None, {}
    if not isinstance(given, dict):
        raise errors.InvalidAnswer(_("Feedback on sessions must be given per session."), field="sessions")
    items = {str(o.item.id): o.item for o in offered}
    for key in given:
        if str(key) not in items:
            raise errors.InvalidAnswer(
                _(
                    "You can give feedback on the sessions you attended or starred; session %(id)s is not "
                    "one of them.",
                    id=str(key)[:20],
                ),
                field="sessions",
                session=str(key)[:20],
            )
    clean: Given = {}
    problems: dict[str, str] = {}
    for key, item in items.items():
        value = given.get(key, given.get(item.id))
        if value is None:
            continue
        try:
            rating, comment = _check_one(value)
        except ValueError as problem:
            problems[key] = str(problem)
            continue
        if rating is not None or comment:
            clean[item.id] = (rating, comment)
    return clean, problems


def _check_one(value: Any) -> tuple[int | None, str]:
    if not isinstance(value, dict):
        raise ValueError(_("please give a rating, a comment or both."))
    rating = value.get("rating")
    rating = None if is_blank(rating) else check_scale(rating, *RATING)
    comment = value.get("comment")
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise ValueError(_("please comment with text."))
    if len(comment.strip()) > COMMENT_MAX:
        raise ValueError(_("at most %(n)d characters, please.", n=COMMENT_MAX))
    return rating, comment.strip()


def problems_error(offered: list[Offered], problems: dict[str, str]) -> errors.InvalidAnswer:
    """The error for problems with sessions only: the first session at fault named in the message."""
    titles = {str(o.item.id): o.item.title for o in offered}
    key, message = next(iter(problems.items()))
    return errors.InvalidAnswer(
        f"{titles[key]}: {message}", field="sessions", session=int(key), sessions=problems
    )


def keep_feedback(response: SurveyResponse, given: Given | None) -> None:
    """The response's feedback on sessions becomes `given` (None leaves it as it is)."""
    if given is None:
        return
    existing = {row.session_id: row for row in response.session_feedback}
    for session_id, row in existing.items():
        if session_id not in given:
            response.session_feedback.remove(row)  # delete-orphan
    for session_id, (rating, comment) in given.items():
        row = existing.get(session_id)
        if row is None:
            response.session_feedback.append(
                SessionFeedback(session_id=session_id, rating=rating, comment=comment)
            )
        else:
            row.rating, row.comment = rating, comment


def shown_feedback(response: SurveyResponse | None) -> dict[str, dict[str, Any]]:
    """A response's feedback on sessions as a form or the API shows it, {session id: {rating, comment}}."""
    if response is None:
        return {}
    return {
        str(row.session_id): {"rating": row.rating, "comment": row.comment}
        for row in response.session_feedback
    }
