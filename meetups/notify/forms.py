"""The mail settings form: one box per topic, grouped on the page by category."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField

from meetups.notify.models import Topic


class MailSettingsForm(FlaskForm):
    """Filled from the member's choices; the labels come from notify.topics as the page renders."""


for _topic in Topic:
    setattr(MailSettingsForm, _topic.value, BooleanField())
