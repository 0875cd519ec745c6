"""Feedback surveys, as the pages, the API and the other domains call them: building one (from the default
template, by hand, or copied from an earlier event), answering it (only who came, once each, editable while
it is open; with a word on the programme's sessions they attended or starred), and where members are
pointed to it. The parts live by sub-topic: surveys.questions (the questions), surveys.answers (checking
answers), surveys.feedback (on sessions), surveys.lifecycle (opening and closing), surveys.results and
surveys.session_results (what the answers say), surveys.mail (invitations and reminders)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from meetups import errors
from meetups.accounts.models import Member
from meetups.events import service as events
from meetups.events.models import Event, EventStatus
from meetups.recognition.models import Attendance, Outcome
from meetups.surveys import feedback, lifecycle, mail, session_results
from meetups.surveys.answers import (
    anonymous_stamp,
    answer_problems,
    count_responses,
    find_response,
    has_attended,
    problems_error,
    respondent_key,
    shown_answers,
)
from meetups.surveys.models import Survey, SurveyResponse, SurveyState
from meetups.surveys.questions import (
    SurveyLocked,
    change_questions,
    check_settings,
    choose_questions,
    copy_sources,
    find_survey,
    kind_labels,
    survey_of,
)


class SurveyNotOpen(errors.DomainError):
    code, status = "survey_not_open", 409


class SurveyClosed(errors.DomainError):
    code, status = "survey_closed", 409


class AlreadyAnswered(errors.DomainError):
    code, status = "already_answered", 409


class NotAnAttendee(errors.DomainError):
    code, status = "not_attendee", 403


# Building


@dataclass(frozen=True)
class EditorPage:
    event: Event
    survey: Survey | None
    responses: int
    #: earlier events of the series or community with a survey to copy, most recent first
    sources: list[Event]
    #: (value, label) of each kind of question
    kinds: list[tuple[str, str]]


def get_editor_page(session: Session, *, event_id: int, actor: Member | None) -> EditorPage:
    event = events.get_managed_event(session, event_id, actor)
    survey = find_survey(session, event.id)
    responses = count_responses(session, survey) if survey else 0
    return EditorPage(event, survey, responses, copy_sources(session, event), kind_labels())


def set_survey(
    session: Session,
    *,
    event_id: int,
    actor: Member,
    now: datetime,
    template: str | None = None,
    questions: Any = None,
    copy_from: int | None = None,
    anonymous: bool | None = None,
    open_days: int | None = None,
) -> Survey:
    """Create the event's survey or change it: questions from the default template, from another event's
    survey, or given; whether it is anonymous; how long it stays open. Once answers have come in only the
    wording can change, and anonymity never. Enabled on an event already closed, it opens at once."""
    event = events.get_managed_event(session, event_id, actor)
    if event.is_cancelled:
        raise errors.InvalidState(_("A cancelled event asks for no feedback."))
    survey = find_survey(session, event.id)
    items, source = choose_questions(
        session, event, template=template, questions=questions, copy_from=copy_from, needed=survey is None
    )
    check_settings(anonymous=anonymous, open_days=open_days)
    created = survey is None
    if created:
        survey = Survey(event_id=event.id, created_at=now, updated_at=now)
        session.add(survey)
        if source is not None and anonymous is None:
            anonymous = source.is_anonymous
    answered = not created and count_responses(session, survey) > 0
    if anonymous is not None and anonymous != survey.is_anonymous:
        if answered:
            raise SurveyLocked(
                _("Answers have come in under the promise shown to them: anonymity cannot change now."),
                field="anonymous",
            )
        survey.is_anonymous = anonymous
    if items is not None:
        change_questions(survey, items, answered=answered)
    if open_days is not None:
        survey.open_days = open_days
    survey.updated_at = now
    session.flush()
    if created and event.is_closed:
        lifecycle.open_survey(session, survey, now)
    return survey


def remove_survey(session: Session, *, event_id: int, actor: Member) -> None:
    event = events.get_managed_event(session, event_id, actor)
    survey = survey_of(session, event)
    if count_responses(session, survey):
        raise SurveyLocked(_("People have answered this survey: it stays, so their answers are not lost."))
    session.delete(survey)
    session.flush()


# Answering


@dataclass(frozen=True)
class Answering:
    """The survey page for one reader: the questions, and whether they may answer, or why not."""

    event: Event
    survey: Survey
    state: SurveyState
    #: None: they may answer; else "login", "not_attendee", "waiting" or "closed"
    refusal: str | None
    response: SurveyResponse | None
    #: their answers as the form shows them (choice labels, not indexes)
    answers: dict[str, Any]
    #: the programme's sessions they are asked about (only while they may answer), and what they said
    sessions: list[feedback.Offered]
    session_answers: dict[str, dict[str, Any]]

    @property
    def can_answer(self) -> bool:
        return self.refusal is None

    @property
    def session_days(self) -> list[tuple[date, list[feedback.Offered]]]:
        return feedback.by_day(self.sessions, self.event.zone)


def get_answering(
    session: Session, *, event_id: int, viewer: Member | None, secret: str, now: datetime
) -> Answering:
    event = events.get_event(session, event_id, viewer=viewer)
    survey = survey_of(session, event)
    state = survey.state(now)
    signed_in = viewer is not None and viewer.is_authenticated
    response = find_response(session, survey, viewer, secret) if signed_in else None
    if not signed_in:
        refusal = "login"
    elif state is SurveyState.waiting:  # nobody has "come" until the event is closed
        refusal = state.value
    elif not has_attended(session, event, viewer):
        refusal = "not_attendee"
    elif state is SurveyState.closed:
        refusal = state.value
    else:
        refusal = None
    shown = shown_answers(survey, response.answers) if response else {}
    offered = feedback.offered_sessions(session, event, viewer, response) if refusal is None else []
    return Answering(
        event, survey, state, refusal, response, shown, offered, feedback.shown_feedback(response)
    )


def get_my_response(
    session: Session, *, event_id: int, member: Member, secret: str, now: datetime
) -> tuple[Survey, SurveyResponse]:
    answering = get_answering(session, event_id=event_id, viewer=member, secret=secret, now=now)
    if answering.response is None:
        raise errors.NotFound(_("You have not answered this survey yet."))
    return answering.survey, answering.response


def _refuse(answering: Answering) -> None:
    event = answering.event
    if answering.refusal == "login":
        raise errors.LoginRequired(_("Please log in first."))
    if answering.refusal == "not_attendee":
        raise NotAnAttendee(_("Only people who came to %(title)s can answer its survey.", title=event.title))
    if answering.refusal == "waiting":
        raise SurveyNotOpen(_("The survey opens once the event is over and its attendance is final."))
    if answering.refusal == "closed":
        raise SurveyClosed(_("The survey has closed. Thank you all the same."))


def submit_response(
    session: Session,
    *,
    event_id: int,
    member: Member | None,
    answers: Any,
    secret: str,
    now: datetime,
    edit: bool = False,
    sessions: Any = None,
) -> SurveyResponse:
    """Answer the survey (one response each), or change my answers while it is open (`edit`); `sessions`
    rates the sessions offered, {session id: {rating, comment}} (None leaves what was said). Nothing is
    stored unless every answer is valid."""
    answering = get_answering(session, event_id=event_id, viewer=member, secret=secret, now=now)
    _refuse(answering)
    survey, mine = answering.survey, answering.response
    if mine is not None and not edit:
        raise AlreadyAnswered(
            _("You have answered this survey already; you can change your answers until it closes.")
        )
    if mine is None and edit:
        raise errors.NotFound(_("You have not answered this survey yet."))
    clean, on_sessions = _checked(answering, answers, sessions)
    stamp = anonymous_stamp(answering.event, now) if survey.is_anonymous else now
    if mine is not None:
        mine.answers, mine.updated_at = clean, stamp
        feedback.keep_feedback(mine, on_sessions)
        session.flush()
        return mine
    return _first_response(session, survey, member, secret, clean, on_sessions, stamp)


def _checked(answering: Answering, given: Any, sessions: Any) -> tuple[dict[str, Any], feedback.Given | None]:
    """The answers and the feedback on sessions as stored; every problem of both is found at once."""
    clean, problems = answer_problems(answering.survey, given)
    on_sessions, session_problems = feedback.feedback_problems(answering.sessions, sessions)
    if problems:
        more = {"sessions": session_problems} if session_problems else {}
        raise problems_error(answering.survey, problems, **more)
    if session_problems:
        raise feedback.problems_error(answering.sessions, session_problems)
    return clean, on_sessions


def _first_response(
    session: Session,
    survey: Survey,
    member: Member,
    secret: str,
    clean: dict[str, Any],
    on_sessions: feedback.Given | None,
    stamp: datetime,
) -> SurveyResponse:
    response = SurveyResponse(
        survey_id=survey.id,
        member_id=None if survey.is_anonymous else member.id,
        respondent_key=respondent_key(secret, survey.id, member.id),
        answers=clean,
        submitted_at=stamp,
        updated_at=stamp,
    )
    feedback.keep_feedback(response, on_sessions)
    try:
        with session.begin_nested():  # the same member answering from two tabs at once: one wins
            session.add(response)
    except IntegrityError:
        raise AlreadyAnswered(_("You have answered this survey already.")) from None
    return response


@dataclass(frozen=True)
class AnswerPage:
    answering: Answering
    #: "you said, we changed" from the series' previous event, for someone who answered its survey
    follow_up: mail.FollowUp | None
    #: organisers see what is asked
    preview: bool
    #: the reader speaks at the event: they may read the feedback on their sessions
    speaks: bool


def get_answer_page(
    session: Session, *, event_id: int, viewer: Member | None, secret: str, now: datetime
) -> AnswerPage:
    answering = get_answering(session, event_id=event_id, viewer=viewer, secret=secret, now=now)
    event = answering.event
    return AnswerPage(
        answering,
        mail.follow_up_for(session, event=event, member=viewer, secret=secret),
        events.can(session, viewer, event, "manage"),
        bool(session_results.speaker_ids(session, event, viewer)),
    )


@dataclass(frozen=True)
class Summary:
    survey: Survey
    state: SurveyState
    responses: int


def get_summary(session: Session, *, event: Event, now: datetime) -> Summary | None:
    """Where the survey stands, for the organiser's dashboard."""
    survey = find_survey(session, event.id)
    if survey is None:
        return None
    return Summary(survey, survey.state(now), count_responses(session, survey))


# Where members are pointed to a survey: the event page, the ticket, their profile


@dataclass(frozen=True)
class Prompt:
    event: Event
    survey: Survey
    answered: bool


def get_prompt(
    session: Session, *, event: Event, member: Member | None, secret: str, now: datetime
) -> Prompt | None:
    """ "How was it?" for someone who came, while the survey is open."""
    if member is None or not member.is_authenticated or not event.is_closed:
        return None
    survey = find_survey(session, event.id)
    if (
        survey is None
        or survey.state(now) is not SurveyState.open
        or not has_attended(session, event, member)
    ):
        return None
    return Prompt(event, survey, find_response(session, survey, member, secret) is not None)


def list_open_for_member(session: Session, *, member: Member, secret: str, now: datetime) -> list[Prompt]:
    """The open surveys of events the member came to, soonest closing first."""
    rows = session.execute(
        select(Survey, Event)
        .join(Event, Event.id == Survey.event_id)
        .join(Attendance, Attendance.event_id == Event.id)
        .where(
            Attendance.member_id == member.id,
            Attendance.outcome == Outcome.attended,
            Survey.opened_at.is_not(None),
            Survey.closed_at.is_(None),
            Event.status == EventStatus.published,
        )
    ).all()
    open_ones = [(survey, event) for survey, event in rows if survey.state(now) is SurveyState.open]
    if not open_ones:
        return []
    keys = {respondent_key(secret, survey.id, member.id): survey.id for survey, _event in open_ones}
    answered = set(
        session.scalars(select(SurveyResponse.survey_id).where(SurveyResponse.respondent_key.in_(keys)))
    )
    prompts = [Prompt(event, survey, survey.id in answered) for survey, event in open_ones]
    return sorted(prompts, key=lambda p: p.survey.closes_at)


def list_my_responses(session: Session, *, member: Member, secret: str) -> list[tuple[Event, Survey, dict]]:
    """Every answer the member gave, anonymous ones too (found by their keyed hash): for "my data"."""
    surveys = session.scalars(
        select(Survey)
        .options(selectinload(Survey.questions), selectinload(Survey.event))
        .join(Attendance, Attendance.event_id == Survey.event_id)
        .where(Attendance.member_id == member.id, Survey.opened_at.is_not(None))
    ).all()
    keys = {respondent_key(secret, s.id, member.id): s for s in surveys}
    if not keys:
        return []
    found = session.scalars(select(SurveyResponse).where(SurveyResponse.respondent_key.in_(keys)))
    return [
        (
            keys[r.respondent_key].event,
            keys[r.respondent_key],
            shown_answers(keys[r.respondent_key], r.answers),
        )
        for r in found
        if r.respondent_key in keys
    ]
