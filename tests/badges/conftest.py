"""Badge fixtures: an event with people going (names in many scripts), its staff, and the tools that read a
PDF the way a person or a door scanner would (poppler's pdftoppm/pdftotext, zxing-cpp)."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from meetups.badges import sheets
from meetups.events.models import Event, StaffRole
from meetups.notify import jobs
from meetups.rsvps.models import Question, QuestionKind, Rsvp, RsvpStatus
from meetups.rsvps.tickets import new_code as new_ticket_code
from tests.factories import BASE_TIME, make_community, make_event, make_member, make_staff

NAMES = {
    "latin": "Anna Müller",
    "cyrillic": "Дмитрий Иванов",
    "greek": "Γιώργος Παπαδόπουλος",
    "chinese": "王小明",
    "japanese": "山田 太郎",
    "korean": "김민준",
    "arabic": "محمد عبد الله",
    "hebrew": "דוד כהן",
    "emoji": "Zoë 🎉 Smith",
}


def require_tools() -> None:
    """pdftoppm, pdftotext (poppler-utils) and zxing-cpp read the PDFs: CI must have them (scripts/test
    installs them), a laptop without them skips."""
    missing = [tool for tool in ("pdftoppm", "pdftotext") if shutil.which(tool) is None]
    try:
        import zxingcpp  # noqa: F401
    except ImportError:
        missing.append("zxing-cpp (pip)")
    if missing:
        message = f"missing {', '.join(missing)}: install poppler-utils and zxing-cpp (scripts/test does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def pdf_tools():
    require_tools()


def decode_pages(pdf: bytes, dpi: int = 150) -> list[list[str]]:
    """Every QR code on every page, as a scanner reads it: rasterised by pdftoppm, decoded by zxing-cpp."""
    import zxingcpp
    from PIL import Image

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "in.pdf")
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-png", str(source), str(Path(folder, "p"))],
            check=True,
            capture_output=True,
        )
        pages = sorted(Path(folder).glob("p-*.png"), key=lambda p: int(p.stem.split("-")[-1]))
        return [
            sorted(
                r.text
                for r in zxingcpp.read_barcodes(Image.open(page), formats=zxingcpp.BarcodeFormat.QRCode)
            )
            for page in pages
        ]


def pdf_text(pdf: bytes, *, raw: bool = False) -> str:
    """The text as pdftotext reads it: in reading order (right-to-left runs put back in logical order), or
    `raw` in drawing order, which keeps a hyphen where a long name wrapped."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "in.pdf")
        source.write_bytes(pdf)
        return subprocess.run(
            ["pdftotext", *(["-raw"] if raw else []), "-enc", "UTF-8", str(source), "-"],
            check=True,
            capture_output=True,
        ).stdout.decode()


@dataclass(frozen=True)
class Word:
    text: str
    left: float  # pt from the page's top-left corner
    top: float
    right: float
    bottom: float


def word_boxes(pdf: bytes, page: int = 1) -> list[Word]:
    """Where pdftotext finds each word on a page: drawn text, whether or not a clip hides it."""
    import html
    import re

    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder, "in.pdf")
        source.write_bytes(pdf)
        out = subprocess.run(
            ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-enc", "UTF-8", str(source), "-"],
            check=True,
            capture_output=True,
        ).stdout.decode()
    pattern = r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>'
    return [
        Word(html.unescape(text), float(x0), float(y0), float(x1), float(y1))
        for x0, y0, x1, y1, text in re.findall(pattern, out)
    ]


BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def squeeze(text: str) -> str:
    """Without whitespace and bidi controls: a name wrapped over lines still reads as the name."""
    return "".join(text.translate(BIDI_CONTROLS).split())


def page_count(pdf: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


@dataclass
class Party:
    event: Event
    organiser: object
    volunteer: object
    rsvps: list[Rsvp] = field(default_factory=list)


def add_going(session, event: Event, name: str, **member) -> Rsvp:
    person = make_member(session, name=name, **member)
    rsvp = Rsvp(
        event=event,
        member=person,
        status=RsvpStatus.going,
        guests=0,
        ticket_code=new_ticket_code(),
        answers={},
        created_at=BASE_TIME,
        updated_at=BASE_TIME,
    )
    session.add(rsvp)
    session.flush()
    return rsvp


@pytest.fixture
def party(session) -> Party:
    """An event with one person going per script, an organiser (staff) and a volunteer (staff) without RSVPs,
    and the built-in affiliation question answered by the first person."""
    organiser = make_member(session, name="Olga Organiser")
    community = make_community(session, organiser=organiser, color="#0b7285")
    event = make_event(session, community=community, title="PyCon Berlin", capacity=None)
    volunteer = make_member(session, name="Vera Volunteer")
    make_staff(session, event, volunteer, StaffRole.volunteer)
    question = Question(
        event_id=event.id,
        position=0,
        kind=QuestionKind.short_text,
        label="Company or affiliation",
        options=[],
        is_required=False,
        builtin="affiliation",
    )
    session.add(question)
    session.flush()
    rsvps = [
        add_going(session, event, name, pronouns="she/her" if key == "latin" else "")
        for key, name in NAMES.items()
    ]
    rsvps[0].answers = {str(question.id): "ACME Corp"}
    session.flush()
    return Party(event, organiser, volunteer, rsvps)


@pytest.fixture
def immediate_jobs(monkeypatch):
    """Huey runs tasks at once, inside the request that queues them."""
    monkeypatch.setattr(jobs.huey, "immediate", True)
    yield jobs.huey


@pytest.fixture(scope="session")
def render_pool():
    """One warm two-process pool for the session's tests that build background PDFs."""
    pool = sheets.get_pool(2)
    yield pool
    sheets.close_pool()
