"""The pages in Debian's Chromium: the reader's own time, copy buttons, confirm steps, countdowns, and no
sideways scrolling on a phone. The test client renders each page inside the test's transaction; the browser
gets it through a route handler, with the real static files."""

import os
import re
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from meetups.events.models import StaffRole
from tests.factories import make_community, make_event, make_member, make_staff

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
ORIGIN = "http://meetups.test"
SUMMER_EVENING = datetime(2030, 6, 1, 17, 0, tzinfo=UTC)  # 19:00 in Berlin
# A checkbox or radio button is tapped through its label, so the label is what must be tall enough.
TAP_TARGETS_UNDER_44PX = """() => [
    ...document.querySelectorAll("main .button, main button, main input, main select")
    ].filter(el => el.offsetParent && el.type !== "hidden")
    .map(el => ["checkbox", "radio"].includes(el.type) && el.closest("label") ? el.closest("label") : el)
    .filter(el => el.getBoundingClientRect().height < 44)
    .map(el => el.outerHTML.slice(0, 80))"""


class Chromium:
    """Chromium driven from a thread of its own: Playwright's sync API allows one instance per thread, and the
    suite's other browser tests keep theirs open for the whole session."""

    def __init__(self) -> None:
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chromium")
        self._thread.submit(self._start).result()

    def _start(self) -> None:
        from playwright.sync_api import sync_playwright

        self._playwright = sync_playwright().start()
        self._browser = self._playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run"],
        )

    def _stop(self) -> None:
        self._browser.close()
        self._playwright.stop()

    def close(self) -> None:
        self._thread.submit(self._stop).result()
        self._thread.shutdown()

    def show(self, html: str, then: Callable, *, zone: str = "Europe/Berlin", width: int = 360) -> Any:
        """Open the page on a phone-sized screen in that zone; `then(page, posts)` runs in the browser's
        thread and its answer comes back. Posted forms get a 204 and their URLs are collected in `posts`."""
        return self._thread.submit(self._show, html, then, zone, width).result()

    def _show(self, html: str, then: Callable, zone: str, width: int) -> Any:
        context = self._browser.new_context(
            viewport={"width": width, "height": 740}, timezone_id=zone, locale="en-GB"
        )
        context.set_default_timeout(10_000)
        posts: list[str] = []

        def _serve(route):
            path = route.request.url.removeprefix(ORIGIN).split("?")[0]
            if path.startswith("/static/"):
                return route.fulfill(path=str(ROOT / path.lstrip("/")))
            if route.request.method == "POST":
                posts.append(path)
                return route.fulfill(status=204)
            return route.fulfill(body=html, content_type="text/html; charset=utf-8")

        try:
            context.route(f"{ORIGIN}/**", _serve)
            page = context.new_page()
            page.goto(f"{ORIGIN}/page")
            page.wait_for_load_state("load")
            return then(page, posts)
        finally:
            context.close()


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing: run scripts/test, which installs Debian's chromium")
    browser = Chromium()
    yield browser
    browser.close()


def local_note(page, _posts) -> list[str]:
    return page.locator(".local-time").all_inner_texts()


def test_readers_elsewhere_also_see_their_own_time(client, session, now, chromium):
    event = make_event(session, starts_at=SUMMER_EVENING, timezone="Europe/Berlin")

    notes = chromium.show(client.get(f"/e/{event.id}").text, local_note, zone="America/New_York")

    assert [note.strip() for note in notes] == ["(13:00 your time)"]


def test_the_readers_day_is_named_when_it_differs(client, session, now, chromium):
    event = make_event(session, starts_at=SUMMER_EVENING, timezone="Europe/Berlin")

    notes = chromium.show(client.get(f"/e/{event.id}").text, local_note, zone="Asia/Tokyo")

    assert [note.strip() for note in notes] == ["(Sun 2 Jun, 02:00 your time)"]


@pytest.mark.parametrize("zone", ["Europe/Berlin", "Europe/Paris"])
def test_no_extra_time_when_the_clocks_agree(client, session, now, chromium, zone):
    event = make_event(session, starts_at=SUMMER_EVENING, timezone="Europe/Berlin")

    assert chromium.show(client.get(f"/e/{event.id}").text, local_note, zone=zone) == []


def test_removing_staff_asks_first(client, session, now, login, chromium):
    organiser = make_member(session)
    event = make_event(session, community=make_community(session, organiser=organiser))
    make_staff(session, event, make_member(session, name="Vera Volunteer"), StaffRole.volunteer)
    login(organiser)

    def _dismiss(page, posts):
        questions: list[str] = []

        def _answer(dialog):
            questions.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", _answer)
        page.get_by_role("button", name=re.compile("Remove")).click()
        return questions, list(posts)

    questions, posts = chromium.show(client.get(f"/e/{event.id}/manage").text, _dismiss)

    assert questions == ["Remove Vera Volunteer from the staff?"]
    assert posts == []


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/c/{slug}",
        "/e/{event}",
        "/e/{event}/manage",
        "/c/{slug}/events/new",
        "/e/{event}/edit",
        "/c/new",
    ],
)
def test_pages_fit_a_360px_phone(client, session, now, login, chromium, path):
    organiser = make_member(session, is_admin=True)
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
    page = client.get(path.format(slug=community.slug, event=event.id))
    assert page.status_code == 200

    def _measure(page, _posts):
        return page.evaluate("document.documentElement.scrollWidth"), page.evaluate(TAP_TARGETS_UNDER_44PX)

    width, small = chromium.show(page.text, _measure)

    assert width <= 360, "the page scrolls sideways"
    assert small == [], "tap targets under 44px"


ENHANCED_PAGE = """<!doctype html><html lang="en"><body><main>
<input id="door-link" value="https://meetups.test/door/abc" readonly>
<button type="button" data-copy="door-link" data-copied="Copied!">Copy</button>
<button type="button" data-copy="literal text">Copy text</button>
<span class="countdown" data-deadline="{deadline}"></span>
</main><script src="/static/js/app.js"></script></body></html>"""

CAPTURE_COPIES = """() => {
    window.copied = [];
    document.execCommand = () => {
        window.copied.push([...document.querySelectorAll("textarea")].pop().value);
        return true;
    };
}"""


def test_copy_buttons_copy_a_field_or_their_text_and_say_so(chromium):
    def _copy_both(page, _posts):
        page.evaluate(CAPTURE_COPIES)  # plain http: the fallback path, which this records
        page.get_by_role("button", name="Copy", exact=True).click()
        page.get_by_role("button", name="Copy text").click()
        return (
            page.evaluate("window.copied"),
            page.get_by_role("button", name="Copied!").count(),
            page.locator("#copy-status").inner_text(),
        )

    copied, labelled, announced = chromium.show(ENHANCED_PAGE.format(deadline=""), _copy_both)

    assert copied == ["https://meetups.test/door/abc", "literal text"]
    assert labelled == 1
    assert announced in ("Copied!", "Copied")


def test_countdowns_say_how_long_an_offer_is_held(chromium):
    deadline = datetime.now(UTC).timestamp() + 3 * 3600 + 60
    html = ENHANCED_PAGE.format(deadline=datetime.fromtimestamp(deadline, UTC).isoformat())

    def _read(page, _posts):
        page.wait_for_function("document.querySelector('.countdown').textContent !== ''")
        return page.locator(".countdown").inner_text()

    assert chromium.show(html, _read) == "(in 3 hours)"
