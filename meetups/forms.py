"""What every HTML form shares: the action button (only its CSRF token travels) and the one place that puts a
refused action's message next to the field it is about."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_wtf import FlaskForm

from meetups import errors
from meetups.extensions import db


class ActionForm(FlaskForm):
    """A button that changes something (join, leave, publish, remove): only the CSRF token travels."""


def show_error(form: FlaskForm, err: errors.DomainError) -> int:
    """Put a refused action's message by the field it names (or atop the form) and return the status to
    answer with; refusals that are not about the input (not allowed, no such thing) are raised again."""
    name = err.details.get("field")
    if isinstance(name, str) and name in form._fields:
        form[name].errors = [*form[name].errors, err.message]
        return 422 if err.status == 404 else err.status  # the page exists; the input named nothing
    if err.status in (401, 403, 404):
        raise err
    form.form_errors.append(err.message)
    return err.status


@dataclass(frozen=True)
class Submitted:
    """What became of a form: `done` with the action's result, or not, with the status to answer the page
    with (200 when it was only shown, 422 or the refusal's own status with the messages on the form)."""

    done: bool
    result: Any = None
    status: int = 200


def submit(
    form: FlaskForm,
    action: Callable[[], Any],
    on_refusal: Callable[[FlaskForm, errors.DomainError], int] = show_error,
) -> Submitted:
    """Validate the form, run the action (one service call), and commit once; a refusal rolls everything
    back and lands next to the field it is about (`on_refusal` puts it there and says the status)."""
    if not form.validate_on_submit():
        return Submitted(False, status=422 if form.is_submitted() else 200)
    try:
        result = action()
    except errors.DomainError as err:
        db.session.rollback()
        return Submitted(False, status=on_refusal(form, err))
    db.session.commit()
    return Submitted(True, result)
