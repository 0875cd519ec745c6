"""What the survey says about each session of the programme: how many rated it, the average and the spread
from 1 to 5, and the comments. Organisers read every session's; a speaker with an account reads their own
sessions' only, never another's. Only the organisers of a survey that is not anonymous see who wrote a
comment; in an anonymous survey a session's results wait for MIN_SHOWN answers, so that a small room cannot
tell who said what."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from meetups import errors
from meetups.accounts.models import Member
from meetups.events import service as events
from meetups.events.models import Event
from meetups.programme import service as programme
from meetups.programme.models import ProgrammeSession, SessionKind, SessionSpeaker, Speaker
from meetups.surveys.feedback import RATING
from meetups.surveys.models import SessionFeedback, Survey, SurveyResponse
from meetups.surveys.questions import survey_of

#: in an anonymous survey, a session's ratings and comments are shown from this many answers on
MIN_SHOWN = 3
SORTS = ("average", "count", "time")


@dataclass(frozen=True)
class Comment:
    text: str
    #: None unless an organiser reads a survey that is not anonymous
    member: Member | None


@dataclass(frozen=True)
class SessionResult:
    item: ProgrammeSession
    #: responses that said something about it (a rating, a comment or both)
    answered: int
    ratings: int
    average: float | None
    #: ("1", count) to ("5", count)
    counts: list[tuple[str, int]]
    #: newest first
    comments: list[Comment]
    #: an anonymous survey with fewer than MIN_SHOWN answers on it: only `answered` is told
    hidden: bool


@dataclass(frozen=True)
class SessionResultsPage:
    event: Event
    survey: Survey
    sessions: list[SessionResult]
    #: the reader runs the event (every session); else a speaker reading their own
    is_organiser: bool
    sort: str


def speaker_ids(session: Session, event: Event, member: Member | None) -> list[int]:
    """The event's speaker entries linked to the member's account (usually one; none for most people)."""
    if member is None or not member.is_authenticated:
        return []
    return list(
        session.scalars(
            select(Speaker.id).where(Speaker.event_id == event.id, Speaker.member_id == member.id)
        )
    )


def get_session_results_page(
    session: Session, *, event_id: int, viewer: Member | None, sort: str = ""
) -> SessionResultsPage:
    """Every session's results for the event's organisers; a speaker's own sessions for a speaker; anyone
    else is refused."""
    if viewer is None or not viewer.is_authenticated:
        raise errors.LoginRequired(_("Please log in first."))
    event = events.get_event(session, event_id, viewer=viewer)
    organiser = events.can(session, viewer, event, "manage")
    mine = [] if organiser else speaker_ids(session, event, viewer)
    if not organiser and not mine:
        raise errors.PermissionDenied(
            _("Only the event's organisers and its speakers can read the feedback on sessions."),
            action="see_session_feedback",
        )
    survey, sort = survey_of(session, event), clean_sort(sort)
    if organiser:
        return SessionResultsPage(
            event, survey, for_organisers(session, event, survey, sort=sort), True, sort
        )
    found = summarise(session, survey, _sessions_of(session, mine), named=False, sort=sort)
    return SessionResultsPage(event, survey, found, False, sort)


def clean_sort(sort: str) -> str:
    return sort if sort in SORTS else SORTS[0]


def for_organisers(session: Session, event: Event, survey: Survey, *, sort: str) -> list[SessionResult]:
    """Every session's results, with who wrote each comment unless the survey is anonymous."""
    items = programme.list_sessions(session, event)
    return summarise(session, survey, items, named=not survey.is_anonymous, sort=sort)


def _sessions_of(session: Session, speaker_ids: list[int]) -> list[ProgrammeSession]:
    return list(
        session.scalars(
            select(ProgrammeSession)
            .where(
                ProgrammeSession.id.in_(
                    select(SessionSpeaker.session_id).where(SessionSpeaker.speaker_id.in_(speaker_ids))
                )
            )
            .options(selectinload(ProgrammeSession.speaker_links), selectinload(ProgrammeSession.room))
            .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
        )
    )


def summarise(
    session: Session, survey: Survey, items: list[ProgrammeSession], *, named: bool, sort: str = ""
) -> list[SessionResult]:
    """The results of these sessions (breaks left out, and cancelled ones nobody spoke of), in one query
    however many there are, sorted by `sort` (one of SORTS; the average, best first, by default)."""
    rows: dict[int, list[tuple[SessionFeedback, Member | None]]] = {item.id: [] for item in items}
    if rows:
        found = session.execute(
            select(SessionFeedback, Member)
            .join(SurveyResponse, SurveyResponse.id == SessionFeedback.response_id)
            .outerjoin(Member, Member.id == SurveyResponse.member_id)
            .where(SurveyResponse.survey_id == survey.id, SessionFeedback.session_id.in_(rows))
            .order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc())
        )
        for given, member in found:
            rows[given.session_id].append((given, member if named else None))
    results = [
        _result(item, rows[item.id], anonymous=survey.is_anonymous)
        for item in items
        if item.kind is not SessionKind.break_ and (not item.is_cancelled or rows[item.id])
    ]
    return sort_results(results, sort)


def _result(
    item: ProgrammeSession, given: list[tuple[SessionFeedback, Member | None]], *, anonymous: bool
) -> SessionResult:
    if anonymous and len(given) < MIN_SHOWN:
        return SessionResult(item, len(given), 0, None, [], [], hidden=True)
    ratings = [row.rating for row, _member in given if row.rating is not None]
    seen = Counter(ratings)
    return SessionResult(
        item=item,
        answered=len(given),
        ratings=len(ratings),
        average=sum(ratings) / len(ratings) if ratings else None,
        counts=[(str(n), seen[n]) for n in range(RATING[0], RATING[1] + 1)],
        comments=[Comment(row.comment, member) for row, member in given if row.comment],
        hidden=False,
    )


def sort_results(results: list[SessionResult], sort: str) -> list[SessionResult]:
    """By average (best first), by how many rated (most first), or in programme order; unrated last."""
    if sort == "time":
        return sorted(results, key=lambda r: (r.item.starts_at, r.item.id))
    if sort == "count":
        return sorted(results, key=lambda r: (-r.ratings, -(r.average or 0), r.item.starts_at, r.item.id))
    return sorted(
        results, key=lambda r: (r.average is None, -(r.average or 0), -r.ratings, r.item.starts_at, r.item.id)
    )
