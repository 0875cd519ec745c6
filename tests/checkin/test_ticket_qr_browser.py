"""The ticket a member shows at the door: the QR on a phone screen decodes to the ticket's own URL."""

import pytest
import zxingcpp
from PIL import Image

pytestmark = pytest.mark.browser


def test_ticket_page_qr_decodes_to_the_ticket_url(door_factory, scanner_context, screenshots):
    door = door_factory(names=["Anna Ticket"])
    ticket = door.tickets[0]
    page = scanner_context().new_page()

    page.goto(f"{door.base_url}/t/{ticket.code}")
    assert page.get_by_text("Anna Ticket").is_visible()
    qr = page.locator(".ticket .qr svg").bounding_box()
    assert qr["width"] >= 250 and qr["height"] >= 250  # big enough to scan from a phone held up at the door
    path = screenshots / "ticket-360.png"
    page.screenshot(path=str(path), full_page=True)

    found = zxingcpp.read_barcodes(Image.open(path))
    assert [(code.format, code.text) for code in found] == [(zxingcpp.BarcodeFormat.QRCode, ticket.url)]
    # the live server's own address, so a phone camera opens the ticket page
    assert ticket.url == f"{door.base_url}/t/{ticket.code}"
