"""HTML forms for events. They parse what the browser sends; events.service checks every rule, so the form
and the JSON API can never disagree."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import Optional

from meetups.events import fields
from meetups.events.models import Event, RsvpMode, StaffRole, WaitlistMode

#: offered first in the zone picker: where most communities meet
COMMON_ZONES = (
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Kyiv",
    "Europe/Istanbul",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Africa/Lagos",
    "Africa/Nairobi",
    "UTC",
)
_REGIONS = {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
#: the browser's datetime-local value first: WTForms renders the first format
_LOCAL_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
DATETIME_FIELDS = fields.DATETIME_FIELDS
#: the form's fields, named as events.service names them
EVENT_FIELDS = fields.EDITABLE


def zone_names() -> list[str]:
    """Every place-named IANA zone, for the picker and the type-ahead list."""
    return sorted(name for name in fields.timezone_names() if name.split("/")[0] in _REGIONS)


def _local(label, hint_required: bool = False) -> DateTimeLocalField:
    # Optional(): an empty or unreadable value reaches the service as None, which says what is missing
    return DateTimeLocalField(
        label,
        validators=[Optional()],
        format=_LOCAL_FORMATS,
        render_kw={"required": True} if hint_required else {},
    )


def _count(label, **attrs) -> IntegerField:
    return IntegerField(label, validators=[Optional()], render_kw={"inputmode": "numeric", **attrs})


class EventForm(FlaskForm):
    title = StringField(
        _l("Title"), render_kw={"required": True, "maxlength": fields.TITLE_MAX, "autocomplete": "off"}
    )
    description = TextAreaField(_l("Description"), render_kw={"rows": 8, "maxlength": fields.DESCRIPTION_MAX})
    starts_at = _local(_l("Starts"), hint_required=True)
    ends_at = _local(_l("Ends"), hint_required=True)
    timezone = SelectField(_l("Time zone"), validate_choice=False)  # the service knows every zone
    timezone_other = StringField(
        _l("Or type a zone"),
        render_kw={
            "list": "zone-names",
            "autocomplete": "off",
            "autocapitalize": "none",
            "spellcheck": "false",
            "placeholder": "America/Argentina/Salta",
        },
    )
    venue_name = StringField(_l("Venue"), render_kw={"maxlength": 200, "autocomplete": "off"})
    venue_address = TextAreaField(
        _l("Address"), render_kw={"rows": 2, "maxlength": 500, "autocomplete": "street-address"}
    )
    online_url = URLField(_l("Online link"), render_kw={"maxlength": 500, "placeholder": "https://"})
    capacity = _count(_l("Capacity"), min=0, placeholder=_l("No limit"))
    max_guests = _count(_l("Guests per RSVP"), min=0, max=fields.MAX_GUESTS_LIMIT)
    rsvp_mode = SelectField(
        _l("Who gets a seat"),
        default=RsvpMode.open.value,
        choices=[
            SelectChoice(RsvpMode.open.value, _l("Everyone who RSVPs, while seats last")),
            SelectChoice(RsvpMode.approval.value, _l("Only members an organiser approves")),
        ],
    )
    waitlist_mode = SelectField(
        _l("When a seat frees up"),
        default=WaitlistMode.auto.value,
        choices=[
            SelectChoice(WaitlistMode.auto.value, _l("Give it to the next person on the waitlist")),
            SelectChoice(WaitlistMode.offer.value, _l("Offer it to the next person, who confirms")),
        ],
    )
    offer_hours = _count(_l("Hours to confirm an offer"), min=1, max=fields.OFFER_HOURS_MAX)
    offer_cutover_hours = _count(
        _l("Offer seats instead, from this many hours before the start"), min=1, max=336
    )
    late_offer_hours = _count(_l("Hours to confirm a late offer"), min=1, max=48)
    rsvp_opens_at = _local(_l("RSVPs open"))
    rsvp_closes_at = _local(_l("RSVPs close"))
    checkin_opens_at = _local(_l("Check-in opens"))
    overbook = _count(_l("Overbooking: extra places"), min=0)
    close_after_hours = _count(_l("Close attendance, hours after the end"), min=1, max=168)
    send_reminders = BooleanField(_l("Remind people going by email 24 hours and 2 hours before"))
    alarm_minutes = _count(
        _l("Calendar alarm: minutes before (empty for none)"), min=0, max=fields.ALARM_MINUTES_MAX
    )
    save = SubmitField(_l("Save draft"))
    publish = SubmitField(_l("Publish"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        common = list(COMMON_ZONES)
        if self.timezone.data and self.timezone.data not in common:
            common.insert(
                0, self.timezone.data
            )  # an unusual zone stays selected instead of silently changing
        rest = _("All other zones")
        self.timezone.choices = [SelectChoice(z, optgroup=_("Common")) for z in common] + [
            SelectChoice(z, optgroup=rest) for z in zone_names() if z not in common
        ]

    #: for events in a series: change only this date, or this and every later one
    scope = RadioField(
        _l("Apply to"),
        choices=[
            SelectChoice("one", _l("This event only")),
            SelectChoice("following", _l("This and all following events")),
        ],
        default="one",
    )

    def fields(self) -> dict:
        """What the service validates: every field by its service name; a typed zone wins over the list."""
        values = {name: self[name].data for name in EVENT_FIELDS}
        values["timezone"] = (self.timezone_other.data or "").strip() or self.timezone.data
        return values

    def new_event(self) -> dict:
        """What events.service.create_event takes from the form."""
        return {"fields": self.fields(), "publish": self.publish.data}

    def changes(self) -> dict:
        """What events.series.save_changes takes from the form: the fields, and "this and following"."""
        return {"changes": self.fields(), "following": self.scope.data == "following"}


def event_data(event: Event) -> dict:
    """An event as the form shows it: wall-clock times in the event's own zone."""
    data = {name: getattr(event, name) for name in EVENT_FIELDS}
    for name in DATETIME_FIELDS:
        value: datetime | None = data[name]
        data[name] = value.astimezone(event.zone).replace(tzinfo=None) if value else None
    data["rsvp_mode"], data["waitlist_mode"] = event.rsvp_mode.value, event.waitlist_mode.value
    return data


def new_event_data(zone: str) -> dict:
    return {
        "timezone": zone,
        "max_guests": 0,
        "offer_hours": 24,
        "late_offer_hours": 2,
        "overbook": 0,
        "close_after_hours": 6,
        "send_reminders": True,
        "alarm_minutes": fields.ALARM_MINUTES_DEFAULT,
        "rsvp_mode": RsvpMode.open.value,
        "waitlist_mode": WaitlistMode.auto.value,
    }


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Reason (shown on the event page)"), render_kw={"rows": 3, "maxlength": 500})


class StaffForm(FlaskForm):
    email = EmailField(_l("Email"), render_kw={"autocomplete": "off", "required": True, "maxlength": 254})
    role = SelectField(
        _l("Role"),
        default=StaffRole.volunteer.value,
        choices=[
            SelectChoice(StaffRole.organiser.value, _l("Organiser")),
            SelectChoice(StaffRole.volunteer.value, _l("Volunteer")),
            SelectChoice(StaffRole.speaker.value, _l("Speaker")),
        ],
    )
    takes_seat = BooleanField(_l("Takes an attendee seat when they RSVP"))

    def values(self) -> dict:
        """What events.service.add_staff takes from the form."""
        return {"email": self.email.data, "role": self.role.data, "takes_seat": self.takes_seat.data}


class RepeatForm(FlaskForm):
    frequency = SelectField(
        _l("Repeat"),
        choices=[
            SelectChoice("weekly", _l("Every week")),
            SelectChoice("biweekly", _l("Every two weeks")),
            SelectChoice("monthly", _l("Every month, same weekday (e.g. 2nd Tuesday)")),
        ],
    )
    count = IntegerField(
        _l("How many events in all"), validators=[Optional()], render_kw={"min": 2, "max": 52}
    )
    until = DateField(_l("Or until"), validators=[Optional()])

    def values(self) -> dict:
        """What events.series.repeat_event takes from the form."""
        return {"frequency": self.frequency.data, "count": self.count.data, "until": self.until.data}


class AnnouncementForm(FlaskForm):
    """The dashboard's "write to members", parsed only: templates/rsvps/_announcements.html draws the fields,
    rsvps.announcements checks them with the API's messages."""

    audience = StringField(_l("Who gets it"))
    subject = StringField(_l("Subject"))
    body = TextAreaField(_l("Message"))

    def values(self) -> dict:
        """What rsvps.announcements.send_announcement takes from the form."""
        return {"audience": self.audience.data, "subject": self.subject.data, "body": self.body.data}
