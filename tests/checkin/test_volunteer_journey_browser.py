"""Journey 2 of issue 17 in Debian's Chromium: a volunteer on a phone, with no account, opens the door link
an organiser made on the door-links page, and the phone's camera (Chromium's fake camera, showing one badge
cut from the event's real badge sheet: the PDF from /e/<id>/badges.pdf rasterised by poppler's pdftoppm)
reads the ticket with the scanner's own wasm decoder: green. Then the network goes; more badges of the same
sheet are read by a keyboard-wedge scanner paired to the phone (their text decoded from the same image by
zxing-cpp) and answered from the phone's list; back online the queue syncs and the database has them all.
The live server runs on a fresh database of the test database's kind, so this runs on PostgreSQL too."""

from __future__ import annotations

import re
import subprocess
import threading
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select
from werkzeug.serving import make_server

from harness.servers import create_schema, fresh_database
from meetups import clock, create_app, web
from meetups.badges import sheets
from meetups.checkin.models import CheckIn, DoorLink, Scan
from meetups.events.models import StaffRole
from meetups.extensions import db
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.rsvps.tickets import new_code as new_ticket_code
from tests.badges.conftest import require_tools
from tests.checkin.conftest import CHROMIUM, CHROMIUM_ARGS, log_in, require_build
from tests.factories import make_event, make_member, make_staff

pytestmark = pytest.mark.browser

NAMES = ["Bea Badge", "Omar Offline", "Nia Next", "Sol Stays"]
DPI = 150  # a sheet printed and held up to a phone: the badge fills the viewfinder's square
FRAME = (640, 480)


@pytest.fixture(scope="module")
def live_server():
    """The app in a thread with CSRF on, on a fresh database of the test database's kind."""
    require_build()
    require_tools()
    with fresh_database() as database_url:
        create_schema(database_url)
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False, "MAIL_URL": ""}
        )
        server = make_server("127.0.0.1", 0, app, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        app.config["BASE_URL"] = url
        web.install_site(app)
        thread = threading.Thread(target=server.serve_forever, name="volunteer-live-server", daemon=True)
        thread.start()
        yield url, app
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def seed(app) -> dict:
    """An event starting in an hour (its door is open), its organiser, and four people going."""
    now = clock.now()
    with app.app_context():
        session = db.session
        event = make_event(session, starts_at=now + timedelta(hours=1), capacity=50, title="Badge door night")
        organiser = make_member(session, name="Olga Organiser", email_verified_at=now)
        make_staff(session, event, organiser, StaffRole.organiser)
        rsvps = {}
        for name in NAMES:
            rsvp = Rsvp(
                event=event,
                member=make_member(session, name=name, email_verified_at=now),
                status=RsvpStatus.going,
                guests=0,
                ticket_code=new_ticket_code(),
                created_at=now,
                updated_at=now,
            )
            session.add(rsvp)
            session.flush()
            rsvps[rsvp.ticket_code] = (rsvp.id, name)
        seeded = {"event_id": event.id, "organiser": organiser.email, "rsvps": rsvps}
        session.commit()
    return seeded


def rasterise(pdf: bytes, folder) -> Image.Image:
    """The sheet's first page as a greyscale image, the way a printer and a camera would see it."""
    source = folder / "badges.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        [
            "pdftoppm",
            "-r",
            str(DPI),
            "-gray",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            source,
            folder / "sheet",
        ],
        check=True,
        capture_output=True,
    )
    return Image.open(folder / "sheet.png").convert("L")


def badges_on(sheet: Image.Image) -> list[tuple[str, Image.Image]]:
    """Every badge of the page with a QR code: its decoded text (zxing-cpp) and its cell of the sheet."""
    import zxingcpp

    layout = sheets.LAYOUTS[sheets.DEFAULT_LAYOUT]
    px = DPI / 25.4
    (left, top), (width, height) = layout.margins, layout.badge
    found = []
    for code in zxingcpp.read_barcodes(sheet, formats=zxingcpp.BarcodeFormat.QRCode):
        corners = [code.position.top_left, code.position.bottom_right]
        x = sum(point.x for point in corners) / 2 / px
        y = sum(point.y for point in corners) / 2 / px
        col, row = int((x - left) // width), int((y - top) // height)
        box = [(left + col * width) * px, (top + row * height) * px]
        box += [box[0] + width * px, box[1] + height * px]
        found.append((code.text, sheet.crop(tuple(round(edge) for edge in box))))
    return found


def y4m_of_badge(badge: Image.Image, path) -> None:
    """A still video for Chromium's fake camera (YUV4MPEG2 4:2:0, full-range grey): the badge fills the
    square in the middle of the frame, the part the scanner decodes."""
    width, height = FRAME
    square = min(width, height)
    scale = square / max(badge.size)
    fitted = badge.resize((round(badge.width * scale), round(badge.height * scale)), Image.LANCZOS)
    frame = Image.new("L", FRAME, 255)
    frame.paste(fitted, ((width - fitted.width) // 2, (height - fitted.height) // 2))
    chroma = b"\x80" * (width // 2 * height // 2 * 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _frame in range(2):
            out.write(b"FRAME\n" + frame.tobytes() + chroma)


def checked_in(app, event_id) -> dict[int, int]:
    with app.app_context():
        rows = db.session.execute(
            select(CheckIn.rsvp_id, CheckIn.door_link_id).where(
                CheckIn.event_id == event_id, CheckIn.undone_at.is_(None)
            )
        ).all()
        return dict(rows)


def scans(app, event_id) -> list[str]:
    with app.app_context():
        return sorted(db.session.scalars(select(Scan.result).where(Scan.event_id == event_id)))


def door_link_id(app, event_id) -> int:
    with app.app_context():
        return db.session.scalar(select(func.max(DoorLink.id)).where(DoorLink.event_id == event_id))


def test_door_link_badge_on_camera_green_offline_wedge_then_synced(
    live_server, browser, tmp_path, screenshots
):
    url, app = live_server
    seeded = seed(app)
    event_id, rsvps = seeded["event_id"], seeded["rsvps"]

    # The organiser, on a laptop: a door link for the volunteer, and the badge sheet for the printer.
    laptop = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-GB")
    laptop.set_default_timeout(15_000)
    try:
        desk = laptop.new_page()
        log_in(desk, url, seeded["organiser"])
        desk.goto(f"{url}/e/{event_id}/door-links")
        desk.get_by_label("Name of the link").fill("Front door, Vera")
        desk.get_by_role("button", name="Create door link").click()
        door_url = desk.get_by_label("Door link", exact=True).input_value()
        assert re.fullmatch(rf"{re.escape(url)}/e/{event_id}/checkin\?door=door_[\w-]+", door_url)
        response = laptop.request.get(f"{url}/e/{event_id}/badges.pdf")
        assert response.ok and response.headers["content-type"] == "application/pdf"
        pdf = response.body()
    finally:
        laptop.close()
    link_id = door_link_id(app, event_id)

    sheet = rasterise(pdf, tmp_path)
    badges = badges_on(sheet)
    codes = {text.rsplit("/", 1)[-1]: (text, image) for text, image in badges}
    assert sorted(codes) == sorted(rsvps), "every ticket's badge on the sheet, each QR its ticket URL"
    assert all(text == f"{url}/t/{code}" for code, (text, _image) in codes.items())
    by_name = {rsvps[code][1]: (code, *codes[code]) for code in codes}
    bea_code, _bea_text, bea_badge = by_name["Bea Badge"]
    bea_badge.save(screenshots / "volunteer-badge-cut-from-sheet.png")
    video = tmp_path / "badge.y4m"
    y4m_of_badge(bea_badge, video)

    # The volunteer's phone, whose camera shows Bea's badge: no account, only the door link.
    phone_browser = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = phone_browser.new_context(
            viewport={"width": 360, "height": 740},
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            locale="en-GB",
        )
        context.grant_permissions(["camera"], origin=url)
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.goto(door_url)
        page.wait_for_function("document.body.classList.contains('scanner-ready')")
        assert page.url == f"{url}/e/{event_id}/checkin", "the token leaves the address bar"
        expect(page.get_by_role("heading", name="Badge door night")).to_be_visible()
        expect(page.locator("#list-state")).to_contain_text("4 tickets on this phone")

        answer, title, banner = (
            page.locator("#answer"),
            page.locator("#answer-title"),
            page.locator("#scanner-banner"),
        )
        expect(title).to_have_text("Welcome, Bea Badge", timeout=30_000)
        expect(answer).to_have_class(re.compile(r"\banswer-good\b"))
        last = page.evaluate("window.meetupsScanner.door.last")
        assert (last["result"], last["local"], last["source"]) == ("ok", False, "camera")
        assert page.evaluate("window.meetupsScanner.camera.decoder.kind") == "zxing"
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), "scrolls sideways"
        page.screenshot(path=str(screenshots / "volunteer-badge-green-360.png"))
        bea_id = rsvps[bea_code][0]
        assert checked_in(app, event_id) == {bea_id: link_id}, "checked in by the door link, online"

        # The camera off (it would read Bea again); the network gone; a wedge scanner reads the others.
        page.locator("#camera-start").click()
        assert page.evaluate("window.meetupsScanner.camera.running") is False
        context.set_offline(True)
        expect(banner).to_have_text("Offline — answers come from this phone's list.")
        wedge = page.locator("#wedge")
        for name in ("Omar Offline", "Nia Next"):
            _code, text, _image = by_name[name]
            wedge.focus()
            page.keyboard.type(text)
            page.keyboard.press("Enter")
            expect(title).to_have_text(f"Welcome, {name}")
            expect(answer).to_have_class(re.compile(r"\banswer-good\b"))
            last = page.evaluate("window.meetupsScanner.door.last")
            assert (last["result"], last["local"], last["source"]) == ("ok", True, "wedge")
        wedge.focus()
        page.keyboard.type(by_name["Bea Badge"][1])  # Bea again: the phone knows she came in online
        page.keyboard.press("Enter")
        expect(title).to_have_text(re.compile(r"^Already checked in at \d\d:\d\d by Front door, Vera$"))
        expect(answer).to_have_class(re.compile(r"\banswer-warn\b"))
        expect(banner).to_have_text("Offline — 3 scans waiting to sync")
        page.screenshot(path=str(screenshots / "volunteer-offline-queued-360.png"))
        assert checked_in(app, event_id) == {bea_id: link_id}, "nothing reached the server offline"

        context.set_offline(False)
        expect(banner).to_be_hidden(timeout=15_000)
        expect(page.locator("#conflicts")).to_be_hidden()
        omar_id, nia_id = (rsvps[by_name[name][0]][0] for name in ("Omar Offline", "Nia Next"))
        assert checked_in(app, event_id) == {bea_id: link_id, omar_id: link_id, nia_id: link_id}
        assert scans(app, event_id) == ["already_checked_in", "ok", "ok", "ok"]
        assert page.evaluate(f"window.meetupsScanner.door.store.queued({event_id})") == []
        expect(page.locator("#stats-in")).to_have_text("3")
        expect(page.locator("#stats-expected")).to_have_text("4")
        answer.click()  # tap to continue: the volunteer sees the numbers again
        expect(answer).to_be_hidden()
        page.screenshot(path=str(screenshots / "volunteer-synced-360.png"))
    finally:
        phone_browser.close()
