"""Command-line entry points: `flask --app app ...`. Each command parses, makes one service call, commits."""

from __future__ import annotations

import functools
import hashlib
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from meetups import clock, demo, errors, web
from meetups.accounts import service as accounts
from meetups.checkin import views as scanner_page
from meetups.extensions import db
from meetups.notify import jobs

user_cli = AppGroup("user", help="Manage members.")
token_cli = AppGroup("token", help="Manage personal API tokens.")


def _friendly(command: Callable) -> Callable:
    """Operators get one clear line on stderr and a non-zero exit, never a traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except errors.DomainError as err:
            db.session.rollback()
            raise click.ClickException(err.message) from None
        except SQLAlchemyError as err:
            db.session.rollback()
            reason = str(getattr(err, "orig", None) or err).splitlines()[0]
            raise click.ClickException(
                f"The database refused the change ({reason}). "
                "Is it up to date? Run `flask --app app db upgrade`."
            ) from None

    return wrapper


@user_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The member's display name.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help=f"At least {accounts.PASSWORD_MIN} characters; prompted for when left out (no shell history).",
)
@click.option("--admin", is_flag=True, help="Make the member a site admin.")
@_friendly
def create_user(email: str, name: str, password: str, admin: bool) -> None:
    """Create a member who can log in at once."""
    member = accounts.sign_up(
        db.session, email=email, name=name, password=password, is_admin=admin, now=clock.now(), verify=False
    )
    db.session.commit()
    click.echo(f"Created {'site admin' if admin else 'member'} {member.email} (id {member.id}).")


@user_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_friendly
def import_users(path: Path) -> None:
    """Import members from a CSV file with rows `email,name[,password]`: all rows or none."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise click.ClickException(f"{path} is not UTF-8 text; save it as UTF-8 CSV and try again.") from None
    try:
        members = accounts.import_members(db.session, text, now=clock.now())
    except errors.InvalidInput as err:
        db.session.rollback()
        for problem in err.details.get("rows") or [err.message]:
            click.echo(problem, err=True)
        raise click.ClickException("Nothing was imported.") from None
    db.session.commit()
    click.echo(f"Imported {len(members)} member{'s' if len(members) != 1 else ''}.")


@token_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="A label to tell this token apart, such as 'scanner'.")
@_friendly
def create_token(email: str, name: str) -> None:
    """Print a new personal API token for a member (only the token, so scripts can capture it)."""
    member = accounts.get_member_by_email(db.session, email)
    if member is None:
        raise errors.NotFound(f"Nobody has an account with the email {email}.")
    _token, plain = accounts.create_token(db.session, member, name=name, now=clock.now())
    db.session.commit()
    click.echo(plain)


@click.command("demo")
@with_appcontext
@_friendly
def load_demo() -> None:
    """Fill the database with demo communities, events and members; running it again adds nothing."""
    result = demo.load(db.session, now=clock.now(), secret=web.site().secret_key)
    db.session.commit()
    click.echo(
        f"Demo data ready: {result.created} new records ({'first run' if result.created else 'unchanged'})."
    )
    click.echo("Log in with:")
    for role, email, password in result.logins:
        click.echo(f"  {role:<10} {email:<28} {password}")
    for what, path in result.links:
        click.echo(f"{what}: {web.site().base_url}{path}")


@click.command("build-static")
@click.option("--force-install", is_flag=True, help="Run `npm ci` even when node_modules is current.")
def build_static(force_install: bool) -> None:
    """Bundle the scanner's JavaScript and its QR decoder into static/build (needs Node.js and npm; the
    packages come from the npm registry as package-lock.json pins them). Run it after every install or
    upgrade, before starting the server."""
    root = Path(__file__).resolve().parent.parent
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise click.ClickException(
                f"{tool} is not installed. On Debian or Ubuntu: apt-get install nodejs npm"
            )
    lock = hashlib.sha256((root / "package-lock.json").read_bytes()).hexdigest()[:16]
    stamp = root / "node_modules" / f".installed-{lock}"
    if force_install or not stamp.exists():
        click.echo("Installing the front-end packages (npm ci)")
        _run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], root)
        stamp.touch()
    _run(["node", "scripts/build-static.mjs"], root)
    if missing := scanner_page.missing_build(root / "static"):
        raise click.ClickException(f"the build did not make {', '.join(missing)}")


def _run(command: list[str], cwd: Path) -> None:
    if subprocess.run(command, cwd=cwd, check=False).returncode != 0:
        raise click.ClickException(f"`{' '.join(command)}` failed")


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run side by side.")
def worker(workers: int) -> None:
    """Run background jobs (mail, badge sheets) and the periodic ones (offer expiry, series RSVPs, the outbox)
    every minute, until stopped."""
    click.echo(f"Meetups worker: {type(jobs.huey).__name__}, {workers} workers; Ctrl-C stops it.")
    jobs.huey.create_consumer(workers=workers, periodic=True, worker_type="thread").run()


@click.command("run-periodic")
@with_appcontext  # the jobs then run in this app's context, whichever app configured the registry last
def run_periodic() -> None:
    """Run the periodic jobs once now (for cron, or when no worker runs)."""
    click.echo(", ".join(f"{name}: {n}" for name, n in jobs.run_periodic().items()))


@click.command("send-reminders")
@with_appcontext
def send_reminders() -> None:
    """Queue the reminders due now (24 h and 2 h before events) and send the mail that is due."""
    click.echo(", ".join(f"{name}: {n}" for name, n in jobs.run_periodic(only=("reminders", "mail")).items()))


def register(app: Flask) -> None:
    for command in (user_cli, token_cli, load_demo, build_static, worker, run_periodic, send_reminders):
        app.cli.add_command(command)
