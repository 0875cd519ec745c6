"""RSVPs over JSON: the same service calls as the pages."""

from typing import Any

from apiflask import APIBlueprint
from flask import request
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field

from meetups import api, clock, web
from meetups.api import IsoText, MemberRef, QuestionIn
from meetups.events import service as events
from meetups.extensions import db
from meetups.rsvps import announcements, organiser, questions, series, service, waitlist
from meetups.rsvps.models import Announcement, Audience, Question, Rsvp, RsvpStatus

bp = APIBlueprint("rsvps_api", __name__)

Answer = str | list[str] | bool | None


class RsvpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    guests: int = Field(0, ge=0, le=20)
    answers: dict[str, Answer] = {}
    #: when more guests no longer fit: move the party to the waitlist instead of refusing
    join_waitlist: bool = False


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    message: str = Field("", max_length=500)


class PromoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(..., min_length=1, max_length=500)


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    position: int = Field(..., ge=1)
    reason: str = Field(..., min_length=1, max_length=500)


class QuestionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questions: list[QuestionIn] = Field(..., max_length=questions.MAX_QUESTIONS)


class TicketOut(BaseModel):
    code: str = Field(description="The secret the QR carries; ≥128 bits of randomness.")
    url: str = Field(description="The ticket page, which the QR encodes.")


class RsvpOut(BaseModel):
    id: int
    event_id: int
    status: RsvpStatus
    guests: int
    waitlist_position: int | None = Field(description="1 for the first in line; null unless waitlisted.")
    ticket: TicketOut | None = Field(description="Only while going.")
    offer_expires_at: IsoText | None = Field(description="When a held seat passes on (offered).")
    end_reason: str | None = Field(
        description="Why it ended: member, offer_expired, offer_declined, event_cancelled, organiser."
    )
    message: str | None = Field(description="The organisers' note on approval or decline.")
    created_at: IsoText
    updated_at: IsoText


class RsvpEnvelope(BaseModel):
    rsvp: RsvpOut


class EventBrief(BaseModel):
    id: int
    title: str
    starts_at: IsoText
    timezone: str
    status: str


class MyRsvpOut(RsvpOut):
    event: EventBrief


class MyRsvpsEnvelope(BaseModel):
    rsvps: list[MyRsvpOut]


class AttendeeMemberOut(MemberRef):
    email: str | None = Field(None, description="Organisers only.")


class AttendeeOut(RsvpOut):
    member: AttendeeMemberOut
    answers: dict[str, Answer] | None = Field(None, description="By question id; organisers only.")


class CountsOut(BaseModel):
    going: int = Field(description="Parties going.")
    seats: int = Field(description="Seats they take, guests included (staff who take no seat left out).")
    waitlisted: int
    pending: int


class AttendeesEnvelope(BaseModel):
    attendees: list[AttendeeOut]
    counts: CountsOut


class QuestionOut(BaseModel):
    id: int
    kind: str
    label: str
    options: list[str]
    required: bool
    builtin: str | None


class QuestionsEnvelope(BaseModel):
    questions: list[QuestionOut]


class AlwaysGoingOut(BaseModel):
    always_going: bool
    rsvps: list[RsvpOut] = Field([], description="The RSVPs made just now, for dates already open.")


#: the refusals of an RSVP, by status (the `code` of the error body)
RSVP_ERRORS = {
    401: "login_required",
    404: "not_found",
    409: "rsvp_closed, rsvp_not_open, event_cancelled, not_enough_seats, offer_expired, rsvp_declined",
    422: "invalid_input, too_many_guests, answer_required, invalid_answer",
}
ORGANISER_ERRORS = {
    401: "login_required",
    403: "forbidden",
    404: "not_found",
    409: "invalid_state, event_cancelled, not_enough_seats",
    422: "invalid_input",
}


def ticket_json(rsvp: Rsvp) -> dict | None:
    code = rsvp.valid_ticket_code
    return None if code is None else {"code": code, "url": web.absolute_url("checkin.ticket", code=code)}


def rsvp_json(
    rsvp: Rsvp, position: int | None = None, *, member: bool = False, personal: bool = False
) -> dict[str, Any]:
    """`member`: who it is (staff lists); `personal`: their email, answers and ticket too (organisers only: a
    volunteer's list must leak no usable ticket)."""
    data = {
        "id": rsvp.id,
        "event_id": rsvp.event_id,
        "status": rsvp.status.value,
        "guests": rsvp.guests,
        "waitlist_position": position,
        "ticket": ticket_json(rsvp) if personal or not member else None,
        "offer_expires_at": rsvp.offer_expires_at.isoformat() if rsvp.offer_expires_at else None,
        "end_reason": rsvp.end_reason or None,
        "message": rsvp.message or None,
        "created_at": rsvp.created_at.isoformat(),
        "updated_at": rsvp.updated_at.isoformat(),
    }
    if member:
        data["member"] = {"id": rsvp.member.id, "name": rsvp.member.name}
    if member and personal:
        data["member"]["email"] = rsvp.member.email
        data["answers"] = rsvp.answers
    return data


def question_json(q: Question) -> dict[str, Any]:
    return {
        "id": q.id,
        "kind": q.kind.value,
        "label": q.label,
        "options": q.options,
        "required": q.is_required,
        "builtin": q.builtin or None,
    }


def _with_position(rsvp: Rsvp) -> dict:
    return {"rsvp": rsvp_json(rsvp, waitlist.position(db.session, rsvp))}


@bp.post("/events/<int:event_id>/rsvp")
@bp.input(RsvpIn, arg_name="body")
@bp.output(RsvpEnvelope)
@bp.doc(
    summary="RSVP, change guests/answers, or claim a held offer",
    description="Seated if the party fits, else waitlisted (approval events: pending).",
    security=api.SECURITY,
    responses=RSVP_ERRORS,
)
@api.login_required
def save_rsvp(event_id: int, body: RsvpIn):
    rsvp = service.save_rsvp(
        db.session,
        event_id=event_id,
        member=current_user,
        guests=body.guests,
        answers=body.answers,
        join_waitlist=body.join_waitlist,
        now=clock.now(),
    )
    db.session.commit()
    return _with_position(rsvp)


@bp.delete("/events/<int:event_id>/rsvp")
@bp.output(RsvpEnvelope)
@bp.doc(
    summary="Cancel my RSVP, or decline a held offer",
    description="The seat passes on at once.",
    security=api.SECURITY,
    responses={401: "login_required", 404: "not_found", 409: "rsvp_closed"},
)
@api.login_required
def cancel_rsvp(event_id: int):
    rsvp = service.cancel_rsvp(db.session, event_id=event_id, member=current_user, now=clock.now())
    db.session.commit()
    return {"rsvp": rsvp_json(rsvp)}


@bp.get("/me/rsvps")
@bp.output(MyRsvpsEnvelope)
@bp.doc(
    summary="My RSVPs (upcoming, or past with ?past=true)",
    security=api.SECURITY,
    responses={401: "login_required"},
)
@api.login_required
def my_rsvps():
    past = request.args.get("past", "").lower() in ("1", "true", "yes")
    views = service.list_my_rsvps(db.session, current_user, now=clock.now(), past=past)
    return {
        "rsvps": [{**rsvp_json(v.rsvp, v.position), "event": event_brief_json(v.rsvp.event)} for v in views]
    }


def event_brief_json(event) -> dict[str, Any]:
    return {
        "id": event.id,
        "title": event.title,
        "starts_at": event.starts_at.isoformat(),
        "timezone": event.timezone,
        "status": event.status.value,
    }


@bp.get("/events/<int:event_id>/attendees")
@bp.output(AttendeesEnvelope)
@bp.doc(
    summary="Everyone who answered (staff): going, waitlist in order, pending, offered, ended",
    description="Emails and answers only for the event's organisers; volunteers get names and places.",
    security=api.SECURITY,
    responses={401: "login_required", 403: "forbidden", 404: "not_found", 422: "invalid_input"},
)
@api.login_required
def attendees(event_id: int):
    page = organiser.get_attendees_page(
        db.session,
        event_id=event_id,
        actor=current_user,
        status=request.args.get("status", ""),
        search=request.args.get("q", ""),
    )
    return {
        "attendees": [
            rsvp_json(v.rsvp, v.position, member=True, personal=page.shows_personal_data) for v in page.rows
        ],
        "counts": page.counts,
    }


@bp.post("/rsvps/<int:rsvp_id>/approve")
@bp.input(DecisionIn, arg_name="body")
@bp.output(RsvpEnvelope)
@bp.doc(
    summary="Approve a pending request (seat, or waitlist when full)",
    security=api.SECURITY,
    responses=ORGANISER_ERRORS,
)
@api.login_required
def approve(rsvp_id: int, body: DecisionIn):
    rsvp = organiser.approve_rsvp(
        db.session, actor=current_user, rsvp_id=rsvp_id, message=body.message, now=clock.now()
    )
    db.session.commit()
    return _with_position(rsvp)


@bp.post("/rsvps/<int:rsvp_id>/decline")
@bp.input(DecisionIn, arg_name="body")
@bp.output(RsvpEnvelope)
@bp.doc(
    summary="Decline a request or remove someone; a freed seat passes on",
    security=api.SECURITY,
    responses=ORGANISER_ERRORS,
)
@api.login_required
def decline(rsvp_id: int, body: DecisionIn):
    rsvp = organiser.decline_rsvp(
        db.session, actor=current_user, rsvp_id=rsvp_id, message=body.message, now=clock.now()
    )
    db.session.commit()
    return {"rsvp": rsvp_json(rsvp)}


@bp.post("/rsvps/<int:rsvp_id>/promote")
@bp.input(PromoteIn, arg_name="body")
@bp.output(RsvpEnvelope)
@bp.doc(
    summary="Seat someone waiting, out of turn (logged; capacity still holds)",
    security=api.SECURITY,
    responses=ORGANISER_ERRORS,
)
@api.login_required
def promote(rsvp_id: int, body: PromoteIn):
    rsvp = organiser.promote_rsvp(
        db.session, actor=current_user, rsvp_id=rsvp_id, reason=body.reason, now=clock.now()
    )
    db.session.commit()
    return _with_position(rsvp)


@bp.post("/rsvps/<int:rsvp_id>/move")
@bp.input(MoveIn, arg_name="body")
@bp.output(RsvpEnvelope)
@bp.doc(
    summary="Move someone to a place in the waitlist (logged)",
    security=api.SECURITY,
    responses=ORGANISER_ERRORS,
)
@api.login_required
def move(rsvp_id: int, body: MoveIn):
    rsvp = organiser.move_in_waitlist(
        db.session,
        actor=current_user,
        rsvp_id=rsvp_id,
        position=body.position,
        reason=body.reason,
        now=clock.now(),
    )
    db.session.commit()
    return _with_position(rsvp)


@bp.get("/events/<int:event_id>/questions")
@bp.output(QuestionsEnvelope)
@bp.doc(summary="The questions asked with an RSVP", responses={404: "not_found"})
def list_questions(event_id: int):
    event = events.get_event(db.session, event_id, current_user)
    return {"questions": [question_json(q) for q in questions.list_questions(db.session, event)]}


@bp.put("/events/<int:event_id>/questions")
@bp.input(QuestionsIn, arg_name="body")
@bp.output(QuestionsEnvelope)
@bp.doc(
    summary="Replace the event's questions (organiser)",
    description="Answers already given stay with their RSVPs.",
    security=api.SECURITY,
    responses={401: "login_required", 403: "forbidden", 404: "not_found", 422: "invalid_input"},
)
@api.login_required
def set_questions(event_id: int, body: QuestionsIn):
    event = events.get_event(db.session, event_id, current_user)
    saved = questions.set_questions(
        db.session,
        event=event,
        actor=current_user,
        items=[q.model_dump(exclude_none=True) for q in body.questions],
    )
    db.session.commit()
    return {"questions": [question_json(q) for q in saved]}


@bp.post("/series/<int:series_id>/always-going")
@bp.output(AlwaysGoingOut)
@bp.doc(
    summary="Always going: an RSVP for every date of the series as its RSVPs open",
    security=api.SECURITY,
    responses={401: "login_required", 404: "not_found"},
)
@api.login_required
def always_going(series_id: int):
    made = series.always_go(db.session, series_id=series_id, member=current_user, now=clock.now())
    db.session.commit()
    return {"always_going": True, "rsvps": [rsvp_json(r) for r in made]}


@bp.delete("/series/<int:series_id>/always-going")
@bp.output(AlwaysGoingOut)
@bp.doc(
    summary="Stop always going (RSVPs already made stay)",
    security=api.SECURITY,
    responses={401: "login_required", 404: "not_found"},
)
@api.login_required
def stop_always_going(series_id: int):
    series.stop_always_going(db.session, series_id=series_id, member=current_user)
    db.session.commit()
    return {"always_going": False, "rsvps": []}


class HistoryQuery(BaseModel):
    action: str = Field("", description="Only this action: " + ", ".join(organiser.HISTORY_ACTIONS))
    q: str = Field("", max_length=100, description="Member name contains")
    before: int | None = Field(None, ge=1, description="Older than this entry (the previous page's `older`)")


class HistoryEntryOut(BaseModel):
    id: int
    at: str = Field(json_schema_extra={"format": "date-time"})
    rsvp_id: int
    member: str
    action: str
    actor: str | None = Field(description="Who did it; null when it happened by itself.")
    detail: str


class HistoryOut(BaseModel):
    entries: list[HistoryEntryOut]
    counts: dict[str, int]
    older: int | None


@bp.get("/events/<int:event_id>/rsvp-log")
@bp.input(HistoryQuery, location="query", arg_name="query")
@bp.output(HistoryOut)
@bp.doc(
    summary="The RSVP history: promotions, offers, cancellations and manual moves, newest first (organisers)",
    security=api.SECURITY,
    responses={401: "login_required", 403: "forbidden", 404: "not_found", 422: "invalid_input"},
)
@api.login_required
def rsvp_log(event_id: int, query: HistoryQuery):
    log = organiser.get_rsvp_history(db.session, event_id=event_id, actor=web.me(), **query.model_dump())
    return {"entries": [history_json(e) for e in log.entries], "counts": log.counts, "older": log.older}


def history_json(entry: organiser.HistoryEntry) -> dict[str, Any]:
    item = entry.log
    return {
        "id": item.id,
        "at": item.at.isoformat(),
        "rsvp_id": item.rsvp_id,
        "member": entry.member,
        "action": item.action,
        "actor": entry.actor,
        "detail": item.detail,
    }


# Organisers writing to members


class AnnouncementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    audience: Audience = Field(description="going (offered seats too), waitlisted, or everyone: both.")
    subject: str = Field(
        description="1–200 characters, one line; the mail's subject is “[event title] subject”."
    )
    body: str = Field(description="1–5,000 characters of plain text.")


class AnnouncementOut(BaseModel):
    id: int
    event_id: int
    audience: Audience
    subject: str
    body: str
    recipients: int = Field(description="How many members it was queued for (the author never is).")
    created_at: IsoText
    author: MemberRef | None = Field(description="Null once the author deleted their account.")


class AnnouncementEnvelope(BaseModel):
    announcement: AnnouncementOut


class AudiencesOut(BaseModel):
    going: int
    waitlisted: int
    everyone: int


class AnnouncementsOut(BaseModel):
    announcements: list[AnnouncementOut] = Field(description="Newest first.")
    audiences: AudiencesOut = Field(description="How many members each audience reaches now, you left out.")
    refusal: str | None = Field(description="Why nothing can be sent about this event (a draft, long over).")
    next_at: IsoText | None = Field(description="When the limit lets the next one go; null: now.")


def announcement_json(announcement: Announcement) -> dict[str, Any]:
    author = announcement.author
    return {
        "id": announcement.id,
        "event_id": announcement.event_id,
        "audience": announcement.audience.value,
        "subject": announcement.subject,
        "body": announcement.body,
        "recipients": announcement.recipients,
        "created_at": announcement.created_at.isoformat(),
        "author": {"id": author.id, "name": author.name} if author else None,
    }


@bp.post("/events/<int:event_id>/announcements")
@bp.input(AnnouncementIn, arg_name="body")
@bp.output(AnnouncementEnvelope, status_code=201)
@bp.doc(
    summary="Write to the members going, waiting, or both (organisers; logged)",
    description="One mail each, to those who have not turned off organiser messages; never to the author. "
    "At most 3 per event in 24 hours, 10 minutes apart: `too_many_announcements` says when (`next_at`). "
    "Refused on drafts and once the event ended more than 7 days ago; a cancelled event reaches those "
    "its cancellation ended.",
    security=api.SECURITY,
    responses={
        401: "login_required",
        403: "forbidden",
        404: "not_found",
        409: "invalid_state",
        422: "invalid_input",
        429: "too_many_announcements",
    },
)
@api.login_required
def announce(event_id: int, body: AnnouncementIn):
    announcement = announcements.send_announcement(
        db.session, event_id=event_id, actor=web.me(), now=clock.now(), **body.model_dump()
    )
    db.session.commit()
    return {"announcement": announcement_json(announcement)}


@bp.get("/events/<int:event_id>/announcements")
@bp.output(AnnouncementsOut)
@bp.doc(
    summary="What organisers wrote to the event's members, and whom each audience reaches (organisers)",
    security=api.SECURITY,
    responses={401: "login_required", 403: "forbidden", 404: "not_found"},
)
@api.login_required
def list_announcements(event_id: int):
    panel = announcements.get_panel(db.session, event_id=event_id, actor=web.me(), now=clock.now())
    return {
        "announcements": [announcement_json(a) for a in panel.history],
        "audiences": panel.audiences,
        "refusal": panel.refusal,
        "next_at": panel.next_at.isoformat() if panel.next_at else None,
    }
