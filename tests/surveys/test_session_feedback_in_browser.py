"""Feedback on a conference's sessions in Debian's Chromium against a live server: an attendee rates the
sessions they attended and starred on a phone (a refused comment first), then the speaker reads their own
session's results and the organisers all of them, on a phone and on a laptop. Screenshots of each page at
360 and 1280 px land in the test's tmp_path."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from werkzeug.serving import make_server

from harness.servers import create_schema, fresh_database
from meetups import clock, create_app, web
from meetups.communities.models import CommunityRole
from meetups.extensions import db
from meetups.programme.models import ProgrammeSession, SessionCheckIn, SessionSpeaker, Speaker, Star
from meetups.recognition import service as recognition
from meetups.rsvps.models import Rsvp
from meetups.surveys import service as surveys
from meetups.surveys.models import SessionFeedback
from tests.browser.conftest import browser, phone  # noqa: F401
from tests.factories import PASSWORD, join, make_community, make_member
from tests.surveys.conftest import past_event

pytestmark = pytest.mark.browser


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
        thread = threading.Thread(target=server.serve_forever, name="feedback-live-server", daemon=True)
        thread.start()
        yield url, app
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def _session(event, title: str, minutes: int, length: int = 40) -> ProgrammeSession:
    starts = event.starts_at + timedelta(minutes=minutes)
    return ProgrammeSession(
        event_id=event.id,
        title=title,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=length),
        created_at=event.starts_at,
        updated_at=event.starts_at,
    )


def seeded_conference(app) -> dict:
    """A two-hour event just over, with three talks: the attendee was scanned into the first two and starred
    the third; the speaker (with an account) gave the first; the survey is open."""
    now = clock.now()
    with app.app_context():
        session = db.session
        community = make_community(session)
        organiser = join(
            session, community, make_member(session, email_verified_at=now), CommunityRole.organiser
        )
        attendee = join(
            session, community, make_member(session, name="Ann Attendee", email_verified_at=now)
        ).member
        speaker_member = join(
            session, community, make_member(session, name="Sol Speaker", email_verified_at=now)
        ).member
        event = past_event(session, community, now, came=[attendee], title="Small conference")
        talks = [
            _session(event, "Keeping a community alive", 0),
            _session(event, "Rooms that fit", 45),
            _session(event, "What the survey said", 80),
        ]
        session.add_all(talks)
        speaker = Speaker(event_id=event.id, member_id=speaker_member.id, name="Sol Speaker", created_at=now)
        session.add(speaker)
        session.flush()
        session.add(SessionSpeaker(session_id=talks[0].id, speaker_id=speaker.id))
        rsvp = session.scalar(select(Rsvp).where(Rsvp.event_id == event.id, Rsvp.member_id == attendee.id))
        for talk in talks[:2]:
            session.add(SessionCheckIn(session_id=talk.id, rsvp_id=rsvp.id, checked_in_at=talk.starts_at))
        session.add(Star(session_id=talks[2].id, member_id=attendee.id, starred_at=now))
        surveys.set_survey(session, event_id=event.id, actor=organiser.member, now=now, template="default")
        recognition.close_event(session, event_id=event.id, actor=organiser.member, now=now)
        seeded = {
            "event_id": event.id,
            "attendee": attendee.email,
            "speaker": speaker_member.email,
            "organiser": organiser.member.email,
            "talks": [t.id for t in talks],
        }
        session.commit()
    return seeded


def _log_in(page, url: str, email: str) -> None:
    page.goto(f"{url}/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Log out").wait_for()


def _log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").first.wait_for()


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def _stored(app) -> dict[int, tuple[int | None, str]]:
    with app.app_context():
        return {r.session_id: (r.rating, r.comment) for r in db.session.scalars(select(SessionFeedback))}


def test_an_attendee_rates_sessions_on_a_phone_and_the_speaker_and_organisers_read_them(
    live_server,
    browser,  # noqa: F811
    phone,  # noqa: F811
    tmp_path,
):
    url, app = live_server
    seeded = seeded_conference(app)
    first, second, third = seeded["talks"]
    page = phone
    _log_in(page, url, seeded["attendee"])
    page.goto(f"{url}/e/{seeded['event_id']}/survey")
    assert fits_the_screen(page), "the survey scrolls sideways"
    day = page.locator("details.session-day")
    expect(day).to_have_attribute("open", "")  # one day: open
    titles = page.locator(".session-question legend").all_inner_texts()
    assert titles == ["Keeping a community alive", "Rooms that fit", "What the survey said"]
    targets = page.evaluate(
        """() => [...document.querySelectorAll('.scale-session .scale-option')]
              .map(l => l.getBoundingClientRect()).filter(b => b.width < 44 || b.height < 44).length"""
    )
    assert targets == 0, "rating buttons under 44×44 px"

    page.locator("fieldset.question").first.get_by_role("radio", name="4", exact=True).tap()
    page.locator("fieldset.question").nth(1).get_by_role("radio", name="9", exact=True).tap()
    talk = page.locator(f"#session-{first}")
    talk.get_by_role("radio", name=re.compile(r"^5")).tap()
    talk.get_by_text("Add a comment").tap()
    page.evaluate(f"document.querySelector('[name=s-{first}-comment]').removeAttribute('maxlength')")
    talk.get_by_role("textbox").fill("x" * 2001)
    page.locator(f"#session-{third}").get_by_role("radio", name="3", exact=True).tap()
    page.get_by_role("button", name="Send my answers").tap()

    expect(page.get_by_role("alert")).to_contain_text("Keeping a community alive: at most 2000 characters")
    expect(talk.locator(".field-error")).to_be_visible()
    expect(talk.get_by_role("radio", name=re.compile(r"^5"))).to_be_checked()
    assert _stored(app) == {}
    talk.get_by_role("textbox").fill("Practical and warm.")
    page.get_by_role("button", name="Send my answers").tap()
    expect(page.get_by_role("status")).to_contain_text("Thank you")
    assert _stored(app) == {first: (5, "Practical and warm."), third: (3, "")}
    assert fits_the_screen(page)
    page.screenshot(path=str(tmp_path / "answer-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(tmp_path / "answer-1280.png"), full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})
    _log_out(page)

    _log_in(page, url, seeded["speaker"])
    page.goto(f"{url}/e/{seeded['event_id']}/survey/sessions")
    expect(page.get_by_role("heading", name="Feedback on your sessions")).to_be_visible()
    expect(page.get_by_role("heading", name="Keeping a community alive")).to_be_visible()
    expect(page.get_by_text("Practical and warm.")).to_be_visible()
    expect(page.get_by_role("heading", name="What the survey said")).to_have_count(0)
    assert fits_the_screen(page), "the speaker's page scrolls sideways"
    page.screenshot(path=str(tmp_path / "speaker-360.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.screenshot(path=str(tmp_path / "speaker-1280.png"), full_page=True)
    _log_out(page)

    _log_in(page, url, seeded["organiser"])
    page.goto(f"{url}/e/{seeded['event_id']}/survey/results")
    sessions = page.locator("#sessions")
    expect(sessions.get_by_role("link", name="Rooms that fit")).to_be_visible()
    sessions.get_by_role("link", name="number of ratings").click()
    page.wait_for_url(re.compile(r"sort=count"))
    expect(page.locator("#sessions tbody tr").first).to_contain_text("Keeping a community alive")
    page.locator("#sessions summary", has_text="1 comment").click()
    expect(page.locator("#sessions").get_by_text("Ann Attendee")).to_be_visible()  # named survey
    page.locator("#sessions").screenshot(path=str(tmp_path / "results-sessions-1280.png"))
    page.set_viewport_size({"width": 360, "height": 740})
    page.locator("#sessions").screenshot(path=str(tmp_path / "results-sessions-360.png"))
    assert second
    print(f"screenshots in {tmp_path}")
