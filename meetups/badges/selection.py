"""What to print and for whom: the choice (layout, who) parsed from a query string or a JSON body, everyone
who gets a badge (each member going, and staff without an RSVP) with the role their ribbon shows, and who may
print which."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from meetups import errors
from meetups.accounts.models import Member
from meetups.badges import sheets
from meetups.badges.models import BadgePrint
from meetups.checkin.models import CheckIn
from meetups.events import service as events
from meetups.events.models import Event, EventStaff
from meetups.rsvps.models import Question, Rsvp, RsvpStatus

MAX_IDS = 5000
#: the ribbon shows one role: the one people most need to find (an organiser who also speaks is an organiser)
ROLE_ORDER = ("organiser", "speaker", "volunteer")


class NothingToPrint(errors.DomainError):
    code, status = "nothing_to_print", 422


@dataclass(frozen=True)
class Options:
    layout: str = sheets.DEFAULT_LAYOUT
    kind: str = "all"  # all | not-printed | role | rsvp
    role: str = ""
    rsvp_ids: tuple[int, ...] = ()
    crop_marks: bool = False

    @property
    def who(self) -> str:
        if self.kind == "role":
            return f"role:{self.role}"
        if self.kind == "rsvp":
            return "rsvp:" + ",".join(map(str, self.rsvp_ids))
        return self.kind

    @property
    def is_single(self) -> bool:
        """One person's badge: the reprint at the door, which volunteers may do too."""
        return self.kind == "rsvp" and len(self.rsvp_ids) == 1

    def params(self) -> dict:
        return {"layout": self.layout, "who": self.who, "crop_marks": self.crop_marks}


def parse_options(layout: str | None = None, who: str | None = None, crop_marks: object = None) -> Options:
    """`layout=a4-2x4|letter-2x3|avery-5392|a6`, `who=all|not-printed|role:<role>|rsvp:<id>,<id>…`."""
    layout = (layout or sheets.DEFAULT_LAYOUT).strip()
    if layout not in sheets.LAYOUTS:
        raise errors.InvalidInput(
            _("Unknown layout. Choose one of: %(names)s.", names=", ".join(sheets.LAYOUTS)), field="layout"
        )
    crop = str(crop_marks).lower() in ("1", "true", "on", "yes") if crop_marks is not None else False
    who = (who or "all").strip()
    if who in ("all", "not-printed"):
        return Options(layout, who, crop_marks=crop)
    kind, _sep, rest = who.partition(":")
    if kind == "role" and rest in sheets.ROLES:
        return Options(layout, "role", role=rest, crop_marks=crop)
    if kind == "rsvp":
        parts = [p.strip() for p in rest.split(",") if p.strip()]
        if parts and len(parts) <= MAX_IDS and all(p.isdigit() and len(p) < 10 for p in parts):
            return Options(
                layout, "rsvp", rsvp_ids=tuple(dict.fromkeys(int(p) for p in parts)), crop_marks=crop
            )
    raise errors.InvalidInput(_("Choose who: all, not-printed, role:<role> or rsvp:<id>,<id>…"), field="who")


@dataclass
class Person:
    member: Member
    rsvp: Rsvp | None  # None: staff without a ticket of their own
    role: str
    affiliation: str = ""
    is_printed: bool = False


def affiliation_question(session: Session, event: Event) -> str | None:
    qid = session.scalar(
        select(Question.id).where(Question.event_id == event.id, Question.builtin == "affiliation")
    )
    return None if qid is None else str(qid)


def _answer_text(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return value.strip() if isinstance(value, str) else ""


def list_people(session: Session, event: Event) -> list[Person]:
    """Everyone who gets a badge, by name: each member going, and staff who have no RSVP. Five queries."""
    rsvps = session.scalars(
        select(Rsvp)
        .options(joinedload(Rsvp.member))
        .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.going)
    ).all()
    roles: dict[int, set[str]] = {}
    for member_id, role in session.execute(
        select(EventStaff.member_id, EventStaff.role).where(EventStaff.event_id == event.id)
    ):
        roles.setdefault(member_id, set()).add(role.value)
    printed = set(session.scalars(select(BadgePrint.member_id).where(BadgePrint.event_id == event.id)))
    qid = affiliation_question(session, event)
    going = {r.member_id for r in rsvps}
    staff_only = [m for m in session.scalars(select(Member).where(Member.id.in_(roles.keys() - going)))]

    def role_of(member_id: int) -> str:
        return next((r for r in ROLE_ORDER if r in roles.get(member_id, ())), "attendee")

    people = [
        Person(
            r.member,
            r,
            role_of(r.member_id),
            _answer_text(r.answers.get(qid)) if qid else "",
            r.member_id in printed,
        )
        for r in rsvps
    ]
    people += [Person(m, None, role_of(m.id), "", m.id in printed) for m in staff_only]
    people.sort(key=lambda p: (p.member.name.casefold(), p.member.id))
    return people


def _choose(people: list[Person], options: Options) -> list[Person]:
    if options.kind == "not-printed":
        return [p for p in people if not p.is_printed]
    if options.kind == "role":
        return [p for p in people if p.role == options.role]
    if options.kind == "rsvp":
        order = {rsvp_id: n for n, rsvp_id in enumerate(options.rsvp_ids)}  # as asked, e.g. a pile to reprint
        return sorted(
            (p for p in people if p.rsvp is not None and p.rsvp.id in order), key=lambda p: order[p.rsvp.id]
        )
    return people


def ensure_allowed(session: Session, actor: Member | None, event: Event, options: Options) -> None:
    """Sheets are for organisers ("manage"). A volunteer at the door ("check_in") reprints the badge of
    someone just admitted, and only theirs: a badge carries a live ticket, which must not be printable for
    anyone on the list."""
    if options.is_single and not events.can(session, actor, event, "manage"):
        events.ensure_can(session, actor, event, "check_in")
        admitted = session.scalar(
            select(CheckIn.id).where(
                CheckIn.event_id == event.id,
                CheckIn.rsvp_id == options.rsvp_ids[0],
                CheckIn.undone_at.is_(None),
            )
        )
        if admitted is None:
            raise errors.PermissionDenied(
                _("Volunteers reprint the badges of people they have checked in. Check them in first.")
            )
        return
    events.ensure_can(session, actor, event, "manage")


def selected(session: Session, event: Event, options: Options) -> list[Person]:
    people = _choose(list_people(session, event), options)
    if not people:
        if options.is_single:
            raise NothingToPrint(_("That RSVP has no ticket: only people who are going get a badge."))
        raise NothingToPrint(_("Nobody matches that choice: there are no badges to print."))
    return people
