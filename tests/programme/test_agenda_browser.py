"""The agenda in Debian's Chromium against a live server: on a 360 px phone one readable list that never
scrolls sideways, where a member stars a session and finds it on their schedule; on a 1280 px laptop the
parallel rooms side by side."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from harness.servers import create_schema, fresh_database
from meetups import create_app, web
from meetups.extensions import db
from meetups.programme import lineup, places
from meetups.programme import service as programme
from tests.browser.conftest import browser, phone  # noqa: F401
from tests.factories import PASSWORD, join, make_community, make_event, make_member

pytestmark = pytest.mark.browser

BERLIN = ZoneInfo("Europe/Berlin")
SEEDED_AT = datetime(2030, 4, 1, 12, 0, tzinfo=UTC)
BOX = """id => {
    const b = document.getElementById(id).getBoundingClientRect();
    return {top: Math.round(b.top), left: Math.round(b.left), width: b.width, height: b.height};
}"""
SMALL_TARGETS = """() => [
    ...document.querySelectorAll(".agenda-day button, .day-tabs a, .filter-box summary")]
    .map(el => [el.textContent.trim(), el.getBoundingClientRect().width,
                el.getBoundingClientRect().height])
    .filter(([_, w, h]) => w < 44 || h < 44)"""


@pytest.fixture(scope="module")
def live_server():
    """The app in a thread with CSRF on, on a fresh database of the test database's kind."""
    with fresh_database() as database_url:
        create_schema(database_url)
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False, "MAIL_URL": ""}
        )
        server = make_server("127.0.0.1", 0, app, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        app.config["BASE_URL"] = url
        web.install_site(app)
        thread = threading.Thread(target=server.serve_forever, name="agenda-live-server", daemon=True)
        thread.start()
        yield url, app
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="module")
def seeded(live_server) -> dict:
    """A three-day conference in Berlin across the change from summer time, with two rooms in parallel."""
    _url, app = live_server
    with app.app_context():
        session = db.session
        organiser = make_member(session, name="Olga Organiser")
        community = make_community(session, organiser=organiser, name="PyConf", slug="pyconf-browser")
        member = join(session, community, make_member(session, name="Mia Member")).member
        event = make_event(
            session,
            community=community,
            title="PyConf 2030",
            starts_at=datetime(2030, 10, 25, 9, 0, tzinfo=BERLIN).astimezone(UTC),
            ends_at=datetime(2030, 10, 27, 18, 0, tzinfo=BERLIN).astimezone(UTC),
            capacity=500,
        )
        save = {"session": session, "event": event, "actor": organiser}
        main = places.save_room(**save, values={"name": "Main hall", "capacity": 300, "position": 0})
        small = places.save_room(**save, values={"name": "Room B", "capacity": 40, "position": 1})
        web_track = places.save_track(**save, values={"name": "Web", "colour": "#1a7f5a"})
        data_track = places.save_track(**save, values={"name": "Data", "colour": "#8a4fff"})
        ada = lineup.save_speaker(
            **save, now=SEEDED_AT, values={"name": "Ada Lovelace", "pronouns": "she/her"}
        )
        sessions = {}
        for key, values in {
            "keynote": {
                "title": "Opening keynote",
                "kind": "keynote",
                "room_id": main.id,
                "speaker_ids": [ada.id],
                "starts_at": "2030-10-25T09:30",
                "ends_at": "2030-10-25T10:30",
            },
            "web": {
                "title": "Fast pages for slow phones",
                "room_id": main.id,
                "track_id": web_track.id,
                "level": "beginner",
                "language": "en",
                "starts_at": "2030-10-25T11:00",
                "ends_at": "2030-10-25T11:45",
            },
            "data": {
                "title": "Tables at scale",
                "room_id": small.id,
                "track_id": data_track.id,
                "level": "advanced",
                "language": "ru",
                "abstract": "Rows and **columns**.",
                "starts_at": "2030-10-25T11:00",
                "ends_at": "2030-10-25T11:45",
            },
            "lunch": {
                "title": "Lunch",
                "kind": "break",
                "starts_at": "2030-10-25T12:00",
                "ends_at": "2030-10-25T13:00",
            },
            "workshop": {
                "title": "Hands-on testing",
                "kind": "workshop",
                "room_id": small.id,
                "capacity": 12,
                "track_id": web_track.id,
                "speaker_ids": [ada.id],
                "starts_at": "2030-10-26T14:00",
                "ends_at": "2030-10-26T16:00",
            },
            "sunday": {
                "title": "Sunday morning talk",
                "room_id": main.id,
                "track_id": data_track.id,
                "starts_at": "2030-10-27T09:00",
                "ends_at": "2030-10-27T09:45",
            },
        }.items():
            sessions[key] = programme.create_session(
                session, event=event, actor=organiser, values=values, now=SEEDED_AT
            ).id
        seeded = {"event_id": event.id, "email": member.email, "sessions": sessions}
        session.commit()
    return seeded


def log_in(page, url: str, email: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_on_a_phone_the_agenda_is_a_list_and_a_star_lands_on_my_schedule(
    live_server,
    seeded,
    phone,  # noqa: F811
    tmp_path,
):
    url, _app = live_server
    page, ids = phone, seeded["sessions"]
    log_in(page, url, seeded["email"])
    page.goto(f"{url}/e/{seeded['event_id']}")
    page.get_by_role("link", name="Programme").tap()
    page.wait_for_url(re.compile(rf"/e/{seeded['event_id']}/agenda$"))
    expect(page.get_by_role("heading", name=re.compile("Sunday 27 October"))).to_be_visible()
    assert fits_the_screen(page), "the agenda scrolls sideways at 360 px"

    web_box = page.evaluate(BOX, f"session-{ids['web']}")
    data_box = page.evaluate(BOX, f"session-{ids['data']}")
    assert web_box["left"] == data_box["left"] and data_box["top"] > web_box["top"], "not one list"
    assert web_box["width"] > 280, "cards are squeezed on a phone"
    assert page.evaluate(SMALL_TARGETS) == [], "tap targets under 44 px"
    page.screenshot(path=str(tmp_path / "agenda-360.png"), full_page=True)

    card = page.locator(f"#session-{ids['web']}")
    card.get_by_role("button", name=re.compile("^Star")).tap()
    expect(page.get_by_role("status").filter(has_text="Added to your schedule.")).to_be_visible()
    expect(
        page.locator(f"#session-{ids['web']}").get_by_role("button", name=re.compile("^Starred"))
    ).to_be_visible()
    assert fits_the_screen(page)

    page.get_by_role("link", name="My schedule").tap()
    page.wait_for_url(re.compile(rf"/e/{seeded['event_id']}/schedule$"))
    expect(page.get_by_role("link", name="Fast pages for slow phones")).to_be_visible()
    expect(page.get_by_text("Tables at scale")).to_have_count(0)
    assert fits_the_screen(page)
    page.screenshot(path=str(tmp_path / "schedule-360.png"), full_page=True)

    page.goto(f"{url}/e/{seeded['event_id']}/sessions/{ids['data']}")
    assert fits_the_screen(page)
    page.screenshot(path=str(tmp_path / "session-360.png"), full_page=True)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_laptop_parallel_rooms_sit_side_by_side(live_server, seeded, browser, tmp_path, scheme):  # noqa: F811
    url, _app = live_server
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", color_scheme=scheme
    )
    context.set_default_timeout(10_000)
    page, ids = context.new_page(), seeded["sessions"]
    try:
        page.goto(f"{url}/e/{seeded['event_id']}/agenda")
        web_box = page.evaluate(BOX, f"session-{ids['web']}")
        data_box = page.evaluate(BOX, f"session-{ids['data']}")
        assert web_box["top"] == data_box["top"], "parallel sessions are not on one row"
        assert data_box["left"] > web_box["left"] + web_box["width"] - 1, "parallel sessions overlap"
        lunch_box = page.evaluate(BOX, f"session-{ids['lunch']}")
        assert lunch_box["left"] == web_box["left"] and lunch_box["width"] > web_box["width"] * 1.8, (
            "the break does not span the rooms"
        )
        assert lunch_box["top"] > web_box["top"] + web_box["height"] - 1
        assert fits_the_screen(page)
        page.screenshot(path=str(tmp_path / f"agenda-1280-{scheme}.png"), full_page=True)
    finally:
        context.close()
