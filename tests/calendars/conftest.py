"""What the calendar tests share: the independent parser (ical.js under Node), checks every feed must pass,
and a clean slate for the caches this process keeps."""

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from icalendar import Calendar

from meetups.calendars import service

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(__file__).with_name("parse_ics.mjs")


def _icaljs_missing() -> str | None:
    if shutil.which("node") is None:
        return "Node.js is not installed (apt-get install nodejs)"
    if not (ROOT / "node_modules" / "ical.js" / "package.json").is_file():
        return "ical.js is not installed: run `npm ci` in the repository root"
    return None


@pytest.fixture
def icaljs():
    """parse(feed bytes) -> what ical.js reads from it. In CI a missing parser fails, never skips."""
    missing = _icaljs_missing()
    if missing and os.environ.get("CI"):
        pytest.fail(f"{missing}; CI must check feeds with the independent parser")
    if missing:
        pytest.skip(missing)

    def parse(body: bytes) -> dict:
        result = subprocess.run(
            [shutil.which("node"), str(SCRIPT)],
            input=body,
            capture_output=True,
            timeout=60,
            check=False,
            env={**os.environ, "TZ": "UTC"},  # a floating time would then read as UTC and stand out
        )
        assert result.returncode == 0, result.stderr.decode()
        return json.loads(result.stdout)

    return parse


def assert_well_formed(body: bytes) -> Calendar:
    """CRLF lines of at most 75 octets, each valid UTF-8 on its own (folding never splits a character), and
    parseable by icalendar."""
    assert body.startswith(b"BEGIN:VCALENDAR\r\n") and body.endswith(b"END:VCALENDAR\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # raises on a split multi-byte character
    return Calendar.from_ical(body)


@pytest.fixture(autouse=True)
def _fresh_caches():
    """Feeds kept in this process are keyed by ETag; SQLite reuses ids after each test's rollback."""
    service.clear_caches()
    yield
    service.clear_caches()


def events_by_uid(calendar: Calendar) -> dict:
    return {str(component["UID"]): component for component in calendar.walk("VEVENT")}
