"""Feedback surveys: building one (from the default template, by hand, or copied from an earlier event), its
life (it opens when the event is closed and closes some days later or by hand), and answering it (only who
came, once each, editable while it is open). Results are in surveys.results, the mail in surveys.mail."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, insert, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from meetups import errors
from meetups.accounts.models import Member
from meetups.events import service as events
from meetups.events.models import Event, EventStatus
from meetups.questionnaires import clean_label, clean_options, clean_required, is_blank
from meetups.recognition.models import Attendance, Outcome
from meetups.surveys.models import (
    Survey,
    SurveyInvitation,
    SurveyKind,
    SurveyQuestion,
    SurveyResponse,
    SurveyState,
)

MAX_QUESTIONS = 20
OPEN_DAYS = (1, 90)
ANSWER_MAX = {SurveyKind.text: 300, SurveyKind.long_text: 5000}
#: the numbers a scale question takes, both ends included
SCALES = {SurveyKind.rating: (1, 5), SurveyKind.nps: (0, 10)}
CHOICES = (SurveyKind.single, SurveyKind.multi)
COPY_SOURCES = 20


class SurveyLocked(errors.DomainError):
    code, status = "survey_locked", 409


class SurveyNotOpen(errors.DomainError):
    code, status = "survey_not_open", 409


class SurveyClosed(errors.DomainError):
    code, status = "survey_closed", 409


class AlreadyAnswered(errors.DomainError):
    code, status = "already_answered", 409


class NotAnAttendee(errors.DomainError):
    code, status = "not_attendee", 403


def default_questions() -> list[dict[str, Any]]:
    """What most organisers want to ask, in the organiser's language: press "Enable" and it is done."""
    return [
        {"type": "rating", "label": _("Overall, how was the event?"), "required": True},
        {
            "type": "nps",
            "label": _("How likely are you to recommend this event to a friend or colleague?"),
            "required": True,
        },
        {"type": "long_text", "label": _("What should we change?"), "required": False},
    ]


def respondent_key(secret: str, survey_id: int, member_id: int) -> str:
    """Who answered, as only the site can tell: stops a second answer without storing the member."""
    message = f"survey-response:{survey_id}:{member_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def find_survey(session: Session, event_id: int) -> Survey | None:
    return session.scalar(
        select(Survey).options(selectinload(Survey.questions)).where(Survey.event_id == event_id)
    )


def _survey_of(session: Session, event: Event) -> Survey:
    survey = find_survey(session, event.id)
    if survey is None:
        raise errors.NotFound(_("This event has no survey."))
    return survey


def count_responses(session: Session, survey: Survey) -> int:
    return session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id)) or 0


# Building


@dataclass(frozen=True)
class Editor:
    event: Event
    survey: Survey | None
    responses: int
    #: earlier events of the series or community with a survey to copy, most recent first
    sources: list[Event]


def get_editor(session: Session, *, event_id: int, actor: Member | None) -> Editor:
    event = events.get_managed_event(session, event_id, actor)
    survey = find_survey(session, event.id)
    return Editor(
        event, survey, count_responses(session, survey) if survey else 0, _copy_sources(session, event)
    )


def _copy_sources(session: Session, event: Event) -> list[Event]:
    same = Event.community_id == event.community_id
    if event.series_id is not None:
        same = or_(same, Event.series_id == event.series_id)
    return list(
        session.scalars(
            select(Event)
            .join(Survey, Survey.event_id == Event.id)
            .where(same, Event.id != event.id, Event.starts_at < event.starts_at)
            .order_by(Event.starts_at.desc())
            .limit(COPY_SOURCES)
        )
    )


def _clean_question(item: Any, index: int) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise errors.InvalidInput(_("Question %(n)d is not valid.", n=index), field="questions")
    try:
        kind = SurveyKind(item.get("type") or item.get("kind"))
    except ValueError:
        allowed = ", ".join(k.value for k in SurveyKind)
        raise errors.InvalidInput(
            _("Question %(n)d: the type must be one of %(allowed)s.", n=index, allowed=allowed),
            field="questions",
        ) from None
    question_id = item.get("id")
    if question_id is not None and (isinstance(question_id, bool) or not isinstance(question_id, int)):
        raise errors.InvalidInput(_("Question %(n)d: the id must be a number.", n=index), field="questions")
    return {
        "id": question_id,
        "kind": kind,
        "label": clean_label(item, index, "questions"),
        "options": clean_options(item, index, "questions") if kind in CHOICES else [],
        "is_required": clean_required(item, index, "questions"),
    }


def clean_questions(items: Any) -> list[dict[str, Any]]:
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_QUESTIONS:
        raise errors.InvalidInput(
            _("A survey asks 1 to %(n)d questions.", n=MAX_QUESTIONS), field="questions"
        )
    return [_clean_question(item, n) for n, item in enumerate(items, start=1)]


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
    if sum(x is not None for x in (template, questions, copy_from)) > 1:
        raise errors.InvalidInput(
            _("Give the questions, a template or an event to copy from: one of them."), field="questions"
        )
    survey = find_survey(session, event.id)
    source = None
    if template is not None:
        if template != "default":
            raise errors.InvalidInput(_("The only template is 'default'."), field="template")
        items = clean_questions(default_questions())
    elif copy_from is not None:
        source = _copy_source(session, event, copy_from)
        items = [
            {"id": None, "kind": q.kind, "label": q.label, "options": q.options, "is_required": q.is_required}
            for q in source.questions
        ]
    elif questions is not None:
        items = clean_questions(questions)
    elif survey is None:
        raise errors.InvalidInput(
            _("Give the survey's questions, or the template 'default'."), field="questions"
        )
    else:
        items = None
    if open_days is not None and (
        isinstance(open_days, bool)
        or not isinstance(open_days, int)
        or not OPEN_DAYS[0] <= open_days <= OPEN_DAYS[1]
    ):
        raise errors.InvalidInput(
            _("A survey stays open %(low)d to %(high)d days.", low=OPEN_DAYS[0], high=OPEN_DAYS[1]),
            field="open_days",
        )
    if anonymous is not None and not isinstance(anonymous, bool):
        raise errors.InvalidInput(_("'anonymous' must be true or false."), field="anonymous")
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
        if answered:
            _relabel(survey, items)
        else:
            _replace_questions(session, survey, items)
    if open_days is not None:
        survey.open_days = open_days
    survey.updated_at = now
    session.flush()
    if created and event.is_closed:
        open_survey(session, survey, now)
    return survey


def _copy_source(session: Session, event: Event, source_id: Any) -> Survey:
    if isinstance(source_id, bool) or not isinstance(source_id, int):
        raise errors.InvalidInput(_("Choose an earlier event to copy from."), field="copy_from")
    if source_id not in {e.id for e in _copy_sources(session, event)}:
        raise errors.InvalidInput(
            _("Copy from an earlier event of the same series or community that has a survey."),
            field="copy_from",
        )
    return find_survey(session, source_id)


def _replace_questions(session: Session, survey: Survey, items: list[dict[str, Any]]) -> None:
    """No answers yet: anything may change. Questions keep their ids where the caller names them."""
    existing = {q.id: q for q in survey.questions}
    kept: list[SurveyQuestion] = []
    for position, item in enumerate(items):
        fields = {k: item[k] for k in ("kind", "label", "options", "is_required")}
        if item["id"] is not None:
            if item["id"] not in existing:
                raise errors.InvalidInput(
                    _("Question %(n)d: this survey has no question %(id)d.", n=position + 1, id=item["id"]),
                    field="questions",
                )
            question = existing[item["id"]]
            for key, value in fields.items():
                setattr(question, key, value)
        else:
            question = SurveyQuestion(**fields)
        question.position = position
        kept.append(question)
    survey.questions = kept  # the ones left out are deleted (delete-orphan)


def _relabel(survey: Survey, items: list[dict[str, Any]]) -> None:
    """Answers exist: only the words may change (a typo in a question or a choice), never what is asked."""
    questions = survey.questions
    same = len(items) == len(questions) and all(
        item["id"] in (None, q.id)
        and item["kind"] is q.kind
        and item["is_required"] == q.is_required
        and len(item["options"]) == len(q.options)
        for item, q in zip(items, questions, strict=False)
    )
    if not same:
        raise SurveyLocked(
            _(
                "Answers have come in: you can still correct the wording of the questions and choices, "
                "nothing else."
            ),
            field="questions",
        )
    for item, question in zip(items, questions, strict=True):
        question.label, question.options = item["label"], item["options"]


def remove_survey(session: Session, *, event_id: int, actor: Member) -> None:
    event = events.get_managed_event(session, event_id, actor)
    survey = _survey_of(session, event)
    if count_responses(session, survey):
        raise SurveyLocked(_("People have answered this survey: it stays, so their answers are not lost."))
    session.delete(survey)
    session.flush()


# Its life: opens when the event closes, closes by time or by hand


def open_survey(session: Session, survey: Survey, now: datetime) -> None:
    """Open for answers, and everyone who came is to be invited (surveys.mail sends the invitations)."""
    survey.opened_at = now
    attended = select(Attendance.member_id).where(
        Attendance.event_id == survey.event_id,
        Attendance.outcome == Outcome.attended,
        Attendance.member_id.is_not(None),
    )
    rows = [{"survey_id": survey.id, "member_id": m, "created_at": now} for m in session.scalars(attended)]
    if rows:
        session.execute(insert(SurveyInvitation), rows)
    session.flush()


def on_event_closed(event: Event, *, session: Session, now: datetime) -> None:
    """recognition.event_closed: the attendance is final, so the survey opens."""
    survey = find_survey(session, event.id)
    if survey is not None and survey.opened_at is None:
        open_survey(session, survey, now)


def on_attendance_corrected(record: Attendance, *, was: Outcome, session: Session, now: datetime) -> None:
    """recognition.attendance_corrected: someone the door missed may answer now (and is invited); someone
    scanned by mistake is no longer invited, unless the invitation already went."""
    survey = find_survey(session, record.event_id)
    if survey is None or survey.opened_at is None or record.member_id is None:
        return
    invited = select(SurveyInvitation).where(
        SurveyInvitation.survey_id == survey.id, SurveyInvitation.member_id == record.member_id
    )
    invitation = session.scalar(invited)
    if record.outcome is Outcome.attended and invitation is None:
        session.add(SurveyInvitation(survey_id=survey.id, member_id=record.member_id, created_at=now))
    elif record.outcome is not Outcome.attended and invitation is not None and invitation.invited_at is None:
        session.delete(invitation)
    session.flush()


def close_survey(session: Session, *, event_id: int, actor: Member, now: datetime) -> Survey:
    event = events.get_managed_event(session, event_id, actor)
    survey = _survey_of(session, event)
    if survey.state(now) is not SurveyState.open:
        raise errors.InvalidState(_("The survey is not open."))
    survey.closed_at, survey.updated_at = now, now
    session.flush()
    return survey


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

    @property
    def can_answer(self) -> bool:
        return self.refusal is None


def _attended(session: Session, event: Event, member: Member) -> bool:
    return (
        session.scalar(
            select(Attendance.id).where(
                Attendance.event_id == event.id,
                Attendance.member_id == member.id,
                Attendance.outcome == Outcome.attended,
            )
        )
        is not None
    )


def _my_response(session: Session, survey: Survey, member: Member, secret: str) -> SurveyResponse | None:
    key = respondent_key(secret, survey.id, member.id)
    return session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.survey_id == survey.id, SurveyResponse.respondent_key == key
        )
    )


def get_answering(
    session: Session, *, event_id: int, viewer: Member | None, secret: str, now: datetime
) -> Answering:
    event = events.get_event(session, event_id, viewer=viewer)
    survey = _survey_of(session, event)
    state = survey.state(now)
    signed_in = viewer is not None and viewer.is_authenticated
    response = _my_response(session, survey, viewer, secret) if signed_in else None
    if not signed_in:
        refusal = "login"
    elif state is SurveyState.waiting:  # nobody has "come" until the event is closed
        refusal = state.value
    elif not _attended(session, event, viewer):
        refusal = "not_attendee"
    elif state is SurveyState.closed:
        refusal = state.value
    else:
        refusal = None
    answers = shown_answers(survey, response.answers) if response else {}
    return Answering(event, survey, state, refusal, response, answers)


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
) -> SurveyResponse:
    """Answer the survey (one response each), or change my answers while it is open (`edit`). Nothing is
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
    clean = check_answers(survey, answers)
    stamp = _anonymous_stamp(answering.event, now) if survey.is_anonymous else now
    if mine is not None:
        mine.answers, mine.updated_at = clean, stamp
        session.flush()
        return mine
    response = SurveyResponse(
        survey_id=survey.id,
        member_id=None if survey.is_anonymous else member.id,
        respondent_key=respondent_key(secret, survey.id, member.id),
        answers=clean,
        submitted_at=stamp,
        updated_at=stamp,
    )
    try:
        with session.begin_nested():  # the same member answering from two tabs at once: one wins
            session.add(response)
    except IntegrityError:
        raise AlreadyAnswered(_("You have answered this survey already.")) from None
    return response


def _anonymous_stamp(event: Event, now: datetime) -> datetime:
    """Only the day, as the event's zone has it (noon there): the time of an answer can tell who gave it."""
    day = now.astimezone(event.zone).date()
    return datetime.combine(day, time(12), event.zone).astimezone(now.tzinfo)


def check_answers(survey: Survey, answers: Any) -> dict[str, Any]:
    """Answers keyed by question id, as stored: numbers, choice indexes, trimmed text. Every problem is found
    at once (`problems`: {question id: message}), so a form can show each next to its question."""
    if not isinstance(answers, dict):
        raise errors.InvalidAnswer(_("Answers must be given per question."))
    questions = {str(q.id): q for q in survey.questions}
    for key in answers:
        if str(key) not in questions:
            raise errors.InvalidAnswer(
                _("This survey has no question %(id)s.", id=str(key)[:20]), question=key
            )
    clean: dict[str, Any] = {}
    problems: dict[str, tuple[str, str]] = {}
    for key, question in questions.items():
        value = answers.get(key, answers.get(question.id))
        if is_blank(value):
            if question.is_required:
                problems[key] = ("answer_required", _("Please answer this question."))
            continue
        try:
            clean[key] = _check_one(question, value)
        except ValueError as problem:
            problems[key] = ("invalid_answer", str(problem))
    if problems:
        key, (code, message) = next(iter(problems.items()))
        error = errors.AnswerRequired if code == "answer_required" else errors.InvalidAnswer
        raise error(
            f"{questions[key].label}: {message}",
            question=int(key),
            problems={k: text for k, (_code, text) in problems.items()},
        )
    return clean


def _check_one(question: SurveyQuestion, value: Any) -> Any:
    kind = question.kind
    if kind in SCALES:
        low, high = SCALES[kind]
        number = value if isinstance(value, int) and not isinstance(value, bool) else None
        digits = value.strip() if isinstance(value, str) else ""
        if digits.isascii() and digits.isdigit() and len(digits) <= 3:  # "4", never "٤", "²" or 5,000 nines
            number = int(digits)
        if number is None or not low <= number <= high:
            raise ValueError(_("please choose a number from %(low)d to %(high)d.", low=low, high=high))
        return number
    if kind in ANSWER_MAX:
        if not isinstance(value, str):
            raise ValueError(_("please answer with text."))
        if len(value.strip()) > ANSWER_MAX[kind]:
            raise ValueError(_("at most %(n)d characters, please.", n=ANSWER_MAX[kind]))
        return value.strip()
    if kind is SurveyKind.single:
        if not isinstance(value, str) or value not in question.options:
            raise ValueError(_("please pick one of the choices."))
        return question.options.index(value)
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v in question.options for v in values):
        raise ValueError(_("please pick from the choices."))
    return sorted({question.options.index(v) for v in values})


def shown_answers(survey: Survey, stored: dict[str, Any]) -> dict[str, Any]:
    """Stored answers as people read them: choice labels instead of indexes."""
    shown: dict[str, Any] = {}
    for question in survey.questions:
        value = stored.get(str(question.id))
        if value is None:
            continue
        if question.kind is SurveyKind.single:
            value = question.options[value] if value < len(question.options) else None
        elif question.kind is SurveyKind.multi:
            value = [question.options[i] for i in value if i < len(question.options)]
        shown[str(question.id)] = value
    return shown


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
    if survey is None or survey.state(now) is not SurveyState.open or not _attended(session, event, member):
        return None
    return Prompt(event, survey, _my_response(session, survey, member, secret) is not None)


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
