"""Answering a survey on a phone in Debian's Chromium (tests/browser's `browser` and `phone`) against a live
server: from the event page to the thank-you, through a refused first try."""

from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from harness.servers import create_schema, fresh_database
from meetups import clock, create_app, web
from meetups.communities.models import CommunityRole
from meetups.extensions import db
from meetups.recognition import service as recognition
from meetups.surveys import service as surveys
from meetups.surveys.models import SurveyResponse
from tests.browser.conftest import browser, phone  # noqa: F401
from tests.factories import PASSWORD, join, make_community, make_member
from tests.surveys.conftest import past_event

pytestmark = pytest.mark.browser

QUESTIONS = [
    {"type": "rating", "label": "Overall, how was the evening?", "required": True},
    {"type": "nps", "label": "Would you recommend it to a friend?", "required": True},
    {"type": "single", "label": "Would you come again?", "options": ["Yes", "Maybe", "No"], "required": True},
    {"type": "long_text", "label": "What should we change?"},
]
SCALE_TARGETS = """() => [...document.querySelectorAll(".scale-option")].map(label => {
    const box = label.getBoundingClientRect();
    return [label.textContent.trim(), box.width, box.height];
})"""


@pytest.fixture(scope="module")
def live_server():
    """The app in a thread with CSRF on, as tests/browser serves it, on a fresh database of the test
    database's kind (harness.servers); no demo data: the test seeds its own."""
    with fresh_database() as database_url:
        create_schema(database_url)
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False, "MAIL_URL": ""}
        )
        server = make_server("127.0.0.1", 0, app, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        app.config["BASE_URL"] = url
        web.install_site(app)
        thread = threading.Thread(target=server.serve_forever, name="survey-live-server", daemon=True)
        thread.start()
        yield url, app
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def closed_event_with_a_survey(app) -> dict:
    """Written straight into the server's database: an event that ended an hour ago, closed, whose survey
    asks QUESTIONS of the one member who came."""
    now = clock.now()
    with app.app_context():
        session = db.session
        community = make_community(session)
        organiser = join(
            session, community, make_member(session, email_verified_at=now), CommunityRole.organiser
        )
        attendee = join(
            session, community, make_member(session, name="Ada Answer", email_verified_at=now)
        ).member
        event = past_event(session, community, now, came=[attendee], title="Survey night")
        surveys.set_survey(session, event_id=event.id, actor=organiser.member, now=now, questions=QUESTIONS)
        recognition.close_event(session, event_id=event.id, actor=organiser.member, now=now)
        survey = surveys.find_survey(session, event.id)
        ids = {q.kind.value: q.id for q in survey.questions}
        seeded = {"email": attendee.email, "event_id": event.id, "survey_id": survey.id, "ids": ids}
        session.commit()
    return seeded


def stored_answers(app, survey_id: int) -> list[dict]:
    with app.app_context():
        return list(
            db.session.scalars(select(SurveyResponse.answers).where(SurveyResponse.survey_id == survey_id))
        )


def unexpected_errors(message) -> list[str]:
    """A console error, but not Chromium's note on the 422 the refused form answers with, nor on the
    favicon, which no page links (so Chromium asks for /favicon.ico and gets a 404)."""
    if message.type != "error":
        return []
    url = message.location.get("url", "")
    expected = message.text.startswith("Failed to load resource") and (
        url.endswith("/favicon.ico") or (url.endswith("/survey") and "422" in message.text)
    )
    return [] if expected else [f"{message.text} ({url})"]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_attendee_answers_on_a_phone_after_one_refused_try(live_server, phone, tmp_path):  # noqa: F811
    url, app = live_server
    seeded = closed_event_with_a_survey(app)
    ids, page = seeded["ids"], phone
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.extend(unexpected_errors(message)))
    page.on("pageerror", lambda error: console_errors.append(str(error)))

    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(seeded["email"])
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()

    page.goto(f"{url}/e/{seeded['event_id']}")
    expect(page.get_by_role("heading", name="How was it?")).to_be_visible()
    page.get_by_role("link", name="Answer the survey").tap()
    page.wait_for_url(re.compile(rf"/e/{seeded['event_id']}/survey$"))
    assert fits_the_screen(page), "the survey scrolls sideways"
    targets = page.evaluate(SCALE_TARGETS)
    assert len(targets) == 5 + 11
    assert [(name, w, h) for name, w, h in targets if w < 44 or h < 44] == [], "scale buttons under 44×44 px"

    rating = page.locator(f"#question-{ids['rating']}")
    nps = page.locator(f"#question-{ids['nps']}")
    again = page.locator(f"#question-{ids['single']}")
    rating.get_by_role("radio", name="4", exact=True).tap()
    nps.get_by_role("radio", name="9", exact=True).tap()
    expect(rating.get_by_role("radio", name="4", exact=True)).to_be_checked()
    expect(nps.get_by_role("radio", name="9", exact=True)).to_be_checked()
    page.get_by_role("button", name="Send my answers").tap()

    expect(page.get_by_role("alert")).to_contain_text("nothing is saved yet")
    for choice in again.get_by_role("radio").all():
        expect(choice).to_have_attribute("aria-invalid", "true")
        expect(choice).to_have_attribute("aria-describedby", f"error-{ids['single']}")
    expect(page.get_by_role("alert")).to_be_focused()
    expect(again.locator(".field-error")).to_have_text("Please answer this question.")
    expect(again.locator(".field-error")).to_be_visible()
    expect(page.locator(".field-error")).to_have_count(1)
    expect(rating.get_by_role("radio", name="4", exact=True)).to_be_checked()
    expect(nps.get_by_role("radio", name="9", exact=True)).to_be_checked()
    assert stored_answers(app, seeded["survey_id"]) == []
    assert fits_the_screen(page), "the refused survey scrolls sideways"
    page.screenshot(path=str(tmp_path / "survey-refused-360.png"), full_page=True)

    again.get_by_role("radio", name="Yes").tap()
    page.get_by_label("What should we change?").fill("A second microphone")
    page.get_by_role("button", name="Send my answers").tap()

    expect(page.get_by_role("status")).to_have_text(
        "Thank you: your answers are saved. You can change them until the survey closes."
    )
    assert stored_answers(app, seeded["survey_id"]) == [
        {
            str(ids["rating"]): 4,
            str(ids["nps"]): 9,
            str(ids["single"]): 0,
            str(ids["long_text"]): "A second microphone",
        }
    ]
    assert fits_the_screen(page), "the answered survey scrolls sideways"
    page.screenshot(path=str(tmp_path / "survey-answered-360.png"), full_page=True)
    print(f"screenshots in {tmp_path}")
    assert console_errors == []
