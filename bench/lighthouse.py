"""Lighthouse (mobile) on the pages people meet first: /, an event, a ticket and the door scanner.

    .venv/bin/python bench/lighthouse.py [--database sqlite|postgresql] [--out DIR] [--runs 1]

Starts gunicorn on 127.0.0.1 with a fresh database holding the demo data, then runs Lighthouse 12 from the
npm registry (`npx --yes lighthouse@12`: not in package.json, fetched into npm's cache on first use) with
Debian's Chromium (CHROME_PATH=/usr/bin/chromium), mobile form factor and its default slow-4G throttling.
Prints the performance and accessibility scores of each page, and the audits that cost points; the JSON
reports are kept in DIR. Goal (issue 17): performance >= 95 and accessibility 100 on every page.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from harness.servers import create_schema, fresh_database, gunicorn  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
LIGHTHOUSE = ["npx", "--yes", "lighthouse@12"]
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --no-first-run --disable-background-networking"
GOALS = {"performance": 95, "accessibility": 100}


def load_demo(database_url: str) -> dict:
    """The demo data; returns the pages to measure and who must be logged in for each."""
    from sqlalchemy import select

    from meetups import clock, create_app, demo, web
    from meetups.extensions import db
    from meetups.rsvps.models import Rsvp, RsvpStatus

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "MAIL_URL": "", "RATELIMIT_ENABLED": False})
    with app.app_context():
        result = demo.load(db.session, now=clock.now(), secret=web.site().secret_key)
        db.session.commit()
        event = result.events[0]  # the next event; the demo volunteer works its door
        code = db.session.scalar(
            select(Rsvp.ticket_code)
            .where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.going, Rsvp.ticket_code.is_not(None))
            .limit(1)
        )
        event_id = event.id
        db.engine.dispose()
    return {
        "home": ("/", None),
        "event": (f"/e/{event_id}", None),
        "ticket": (f"/t/{code}", None),
        "scanner": (f"/e/{event_id}/checkin", "volunteer"),
    }


def session_cookie(url: str, role: str) -> str:
    """The Cookie header of a browser logged in as the demo's `role`."""
    from meetups.demo import LOGINS

    email, password = next((e, p) for r, e, p, _n in LOGINS if r == role)
    browser = requests.Session()
    form = browser.get(f"{url}/login", timeout=10)
    browser.post(
        f"{url}/login",
        data={"email": email, "password": password, "csrf_token": _csrf_token(form.text)},
        timeout=10,
        allow_redirects=False,
    ).raise_for_status()
    return "; ".join(f"{name}={value}" for name, value in browser.cookies.items())


def _csrf_token(page: str) -> str:
    return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)


def lighthouse(page_url: str, report: Path, cookie: str | None) -> dict:
    command = [
        *LIGHTHOUSE,
        page_url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        "--form-factor=mobile",
        "--only-categories=performance,accessibility",
        f"--chrome-flags={CHROME_FLAGS}",
    ]
    if cookie:
        command.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    subprocess.run(command, check=True, env=env, timeout=300, cwd=tempfile.gettempdir())
    return json.loads(report.read_text())


def losses(result: dict, category: str) -> list[str]:
    """The audits of a category that did not score full marks, worst first."""
    audits = result["audits"]
    found = []
    for ref in result["categories"][category]["auditRefs"]:
        audit = audits[ref["id"]]
        if ref.get("weight", 0) and audit.get("score") is not None and audit["score"] < 1:
            shown = audit.get("displayValue", "")
            found.append(
                (audit["score"], f"{ref['id']} ({audit['score']:.2f}{', ' + shown if shown else ''})")
            )
    return [text for _score, text in sorted(found)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "lighthouse")
    parser.add_argument("--runs", type=int, default=1, help="runs per page; the median score is shown")
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    base = (
        os.environ.get("MEETUPS_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
        if args.database == "postgresql"
        else "sqlite://"
    )
    missed = 0
    with fresh_database(base) as database_url:
        create_schema(database_url)
        pages = load_demo(database_url)
        with gunicorn(database_url, workers=2, threads=4) as url:
            print(f"Lighthouse {' '.join(LIGHTHOUSE[2:])}, mobile, on {url} ({args.database})")
            print(f"{'page':<10} {'path':<34} {'performance':>11} {'accessibility':>13}")
            for name, (path, role) in pages.items():
                cookie = session_cookie(url, role) if role else None
                scores: dict[str, list[int]] = {category: [] for category in GOALS}
                for run in range(args.runs):
                    result = lighthouse(f"{url}{path}", args.out / f"{name}-{run}.json", cookie)
                    for category in GOALS:
                        scores[category].append(round(result["categories"][category]["score"] * 100))
                median = {category: sorted(values)[len(values) // 2] for category, values in scores.items()}
                print(f"{name:<10} {path[:34]:<34} {median['performance']:>11} {median['accessibility']:>13}")
                for category, goal in GOALS.items():
                    if median[category] < goal:
                        missed += 1
                        print(f"    {category} below {goal}: " + "; ".join(losses(result, category)[:6]))
    print(f"reports in {args.out}; " + ("every goal met" if not missed else f"{missed} goal(s) missed"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
