"""Closing an event: every RSVP resolves to what happened (attended, no-show, late cancellation, excused, or
nothing), staff roles are recorded as contributions, and the record becomes final; after that an organiser
corrects it only by hand, with a reason. Everything members and organisers see of attendance (profiles,
achievements, streaks, leaderboards, community health, survey eligibility) is computed from this record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from blinker import Namespace
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, joinedload

from meetups import errors
from meetups.accounts.models import Member
from meetups.checkin.models import CheckIn
from meetups.events import service as events
from meetups.events.models import Event, EventStaff, EventStatus
from meetups.notify import jobs
from meetups.recognition import mail
from meetups.recognition.models import Attendance, AttendanceCorrection, Contribution, Outcome
from meetups.rsvps.models import Rsvp, RsvpStatus

#: a cancellation this close to the start is late: the seat could hardly go to anyone else
LATE_CANCEL = timedelta(hours=24)
REASON_MAX = 500
#: cancellations that were the member's own decision (not an expired offer, a cancelled event, ...)
MEMBER_CANCELLED = ("member", "offer_declined")

signals = Namespace()
#: sent once, when an event's attendance is resolved (`session=`, `now=`): surveys open then
event_closed = signals.signal("event-closed")
#: an organiser changed a record by hand (sender: the Attendance; `was=` the old outcome, `session=`, `now=`)
attendance_corrected = signals.signal("attendance-corrected")


@dataclass(frozen=True)
class Closed:
    event: Event
    #: records per outcome, and contributions; empty when the event was closed already (nothing changed)
    counts: dict[str, int]
    already: bool = False


def close_event(session: Session, *, event_id: int, actor: Member | None, now: datetime) -> Closed:
    """End the event now if it is running and resolve its attendance; closing twice (or the periodic job and
    an organiser at once) changes nothing the second time. `actor` None is the periodic job."""
    event = session.get(Event, event_id, with_for_update=True, populate_existing=True)  # one closer at a time
    if event is None or (actor is not None and event.status is EventStatus.draft):
        raise errors.NotFound(_("There is no such event."))
    if actor is not None:
        events.ensure_can(session, actor, event, "manage")
    if event.is_closed:
        return Closed(event, {}, already=True)
    if event.status is not EventStatus.published:
        raise errors.InvalidState(
            _("A cancelled event has no attendance to close.")
            if event.is_cancelled
            else _("Only a published event can be closed.")
        )
    if now < event.starts_at:
        raise errors.InvalidState(_("The event has not started yet: there is nothing to close."))
    if now < event.ends_at:  # running: it ends now
        event.ends_at, event.sequence, event.updated_at = now, event.sequence + 1, now
    counts = _resolve(session, event, now)
    event.closed_at = now
    session.flush()
    mail.queue_earned_achievements(session, event=event, now=now)
    event_closed.send(event, session=session, now=now)
    return Closed(event, counts)


def _outcome(rsvp: Rsvp, checked_in: bool, event: Event) -> Outcome | None:
    if rsvp.status is RsvpStatus.going:
        return Outcome.attended if checked_in else Outcome.no_show
    if rsvp.status is RsvpStatus.cancelled and rsvp.end_reason in MEMBER_CANCELLED:
        return Outcome.late_cancel if rsvp.updated_at >= event.starts_at - LATE_CANCEL else Outcome.excused
    return None  # declined, never promoted from the line, an offer that ran out, ...


def _resolve(session: Session, event: Event, now: datetime) -> dict[str, int]:
    admitted = dict(
        session.execute(
            select(CheckIn.rsvp_id, CheckIn.guests_admitted).where(
                CheckIn.event_id == event.id, CheckIn.undone_at.is_(None)
            )
        ).all()
    )
    common = {
        "event_id": event.id,
        "community_id": event.community_id,
        "event_on": event.local_starts_at.date(),
    }
    rows, counts = [], {outcome.value: 0 for outcome in Outcome}
    for rsvp in session.scalars(select(Rsvp).where(Rsvp.event_id == event.id).order_by(Rsvp.id)):
        outcome = _outcome(rsvp, rsvp.id in admitted, event)
        if outcome is not None:
            counts[outcome.value] += 1
            rows.append(
                {
                    **common,
                    "member_id": rsvp.member_id,
                    "series_id": event.series_id,
                    "outcome": outcome,
                    "guests": admitted.get(rsvp.id, 0) if outcome is Outcome.attended else 0,
                    "rsvp_at": rsvp.created_at,
                    "resolved_at": now,
                }
            )
    if rows:
        session.execute(insert(Attendance), rows)
    staff = session.execute(
        select(EventStaff.member_id, EventStaff.role).where(EventStaff.event_id == event.id)
    )
    contributions = [{**common, "member_id": member_id, "role": role.value} for member_id, role in staff]
    if contributions:
        session.execute(insert(Contribution), contributions)
    counts["contributions"] = len(contributions)
    return counts


@jobs.every_minute("close_events")
def close_due_events(session: Session, *, now: datetime) -> int:
    """Close every published event whose end is `close_after_hours` behind; returns how many it closed."""
    due = session.scalars(
        select(Event.id)
        .where(Event.status == EventStatus.published, Event.closed_at.is_(None), Event.ends_at <= now)
        .order_by(Event.id)
    ).all()
    closed = 0
    for event_id in due:
        event = session.get(Event, event_id)
        if event.ends_at + timedelta(hours=event.close_after_hours) <= now:
            closed += not close_event(session, event_id=event_id, actor=None, now=now).already
    return closed


# Reading and correcting the record


@dataclass(frozen=True)
class AttendanceSheet:
    event: Event
    records: list[Attendance]
    counts: dict[str, int]
    contributions: list[Contribution]
    corrections: list[AttendanceCorrection]


def get_attendance(session: Session, *, event_id: int, actor: Member | None) -> AttendanceSheet:
    """The record of one event, for its organisers: who came and who did not, by name, and the corrections."""
    event = events.get_managed_event(session, event_id, actor)
    records = list(
        session.scalars(
            select(Attendance).options(joinedload(Attendance.member)).where(Attendance.event_id == event.id)
        )
    )
    contributions = list(
        session.scalars(
            select(Contribution)
            .options(joinedload(Contribution.member))
            .where(Contribution.event_id == event.id)
        )
    )
    counts = {outcome.value: 0 for outcome in Outcome}
    for record in records:
        counts[record.outcome.value] += 1
    records.sort(
        key=lambda r: (list(Outcome).index(r.outcome), (r.member.name if r.member else "").casefold())
    )
    return AttendanceSheet(event, records, counts, contributions, list_corrections(session, event))


def correct_attendance(
    session: Session,
    *,
    event_id: int,
    record_id: int,
    actor: Member,
    outcome: str,
    reason: str,
    now: datetime,
) -> Attendance:
    """After the close, an organiser sets a record right by hand (logged, with why): someone let in without
    a scan, say, or scanned by mistake."""
    event = events.get_managed_event(session, event_id, actor)
    record = session.get(Attendance, record_id, with_for_update=True)
    if record is None or record.event_id != event.id:
        raise errors.NotFound(_("There is no such attendance record at this event."))
    try:
        new = Outcome(outcome)
    except ValueError:
        raise errors.InvalidInput(
            _("Choose one of: %(names)s.", names=", ".join(o.value for o in Outcome)), field="outcome"
        ) from None
    reason = (reason or "").strip()
    if not reason or len(reason) > REASON_MAX:
        raise errors.InvalidInput(
            _("Please say why, in up to %(n)d characters (it is kept in the log).", n=REASON_MAX),
            field="reason",
        )
    if new is not record.outcome:
        session.add(
            AttendanceCorrection(
                attendance_id=record.id,
                actor_id=actor.id,
                was=record.outcome,
                now_is=new,
                reason=reason,
                at=now,
            )
        )
        was, record.outcome = record.outcome, new
        session.flush()
        attendance_corrected.send(record, was=was, session=session, now=now)
    return record


def list_corrections(session: Session, event: Event) -> list[AttendanceCorrection]:
    """Every hand correction of the event's record, newest first."""
    return list(
        session.scalars(
            select(AttendanceCorrection)
            .options(joinedload(AttendanceCorrection.actor))
            .join(Attendance, Attendance.id == AttendanceCorrection.attendance_id)
            .where(Attendance.event_id == event.id)
            .order_by(AttendanceCorrection.id.desc())
        )
    )
