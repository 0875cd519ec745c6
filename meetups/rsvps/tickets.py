"""Tickets, in one place for every domain that reads them (the door, badges, feeds, mail): the code each
`going` RSVP carries, the URL its QR encodes, the QR itself (made once and kept), the hash an offline scanner
keeps instead of the code, and reading a code back from whatever a scanner saw."""

from __future__ import annotations

import hashlib
import io
import re
import secrets
from datetime import datetime
from typing import Any

import segno
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, joinedload

from meetups import errors
from meetups.rsvps.models import Rsvp, TicketQr
from meetups.site import Site

#: a bare code or a whole ticket URL (static/js/scanner/local.js reads codes the same way)
CODE_RE = re.compile(r"(?:/t/)?([A-Za-z0-9_-]{16,64})/?$")


def new_code() -> str:
    """128 bits, URL-safe, 22 characters: a short URL makes a small QR, easy to scan from a phone or badge."""
    return secrets.token_urlsafe(16)


def code_hash(code: str) -> str:
    """What an offline scanner keeps instead of the codes themselves (SHA-256, first 32 hex)."""
    return hashlib.sha256(code.encode()).hexdigest()[:32]


def parse_code(text: Any) -> str | None:
    """A bare code or a whole scanned ticket URL."""
    if not isinstance(text, str) or len(text) > 300:
        return None
    match = CODE_RE.search(text.strip())
    return match.group(1) if match else None


def ticket_url(site: Site, code: str) -> str:
    """The ticket page, which the QR encodes: a phone's camera app opens it too."""
    return site.url("checkin.ticket", code=code)


def _qr(url: str) -> segno.QRCode:
    """A fixed mask skips segno's mask search (~80 % of its time) and decodes as well (BENCHMARKS.md)."""
    return segno.make(url, error="m", mask=0, micro=False)


def make_mail_qr(url: str) -> bytes:
    """A PNG for mail, 6 pixels a module: mail apps scale images smoothly, which blurs a 1-pixel QR."""
    png = io.BytesIO()
    _qr(url).save(png, kind="png", scale=6, border=4)
    return png.getvalue()


def make_qr(url: str) -> tuple[bytes, str]:
    """A 1-pixel-per-module PNG and an SVG, for pages and badges (they scale it crisply)."""
    qr = _qr(url)
    png = io.BytesIO()
    qr.save(png, kind="png", scale=1, border=4)
    svg = io.BytesIO()
    # omitsize: a viewBox instead of width and height, so the page scales it to any size, crisply
    qr.save(
        svg,
        kind="svg",
        scale=1,
        border=4,
        xmldecl=False,
        svgns=True,
        nl=False,
        svgclass=None,
        lineclass=None,
        omitsize=True,
    )
    return png.getvalue(), svg.getvalue().decode()


def get_qr(session: Session, code: str, *, site: Site, now: datetime) -> TicketQr:
    """The ticket's QR, made on first use and reused after (the ticket URL never changes for a code)."""
    stored = session.get(TicketQr, code)
    if stored is None:
        # Two requests may make the same QR at once (the badge preview and the PDF): the first row stands, the
        # other reads it (the QR is the same either way).
        png, svg = make_qr(ticket_url(site, code))
        dialect_insert = (
            postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        )
        session.execute(
            dialect_insert(TicketQr)
            .values(code=code, png=png, svg=svg, created_at=now)
            .on_conflict_do_nothing(index_elements=["code"])
        )
        stored = session.get(TicketQr, code)
    return stored


def get_qr_pngs(session: Session, codes: list[str], *, site: Site, now: datetime) -> dict[str, bytes]:
    """Many PNGs at once, for badge sheets: one query for just the PNG column (a sheet of 1,000 needs no SVG
    and no ORM objects), and the missing ones made."""
    query = select(TicketQr.code, TicketQr.png).where(TicketQr.code.in_(codes))
    found: dict[str, bytes] = {code: png for code, png in session.execute(query)}
    for code in codes:
        if code not in found:
            found[code] = get_qr(session, code, site=site, now=now).png
    return found


def get_ticket(session: Session, code: str) -> Rsvp:
    """The RSVP a ticket code belongs to (void ones too: the page says so); any other code is not found."""
    rsvp = (
        None
        if parse_code(code) != code
        else session.scalar(
            select(Rsvp)
            .options(joinedload(Rsvp.event), joinedload(Rsvp.member))
            .where(Rsvp.ticket_code == code)
        )
    )
    if rsvp is None:
        raise errors.NotFound(_("There is no such ticket."))
    return rsvp


def get_ticket_page(
    session: Session, code: str, *, site: Site, now: datetime
) -> tuple[Rsvp, TicketQr | None]:
    """The ticket and, while it is valid, its QR (made on the first view and kept: the caller commits)."""
    rsvp = get_ticket(session, code)
    return rsvp, get_qr(session, code, site=site, now=now) if rsvp.valid_ticket_code else None
