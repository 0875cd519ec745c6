"""The door over JSON: scanners (staff, or a door link's holder) post scans and read the list and numbers."""

from typing import Any

from apiflask import APIBlueprint
from flask import request
from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from meetups import api, clock, web
from meetups.checkin import door, door_log, service
from meetups.checkin.door import Scanner
from meetups.checkin.models import ScanResult
from meetups.checkin.service import Outcome
from meetups.extensions import db, reads_first
from meetups.programme import door as room_door
from meetups.programme.door import RoomOutcome, RoomResult
from meetups.rsvps import tickets

bp = APIBlueprint("checkin_api", __name__)
DOOR_HEADER = "X-Door-Token"


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str | None = Field(
        None, min_length=1, max_length=300, description="the code, or the whole scanned ticket URL"
    )
    rsvp_id: StrictInt | None = Field(
        None, ge=1, description="instead of a code: an RSVP found by the name search (`checkin-search`)"
    )
    client_scan_id: str | None = Field(None, max_length=64)
    scanned_at: str | None = Field(None, max_length=40, description="ISO 8601 with zone; default: now")
    guests: int | None = Field(None, ge=0, le=20, description="guests entering now; default: all of them")

    @model_validator(mode="after")
    def _one_ticket(self):
        if (self.code is None) == (self.rsvp_id is None):
            raise ValueError("send either code or rsvp_id")
        return self


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    checkins: list[ScanIn] = Field(..., max_length=service.MAX_BATCH)


class AttendeeAtDoorOut(BaseModel):
    rsvp_id: int
    name: str
    pronouns: str | None
    status: str
    guests: int
    guests_admitted: int


class FirstScanOut(BaseModel):
    checked_in_at: str = Field(json_schema_extra={"format": "date-time"})
    by: str


class OtherEventOut(BaseModel):
    id: int
    title: str


class ScanOut(BaseModel):
    model_config = ConfigDict(extra="allow")  # outcome_json() is the source of truth; this documents it
    result: ScanResult
    client_scan_id: str
    checkin_id: int | None
    attendee: AttendeeAtDoorOut | None
    checked_in_at: str | None = Field(json_schema_extra={"format": "date-time"})
    checked_in_by: str | None
    duplicate: FirstScanOut | None = Field(None, description="When two scanners admitted the same ticket.")
    event: OtherEventOut | None = Field(None, description="The ticket's event, for wrong_event.")
    replayed: bool | None = Field(None, description="This client scan id was seen before: the first answer.")
    guests_entering: int | None = Field(None, description="Guests admitted by this scan (later arrivals).")
    opens_at: str | None = Field(None, description="For not_open_yet: when check-in opens.")


class BatchOut(BaseModel):
    results: list[ScanOut] = Field(description="One per scan sent, in order.")


class UndoneOut(BaseModel):
    id: int
    undone_at: str = Field(json_schema_extra={"format": "date-time"})


class UndoOut(BaseModel):
    checkin: UndoneOut


class DoorEventOut(BaseModel):
    id: int
    title: str
    checkin_opens_at: str = Field(json_schema_extra={"format": "date-time"})
    status: str


class ListedTicketOut(BaseModel):
    h: str = Field(description="SHA-256 of the ticket code, first 32 hex digits: never the code.")
    rsvp_id: int
    name: str
    status: str
    guests: int
    checked_in_at: str | None
    checked_in_by: str | None
    guests_admitted: int
    checkin_id: int | None


class CheckinListOut(BaseModel):
    event: DoorEventOut
    generated_at: str = Field(json_schema_extra={"format": "date-time"})
    tickets: list[ListedTicketOut]


class ArrivalsOut(BaseModel):
    from_: str = Field(alias="from", json_schema_extra={"format": "date-time"})
    people: int


class StatsOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    expected: int = Field(description="People going, guests included.")
    checked_in: int = Field(description="People in, guests included.")
    tickets_scanned: int
    arrivals: list[ArrivalsOut] = Field(description="People per 15 minutes.")


class FoundOut(BaseModel):
    rsvp_id: int = Field(description='Check them in with {"rsvp_id": …}: the door never sees their code.')
    name: str
    status: str
    guests: int
    h: str = Field(description="The hashed code, as in the checkin-list.")


class SearchOut(BaseModel):
    attendees: list[FoundOut]


DOOR_ERRORS = {401: "login_required", 403: "forbidden", 404: "not_found"}


def current_scanner(event_id: int | None) -> Scanner:
    """A door link (X-Door-Token header) or the logged-in member (session or Bearer token)."""
    return door.identify_scanner(
        db.session,
        event_id=event_id,
        door_token=request.headers.get(DOOR_HEADER),
        member=web.me(),
        device=(request.headers.get("X-Scanner-Device") or request.user_agent.string or "")[:100],
        now=clock.now(),
    )


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    rsvp, checkin = outcome.rsvp, outcome.checkin
    attendee = None
    if rsvp is not None and outcome.other_event is None:
        attendee = {
            "rsvp_id": rsvp.id,
            "name": rsvp.member.name,
            "pronouns": rsvp.member.pronouns or None,
            "status": rsvp.status.value,
            "guests": rsvp.guests,
            "guests_admitted": checkin.guests_admitted if checkin else 0,
        }
    data = {
        "result": outcome.result.value,
        "client_scan_id": outcome.client_scan_id,
        "checkin_id": checkin.id if checkin and checkin.undone_at is None else None,
        "attendee": attendee,
        "checked_in_at": checkin.checked_in_at.isoformat() if checkin else None,
        "checked_in_by": service.scanner_name(checkin) if checkin else None,
        **outcome.details,
    }
    if outcome.duplicate:
        data["duplicate"] = outcome.duplicate
    if outcome.other_event is not None:
        data["event"] = {"id": outcome.other_event.id, "title": outcome.other_event.title}
    return data


@bp.post("/events/<int:event_id>/checkins")
@reads_first
@bp.input(ScanIn, arg_name="body")
@bp.output(ScanOut)
@bp.doc(
    summary="Check a ticket in",
    description="Results: ok, already_checked_in, unknown_ticket, wrong_event, "
    "not_confirmed, cancelled, not_open_yet. Staff, or a door link in the X-Door-Token header.",
    security=api.SECURITY,
    responses={**DOOR_ERRORS, 422: "invalid_input"},
)
def check_in(event_id: int, body: ScanIn):
    outcome = service.check_in(
        db.session,
        event_id=event_id,
        scanner=current_scanner(event_id),
        text=body.code,
        rsvp_id=body.rsvp_id,
        client_scan_id=body.client_scan_id,
        scanned_at=body.scanned_at,
        guests=body.guests,
        now=clock.now(),
    )
    db.session.commit()
    return outcome_json(outcome)


@bp.post("/events/<int:event_id>/checkins/batch")
@reads_first
@bp.input(BatchIn, arg_name="body")
@bp.output(BatchOut)
@bp.doc(
    summary="Sync an offline scanner's queue (idempotent by client_scan_id)",
    security=api.SECURITY,
    responses={**DOOR_ERRORS, 422: "invalid_input"},
)
def check_in_batch(event_id: int, body: BatchIn):
    outcomes = service.check_in_batch(
        db.session,
        event_id=event_id,
        scanner=current_scanner(event_id),
        items=[item.model_dump() for item in body.checkins],
        now=clock.now(),
    )
    db.session.commit()
    return {"results": [outcome_json(o) for o in outcomes]}


@bp.delete("/checkins/<int:checkin_id>")
@bp.output(UndoOut)
@bp.doc(
    summary="Undo a check-in (logged); the ticket can be scanned again",
    security=api.SECURITY,
    responses=DOOR_ERRORS,
)
def undo(checkin_id: int):
    checkin = service.undo_checkin(
        db.session, checkin_id=checkin_id, scanner=current_scanner(None), now=clock.now()
    )
    db.session.commit()
    return {"checkin": {"id": checkin.id, "undone_at": checkin.undone_at.isoformat()}}


@bp.get("/events/<int:event_id>/checkin-list")
@reads_first
@bp.output(CheckinListOut)
@bp.doc(
    summary="What an offline scanner caches: hashed codes (sha256, first 32 hex), names, status, guests",
    security=api.SECURITY,
    responses=DOOR_ERRORS,
)
def checkin_list(event_id: int):
    event, listed = service.get_checkin_list(
        db.session, event_id=event_id, scanner=current_scanner(event_id), now=clock.now()
    )
    return {
        "event": {
            "id": event.id,
            "title": event.title,
            "checkin_opens_at": event.checkin_opens().isoformat(),
            "status": event.status.value,
        },
        "generated_at": clock.now().isoformat(),
        "tickets": listed,
    }


@bp.get("/events/<int:event_id>/stats")
@reads_first
@bp.output(StatsOut)
@bp.doc(
    summary="Live numbers: checked in / expected, arrivals per 15 minutes",
    security=api.SECURITY,
    responses=DOOR_ERRORS,
)
def stats(event_id: int):
    return service.get_stats(
        db.session, event_id=event_id, scanner=current_scanner(event_id), now=clock.now()
    )


@bp.get("/events/<int:event_id>/checkin-search")
@reads_first
@bp.output(SearchOut)
@bp.doc(
    summary="Find a ticket by name or email when a QR will not scan",
    description="At least two letters, up to 20 people; names and RSVP ids, never ticket codes.",
    security=api.SECURITY,
    responses=DOOR_ERRORS,
)
def search(event_id: int):
    scanner, query = current_scanner(event_id), request.args.get("q", "")
    found = service.search_attendees(
        db.session, event_id=event_id, scanner=scanner, query=query, now=clock.now()
    )
    return {"attendees": [found_json(rsvp) for rsvp in found]}


def found_json(rsvp) -> dict[str, Any]:
    """Who the name search found: enough to admit them by RSVP id, never their code."""
    h = tickets.code_hash(rsvp.ticket_code)
    return {
        "rsvp_id": rsvp.id,
        "name": rsvp.member.name,
        "status": rsvp.status.value,
        "guests": rsvp.guests,
        "h": h,
    }


class DoorLogQuery(BaseModel):
    result: str = Field("", description="Only this result: " + ", ".join(door_log.RESULTS))
    scanner: str = Field("", description="Only this scanner: `member:<id>` or `link:<id>`")
    q: str = Field("", max_length=100, description="Attendee name contains")
    before: int | None = Field(
        None, ge=1, description="Older than this scan id (the previous page's `older`)"
    )


class LoggedScanOut(BaseModel):
    id: int
    scanned_at: str = Field(json_schema_extra={"format": "date-time"})
    recorded_at: str = Field(json_schema_extra={"format": "date-time"})
    result: str = Field(description="A scan result, or `undone`.")
    attendee: str | None
    rsvp_id: int | None
    checkin_id: int | None
    scanned_by: str = Field(description="The member's name, or the door link's label.")
    device: str
    scanned_text: str = Field(description="What was scanned, never a whole ticket code.")


class DoorLogOut(BaseModel):
    scans: list[LoggedScanOut]
    counts: dict[str, int] = Field(description="Scans per result over the whole log.")
    older: int | None = Field(description="Pass as `before` for the next page; null on the last one.")


@bp.get("/events/<int:event_id>/scans")
@bp.input(DoorLogQuery, location="query", arg_name="query")
@bp.output(DoorLogOut)
@bp.doc(
    summary="The door log: every scan, refused ones and undos too, newest first (organisers)",
    security=api.SECURITY,
    responses={401: "login_required", 403: "forbidden", 404: "not_found", 422: "invalid_input"},
)
@api.login_required
def scans(event_id: int, query: DoorLogQuery):
    log = door_log.get_door_log(db.session, event_id=event_id, actor=web.me(), **query.model_dump())
    return {"scans": [logged_scan_json(e) for e in log.entries], "counts": log.counts, "older": log.older}


def logged_scan_json(entry: door_log.Entry) -> dict[str, Any]:
    scan = entry.scan
    return {
        "id": scan.id,
        "scanned_at": scan.scanned_at.isoformat(),
        "recorded_at": scan.recorded_at.isoformat(),
        "result": scan.result,
        "attendee": entry.attendee,
        "rsvp_id": scan.rsvp_id,
        "checkin_id": scan.checkin_id,
        "scanned_by": entry.by,
        "device": scan.device,
        "scanned_text": scan.scanned_text,
    }


# Rooms of a conference: the same scanner, the volunteer picks the room; scans count for its session now


class RoomScanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str | None = Field(
        None, min_length=1, max_length=300, description="the code, or the whole scanned ticket URL"
    )
    rsvp_id: StrictInt | None = Field(
        None, ge=1, description="instead of a code: an RSVP found by the name search (`checkin-search`)"
    )
    client_scan_id: str | None = Field(None, max_length=64, description="a retry with it answers the same")

    @model_validator(mode="after")
    def _one_ticket(self):
        if (self.code is None) == (self.rsvp_id is None):
            raise ValueError("send either code or rsvp_id")
        return self


class RoomOut(BaseModel):
    id: int
    name: str


class RoomSessionOut(BaseModel):
    id: int
    title: str
    starts_at: str = Field(json_schema_extra={"format": "date-time"})
    ends_at: str = Field(json_schema_extra={"format": "date-time"})
    status: str = Field(description="scheduled or cancelled")


class RoomAttendeeOut(BaseModel):
    rsvp_id: int
    name: str
    pronouns: str | None


class RoomScanOut(BaseModel):
    result: RoomResult
    client_scan_id: str
    room: RoomOut
    session: RoomSessionOut = Field(description="The session the scan counted for (or was refused at).")
    attendee: RoomAttendeeOut | None
    checked_in_at: str | None = Field(
        json_schema_extra={"format": "date-time"},
        description="When they were checked in to this session (ok and already_checked_in).",
    )
    checked_in: int = Field(description="People checked in to the session so far.")
    capacity: int | None = Field(description="A workshop's seats, else the room's capacity; null: unknown.")
    replayed: bool = Field(description="This client scan id was seen before: the first answer.")
    event: OtherEventOut | None = Field(None, description="The ticket's event, for wrong_event.")


class RoomCapacityOut(RoomOut):
    capacity: int | None


class RoomStatsOut(BaseModel):
    room: RoomCapacityOut
    session: RoomSessionOut | None = Field(
        description="On now, or starting within 15 minutes; null: nothing."
    )
    next: RoomSessionOut | None = Field(description="When nothing is on: the room's next session.")
    checked_in: int
    capacity: int | None = Field(description="A workshop's seats, else the room's capacity; null: unknown.")
    registered: int | None = Field(description="A workshop's seats taken; null for sessions without seats.")


ROOM_ERRORS = {**DOOR_ERRORS, 409: "no_session_now", 422: "invalid_input"}


def room_outcome_json(outcome: RoomOutcome) -> dict[str, Any]:
    rsvp, checkin = outcome.rsvp, outcome.checkin
    data = {
        "result": outcome.result.value,
        "client_scan_id": outcome.client_scan_id,
        "room": {"id": outcome.room.id, "name": outcome.room.name},
        "session": room_door.session_json(outcome.item),
        "attendee": None,
        "checked_in_at": checkin.checked_in_at.isoformat() if checkin else None,
        "checked_in": outcome.checked_in,
        "capacity": outcome.capacity,
        "replayed": outcome.replayed,
    }
    if rsvp is not None:
        data["attendee"] = {
            "rsvp_id": rsvp.id,
            "name": rsvp.member.name,
            "pronouns": rsvp.member.pronouns or None,
        }
    if outcome.other_event is not None:
        data["event"] = {"id": outcome.other_event.id, "title": outcome.other_event.title}
    return data


@bp.post("/events/<int:event_id>/rooms/<int:room_id>/checkins")
@reads_first
@bp.input(RoomScanIn, arg_name="body")
@bp.output(RoomScanOut)
@bp.doc(
    summary="Check a ticket in to the session on in a room now",
    description="The session running in the room, or starting within 15 minutes. Results: ok, "
    "already_checked_in, unknown_ticket, wrong_event, not_confirmed, cancelled, not_registered (a workshop "
    "with seats, none held), session_cancelled. Does not check in at the entrance. Staff, or a door link in "
    "the X-Door-Token header.",
    security=api.SECURITY,
    responses=ROOM_ERRORS,
)
def room_check_in(event_id: int, room_id: int, body: RoomScanIn):
    outcome = room_door.check_in_session(
        db.session,
        event_id=event_id,
        room_id=room_id,
        scanner=current_scanner(event_id),
        text=body.code,
        rsvp_id=body.rsvp_id,
        client_scan_id=body.client_scan_id,
        now=clock.now(),
    )
    db.session.commit()
    return room_outcome_json(outcome)


@bp.get("/events/<int:event_id>/rooms/<int:room_id>/stats")
@bp.output(RoomStatsOut)
@bp.doc(
    summary="A room now: its session, people checked in, capacity, workshop seats taken",
    security=api.SECURITY,
    responses=DOOR_ERRORS,
)
def room_stats(event_id: int, room_id: int):
    scanner = current_scanner(event_id)
    return room_door.room_stats(
        db.session, event_id=event_id, room_id=room_id, scanner=scanner, now=clock.now()
    )
