"""Background jobs on Huey (SQLite in instance/ by default, Redis with MEETUPS_REDIS_URL), and the registry
every domain adds its jobs to: named jobs run once after a commit (a badge sheet, the mail), periodic ones
every minute (offers that expire, "always going" RSVPs, the outbox). Nothing here knows Flask: create_app
gives the runner its environment (the database session and the site's settings)."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from huey import RedisHuey, SqliteHuey, crontab
from sqlalchemy.orm import Session

from meetups import clock
from meetups.config import INSTANCE_DIR
from meetups.site import Site

log = logging.getLogger("meetups.jobs")


def _make_huey():
    if url := os.environ.get("MEETUPS_REDIS_URL"):
        return RedisHuey("meetups", url=url)
    INSTANCE_DIR.mkdir(exist_ok=True)
    return SqliteHuey("meetups", filename=str(INSTANCE_DIR / "jobs.db"))


huey = _make_huey()


@dataclass(frozen=True)
class Environment:
    session: Session
    site: Site


#: named jobs: (session, *args, site=, now=); periodic ones: (session, now=[, site=]) -> how much they did
_jobs: dict[str, Callable[..., Any]] = {}
_periodic: dict[str, tuple[Callable[..., int], bool]] = {}
_runs_after: dict[str, tuple[str, ...]] = {}
_environment: Callable[[], AbstractContextManager[Environment]] | None = None


def job(name: str):
    """Register a function to run after a commit, in the worker: `enqueue(name, *args)` starts it."""

    def register(function):
        _jobs[name] = function
        return function

    return register


#: `after=(EVERY_OTHER,)`: the job runs after all the others (the mailer, so the mail they queue goes at once)
EVERY_OTHER = "*"


def every_minute(name: str, *, needs_site: bool = False, after: tuple[str, ...] = ()):
    """Register a periodic job, owned by the domain that defines it. Jobs run in the order registered, except
    that one runs after the jobs it names in `after` (whatever order the modules were imported in)."""

    def register(function):
        _periodic[name] = (function, needs_site)
        _runs_after[name] = after
        return function

    return register


def periodic_names() -> list[str]:
    """The periodic jobs in the order they run."""
    ordered: list[str] = []
    placing: set[str] = set()  # a cycle in `after` falls back to registration order instead of looping

    def place(name: str) -> None:
        if name in ordered or name in placing or name not in _periodic:
            return
        placing.add(name)
        for earlier in _runs_after[name]:
            place(earlier)
        ordered.append(name)

    last = [name for name in _periodic if EVERY_OTHER in _runs_after[name]]
    for name in _periodic:
        if name not in last:
            place(name)
    return ordered + last


def configure(environment: Callable[[], AbstractContextManager[Environment]]) -> None:
    """create_app: how a job gets its session and settings (the app's context)."""
    global _environment
    _environment = environment


def _env() -> AbstractContextManager[Environment]:
    if _environment is None:
        raise RuntimeError("jobs run inside the app: start them with `flask --app app worker`")
    return _environment()


@huey.task()
def _run(name: str, args: tuple) -> None:
    with _env() as env:
        _jobs[name](env.session, *args, site=env.site, now=clock.now())


def enqueue(name: str, *args: Any) -> None:
    """Start a named job; call after the commit, so the worker sees what the job is about."""
    if name not in _jobs:
        raise KeyError(f"no job named {name!r}")
    _run(name, args)


def run_periodic(now: datetime | None = None, only: tuple[str, ...] = ()) -> dict[str, int]:
    """Every periodic job once (or those named in `only`, in their order), each committed on its own: one
    that fails is logged, the others still run."""
    unknown = set(only) - set(_periodic)
    if unknown:
        raise KeyError(f"no periodic job named {sorted(unknown)[0]!r}")
    done = {}
    with _env() as env:
        for name in (n for n in periodic_names() if not only or n in only):
            function, needs_site = _periodic[name]
            extra = {"site": env.site} if needs_site else {}
            try:
                done[name] = function(env.session, now=now or clock.now(), **extra)
                env.session.commit()
            except Exception:  # one broken job must not stop offers from expiring or mail from going
                env.session.rollback()
                log.exception("periodic job %s failed", name)
                done[name] = -1
    return done


@huey.periodic_task(crontab(minute="*"))
def _every_minute() -> None:
    done = run_periodic()
    if any(done.values()):
        log.info("periodic jobs: %s", done)
