"""A member's first visit on a phone: sign up, log out, log in, open an event and read when it is."""

import re

import pytest
from sqlalchemy import select

from meetups.events.models import Event
from meetups.extensions import db

pytestmark = pytest.mark.browser


def _next_event(app) -> tuple[str, str]:
    """The demo's soonest event: its title and its start as the venue's clock shows it."""
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.title == "Python Pizza Night: Lightning Talks"))
        return event.title, event.local_starts_at.strftime("%H:%M")


def test_sign_up_log_out_log_in_and_open_an_event(live_server, phone, screenshots):
    url, app = live_server
    page = phone

    page.goto(f"{url}/signup")
    page.get_by_label(re.compile(r"name", re.I)).fill("Нино Беридзе")
    page.get_by_label("Email").fill("nino@example.net")
    page.get_by_label("Password").fill("a long phone password")
    page.get_by_role("button", name=re.compile(r"sign up|create", re.I)).click()
    log_out = page.get_by_role("button", name="Log out")
    log_out.wait_for()

    log_out.click()
    page.get_by_role("link", name="Log in").first.click()
    page.get_by_label("Email").fill("nino@example.net")
    page.get_by_label("Password").fill("a long phone password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()

    title, starts = _next_event(app)
    page.goto(f"{url}/")
    page.get_by_role("link", name=title).first.click()
    page.wait_for_url(re.compile(r"/e/\d+$"))
    assert page.get_by_role("heading", name=title).is_visible()
    assert page.get_by_text(starts).first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the page scrolls sideways"
    )
    path = screenshots / "event-page-360.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
