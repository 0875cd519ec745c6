"""Communities and who belongs to them."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from meetups import errors
from meetups.accounts.models import Member
from meetups.communities.models import Community, CommunityRole, Membership

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$")
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
RESERVED_SLUGS = {"new", "admin", "api", "static"}
#: "run_events": everything at every event of the community (events.can builds on it)
GRANTS = {
    CommunityRole.organiser: {"create_event", "manage_community", "run_events"},
    CommunityRole.member: set(),
}
ACTIONS = set().union(*GRANTS.values())


def role_query(member_id: int, community_id: int):
    """A member's role in a community, as a query other domains can combine with theirs (events.can asks it
    in the same round trip as the event roles, on every scan at the door)."""
    return select(Membership.role).where(
        Membership.community_id == community_id, Membership.member_id == member_id
    )


def grants(role: CommunityRole | str | None, action: str) -> bool:
    """Whether a community role allows an action."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")  # a typo must fail loudly, not read as "no"
    return role is not None and action in GRANTS[CommunityRole(role)]


def get_role(session: Session, member: Member | None, community: Community) -> CommunityRole | None:
    if member is None or not member.is_authenticated:
        return None
    return session.scalar(role_query(member.id, community.id))


def can(session: Session, member: Member | None, community: Community, action: str) -> bool:
    """What a member may do in a community; templates ask it too, to show or hide a button."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if member is None or not member.is_authenticated:
        return False
    if member.is_admin:
        return True
    return grants(get_role(session, member, community), action)


def ensure_can(session: Session, member: Member | None, community: Community, action: str) -> None:
    if member is None or not member.is_authenticated:
        raise errors.LoginRequired(_("Please log in first."))
    if not can(session, member, community, action):
        raise errors.PermissionDenied(_("Only this community's organisers can do that."), action=action)


def can_create_community(member: Member | None) -> bool:
    """Site admins found communities; pages ask it to show the button."""
    return member is not None and member.is_authenticated and member.is_admin


def ensure_can_create_community(member: Member | None) -> None:
    if member is None or not member.is_authenticated:
        raise errors.LoginRequired(_("Please log in first."))
    if not can_create_community(member):
        raise errors.PermissionDenied(_("Only site admins can create communities."))


def get_community(session: Session, slug: str) -> Community:
    community = session.scalar(select(Community).where(Community.slug == slug))
    if community is None:
        raise errors.NotFound(_("There is no such community."))
    return community


def get_community_for(session: Session, slug: str, actor: Member | None, action: str) -> Community:
    """A community whose form the actor may use (a new event, say); others are refused before they see it."""
    community = get_community(session, slug)
    ensure_can(session, actor, community, action)
    return community


def list_communities(session: Session) -> list[tuple[Community, int]]:
    """Every community with its member count, in one query."""
    counts = (
        select(Membership.community_id, func.count().label("n")).group_by(Membership.community_id).subquery()
    )
    rows = session.execute(
        select(Community, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.community_id == Community.id)
        .order_by(Community.name)
    )
    return [(c, n) for c, n in rows]


def list_organisers(session: Session, community: Community) -> list[Member]:
    """Who runs the community, by name."""
    return list(
        session.scalars(
            select(Member)
            .join(Membership, Membership.member_id == Member.id)
            .where(Membership.community_id == community.id, Membership.role == CommunityRole.organiser)
            .order_by(Member.name)
        )
    )


def count_members(session: Session, community: Community) -> int:
    return session.scalar(select(func.count()).where(Membership.community_id == community.id)) or 0


def create_community(
    session: Session,
    *,
    actor: Member,
    slug: str,
    name: str,
    description: str = "",
    color: str = "#3b5bdb",
    now: datetime,
) -> Community:
    """Site admins found communities; the founder becomes its first organiser."""
    ensure_can_create_community(actor)
    slug, name = (slug or "").strip().lower(), " ".join((name or "").split())
    if not SLUG_RE.match(slug) or slug in RESERVED_SLUGS:
        raise errors.InvalidInput(
            _("The short name may use lower-case letters, digits and dashes (up to 50)."), field="slug"
        )
    if not name or len(name) > 100:
        raise errors.InvalidInput(
            _("Please give the community a name of up to 100 characters."), field="name"
        )
    if len(description or "") > 5000:
        raise errors.InvalidInput(_("The description can be at most 5000 characters."), field="description")
    if not COLOR_RE.match(color or ""):
        raise errors.InvalidInput(_("The colour must look like #3b5bdb."), field="color")
    if session.scalar(select(Community.id).where(Community.slug == slug)) is not None:
        raise errors.SlugTaken(_("Another community already uses this short name."), field="slug")
    community = Community(
        slug=slug,
        name=name,
        description=(description or "").strip(),
        color=color.lower(),
        created_at=now,
        founded_by_id=actor.id,
    )
    session.add(community)
    session.add(Membership(community=community, member=actor, role=CommunityRole.organiser, joined_at=now))
    session.flush()
    return community


def join_community(session: Session, *, community: Community, member: Member, now: datetime) -> Membership:
    """Become a member; joining twice changes nothing."""
    membership = session.scalar(
        select(Membership).where(Membership.community_id == community.id, Membership.member_id == member.id)
    )
    if membership is None:
        membership = Membership(community=community, member=member, role=CommunityRole.member, joined_at=now)
        session.add(membership)
        session.flush()
    return membership


def leave_community(session: Session, *, community: Community, member: Member) -> None:
    """Stop being a member; the last organiser cannot leave, or nobody could run the community."""
    membership = session.scalar(
        select(Membership).where(Membership.community_id == community.id, Membership.member_id == member.id)
    )
    if membership is None:
        return
    if membership.role is CommunityRole.organiser:
        _keep_an_organiser(session, community)
    session.delete(membership)
    session.flush()


def set_role(
    session: Session, *, community: Community, actor: Member, email: str, role: CommunityRole, now: datetime
) -> Membership:
    """Organisers make a member an organiser (or back); the member joins if they had not."""
    ensure_can(session, actor, community, "manage_community")
    member = session.scalar(select(Member).where(Member.email == (email or "").strip().lower()))
    if member is None:
        raise errors.NotFound(_("Nobody has an account with that email."), field="email")
    membership = join_community(session, community=community, member=member, now=now)
    if membership.role is CommunityRole.organiser and role is not CommunityRole.organiser:
        _keep_an_organiser(session, community, field="email")
    membership.role = role
    session.flush()
    return membership


def on_member_deleting(member: Member, *, session: Session, **_details) -> None:
    """An account cannot go while it is the last organiser of a community, as leaving cannot."""
    communities = session.scalars(
        select(Community)
        .join(Membership, Membership.community_id == Community.id)
        .where(Membership.member_id == member.id, Membership.role == CommunityRole.organiser)
        .order_by(Community.name)
    ).all()
    for community in communities:
        _keep_an_organiser(
            session,
            community,
            message=_(
                "You are the last organiser of %(name)s. Make someone else organiser first, then delete "
                "your account.",
                name=community.name,
            ),
        )


def _keep_an_organiser(
    session: Session, community: Community, *, message: str | None = None, **details: object
) -> None:
    """Refuse to lose the last organiser, or nobody could run the community."""
    organisers = session.scalar(
        select(func.count()).where(
            Membership.community_id == community.id, Membership.role == CommunityRole.organiser
        )
    )
    if organisers <= 1:
        raise errors.PermissionDenied(
            message or _("This is the last organiser; make someone else organiser first."), **details
        )
