"""HTML forms for communities. They only parse; every rule is checked by communities.service."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.fields import ColorField

from meetups.communities.models import CommunityRole


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

    def values(self) -> dict:
        """What communities.service.set_role takes from the form."""
        return {"email": self.email.data, "role": CommunityRole(self.role.data)}
