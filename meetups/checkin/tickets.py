"""Tickets: the URL a QR code carries, and the QR made once per ticket and kept."""

from __future__ import annotations

import io
from datetime import datetime

import segno
from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from meetups.checkin.models import TicketQr


def ticket_url(code: str, base_url: str | None = None) -> str:
    """Short on purpose: a shorter URL gives a smaller QR version, easier to scan from a phone or a badge."""
    return f"{base_url or current_app.config['BASE_URL']}/t/{code}"


def make_qr(url: str) -> tuple[bytes, str]:
    """A 1-pixel-per-module PNG and an SVG. A fixed mask skips segno's mask search (~80 % of its time) and
    decodes as well (BENCHMARKS.md)."""
    qr = segno.make(url, error="m", mask=0, micro=False)
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


def get_qr(session: Session, code: str, *, now: datetime, base_url: str | None = None) -> TicketQr:
    """The ticket's QR, made on first use and reused after (the ticket URL never changes for a code)."""
    stored = session.get(TicketQr, code)
    if stored is None:
        png, svg = make_qr(ticket_url(code, base_url))
        stored = TicketQr(code=code, png=png, svg=svg, created_at=now)
        session.add(stored)
        session.flush()
    return stored


def get_qr_pngs(
    session: Session, codes: list[str], *, now: datetime, base_url: str | None = None
) -> dict[str, bytes]:
    """Many PNGs at once, for badge sheets: one query for just the PNG column (a sheet of 1,000 needs no SVG
    and no ORM objects), and the missing ones made."""
    query = select(TicketQr.code, TicketQr.png).where(TicketQr.code.in_(codes))
    found: dict[str, bytes] = {code: png for code, png in session.execute(query)}
    for code in codes:
        if code not in found:
            found[code] = get_qr(session, code, now=now, base_url=base_url).png
    return found
