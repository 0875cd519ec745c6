"""The real app in a background thread on a free port, with demo data; Debian's Chromium via Playwright."""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from meetups import clock, create_app, demo, web
from meetups.extensions import db

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """The app as members meet it: CSRF and a file database, with the demo data loaded."""
    database = tmp_path_factory.mktemp("live") / "meetups.db"
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}", "RATELIMIT_ENABLED": False, "MAIL_URL": ""}
    )
    with app.app_context():
        db.create_all()
        demo.load(db.session, now=clock.now(), secret=web.site().secret_key)
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = url
    web.install_site(app)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield url, app
    server.shutdown()
    thread.join(timeout=10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run scripts/test, which installs Debian's chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from tests.chromium import shared_chromium  # one for the run: tests/checkin imports this fixture too

    with shared_chromium(CHROMIUM, CHROMIUM_ARGS) as browser:
        yield browser


@pytest.fixture
def phone(browser):
    """A 360 x 740 phone screen, the smallest we design for."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="en-GB",
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("screenshots")
