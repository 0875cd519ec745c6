"""Answers and who gave them: the keyed hash that stands for a respondent, whether a member may answer (they
came), checking answers against the questions, and showing stored answers as people read them."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, time
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from meetups import errors
from meetups.accounts.models import Member
from meetups.events.models import Event
from meetups.questionnaires import is_blank
from meetups.recognition.models import Attendance, Outcome
from meetups.surveys.models import Survey, SurveyKind, SurveyQuestion, SurveyResponse

ANSWER_MAX = {SurveyKind.text: 300, SurveyKind.long_text: 5000}
#: the numbers a scale question takes, both ends included
SCALES = {SurveyKind.rating: (1, 5), SurveyKind.nps: (0, 10)}


def respondent_key(secret: str, survey_id: int, member_id: int) -> str:
    """Who answered, as only the site can tell: stops a second answer without storing the member."""
    message = f"survey-response:{survey_id}:{member_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def count_responses(session: Session, survey: Survey) -> int:
    return session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey.id)) or 0


def find_response(session: Session, survey: Survey, member: Member, secret: str) -> SurveyResponse | None:
    """The member's response, found by their keyed hash (anonymous ones too)."""
    key = respondent_key(secret, survey.id, member.id)
    return session.scalar(
        select(SurveyResponse).where(
            SurveyResponse.survey_id == survey.id, SurveyResponse.respondent_key == key
        )
    )


def has_attended(session: Session, event: Event, member: Member) -> bool:
    """The door (or a correction) recorded the member as come: only they answer the event's survey."""
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


def anonymous_stamp(event: Event, now: datetime) -> datetime:
    """Only the day, as the event's zone has it (noon there): the time of an answer can tell who gave it."""
    day = now.astimezone(event.zone).date()
    return datetime.combine(day, time(12), event.zone).astimezone(now.tzinfo)


def answer_problems(survey: Survey, answers: Any) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """The answers keyed by question id as stored (numbers, choice indexes, trimmed text), and every problem
    found, {question id: (code, message)}, so a form can show each next to its question."""
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
    return clean, problems


def check_answers(survey: Survey, answers: Any) -> dict[str, Any]:
    """Answers keyed by question id, as stored; every problem is found at once (`problems`: {question id:
    message}), the first named in the message."""
    clean, problems = answer_problems(survey, answers)
    if problems:
        raise problems_error(survey, problems)
    return clean


def problems_error(
    survey: Survey, problems: dict[str, tuple[str, str]], **more: Any
) -> errors.AnswerRequired | errors.InvalidAnswer:
    """The one error for the problems found: the first question at fault in its message and `question`."""
    labels = {str(q.id): q.label for q in survey.questions}
    key, (code, message) = next(iter(problems.items()))
    error = errors.AnswerRequired if code == "answer_required" else errors.InvalidAnswer
    return error(
        f"{labels[key]}: {message}",
        question=int(key),
        problems={k: text for k, (_code, text) in problems.items()},
        **more,
    )


def check_scale(value: Any, low: int, high: int) -> int:
    """A whole number from low to high, given as a number or as ASCII digits; else ValueError."""
    number = value if isinstance(value, int) and not isinstance(value, bool) else None
    digits = value.strip() if isinstance(value, str) else ""
    if digits.isascii() and digits.isdigit() and len(digits) <= 3:  # "4", never "٤", "²" or 5,000 nines
        number = int(digits)
    if number is None or not low <= number <= high:
        raise ValueError(_("please choose a number from %(low)d to %(high)d.", low=low, high=high))
    return number


def _check_one(question: SurveyQuestion, value: Any) -> Any:
    kind = question.kind
    if kind in SCALES:
        return check_scale(value, *SCALES[kind])
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
