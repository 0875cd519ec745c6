"""HTML forms for the personal feed. They only parse; calendars.service decides."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class FeedSettingsForm(FlaskForm):
    include_community_events = BooleanField(_l("Also list every event of my communities"))
