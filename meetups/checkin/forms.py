from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import InputRequired, Length


class DoorLinkForm(FlaskForm):
    label = StringField(
        _l("Name of the link (e.g. 'Front door, Anna')"), validators=[InputRequired(), Length(max=60)]
    )


class RevokeForm(FlaskForm):
    pass
