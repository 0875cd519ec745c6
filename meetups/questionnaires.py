"""What every questionnaire checks about the questions it asks: the questions members answer with an RSVP and
the feedback surveys after an event. A question needs a label; a choice question needs a few different
choices; 'required' is true or false; an answer left empty is no answer."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from meetups import errors

LABEL_MAX, OPTION_MAX, MAX_OPTIONS = 300, 100, 30


def clean_label(item: dict, index: int, field: str) -> str:
    label = item.get("label")
    if not isinstance(label, str) or not label.strip() or len(label.strip()) > LABEL_MAX:
        raise errors.InvalidInput(
            _("Question %(n)d needs a label of up to %(max)d characters.", n=index, max=LABEL_MAX),
            field=field,
        )
    return label.strip()


def clean_options(item: dict, index: int, field: str) -> list[str]:
    options = item.get("options") or []
    if (
        not isinstance(options, list)
        or not 2 <= len(options) <= MAX_OPTIONS
        or not all(isinstance(o, str) and o.strip() and len(o) <= OPTION_MAX for o in options)
        or len({o.strip() for o in options}) != len(options)
    ):
        raise errors.InvalidInput(
            _("Question %(n)d needs 2 to %(max)d different choices.", n=index, max=MAX_OPTIONS), field=field
        )
    return [o.strip() for o in options]


def clean_required(item: dict, index: int, field: str) -> bool:
    required = item.get("required", item.get("is_required", False))
    if not isinstance(required, bool):
        raise errors.InvalidInput(
            _("Question %(n)d: 'required' must be true or false.", n=index), field=field
        )
    return required


def is_blank(value: Any) -> bool:
    return value is None or value == [] or (isinstance(value, str) and not value.strip())
