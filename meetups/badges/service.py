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
from sqlalchemy.orm import Session

from meetups import clock, errors
from meetups.accounts.models import Member
from meetups.badges import selection, sheets
from meetups.badges.models import BadgeJob, BadgePrint, JobStatus
from meetups.badges.selection import Options, Person, parse_options
from meetups.events import service as events
from meetups.events.models import Event
from meetups.notify import jobs
from meetups.rsvps import tickets
from meetups.site import Site

log = logging.getLogger("meetups.badges")

#: above this many badges the PDF is built by a background job (app config BADGE_SYNC_LIMIT)
SYNC_LIMIT = 200


class JobNotReady(errors.DomainError):
    code, status = "job_not_ready", 409


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
    selection.ensure_allowed(session, actor, event, options)
    people = selection.selected(session, event, options)
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
    selection.ensure_allowed(session, actor, event, options)
    total = len(selection.selected(session, event, options))
    return _queue_job(session, event, actor, options, total=total, now=now)


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
        people = selection.selected(session, event, options)
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
    people = selection.list_people(session, event)
    counts = {"all": len(people), "not-printed": sum(not p.is_printed for p in people)}
    for role in sheets.ROLES:
        counts[f"role:{role}"] = sum(p.role == role for p in people)
    return BadgePage(
        event, counts, list_jobs(session, event), selection.affiliation_question(session, event) is not None
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
    people = selection.selected(session, event, options)[: sheets.LAYOUTS[options.layout].per_sheet]
    sheet, badges = make_sheet(event, options), make_badges(session, people, site, now)
    key = hashlib.sha256(repr((tuple(sheet), [tuple(b) for b in badges])).encode()).hexdigest()
    if key not in _previews:
        _previews[key] = sheets.first_page_png(sheets.render_pdf(sheet, badges))
        while len(_previews) > PREVIEW_CACHE:
            _previews.popitem(last=False)
    _previews.move_to_end(key)
    return _previews[key]
