"""Attendance over JSON: close an event, read and correct its record, a member's profile, a community's
health and leaderboard."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from meetups import api, clock, web
from meetups.api import IsoText
from meetups.extensions import db
from meetups.recognition import health, profiles, service
from meetups.recognition.models import Attendance, Outcome

bp = APIBlueprint("recognition_api", __name__, tag="Attendance")
MANAGE_ERRORS = {401: "login_required", 403: "forbidden", 404: "not_found"}


class CloseOut(BaseModel):
    event_id: int
    closed_at: IsoText
    already: bool = Field(description="It was closed before: nothing changed.")
    counts: dict[str, int] = Field(description="Records per outcome, and contributions, made by this close.")


class RecordOut(BaseModel):
    id: int
    member: dict[str, Any] | None = Field(
        description="{id, name}; null once the member deleted their account."
    )
    outcome: Outcome
    guests: int
    rsvp_at: IsoText | None


class AttendanceOut(BaseModel):
    event_id: int
    closed_at: IsoText | None
    counts: dict[str, int]
    records: list[RecordOut]
    contributions: list[dict[str, Any]] = Field(description="{member_id, role}")


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: StrictStr = Field(description="attended, no_show, late_cancel or excused")
    reason: StrictStr = Field(description="Why; kept in the log.")


class RecordEnvelope(BaseModel):
    record: RecordOut


class StreakOut(BaseModel):
    current: int
    longest: int
    series: str | None = None


class AchievementOut(BaseModel):
    key: str
    title: str
    description: str
    earned_on: str = Field(json_schema_extra={"format": "date"})
    new: bool = Field(description="Not seen by the member yet (only on their own profile).")


class HistoryItemOut(BaseModel):
    event_id: int
    title: str
    community: str
    on: str = Field(json_schema_extra={"format": "date"})
    outcome: Outcome | None = Field(description="null: a staff role without an RSVP of their own")
    roles: list[str]


class ProfileOut(BaseModel):
    member: dict[str, Any]
    member_since: IsoText
    attended: int
    no_shows: int | None = Field(description="Only for the member and the organisers of their communities.")
    reliability: float | None = Field(description="attended ÷ (attended + no-shows); the same people only.")
    streaks: dict[str, StreakOut] = Field(description="months: consecutive months; dates: dates of a series")
    per_community: list[dict[str, Any]]
    history: list[HistoryItemOut]
    achievements: list[AchievementOut]


class HealthOut(BaseModel):
    community: str
    members: list[dict[str, Any]] = Field(description="{month, members} for the last 13 months")
    events: list[dict[str, Any]] = Field(description="{id, title, date, attended, new, returning, no_shows}")
    retention: dict[str, Any] = Field(description="{first_timers, returned, rate}: back within 90 days")
    by_rsvp_lead: list[dict[str, Any]] = Field(description="{lead, attended, no_shows}")
    no_show_rate: float | None
    suggestion: dict[str, Any] | None = Field(description="{event_id, title, capacity, extra, admits, rate}")


class LeaderboardOut(BaseModel):
    leaders: list[dict[str, Any]] = Field(
        description="{member: {id, name}, attended} over the last 12 months"
    )


def record_json(record: Attendance) -> dict[str, Any]:
    member = record.member
    return {
        "id": record.id,
        "member": {"id": member.id, "name": member.name} if member else None,
        "outcome": record.outcome.value,
        "guests": record.guests,
        "rsvp_at": record.rsvp_at.isoformat() if record.rsvp_at else None,
    }


def profile_json(profile: profiles.Profile) -> dict[str, Any]:
    member, shown = profile.member, profile.reliability is not None
    return {
        "member": {
            "id": member.id,
            "name": member.name,
            "pronouns": member.pronouns,
            "bio": member.bio,
            "url": web.absolute_url("recognition.profile", member_id=member.id),
        },
        "member_since": member.created_at.isoformat(),
        "attended": profile.attended,
        "no_shows": profile.no_shows if shown else None,
        "reliability": profile.reliability,
        "streaks": {"months": profile.months.__dict__, "dates": profile.dates.__dict__},
        "per_community": [
            {"community": name, "slug": slug, "attended": n} for name, slug, n in profile.per_community
        ],
        "history": [
            {
                "event_id": h.event_id,
                "title": h.title,
                "community": h.community,
                "on": h.on.isoformat(),
                "outcome": h.outcome.value if h.outcome else None,
                "roles": list(h.roles),
            }
            for h in profile.history
        ],
        "achievements": [
            {
                "key": a.key,
                "title": a.title,
                "description": a.description,
                "earned_on": a.earned_on.isoformat(),
                "new": a.is_new,
            }
            for a in profile.achievements
        ],
    }


def health_json(data: health.Health) -> dict[str, Any]:
    suggestion = data.suggestion
    return {
        "community": data.community.slug,
        "members": [{"month": month, "members": n} for month, n in data.members],
        "events": [
            {
                "id": e.event.id,
                "title": e.event.title,
                "date": e.event.local_starts_at.date().isoformat(),
                "attended": e.attended,
                "new": e.new,
                "returning": e.returning,
                "no_shows": e.no_shows,
            }
            for e in data.per_event
        ],
        "retention": {"first_timers": data.first_timers, "returned": data.returned, "rate": data.retention},
        "by_rsvp_lead": [
            {"lead": label, "attended": came, "no_shows": missed} for label, came, missed in data.by_lead
        ],
        "no_show_rate": data.no_show_rate,
        "suggestion": None
        if suggestion is None
        else {
            "event_id": suggestion.event.id,
            "title": suggestion.event.title,
            "capacity": suggestion.event.capacity,
            "extra": suggestion.extra,
            "admits": suggestion.admits,
            "rate": suggestion.rate,
        },
    }


@bp.post("/events/<int:event_id>/close")
@bp.output(CloseOut)
@bp.doc(
    summary="Close an event: end it now if it is running and resolve its attendance (idempotent)",
    security=api.SECURITY,
    responses={**MANAGE_ERRORS, 409: "invalid_state"},
)
@api.login_required
def close(event_id: int):
    closed = service.close_event(db.session, event_id=event_id, actor=web.me(), now=clock.now())
    db.session.commit()
    event = closed.event
    return {
        "event_id": event.id,
        "closed_at": event.closed_at.isoformat(),
        "already": closed.already,
        "counts": closed.counts,
    }


@bp.get("/events/<int:event_id>/attendance")
@bp.output(AttendanceOut)
@bp.doc(summary="An event's attendance record (organisers)", security=api.SECURITY, responses=MANAGE_ERRORS)
@api.login_required
def attendance(event_id: int):
    sheet = service.get_attendance(db.session, event_id=event_id, actor=web.me())
    closed_at = sheet.event.closed_at.isoformat() if sheet.event.closed_at else None
    return {
        "event_id": sheet.event.id,
        "closed_at": closed_at,
        "counts": sheet.counts,
        "records": [record_json(r) for r in sheet.records],
        "contributions": [{"member_id": c.member_id, "role": c.role} for c in sheet.contributions],
    }


@bp.patch("/events/<int:event_id>/attendance/<int:record_id>")
@bp.input(CorrectionIn, arg_name="body")
@bp.output(RecordEnvelope)
@bp.doc(
    summary="Correct one record by hand, after the close (logged with the reason)",
    security=api.SECURITY,
    responses={**MANAGE_ERRORS, 422: "invalid_input"},
)
@api.login_required
def correct(event_id: int, record_id: int, body: CorrectionIn):
    record = service.correct_attendance(
        db.session,
        event_id=event_id,
        record_id=record_id,
        actor=web.me(),
        now=clock.now(),
        **body.model_dump(),
    )
    db.session.commit()
    return {"record": record_json(record)}


@bp.get("/members/<int:member_id>")
@bp.output(ProfileOut)
@bp.doc(
    summary="A member's profile: attendance history, counts, streaks, achievements",
    description="As their privacy setting allows; reliability and no-shows for them and their organisers.",
    responses={404: "not_found"},
)
def profile(member_id: int):
    return profile_json(
        profiles.get_profile(db.session, member_id=member_id, viewer=web.me(), now=clock.now())
    )


@bp.get("/communities/<slug>/health")
@bp.output(HealthOut)
@bp.doc(summary="A community's health (organisers)", security=api.SECURITY, responses=MANAGE_ERRORS)
@api.login_required
def community_health(slug: str):
    return health_json(health.get_health(db.session, slug=slug, actor=web.me(), now=clock.now()))


@bp.get("/communities/<slug>/leaderboard")
@bp.output(LeaderboardOut)
@bp.doc(
    summary="Most events attended in the last 12 months (members of the community)",
    security=api.SECURITY,
    responses={401: "login_required", 403: "forbidden", 404: "not_found"},
)
@api.login_required
def leaderboard(slug: str):
    leaders = health.get_community_leaderboard(db.session, slug=slug, viewer=web.me(), now=clock.now())
    return {
        "leaders": [
            {"member": {"id": one.member.id, "name": one.member.name}, "attended": one.attended}
            for one in leaders
        ]
    }
