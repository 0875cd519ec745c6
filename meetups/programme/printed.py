"""The printed programme for the venue's walls: one landscape page per day (A4, or A3 for many rooms), rooms
side by side, time running down in quarter hours, each session a box as tall as it lasts, in the clock at the
venue. Cancelled sessions are left out (a wall is printed once); a break without a room spans every column.

The HTML is built here as an element tree (every text is escaped by the serialiser, so what organisers type
stays text) and WeasyPrint lays it out with the installed Noto fonts, so every script prints. Boxes are placed
absolutely and clip what does not fit, so a day never runs onto a second page; before that, each box's text
is measured (roughly, in em per character) and set in the largest size at which the title fits whole,
dropping the speakers and then the track line before the title ever shrinks past legibility."""

from __future__ import annotations

import logging
import math
import threading
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from xml.etree.ElementTree import Element, SubElement, tostring

from babel.dates import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from meetups import errors
from meetups.accounts.models import Member
from meetups.events.models import Event
from meetups.programme import exports
from meetups.programme.models import ProgrammeSession, Room

logging.getLogger("weasyprint").setLevel(logging.ERROR)

#: page width and height in mm, landscape
SIZES = {"a4": (297.0, 210.0), "a3": (420.0, 297.0)}
MARGIN, HEADER, ROOM_ROW, TIME_COLUMN = 10.0, 15.0, 9.0, 13.0
SLOT_MINUTES = 15
LONGEST_SLOT = 9.0  # mm: a short day is not stretched over the whole page
PT = 25.4 / 72  # mm per point
LINE = 1.18
PAD_X, PAD_Y, STRIPE = 1.0, 0.7, 1.4  # mm inside a box; the track's colour stripe on its left
FONT = '"Noto Sans", "Noto Sans CJK SC", "Noto Sans Arabic", "Noto Sans Hebrew", sans-serif'
_lock = threading.Lock()  # one render at a time: WeasyPrint's font configuration is shared


@dataclass(frozen=True)
class Box:
    """Where a session goes on its page (mm from the grid's top-left corner) and which of its lines fit."""

    item: ProgrammeSession
    left: float
    top: float
    width: float
    height: float
    size: float  # pt, the title's
    lines: tuple[str, ...]  # which of "time", "title", "speakers", "track" are printed


def programme_pdf(
    session: Session, *, event_id: int, viewer: Member | None, size: str = "a4", locale: str = "en"
) -> bytes:
    """Public for published events, like the agenda; drafts only for who manages them."""
    if size not in SIZES:
        raise errors.InvalidInput(_("The size is a4 or a3."), field="size")
    programme = exports.get_programme(session, event_id=event_id, viewer=viewer)
    return render(document(programme, size, locale))


def document(programme: exports.Programme, size: str, locale: str) -> str:
    """The whole HTML: a stylesheet and one page per day of the event."""
    event = programme.event
    page_w, page_h = SIZES[size]
    html = Element("html", {"lang": locale})
    head = SubElement(html, "head")
    SubElement(head, "meta", {"charset": "utf-8"})
    SubElement(head, "title").text = event.title
    SubElement(head, "style").text = _css(page_w, page_h)
    body = SubElement(html, "body")
    shown = [s for s in programme.sessions if not s.is_cancelled]
    for day, items in sorted(exports.sessions_by_day(event, shown).items()):
        _day_page(body, event, day, items, (page_w - 2 * MARGIN, page_h - 2 * MARGIN), locale)
    return "<!DOCTYPE html>\n" + tostring(html, encoding="unicode", method="html")


def _css(page_w: float, page_h: float) -> str:
    return f"""
@page {{ size: {page_w}mm {page_h}mm; margin: {MARGIN}mm; }}
html {{ font-family: {FONT}; color: #111; }}
body {{ margin: 0; }}
.day {{ position: relative; height: {page_h - 2 * MARGIN - 0.5}mm; overflow: hidden; break-after: page; }}
.day:last-child {{ break-after: auto; }}
h1 {{ margin: 0; font-size: 15pt; line-height: 1.15; white-space: nowrap; overflow: hidden; }}
.sub {{ margin: 0.6mm 0 0; font-size: 8pt; color: #444; }}
.grid {{ position: absolute; left: 0; top: {HEADER}mm; }}
.room {{ position: absolute; top: 0; height: {ROOM_ROW - 1}mm; overflow: hidden; font-weight: bold;
        font-size: 9pt; line-height: 1.1; text-align: center; overflow-wrap: anywhere; }}
.line {{ position: absolute; left: 0; border-top: 0.2mm solid #bbb; }}
.line.half {{ border-top: 0.1mm dotted #ccc; }}
.t {{ position: absolute; left: 0; width: {TIME_COLUMN - 1.5}mm; font-size: 7pt; color: #333; }}
.s {{ position: absolute; overflow: hidden; background: #f3f4f6; border-left: {STRIPE}mm solid #868e96;
     padding: {PAD_Y}mm {PAD_X}mm; box-sizing: border-box; line-height: {LINE};
     overflow-wrap: anywhere; hyphens: manual; }}
.s.break {{ background: #e9ecef; border-left-color: #adb5bd; text-align: center; font-style: italic; }}
.s p {{ margin: 0; }}
.s .title {{ font-weight: bold; }}
.s .meta {{ color: #333; }}
.empty {{ position: absolute; top: {HEADER + ROOM_ROW}mm; font-size: 12pt; color: #555; }}
"""


def _wall_minutes(value: datetime, event: Event, day: date) -> int:
    """Minutes after the day's midnight as the venue's clocks show them (a DST day keeps its wall times)."""
    local = value.astimezone(event.zone).replace(tzinfo=None)
    return int((local - datetime.combine(day, time())).total_seconds() // 60)


def _day_page(body, event: Event, day: date, items: list[ProgrammeSession], area, locale: str) -> None:
    width, height = area
    page = SubElement(body, "div", {"class": "day"})
    SubElement(page, "h1").text = f"{event.title} · {format_date(day, 'EEEE d MMMM y', locale=locale)}"
    SubElement(page, "p", {"class": "sub"}).text = _(
        "Times are the clock at the venue (%(zone)s).", zone=event.timezone
    )
    if not items:
        SubElement(page, "p", {"class": "empty"}).text = _("No sessions this day.")
        return
    rooms = _rooms(items)
    starts = min(_wall_minutes(s.starts_at, event, day) for s in items) // 60 * 60
    ends = math.ceil(max(_wall_minutes(s.ends_at, event, day) for s in items) / 60) * 60
    slots = max(1, (ends - starts) // SLOT_MINUTES)
    slot = min(LONGEST_SLOT, (height - HEADER - ROOM_ROW) / slots)
    column = (width - TIME_COLUMN) / max(1, len(rooms))
    grid = SubElement(page, "div", {"class": "grid", "style": f"width: {width:.2f}mm"})
    for index, room in enumerate(rooms):
        style = f"left: {TIME_COLUMN + index * column:.2f}mm; width: {column - 1:.2f}mm"
        SubElement(
            grid, "div", {"class": "room", "style": style, "dir": _direction(room.name)}
        ).text = room.name
    for n in range(slots + 1):
        minute = starts + n * SLOT_MINUTES
        top = ROOM_ROW + n * slot
        if minute % 30 == 0:
            kind = "line" if minute % 60 == 0 else "line half"
            SubElement(grid, "div", {"class": kind, "style": f"top: {top:.2f}mm; width: {width:.2f}mm"})
            if n < slots:
                label = f"{minute // 60 % 24:02d}:{minute % 60:02d}"
                SubElement(grid, "div", {"class": "t", "style": f"top: {top + 0.4:.2f}mm"}).text = label
    columns = {room.id: index for index, room in enumerate(rooms)}
    ordered = sorted(items, key=lambda s: s.room is not None)  # breaks across all rooms drawn underneath
    for item in ordered:
        first = _wall_minutes(item.starts_at, event, day) - starts
        last = _wall_minutes(item.ends_at, event, day) - starts
        left = TIME_COLUMN + (columns[item.room.id] * column if item.room else 0)
        box = fit(
            item,
            event,
            left=left + 0.4,
            top=ROOM_ROW + first / SLOT_MINUTES * slot + 0.3,
            width=(column if item.room else column * len(rooms)) - 0.8,
            height=max(slot, (last - first) / SLOT_MINUTES * slot) - 0.6,
        )
        _draw(grid, box, event)


def _rooms(items: list[ProgrammeSession]) -> list[Room]:
    """The rooms in use that day, left to right as on the agenda."""
    rooms = {s.room.id: s.room for s in items if s.room is not None}
    return sorted(rooms.values(), key=lambda r: (r.position, r.name, r.id))


def _em(char: str, bold: bool) -> float:
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.0
    if char.isspace():
        return 0.27
    if char.isupper() or char.isdigit():
        return 0.68 if bold else 0.64
    return 0.6 if bold else 0.56


def lines_needed(text: str, size: float, width: float, bold: bool = False) -> int:
    """How many lines the text takes at `size` pt in `width` mm, words wrapping, long ones broken."""
    room = width / (size * PT)  # in em
    lines, used = 1, 0.0
    for word in text.split():
        word_em = sum(_em(c, bold) for c in word)
        gap = 0.27 if used else 0.0
        if used + gap + word_em <= room:
            used += gap + word_em
            continue
        if used:
            lines += 1
        lines += int(word_em // room) if word_em > room else 0
        used = word_em % room if word_em > room else word_em
    return lines


def _texts(item: ProgrammeSession, event: Event) -> dict[str, str]:
    zone = event.zone
    track = item.track.name if item.track else ""
    return {
        "time": f"{item.starts_at.astimezone(zone):%H:%M}–{item.ends_at.astimezone(zone):%H:%M}",
        "title": item.title,
        "speakers": ", ".join(s.name for s in item.speakers),
        "track": track,
    }


CHOICES = (
    (("time", "title", "speakers", "track"), (14, 12, 11, 10, 9, 8, 7, 6.5)),
    (("time", "title", "speakers"), (7, 6.5, 6)),
    (("time", "title"), (7, 6.5, 6, 5.5)),
    (("title",), (6, 5.5, 5, 4.5, 4)),
)


def fit(item: ProgrammeSession, event: Event, *, left: float, top: float, width: float, height: float) -> Box:
    """The largest type, and the most lines, at which the whole title fits the box."""
    inner_w, inner_h = width - STRIPE - 2 * PAD_X, height - 2 * PAD_Y
    texts = _texts(item, event)
    for wanted, sizes in CHOICES:
        shown = tuple(name for name in wanted if texts[name])
        for size in sizes:
            if _height(texts, shown, size, inner_w) <= inner_h:
                return Box(item, left, top, width, height, size, shown)
    return Box(item, left, top, width, height, CHOICES[-1][1][-1], ("title",))


def _height(texts: dict[str, str], shown: tuple[str, ...], size: float, width: float) -> float:
    total = 0.0
    for name in shown:
        line_size = size if name == "title" else size * 0.85
        total += lines_needed(texts[name], line_size, width, bold=name == "title") * line_size * LINE * PT
    return total * 1.04  # the estimate's margin of error


def _draw(grid: Element, box: Box, event: Event) -> None:
    item = box.item
    style = (
        f"left: {box.left:.2f}mm; top: {box.top:.2f}mm; width: {box.width:.2f}mm; height: {box.height:.2f}mm;"
        f" font-size: {box.size}pt"
    )
    if item.track is not None and item.room is not None:
        style += f"; border-left-color: {item.track.colour}"  # "#rrggbb": checked by programme.fields
    classes = "s break" if item.room is None else "s"
    node = SubElement(grid, "div", {"class": classes, "style": style})
    texts = _texts(item, event)
    for name in box.lines:
        css = "title" if name == "title" else "meta"
        size = "" if name == "title" else f"font-size: {box.size * 0.85:.2f}pt"
        line = SubElement(node, "p", {"class": css, "style": size, "dir": _direction(texts[name])})
        line.text = texts[name]


def _direction(text: str) -> str:
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


@cache
def _weasy():
    """WeasyPrint (imported on first use: it is big), its fonts, and a fetcher that loads nothing, so no
    text an organiser typed can make the server fetch a URL."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    class Refuse(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"the printed programme loads nothing: {url[:40]}")

    return HTML, FontConfiguration(), Refuse()


def render(html: str) -> bytes:
    HTML, fonts, fetcher = _weasy()
    with _lock:
        return HTML(string=html, url_fetcher=fetcher).write_pdf(font_config=fonts)
