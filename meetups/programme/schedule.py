"""A member's personal schedule: the sessions they starred, where two of them overlap, and (for organisers)
how many starred each session, beside the room it is in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, selectinload

from meetups import errors
from meetups.accounts.models import Member
from meetups.events.models import Event
from meetups.programme.models import ProgrammeSession, SessionKind, Star

MAX_STARS = 500


def _member(member: Member | None) -> Member:
    if member is None or not member.is_authenticated:
        raise errors.LoginRequired(_("Log in to keep your own schedule."))
    return member


def starred_ids(session: Session, event: Event, member: Member | None) -> set[int]:
    if member is None or not member.is_authenticated:
        return set()
    return set(
        session.scalars(
            select(Star.session_id)
            .join(ProgrammeSession, ProgrammeSession.id == Star.session_id)
            .where(ProgrammeSession.event_id == event.id, Star.member_id == member.id)
        )
    )


def _session_of(session: Session, event: Event, session_id: int) -> ProgrammeSession:
    item = session.get(ProgrammeSession, session_id)
    if item is None or item.event_id != event.id:
        raise errors.NotFound(_("There is no such session."))
    return item


def star(session: Session, *, event: Event, session_id: int, member: Member | None, now: datetime) -> None:
    """Put a session on my schedule (again is fine)."""
    member = _member(member)
    item = _session_of(session, event, session_id)
    if item.kind is SessionKind.break_:
        raise errors.InvalidInput(_("Breaks are on everyone's schedule already."), field="session_id")
    if session.get(Star, (item.id, member.id)) is None:
        session.add(Star(session_id=item.id, member_id=member.id, starred_at=now))
        session.flush()


def unstar(session: Session, *, event: Event, session_id: int, member: Member | None) -> None:
    member = _member(member)
    item = _session_of(session, event, session_id)
    session.execute(delete(Star).where(Star.session_id == item.id, Star.member_id == member.id))
    session.flush()


def set_stars(
    session: Session, *, event: Event, member: Member | None, session_ids: object, now: datetime
) -> set[int]:
    """Replace my schedule at this event with these sessions (for apps that keep their own list)."""
    member = _member(member)
    if not isinstance(session_ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) and 0 < i < 2**31 for i in session_ids
    ):
        raise errors.InvalidInput(_("session_ids must be a list of session ids."), field="session_ids")
    wanted = set(session_ids)
    if len(wanted) > MAX_STARS:
        raise errors.InvalidInput(_("At most %(n)d sessions.", n=MAX_STARS), field="session_ids")
    found = dict(
        session.execute(
            select(ProgrammeSession.id, ProgrammeSession.kind).where(
                ProgrammeSession.event_id == event.id, ProgrammeSession.id.in_(wanted)
            )
        ).all()
    )
    missing = sorted(wanted - set(found))
    if missing:
        raise errors.NotFound(
            _("There is no session %(id)d at this event.", id=missing[0]), field="session_ids"
        )
    wanted = {sid for sid, kind in found.items() if kind is not SessionKind.break_}
    have = starred_ids(session, event, member)
    if have - wanted:
        session.execute(delete(Star).where(Star.member_id == member.id, Star.session_id.in_(have - wanted)))
    session.add_all(
        Star(session_id=sid, member_id=member.id, starred_at=now) for sid in sorted(wanted - have)
    )
    session.flush()
    return wanted


@dataclass(frozen=True)
class Clash:
    first: ProgrammeSession
    second: ProgrammeSession


def clashes(sessions: list[ProgrammeSession]) -> list[Clash]:
    """Pairs of the given (scheduled) sessions that overlap in time, in time order: one sweep, so a day with
    every session starred is still quick."""
    ordered = sorted(
        (s for s in sessions if not s.is_cancelled), key=lambda s: (s.starts_at, s.ends_at, s.id)
    )
    found: list[Clash] = []
    running: list[ProgrammeSession] = []
    for item in ordered:
        running = [other for other in running if other.ends_at > item.starts_at]
        found.extend(Clash(other, item) for other in running)
        running.append(item)
    return found


def star_counts(session: Session, event: Event) -> dict[int, int]:
    """Per session, how many members starred it (organisers compare it with the room's capacity)."""
    return dict(
        session.execute(
            select(Star.session_id, func.count())
            .join(ProgrammeSession, ProgrammeSession.id == Star.session_id)
            .where(ProgrammeSession.event_id == event.id)
            .group_by(Star.session_id)
        ).all()
    )


def starred_sessions(
    session: Session, member: Member, event_ids: list[int] | None = None
) -> list[ProgrammeSession]:
    """What a member starred (at these events, or anywhere), for their personal feed."""
    query = (
        select(ProgrammeSession)
        .join(Star, Star.session_id == ProgrammeSession.id)
        .where(Star.member_id == member.id)
        .options(
            selectinload(ProgrammeSession.event),
            selectinload(ProgrammeSession.room),
            selectinload(ProgrammeSession.track),
            selectinload(ProgrammeSession.speaker_links),
        )
        .order_by(ProgrammeSession.starts_at)
    )
    if event_ids is not None:
        query = query.where(ProgrammeSession.event_id.in_(event_ids))
    return list(session.scalars(query))
