"""The README's production steps, on a clean copy of the tree (what a fresh clone holds: no static/build, no
node_modules, no instance/): install, `flask --app app build-static`, `db upgrade`, gunicorn. Before the build
the scanner says what to run instead of loading no script; after it, every file it loads is served."""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from harness.servers import free_port
from tests.factories import csrf_token

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def _clean_copy(dest: Path) -> None:
    """The files a clone of this tree would have: tracked ones and new ones not ignored, as they are now."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


@contextmanager
def _gunicorn(clone: Path, env: dict) -> str:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "app:app"],
        cwd=clone,
        env=env,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if requests.get(f"{url}/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None, "gunicorn exited"
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def _volunteer(url: str) -> requests.Session:
    browser = requests.Session()
    token = csrf_token(browser.get(f"{url}/login").text)
    response = browser.post(
        f"{url}/login",
        data={"email": "volunteer@example.org", "password": "demo-volunteer-pass", "csrf_token": token},
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text
    return browser


def test_a_clean_clone_gets_a_working_scanner_from_the_documented_steps(tmp_path):
    clone = tmp_path / "clone"
    _clean_copy(clone)
    assert not (clone / "static" / "build").exists() and not (clone / "node_modules").exists()
    database = tmp_path / "prod.db"
    env = {
        **os.environ,
        "PYTHONPATH": str(clone),  # the copy's code, not this checkout's editable install
        "MEETUPS_DATABASE_URL": f"sqlite:///{database}",
        "MEETUPS_SECRET_KEY": "production-recipe-test",
        "MEETUPS_RATE_LIMITS": "off",
    }
    imported = subprocess.run(
        [sys.executable, "-c", "import meetups; print(meetups.__file__)"],
        cwd=clone,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert imported.startswith(str(clone)), imported
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    for step in (["db", "upgrade"], ["demo"]):
        subprocess.run([*flask, *step], cwd=clone, env=env, check=True, capture_output=True)
    with sqlite3.connect(database) as db:
        (event_id,) = db.execute(
            "SELECT event_id FROM event_staff JOIN members ON members.id = member_id "
            "WHERE email = 'volunteer@example.org'"
        ).fetchone()

    with _gunicorn(clone, env) as url:
        page = _volunteer(url).get(f"{url}/e/{event_id}/checkin")
        assert page.status_code == 503
        assert "flask --app app build-static" in page.text

    build = subprocess.run([*flask, "build-static"], cwd=clone, env=env, capture_output=True, text=True)
    assert build.returncode == 0, build.stdout + build.stderr

    with _gunicorn(clone, env) as url:
        volunteer = _volunteer(url)
        page = volunteer.get(f"{url}/e/{event_id}/checkin")
        assert page.status_code == 200
        loaded = set(re.findall(r'["\'](/static/build/[^"\'?]+)', page.text)) | {"/scanner-sw.js"}
        assert {"/static/build/scanner.js", "/static/build/zxing_reader.wasm"} <= loaded
        for path in sorted(loaded):
            response = volunteer.get(f"{url}{path}")
            assert response.status_code == 200 and len(response.content) > 1000, path
