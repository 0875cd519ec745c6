"""The volunteers' scanner in Debian's Chromium: scans go through window.meetupsScanner.handleDecoded, the
handler the camera calls for every QR it reads (one test feeds the real camera path a fake video of a
ticket); offline scans are decided on the phone, queued, synced once; the page reopens with no server."""

import re
import time

import pytest
import segno
from playwright.sync_api import expect
from sqlalchemy import func, select

from meetups import clock
from meetups.accounts.models import Member
from meetups.checkin import door as door_links
from meetups.checkin import service as checkin
from meetups.checkin.models import CheckIn, Scan
from meetups.extensions import db
from meetups.rsvps.models import RsvpStatus
from tests.checkin.conftest import CHROMIUM, CHROMIUM_ARGS, log_in, make_door, open_scanner

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("built")]

OFFLINE_TARGET_MS = 50
ONLINE_TARGET_MS = 300


def scan(page, text, **options):
    """What the camera does with each QR it reads."""
    return page.evaluate(
        "([text, options]) => window.meetupsScanner.handleDecoded(text, options)", [text, options]
    )


def live_checkins(app, event_id):
    with app.app_context():
        rows = db.session.execute(
            select(CheckIn.rsvp_id, func.count())
            .where(CheckIn.event_id == event_id, CheckIn.undone_at.is_(None))
            .group_by(CheckIn.rsvp_id)
        ).all()
        return dict(rows)


def scan_count(app, event_id):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Scan).where(Scan.event_id == event_id))


def test_online_green_then_amber_undo_wedge_and_search(
    live_server, door_factory, scanner_context, screenshots
):
    url, app = live_server
    door = door_factory(names=["Anna Online", "Ben Wedge", "Cleo Search"], guests={"Anna Online": 1})
    anna, ben, cleo = door.tickets
    page = scanner_context().new_page()
    log_in(page, url, door.organiser_email)
    open_scanner(page, door)
    answer_box, title = page.locator("#answer"), page.locator("#answer-title")

    first = scan(page, anna.url)
    assert first["result"] == "ok" and first["local"] is False
    expect(answer_box).to_be_visible()
    expect(answer_box).to_have_class(re.compile(r"\banswer-good\b"))
    expect(title).to_have_text("Welcome, Anna Online (+1 guest)")
    page.screenshot(path=str(screenshots / "scanner-green-360.png"))
    print(f"online decode→answer: {first['ms']} ms (target {ONLINE_TARGET_MS} ms)")
    assert first["ms"] < 2000

    assert scan(page, anna.url) is None, "the same code read again within 3 s is the camera still seeing it"
    page.wait_for_timeout(3100)
    again = scan(page, anna.url)
    assert again["result"] == "already_checked_in"
    expect(answer_box).to_have_class(re.compile(r"\banswer-warn\b"))
    expect(title).to_have_text(re.compile(r"^Already checked in at \d\d:\d\d by Olga Door$"))
    expect(page.locator("#answer-detail")).to_have_text("Anna Online")
    page.screenshot(path=str(screenshots / "scanner-amber-360.png"))
    assert live_checkins(app, door.event_id) == {anna.rsvp_id: 1}

    # The keyboard wedge types into the focused input and presses Enter; then a mistaken scan is undone.
    expect(page.locator("#answer")).to_be_hidden(timeout=5000)
    expect(page.locator("#wedge")).to_be_focused()
    page.keyboard.type(ben.url)
    page.keyboard.press("Enter")
    expect(title).to_have_text("Welcome, Ben Wedge")
    page.locator("#answer-undo").click()
    expect(page.locator("#last-text")).to_have_text("Undone: Ben Wedge can be scanned again.")
    assert live_checkins(app, door.event_id) == {anna.rsvp_id: 1}
    page.locator("#wedge").focus()
    page.keyboard.type(ben.code)
    page.keyboard.press("Enter")
    expect(title).to_have_text("Welcome, Ben Wedge")

    # A QR that will not scan: find the person by name, one tap.
    expect(answer_box).to_be_hidden(timeout=5000)
    page.locator("#search").fill("cleo")
    page.get_by_role("button", name="Check in").click()
    expect(title).to_have_text("Welcome, Cleo Search")
    assert live_checkins(app, door.event_id) == {anna.rsvp_id: 1, ben.rsvp_id: 1, cleo.rsvp_id: 1}

    expect(page.locator("#stats-in")).to_have_text("4")  # Anna and her guest, Ben, Cleo
    expect(page.locator("#stats-expected")).to_have_text("4")
    expect(page.locator("#stats-arrivals li")).to_have_count(1)
    expect(page.locator("#answer")).to_be_hidden(timeout=5000)
    expect(page.locator("#wedge")).to_be_focused()  # ready for the next scan without a tap


def test_refusals_are_red_with_the_reason(live_server, door_factory, scanner_context):
    url, app = live_server
    door = door_factory(
        names=["Wanda Wait", "Carl Cancel"],
        statuses={"Wanda Wait": RsvpStatus.waitlisted, "Carl Cancel": RsvpStatus.cancelled},
    )
    other = door_factory(names=["Otto Other"])
    page = scanner_context().new_page()
    open_scanner(page, door, door_link=True)
    title, detail = page.locator("#answer-title"), page.locator("#answer-detail")
    cases = [
        (door.tickets[0].url, "Waitlisted", "Wanda Wait"),
        (door.tickets[1].url, "Cancelled", "Carl Cancel"),
        (other.tickets[0].url, "Wrong event", "Door test night"),
        (f"{url}/t/NoSuchTicketAtAllxx", "Not on the list", ""),
    ]
    for text, expected_title, expected_detail in cases:
        assert scan(page, text)["local"] is False
        expect(page.locator("#answer")).to_have_class(re.compile(r"\banswer-bad\b"))
        expect(title).to_have_text(expected_title)
        expect(detail).to_have_text(expected_detail)
    assert live_checkins(app, door.event_id) == {}
    assert scan_count(app, door.event_id) == 4  # refused scans are on record too


def test_offline_scans_are_decided_here_queued_and_synced_once(
    live_server, door_factory, scanner_context, screenshots
):
    _url, app = live_server
    names = [f"Guest {n}" for n in range(1, 6)]
    door = door_factory(
        names=[*names, "Dora Both", "Wanda Wait", "Sam Search"],
        statuses={"Wanda Wait": RsvpStatus.waitlisted},
    )
    guests, (dora, wanda, sam) = door.tickets[:5], door.tickets[5:]
    context = scanner_context()
    page = context.new_page()
    open_scanner(page, door, door_link=True)
    expect(page.locator("#list-state")).to_contain_text("8 tickets on this phone")
    banner = page.locator("#scanner-banner")

    context.set_offline(True)
    expect(banner).to_have_text("Offline — answers come from this phone's list.")
    timings = []
    for ticket in guests:
        answer = scan(page, ticket.url)
        assert (answer["result"], answer["local"]) == ("ok", True)
        expect(page.locator("#answer-title")).to_have_text(f"Welcome, {ticket.name}")
        timings.append(answer["ms"])
    expect(banner).to_have_text("Offline — 5 scans waiting to sync")
    page.screenshot(path=str(screenshots / "scanner-offline-360.png"))
    print(f"offline decode→answer: {timings} ms (target {OFFLINE_TARGET_MS} ms)")
    assert max(timings) < 500

    again = scan(page, guests[0].url, repeat=True)  # a second local scan of an admitted ticket
    assert (again["result"], again["local"]) == ("already_checked_in", True)
    expect(page.locator("#answer-title")).to_have_text(
        re.compile(r"^Already checked in at \d\d:\d\d by this phone$")
    )
    assert scan(page, wanda.url)["result"] == "not_confirmed"
    expect(page.locator("#answer-title")).to_have_text("Waitlisted")

    # Meanwhile another scanner, online, admits Dora; this phone admits her too, later, offline.
    with app.app_context():
        organiser = db.session.scalar(select(Member).where(Member.email == door.organiser_email))
        checkin.check_in(
            db.session,
            event_id=door.event_id,
            scanner=door_links.Scanner(member=organiser),
            text=dora.code,
            client_scan_id="other-phone-1",
            now=clock.now(),
        )
        db.session.commit()
    assert scan(page, dora.url)["result"] == "ok"
    expect(banner).to_have_text("Offline — 8 scans waiting to sync")

    # Sam's QR will not scan: found by name in the list on the phone; the code is looked up at sync.
    expect(page.locator("#answer")).to_be_hidden(timeout=5000)
    page.locator("#search").fill("sam")
    page.get_by_role("button", name="Check in").click()
    expect(page.locator("#answer-title")).to_have_text("Welcome, Sam Search")
    expect(banner).to_have_text("Offline — 9 scans waiting to sync")
    assert live_checkins(app, door.event_id) == {dora.rsvp_id: 1}
    queued = page.evaluate(f"window.meetupsScanner.door.store.queued({door.event_id})")
    assert len(queued) == 9 and len({item["client_scan_id"] for item in queued}) == 9

    context.set_offline(False)
    expect(banner).to_be_hidden(timeout=15_000)
    expected = {ticket.rsvp_id: 1 for ticket in [*guests, dora, sam]}
    assert live_checkins(app, door.event_id) == expected
    assert scan_count(app, door.event_id) == 10  # 9 from this phone, 1 from the other scanner
    conflicts = page.locator("#conflicts")
    expect(conflicts).to_be_visible()
    expect(conflicts).to_contain_text(
        re.compile(r"Dora Both — was already checked in at \d\d:\d\d by Olga Door")
    )
    expect(conflicts.locator("li")).to_have_count(1)
    page.screenshot(path=str(screenshots / "scanner-synced-360.png"), full_page=True)

    # Replaying the same batch, and syncing again, change nothing.
    replay = page.evaluate(
        """async ([eventId, token, items]) => {
            const response = await fetch(`/api/v1/events/${eventId}/checkins/batch`, {
              method: "POST", headers: {"Content-Type": "application/json", "X-Door-Token": token},
              body: JSON.stringify({checkins: items.filter((item) => item.code).map(
                ({code, client_scan_id, scanned_at}) => ({code, client_scan_id, scanned_at}))})});
            return (await response.json()).results;
        }""",
        [door.event_id, door.door_token, queued],
    )
    assert len(replay) == 8 and all(result.get("replayed") for result in replay)
    assert page.evaluate("window.meetupsScanner.sync()") is True
    assert live_checkins(app, door.event_id) == expected
    assert scan_count(app, door.event_id) == 10
    stats = page.evaluate(
        """async ([eventId, token]) => (await fetch(`/api/v1/events/${eventId}/stats`,
             {headers: {"X-Door-Token": token}})).json()""",
        [door.event_id, door.door_token],
    )
    assert (stats["checked_in"], stats["tickets_scanned"], stats["expected"]) == (7, 7, 7)
    expect(page.locator("#stats-in")).to_have_text("7")


def test_reload_with_the_server_gone_still_opens_the_scanner(own_server, scanner_context):
    door = make_door(own_server.app, own_server.url, names=["Eve Reload"])
    context = scanner_context()
    page = context.new_page()
    open_scanner(page, door, door_link=True)
    # Controlled by the service worker, which has kept this page (wait_for_function cannot await a promise).
    kept = """async () => Boolean(navigator.serviceWorker.controller &&
        await (await caches.open("scanner-pages")).match(location.origin + location.pathname))"""
    deadline = time.monotonic() + 15
    while not page.evaluate(kept):
        assert time.monotonic() < deadline, "the service worker never took over the scanner page"
        page.wait_for_timeout(200)

    own_server.stop()  # not emulation: nothing answers on that port any more
    context.set_offline(True)
    page.reload()
    page.wait_for_function("document.body.classList.contains('scanner-ready')")
    expect(page.get_by_role("heading", name="Door test night")).to_be_visible()
    answer = scan(page, door.tickets[0].url)
    assert (answer["result"], answer["local"]) == ("ok", True)
    expect(page.locator("#answer-title")).to_have_text("Welcome, Eve Reload")
    expect(page.locator("#scanner-banner")).to_have_text("Offline — 1 scan waiting to sync")


def y4m_of_qr(text: str, path, width: int = 640, height: int = 480) -> None:
    """A still video of a QR code for Chromium's fake camera (YUV4MPEG2, 4:2:0): black modules on white."""
    qr = segno.make(text, error="m")
    matrix = [list(row) for row in qr.matrix_iter(border=4)]
    scale = min(width, height) * 3 // 4 // len(matrix)
    size = scale * len(matrix)
    left, top = (width - size) // 2, (height - size) // 2
    luma = bytearray(b"\xeb" * (width * height))
    for y, row in enumerate(matrix):
        for x, dark in enumerate(row):
            if dark:
                for dy in range(scale):
                    start = (top + y * scale + dy) * width + left + x * scale
                    luma[start : start + scale] = b"\x10" * scale
    chroma = b"\x80" * (width // 2 * height // 2 * 2)
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _frame in range(2):
            out.write(b"FRAME\n" + bytes(luma) + chroma)


def test_the_camera_reads_a_ticket_with_the_wasm_decoder(live_server, door_factory, browser, tmp_path):
    """The real camera path: Chromium's fake camera shows a ticket QR, the worker decodes it with our own
    ZXing wasm (Linux Chromium has no native BarcodeDetector), and the answer is green."""
    url, _app = live_server
    door = door_factory(names=["Carla Camera"])
    video = tmp_path / "ticket.y4m"
    y4m_of_qr(door.tickets[0].url, video)
    camera_browser = browser.browser_type.launch(
        executable_path=str(CHROMIUM),
        args=[
            *CHROMIUM_ARGS,
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ],
    )
    try:
        context = camera_browser.new_context(viewport={"width": 360, "height": 740}, locale="en-GB")
        context.grant_permissions(["camera"], origin=url)
        context.set_default_timeout(20_000)
        hosts = set()
        context.on("request", lambda request: hosts.add(re.sub(r"^\w+://([^/]+).*$", r"\1", request.url)))
        page = context.new_page()
        open_scanner(page, door, door_link=True)
        expect(page.locator("#answer-title")).to_have_text("Welcome, Carla Camera", timeout=30_000)
        assert page.evaluate("window.meetupsScanner.camera.decoder.kind") == "zxing"
        assert page.evaluate("window.meetupsScanner.camera.running") is True
        assert hosts <= {url.removeprefix("http://")}, f"the scanner fetched from elsewhere: {hosts}"
        with live_server[1].app_context():
            assert (
                db.session.scalar(
                    select(func.count()).select_from(CheckIn).where(CheckIn.event_id == door.event_id)
                )
                == 1
            )
    finally:
        camera_browser.close()


def test_guests_one_by_one(live_server, door_factory, scanner_context):
    url, app = live_server
    door = door_factory(names=["Gita Guests"], guests={"Gita Guests": 2})
    (gita,) = door.tickets
    page = scanner_context().new_page()
    log_in(page, url, door.organiser_email)
    open_scanner(page, door)
    page.locator("#guests-one-by-one").check()
    first = scan(page, gita.url)
    assert first["result"] == "ok" and first["attendee"]["guests_admitted"] == 0
    expect(page.locator("#answer-title")).to_have_text("Welcome, Gita Guests")
    guest_button = page.locator("#last-guest")
    for admitted in (1, 2):
        # wait for this tap's answer: the title already reads the same after the first tap
        with page.expect_response(lambda r: r.request.method == "POST" and "/checkins" in r.url) as answer:
            guest_button.click()
        assert answer.value.json()["attendee"]["guests_admitted"] == admitted
        expect(page.locator("#answer-title")).to_have_text("Welcome, Gita Guests (+1 guest)")
        with app.app_context():
            stored = db.session.scalar(select(CheckIn.guests_admitted).where(CheckIn.rsvp_id == gita.rsvp_id))
        assert stored == admitted
    expect(guest_button).to_be_hidden()  # the whole party is in
    assert live_checkins(app, door.event_id) == {gita.rsvp_id: 1}
