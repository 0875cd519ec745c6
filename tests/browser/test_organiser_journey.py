"""An organiser on a laptop, in Debian's Chromium against a live server: create and publish an event that
asks for approval, approve the two requests on the dashboard, download the badge PDF and read its QR codes
as a door scanner would, close the event once it has started, and read the survey's results."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from harness.servers import create_schema, fresh_database
from meetups import clock, create_app, web
from meetups.accounts.models import Member
from meetups.checkin import service as checkin
from meetups.checkin.door import Scanner
from meetups.communities.models import CommunityRole
from meetups.events.models import Event, RsvpMode
from meetups.extensions import db
from meetups.rsvps import service as rsvps
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.rsvps.tickets import ticket_url
from meetups.surveys import service as surveys
from tests.badges.conftest import decode_pages, require_tools
from tests.browser.conftest import browser  # noqa: F401
from tests.factories import PASSWORD, join, make_community, make_member

pytestmark = pytest.mark.browser

TITLE = "Rust Berlin: Async in Practice"
ZONE = "Europe/Berlin"


@pytest.fixture(scope="module")
def live_server():
    """The app in a thread with CSRF on, as tests/browser serves it, on a fresh database of the test
    database's kind (harness.servers); the test seeds its own people."""
    with fresh_database() as database_url:
        create_schema(database_url)
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False, "MAIL_URL": ""}
        )
        server = make_server("127.0.0.1", 0, app, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        app.config["BASE_URL"] = url
        web.install_site(app)
        thread = threading.Thread(target=server.serve_forever, name="organiser-live-server", daemon=True)
        thread.start()
        yield url, app
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def laptop(browser):  # noqa: F811
    """A 1280 x 800 laptop screen that accepts downloads."""
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="en-GB", accept_downloads=True
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def seed_people(app) -> dict:
    """Written straight into the server's database: a community, its organiser and two members."""
    now = clock.now()
    with app.app_context():
        session = db.session
        community = make_community(session, name="Rust Berlin")
        organiser = make_member(session, name="Olga Organiser", email_verified_at=now)
        join(session, community, organiser, CommunityRole.organiser)
        members = [
            join(session, community, make_member(session, name=name, email_verified_at=now)).member
            for name in ("Ada Lovelace", "Grace Hopper")
        ]
        seeded = {
            "slug": community.slug,
            "organiser": organiser.email,
            "members": [(m.id, m.name) for m in members],
        }
        session.commit()
    return seeded


def request_seats(app, event_id: int, member_ids: list[int]) -> None:
    """The two members ask for a seat, as the event page's RSVP button would."""
    with app.app_context():
        for member_id in member_ids:
            member = db.session.get(Member, member_id)
            rsvp = rsvps.save_rsvp(db.session, event_id=event_id, member=member, now=clock.now())
            assert rsvp.status is RsvpStatus.pending
        db.session.commit()


def tickets(app, event_id: int) -> dict[str, str]:
    """Who is going, by name: the ticket URL their QR code holds."""
    with app.app_context():
        rows = db.session.execute(
            select(Member.name, Rsvp.ticket_code)
            .join(Rsvp.member)
            .where(Rsvp.event_id == event_id, Rsvp.status == RsvpStatus.going)
        ).all()
        return {name: ticket_url(web.site(), code) for name, code in rows}


def check_in(app, event_id: int, organiser_email: str, url: str) -> None:
    with app.app_context():
        organiser = db.session.scalar(select(Member).where(Member.email == organiser_email))
        outcome = checkin.check_in(
            db.session, event_id=event_id, scanner=Scanner(member=organiser), text=url, now=clock.now()
        )
        assert outcome.result.value == "ok", outcome.result
        db.session.commit()


def answer_survey(app, event_id: int, member_id: int) -> None:
    with app.app_context():
        survey = surveys.find_survey(db.session, event_id)
        ids = {q.kind.value: str(q.id) for q in survey.questions}
        surveys.submit_response(
            db.session,
            event_id=event_id,
            member=db.session.get(Member, member_id),
            answers={ids["rating"]: 5, ids["nps"]: 10, ids["long_text"]: "More time for questions"},
            secret=web.site().secret_key,
            now=clock.now(),
        )
        db.session.commit()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_organiser_runs_an_event_from_creation_to_survey_results(live_server, laptop, monkeypatch):
    require_tools()
    url, app = live_server
    page, seeded = laptop, seed_people(app)
    (ada_id, ada), (grace_id, grace) = seeded["members"]
    console_errors: list[str] = []
    page.on("pageerror", lambda error: console_errors.append(str(error)))

    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(seeded["organiser"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()

    # Create it through the real form: tomorrow evening at the venue, ten seats, approval only; publish.
    page.goto(f"{url}/c/{seeded['slug']}")
    page.get_by_role("link", name="New event").click()
    page.wait_for_url(re.compile(r"/events/new$"))
    starts = (datetime.now(ZoneInfo(ZONE)) + timedelta(days=1)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Description").fill("Two talks on **async** Rust, then pizza.")
    page.get_by_label("Starts").fill(starts.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Ends").fill((starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Time zone", exact=True).select_option(ZONE)
    page.get_by_label("Venue").fill("c-base")
    page.get_by_label("Capacity").fill("10")
    page.get_by_label("Who gets a seat").select_option(RsvpMode.approval.value)
    assert fits_the_screen(page), "the event form scrolls sideways"
    page.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(r"/e/\d+$"))
    expect(page.get_by_text("Published. Everyone can see it now.")).to_be_visible()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    event_id = int(page.url.rsplit("/", 1)[1])
    with app.app_context():
        event = db.session.get(Event, event_id)
        assert (event.rsvp_mode, event.capacity, event.is_published) == (RsvpMode.approval, 10, True)
        assert event.starts_at == starts.astimezone(UTC)

    # Two members ask; the organiser approves both from the dashboard.
    request_seats(app, event_id, [ada_id, grace_id])
    page.get_by_role("link", name="Manage", exact=True).click()
    page.wait_for_url(re.compile(rf"/e/{event_id}/manage$"))
    attendees = page.locator("#attendees")
    expect(attendees.get_by_text("Pending: 2")).to_be_visible()
    attendees.get_by_role("link", name="Approve requests").click()
    for name in (ada, grace):
        page.get_by_role("row").filter(has_text=name).get_by_role("button", name="Approve").click()
        page.wait_for_load_state()
    page.goto(f"{url}/e/{event_id}/manage")
    expect(attendees.get_by_text("Going: 2 (2 seats)")).to_be_visible()
    expect(attendees.get_by_text("Pending: 0")).to_be_visible()

    # The survey, enabled with one press (the editor opens to show its questions): it waits for the close.
    survey_card = page.locator("#survey")
    survey_card.get_by_role("button", name="Enable the survey").click()
    page.wait_for_url(re.compile(rf"/e/{event_id}/survey/edit$"))
    page.goto(f"{url}/e/{event_id}/manage")
    expect(survey_card.get_by_text("Opens when the event is closed")).to_be_visible()

    # Print badges: the PDF downloads, and every QR code on it opens an approved member's ticket.
    page.locator("#badges").get_by_role("link", name="Print badges").click()
    page.wait_for_url(re.compile(rf"/e/{event_id}/badges"))
    preview = page.get_by_role("img", name="Preview of the first sheet of badges")
    expect(preview).to_be_visible()  # the organiser looks at the first sheet before downloading
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=preview.element_handle())
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    going = tickets(app, event_id)
    assert sorted(going) == sorted([ada, grace])
    assert [url for codes in decode_pages(pdf) for url in codes] == sorted(going.values())

    # The evening comes: half an hour in, Ada is scanned at the door, Grace never comes.
    started = starts.astimezone(UTC) + timedelta(minutes=30)
    offset = started - datetime.now(UTC)
    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: real_now() + offset)
    check_in(app, event_id, seeded["organiser"], going[ada])

    # The organiser closes it from the dashboard: the attendance is final, and the survey opens.
    page.goto(f"{url}/e/{event_id}/manage")
    page.locator("#attendance").get_by_role("button", name="Close event").click()
    page.wait_for_url(re.compile(rf"/e/{event_id}/attendance$"))
    expect(page.get_by_role("status")).to_have_text("The event is closed; its attendance is final.")
    expect(page.get_by_text(re.compile(r"Came: 1\s+Did not come: 1"))).to_be_visible()
    page.goto(f"{url}/e/{event_id}/manage")
    expect(survey_card.get_by_text(re.compile(r"^Open until"))).to_be_visible()
    with app.app_context():
        assert db.session.get(Event, event_id).is_closed

    # Ada answers; the results page counts her answer.
    answer_survey(app, event_id, ada_id)
    page.reload()
    expect(survey_card.get_by_text("1 answer", exact=True)).to_be_visible()
    survey_card.get_by_role("link", name="Results").click()
    page.wait_for_url(re.compile(rf"/e/{event_id}/survey/results$"))
    expect(page.get_by_role("heading", name="Survey results")).to_be_visible()
    summary = page.locator(".big-number").first
    expect(summary).to_contain_text("1 answer")
    expect(summary).to_contain_text("of 1 who came (100 %)")
    expect(page.get_by_text("Average 5.0 of 5")).to_be_visible()
    expect(page.get_by_text("NPS +100")).to_be_visible()
    expect(page.get_by_text("More time for questions")).to_be_visible()
    assert fits_the_screen(page), "the results page scrolls sideways"
    assert console_errors == []
