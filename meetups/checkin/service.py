"""Scanning at the door: what a scan answers, offline batches, undo, and what scanners read (the offline
list, the name search, live numbers). Who may scan, and door links, are in checkin.door."""

from __future__ import annotations

import re
import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, aliased, joinedload

from meetups import errors
from meetups.accounts.models import Member
from meetups.checkin.door import Scanner, ensure_can_check_in, get_scannable_event
from meetups.checkin.models import CheckIn, DoorLink, Scan, ScanResult
from meetups.events.models import Event
from meetups.extensions import begin_write
from meetups.rsvps import tickets
from meetups.rsvps.models import Rsvp, RsvpStatus

CLIENT_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
#: an offline scanner's clock may be a little ahead; further than this and we use ours
CLOCK_SKEW = timedelta(minutes=5)
OLDEST_OFFLINE_SCAN = timedelta(days=3)
MAX_BATCH = 500


@dataclass
class Outcome:
    result: ScanResult
    checkin: CheckIn | None = None
    rsvp: Rsvp | None = None
    client_scan_id: str = ""
    #: when two scanners admitted the same ticket: the scan that lost (later time)
    duplicate: dict[str, Any] | None = None
    other_event: Event | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Ticket:
    """What a scan names: a ticket code (the QR, or typed), or an RSVP found by a name search at the door,
    which never sees the codes themselves."""

    code: str | None = None
    rsvp_id: int | None = None

    @classmethod
    def read(cls, text: Any = None, rsvp_id: Any = None) -> Ticket:
        if rsvp_id is not None:
            if text not in (None, ""):
                raise errors.InvalidInput(_("Send either a code or an RSVP, not both."), field="rsvp_id")
            if isinstance(rsvp_id, bool) or not isinstance(rsvp_id, int) or not 0 < rsvp_id < 2**31:
                raise errors.InvalidInput(_("rsvp_id must be a whole number."), field="rsvp_id")
            return cls(rsvp_id=rsvp_id)
        return cls(code=tickets.parse_code(text))

    def recorded_text(self, text: Any) -> str:
        """What the scan log keeps: never a whole live code (the log is read by people who are not its
        holder), just enough of it, or of an unreadable text, to investigate."""
        if self.rsvp_id is not None:
            return f"name search: RSVP {self.rsvp_id}"
        if self.code is not None:
            return f"ticket {self.code[:6]}…"
        return str(text or "")[:80]


# Scanning


def _scan_time(value: Any, now: datetime) -> datetime:
    if value is None or value == "":
        return now
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise errors.InvalidInput(_("scanned_at is not a date and time."), field="scanned_at") from None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise errors.InvalidInput(
            _("scanned_at needs a time zone, e.g. 2030-04-01T18:00:00Z."), field="scanned_at"
        )
    if value > now + CLOCK_SKEW or value < now - OLDEST_OFFLINE_SCAN:
        return now  # a scanner with a wrong clock must not reorder who came first
    return min(value, now)


def _client_id(value: Any) -> str:
    if value is None or value == "":
        return "server-" + secrets.token_hex(8)
    if not isinstance(value, str) or not CLIENT_ID_RE.match(value):
        raise errors.InvalidInput(
            _("client_scan_id must be 1–64 letters, digits or - _ . :"), field="client_scan_id"
        )
    return value


def _replayed(session: Session, event: Event, client_scan_id: str) -> Outcome | None:
    scan = session.scalar(
        select(Scan).where(Scan.event_id == event.id, Scan.client_scan_id == client_scan_id)
    )
    if scan is None:
        return None
    checkin = session.get(CheckIn, scan.checkin_id) if scan.checkin_id else None
    rsvp = session.get(Rsvp, scan.rsvp_id) if scan.rsvp_id else None
    return Outcome(ScanResult(scan.result), checkin, rsvp, client_scan_id, details={"replayed": True})


def _find(session: Session, event: Event, ticket: Ticket) -> Rsvp | None:
    """The RSVP a scan names, its row locked until the commit: one scan of a ticket at a time. A name search
    names an RSVP of this event only; a code may belong to another event (the door says so)."""
    if ticket.code is None and ticket.rsvp_id is None:
        return None
    query = select(Rsvp).options(joinedload(Rsvp.member, innerjoin=True)).with_for_update(of=Rsvp)
    if ticket.code is not None:
        return session.scalar(query.where(Rsvp.ticket_code == ticket.code))
    return session.scalar(
        query.where(Rsvp.id == ticket.rsvp_id, Rsvp.event_id == event.id, Rsvp.ticket_code.is_not(None))
    )


def _decide(
    session: Session,
    event: Event,
    scanner: Scanner,
    ticket: Ticket,
    guests: Any,
    scanned_at: datetime,
    now: datetime,
    client_scan_id: str,
    device_timed: bool,
) -> Outcome:
    if scanned_at < event.checkin_opens():
        return Outcome(ScanResult.not_open_yet, details={"opens_at": event.checkin_opens().isoformat()})
    rsvp = _find(session, event, ticket)
    if rsvp is None:
        return Outcome(ScanResult.unknown_ticket)
    if rsvp.event_id != event.id:
        return Outcome(ScanResult.wrong_event, rsvp=rsvp, other_event=rsvp.event)
    if rsvp.status in (RsvpStatus.cancelled, RsvpStatus.declined) or event.is_cancelled:
        return Outcome(ScanResult.cancelled, rsvp=rsvp)
    if rsvp.status is not RsvpStatus.going:
        return Outcome(ScanResult.not_confirmed, rsvp=rsvp)
    live = session.scalar(select(CheckIn).where(CheckIn.rsvp_id == rsvp.id, CheckIn.undone_at.is_(None)))
    entering = _guests_entering(rsvp, live, guests)
    if live is None:
        live = CheckIn(
            event_id=event.id,
            rsvp=rsvp,
            checked_in_at=scanned_at,
            recorded_at=now,
            guests_admitted=entering,
            scanned_by_id=scanner.member.id if scanner.member else None,
            door_link_id=scanner.door_link.id if scanner.door_link else None,
            device=scanner.device,
            client_scan_id=client_scan_id,
        )
        session.add(live)
        session.flush()
        return Outcome(ScanResult.ok, live, rsvp)
    if guests is not None and entering > 0:  # the rest of the party arriving later
        live.guests_admitted += entering
        return Outcome(ScanResult.ok, live, rsvp, details={"guests_entering": entering})
    first = {"checked_in_at": live.checked_in_at.isoformat(), "by": scanner_name(live)}
    # An offline scanner admitted them earlier: the earliest scan stands. Only a scan timed by its device can
    # claim that: a server-timed scan is timed before it waits for the write lock, so arriving later it is
    # simply the second one.
    if device_timed and scanned_at < live.checked_in_at:
        live.checked_in_at, live.client_scan_id, live.device = scanned_at, client_scan_id, scanner.device
        live.scanned_by_id = scanner.member.id if scanner.member else None
        live.door_link_id = scanner.door_link.id if scanner.door_link else None
        return Outcome(ScanResult.ok, live, rsvp, duplicate=first)
    return Outcome(ScanResult.already_checked_in, live, rsvp, duplicate=first)


def _guests_entering(rsvp: Rsvp, live: CheckIn | None, guests: Any) -> int:
    remaining = rsvp.guests - (live.guests_admitted if live else 0)
    if guests is None:
        return remaining if live is None else 0
    if isinstance(guests, bool) or not isinstance(guests, int) or guests < 0:
        raise errors.InvalidInput(_("guests must be a whole number, 0 or more."), field="guests")
    return min(guests, remaining)


def scanner_name(checkin: CheckIn) -> str:
    if checkin.scanned_by is not None:
        return checkin.scanned_by.name
    if checkin.door_link is not None:
        return checkin.door_link.label
    return ""


def check_in(
    session: Session,
    *,
    event_id: int,
    scanner: Scanner,
    text: Any = None,
    rsvp_id: Any = None,
    client_scan_id: Any = None,
    scanned_at: Any = None,
    guests: Any = None,
    now: datetime,
) -> Outcome:
    """Answer one scan (a code, or an RSVP found by name) with one of the fixed results and record it; a
    replayed client scan id answers as it did the first time and changes nothing. Repeating a scan never
    counts anyone twice."""
    event = get_scannable_event(session, event_id, scanner, now)
    client_scan_id = _client_id(client_scan_id)
    ticket = Ticket.read(text, rsvp_id)
    begin_write(session)  # who may scan was read first; from the replay check on, one writing transaction
    if (replay := _replayed(session, event, client_scan_id)) is not None:
        return replay
    when = _scan_time(scanned_at, now)
    device_timed = scanned_at not in (None, "")
    outcome = _decide(session, event, scanner, ticket, guests, when, now, client_scan_id, device_timed)
    outcome.client_scan_id = client_scan_id
    scan = {
        "event_id": event.id,
        "client_scan_id": client_scan_id,
        "scanned_text": ticket.recorded_text(text),
        "result": outcome.result.value,
        "rsvp_id": outcome.rsvp.id if outcome.rsvp else None,
        "checkin_id": outcome.checkin.id if outcome.checkin else None,
        "scanned_at": when,
        "recorded_at": now,
        "scanned_by_id": scanner.member.id if scanner.member else None,
        "door_link_id": scanner.door_link.id if scanner.door_link else None,
        "device": scanner.device,
    }
    # The same client scan id racing in from a retry: the first one is recorded, the other answers as it did.
    dialect_insert = postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    recorded = session.execute(
        dialect_insert(Scan)
        .values(**scan)
        .on_conflict_do_nothing(index_elements=["event_id", "client_scan_id"])
        .returning(Scan.id)
    )
    if recorded.scalar() is None:  # rowcount would not say: PostgreSQL reports -1 for an ORM insert
        return _replayed(session, event, client_scan_id) or outcome
    return outcome


def check_in_batch(
    session: Session, *, event_id: int, scanner: Scanner, items: Any, now: datetime
) -> list[Outcome]:
    """An offline scanner's queue, in order; each item answered as if it had been online."""
    get_scannable_event(session, event_id, scanner, now)
    if not isinstance(items, list) or len(items) > MAX_BATCH:
        raise errors.InvalidInput(_("Send at most %(n)d scans at once.", n=MAX_BATCH), field="checkins")
    named = [item for item in items if isinstance(item, dict)]
    codes = {tickets.parse_code(item.get("code")) for item in named} - {None}
    rsvp_ids = {item["rsvp_id"] for item in named if isinstance(item.get("rsvp_id"), int)}
    begin_write(session)
    # Lock every ticket of the batch at once, in one order: two scanners syncing overlapping batches in
    # different orders would otherwise deadlock.
    session.scalars(
        select(Rsvp.id)
        .where(Rsvp.ticket_code.in_(codes) | (Rsvp.id.in_(rsvp_ids) & (Rsvp.event_id == event_id)))
        .order_by(Rsvp.id)
        .with_for_update()
    ).all()
    outcomes = []
    for item in items:  # in order; an earlier scan arriving later still wins (see _decide)
        if not isinstance(item, dict):
            raise errors.InvalidInput(_("Each scan must be an object."), field="checkins")
        outcomes.append(
            check_in(
                session,
                event_id=event_id,
                scanner=scanner,
                text=item.get("code"),
                rsvp_id=item.get("rsvp_id"),
                client_scan_id=item.get("client_scan_id"),
                scanned_at=item.get("scanned_at"),
                guests=item.get("guests"),
                now=now,
            )
        )
    return outcomes


def undo_checkin(session: Session, *, checkin_id: int, scanner: Scanner, now: datetime) -> CheckIn:
    """Take back a mistaken check-in; it stays on record as undone, and the ticket can be scanned again."""
    checkin = session.get(CheckIn, checkin_id)
    if checkin is None:
        raise errors.NotFound(_("There is no such check-in."))
    ensure_can_check_in(session, scanner, session.get(Event, checkin.event_id), now)
    if checkin.undone_at is None:
        checkin.undone_at = now
        checkin.undone_by_id = scanner.member.id if scanner.member else None
        session.add(
            Scan(
                event_id=checkin.event_id,
                client_scan_id="undo-" + secrets.token_hex(8),
                scanned_text=f"undo check-in {checkin.id}",
                result="undone",
                rsvp_id=checkin.rsvp_id,
                checkin_id=checkin.id,
                scanned_at=now,
                recorded_at=now,
                scanned_by_id=checkin.undone_by_id,
                door_link_id=scanner.door_link.id if scanner.door_link else None,
                device=scanner.device,
            )
        )
        session.flush()
    return checkin


# What scanners read


def get_checkin_list(
    session: Session, *, event_id: int, scanner: Scanner, now: datetime
) -> tuple[Event, list[dict[str, Any]]]:
    """The minimum an offline scanner needs to decide alone: hashed codes, names, status, guests, arrival
    (and who admitted them, for the amber answer)."""
    event = get_scannable_event(session, event_id, scanner, now)
    scanner = aliased(Member)
    rows = session.execute(
        select(
            Rsvp.ticket_code,
            Rsvp.status,
            Rsvp.guests,
            Rsvp.id,
            Member.name,
            CheckIn.checked_in_at,
            CheckIn.guests_admitted,
            CheckIn.id,
            func.coalesce(scanner.name, DoorLink.label),
        )
        .join(Member, Member.id == Rsvp.member_id)
        .outerjoin(CheckIn, (CheckIn.rsvp_id == Rsvp.id) & CheckIn.undone_at.is_(None))
        .outerjoin(scanner, scanner.id == CheckIn.scanned_by_id)
        .outerjoin(DoorLink, DoorLink.id == CheckIn.door_link_id)
        .where(Rsvp.event_id == event.id, Rsvp.ticket_code.is_not(None))
    )
    return event, [
        {
            "h": tickets.code_hash(code),
            "rsvp_id": rsvp_id,
            "name": name,
            "status": status.value if hasattr(status, "value") else status,
            "guests": guests,
            "checked_in_at": at.isoformat() if at else None,
            "checked_in_by": by if at else None,
            "guests_admitted": admitted or 0,
            "checkin_id": checkin_id,
        }
        for code, status, guests, rsvp_id, name, at, admitted, checkin_id, by in rows
    ]


def search_attendees(
    session: Session, *, event_id: int, scanner: Scanner, query: str, now: datetime, limit: int = 20
) -> list[Rsvp]:
    """Name or email search for when a QR will not scan. The door admits what it finds by RSVP id: its
    answers carry no ticket codes, like the offline list."""
    event = get_scannable_event(session, event_id, scanner, now)
    query = (query or "").strip().lower()[:100]
    if len(query) < 2:
        return []
    like = f"%{query}%"
    return list(
        session.scalars(
            select(Rsvp)
            .join(Rsvp.member)
            .options(joinedload(Rsvp.member))
            .where(
                Rsvp.event_id == event.id,
                Rsvp.ticket_code.is_not(None),
                (func.lower(Member.name).like(like)) | (func.lower(Member.email).like(like)),
            )
            .order_by(Member.name)
            .limit(limit)
        )
    )


def get_stats(session: Session, *, event_id: int, scanner: Scanner, now: datetime) -> dict[str, Any]:
    """Checked in / expected, in people (members and guests), and arrivals per 15 minutes."""
    event = get_scannable_event(session, event_id, scanner, now)
    expected = (
        session.scalar(
            select(func.coalesce(func.sum(Rsvp.guests + 1), 0)).where(
                Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.going
            )
        )
        or 0
    )
    arrivals = session.execute(
        select(CheckIn.checked_in_at, CheckIn.guests_admitted).where(
            CheckIn.event_id == event.id, CheckIn.undone_at.is_(None)
        )
    ).all()
    buckets: Counter[datetime] = Counter()
    for at, guests in arrivals:
        buckets[at.replace(minute=at.minute - at.minute % 15, second=0, microsecond=0)] += 1 + guests
    return {
        "expected": expected,
        "checked_in": sum(buckets.values()),
        "tickets_scanned": len(arrivals),
        "arrivals": [{"from": at.isoformat(), "people": n} for at, n in sorted(buckets.items())],
    }
