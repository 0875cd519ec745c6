"""The one clock. Tests monkeypatch `clock.now`; code calls it through the module (`clock.now()`)."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
