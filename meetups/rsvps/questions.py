"""The questions an event asks with each RSVP, and checking the answers against them."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from meetups import errors
from meetups.accounts.models import Member
from meetups.communities.models import Community
from meetups.events import service as events
from meetups.events.models import Event
from meetups.questionnaires import clean_label, clean_options, clean_required, is_blank
from meetups.rsvps.models import Question, QuestionKind

MAX_QUESTIONS = 20
ANSWER_MAX = {QuestionKind.short_text: 300, QuestionKind.long_text: 3000}
#: built-in questions organisers can switch on; their answers are never public
BUILTINS = {
    "accessibility": (QuestionKind.long_text, "Accessibility needs"),
    "dietary": (QuestionKind.short_text, "Dietary requirements"),
    #: printed on badges under the name
    "affiliation": (QuestionKind.short_text, "Company or affiliation"),
}


def get_questions_page(
    session: Session, *, event_id: int, actor: Member | None
) -> tuple[Event, list[Question]]:
    """The organisers' question editor: the event and what it asks."""
    event = events.get_managed_event(session, event_id, actor)
    return event, list_questions(session, event)


def list_questions(session: Session, event: Event | int) -> list[Question]:
    event_id = event if isinstance(event, int) else event.id
    return list(
        session.scalars(
            select(Question).where(Question.event_id == event_id).order_by(Question.position, Question.id)
        )
    )


def _clean_question(item: Any, index: int) -> dict:
    if not isinstance(item, dict):
        raise errors.InvalidInput(_("Question %(n)d is not valid.", n=index), field="questions")
    builtin = item.get("builtin") or ""
    if builtin:
        if builtin not in BUILTINS:
            raise errors.InvalidInput(
                _("Unknown built-in question: %(name)s.", name=str(builtin)[:40]), field="questions"
            )
        kind, label = BUILTINS[builtin]
        return {"kind": kind, "label": label, "options": [], "is_required": False, "builtin": builtin}
    try:
        kind = QuestionKind(item.get("kind") or item.get("type"))
    except ValueError:
        allowed = ", ".join(k.value for k in QuestionKind)
        raise errors.InvalidInput(
            _("Question %(n)d: the type must be one of %(allowed)s.", n=index, allowed=allowed),
            field="questions",
        ) from None
    label = clean_label(item, index, "questions")
    is_choice = kind in (QuestionKind.single, QuestionKind.multi)
    options = clean_options(item, index, "questions") if is_choice else []
    required = clean_required(item, index, "questions")
    return {"kind": kind, "label": label, "options": options, "is_required": required, "builtin": ""}


def set_questions(session: Session, *, event: Event, actor: Member, items: Any) -> list[Question]:
    """Replace the event's questions. Answers already given stay with their RSVPs."""
    events.ensure_can(session, actor, event, "manage")
    if not isinstance(items, list) or len(items) > MAX_QUESTIONS:
        raise errors.InvalidInput(
            _("An event can ask at most %(n)d questions.", n=MAX_QUESTIONS), field="questions"
        )
    cleaned = [_clean_question(item, i) for i, item in enumerate(items, start=1)]
    builtins = [c["builtin"] for c in cleaned if c["builtin"]]
    if len(builtins) != len(set(builtins)):
        raise errors.InvalidInput(_("Each built-in question can be asked once."), field="questions")
    session.execute(delete(Question).where(Question.event_id == event.id))
    questions = [Question(event_id=event.id, position=i, **c) for i, c in enumerate(cleaned)]
    session.add_all(questions)
    session.flush()
    return questions


def create_event_with_questions(
    session: Session,
    *,
    community: Community,
    actor: Member,
    fields: dict,
    questions: Any,
    publish: bool,
    now,
) -> Event:
    """A new event and the questions it asks with each RSVP, all or nothing; published last, once complete."""
    event = events.create_event(session, community=community, actor=actor, fields=fields, now=now)
    if questions:
        set_questions(session, event=event, actor=actor, items=questions)
    if publish:
        events.publish_event(session, event=event, actor=actor, now=now)
    return event


def _check_one(question: Question, value: Any) -> Any:
    def invalid(message: str) -> errors.InvalidAnswer:
        return errors.InvalidAnswer(f"{question.label}: {message}", question=question.id)

    kind = question.kind
    if kind in ANSWER_MAX:
        if not isinstance(value, str):
            raise invalid(_("please answer with text."))
        value = value.strip()
        if len(value) > ANSWER_MAX[kind]:
            raise invalid(_("at most %(n)d characters, please.", n=ANSWER_MAX[kind]))
        return value
    if kind is QuestionKind.yes_no:
        if isinstance(value, str) and value.lower() in ("yes", "no", "true", "false"):
            return value.lower() in ("yes", "true")
        if not isinstance(value, bool):
            raise invalid(_("please answer yes or no."))
        return value
    if kind is QuestionKind.single:
        if value not in question.options:
            raise invalid(_("please pick one of the choices."))
        return value
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not all(isinstance(v, str) and v in question.options for v in values):
        raise invalid(_("please pick from the choices."))
    return [o for o in question.options if o in values]  # in the organiser's order, without repeats


def check_answers(session: Session, event: Event | int, answers: Any) -> dict[str, Any]:
    """Answers keyed by question id (as text); unknown questions, wrong values and missing required ones are
    refused with the question named."""
    if not isinstance(answers, dict):
        raise errors.InvalidAnswer(_("Answers must be given per question."))
    questions = {str(q.id): q for q in list_questions(session, event)}
    for key in answers:
        if str(key) not in questions:
            raise errors.InvalidAnswer(
                _("This event has no question %(id)s.", id=str(key)[:20]), question=key
            )
    clean: dict[str, Any] = {}
    for key, question in questions.items():
        value = answers.get(key, answers.get(int(key)) if key.isdigit() else None)
        if is_blank(value) and not (question.kind is QuestionKind.yes_no and value is False):
            if question.is_required:
                raise errors.AnswerRequired(
                    _("Please answer: %(label)s", label=question.label), question=question.id
                )
            continue
        clean[key] = _check_one(question, value)
    return clean
