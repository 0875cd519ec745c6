"""Journey 4 of issue 17, in Debian's Chromium on a laptop against a live server: a member copies the personal
calendar feed link from /me, a calendar app (here requests) fetches it and lists their RSVPs, they reset the
link on the page, and the old link is a 404 while the new one works."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
import requests
from playwright.sync_api import expect

from meetups import clock
from meetups.extensions import db
from meetups.rsvps import service as rsvps
from meetups.rsvps.models import RsvpStatus
from tests.browser.conftest import browser  # noqa: F401
from tests.browser.test_member_journey import live_server  # noqa: F401 — a fresh database of the test kind
from tests.factories import PASSWORD, join, make_community, make_event, make_member

pytestmark = pytest.mark.browser


def seed_rsvps(app) -> dict:
    """Straight into the server's database, through the RSVP service: the subscriber goes to one event, waits
    first in line for a full one, and has not answered a third of the same community."""
    now = clock.now()
    with app.app_context():
        session = db.session
        community = make_community(session, name="Feed Friends")
        subscriber = make_member(session, name="Sami Subscriber", email_verified_at=now)
        join(session, community, subscriber)
        soon = now + timedelta(days=5)
        going = make_event(session, community=community, title="Feed night: going", starts_at=soon)
        full = make_event(
            session,
            community=community,
            title="Feed night: full",
            starts_at=soon + timedelta(days=7),
            capacity=1,
        )
        make_event(session, community=community, title="Feed night: not answered", starts_at=soon)
        rsvps.save_rsvp(session, event_id=full.id, member=make_member(session), now=now)
        assert (
            rsvps.save_rsvp(session, event_id=going.id, member=subscriber, now=now).status is RsvpStatus.going
        )
        waiting = rsvps.save_rsvp(session, event_id=full.id, member=subscriber, now=now)
        assert waiting.status is RsvpStatus.waitlisted
        seeded = {"email": subscriber.email, "going": going.title, "full": full.title}
        session.commit()
    return seeded


def feed(url: str) -> dict[str, str]:
    """What a calendar app subscribed to the link sees: each event's summary and status."""
    response = requests.get(url, timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(entry["SUMMARY"]): str(entry["STATUS"]) for entry in calendar.walk("VEVENT")}


def test_a_subscriber_copies_the_feed_link_resets_it_and_the_old_one_is_gone(live_server, browser):  # noqa: F811
    url, app = live_server
    seeded = seed_rsvps(app)
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(f"{url}/login")
        page.get_by_label("Email").fill(seeded["email"])
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("button", name="Log out").wait_for()

        page.goto(f"{url}/me")
        calendar = page.get_by_role("region", name="Calendar feed")
        link = calendar.get_by_label("Your secret feed link")
        calendar.get_by_role("button", name="Copy").click()
        expect(calendar.get_by_role("button", name="Copied")).to_be_visible()
        old_url = page.evaluate("navigator.clipboard.readText()")
        assert old_url == link.input_value()
        assert old_url.startswith(f"{url}/calendar/") and old_url.endswith(".ics")

        expected = {seeded["going"]: "CONFIRMED", f"[Waitlist #1] {seeded['full']}": "TENTATIVE"}
        assert feed(old_url) == expected

        page.once("dialog", lambda dialog: dialog.accept())  # "Make a new link? The old one stops working…"
        calendar.get_by_role("button", name="Reset link").click()
        expect(page.get_by_role("status")).to_have_text(
            "Your calendar link is new, and the old one no longer works. Subscribe again with the new one."
        )
        new_url = (
            page.get_by_role("region", name="Calendar feed")
            .get_by_label("Your secret feed link")
            .input_value()
        )
        assert new_url != old_url and new_url.startswith(f"{url}/calendar/")

        gone = requests.get(old_url, timeout=10)
        assert gone.status_code == 404
        assert "BEGIN:VCALENDAR" not in gone.text
        assert feed(new_url) == expected
        assert errors == []
    finally:
        context.close()
