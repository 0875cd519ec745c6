"""Plain factory functions: valid defaults, override what the test is about."""

import itertools
import re
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from meetups.accounts.models import Member
from meetups.communities.models import Community, CommunityRole, Membership
from meetups.events.models import Event, EventStaff, EventStatus, StaffRole

PASSWORD = "correct horse battery"
_counter = itertools.count(1)
_password_hash = generate_password_hash(
    PASSWORD, method="pbkdf2:sha256:1000"
)  # fast in tests, still checkable
BASE_TIME = datetime(2030, 4, 1, 12, 0, tzinfo=UTC)


def make_member(session: Session, **overrides) -> Member:
    n = next(_counter)
    values = {
        "email": f"member{n}@example.test",
        "name": f"Member {n}",
        "password_hash": _password_hash,
        "created_at": BASE_TIME,
        **overrides,
    }
    member = Member(**values)
    session.add(member)
    session.flush()
    return member


def make_admin(session: Session, **overrides) -> Member:
    return make_member(session, is_admin=True, **overrides)


def make_community(session: Session, *, organiser: Member | None = None, **overrides) -> Community:
    n = next(_counter)
    community = Community(
        **{"slug": f"community-{n}", "name": f"Community {n}", "created_at": BASE_TIME, **overrides}
    )
    session.add(community)
    if organiser is not None:
        session.add(
            Membership(
                community=community, member=organiser, role=CommunityRole.organiser, joined_at=BASE_TIME
            )
        )
    session.flush()
    return community


def join(
    session: Session, community: Community, member: Member, role: CommunityRole = CommunityRole.member
) -> Membership:
    membership = Membership(community=community, member=member, role=role, joined_at=BASE_TIME)
    session.add(membership)
    session.flush()
    return membership


def make_event(session: Session, *, community: Community | None = None, **overrides) -> Event:
    n = next(_counter)
    community = community or make_community(session)
    starts = overrides.pop("starts_at", BASE_TIME + timedelta(days=7))
    values = {
        "title": f"Event {n}",
        "description": "We meet and talk.",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "timezone": "Europe/Berlin",
        "venue_name": "Café Central",
        "venue_address": "Hauptstraße 1, Berlin",
        "capacity": 20,
        "max_guests": 2,
        "status": EventStatus.published,
        "created_at": BASE_TIME,
        "updated_at": BASE_TIME,
        "published_at": BASE_TIME,
        "alarm_minutes": 60,  # as events.fields gives a new event
        **overrides,
    }
    event = Event(community=community, **values)
    session.add(event)
    session.flush()
    return event


def make_staff(
    session: Session, event: Event, member: Member, role: StaffRole = StaffRole.organiser
) -> EventStaff:
    staff = EventStaff(event=event, member=member, role=role, added_at=BASE_TIME)
    session.add(staff)
    session.flush()
    return staff


def bearer(session: Session, member: Member) -> dict[str, str]:
    """Request headers that authenticate as the member through a fresh personal API token."""
    from meetups.accounts.service import create_token

    token, plain = create_token(session, member, name="t", now=BASE_TIME)
    token.last_used_at = BASE_TIME  # in use already, so a request does not also record its first use
    return {"Authorization": f"Bearer {plain}"}


def event_body(**overrides) -> dict:
    """A valid JSON body for POST /api/v1/communities/<slug>/events."""
    return {
        "title": "Python evening",
        "description": "Talks and *pizza*.",
        "starts_at": "2030-07-01T19:00",
        "ends_at": "2030-07-01T22:00",
        "timezone": "Europe/Berlin",
        "venue": {"name": "Café Central", "address": "Hauptstraße 1, Berlin"},
        "capacity": 40,
        "max_guests": 1,
        "rsvp_mode": "open",
        "waitlist_mode": "auto",
        "offer_hours": 12,
        "rsvp_opens_at": "2030-06-01T09:00",
        "rsvp_closes_at": "2030-07-01T18:00",
        **overrides,
    }


def csrf_token(page: str) -> str:
    """The CSRF token in a page's <meta name="csrf-token">, for tests that post as a browser does."""
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)
