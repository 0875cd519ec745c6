"""Events: who may see or manage them, and creating, editing, publishing, cancelling and staffing them.
Their fields and how they are checked are in events.fields."""

from __future__ import annotations

from datetime import datetime

from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import String, cast, literal, or_, select, union_all
from sqlalchemy.orm import Session, joinedload, selectinload

from meetups import errors
from meetups.accounts.models import Member
from meetups.communities import service as communities
from meetups.communities.models import Community, CommunityRole, Membership
from meetups.events.fields import DATETIME_FIELDS, EDITABLE, SCHEDULE_FIELDS, choice, validate_event_fields
from meetups.events.models import Event, EventStaff, EventStatus, StaffRole

GRANTS = {
    # personal data: emails and the answers to RSVP questions (access needs, diet), organisers only
    StaffRole.organiser: {"manage", "check_in", "see_attendees", "see_personal_data"},
    StaffRole.volunteer: {"check_in", "see_attendees"},
    StaffRole.speaker: set(),
}
ACTIONS = set().union(*GRANTS.values())
# What happened to an event, for the domains built on it (seats and the waitlist, feeds, mail): they subscribe
# in create_app, so events never imports them. Each is sent inside the action's transaction, with
# `session=` and `now=`; a subscriber that raises a DomainError refuses the whole action.
signals = Namespace()
#: fields changed (`changed`: their names; `moved`: time or place changed)
event_changed = signals.signal("event-changed")
event_published = signals.signal("event-published")
event_cancelled = signals.signal("event-cancelled")
#: a member's roles at the event changed (`member_id`), so whether their own RSVP takes a seat may too
staff_changed = signals.signal("staff-changed")


# Permissions: the one place that says who may do what at an event.


def _staff_roles(session: Session, member_id: int, event: Event) -> list[tuple[StaffRole, bool]]:
    """The member's roles at the event, each with whether it takes a seat."""
    rows = session.execute(
        select(EventStaff.role, EventStaff.takes_seat).where(
            EventStaff.event_id == event.id, EventStaff.member_id == member_id
        )
    )
    return [(role, takes_seat) for role, takes_seat in rows]


def can(session: Session, member: Member | None, event: Event, action: str) -> bool:
    """Site admins, and whom the community lets run its events (communities.grants "run_events"), may do
    everything; event staff what their role grants."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")  # a typo must fail loudly, not read as "no"
    if member is None or not member.is_authenticated:
        return False
    if member.is_admin:
        return True
    # The member's community role and event roles in one round trip: every scan at the door asks this.
    community_role = communities.role_query(member.id, event.community_id).subquery()
    rows = session.execute(
        union_all(
            select(literal("community"), cast(community_role.c.role, String)),
            select(literal("event"), cast(EventStaff.role, String)).where(
                EventStaff.event_id == event.id, EventStaff.member_id == member.id
            ),
        )
    ).all()
    return any(
        communities.grants(role, "run_events") if kind == "community" else action in GRANTS[StaffRole(role)]
        for kind, role in rows
    )


def list_managers(session: Session, event: Event) -> list[Member]:
    """Everyone `can` lets manage the event, from the same grants (for mail that asks them to act); site
    admins are not asked about every event."""
    community_roles = [role for role in CommunityRole if communities.grants(role, "run_events")]
    staff_roles = [role for role, granted in GRANTS.items() if "manage" in granted]
    in_community = select(Membership.member_id).where(
        Membership.community_id == event.community_id, Membership.role.in_(community_roles)
    )
    on_staff = select(EventStaff.member_id).where(
        EventStaff.event_id == event.id, EventStaff.role.in_(staff_roles)
    )
    query = select(Member).where(or_(Member.id.in_(in_community), Member.id.in_(on_staff)))
    return list(session.scalars(query.order_by(Member.id)))


def ensure_can(session: Session, member: Member | None, event: Event, action: str) -> None:
    if member is None or not member.is_authenticated:
        raise errors.LoginRequired(_("Please log in first."))
    if not can(session, member, event, action):
        raise errors.PermissionDenied(_("Only this event's staff can do that."), action=action)


def get_event(session: Session, event_id: int, viewer: Member | None = None) -> Event:
    """An event the viewer may see: drafts only for those who manage it, as if they did not exist."""
    event = session.get(Event, event_id)
    if event is None or (event.status is EventStatus.draft and not can(session, viewer, event, "manage")):
        raise errors.NotFound(_("There is no such event."))
    return event


def get_managed_event(session: Session, event_id: int, actor: Member | None) -> Event:
    """An event the actor may manage, for its forms and dashboard; others are refused before they see one."""
    event = get_event(session, event_id, viewer=actor)
    ensure_can(session, actor, event, "manage")
    return event


def list_events(
    session: Session,
    *,
    now: datetime,
    community: Community | None = None,
    include_drafts: bool = False,
    past: bool = False,
    limit: int = 50,
) -> list[Event]:
    """Upcoming (or past) events, soonest first (most recent first for the past), with their community."""
    query = select(Event).options(joinedload(Event.community))  # one query, with or without rows
    statuses = [EventStatus.published, EventStatus.cancelled]
    if include_drafts:
        statuses.append(EventStatus.draft)
    query = query.where(Event.status.in_(statuses))
    if community is not None:
        query = query.where(Event.community_id == community.id)
    if past:
        query = query.where(Event.ends_at <= now).order_by(Event.starts_at.desc())
    else:
        query = query.where(Event.ends_at > now).order_by(Event.starts_at)
    return list(session.scalars(query.limit(limit)))


def list_organisers(session: Session, event: Event) -> list[Member]:
    """Who runs the event: its organiser staff, else the community's organisers."""
    staff = list(
        session.scalars(
            select(Member)
            .join(EventStaff, EventStaff.member_id == Member.id)
            .where(EventStaff.event_id == event.id, EventStaff.role == StaffRole.organiser)
            .order_by(Member.name)
        )
    )
    if staff:
        return staff
    return list(
        session.scalars(
            select(Member)
            .join(Membership, Membership.member_id == Member.id)
            .where(Membership.community_id == event.community_id, Membership.role == CommunityRole.organiser)
            .order_by(Member.name)
        )
    )


def list_staff(session: Session, event: Event) -> list[EventStaff]:
    return list(
        session.scalars(
            select(EventStaff)
            .options(selectinload(EventStaff.member))
            .where(EventStaff.event_id == event.id)
            .order_by(EventStaff.role, EventStaff.id)
        )
    )


def default_timezone(session: Session, community: Community) -> str:
    """The zone a new event form starts with: the one the community used last, else Europe/London."""
    last = session.scalar(
        select(Event.timezone)
        .where(Event.community_id == community.id)
        .order_by(Event.created_at.desc(), Event.id.desc())
        .limit(1)
    )
    return last or "Europe/London"


def _current_fields(event: Event) -> dict:
    return {name: getattr(event, name) for name in EDITABLE}


# Changes


def create_event(
    session: Session,
    *,
    community: Community,
    actor: Member,
    fields: dict,
    now: datetime,
    publish: bool = False,
) -> Event:
    """Community organisers create events, as drafts unless they publish at once."""
    communities.ensure_can(session, actor, community, "create_event")
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise errors.InvalidInput(
            _("Unknown field: %(name)s.", name=sorted(unknown)[0]), field=sorted(unknown)[0]
        )
    event = Event(
        community=community,
        created_by_id=actor.id,
        created_at=now,
        updated_at=now,
        status=EventStatus.draft,
        **validate_event_fields(fields),
    )
    session.add(event)
    session.flush()
    if publish:
        publish_event(session, event=event, actor=actor, now=now)
    return event


def update_event(session: Session, *, event: Event, actor: Member, changes: dict, now: datetime) -> Event:
    """Change some fields; the rest stay. A new zone keeps the wall-clock times unless new ones are given."""
    ensure_can(session, actor, event, "manage")
    event = session.get(Event, event.id, with_for_update=True, populate_existing=True)  # seats may move
    if event.is_cancelled:
        raise errors.EventCancelled(_("This event was cancelled and can no longer be edited."))
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise errors.InvalidInput(
            _("Unknown field: %(name)s.", name=sorted(unknown)[0]), field=sorted(unknown)[0]
        )
    merged = _current_fields(event)
    new_zone = changes.get("timezone", event.timezone)
    if new_zone != event.timezone:
        for name in DATETIME_FIELDS:
            if merged[name] is not None and name not in changes:
                merged[name] = merged[name].astimezone(event.zone).replace(tzinfo=None)
    merged.update(changes)
    clean = validate_event_fields(merged)
    moved = any(getattr(event, name) != clean[name] for name in SCHEDULE_FIELDS & set(clean))
    changed = {name for name, value in clean.items() if getattr(event, name) != value}
    for name, value in clean.items():
        setattr(event, name, value)
    if moved:
        event.sequence += 1
    event.updated_at = now
    session.flush()
    event_changed.send(event, session=session, now=now, changed=changed, moved=moved)
    return event


def publish_event(session: Session, *, event: Event, actor: Member, now: datetime) -> Event:
    """Make a draft visible to everyone."""
    ensure_can(session, actor, event, "manage")
    if event.is_cancelled:
        raise errors.EventCancelled(_("A cancelled event cannot be published again."))
    if event.status is EventStatus.draft:
        event.status, event.published_at, event.updated_at = EventStatus.published, now, now
        session.flush()
        event_published.send(event, session=session, now=now)
    return event


def cancel_event(session: Session, *, event: Event, actor: Member, reason: str = "", now: datetime) -> Event:
    """Cancel an event; it stays visible (and in feeds) marked as cancelled. Cancelling twice is harmless."""
    ensure_can(session, actor, event, "manage")
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise errors.InvalidInput(_("The reason can be at most 500 characters."), field="reason")
    if not event.is_cancelled:
        event = session.get(Event, event.id, with_for_update=True, populate_existing=True)
        event.status, event.cancelled_at, event.cancel_reason = EventStatus.cancelled, now, reason
        event.sequence += 1
        event.updated_at = now
        session.flush()
        event_cancelled.send(event, session=session, now=now, actor=actor)
    return event


def add_staff(
    session: Session,
    *,
    event: Event,
    actor: Member,
    email: str,
    role: str,
    now: datetime,
    takes_seat: bool = False,
) -> EventStaff:
    """Give a member a role at the event (organiser, volunteer, speaker). Staff take no attendee seat with
    their own RSVP unless `takes_seat`."""
    ensure_can(session, actor, event, "manage")
    role = choice({"role": role}, "role", StaffRole, None)
    if role is None:
        raise errors.InvalidInput(_("Please choose a role."), field="role")
    member = session.scalar(select(Member).where(Member.email == (email or "").strip().lower()))
    if member is None:
        raise errors.NotFound(_("Nobody has an account with that email."), field="email")
    staff = grant_role(session, event=event, member=member, role=role, now=now, takes_seat=takes_seat)
    if staff is None:
        raise errors.AlreadyStaff(_("%(name)s already has this role.", name=member.name))
    return staff


def grant_role(
    session: Session,
    *,
    event: Event,
    member: Member,
    role: StaffRole,
    now: datetime,
    takes_seat: bool = False,
) -> EventStaff | None:
    """The rule behind add_staff, for the domains that give a role themselves (the programme makes its
    speakers the event's speakers); None when the member already has it."""
    roles_before = _staff_roles(session, member.id, event)
    if role in {r for r, _takes_seat in roles_before}:
        return None
    staff = EventStaff(event=event, member=member, role=role, added_at=now, takes_seat=bool(takes_seat))
    session.add(staff)
    session.flush()
    staff_changed.send(event, session=session, now=now, member_id=member.id, roles_before=roles_before)
    return staff


def remove_staff(session: Session, *, event: Event, actor: Member, staff_id: int, now: datetime) -> None:
    """Take a role away again; refused when the member's own RSVP would then need a seat the event no longer
    has."""
    ensure_can(session, actor, event, "manage")
    staff = session.get(EventStaff, staff_id)
    if staff is None or staff.event_id != event.id:
        raise errors.NotFound(_("There is no such staff member."))
    _take_away(session, event, staff, now)


def revoke_role(session: Session, *, event: Event, member_id: int, role: StaffRole, now: datetime) -> None:
    """The rule behind remove_staff, for the domains that gave the role (nothing when the member lacks it)."""
    staff = session.scalar(
        select(EventStaff).where(
            EventStaff.event_id == event.id, EventStaff.member_id == member_id, EventStaff.role == role
        )
    )
    if staff is not None:
        _take_away(session, event, staff, now)


def _take_away(session: Session, event: Event, staff: EventStaff, now: datetime) -> None:
    roles_before = _staff_roles(session, staff.member_id, event)
    session.delete(staff)
    session.flush()
    staff_changed.send(event, session=session, now=now, member_id=staff.member_id, roles_before=roles_before)
