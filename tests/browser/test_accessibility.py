"""axe-core (node_modules/axe-core, from the npm registry) on every main page, in English and Russian, on a
360 x 740 phone and a 1280 x 800 laptop: no WCAG 2.0/2.1/2.2 A or AA violation anywhere.

The pages are the demo's (meetups.demo.load on a fresh database of the test database's kind), seen by a
stranger, by the demo member (an RSVP, a ticket, a survey to answer), by the organiser (the manage page,
the scanner, the survey results, the event form) and by the admin (the outbox); on the phone in the dark
colour scheme too, as the system may ask for either."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from harness.servers import create_schema, fresh_database
from meetups import clock, create_app, demo, web
from meetups.events.models import Event
from meetups.extensions import db
from meetups.programme.models import ProgrammeSession
from meetups.rsvps.models import Rsvp
from meetups.surveys.models import Survey
from tests.browser.conftest import browser  # noqa: F401

pytestmark = pytest.mark.browser

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
LANGUAGES = {"en": "en-GB,en;q=0.9", "ru": "ru-RU,ru;q=0.9"}
SCREENS = {"phone": (360, 740), "desktop": (1280, 800)}
REFUSED_LOGIN = "/login (a wrong password)"
#: the organisers' and admins' tools beyond the main pages: checked on the phone only, to keep the test fast
PHONE_ONLY = {"event form", "attendees", "door links", "outbox"}
#: what the dark scheme can change (colours only): checked on the phone, as contrast is the same on a laptop
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
RUN_AXE = """async (only) => {
    const found = await axe.run(document, {runOnly: only, resultTypes: ["violations"]});
    return found.violations.map(v => ({
        id: v.id, impact: v.impact, help: v.help,
        targets: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
        summary: v.nodes.length ? v.nodes[0].failureSummary : "",
    }));
}"""


@pytest.fixture(scope="module")
def live_server():
    """The app in a thread with CSRF on, as tests/browser serves it, on a fresh database of the test
    database's kind with the demo data loaded."""
    with fresh_database() as database_url:
        create_schema(database_url)
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False, "MAIL_URL": ""}
        )
        with app.app_context():
            demo.load(db.session, now=clock.now(), secret=web.site().secret_key)
            db.session.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        app.config["BASE_URL"] = url
        web.install_site(app)
        thread = threading.Thread(target=server.serve_forever, name="axe-live-server", daemon=True)
        thread.start()
        yield url, app
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def demo_pages(app) -> dict[str, list[tuple[str, str]]]:
    """(what, path) for each main page, by who opens it: a stranger, the demo member, the organiser."""
    with app.app_context():
        session = db.session
        next_event = session.scalar(select(Event).where(Event.title == "Python Pizza Night: Lightning Talks"))
        member = next(m for role, m in _people(session) if role == "member")
        ticket = session.scalar(
            select(Rsvp.ticket_code).where(Rsvp.event_id == next_event.id, Rsvp.member_id == member.id)
        )
        conference = session.scalar(select(Event).where(Event.title == demo.CONFERENCE_TITLE))
        talk = session.scalar(
            select(ProgrammeSession.id)
            .where(ProgrammeSession.event_id == conference.id)
            .order_by(ProgrammeSession.id)
            .limit(1)
        )
        surveyed = session.scalar(
            select(Event.id)
            .join(Survey, Survey.event_id == Event.id)
            .order_by(Event.starts_at.desc())
            .limit(1)
        )
        community = next_event.community.slug
        event = next_event.id
    assert ticket and talk and surveyed, "the demo data lacks a ticket, a session or a survey"
    return {
        "stranger": [
            ("home", "/"),
            ("community", f"/c/{community}"),
            ("event", f"/e/{event}"),
            ("agenda", f"/e/{conference.id}/agenda"),
            ("session", f"/e/{conference.id}/sessions/{talk}"),
            ("login", "/login"),
            ("signup", "/signup"),
            ("not found", "/no-such-page"),
            ("a refused login", REFUSED_LOGIN),
        ],
        "member": [
            ("event with an RSVP", f"/e/{event}"),
            ("ticket", f"/t/{ticket}"),
            ("profile", f"/members/{member.id}"),
            ("me", "/me"),
            ("mail settings", "/me/mail"),
            ("survey", f"/e/{surveyed}/survey"),
        ],
        "organiser": [
            ("manage", f"/e/{event}/manage"),
            ("scanner", f"/e/{event}/checkin"),
            ("survey results", f"/e/{surveyed}/survey/results"),
            ("event form", f"/e/{event}/edit"),
            ("attendees", f"/e/{event}/attendees"),
            ("door links", f"/e/{event}/door-links"),
        ],
        "admin": [("outbox", "/admin/outbox")],
    }


def _people(session):
    from meetups.accounts import service as accounts

    return [(role, accounts.get_member_by_email(session, email)) for role, email, *_ in demo.LOGINS]


def log_in(page, url: str, email: str, password: str) -> None:
    page.goto(f"{url}/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")
    assert page.locator("form[action$='/logout']").count(), f"{email} is not logged in"


def log_out(page) -> None:
    with page.expect_navigation():
        page.locator("form[action$='/logout'] button").first.click()


def axe_violations(page, *, dark: bool) -> list[tuple[str, dict]]:
    """Every WCAG A/AA rule in the light scheme, then (if asked) the colour rules again in the dark one."""
    page.add_script_tag(path=str(AXE))
    page.emulate_media(color_scheme="light")
    found = [("light", v) for v in page.evaluate(RUN_AXE, {"type": "tag", "values": WCAG})]
    if dark:
        page.emulate_media(color_scheme="dark")
        found += [("dark", v) for v in page.evaluate(RUN_AXE, {"type": "rule", "values": COLOUR_RULES})]
    return found


def refuse_a_login(page, url: str) -> None:
    """The login form after a wrong password: its errors are on the page."""
    page.goto(f"{url}/login")
    page.locator("input[name=email]").fill("nobody@example.org")
    page.locator("input[name=password]").fill("not the password")
    with page.expect_navigation():
        page.locator("input[name=password]").press("Enter")


def test_every_main_page_has_no_wcag_violations(live_server, browser):  # noqa: F811
    assert AXE.is_file(), f"{AXE} is missing: run scripts/test (npm ci installs axe-core)"
    url, app = live_server
    pages = demo_pages(app)
    passwords = {email: (email, password) for _role, email, password, _name in demo.LOGINS}
    logins = {role: passwords[email] for role, email, _password, _name in demo.LOGINS}
    found: list[str] = []
    for language, accept in LANGUAGES.items():
        for screen, (width, height) in SCREENS.items():
            phone = screen == "phone"
            context = browser.new_context(
                viewport={"width": width, "height": height},
                device_scale_factor=2 if phone else 1,
                is_mobile=phone,
                has_touch=phone,
                locale=accept.split(",")[0],
                extra_http_headers={"Accept-Language": accept},
            )
            context.set_default_timeout(10_000)
            page = context.new_page()
            try:
                for who, everywhere in pages.items():
                    visits = [(what, path) for what, path in everywhere if phone or what not in PHONE_ONLY]
                    if not visits:
                        continue
                    if who != "stranger":
                        log_in(page, url, *logins[who])
                    for what, path in visits:
                        if path == REFUSED_LOGIN:
                            refuse_a_login(page, url)
                        else:
                            page.goto(f"{url}{path}")
                        assert page.evaluate("document.documentElement.lang") == language, (
                            f"{path} is not in {language}"
                        )
                        for scheme, v in axe_violations(page, dark=phone):
                            found.append(
                                f"[{language} {screen} {scheme} {who}] {what} {path}: {v['id']} "
                                f"({v['impact']}) {v['help']}\n    targets: {v['targets']}"
                                f"\n    {v['summary']}"
                            )
                    if who != "stranger":
                        log_out(page)
            finally:
                context.close()
    assert not found, f"{len(found)} axe violations:\n" + "\n".join(found)
