"""Who is at the door: a member with check-in rights, or the holder of a door link (check-in rights for one
event, for a volunteer without an account: expires, can be revoked). The scanner page and the API ask the
same function."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from meetups import errors
from meetups.accounts.models import Member
from meetups.checkin.models import DoorLink
from meetups.events import service as events
from meetups.events.models import Event, EventStatus

#: a door link works until this long after the event ends, unless given its own expiry
DOOR_LINK_GRACE = timedelta(hours=2)


@dataclass(frozen=True)
class Scanner:
    """Who is at the door: a member with check-in rights, or a door link's holder."""

    member: Member | None = None
    door_link: DoorLink | None = None
    device: str = ""


def identify_scanner(
    session: Session,
    *,
    event_id: int | None,
    door_token: str | None,
    member: Member | None,
    device: str,
    now: datetime,
) -> Scanner:
    """The scanner behind a request: a valid door link for this event (any event when None: an undo, whose
    event is checked next), else the logged-in member (whose rights the check that follows decides). A link
    that expired, was revoked or is for another event, with nobody logged in, is refused with the reason."""
    link = get_door_link(session, door_token)
    if link is not None and event_id in (None, link.event_id) and link.is_valid(now):
        return Scanner(door_link=link, device=device)
    if member is not None and member.is_authenticated:
        return Scanner(member=member, device=device)
    if link is not None and link.is_valid(now):
        raise errors.PermissionDenied(_("This door link is for another event."))
    if link is not None or door_token:
        raise errors.LoginRequired(
            _("This door link has expired or was revoked. Ask an organiser for a new one.")
        )
    raise errors.LoginRequired(_("Log in, or open the door link an organiser gave you."))


def ensure_can_check_in(session: Session, scanner: Scanner, event: Event, now: datetime) -> None:
    if scanner.door_link is not None:
        if scanner.door_link.event_id != event.id or not scanner.door_link.is_valid(now):
            raise errors.PermissionDenied(_("This door link is not valid for this event any more."))
        return
    events.ensure_can(session, scanner.member, event, "check_in")


def get_scannable_event(session: Session, event_id: int, scanner: Scanner, now: datetime) -> Event:
    event = session.get(Event, event_id)
    if event is None or event.status is EventStatus.draft:
        raise errors.NotFound(_("There is no such event."))
    ensure_can_check_in(session, scanner, event, now)
    return event


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_door_link(
    session: Session,
    *,
    event_id: int,
    actor: Member,
    label: str,
    expires_at: datetime | None = None,
    now: datetime,
) -> tuple[DoorLink, str]:
    """Check-in rights for one event for someone without an account; by default until 2 h after the end."""
    event = events.get_event(session, event_id, actor)
    events.ensure_can(session, actor, event, "manage")
    label = " ".join((label or "").split())
    if not label or len(label) > 60:
        raise errors.InvalidInput(
            _("Give the link a name of up to 60 characters, e.g. 'Front door'."), field="label"
        )
    expires_at = expires_at or event.ends_at + DOOR_LINK_GRACE
    if expires_at <= now:
        raise errors.InvalidInput(_("The link would expire before it is used."), field="expires_at")
    token = "door_" + secrets.token_urlsafe(24)
    link = DoorLink(
        event_id=event.id,
        label=label,
        token_hash=_hash(token),
        created_by_id=actor.id,
        created_at=now,
        expires_at=expires_at,
    )
    session.add(link)
    session.flush()
    return link, token


def revoke_door_link(
    session: Session, *, event_id: int, actor: Member, link_id: int, now: datetime
) -> DoorLink:
    """The link stops working at once."""
    event = events.get_event(session, event_id, actor)
    events.ensure_can(session, actor, event, "manage")
    link = session.get(DoorLink, link_id)
    if link is None or link.event_id != event.id:
        raise errors.NotFound(_("There is no such door link."))
    link.revoked_at = link.revoked_at or now
    session.flush()
    return link


def list_door_links(session: Session, event: Event) -> list[DoorLink]:
    return list(session.scalars(select(DoorLink).where(DoorLink.event_id == event.id).order_by(DoorLink.id)))


def get_door_links_page(
    session: Session, *, event_id: int, actor: Member | None
) -> tuple[Event, list[DoorLink]]:
    """The organisers' door-links page: the event and its links."""
    event = events.get_event(session, event_id, actor)
    events.ensure_can(session, actor, event, "manage")
    return event, list_door_links(session, event)


def get_door_link(session: Session, token: str | None) -> DoorLink | None:
    """The link for a token (valid or not: callers check validity against the event and the clock)."""
    if not token or not token.startswith("door_") or len(token) > 100:
        return None
    return session.scalar(select(DoorLink).where(DoorLink.token_hash == _hash(token)))
