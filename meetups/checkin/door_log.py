"""What happened at the door, for the event's organisers: every scan (refused ones and undos too), who made
it with which device, newest first, with filters. Read in a fixed number of queries however long the log."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from meetups import errors
from meetups.accounts.models import Member
from meetups.checkin.models import DoorLink, Scan, ScanResult
from meetups.events import service as events
from meetups.events.models import Event
from meetups.rsvps.models import Rsvp

#: what a log line can say: the scan results, and an undone check-in
RESULTS = (*(r.value for r in ScanResult), "undone")
PAGE = 100
SCANNER_RE = re.compile(r"^(member|link):(\d{1,9})$")


@dataclass(frozen=True)
class Entry:
    scan: Scan
    attendee: str | None
    by: str


@dataclass(frozen=True)
class DoorLog:
    event: Event
    entries: list[Entry]
    #: scans per result over the whole log (unfiltered): the page's summary
    counts: dict[str, int]
    #: who scanned at this event: ("member:<id>" or "link:<id>", name), for the filter
    scanners: list[tuple[str, str]]
    filters: dict[str, Any] = field(default_factory=dict)
    #: the id to pass as `before` for the next, older page; None on the last page
    older: int | None = None


def _filters(result: str, scanner: str, search: str, before: Any) -> dict[str, Any]:
    if result and result not in RESULTS:
        raise errors.InvalidInput(
            _("Unknown result. Choose one of: %(names)s.", names=", ".join(RESULTS)), field="result"
        )
    if scanner and not SCANNER_RE.match(scanner):
        raise errors.InvalidInput(_("Unknown scanner."), field="scanner")
    if before not in (None, "") and (isinstance(before, bool) or not str(before).isdigit()):
        raise errors.InvalidInput(_("“before” must be a scan number."), field="before")
    return {
        "result": result,
        "scanner": scanner,
        "q": (search or "").strip()[:100],
        "before": int(before) if before not in (None, "") else None,
    }


def get_door_log(
    session: Session,
    *,
    event_id: int,
    actor: Member | None,
    result: str = "",
    scanner: str = "",
    q: str = "",
    before: Any = None,
) -> DoorLog:
    """The door log of one event, newest first, `PAGE` lines at a time; organisers only."""
    event = events.get_event(session, event_id, actor)
    events.ensure_can(session, actor, event, "manage")
    chosen = _filters(result, scanner, q, before)
    attendee, scanned_by = aliased(Member), aliased(Member)
    query = (
        select(Scan, attendee.name, func.coalesce(scanned_by.name, DoorLink.label, ""))
        .outerjoin(Rsvp, Rsvp.id == Scan.rsvp_id)
        .outerjoin(attendee, attendee.id == Rsvp.member_id)
        .outerjoin(scanned_by, scanned_by.id == Scan.scanned_by_id)
        .outerjoin(DoorLink, DoorLink.id == Scan.door_link_id)
        .where(Scan.event_id == event.id)
        .order_by(Scan.id.desc())
        .limit(PAGE + 1)
    )
    if chosen["result"]:
        query = query.where(Scan.result == chosen["result"])
    if match := SCANNER_RE.match(chosen["scanner"]):
        column = Scan.scanned_by_id if match.group(1) == "member" else Scan.door_link_id
        query = query.where(column == int(match.group(2)))
    if chosen["q"]:
        query = query.where(func.lower(attendee.name).like(f"%{chosen['q'].lower()}%"))
    if chosen["before"] is not None:
        query = query.where(Scan.id < chosen["before"])
    rows = session.execute(query).all()
    entries = [Entry(scan, name, by) for scan, name, by in rows[:PAGE]]
    return DoorLog(
        event,
        entries,
        _counts(session, event),
        _scanners(session, event),
        chosen,
        entries[-1].scan.id if len(rows) > PAGE else None,
    )


def _counts(session: Session, event: Event) -> dict[str, int]:
    rows = session.execute(
        select(Scan.result, func.count()).where(Scan.event_id == event.id).group_by(Scan.result)
    )
    return {result: n for result, n in rows}


def _scanners(session: Session, event: Event) -> list[tuple[str, str]]:
    rows = session.execute(
        select(Scan.scanned_by_id, Scan.door_link_id, func.coalesce(Member.name, DoorLink.label, ""))
        .outerjoin(Member, Member.id == Scan.scanned_by_id)
        .outerjoin(DoorLink, DoorLink.id == Scan.door_link_id)
        .where(Scan.event_id == event.id)
        .distinct()
    )
    found = {
        (f"member:{member_id}" if member_id else f"link:{link_id}", name)
        for member_id, link_id, name in rows
        if member_id or link_id
    }
    return sorted(found, key=lambda item: item[1].casefold())
