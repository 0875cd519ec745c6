"""A survey's questions: finding an event's survey with them, the default questions, checking questions given
by hand or copied from an earlier event of the series or community, and changing them (only their wording once
answers have come in)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from meetups import errors
from meetups.events.models import Event
from meetups.questionnaires import clean_label, clean_options, clean_required
from meetups.surveys.models import Survey, SurveyKind, SurveyQuestion

MAX_QUESTIONS = 20
OPEN_DAYS = (1, 90)
CHOICES = (SurveyKind.single, SurveyKind.multi)
COPY_SOURCES = 20


class SurveyLocked(errors.DomainError):
    code, status = "survey_locked", 409


def find_survey(session: Session, event_id: int) -> Survey | None:
    return session.scalar(
        select(Survey).options(selectinload(Survey.questions)).where(Survey.event_id == event_id)
    )


def survey_of(session: Session, event: Event) -> Survey:
    """The event's survey, or NotFound."""
    survey = find_survey(session, event.id)
    if survey is None:
        raise errors.NotFound(_("This event has no survey."))
    return survey


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


def kind_labels() -> list[tuple[str, str]]:
    """Each kind of question as the editor offers it."""
    return [
        (SurveyKind.rating.value, _("Rating, 1 to 5")),
        (SurveyKind.nps.value, _("Would recommend, 0 to 10 (NPS)")),
        (SurveyKind.single.value, _("One choice")),
        (SurveyKind.multi.value, _("Several choices")),
        (SurveyKind.text.value, _("Short text")),
        (SurveyKind.long_text.value, _("Long text")),
    ]


def copy_sources(session: Session, event: Event) -> list[Event]:
    """Earlier events of the series or community with a survey to copy, most recent first."""
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


def choose_questions(
    session: Session, event: Event, *, template: Any, questions: Any, copy_from: Any, needed: bool
) -> tuple[list[dict[str, Any]] | None, Survey | None]:
    """The questions a change asks for, cleaned, from one of: the default template, another event's survey
    (returned too, for its anonymity), or given; None when the change leaves them (not when `needed`)."""
    if sum(x is not None for x in (template, questions, copy_from)) > 1:
        raise errors.InvalidInput(
            _("Give the questions, a template or an event to copy from: one of them."), field="questions"
        )
    if template is not None:
        if template != "default":
            raise errors.InvalidInput(_("The only template is 'default'."), field="template")
        return clean_questions(default_questions()), None
    if copy_from is not None:
        source = _copy_source(session, event, copy_from)
        items = [
            {"id": None, "kind": q.kind, "label": q.label, "options": q.options, "is_required": q.is_required}
            for q in source.questions
        ]
        return items, source
    if questions is not None:
        return clean_questions(questions), None
    if needed:
        raise errors.InvalidInput(
            _("Give the survey's questions, or the template 'default'."), field="questions"
        )
    return None, None


def _copy_source(session: Session, event: Event, source_id: Any) -> Survey:
    if isinstance(source_id, bool) or not isinstance(source_id, int):
        raise errors.InvalidInput(_("Choose an earlier event to copy from."), field="copy_from")
    if source_id not in {e.id for e in copy_sources(session, event)}:
        raise errors.InvalidInput(
            _("Copy from an earlier event of the same series or community that has a survey."),
            field="copy_from",
        )
    return find_survey(session, source_id)


def check_settings(*, anonymous: Any, open_days: Any) -> None:
    """How long a survey stays open, and whether it is anonymous, as JSON or a form may send them."""
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


def change_questions(survey: Survey, items: list[dict[str, Any]], *, answered: bool) -> None:
    """Put the cleaned questions on the survey: anything goes before the first answer, the words after."""
    if answered:
        _relabel(survey, items)
    else:
        _replace_questions(survey, items)


def _replace_questions(survey: Survey, items: list[dict[str, Any]]) -> None:
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
