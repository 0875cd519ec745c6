"""HTML forms for communities. They only parse; every rule is checked by communities.service."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.fields import ColorField

from meetups import errors
from meetups.communities.models import CommunityRole


class ActionForm(FlaskForm):
    """A button that changes something (join, leave, publish, remove): only the CSRF token travels."""


class CommunityForm(FlaskForm):
    slug = StringField(
        _l("Short name"),
        render_kw={
            "autocomplete": "off",
            "autocapitalize": "none",
            "spellcheck": "false",
            "maxlength": 50,
            "required": True,
            "pattern": "[a-z0-9][a-z0-9-]*",
        },
    )
    name = StringField(_l("Name"), render_kw={"autocomplete": "off", "maxlength": 100, "required": True})
    description = TextAreaField(_l("Description"), render_kw={"rows": 6, "maxlength": 5000})
    color = ColorField(_l("Accent colour"), default="#3b5bdb")

    def fields(self) -> dict:
        return {
            "slug": self.slug.data or "",
            "name": self.name.data or "",
            "description": self.description.data or "",
            "color": self.color.data or "",
        }


class RoleForm(FlaskForm):
    email = EmailField(_l("Email"), render_kw={"autocomplete": "off", "required": True, "maxlength": 254})
    role = SelectField(
        _l("Role"),
        default=CommunityRole.organiser.value,
        choices=[
            SelectChoice(CommunityRole.organiser.value, _l("Organiser")),
            SelectChoice(CommunityRole.member.value, _l("Member")),
        ],
    )


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
