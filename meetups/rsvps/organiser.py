"""What organisers do with RSVPs: the attendee list and its export, approvals, removals, and seating someone
or moving them in the line by hand (always logged)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from meetups import errors, spreadsheets
from meetups.accounts.models import Member
from meetups.events import service as events
from meetups.events.models import Event
from meetups.rsvps import questions, waitlist
from meetups.rsvps.models import ACTIVE, Question, Rsvp, RsvpLog, RsvpStatus
from meetups.rsvps.service import (
    RsvpView,
    count_rsvps,
    fits,
    join_line,
    lock_event,
    positions,
    skip_empty_approval_batches,
)

MESSAGE_MAX = 500


#: the attendee list's order: going, then offers, the line in order, pending, and those who ended
LIST_ORDER = {
    s: i for i, s in enumerate(["going", "offered", "waitlisted", "pending", "cancelled", "declined"])
}


def list_attendees(
    session: Session,
    *,
    event: Event,
    actor: Member,
    status: str = "",
    search: str = "",
) -> list[RsvpView]:
    """Everyone who answered, for staff: going, the line in order, pending, offered, then the rest."""
    events.ensure_can(session, actor, event, "see_attendees")
    query = select(Rsvp).join(Rsvp.member).options(joinedload(Rsvp.member)).where(Rsvp.event_id == event.id)
    if status:
        try:
            query = query.where(Rsvp.status == RsvpStatus(status))
        except ValueError:
            raise errors.InvalidInput(_("Unknown status filter."), field="status") from None
    if search := (search or "").strip()[:100]:
        like = f"%{search.lower()}%"
        query = query.where(or_(func.lower(Member.name).like(like), func.lower(Member.email).like(like)))
    rsvps = sorted(
        session.scalars(query),
        key=lambda r: (LIST_ORDER[r.status.value], r.waitlist_rank or 0, r.member.name.lower(), r.id),
    )
    places = positions(session, [event.id])
    return [RsvpView(r, places.get(r.id)) for r in rsvps]


@dataclass(frozen=True)
class AttendeesPage:
    event: Event
    rows: list[RsvpView]
    counts: dict[str, int]
    asked: list[Question]
    #: emails and answers (access needs, diet, ...) are for the event's organisers only, not volunteers
    shows_personal_data: bool


def get_attendees_page(
    session: Session, *, event_id: int, actor: Member, status: str = "", search: str = ""
) -> AttendeesPage:
    """The attendee list as staff see it: volunteers get names and places, organisers everything."""
    event = events.get_event(session, event_id, actor)
    rows = list_attendees(session, event=event, actor=actor, status=status, search=search)
    personal = events.can(session, actor, event, "see_personal_data")
    return AttendeesPage(
        event,
        rows,
        count_rsvps(session, [event.id])[event.id],
        questions.list_questions(session, event) if personal else [],
        personal,
    )


# Organisers


def _organiser_rsvp(session: Session, actor: Member, rsvp_id: int) -> tuple[Event, Rsvp]:
    rsvp = session.get(Rsvp, rsvp_id)
    if rsvp is None:
        raise errors.NotFound(_("There is no such RSVP."))
    events.ensure_can(session, actor, rsvp.event, "manage")
    event = lock_event(session, rsvp.event_id)
    session.refresh(rsvp)
    return event, rsvp


def _clean_message(message: str) -> str:
    message = (message or "").strip()
    if len(message) > MESSAGE_MAX:
        raise errors.InvalidInput(
            _("The message can be at most %(n)d characters.", n=MESSAGE_MAX), field="message"
        )
    return message


def approve_rsvp(session: Session, *, actor: Member, rsvp_id: int, message: str = "", now: datetime) -> Rsvp:
    """A pending request takes a seat, or joins the waitlist when the event is full."""
    event, rsvp = _organiser_rsvp(session, actor, rsvp_id)
    message = _clean_message(message)
    if rsvp.status is not RsvpStatus.pending:
        raise errors.InvalidState(_("Only pending requests can be approved."))
    if event.is_cancelled:
        raise errors.EventCancelled(_("This event was cancelled."))
    if fits(session, event, rsvp.member_id, rsvp.guests):
        waitlist.seat(rsvp, now)
    else:
        join_line(session, event, rsvp, now)
    rsvp.message = message
    session.flush()
    waitlist.log(session, rsvp, "approved", now, actor_id=actor.id, detail=message)
    waitlist.tell(session, rsvp, "rsvp_approved", now)
    skip_empty_approval_batches(session, event)
    return rsvp


def decline_rsvp(session: Session, *, actor: Member, rsvp_id: int, message: str = "", now: datetime) -> Rsvp:
    """Decline a request, or remove someone from the event; a freed seat passes on."""
    event, rsvp = _organiser_rsvp(session, actor, rsvp_id)
    message = _clean_message(message)
    if rsvp.status not in ACTIVE:
        raise errors.InvalidState(_("This RSVP is already cancelled or declined."))
    was = rsvp.status
    waitlist.unseat(rsvp, RsvpStatus.declined, now, reason="organiser")
    rsvp.message = message
    waitlist.log(session, rsvp, "declined", now, actor_id=actor.id, detail=message)
    session.flush()
    waitlist.tell(session, rsvp, "rsvp_declined", now)
    if was is RsvpStatus.pending:
        skip_empty_approval_batches(session, event)
    waitlist.move_line(session, event, now)
    return rsvp


def promote_rsvp(session: Session, *, actor: Member, rsvp_id: int, reason: str, now: datetime) -> Rsvp:
    """An organiser seats someone from the line (or a pending request) out of turn: logged with why.
    Capacity still holds: raise it first if the event is full."""
    event, rsvp = _organiser_rsvp(session, actor, rsvp_id)
    reason = _clean_message(reason)
    if not reason:
        raise errors.InvalidInput(_("Please say why (it is kept in the log)."), field="reason")
    if rsvp.status not in (RsvpStatus.waitlisted, RsvpStatus.pending, RsvpStatus.offered):
        raise errors.InvalidState(_("Only people waiting can be promoted."))
    if event.is_cancelled:
        raise errors.EventCancelled(_("This event was cancelled."))
    was = rsvp.status
    holding = rsvp.guests if was is RsvpStatus.offered else None  # an offer already holds its seats
    if not fits(session, event, rsvp.member_id, rsvp.guests, holding=holding):
        raise errors.NotEnoughSeats(_("The event is full. Raise the capacity first, then promote."))
    waitlist.seat(rsvp, now)
    waitlist.log(session, rsvp, "promoted_manually", now, actor_id=actor.id, detail=reason)
    session.flush()
    waitlist.tell_promoted(session, [waitlist.Promotion(rsvp, RsvpStatus.going)], now)
    if was is RsvpStatus.pending:
        skip_empty_approval_batches(session, event)
    return rsvp


def move_in_waitlist(
    session: Session, *, actor: Member, rsvp_id: int, position: Any, reason: str, now: datetime
) -> Rsvp:
    """Put someone at a given place in the line (1 = first): logged with who, when and why."""
    event, rsvp = _organiser_rsvp(session, actor, rsvp_id)
    reason = _clean_message(reason)
    if not reason:
        raise errors.InvalidInput(_("Please say why (it is kept in the log)."), field="reason")
    if rsvp.status is not RsvpStatus.waitlisted:
        raise errors.InvalidState(_("Only people on the waitlist can be moved."))
    line = [
        r
        for r in session.scalars(
            select(Rsvp)
            .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.waitlisted)
            .order_by(Rsvp.waitlist_rank, Rsvp.id)
        )
    ]
    if isinstance(position, bool) or not isinstance(position, int) or not 1 <= position <= len(line):
        raise errors.InvalidInput(
            _("The position must be between 1 and %(n)d.", n=len(line)), field="position"
        )
    old = line.index(rsvp) + 1
    line.remove(rsvp)
    line.insert(position - 1, rsvp)
    for rank, entry in enumerate(line, start=1):
        entry.waitlist_rank = rank
    waitlist.log(session, rsvp, "moved", now, actor_id=actor.id, detail=f"{old} → {position}: {reason}")
    session.flush()
    waitlist.move_line(session, event, now)  # the new first may fit where the old one did not
    return rsvp


def export_attendees(session: Session, *, event_id: int, actor: Member) -> str:
    """Attendees, their answers and their tickets as CSV, for the event's organisers only."""
    event = events.get_event(session, event_id, actor)
    events.ensure_can(session, actor, event, "see_personal_data")
    rows = list_attendees(session, event=event, actor=actor)
    asked = questions.list_questions(session, event)
    header = ["name", "email", "pronouns", "status", "guests", "waitlist_position", "ticket_code", "rsvp_at"]
    return spreadsheets.to_csv(
        [*header, *[q.label for q in asked]],
        (
            [
                view.rsvp.member.name,
                view.rsvp.member.email,
                view.rsvp.member.pronouns,
                view.rsvp.status.value,
                view.rsvp.guests,
                view.position or "",
                view.rsvp.valid_ticket_code or "",
                view.rsvp.created_at.isoformat(),
                *[_answer_text(view.rsvp.answers.get(str(q.id))) for q in asked],
            ]
            for view in rows
        ),
    )


def _answer_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(value)
    return "" if value is None else str(value)


# The RSVP history: every change that was not a member's own first answer (rsvps.waitlist.log)

#: what the log records, in the order the filter offers it
HISTORY_ACTIONS = (
    "promoted",
    "offered",
    "offer_claimed",
    "offer_expired",
    "cancelled",
    "waitlisted_larger_party",
    "approved",
    "declined",
    "promoted_manually",
    "moved",
    "event_cancelled",
)
HISTORY_PAGE = 100


@dataclass(frozen=True)
class HistoryEntry:
    log: RsvpLog
    member: str
    #: who did it; None when the system did (an automatic promotion, an offer that ran out)
    actor: str | None


@dataclass(frozen=True)
class RsvpHistory:
    event: Event
    entries: list[HistoryEntry]
    counts: dict[str, int]
    filters: dict[str, Any]
    older: int | None


def get_rsvp_history(
    session: Session,
    *,
    event_id: int,
    actor: Member | None,
    action: str = "",
    q: str = "",
    before: Any = None,
) -> RsvpHistory:
    """Who moved up, who was offered a seat, who cancelled, and every manual move with its reason, newest
    first; organisers only."""
    event = events.get_event(session, event_id, actor)
    events.ensure_can(session, actor, event, "manage")
    if action and action not in HISTORY_ACTIONS:
        raise errors.InvalidInput(
            _("Unknown action. Choose one of: %(names)s.", names=", ".join(HISTORY_ACTIONS)), field="action"
        )
    if before not in (None, "") and (isinstance(before, bool) or not str(before).isdigit()):
        raise errors.InvalidInput(_("“before” must be a log entry number."), field="before")
    search = (q or "").strip()[:100]
    who, by = aliased(Member), aliased(Member)
    query = (
        select(RsvpLog, who.name, by.name)
        .join(Rsvp, Rsvp.id == RsvpLog.rsvp_id)
        .join(who, who.id == Rsvp.member_id)
        .outerjoin(by, by.id == RsvpLog.actor_id)
        .where(RsvpLog.event_id == event.id)
        .order_by(RsvpLog.id.desc())
        .limit(HISTORY_PAGE + 1)
    )
    if action:
        query = query.where(RsvpLog.action == action)
    if search:
        query = query.where(func.lower(who.name).like(f"%{search.lower()}%"))
    if before not in (None, ""):
        query = query.where(RsvpLog.id < int(before))
    rows = session.execute(query).all()
    entries = [HistoryEntry(log, name, actor_name) for log, name, actor_name in rows[:HISTORY_PAGE]]
    counts = dict(
        session.execute(
            select(RsvpLog.action, func.count()).where(RsvpLog.event_id == event.id).group_by(RsvpLog.action)
        ).all()
    )
    return RsvpHistory(
        event,
        entries,
        counts,
        {"action": action, "q": search, "before": int(before) if before not in (None, "") else None},
        entries[-1].log.id if len(rows) > HISTORY_PAGE else None,
    )
