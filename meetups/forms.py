"""What every HTML form shares: the action button (only its CSRF token travels) and the one place that puts a
refused action's message next to the field it is about."""

from __future__ import annotations

from flask_wtf import FlaskForm

from meetups import errors


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
