"""Account forms. They check only that something was typed; the rules (email format, password length, ...)
live in accounts.service, which the JSON API shares, and its errors are shown next to the field."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired

from meetups.accounts import service
from meetups.accounts.models import Visibility

_required = InputRequired(message=_l("Please fill this in."))


class SignupForm(FlaskForm):
    name = StringField(
        _l("Your name"), [_required], render_kw={"autocomplete": "name", "maxlength": service.NAME_MAX}
    )
    email = EmailField(_l("Email"), [_required], render_kw={"autocomplete": "email", "inputmode": "email"})
    password = PasswordField(
        _l("Password"),
        [_required],
        render_kw={
            "autocomplete": "new-password",
            "minlength": service.PASSWORD_MIN,
            "maxlength": service.PASSWORD_MAX,
        },
    )

    def values(self) -> dict:
        """What accounts.service.sign_up takes from the form."""
        return {"email": self.email.data, "name": self.name.data, "password": self.password.data}


class LoginForm(FlaskForm):
    # No format check here: a typo and an unknown address get the same answer as a wrong password.
    email = EmailField(_l("Email"), [_required], render_kw={"autocomplete": "username", "inputmode": "email"})
    password = PasswordField(_l("Password"), [_required], render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me logged in on this device"))


class ForgotForm(FlaskForm):
    email = EmailField(_l("Email"), [_required], render_kw={"autocomplete": "email", "inputmode": "email"})


class ResetForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        [_required],
        render_kw={
            "autocomplete": "new-password",
            "minlength": service.PASSWORD_MIN,
            "maxlength": service.PASSWORD_MAX,
        },
    )


class ProfileForm(FlaskForm):
    name = StringField(
        _l("Display name"), [_required], render_kw={"autocomplete": "name", "maxlength": service.NAME_MAX}
    )
    pronouns = StringField(
        _l("Pronouns"),
        render_kw={
            "autocomplete": "off",
            "maxlength": service.PRONOUNS_MAX,
            "placeholder": _l("e.g. she/her"),
        },
    )
    bio = TextAreaField(_l("Short bio"), render_kw={"rows": 4, "maxlength": service.BIO_MAX})
    locale = SelectField(
        _l("Language"),
        choices=[
            SelectChoice("", _l("Automatic (from your browser)")),
            SelectChoice("en", "English", render_kw={"lang": "en"}),
            SelectChoice("ru", "Русский", render_kw={"lang": "ru"}),
        ],
    )

    def values(self) -> dict:
        """What accounts.service.update_profile takes from the form."""
        return {name: self[name].data for name in ("name", "pronouns", "bio", "locale")}


class PasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), [_required], render_kw={"autocomplete": "current-password"}
    )
    password = PasswordField(
        _l("New password"),
        [_required],
        render_kw={
            "autocomplete": "new-password",
            "minlength": service.PASSWORD_MIN,
            "maxlength": service.PASSWORD_MAX,
        },
    )


class TokenForm(FlaskForm):
    name = StringField(
        _l("Token name"),
        render_kw={"autocomplete": "off", "maxlength": 60, "placeholder": _l("e.g. door scanner")},
    )


class PrivacyForm(FlaskForm):
    profile_visibility = SelectField(
        _l("Who sees my profile and attendance"),
        choices=[
            SelectChoice(Visibility.public.value, _l("Anyone")),
            SelectChoice(Visibility.communities.value, _l("Members of my communities")),
            SelectChoice(Visibility.private.value, _l("Only me")),
        ],
    )
    show_in_attendee_lists = BooleanField(_l("Show my name in the “who's going” list of events"))
    show_on_leaderboards = BooleanField(_l("Show me on my communities' leaderboards"))

    def values(self) -> dict:
        """What accounts.service.update_privacy takes from the form."""
        return {
            name: self[name].data
            for name in ("profile_visibility", "show_in_attendee_lists", "show_on_leaderboards")
        }


class DeleteAccountForm(FlaskForm):
    password = PasswordField(_l("Your password"), [_required], render_kw={"autocomplete": "current-password"})
