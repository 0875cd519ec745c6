from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional

from meetups.rsvps.models import Question, QuestionKind


class RsvpForm(FlaskForm):
    guests = IntegerField(_l("Guests"), validators=[Optional(), NumberRange(min=0, max=20)], default=0)
    join_waitlist = BooleanField(_l("Join the waitlist with the larger party"))


class CancelForm(FlaskForm):
    pass


class DecisionForm(FlaskForm):
    message = TextAreaField(_l("Message to the member (optional)"), validators=[Optional()])


class PromoteForm(FlaskForm):
    reason = StringField(_l("Why (kept in the log)"), validators=[InputRequired()])


class MoveForm(FlaskForm):
    position = IntegerField(_l("New position"), validators=[InputRequired(), NumberRange(min=1)])
    reason = StringField(_l("Why (kept in the log)"), validators=[InputRequired()])


def answers_from_form(questions: list[Question], form: MultiDict) -> dict[str, object]:
    """The answers in the shape the service checks: text, a choice, a list of choices, or yes/no."""
    answers: dict[str, object] = {}
    for question in questions:
        key = f"q-{question.id}"
        if question.kind is QuestionKind.multi:
            answers[str(question.id)] = form.getlist(key)
        elif question.kind is QuestionKind.yes_no:
            value = form.get(key, "")
            answers[str(question.id)] = {"yes": True, "no": False}.get(value, "")
        else:
            answers[str(question.id)] = form.get(key, "")
    return answers


def questions_from_form(form: MultiDict) -> list[dict]:
    """The question editor's rows (label, kind, choices one per line, required) and the built-in toggles."""
    items: list[dict] = []
    for builtin in ("accessibility", "dietary", "affiliation"):
        if form.get(f"builtin-{builtin}"):
            items.append({"builtin": builtin})
    for index in range(int(form.get("rows", "0") or 0) if (form.get("rows") or "0").isdigit() else 0):
        label = (form.get(f"label-{index}") or "").strip()
        if not label:
            continue
        options = [line.strip() for line in (form.get(f"options-{index}") or "").splitlines() if line.strip()]
        items.append(
            {
                "label": label,
                "kind": form.get(f"kind-{index}", ""),
                "options": options,
                "required": bool(form.get(f"required-{index}")),
            }
        )
    return items
