"""Background jobs on Huey: SQLite-backed in instance/ by default, Redis when MEETUPS_REDIS_URL is set.
`flask --app app worker` runs the consumer with the periodic tasks."""

from __future__ import annotations

import logging
import os

import click
from flask import Flask, current_app
from huey import RedisHuey, SqliteHuey, crontab

from meetups import clock
from meetups.config import INSTANCE_DIR
from meetups.extensions import db

log = logging.getLogger("meetups.jobs")


def _make_huey():
    if url := os.environ.get("MEETUPS_REDIS_URL"):
        return RedisHuey("meetups", url=url)
    INSTANCE_DIR.mkdir(exist_ok=True)
    return SqliteHuey("meetups", filename=str(INSTANCE_DIR / "jobs.db"))


huey = _make_huey()
_app: Flask | None = None


def run_periodic() -> dict[str, int]:
    """Once a minute: pass on expired offers, and RSVP "always going" members to newly opened occurrences."""
    from meetups.rsvps import series as series_rsvps
    from meetups.rsvps import service as rsvps

    now = clock.now()
    done = {
        "events_settled": rsvps.expire_all_offers(db.session, now=now),
        "series_rsvps": series_rsvps.apply_subscriptions(db.session, now=now),
    }
    db.session.commit()
    return done


@huey.periodic_task(crontab(minute="*"))
def periodic() -> None:
    if _app is None:
        raise RuntimeError("the worker was not started through `flask --app app worker`")
    with _app.app_context():
        done = run_periodic()
    if any(done.values()):
        log.info("periodic jobs: %s", done)


def register(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--workers", default=2, show_default=True, help="Jobs run side by side.")
    def worker(workers: int) -> None:
        """Run background jobs (offer expiry, series RSVPs, mail) until stopped."""
        global _app
        _app = current_app._get_current_object()
        click.echo(f"Meetups worker: {type(huey).__name__}, {workers} workers; Ctrl-C stops it.")
        huey.create_consumer(workers=workers, periodic=True, worker_type="thread").run()

    @app.cli.command("run-periodic")
    def run_periodic_once() -> None:
        """Run the periodic jobs once now (for cron, or when no worker runs)."""
        click.echo(", ".join(f"{k}: {v}" for k, v in run_periodic().items()))
