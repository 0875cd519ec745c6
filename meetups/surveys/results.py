"""What a survey's answers say, for the event's organisers: how many answered of those who came, NPS with
its promoters, passives and detractors, rating averages with their spread, choice counts, the text answers
(searchable), who has not answered yet, a CSV of every response, and trends per series and community."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from meetups import errors, spreadsheets
from meetups.accounts.models import Member
from meetups.communities import service as communities
from meetups.communities.models import Community
from meetups.events import service as events
from meetups.events.models import Event, EventStatus, Series
from meetups.recognition.models import Attendance, Outcome
from meetups.surveys import mail, session_results
from meetups.surveys.answers import SCALES, respondent_key, shown_answers
from meetups.surveys.models import Survey, SurveyKind, SurveyQuestion, SurveyResponse, SurveyState
from meetups.surveys.questions import CHOICES, survey_of

#: NPS: 9 and 10 promote, 7 and 8 are passive, 0 to 6 detract
PROMOTER, DETRACTOR = 9, 6
TEXTS_SHOWN = 500
TREND_EVENTS = 24


@dataclass(frozen=True)
class Nps:
    promoters: int
    passives: int
    detractors: int

    @property
    def total(self) -> int:
        return self.promoters + self.passives + self.detractors

    @property
    def score(self) -> int | None:
        """-100 to 100: the share of promoters minus the share of detractors, in points."""
        if not self.total:
            return None
        return round(100 * (self.promoters - self.detractors) / self.total)


def nps_of(values: list[int]) -> Nps:
    return Nps(
        sum(v >= PROMOTER for v in values),
        sum(DETRACTOR < v < PROMOTER for v in values),
        sum(v <= DETRACTOR for v in values),
    )


def average(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class TextAnswer:
    text: str
    on: datetime
    #: None in an anonymous survey
    member: Member | None


@dataclass(frozen=True)
class QuestionResult:
    question: SurveyQuestion
    answered: int
    #: (label, count) for scales and choices, in their order
    counts: list[tuple[str, int]]
    average: float | None
    nps: Nps | None
    #: text answers matching the search, newest first (at most TEXTS_SHOWN), and how many match in all
    texts: list[TextAnswer]
    texts_matching: int


@dataclass(frozen=True)
class Results:
    event: Event
    survey: Survey
    state: SurveyState
    #: everyone who came (deleted accounts included), and how many answered
    attendees: int
    responses: int
    questions: list[QuestionResult]
    #: who came and has not answered: a count always, names only when the survey is not anonymous
    pending: int
    pending_members: list[Member] | None
    #: how many the one reminder would reach now (invited, not answered)
    remindable: int
    query: str
    all_responses: list[SurveyResponse]

    @property
    def rate(self) -> float | None:
        return self.responses / self.attendees if self.attendees else None


def get_results(
    session: Session, *, event_id: int, actor: Member | None, secret: str, now: datetime, query: str = ""
) -> Results:
    event = events.get_managed_event(session, event_id, actor)
    survey = survey_of(session, event)
    responses = list(
        session.scalars(
            select(SurveyResponse)
            .options(joinedload(SurveyResponse.member))
            .where(SurveyResponse.survey_id == survey.id)
            .order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc())
        )
    )
    came = (Attendance.event_id == event.id) & (Attendance.outcome == Outcome.attended)
    attendees = session.scalar(select(func.count()).where(came)) or 0
    people = session.scalars(
        select(Member).join(Attendance, Attendance.member_id == Member.id).where(came).order_by(Member.name)
    ).all()
    answered = {r.respondent_key for r in responses}
    pending = [m for m in people if respondent_key(secret, survey.id, m.id) not in answered]
    query = (query or "").strip()[:100]
    return Results(
        event=event,
        survey=survey,
        state=survey.state(now),
        attendees=attendees,
        responses=len(responses),
        questions=[_summarise(q, responses, query) for q in survey.questions],
        pending=len(pending),
        pending_members=None if survey.is_anonymous else pending,
        remindable=0 if survey.reminded_at else len(mail.remindable(session, survey, secret)),
        query=query,
        all_responses=responses,
    )


@dataclass(frozen=True)
class ResultsPage:
    results: Results
    series_trend: list[TrendPoint]
    community_trend: list[TrendPoint]
    #: the programme's sessions with what was said of them (empty without a programme), sorted by `sort`
    sessions: list[session_results.SessionResult]
    sort: str


def get_results_page(
    session: Session,
    *,
    event_id: int,
    actor: Member | None,
    secret: str,
    now: datetime,
    query: str = "",
    sort: str = "",
) -> ResultsPage:
    """The organisers' results page: the answers, the trends of the series and community, the sessions."""
    found = get_results(session, event_id=event_id, actor=actor, secret=secret, now=now, query=query)
    series_trend, community_trend = get_event_trends(session, event=found.event, actor=actor)
    if [p.event.id for p in series_trend] == [p.event.id for p in community_trend]:
        community_trend = []  # the community's surveys are all this series': one chart says it
    sort = session_results.clean_sort(sort)
    sessions = session_results.for_organisers(session, found.event, found.survey, sort=sort)
    return ResultsPage(found, series_trend, community_trend, sessions, sort)


def _summarise(question: SurveyQuestion, responses: list[SurveyResponse], query: str) -> QuestionResult:
    key = str(question.id)
    given = [(r, r.answers[key]) for r in responses if r.answers.get(key) is not None]
    values = [value for _r, value in given]
    counts: list[tuple[str, int]] = []
    texts: list[TextAnswer] = []
    matching = 0
    if question.kind in SCALES:
        low, high = SCALES[question.kind]
        seen = Counter(values)
        counts = [(str(n), seen[n]) for n in range(low, high + 1)]
    elif question.kind in CHOICES:
        seen = Counter(i for v in values for i in (v if isinstance(v, list) else [v]))
        counts = [(label, seen[i]) for i, label in enumerate(question.options)]
    else:
        needle = query.casefold()
        found = [(r, text) for r, text in given if needle in text.casefold()]
        matching = len(found)
        texts = [TextAnswer(text, r.submitted_at, r.member) for r, text in found[:TEXTS_SHOWN]]
    scale = question.kind in SCALES
    return QuestionResult(
        question=question,
        answered=len(given),
        counts=counts,
        average=average(values) if scale else None,
        nps=nps_of(values) if question.kind is SurveyKind.nps else None,
        texts=texts,
        texts_matching=matching,
    )


def results_csv(results: Results) -> str:
    """Every response, one row each, with the choices by name: for a spreadsheet."""
    survey, named = results.survey, not results.survey.is_anonymous
    header = ["response", "submitted", *(["member"] if named else []), *[q.label for q in survey.questions]]
    rows = []
    for response in sorted(results.all_responses, key=lambda r: r.id):
        shown = shown_answers(survey, response.answers)
        cells: list[Any] = [
            response.id,
            response.submitted_at.astimezone(results.event.zone).date().isoformat(),
        ]
        if named:
            cells.append(response.member.name if response.member else "")
        for question in survey.questions:
            value = shown.get(str(question.id), "")
            cells.append("; ".join(value) if isinstance(value, list) else value)
        rows.append(cells)
    return spreadsheets.to_csv(header, rows)


# Trends: NPS and the average rating of each survey over time


@dataclass(frozen=True)
class TrendPoint:
    event: Event
    responses: int
    #: the survey's first NPS question, and its first rating question
    nps: int | None
    rating: float | None


def get_community_trend(
    session: Session, *, slug: str, actor: Member | None
) -> tuple[Community, list[TrendPoint]]:
    community = communities.get_community_for(session, slug, actor, "manage_community")
    return community, _trend(session, Event.community_id == community.id)


def get_series_trend(
    session: Session, *, series_id: int, actor: Member | None
) -> tuple[Series, list[TrendPoint]]:
    series = session.get(Series, series_id)
    if series is None:
        raise errors.NotFound(_("There is no such series."))
    community = session.get(Community, series.community_id)
    communities.ensure_can(session, actor, community, "manage_community")
    return series, _trend(session, Event.series_id == series.id)


def _trend(session: Session, scope) -> list[TrendPoint]:
    """The last TREND_EVENTS surveys that opened, oldest first, in two queries."""
    surveys = list(
        session.scalars(
            select(Survey)
            .join(Event, Event.id == Survey.event_id)
            .options(selectinload(Survey.questions), joinedload(Survey.event))
            .where(scope, Survey.opened_at.is_not(None), Event.status == EventStatus.published)
            .order_by(Event.starts_at.desc())
            .limit(TREND_EVENTS)
        )
    )[::-1]
    answers: dict[int, list[dict[str, Any]]] = {s.id: [] for s in surveys}
    for survey_id, given in session.execute(
        select(SurveyResponse.survey_id, SurveyResponse.answers).where(SurveyResponse.survey_id.in_(answers))
    ):
        answers[survey_id].append(given)
    return [
        TrendPoint(
            event=survey.event,
            responses=len(answers[survey.id]),
            nps=nps_of(_first_scale(survey, SurveyKind.nps, answers[survey.id])).score,
            rating=average(_first_scale(survey, SurveyKind.rating, answers[survey.id])),
        )
        for survey in surveys
    ]


def _first_scale(survey: Survey, kind: SurveyKind, answers: list[dict[str, Any]]) -> list[int]:
    """The answers to the survey's first question of this kind (none when it asks none)."""
    question = next((q for q in survey.questions if q.kind is kind), None)
    if question is None:
        return []
    key = str(question.id)
    return [given[key] for given in answers if given.get(key) is not None]


def get_event_trends(
    session: Session, *, event: Event, actor: Member | None
) -> tuple[list[TrendPoint], list[TrendPoint]]:
    """The results page's trends, for those who run the community: the event's series (empty when it is in
    none) and the community; nothing for an event's own organisers from outside it."""
    community = session.get(Community, event.community_id)
    if not communities.can(session, actor, community, "manage_community"):
        return [], []
    series = _trend(session, Event.series_id == event.series_id) if event.series_id else []
    return series, _trend(session, Event.community_id == event.community_id)
