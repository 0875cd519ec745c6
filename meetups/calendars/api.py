"""JSON API for my calendar feed: its secret URL, the community-events setting, and a reset."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from meetups import api, clock, web
from meetups.calendars import links
from meetups.extensions import db

bp = APIBlueprint("calendars_api", __name__, tag="Calendars")


class CalendarSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422, not silently ignored

    include_community_events: StrictBool = Field(
        description="Also list every published event of my communities, not only my RSVPs."
    )


class CalendarOut(BaseModel):
    calendar_url: str = Field(
        description="My personal feed. Secret: anyone with it sees my RSVPs and tickets."
    )
    webcal_url: str = Field(description="The same feed as a webcal:// link, for Apple Calendar and Outlook.")
    include_community_events: bool


def calendar_json(settings: links.FeedSettings) -> dict:
    return {
        "calendar_url": settings.url,
        "webcal_url": settings.webcal_url,
        "include_community_events": settings.include_community_events,
    }


def _me():
    return current_user._get_current_object()


@bp.get("/me/calendar")
@bp.output(CalendarOut)
@bp.doc(summary="My calendar feed", security=api.SECURITY, responses={401: "login_required"})
@api.login_required
def get_calendar():
    return calendar_json(links.get_feed_settings(db.session, _me(), site=web.site()))


@bp.put("/me/calendar")
@bp.input(CalendarSettingsIn, arg_name="body")
@bp.output(CalendarOut)
@bp.doc(
    summary="Change my calendar feed",
    description="The feed URL stays the same.",
    security=api.SECURITY,
    responses={401: "login_required", 422: "invalid_input"},
)
@api.login_required
def update_calendar(body: CalendarSettingsIn):
    settings = links.set_include_community_events(
        db.session, _me(), body.include_community_events, site=web.site(), now=clock.now()
    )
    db.session.commit()
    return calendar_json(settings)


@bp.post("/me/calendar/reset")
@bp.output(CalendarOut)
@bp.doc(
    summary="Reset my calendar feed URL",
    description="A new secret URL; the old one stops working at once.",
    security=api.SECURITY,
    responses={401: "login_required"},
)
@api.login_required
def reset_calendar():
    settings = links.reset_calendar(db.session, _me(), site=web.site(), now=clock.now())
    db.session.commit()
    return calendar_json(settings)
