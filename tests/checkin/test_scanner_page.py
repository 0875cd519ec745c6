"""The scanner page's shell without a browser: who may open it, what it hands the script, the web-app
manifest and the service worker route. The browser tests (test_scanner_browser.py) drive the script."""

import json
import re
from datetime import timedelta

import pytest

from meetups.checkin import door as door_links
from meetups.events.models import StaffRole
from tests.factories import make_event, make_member, make_staff


@pytest.fixture
def event(session, now):
    return make_event(session, starts_at=now + timedelta(hours=1), title="Door night")


def _json_block(html: str, element_id: str) -> dict:
    match = re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S)
    assert match, f"#{element_id} missing"
    return json.loads(match.group(1))


@pytest.mark.parametrize("role", [StaffRole.organiser, StaffRole.volunteer])
def test_staff_get_the_scanner_with_its_config_and_words(client, session, login, event, role):
    member = login(make_staff(session, event, make_member(session, name="Vic"), role).member)
    response = client.get(f"/e/{event.id}/checkin")
    assert response.status_code == 200
    html = response.text
    config = _json_block(html, "scanner-config")
    assert config["eventId"] == event.id and config["doorToken"] == ""
    assert config["pageUrl"] == f"/e/{event.id}/checkin" and config["swUrl"] == "/scanner-sw.js"
    assert config["wasmUrl"].startswith("/static/build/zxing_reader.wasm?v=")  # ours, never a CDN
    assert config["checkinOpensAt"] == event.checkin_opens().isoformat()
    words = _json_block(html, "scanner-strings")
    assert words["welcome"] == "Welcome, {name}"
    assert words["waiting_offline"]["5"] == "Offline — {num} scans waiting to sync"
    assert words["guests"]["1"] == "(+{num} guest)"
    for element in ("answer", "wedge", "search", "scanner-banner", "stats-in", "camera-start", "last-undo"):
        assert f'id="{element}"' in html
    assert f'href="/e/{event.id}/checkin/manifest.webmanifest"' in html
    assert "/static/build/scanner.js" in html and member.name in html


def test_russian_plurals_reach_the_script(client, session, login, event):
    login(make_staff(session, event, make_member(session), StaffRole.volunteer).member)
    html = client.get(f"/e/{event.id}/checkin?lang=ru").text
    words = _json_block(html, "scanner-strings")
    assert set(words["waiting_offline"]) == {"0", "1", "2", "3", "5", "11", "21", "22", "101"}
    assert all("{num}" in text for text in words["waiting_offline"].values())


def test_a_door_link_opens_the_scanner_and_hands_its_token_to_the_script(client, session, event, now):
    organiser = make_staff(session, event, make_member(session), StaffRole.organiser).member
    _link, token = door_links.create_door_link(
        session, event_id=event.id, actor=organiser, label="Front door", now=now
    )
    first = client.get(f"/e/{event.id}/checkin?door={token}")
    assert first.status_code == 302 and first.headers["Location"].endswith(f"/e/{event.id}/checkin")
    page = client.get(f"/e/{event.id}/checkin")
    assert page.status_code == 200 and "Front door" in page.text
    assert _json_block(page.text, "scanner-config")["doorToken"] == token


@pytest.mark.parametrize("who", ["stranger", "member", "other event's volunteer"])
def test_everyone_else_is_refused(client, session, login, event, now, who):
    if who == "member":
        login(make_member(session))
    elif who == "other event's volunteer":
        other = make_event(session, community=event.community, starts_at=now + timedelta(hours=1))
        login(make_staff(session, other, make_member(session), StaffRole.volunteer).member)
    response = client.get(f"/e/{event.id}/checkin")
    if who == "stranger":
        assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403
    assert "scanner-config" not in response.text


def test_the_manifest_points_an_installed_scanner_at_this_event(client, event):
    response = client.get(f"/e/{event.id}/checkin/manifest.webmanifest")
    assert response.status_code == 200 and response.mimetype == "application/manifest+json"
    manifest = json.loads(response.text)
    assert manifest["start_url"] == manifest["scope"] == manifest["id"] == f"/e/{event.id}/checkin"
    assert manifest["display"] == "standalone" and manifest["theme_color"]
    assert manifest["name"] == "Meetups check-in"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
        image.close()


def test_the_service_worker_is_served_from_the_root_uncached(client, app, tmp_path, monkeypatch):
    build = tmp_path / "build"
    build.mkdir()
    (build / "scanner-sw.js").write_text("self.addEventListener('fetch', () => {});")
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    response = client.get("/scanner-sw.js")
    assert response.status_code == 200 and "javascript" in response.mimetype
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response.headers["Cache-Control"]
    response.close()
    (build / "scanner-sw.js").unlink()
    assert client.get("/scanner-sw.js").status_code == 404  # not built yet: a plain 404, never a 500
