"""The scanner at a conference's room doors, in Debian's Chromium: the volunteer picks the room (kept on the
phone across a reload), scans count for the session on there, the answer names the session and the room's
count; offline a room says it needs the network, while the entrance keeps deciding on the phone. Without
rooms the page has no picker (the page test below; tests/checkin/test_scanner_browser.py drives that page)."""

import json
import re
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from meetups import clock
from meetups.checkin import door as door_links
from meetups.checkin.models import CheckIn
from meetups.events.models import StaffRole
from meetups.extensions import db
from meetups.programme import places
from meetups.programme import service as programme
from meetups.programme.models import Registration, RegistrationStatus, SessionCheckIn
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.rsvps.tickets import new_code
from tests.checkin.conftest import Door, Ticket, log_in, open_scanner
from tests.factories import make_event, make_member, make_staff


def scan(page, text):
    return page.evaluate("(text) => window.meetupsScanner.handleDecoded(text)", text)


def make_conference(app, base_url: str) -> tuple[Door, dict]:
    """A conference on now: a workshop with 2 seats in Room B (Sid holds one), a talk in the Main hall."""
    now = clock.now().replace(microsecond=0)
    with app.app_context():
        session = db.session
        event = make_event(
            session,
            starts_at=now - timedelta(minutes=30),
            ends_at=now + timedelta(hours=6),
            capacity=200,
            max_guests=0,
            title="Room conf",
        )
        organiser = make_member(session, name="Olga Rooms", email_verified_at=now)
        make_staff(session, event, organiser, StaffRole.organiser)
        _link, token = door_links.create_door_link(
            session, event_id=event.id, actor=organiser, label="Room doors", now=now
        )
        save = {"session": session, "event": event, "actor": organiser}
        main = places.save_room(**save, values={"name": "Main hall", "capacity": 300, "position": 0})
        small = places.save_room(**save, values={"name": "Room B", "capacity": 40, "position": 1})
        iso = lambda moment: moment.isoformat()  # noqa: E731
        common = {"starts_at": iso(now - timedelta(minutes=10)), "ends_at": iso(now + timedelta(minutes=50))}
        workshop = programme.create_session(
            **save,
            now=now,
            values={
                "title": "Hands-on testing",
                "kind": "workshop",
                "capacity": 2,
                "room_id": small.id,
                **common,
            },
        )
        programme.create_session(
            **save, now=now, values={"title": "Fast pages", "room_id": main.id, **common}
        )
        tickets, members = [], []
        for name in ("Sid Seated", "Walt Walkin", "Eve Entrance"):
            member = make_member(session, name=name, email_verified_at=now)
            rsvp = Rsvp(
                event=event,
                member=member,
                status=RsvpStatus.going,
                guests=0,
                ticket_code=new_code(),
                created_at=now,
                updated_at=now,
            )
            session.add(rsvp)
            session.flush()
            members.append(member)
            tickets.append(Ticket(rsvp.ticket_code, name, rsvp.id, f"{base_url}/t/{rsvp.ticket_code}"))
        session.add(
            Registration(
                session_id=workshop.id,
                member_id=members[0].id,
                status=RegistrationStatus.going,
                created_at=now,
                updated_at=now,
            )
        )
        ids = {"workshop": workshop.id, "main": main.id, "small": small.id}
        door = Door(base_url, event.id, organiser.email, organiser.name, token, tickets)
        session.commit()
    return door, ids


def counts(app, door, session_id):
    with app.app_context():
        in_room = db.session.scalar(
            select(func.count()).select_from(SessionCheckIn).where(SessionCheckIn.session_id == session_id)
        )
        at_entrance = db.session.scalar(
            select(func.count()).select_from(CheckIn).where(CheckIn.event_id == door.event_id)
        )
        return in_room, at_entrance


@pytest.mark.browser
@pytest.mark.usefixtures("built")
def test_pick_a_room_scan_into_its_session_and_keep_the_entrance_offline(
    live_server, browser, scanner_context, screenshots
):
    url, app = live_server
    door, ids = make_conference(app, url)
    sid, walt, eve = door.tickets
    context = scanner_context()
    page = context.new_page()
    log_in(page, url, door.organiser_email)
    open_scanner(page, door)
    picker = page.get_by_role("group", name="Where are you scanning?")
    expect(picker).to_be_visible()
    expect(picker.get_by_label("Entrance")).to_be_checked()
    expect(page.locator("#room-now")).to_be_hidden()

    picker.get_by_label("Room B").check()
    card = page.locator("#room-now")
    expect(card).to_be_visible()
    expect(page.locator("#room-now-title")).to_have_text("Room B")
    expect(page.locator("#room-session")).to_contain_text("Hands-on testing")
    expect(page.locator("#room-of")).to_have_text("/ 2 checked in")
    expect(page.locator("#room-registered")).to_have_text("1 registered for its seats")
    page.screenshot(path=str(screenshots / "room-picker-360.png"), full_page=True)

    answer, title = page.locator("#answer"), page.locator("#answer-title")
    first = scan(page, sid.url)
    assert first["result"] == "ok" and first["session"]["title"] == "Hands-on testing"
    expect(answer).to_have_class(re.compile(r"\banswer-good\b"))
    expect(title).to_have_text("Welcome, Sid Seated")
    expect(page.locator("#answer-detail")).to_have_text("Hands-on testing")
    expect(page.locator("#answer-note")).to_have_text("1 / 2 in Room B")
    expect(page.locator("#answer-undo")).to_be_hidden()  # a room scan has no undo
    page.screenshot(path=str(screenshots / "room-green-360.png"))
    assert counts(app, door, ids["workshop"]) == (1, 0)  # the entrance never heard of it

    refused = scan(page, walt.url)
    assert refused["result"] == "not_registered"
    expect(answer).to_have_class(re.compile(r"\banswer-bad\b"))
    expect(title).to_have_text("No seat at this workshop")
    expect(page.locator("#answer-detail")).to_have_text("Walt Walkin")
    page.wait_for_timeout(3100)  # past the camera's repeat guard
    again = scan(page, sid.url)
    assert again["result"] == "already_checked_in"
    expect(title).to_have_text(re.compile(r"^Already in at \d\d:\d\d$"))
    expect(page.locator("#room-in")).to_have_text("1")

    # The name search admits into the room too
    page.locator("#answer").click()
    page.locator("#search").fill("eve")
    page.get_by_role("button", name="Check in").click()
    expect(title).to_have_text("No seat at this workshop")

    # The pick stays on this phone
    page.reload()
    page.wait_for_function("document.body.classList.contains('scanner-ready')")
    expect(picker.get_by_label("Room B")).to_be_checked()
    expect(page.locator("#room-now-title")).to_have_text("Room B")

    # Offline: the room says it needs the network; the entrance goes on deciding here
    context.set_offline(True)
    banner = page.locator("#scanner-banner")
    expect(banner).to_have_text(
        "Offline — room scanning needs a connection. The entrance keeps working offline."
    )
    offline = scan(page, eve.url)
    assert offline["result"] == "room_offline"
    expect(title).to_have_text("Room scanning needs a connection")
    page.screenshot(path=str(screenshots / "room-offline-360.png"))
    page.locator("#answer").click()
    picker.get_by_label("Entrance").check()
    expect(banner).to_have_text("Offline — answers come from this phone's list.")
    at_door = scan(page, eve.url)
    assert at_door["result"] == "ok" and at_door["local"] is True
    expect(title).to_have_text("Welcome, Eve Entrance")
    context.set_offline(False)
    page.evaluate("window.meetupsScanner.sync()")
    assert counts(app, door, ids["workshop"]) == (1, 1)

    # The Main hall from a laptop-sized screen: its talk, no seats
    wide = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    wide.set_default_timeout(15_000)
    laptop = wide.new_page()
    open_scanner(laptop, door, door_link=True)
    laptop.get_by_role("group", name="Where are you scanning?").get_by_label("Main hall").check()
    expect(laptop.locator("#room-session")).to_contain_text("Fast pages")
    expect(laptop.locator("#room-of")).to_have_text("/ 300 checked in")
    assert scan(laptop, sid.code)["result"] == "ok"
    expect(laptop.locator("#answer-note")).to_have_text("1 / 300 in Main hall")
    laptop.locator("#answer").click()
    expect(laptop.locator("#room-in")).to_have_text("1")
    laptop.screenshot(path=str(screenshots / "room-picker-1280.png"), full_page=True)
    wide.close()
    print(f"screenshots in {screenshots}")


# The page itself, without a browser


def test_the_page_offers_rooms_only_when_the_event_has_them(client, session, login, now):
    event = make_event(session, starts_at=now + timedelta(hours=1), title="Plain night")
    organiser = login(make_staff(session, event, make_member(session), StaffRole.organiser).member)
    plain = client.get(f"/e/{event.id}/checkin").text
    assert 'id="room-picker"' not in plain and 'id="room-now"' not in plain
    config = json.loads(re.search(r'id="scanner-config">(.*?)</script>', plain, re.S).group(1))
    assert config["rooms"] == []
    hall = places.save_room(session, event=event, actor=organiser, values={"name": "Hall <A>"})
    page = client.get(f"/e/{event.id}/checkin").text
    assert "Where are you scanning?" in page and "Entrance" in page and "Hall &lt;A&gt;" in page
    config = json.loads(re.search(r'id="scanner-config">(.*?)</script>', page, re.S).group(1))
    assert config["rooms"] == [{"id": hall.id, "name": "Hall <A>"}]
