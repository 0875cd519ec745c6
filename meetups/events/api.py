"""JSON API for events: create, read, edit, publish, cancel, and who staffs them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from apiflask import APIBlueprint
from flask import request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from meetups import api, clock, web
from meetups.api import CommunityRef, IsoText, MemberRef, QuestionIn
from meetups.communities import service as communities
from meetups.events import series, service
from meetups.events.models import Event, EventStaff, EventStatus, RsvpMode, StaffRole, WaitlistMode
from meetups.extensions import db
from meetups.rsvps import questions as rsvp_questions
from meetups.rsvps import service as rsvps

bp = APIBlueprint("events_api", __name__, tag="Events")

# The models check types and shapes only; the rules (lengths, ranges, time order, time zones) live in
# fields.validate_event_fields, which the HTML form shares.
WhenText = Annotated[
    StrictStr,
    Field(
        description="ISO 8601. With an offset it is converted; without, it is wall-clock time in `timezone`.",
        examples=["2030-07-01T19:00"],
    ),
]


class VenueIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: StrictStr | None = None
    address: StrictStr | None = None


class EventChanges(BaseModel):
    """Every field optional: PATCH changes only what it names."""

    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422, not silently ignored

    title: StrictStr | None = None
    description: StrictStr | None = Field(None, description="Markdown.")
    starts_at: WhenText | None = None
    ends_at: WhenText | None = None
    timezone: StrictStr | None = Field(
        None, description="IANA zone name, such as Europe/Berlin.", examples=["Europe/Berlin"]
    )
    venue: VenueIn | None = None
    online_url: StrictStr | None = None
    capacity: StrictInt | None = Field(
        None, description="Seats for attendees and their guests; null: no limit."
    )
    max_guests: StrictInt | None = Field(None, description="Guests one RSVP may bring.")
    rsvp_mode: RsvpMode | None = None
    waitlist_mode: WaitlistMode | None = None
    offer_hours: StrictInt | None = Field(None, description="How long an offered seat is held (offer mode).")
    rsvp_opens_at: WhenText | None = None
    rsvp_closes_at: WhenText | None = Field(None, description="Null: RSVPs close when the event starts.")
    offer_cutover_hours: StrictInt | None = Field(
        None,
        description="Time-adaptive waitlist: this many hours before the start, promotion becomes offers.",
    )
    late_offer_hours: StrictInt | None = Field(None, description="How long offers near the start are held.")
    checkin_opens_at: WhenText | None = Field(None, description="Null: two hours before the start.")
    overbook: StrictInt | None = Field(
        None, description="Overbooking: this many more people may take a seat than the capacity (0 to it)."
    )
    close_after_hours: StrictInt | None = Field(
        None, description="Attendance is resolved this long after the end."
    )
    send_reminders: StrictBool | None = Field(
        None, description="Reminder emails 24 h and 2 h before the start, to members going. New events: true."
    )
    alarm_minutes: StrictInt | None = Field(
        None,
        description="The alarm the event's calendar entry sets, minutes before the start (0 to 10080); "
        "null: none. New events: 60.",
    )


class EventIn(EventChanges):
    title: StrictStr
    starts_at: WhenText
    ends_at: WhenText
    timezone: StrictStr = Field(
        description="IANA zone name, such as Europe/Berlin.", examples=["Europe/Berlin"]
    )
    publish: StrictBool = Field(False, description="Publish at once instead of saving a draft.")
    questions: list[QuestionIn] | None = Field(
        None,
        description="Asked with each RSVP: kind short_text|long_text|single|multi|yes_no, label, "
        'options, required; or {"builtin": "accessibility"|"dietary"|"affiliation"}.',
    )


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: StrictStr = ""


class StaffIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: StrictStr
    role: StaffRole
    takes_seat: StrictBool = Field(False, description="Their own RSVP takes an attendee seat (default: no).")


class EventsQuery(BaseModel):
    # Query strings are text, so lax parsing here ("true", "20"); unknown parameters (?lang=ru) are ignored.
    community: str | None = Field(None, description="Only this community's events (its slug).")
    past: bool = Field(False, description="Past events, most recent first, instead of upcoming ones.")
    limit: int = Field(50, ge=1, le=100)


class VenueOut(BaseModel):
    name: str
    address: str


class EventOut(BaseModel):
    model_config = ConfigDict(extra="allow")  # event_json() is the source of truth; this documents it

    id: int
    url: str
    ics_url: str
    status: EventStatus
    title: str
    description: str
    starts_at: IsoText = Field(description="UTC.")
    ends_at: IsoText = Field(description="UTC.")
    timezone: str
    local_starts_at: IsoText = Field(description="In the event's time zone.")
    local_ends_at: IsoText = Field(description="In the event's time zone.")
    venue: VenueOut
    online_url: str
    capacity: int | None
    max_guests: int
    rsvp_mode: RsvpMode
    waitlist_mode: WaitlistMode
    offer_hours: int
    rsvp_opens_at: IsoText | None
    rsvp_closes_at: IsoText | None
    community: CommunityRef
    cancel_reason: str
    overbook: int = Field(description="Places beyond the capacity (overbooking).")
    close_after_hours: int
    send_reminders: bool = Field(description="Reminder emails 24 h and 2 h before, to members going.")
    alarm_minutes: int | None = Field(description="The calendar alarm, minutes before the start; null: none.")
    closed_at: IsoText | None = Field(description="When attendance was resolved; null while it is open.")


class StaffOut(BaseModel):
    id: int
    member: MemberRef
    role: StaffRole


class EventEnvelope(BaseModel):
    event: EventOut


class EventsEnvelope(BaseModel):
    events: list[EventOut]


class StaffEnvelope(BaseModel):
    staff: StaffOut


class StaffListEnvelope(BaseModel):
    staff: list[StaffOut]


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def event_json(event: Event, counts: dict[str, int] | None = None) -> dict:
    """The one JSON shape of an event, everywhere in the API. `counts` from rsvps.count_rsvps (lists pass
    theirs, made in one query for all events)."""
    counts = counts or rsvps.count_rsvps(db.session, [event.id])[event.id]
    return {
        "id": event.id,
        "url": web.absolute_url("events.show", event_id=event.id),
        "ics_url": web.absolute_url("calendars.event_feed", event_id=event.id),
        "status": event.status.value,
        "title": event.title,
        "description": event.description,
        "starts_at": _iso(event.starts_at),
        "ends_at": _iso(event.ends_at),
        "timezone": event.timezone,
        "local_starts_at": _iso(event.local_starts_at),
        "local_ends_at": _iso(event.local_ends_at),
        "venue": {"name": event.venue_name, "address": event.venue_address},
        "online_url": event.online_url,
        "capacity": event.capacity,
        "max_guests": event.max_guests,
        "rsvp_mode": event.rsvp_mode.value,
        "waitlist_mode": event.waitlist_mode.value,
        "offer_hours": event.offer_hours,
        "rsvp_opens_at": _iso(event.rsvp_opens_at),
        "rsvp_closes_at": _iso(event.rsvp_closes_at),
        "community": {"slug": event.community.slug, "name": event.community.name},
        "cancel_reason": event.cancel_reason,
        "going_count": counts["going"],
        "seats_taken": counts["seats"],
        "waitlist_count": counts["waitlisted"],
        "pending_count": counts["pending"],
        "offer_cutover_hours": event.offer_cutover_hours,
        "late_offer_hours": event.late_offer_hours,
        "checkin_opens_at": _iso(event.checkin_opens()),
        "overbook": event.overbook,
        "close_after_hours": event.close_after_hours,
        "send_reminders": event.send_reminders,
        "alarm_minutes": event.alarm_minutes,
        "closed_at": _iso(event.closed_at),
        "series_id": event.series_id,
    }


def staff_json(staff: EventStaff) -> dict:
    return {
        "id": staff.id,
        "member": {"id": staff.member.id, "name": staff.member.name},
        "role": staff.role.value,
        "takes_seat": staff.takes_seat,
    }


def _service_fields(body: EventChanges) -> dict:
    """The body in the service's vocabulary: only the fields the caller sent; the venue flattened."""
    fields = body.model_dump(exclude_unset=True, exclude={"venue", "publish", "questions"})
    if "venue" in body.model_fields_set:
        venue = body.venue.model_dump(exclude_unset=True) if body.venue else {"name": "", "address": ""}
        fields.update({f"venue_{key}": value for key, value in venue.items()})
    return fields


def _me():
    return current_user._get_current_object()


def _event(event_id: int) -> Event:
    return service.get_event(db.session, event_id, viewer=_me())


@bp.post("/communities/<slug>/events")
@bp.input(EventIn, arg_name="body")
@bp.output(EventEnvelope, status_code=201)
@bp.doc(
    summary="Create an event",
    description="Community organisers; a draft unless `publish` is true.",
    security=api.SECURITY,
    responses={
        401: "login_required",
        403: "forbidden",
        404: "not_found",
        422: "invalid_input, invalid_answer",
    },
)
@api.login_required
def create_event(slug: str, body: EventIn):
    event = rsvp_questions.create_event_with_questions(
        db.session,
        community=communities.get_community(db.session, slug),
        actor=_me(),
        fields=_service_fields(body),
        publish=body.publish,
        questions=[q.model_dump(exclude_none=True) for q in body.questions] if body.questions else None,
        now=clock.now(),
    )
    db.session.commit()
    return {"event": event_json(event)}


@bp.get("/events")
@bp.input(EventsQuery, location="query", arg_name="query")
@bp.output(EventsEnvelope)
@bp.doc(
    summary="List events",
    description="Published (and cancelled) events, soonest first; drafts never.",
    responses={404: "not_found", 422: "invalid_input"},
)
def list_events(query: EventsQuery):
    community = communities.get_community(db.session, query.community) if query.community else None
    events = service.list_events(
        db.session, now=clock.now(), community=community, past=query.past, limit=query.limit
    )
    counts = rsvps.count_rsvps(db.session, [event.id for event in events])
    return {"events": [event_json(event, counts[event.id]) for event in events]}


@bp.get("/events/<int:event_id>")
@bp.output(EventEnvelope)
@bp.doc(
    summary="Read an event",
    description="Drafts only for those who manage them.",
    responses={404: "not_found"},
)
def show_event(event_id: int):
    return {"event": event_json(_event(event_id))}


@bp.patch("/events/<int:event_id>")
@bp.input(EventChanges, arg_name="body")
@bp.output(EventEnvelope)
@bp.doc(
    summary="Change an event",
    description="Only the fields sent change. A new time zone keeps the wall-clock times unless new ones "
    "are sent too.",
    security=api.SECURITY,
    responses={
        401: "login_required",
        403: "forbidden",
        404: "not_found",
        409: "event_cancelled",
        422: "invalid_input",
    },
)
@api.login_required
def update_event(event_id: int, body: EventChanges):
    event, changes = _event(event_id), _service_fields(body)
    if request.args.get("scope") == "following":  # this and every later event of its series
        series.update_following(db.session, event=event, actor=_me(), changes=changes, now=clock.now())
    else:
        service.update_event(db.session, event=event, actor=_me(), changes=changes, now=clock.now())
    db.session.commit()
    return {"event": event_json(event)}


class RepeatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    frequency: Literal["weekly", "biweekly", "monthly"]
    count: StrictInt | None = Field(None, description="How many events in all, this one included (2-52).")
    until: date | None = Field(None, description="Or: the last possible date (local).")


@bp.post("/events/<int:event_id>/repeat")
@bp.input(RepeatIn, arg_name="body")
@bp.output(EventsEnvelope, status_code=201)
@bp.doc(
    summary="Turn an event into a series",
    description="Adds the later dates as events of their own, at the same local time across DST changes. "
    "Monthly means the same weekday of the month (2nd Tuesday; a 5th weekday means the last).",
    security=api.SECURITY,
    responses={
        401: "login_required",
        403: "forbidden",
        404: "not_found",
        409: "invalid_state, event_cancelled",
        422: "invalid_input",
    },
)
@api.login_required
def repeat_event(event_id: int, body: RepeatIn):
    created = series.repeat_event(
        db.session,
        event=_event(event_id),
        actor=_me(),
        frequency=body.frequency,
        count=body.count,
        until=body.until,
        now=clock.now(),
    )
    db.session.commit()
    return {
        "events": [event_json(e, {"going": 0, "seats": 0, "waitlisted": 0, "pending": 0}) for e in created]
    }


@bp.post("/events/<int:event_id>/publish")
@bp.output(EventEnvelope)
@bp.doc(
    summary="Publish an event",
    description="Publishing twice changes nothing.",
    security=api.SECURITY,
    responses={401: "login_required", 403: "forbidden", 404: "not_found", 409: "event_cancelled"},
)
@api.login_required
def publish_event(event_id: int):
    event = service.publish_event(db.session, event=_event(event_id), actor=_me(), now=clock.now())
    db.session.commit()
    return {"event": event_json(event)}


@bp.post("/events/<int:event_id>/cancel")
@bp.input(CancelIn, arg_name="body")
@bp.output(EventEnvelope)
@bp.doc(
    summary="Cancel an event",
    description="It stays visible, marked cancelled. Cancelling twice is harmless.",
    security=api.SECURITY,
    responses={401: "login_required", 403: "forbidden", 404: "not_found", 422: "invalid_input"},
)
@api.login_required
def cancel_event(event_id: int, body: CancelIn):
    event = service.cancel_event(
        db.session, event=_event(event_id), actor=_me(), reason=body.reason, now=clock.now()
    )
    db.session.commit()
    return {"event": event_json(event)}


@bp.post("/events/<int:event_id>/staff")
@bp.input(StaffIn, arg_name="body")
@bp.output(StaffEnvelope, status_code=201)
@bp.doc(
    summary="Add event staff",
    description="Give a member a role: organiser, volunteer or speaker.",
    security=api.SECURITY,
    responses={
        401: "login_required",
        403: "forbidden",
        404: "not_found",
        409: "already_staff, not_enough_seats",
        422: "invalid_input",
    },
)
@api.login_required
def add_staff(event_id: int, body: StaffIn):
    staff = service.add_staff(
        db.session,
        event=_event(event_id),
        actor=_me(),
        email=body.email,
        role=body.role,
        takes_seat=body.takes_seat,
        now=clock.now(),
    )
    db.session.commit()
    return {"staff": staff_json(staff)}


@bp.get("/events/<int:event_id>/staff")
@bp.output(StaffListEnvelope)
@bp.doc(
    summary="List event staff",
    description="For staff who may see attendees.",
    security=api.SECURITY,
    responses={401: "login_required", 403: "forbidden", 404: "not_found"},
)
@api.login_required
def list_staff(event_id: int):
    event = _event(event_id)
    service.ensure_can(db.session, _me(), event, "see_attendees")
    return {"staff": [staff_json(staff) for staff in service.list_staff(db.session, event)]}


@bp.delete("/events/<int:event_id>/staff/<int:staff_id>")
@bp.output({}, status_code=204)
@bp.doc(
    summary="Remove event staff",
    security=api.SECURITY,
    responses={401: "login_required", 403: "forbidden", 404: "not_found", 409: "not_enough_seats"},
)
@api.login_required
def remove_staff(event_id: int, staff_id: int):
    service.remove_staff(db.session, event=_event(event_id), actor=_me(), staff_id=staff_id, now=clock.now())
    db.session.commit()
    return ""
