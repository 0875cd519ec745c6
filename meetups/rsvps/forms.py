from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, NumberRange, Optional


class RsvpForm(FlaskForm):
    guests = IntegerField(_l("Guests"), validators=[Optional(), NumberRange(min=0, max=20)], default=0)
    join_waitlist = BooleanField(_l("Join the waitlist with the larger party"))

    def values(self) -> dict:
        """What rsvps.service.save_rsvp takes from the form (the answers come from their own fields)."""
        return {"guests": self.guests.data or 0, "join_waitlist": self.join_waitlist.data}


class CancelForm(FlaskForm):
    pass


class DecisionForm(FlaskForm):
    message = TextAreaField(_l("Message to the member (optional)"), validators=[Optional()])


class PromoteForm(FlaskForm):
    reason = StringField(_l("Why (kept in the log)"), validators=[InputRequired()])


class MoveForm(FlaskForm):
    position = IntegerField(_l("New position"), validators=[InputRequired(), NumberRange(min=1)])
    reason = StringField(_l("Why (kept in the log)"), validators=[InputRequired()])


def answers_from_form(form: MultiDict) -> dict[str, object]:
    """The answers in the shape the service checks (by question id): text or a choice, a list when several
    boxes are ticked, "yes"/"no" for yes-or-no questions. The service knows each question's kind."""
    answers: dict[str, object] = {}
    for key in form:
        if key.startswith("q-"):
            values = form.getlist(key)
            answers[key.removeprefix("q-")] = values if len(values) > 1 else values[0]
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
