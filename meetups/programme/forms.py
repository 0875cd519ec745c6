"""HTML forms for building the programme. They parse what the browser sends, under the service's own field
names (room_id, track_id, speaker_ids, starts_at, ...); programme.fields and programme.service check every
rule, so the form, the JSON API and the CSV import can never disagree."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import ColorInput, DateTimeLocalInput, EmailInput

from meetups.events.models import Event
from meetups.programme import fields
from meetups.programme.models import Level, ProgrammeSession, Room, SessionKind, Speaker, Track

#: how the browser's datetime-local input writes a time, and how the form shows a stored one
LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
#: a new session's length until the organiser says otherwise
DEFAULT_LENGTH = timedelta(minutes=45)


def _count(label, **attrs) -> IntegerField:
    # Optional(): empty reaches the service as None; "abc" is refused by the field, "-3" by the service
    return IntegerField(label, validators=[Optional()], render_kw={"inputmode": "numeric", **attrs})


def kind_labels() -> dict[str, str]:
    return {
        SessionKind.talk.value: _("Talk"),
        SessionKind.workshop.value: _("Workshop"),
        SessionKind.panel.value: _("Panel"),
        SessionKind.keynote.value: _("Keynote"),
        SessionKind.break_.value: _("Break"),
    }


def level_labels() -> dict[str, str]:
    return {
        Level.beginner.value: _("Beginner"),
        Level.intermediate.value: _("Intermediate"),
        Level.advanced.value: _("Advanced"),
    }


class RoomForm(FlaskForm):
    name = StringField(_l("Name"), render_kw={"required": True, "maxlength": 100, "autocomplete": "off"})
    capacity = _count(_l("Capacity"), min=0, max=fields.CAPACITY_MAX, placeholder=_l("Not known"))
    position = _count(_l("Position"), min=0, max=1000)

    def values(self) -> dict[str, Any]:
        """What programme.places.save_room takes."""
        return {"name": self.name.data, "capacity": self.capacity.data, "position": self.position.data}


class TrackForm(FlaskForm):
    name = StringField(_l("Name"), render_kw={"required": True, "maxlength": 100, "autocomplete": "off"})
    colour = StringField(_l("Colour"), widget=ColorInput(), default="#5b6ee1")

    def values(self) -> dict[str, Any]:
        """What programme.places.save_track takes."""
        return {"name": self.name.data, "colour": self.colour.data}


class SpeakerForm(FlaskForm):
    name = StringField(_l("Name"), render_kw={"required": True, "maxlength": 200, "autocomplete": "off"})
    pronouns = StringField(_l("Pronouns"), render_kw={"maxlength": 40, "placeholder": _l("she/her")})
    affiliation = StringField(_l("Affiliation"), render_kw={"maxlength": 200})
    bio = TextAreaField(_l("Bio"), render_kw={"rows": 5, "maxlength": fields.BIO_MAX})
    links = TextAreaField(_l("Links"), render_kw={"rows": 3, "placeholder": "https://"})
    email = StringField(
        _l("Account email"),
        widget=EmailInput(),
        render_kw={"maxlength": 320, "autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )

    def values(self) -> dict[str, Any]:
        """What programme.lineup.save_speaker takes (links one per line; the service splits them)."""
        return {
            name: self[name].data for name in ("name", "pronouns", "affiliation", "bio", "links", "email")
        }


def speaker_data(speaker: Speaker) -> dict[str, Any]:
    return {
        "name": speaker.name,
        "pronouns": speaker.pronouns,
        "affiliation": speaker.affiliation,
        "bio": speaker.bio,
        "links": "\n".join(speaker.links or []),
        "email": speaker.member.email if speaker.member else "",
    }


class SessionForm(FlaskForm):
    title = StringField(
        _l("Title"), render_kw={"required": True, "maxlength": fields.TITLE_MAX, "autocomplete": "off"}
    )
    kind = SelectField(_l("Kind"), default=SessionKind.talk.value, validate_choice=False)
    # the raw "2030-10-25T10:00" goes to the service: it reads it in the event's zone, or says what is wrong
    starts_at = StringField(_l("Starts"), widget=DateTimeLocalInput(), render_kw={"required": True})
    ends_at = StringField(_l("Ends"), widget=DateTimeLocalInput(), render_kw={"required": True})
    room_id = SelectField(_l("Room"), validate_choice=False)
    track_id = SelectField(_l("Track"), validate_choice=False)
    speaker_ids = SelectMultipleField(_l("Speakers"), validate_choice=False)
    language = StringField(
        _l("Language"),
        render_kw={"maxlength": 16, "placeholder": "en", "autocapitalize": "none", "spellcheck": "false"},
    )
    level = SelectField(_l("Level"), validate_choice=False)
    capacity = _count(_l("Seats"), min=1, max=fields.CAPACITY_MAX, placeholder=_l("Walk in"))
    abstract = TextAreaField(_l("Abstract"), render_kw={"rows": 8, "maxlength": fields.ABSTRACT_MAX})

    #: the session a clash refusal named, for a link to it
    clash_id: int | None = None

    def __init__(self, *args, rooms: list[Room], tracks: list[Track], speakers: list[Speaker], **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [SelectChoice(value, label) for value, label in kind_labels().items()]
        self.room_id.choices = [SelectChoice("", _("No room (breaks only)"))] + [
            SelectChoice(str(room.id), _room_label(room)) for room in rooms
        ]
        self.track_id.choices = [SelectChoice("", _("No track"))] + [
            SelectChoice(str(track.id), track.name) for track in tracks
        ]
        self.speaker_ids.choices = [SelectChoice(str(s.id), s.name) for s in speakers]
        self.level.choices = [SelectChoice("", _("Not said"))] + [
            SelectChoice(value, label) for value, label in level_labels().items()
        ]

    def values(self) -> dict[str, Any]:
        """What programme.service.create_session (and update_session, as its changes) takes."""
        names = ("title", "kind", "starts_at", "ends_at", "room_id", "track_id", "speaker_ids", "language")
        return {
            **{name: self[name].data for name in names},
            "level": self.level.data,
            "capacity": self.capacity.data,
            "abstract": self.abstract.data,
        }

    def chosen_speakers(self) -> set[str]:
        return {str(value) for value in self.speaker_ids.data or []}


def _room_label(room: Room) -> str:
    if room.capacity is None:
        return room.name
    return ngettext("%(room)s (%(num)d seat)", "%(room)s (%(num)d seats)", room.capacity, room=room.name)


def local_value(value: datetime, event: Event) -> str:
    return value.astimezone(event.zone).strftime(LOCAL_FORMAT)


def session_data(item: ProgrammeSession, event: Event) -> dict[str, Any]:
    """A session as the form shows it: wall-clock times in the event's zone, ids as the selects write them."""
    return {
        "title": item.title,
        "kind": item.kind.value,
        "starts_at": local_value(item.starts_at, event),
        "ends_at": local_value(item.ends_at, event),
        "room_id": str(item.room_id) if item.room_id else "",
        "track_id": str(item.track_id) if item.track_id else "",
        "speaker_ids": [str(link.speaker_id) for link in item.speaker_links],
        "language": item.language,
        "level": item.level.value if item.level else "",
        "capacity": item.capacity,
        "abstract": item.abstract,
    }


def new_session_data(event: Event, day: str | None = None, room_id: str | None = None) -> dict[str, Any]:
    """A new session starts when the event does (on `day`, a YYYY-MM-DD the overview links with)."""
    starts = event.local_starts_at.replace(tzinfo=None)
    try:
        if day:
            starts = datetime.combine(date.fromisoformat(day), starts.time())
    except ValueError:
        pass  # a made-up day in the address: the event's first
    return {
        "kind": SessionKind.talk.value,
        "starts_at": starts.strftime(LOCAL_FORMAT),
        "ends_at": (starts + DEFAULT_LENGTH).strftime(LOCAL_FORMAT),
        "room_id": room_id if room_id and room_id.isdigit() else "",
    }
