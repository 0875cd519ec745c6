"""The pages in Debian's Chromium: the reader's own time, confirm steps, and no sideways scrolling on a phone.
Pages come from the test client (inside the test's transaction) and are served to the browser by a route
handler, with the real static files."""

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from meetups.events.models import StaffRole
from tests.factories import make_community, make_event, make_member, make_staff

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ORIGIN = "http://meetups.test"
SUMMER_EVENING = datetime(2030, 6, 1, 17, 0, tzinfo=UTC)  # 19:00 in Berlin
TAP_TARGETS_UNDER_44PX = """() => [
    ...document.querySelectorAll("main .button, main button, main input, main select")
    ].filter(el => el.offsetParent && el.type !== "hidden" && el.getBoundingClientRect().height < 44)
    .map(el => el.outerHTML.slice(0, 80))"""


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing: run scripts/test, which installs Debian's chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )
        yield browser
        browser.close()


@pytest.fixture
def open_page(chromium, client):
    """Open a path of the app in a phone-sized browser in a zone; returns the page and the POSTs it sent."""
    contexts = []

    def _open(path: str, zone: str = "Europe/Berlin", width: int = 360):
        context = chromium.new_context(
            viewport={"width": width, "height": 740}, timezone_id=zone, locale="en-GB"
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        posts: list[str] = []

        def _serve(route):
            url = route.request.url.removeprefix(ORIGIN)
            if url.startswith("/static/"):
                return route.fulfill(path=str(ROOT / url.lstrip("/").split("?")[0]))
            if route.request.method == "POST":
                posts.append(url)
                return route.fulfill(status=204)
            response = client.get(url)
            return route.fulfill(
                status=response.status_code, body=response.data, content_type=response.content_type
            )

        context.route(f"{ORIGIN}/**", _serve)
        page = context.new_page()
        page.goto(f"{ORIGIN}{path}")
        return page, posts

    yield _open
    for context in contexts:
        context.close()


def test_readers_elsewhere_also_see_their_own_time(session, now, open_page):
    event = make_event(session, starts_at=SUMMER_EVENING, timezone="Europe/Berlin")

    page, _posts = open_page(f"/e/{event.id}", zone="America/New_York")

    assert page.locator(".local-time").inner_text().strip() == "(13:00 your time)"


def test_the_readers_day_is_named_when_it_differs(session, now, open_page):
    event = make_event(session, starts_at=SUMMER_EVENING, timezone="Europe/Berlin")

    page, _posts = open_page(f"/e/{event.id}", zone="Asia/Tokyo")

    note = page.locator(".local-time").inner_text()
    assert "02:00" in note and "Sun" in note and "2 Jun" in note


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Europe/Paris"])
def test_no_extra_time_when_the_clocks_agree(session, now, open_page, zone):
    event = make_event(session, starts_at=SUMMER_EVENING, timezone="Europe/Berlin")

    page, _posts = open_page(f"/e/{event.id}", zone=zone)

    page.wait_for_load_state("load")
    assert page.locator(".local-time").count() == 0


def test_removing_staff_asks_first(session, now, open_page, login, client):
    organiser = make_member(session)
    event = make_event(session, community=make_community(session, organiser=organiser))
    make_staff(session, event, make_member(session, name="Vera Volunteer"), StaffRole.volunteer)
    login(organiser)
    page, posts = open_page(f"/e/{event.id}/manage")
    questions: list[str] = []

    def _answer(dialog):
        questions.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", _answer)
    page.get_by_role("button", name=re.compile("Remove")).click()

    assert questions == ["Remove Vera Volunteer from the staff?"]
    assert posts == []


@pytest.mark.parametrize(
    "path", ["/", "/c/{slug}", "/e/{event}", "/e/{event}/manage", "/c/{slug}/events/new", "/e/{event}/edit"]
)
def test_pages_fit_a_360px_phone(session, now, open_page, login, path):
    organiser = make_member(session)
    community = make_community(session, organiser=organiser, description="A " + "very " * 40 + "long line.")
    event = make_event(
        session,
        community=community,
        title="A rather long event title " * 3,
        venue_address="Karl-Marx-Allee 123, 10243 Berlin-Friedrichshain, Deutschland",
        online_url="https://meet.example.org/" + "x" * 80,
    )
    make_staff(session, event, make_member(session, name="Vera Volunteer"), StaffRole.volunteer)
    login(organiser)

    page, _posts = open_page(path.format(slug=community.slug, event=event.id))

    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), (
        "the page scrolls sideways"
    )
    small = page.evaluate(TAP_TARGETS_UNDER_44PX)
    assert small == [], "tap targets under 44px"
