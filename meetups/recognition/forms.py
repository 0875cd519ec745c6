"""HTML forms for attendance: an organiser's hand correction. They only parse; the rules are the service's."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField

from meetups.recognition.models import Outcome


class CorrectionForm(FlaskForm):
    outcome = SelectField(
        _l("What happened"),
        choices=[
            SelectChoice(Outcome.attended.value, _l("Came")),
            SelectChoice(Outcome.no_show.value, _l("Did not come")),
            SelectChoice(Outcome.late_cancel.value, _l("Cancelled late")),
            SelectChoice(Outcome.excused.value, _l("Cancelled in time")),
        ],
    )
    reason = StringField(_l("Why (kept in the log)"), render_kw={"maxlength": 500, "required": True})

    def values(self) -> dict:
        return {"outcome": self.outcome.data, "reason": self.reason.data or ""}
