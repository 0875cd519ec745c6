"""Badges: who gets one, what it says, printing it (here for a few, in a background job for many), and
remembering what was printed so that "not printed yet" works."""

from __future__ import annotations

import hashlib
import logging
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

from babel.dates import format_skeleton
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import Session, joinedload

from meetups import clock, errors
from meetups.accounts.models import Member
from meetups.badges import sheets
from meetups.badges.models import BadgeJob, BadgePrint, JobStatus
from meetups.checkin.models import CheckIn
from meetups.events import service as events
from meetups.events.models import Event, EventStaff
from meetups.notify import jobs
from meetups.rsvps import tickets
from meetups.rsvps.models import Question, Rsvp, RsvpStatus
from meetups.site import Site

log = logging.getLogger("meetups.badges")

#: above this many badges the PDF is built by a background job (app config BADGE_SYNC_LIMIT)
SYNC_LIMIT = 200
MAX_IDS = 5000
#: the ribbon shows one role: the one people most need to find (an organiser who also speaks is an organiser)
ROLE_ORDER = ("organiser", "speaker", "volunteer")


class NothingToPrint(errors.DomainError):
    code, status = "nothing_to_print", 422


class JobNotReady(errors.DomainError):
    code, status = "job_not_ready", 409


# What to print: parsed from the query string or a JSON body


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


# Who gets a badge


@dataclass
class Person:
    member: Member
    rsvp: Rsvp | None  # None: staff without a ticket of their own
    role: str
    affiliation: str = ""
    is_printed: bool = False


def _affiliation_question(session: Session, event: Event) -> str | None:
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
    qid = _affiliation_question(session, event)
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


def _select(people: list[Person], options: Options) -> list[Person]:
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


def _ensure_allowed(session: Session, actor: Member | None, event: Event, options: Options) -> None:
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


# What a badge says


def _role_labels() -> dict[str, str]:
    return {
        "attendee": _("Attendee"),
        "speaker": _("Speaker"),
        "volunteer": _("Volunteer"),
        "organiser": _("Organiser"),
    }


def make_sheet(event: Event, options: Options) -> sheets.Sheet:
    day = format_skeleton("yMMMEd", event.local_starts_at.date(), locale=get_locale() or "en")
    return sheets.Sheet(
        options.layout, f"{event.title} · {day}", event.community.color, _role_labels(), options.crop_marks
    )


def make_badges(session: Session, people: list[Person], site: Site, now: datetime) -> list[sheets.Badge]:
    codes = [p.rsvp.valid_ticket_code for p in people if p.rsvp is not None and p.rsvp.valid_ticket_code]
    qrs = tickets.get_qr_pngs(session, codes, site=site, now=now) if codes else {}
    badges = []
    for p in people:
        code = p.rsvp.valid_ticket_code if p.rsvp is not None else None
        badges.append(
            sheets.Badge(
                p.member.name, p.member.pronouns or "", p.affiliation, p.role, qrs[code] if code else None
            )
        )
    return badges


def _record(
    session: Session,
    event: Event,
    people: list[Person],
    *,
    actor_id: int | None,
    layout: str,
    job_id: int | None,
    now: datetime,
) -> None:
    if people:
        session.execute(
            insert(BadgePrint),
            [
                {
                    "event_id": event.id,
                    "member_id": p.member.id,
                    "rsvp_id": p.rsvp.id if p.rsvp else None,
                    "printed_at": now,
                    "printed_by_id": actor_id,
                    "job_id": job_id,
                    "layout": layout,
                }
                for p in people
            ],
        )


def _selected(session: Session, event: Event, options: Options) -> list[Person]:
    people = _select(list_people(session, event), options)
    if not people:
        if options.is_single:
            raise NothingToPrint(_("That RSVP has no ticket: only people who are going get a badge."))
        raise NothingToPrint(_("Nobody matches that choice: there are no badges to print."))
    return people


# Printing


@dataclass
class Printed:
    """Either the PDF (a few badges) or the background job building it (many)."""

    pdf: bytes | None = None
    job: BadgeJob | None = None
    count: int = 0


def print_badges(
    session: Session,
    *,
    event_id: int,
    actor: Member | None,
    options: Options,
    site: Site,
    now: datetime,
    sync_limit: int = SYNC_LIMIT,
) -> Printed:
    """The PDF of the chosen badges, recorded as printed; more than `sync_limit` of them become a background
    job instead (the caller enqueues it after the commit), so no request waits long enough to time out."""
    event = events.get_event(session, event_id, actor)
    _ensure_allowed(session, actor, event, options)
    people = _selected(session, event, options)
    if len(people) > sync_limit:
        return Printed(
            job=_queue_job(session, event, actor, options, total=len(people), now=now), count=len(people)
        )
    pdf = sheets.render_pdf(make_sheet(event, options), make_badges(session, people, site, now))
    _record(session, event, people, actor_id=actor.id, layout=options.layout, job_id=None, now=now)
    return Printed(pdf=pdf, count=len(people))


def start_job(
    session: Session, *, event_id: int, actor: Member | None, options: Options, now: datetime
) -> BadgeJob:
    """A background job for the chosen badges, whatever their number (the JSON API's way)."""
    event = events.get_event(session, event_id, actor)
    _ensure_allowed(session, actor, event, options)
    return _queue_job(session, event, actor, options, total=len(_selected(session, event, options)), now=now)


def _queue_job(
    session: Session, event: Event, actor: Member, options: Options, *, total: int, now: datetime
) -> BadgeJob:
    """One live job per person and choice: pressing the button twice (or a reload) joins the job under way."""
    params = {**options.params(), "locale": str(get_locale() or "en")}
    for job in session.scalars(
        select(BadgeJob).where(
            BadgeJob.event_id == event.id,
            BadgeJob.requested_by_id == actor.id,
            BadgeJob.status.in_([JobStatus.queued, JobStatus.running]),
        )
    ):
        if job.params == params:
            return job
    job = BadgeJob(
        event_id=event.id,
        requested_by_id=actor.id,
        params=params,
        status=JobStatus.queued,
        total=total,
        created_at=now,
    )
    session.add(job)
    session.flush()
    return job


def get_job(session: Session, *, job_id: int, actor: Member | None) -> BadgeJob:
    job = session.get(BadgeJob, job_id)
    if job is None:
        raise errors.NotFound(_("There is no such badge job."))
    events.ensure_can(session, actor, events.get_event(session, job.event_id, actor), "manage")
    return job


def get_job_pdf(session: Session, *, event_id: int, job_id: int, actor: Member | None) -> bytes:
    job = get_job(session, job_id=job_id, actor=actor)
    if job.event_id != event_id:
        raise errors.NotFound(_("There is no such badge job."))
    if job.status is not JobStatus.done or job.pdf is None:
        raise JobNotReady(_("That PDF is not ready yet."))
    return job.pdf


def list_jobs(session: Session, event: Event, limit: int = 5) -> list[BadgeJob]:
    return list(
        session.scalars(
            select(BadgeJob)
            .where(BadgeJob.event_id == event.id)
            .order_by(BadgeJob.created_at.desc(), BadgeJob.id.desc())
            .limit(limit)
        )
    )


def build_job(session: Session, *, job_id: int, site: Site, now: datetime, progress=None) -> BadgeJob | None:
    """Render a queued job's PDF on the warm worker pool, in the requester's language; `progress(done)` is
    called as chunks finish. Who is printed is decided now: people who joined since the request are on it."""
    job = session.get(BadgeJob, job_id)
    if job is None or job.is_finished:
        return None  # deleted with its event, or a retry of a job that already ended
    event = session.get(Event, job.event_id)
    options = parse_options(job.params.get("layout"), job.params.get("who"), job.params.get("crop_marks"))
    with force_locale(job.params.get("locale") or "en"):
        people = _selected(session, event, options)
        sheet = make_sheet(event, options)
    badges = make_badges(session, people, site, now)
    job.total = len(badges)
    pool = sheets.get_pool()
    job.pdf = pool.render(sheet, badges, chunk=sheets.chunk_size(len(badges), pool.size), progress=progress)
    _record(
        session,
        event,
        people,
        actor_id=job.requested_by_id,
        layout=options.layout,
        job_id=job.id,
        now=clock.now(),
    )
    job.status, job.done_count, job.finished_at = JobStatus.done, len(badges), clock.now()
    return job


@jobs.job("badges.build")
def run_job(session: Session, job_id: int, *, site: Site, now: datetime) -> None:
    """The worker's side of a badge job, in transactions of its own: statuses and progress are committed as
    they change, so the page can show them; a failure is recorded on the job rather than lost in a log."""
    job = session.get(BadgeJob, job_id)
    if job is None or job.is_finished:
        return
    job.status, job.started_at = JobStatus.running, now
    session.commit()

    def progress(done: int) -> None:
        job.done_count = done
        session.commit()

    try:
        build_job(session, job_id=job_id, site=site, now=now, progress=progress)
        session.commit()
    except Exception as exc:  # a failed job must say so on the page; the worker goes on with others
        log.exception("badge job %s failed", job_id)
        session.rollback()
        failed = session.get(BadgeJob, job_id)
        failed.status, failed.finished_at = JobStatus.failed, clock.now()
        failed.error = (
            exc.message if isinstance(exc, errors.DomainError) else _("The PDF could not be built.")
        )
        session.commit()


def queue(job: BadgeJob) -> None:
    """Hand a job to the worker; call after the commit, so the worker can see it."""
    if job.status is JobStatus.queued:
        jobs.enqueue("badges.build", job.id)


# The page and its preview


@dataclass
class BadgePage:
    event: Event
    counts: dict[str, int] = field(default_factory=dict)
    jobs: list[BadgeJob] = field(default_factory=list)
    asks_affiliation: bool = False


def get_badge_page(session: Session, *, event_id: int, actor: Member | None) -> BadgePage:
    """What the badges page shows: how many badges each choice prints, and the latest background jobs."""
    event = events.get_event(session, event_id, actor)
    events.ensure_can(session, actor, event, "manage")
    people = list_people(session, event)
    counts = {"all": len(people), "not-printed": sum(not p.is_printed for p in people)}
    for role in sheets.ROLES:
        counts[f"role:{role}"] = sum(p.role == role for p in people)
    return BadgePage(
        event, counts, list_jobs(session, event), _affiliation_question(session, event) is not None
    )


_previews: OrderedDict[str, bytes] = OrderedDict()
PREVIEW_CACHE = 64


def preview_png(
    session: Session, *, event_id: int, actor: Member | None, options: Options, site: Site, now: datetime
) -> bytes:
    """The first sheet as a PNG, not recorded as printed. Cached by what is drawn on it, so an unchanged sheet
    is never rendered twice (a cache only: another web instance simply renders its own)."""
    event = events.get_event(session, event_id, actor)
    events.ensure_can(session, actor, event, "manage")
    people = _selected(session, event, options)[: sheets.LAYOUTS[options.layout].per_sheet]
    sheet, badges = make_sheet(event, options), make_badges(session, people, site, now)
    key = hashlib.sha256(repr((tuple(sheet), [tuple(b) for b in badges])).encode()).hexdigest()
    if key not in _previews:
        _previews[key] = sheets.first_page_png(sheets.render_pdf(sheet, badges))
        while len(_previews) > PREVIEW_CACHE:
            _previews.popitem(last=False)
    _previews.move_to_end(key)
    return _previews[key]
