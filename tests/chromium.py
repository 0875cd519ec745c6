"""One Debian Chromium for the whole test run, shared by every conftest that drives it (tests/browser,
tests/checkin): Playwright's sync API allows one instance per thread, so a second `sync_playwright()` while
the first is open fails with "using Playwright Sync API inside the asyncio loop"."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

_shared: dict[str, Any] = {"users": 0}


@contextlib.contextmanager
def shared_chromium(executable: Path, args: list[str]) -> Iterator[Any]:
    """The run's Chromium, launched by the first fixture that asks and closed when the last one is done."""
    if not _shared["users"]:
        from playwright.sync_api import sync_playwright

        _shared["playwright"] = sync_playwright().start()
        _shared["browser"] = _shared["playwright"].chromium.launch(executable_path=str(executable), args=args)
    _shared["users"] += 1
    try:
        yield _shared["browser"]
    finally:
        _shared["users"] -= 1
        if not _shared["users"]:
            _shared.pop("browser").close()
            _shared.pop("playwright").stop()
