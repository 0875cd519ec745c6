"""The printed programme: one landscape page per day, rooms across, times down, read back with poppler's
pdftotext as a person would read the wall (every title on its day's page, Cyrillic too, markup as text)."""

from __future__ import annotations

import io
import re
import subprocess

import pytest
from pypdf import PdfReader

from meetups.events.models import EventStatus
from meetups.programme import exports, printed, service
from tests.programme.conftest import NOW

LONG_TITLE = (
    "A very long title about distributed consensus, eventual consistency and why the network is not "
    "reliable, which goes on and on so that it must wrap over many lines"
)


def pages_text(pdf: bytes) -> list[str]:
    """Each page's text, whitespace made single spaces (a wrapped title reads as one line again)."""
    text = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode()
    return [
        re.sub(r"\s+", " ", page).strip()
        for page in text.split("\f")[: len(PdfReader(io.BytesIO(pdf)).pages)]
    ]


def pdf_of(conference, session, **options) -> bytes:
    return printed.programme_pdf(session, event_id=conference.event.id, viewer=None, **options)


@pytest.fixture
def busy(conference, session):
    """The fixture's programme and some hard cases: Cyrillic, markup in a title, a long title in a short
    slot, a cancelled session."""
    room = conference.small.id
    conference.add(
        session,
        "cyrillic",
        title="Доклад о базах данных",
        starts_at="2030-10-26T10:00",
        ends_at="2030-10-26T10:45",
        room_id=room,
        speaker_ids=[conference.grace.id],
    )
    conference.add(
        session,
        "markup",
        title="<script>alert('x')</script> & <b>bold</b>",
        starts_at="2030-10-26T11:00",
        ends_at="2030-10-26T11:30",
        room_id=room,
    )
    conference.add(
        session,
        "long",
        title=LONG_TITLE,
        starts_at="2030-10-27T10:00",
        ends_at="2030-10-27T10:30",
        room_id=conference.small.id,
        track_id=conference.web.id,
    )
    conference.add(
        session,
        "gone",
        title="Cancelled workshop",
        starts_at="2030-10-27T11:00",
        ends_at="2030-10-27T12:00",
        room_id=conference.main.id,
    )
    service.cancel_session(
        session,
        event=conference.event,
        actor=conference.organiser,
        session_id=conference.sessions["gone"].id,
        now=NOW,
    )
    session.commit()
    return conference


def test_one_page_per_day_with_every_title_on_its_day(busy, session):
    pdf = pdf_of(busy, session)
    pages = pages_text(pdf)
    assert len(pages) == 3 == len(exports.event_days(busy.event))
    days = {
        0: ["Opening keynote", "Fast pages", "Tables at scale", "Lunch"],
        1: ["Hands-on testing", "Доклад о базах данных", "<script>alert('x')</script> & <b>bold</b>"],
        2: ["Sunday morning talk", LONG_TITLE],
    }
    for page, titles in days.items():
        for title in titles:
            assert title in pages[page], (page, title, pages[page])
            others = [pages[n] for n in days if n != page]
            assert not any(title in other for other in others)
    assert "Cancelled workshop" not in " ".join(pages)


def test_a_page_names_its_day_rooms_tracks_speakers_and_times_at_the_venue(busy, session):
    friday, _saturday, sunday = pages_text(pdf_of(busy, session))
    assert "PyConf 2030 · Friday 25 October 2030" in friday
    assert "Europe/Berlin" in friday
    for text in (
        "Main hall",
        "Room B",
        "Web",
        "Data",
        "Ada Lovelace",
        "Grace Hopper",
        "09:30–10:30",
        "09:00",
    ):
        assert text in friday, text
    assert "09:00–09:45" in sunday  # the morning after the clocks went back: still the clock at the venue


def test_a3_is_bigger_and_landscape(busy, session):
    a4 = PdfReader(io.BytesIO(pdf_of(busy, session))).pages[0].mediabox
    a3 = PdfReader(io.BytesIO(pdf_of(busy, session, size="a3"))).pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (842, 595)
    assert (round(float(a3.width)), round(float(a3.height))) == (1191, 842)


def test_the_html_keeps_markup_as_text(busy, session):
    programme = exports.get_programme(session, event_id=busy.event.id, viewer=None)
    html = printed.document(programme, "a4", "en")
    assert "&lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<script>" not in html


def test_a_long_title_in_a_short_slot_gets_smaller_type_and_fits(busy, session):
    item = busy.sessions["long"]
    box = printed.fit(item, busy.event, left=0, top=0, width=40, height=12)
    assert "title" in box.lines and box.size < 10
    inner = 40 - printed.STRIPE - 2 * printed.PAD_X
    title_height = (
        printed.lines_needed(LONG_TITLE, box.size, inner, bold=True) * box.size * printed.LINE * printed.PT
    )
    assert title_height <= 12 - 2 * printed.PAD_Y
    roomy = printed.fit(busy.sessions["keynote"], busy.event, left=0, top=0, width=120, height=40)
    assert roomy.size == 14 and roomy.lines == ("time", "title", "speakers")  # no track: none to show


def test_lines_needed_wraps_words_and_breaks_long_ones():
    assert printed.lines_needed("short", 10, 100) == 1
    assert printed.lines_needed("word " * 40, 10, 30) > 5
    assert printed.lines_needed("x" * 300, 10, 30) >= 10


def test_the_pdf_route_is_public_once_published_and_checks_its_size(busy, client, session):
    url = f"/e/{busy.event.id}/programme.pdf"
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert client.get(url + "?size=a3").status_code == 200
    assert client.get(url + "?size=poster").status_code == 422
    busy.event.status = EventStatus.draft
    session.commit()
    assert client.get(url).status_code == 404


def test_a_day_without_sessions_still_has_its_page(conference, session):
    for key in ("sunday",):
        service.delete_session(
            session,
            event=conference.event,
            actor=conference.organiser,
            session_id=conference.sessions[key].id,
            now=NOW,
        )
    session.commit()
    pages = pages_text(pdf_of(conference, session))
    assert len(pages) == 3
    assert "No sessions this day." in pages[2]
