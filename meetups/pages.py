"""The pages that show more than one domain: each read in one call from its view, each a fixed number of
queries however much it lists. The rules stay in the domains (who may see what, what counts as a free seat);
this module only gathers what a template shows. Pages of one domain are read by that domain's service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from meetups.accounts import service as accounts
from meetups.accounts.models import Member
from meetups.communities import service as communities
from meetups.events import series
from meetups.events import service as events
from meetups.rsvps import series as series_rsvps
from meetups.rsvps import service as rsvps

PAST_EVENTS_SHOWN = 10


def get_home_page(session: Session, *, viewer: Member | None, now: datetime) -> dict[str, Any]:
    """Upcoming events with their seats, my next RSVPs first, and the communities."""
    upcoming = events.list_events(session, now=now)
    signed_in = viewer is not None and viewer.is_authenticated
    return {
        "events": upcoming,
        "my_rsvps": rsvps.list_my_rsvps(session, viewer, now=now)[:3] if signed_in else [],
        "counts": rsvps.count_rsvps(session, [e.id for e in upcoming]),
        "communities": communities.list_communities(session),
        "can_create_community": communities.can_create_community(viewer),
    }


def get_event_page(
    session: Session, *, event_id: int, viewer: Member | None, now: datetime
) -> dict[str, Any]:
    """The event, who runs it, its series, and the RSVP box. An offer past its deadline passes on first, so
    the page never shows a seat held by nobody (the one write a look can cause; the view commits it)."""
    event = events.get_event(session, event_id, viewer=viewer)
    rsvps.settle(session, event_id=event.id, now=now)
    return {
        "event": event,
        "organisers": events.list_organisers(session, event),
        "occurrences": series.list_occurrences(session, event) if event.series_id else [],
        "always_going": series_rsvps.is_always_going(session, event.series_id, viewer),
        **rsvps.get_rsvp_box(session, event, viewer),
    }


def get_manage_page(session: Session, *, event_id: int, actor: Member | None) -> dict[str, Any]:
    """The organiser's dashboard: the event, its staff, its series and its numbers."""
    event = events.get_managed_event(session, event_id, actor)
    return {
        "event": event,
        "staff": events.list_staff(session, event),
        "occurrences": series.list_occurrences(session, event) if event.series_id else [],
        "counts": rsvps.count_rsvps(session, [event.id])[event.id],
    }


def get_community_page(
    session: Session, *, slug: str, viewer: Member | None, now: datetime
) -> dict[str, Any]:
    """A community with its events (drafts too for those who run it), members and organisers."""
    community = communities.get_community(session, slug)
    manages = communities.can(session, viewer, community, "manage_community")
    listed = {"community": community, "include_drafts": manages}
    return {
        "community": community,
        "member_count": communities.count_members(session, community),
        "role": communities.get_role(session, viewer, community),
        "manages": manages,
        "can_create_event": communities.can(session, viewer, community, "create_event"),
        "upcoming": events.list_events(session, now=now, **listed),
        "past": events.list_events(session, now=now, past=True, limit=PAST_EVENTS_SHOWN, **listed),
        "organisers": communities.list_organisers(session, community),
    }


def get_me_page(session: Session, *, member: Member, now: datetime) -> dict[str, Any]:
    """My settings page: my tokens and my RSVPs, upcoming and the last ones."""
    return {
        "tokens": accounts.list_tokens(session, member),
        "upcoming_rsvps": rsvps.list_my_rsvps(session, member, now=now),
        "past_rsvps": rsvps.list_my_rsvps(session, member, now=now, past=True)[:20],
    }
