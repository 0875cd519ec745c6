"""Journey 1 of issue 17, on a 360 x 740 phone in Debian's Chromium against a live server: a newcomer opens a
community's link, signs up through the real form, joins, RSVPs with a guest and answers (their party fills the
event), opens the ticket and its QR, downloads the .ics, cancels, and the first member in line is promoted.

tests/browser/test_phone_journey.py already signs up, logs out and in and reads an event's time on the demo
data; here sign-up is only the way in (through ?next= from the community page), and the rest is new."""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from harness.servers import create_schema, fresh_database
from meetups import clock, create_app, web
from meetups.accounts.models import Member
from meetups.events.models import Event
from meetups.extensions import db
from meetups.rsvps import questions
from meetups.rsvps import service as rsvps
from meetups.rsvps.models import Rsvp, RsvpStatus
from tests.browser.conftest import browser, phone  # noqa: F401
from tests.factories import join, make_community, make_member

pytestmark = pytest.mark.browser

ZONE = "America/New_York"  # neither the server's zone nor UTC: DTSTART must carry the venue's clock
TITLE = "Hudson Python Night"
EMAIL = "tamar@example.net"


@pytest.fixture(scope="module")
def live_server():
    """The app in a thread with CSRF on and mail in log mode (app.extensions["meetups_outbox"] keeps what
    went), on a fresh database of the test database's kind (harness.servers); the tests seed their own."""
    with fresh_database() as database_url:
        create_schema(database_url)
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False, "MAIL_URL": ""}
        )
        server = make_server("127.0.0.1", 0, app, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        app.config["BASE_URL"] = url
        web.install_site(app)
        thread = threading.Thread(target=server.serve_forever, name="journey-live-server", daemon=True)
        thread.start()
        yield url, app
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def seed_event(app) -> dict:
    """Through the services: a community, its organiser, and a published event in New York with two seats,
    one guest each, and three questions (a required choice, a text, the built-in dietary one)."""
    now = clock.now()
    day = (now.astimezone(ZoneInfo(ZONE)) + timedelta(days=10)).date()
    with app.app_context():
        session = db.session
        organiser = make_member(session, name="Olga Organiser", email_verified_at=now)
        community = make_community(session, organiser=organiser, name="Hudson Pythonistas")
        event = questions.create_event_with_questions(
            session,
            community=community,
            actor=organiser,
            fields={
                "title": TITLE,
                "description": "Talks, then pizza.",
                "starts_at": f"{day}T19:00",
                "ends_at": f"{day}T21:30",
                "timezone": ZONE,
                "venue_name": "Riverside Hall",
                "venue_address": "1 River St, New York",
                "capacity": 2,
                "max_guests": 1,
            },
            questions=[
                {"kind": "single", "label": "Talk track", "options": ["Web", "Data"], "required": True},
                {"kind": "short_text", "label": "What would you like to learn?"},
                {"builtin": "dietary"},
            ],
            publish=True,
            now=now,
        )
        asked = {q.label: q.id for q in questions.list_questions(session, event)}
        seeded = {
            "slug": community.slug,
            "event_id": event.id,
            "asked": asked,
            "day": day,
            "starts_at": event.starts_at,
        }
        session.commit()
    return seeded


def seed_waitlist(app, event_id: int) -> list[str]:
    """Two members of the community RSVP through the service once the event is full: both wait in line,
    each with a guest, so the seats freed by one party of two promote exactly the first."""
    now = clock.now()
    emails = []
    with app.app_context():
        session = db.session
        community = session.get(Event, event_id).community
        for name in ("Wanda First", "Walt Second"):
            member = make_member(session, name=name, email_verified_at=now)
            join(session, community, member)
            rsvp = rsvps.save_rsvp(
                session,
                event_id=event_id,
                member=member,
                guests=1,
                answers=_answer_all(session, event_id),
                now=now,
            )
            assert rsvp.status is RsvpStatus.waitlisted
            emails.append(member.email)
        session.commit()
    return emails


def _answer_all(session, event_id: int) -> dict:
    required = [q for q in questions.list_questions(session, event_id) if q.is_required]
    return {str(q.id): q.options[0] for q in required}


def statuses(app, event_id: int) -> dict[str, tuple[RsvpStatus, int]]:
    with app.app_context():
        rows = db.session.execute(
            select(Member.email, Rsvp.status, Rsvp.guests).join(Rsvp.member).where(Rsvp.event_id == event_id)
        )
        return {email: (status, guests) for email, status, guests in rows}


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= 360")


def test_a_newcomer_rsvps_on_a_phone_cancels_and_the_next_in_line_is_promoted(live_server, phone, tmp_path):  # noqa: F811
    url, app = live_server
    seeded = seed_event(app)
    event_id, asked, page = seeded["event_id"], seeded["asked"], phone
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    # a shared community link; signing up from it comes back to it
    page.goto(f"{url}/c/{seeded['slug']}")
    assert fits_the_phone(page), "the community page scrolls sideways"
    page.get_by_role("link", name="Log in to join").tap()
    page.wait_for_url(re.compile(r"/login\?next="))
    assert fits_the_phone(page), "the login page scrolls sideways"
    page.get_by_role("main").get_by_role("link", name="Sign up").tap()
    page.wait_for_url(re.compile(r"/signup\?"))
    assert fits_the_phone(page), "the sign-up page scrolls sideways"
    page.get_by_label("Your name").fill("Tamar Kapanadze")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill("a long phone password")
    page.get_by_role("button", name="Create my account").tap()
    page.wait_for_url(f"{url}/c/{seeded['slug']}")
    expect(page.get_by_role("status")).to_contain_text("Welcome, Tamar Kapanadze!")

    page.get_by_role("button", name="Join", exact=True).tap()
    expect(page.get_by_role("status")).to_have_text("Welcome to Hudson Pythonistas!")
    expect(page.get_by_text("You are a member")).to_be_visible()
    assert fits_the_phone(page), "the joined community page scrolls sideways"

    page.get_by_role("link", name=TITLE).tap()
    page.wait_for_url(f"{url}/e/{event_id}")
    assert fits_the_phone(page), "the event page scrolls sideways"
    expect(page.locator("#rsvp .seats")).to_contain_text("0 of 2 seats taken")
    page.get_by_label("Guests you bring").select_option("1")
    page.get_by_role("radio", name="Data").tap()
    page.get_by_label("What would you like to learn?").fill("Packaging, for once")
    page.get_by_label("Dietary requirements").fill("Vegetarian")
    page.get_by_role("button", name="Going", exact=True).tap()

    expect(page.get_by_role("status")).to_have_text("You're going! Your ticket is ready.")
    expect(page.locator("#rsvp .status-line")).to_contain_text("with 1 guest")
    expect(page.locator("#rsvp .seats")).to_contain_text("2 of 2 seats taken")
    assert fits_the_phone(page), "the event page with an RSVP scrolls sideways"
    with app.app_context():
        mine = db.session.scalar(select(Rsvp).join(Rsvp.member).where(Member.email == EMAIL))
        assert (mine.status, mine.guests) == (RsvpStatus.going, 1)
        assert mine.answers == {
            str(asked["Talk track"]): "Data",
            str(asked["What would you like to learn?"]): "Packaging, for once",
            str(asked["Dietary requirements"]): "Vegetarian",
        }
        ticket_url = f"{url}/t/{mine.ticket_code}"
    first, second = seed_waitlist(app, event_id)

    page.get_by_role("link", name="Show my ticket").tap()
    page.wait_for_url(ticket_url)
    assert fits_the_phone(page), "the ticket page scrolls sideways"
    expect(page.locator(".ticket")).to_contain_text("Tamar Kapanadze")
    expect(page.locator(".ticket")).to_contain_text("+1 guest")
    qr = page.locator(".ticket .qr svg")
    expect(qr).to_be_visible()
    qr.screenshot(path=str(tmp_path / "qr.png"))
    found = zxingcpp.read_barcodes(Image.open(tmp_path / "qr.png"))
    assert [code.text for code in found] == [ticket_url]

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Add to calendar", exact=True).tap()
    download = downloading.value
    assert download.suggested_filename == f"event-{event_id}.ics"
    (entry,) = icalendar.Calendar.from_ical(download.path().read_bytes()).walk("VEVENT")
    assert str(entry["SUMMARY"]) == TITLE
    assert entry["DTSTART"].params["TZID"] == ZONE
    starts = entry.decoded("DTSTART")  # the venue's wall clock, in its zone, at the event's instant
    assert (starts.tzinfo.key, starts.date(), starts.strftime("%H:%M")) == (ZONE, seeded["day"], "19:00")
    assert starts == seeded["starts_at"]
    assert str(entry["URL"]) == f"{url}/e/{event_id}"

    page.get_by_role("link", name="Event page").tap()
    page.wait_for_url(f"{url}/e/{event_id}")
    expect(page.locator("#rsvp .seats")).to_contain_text("2 waiting")
    mail_before = len(app.extensions["meetups_outbox"])
    page.get_by_role("button", name="Cancel my RSVP").tap()
    expect(page.get_by_role("status")).to_have_text("Your RSVP is cancelled. Thanks for freeing your seat.")
    expect(page.locator("#rsvp .seats")).to_contain_text("2 of 2 seats taken · 1 waiting")
    expect(
        page.get_by_role("button", name="Join waitlist")
    ).to_be_visible()  # full again: Wanda took the seats
    assert fits_the_phone(page), "the event page after cancelling scrolls sideways"

    assert statuses(app, event_id) == {
        EMAIL: (RsvpStatus.cancelled, 1),
        first: (RsvpStatus.going, 1),
        second: (RsvpStatus.waitlisted, 1),
    }
    mail = app.extensions["meetups_outbox"][mail_before:]  # log mode: delivered right after the request
    promoted = [m for m in mail if m.subject == f"You're in: {TITLE}"]
    assert [m.to for m in promoted] == [first]
    assert "A seat opened up and it is yours" in promoted[0].body
    assert second not in {m.to for m in mail if m.subject.startswith("You're in")}
    page.screenshot(path=str(tmp_path / "event-after-cancel-360.png"), full_page=True)
    print(f"screenshots in {tmp_path}")
    assert errors == []
