"""Badge sheets as PDF: HTML and print CSS through WeasyPrint, in this process or in warm worker processes.

Nothing here touches Flask or the database: the service hands over plain `Badge` tuples. A worker runs this
very file as a script (`python -P sheets.py`) so it imports WeasyPrint but never the app (importing `meetups`
costs ~80 MB per process).

Why it is built this way: WeasyPrint's time goes per element and per line of text (cascade, layout, then
shaping each line again to draw it), far more than per glyph. So WeasyPrint lays out only what differs from
badge to badge, and nothing twice:
- the name, and pronouns with affiliation: two absolutely placed boxes of known size, the name sized by
  measuring it (never shrink-to-fit);
- what every badge of one role shares (the community's band, the event line, the ribbon) once per role, as a
  "frame" page at the end of the same document. pikepdf then draws that page under each badge as a form
  XObject, a drawing referenced by name like an image, and drops the page;
- the QR code not at all: the ticket's stored 1-pixel-per-module PNG goes into the PDF as an image whose
  compressed rows are copied unchanged (PDF reads PNG's row filters natively), where WeasyPrint would decode
  and re-encode it twice.
The element tree is built directly rather than written as HTML and parsed again.
"""

from __future__ import annotations

import contextlib
import gc
import io
import logging
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from email.message import EmailMessage
from functools import cache
from pathlib import Path
from typing import NamedTuple
from xml.etree.ElementTree import Element, SubElement

log = logging.getLogger("meetups.badges")
# At INFO, WeasyPrint announces every rendering step (its own stylesheets at import too) and pikepdf its
# start-up: only their problems belong in our log.
logging.getLogger("weasyprint").setLevel(logging.ERROR)
logging.getLogger("pikepdf").setLevel(logging.WARNING)

ROLES = ("attendee", "speaker", "volunteer", "organiser")
#: ribbon colours: distinct hues *and* the role written on the ribbon, never colour alone
RIBBON_COLORS = {"attendee": "#343a40", "speaker": "#6741d9", "volunteer": "#2b8a3e", "organiser": "#c92a2a"}


class Badge(NamedTuple):
    name: str
    pronouns: str
    affiliation: str
    role: str  # one of ROLES
    qr_png: bytes | None  # the ticket's 1-pixel-per-module PNG; staff without a ticket get none


class Sheet(NamedTuple):
    """What every badge of one print run shares."""

    layout: str
    event_line: (
        str  # "PyCon Berlin · Tue 7 April 2030", already in the event's zone and the reader's language
    )
    color: str  # the community's "#rrggbb"
    role_labels: dict[str, str]  # translated ribbon texts
    crop_marks: bool = False


IN = 25.4
PT = IN / 72  # mm per point


@dataclass(frozen=True)
class Layout:
    """A sheet of badges, and where each part of a badge goes: mm from the badge's top-left corner. Sizes are
    those of the 90×55 mm card times `scale`; A6 is one large portrait badge."""

    page: tuple[float, float]  # mm
    cols: int
    rows: int
    badge: tuple[float, float]  # mm
    portrait: bool = False

    @property
    def per_sheet(self) -> int:
        return self.cols * self.rows

    @property
    def margins(self) -> tuple[float, float]:
        """Left and top: the grid sits centred, which is also where Avery 5392 stock puts its cards."""
        return (
            (self.page[0] - self.cols * self.badge[0]) / 2,
            (self.page[1] - self.rows * self.badge[1]) / 2,
        )

    @property
    def scale(self) -> float:
        return 1.5 if self.portrait else self.badge[0] / 90

    @property
    def band(self) -> float:
        """The community-colour band across the top."""
        return 6.0 if self.portrait else 3 * self.scale

    @property
    def qr(self) -> tuple[float, float, float]:
        """Left, top and size of the ticket's QR code."""
        w, _h = self.badge
        if self.portrait:
            return (w - 46) / 2, 82.0, 46.0
        k = self.scale
        return w - 29 * k, 6 * k, 26 * k

    @property
    def name(self) -> tuple[float, float, float, float]:
        """Left, top, width and height of the name's box: beside the QR code on cards, above it on A6."""
        w, h = self.badge
        if self.portrait:
            return 8.0, 20.0, w - 16, 40.0
        k = self.scale
        return 4 * k, 6.5 * k, self.qr[0] - 7 * k, h - 32 * k

    @property
    def text(self) -> tuple[float, float, float]:
        """Left, width and font size (pt) of the small print: pronouns, affiliation and the event line."""
        if self.portrait:
            return 8.0, self.badge[0] - 16, 11.0
        k = self.scale
        return 4 * k, self.badge[0] - 8 * k, 8 * k

    @property
    def ribbon(self) -> tuple[float, float]:
        """Height and font size (pt) of the role ribbon along the bottom."""
        return (16.0, 16.0) if self.portrait else (8 * self.scale, 9 * self.scale)


LAYOUTS = {
    "a4-2x4": Layout((210, 297), 2, 4, (90, 55)),
    "letter-2x3": Layout((8.5 * IN, 11 * IN), 2, 3, (4 * IN, 3.5 * IN)),  # plain paper, cut along the marks
    "avery-5392": Layout((8.5 * IN, 11 * IN), 2, 3, (4 * IN, 3 * IN)),  # pre-cut 4×3 in inserts, 6 a sheet
    "a6": Layout((105, 148), 1, 1, (105, 148), portrait=True),  # one badge, printed on demand
}
DEFAULT_LAYOUT = "a4-2x4"
LINE = 1.2  # line height of the small print
EVENT_LINES = 2  # the event line wraps once at most; a longer one ends in "…"


# Fitting text: sizes chosen from measured widths, so the CSS never has to measure.

#: name size classes, largest first: font size in pt on the 90×55 mm card
NAME_SIZES = {"n1": 21.0, "n2": 17.0, "n3": 13.5, "n4": 10.5, "n5": 8.0}
#: advances (in em) for characters Noto Sans lacks: Arabic, Hebrew and others ~0.68, wide (CJK, emoji) ~1
_NARROW_EM, _WIDE_EM, _NAME_LINE = 0.68, 1.05, 1.12


@cache
def _advances() -> dict[int, float]:
    """Each character's advance in Noto Sans Bold, in em: names are measured, not guessed. Empty when the font
    or fontTools (a WeasyPrint dependency) cannot be found; the estimates below then stand in."""
    try:
        from fontTools.ttLib import TTFont

        path = subprocess.run(
            ["fc-match", "-f", "%{file}", "Noto Sans:bold"], capture_output=True, text=True, timeout=10
        ).stdout
        font = TTFont(path, lazy=True)
        scale, metrics = font["head"].unitsPerEm, font["hmtx"].metrics
        return {code: metrics[glyph][0] / scale for code, glyph in font.getBestCmap().items()}
    except Exception:  # no fontconfig, no font file: fall back to estimates
        log.warning("Noto Sans Bold metrics unavailable; badge names are sized by estimate")
        return {}


def _char_em(char: str) -> float:
    if unicodedata.combining(char):
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return _WIDE_EM  # CJK and emoji come from fallback fonts, about one em wide
    return _advances().get(ord(char), _NARROW_EM) * 1.03  # a little slack for kerning and rounding


def _lines_needed(text: str, per_line: float) -> tuple[int, float]:
    """Lines the text takes at `per_line` em a line (words wrap; a word longer than a line breaks anywhere,
    as overflow-wrap does), and its widest word in em. Bold widths: regular text only comes out narrower."""
    # a hyphen is a break opportunity too: "Hohenzollern-Sigmaringen" may wrap after its hyphen
    words = [sum(_char_em(c) for c in word) for word in text.replace("-", "- ").split()] or [0.0]
    lines, used = 1, 0.0
    for word in words:
        width = word if used == 0 else used + _NARROW_EM / 2 + word
        if width <= per_line:
            used = width
        else:
            lines += 1 + int(word // per_line)
            used = word % per_line
    return lines, max(words)


def name_class(name: str, layout: str = DEFAULT_LAYOUT) -> str:
    """The largest size at which the whole name fits its box on this layout: n1 (short names) … n5 (100
    chars). Letters are measured in Noto Sans Bold, wide characters (CJK, emoji) count as one em; words wrap,
    and a word longer than a line breaks anywhere rather than overflow."""
    box = LAYOUTS[layout]
    _left, _top, width, height = box.name
    for cls, size in NAME_SIZES.items():
        em = size * box.scale * PT  # mm
        per_line = width / em  # in em
        lines, widest = _lines_needed(name, per_line)
        if widest <= per_line and lines <= max(1, int(height / (em * _NAME_LINE))):
            return cls
    return "n5"


def fit_lines(text: str, layout: str, max_lines: int = 1) -> tuple[str, int]:
    """Small print cut to `max_lines` of its box, ending in "…" if it had to be cut, and the lines it takes.
    Only names are never cut; an affiliation is an answer to a question and may be long."""
    box = LAYOUTS[layout]
    _left, width, size = box.text
    per_line = width / (size * PT)
    lines, _widest = _lines_needed(text, per_line)
    if lines <= max_lines:
        return text, lines
    low, high = 0, len(text)  # the longest prefix that fits, found by halving
    while low < high:
        middle = (low + high + 1) // 2
        if _lines_needed(text[:middle].rstrip() + "…", per_line)[0] <= max_lines:
            low = middle
        else:
            high = middle - 1
    return text[:low].rstrip() + "…", max_lines


def direction(text: str) -> str:
    """What `dir="auto"` means (the first strong character decides), worked out here because WeasyPrint maps
    only dir="ltr" and dir="rtl": an Arabic or Hebrew name is right-aligned and laid out right to left."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


# The stylesheet


def _mm(value: float) -> str:
    return f"{value:.2f}mm"


@cache
def _crop_marks_svg(layout_name: str) -> str:
    """Cut lines in the page margin, one per column and row edge, as one image drawn on every page."""
    layout = LAYOUTS[layout_name]
    (pw, ph), (left, top), (bw, bh) = layout.page, layout.margins, layout.badge
    right, bottom = left + layout.cols * bw, top + layout.rows * bh
    gap, length = 2.0, min(7.0, left - 3, top - 3)
    lines = []
    for i in range(layout.cols + 1):
        x = left + i * bw
        lines += [(x, top - gap - length, x, top - gap), (x, bottom + gap, x, bottom + gap + length)]
    for j in range(layout.rows + 1):
        y = top + j * bh
        lines += [(left - gap - length, y, left - gap, y), (right + gap, y, right + gap + length, y)]
    path = " ".join(f"M{x1:.2f} {y1:.2f}L{x2:.2f} {y2:.2f}" for x1, y1, x2, y2 in lines)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{pw}mm" height="{ph}mm" viewBox="0 0 {pw} {ph}">'
        f'<path d="{path}" stroke="#000" stroke-width="0.2" fill="none"/></svg>'
    )


def _page_css(layout_name: str, crop_marks: bool) -> str:
    layout = LAYOUTS[layout_name]
    (pw, ph), (left, top), (bw, bh) = layout.page, layout.margins, layout.badge
    # frame pages are one badge each, and carry no marks
    frame = f"@page frame {{ size: {_mm(bw)} {_mm(bh)}; margin: 0; bleed: 0; marks: none; background: none }}"
    if layout.portrait:
        # the badge is the page: printers' marks go outside it, on a slightly larger sheet
        marks = "bleed: 3mm; marks: crop;" if crop_marks else ""
        return f"@page {{ size: {_mm(pw)} {_mm(ph)}; margin: 0; {marks} }}\n{frame}"
    background = ""
    if crop_marks:
        # the page background is placed from the page area's corner: shift it back to the sheet's corner
        background = (
            f"background: url('marks:{layout_name}') no-repeat {_mm(-left)} {_mm(-top)} / "
            f"{_mm(pw)} {_mm(ph)};"
        )
    return f"@page {{ size: {_mm(pw)} {_mm(ph)}; margin: {_mm(top)} {_mm(left)}; {background} }}\n{frame}"


def _cells_css(layout: Layout, event_lines: int) -> str:
    """Where each cell's name and small print go on the sheet: the small print sits on the event line."""
    left, _width, size = layout.text
    name_left, name_top, _w, _h = layout.name
    bw, bh = layout.badge
    rules = []
    for cell in range(layout.per_sheet):
        row, col = divmod(cell, layout.cols)
        x, y = col * bw, row * bh
        rules.append(f".n.c{cell} {{ left: {_mm(x + name_left)}; top: {_mm(y + name_top)}; }}")
        if layout.portrait:
            rules.append(f".m.c{cell} {{ left: {_mm(x + left)}; top: {_mm(y + 62)}; }}")
        else:
            # from the sheet's bottom: the rows below, the ribbon, a gap, the event line
            bottom = (layout.rows - row - 1) * bh + _event_bottom(layout) + event_lines * size * LINE * PT
            rules.append(f".m.c{cell} {{ left: {_mm(x + left)}; bottom: {_mm(bottom)}; }}")
    return "\n".join(rules)


def _event_bottom(layout: Layout) -> float:
    return layout.ribbon[0] + 1.5 * layout.scale


def _frame_css(layout: Layout) -> str:
    bw, bh = layout.badge
    left, width, size = layout.text
    ribbon, ribbon_size = layout.ribbon
    # on cards the event line sits on the ribbon; on A6 it heads the badge, under the band
    where = "top: 3mm" if layout.portrait else f"bottom: {_mm(_event_bottom(layout))}"
    return f"""
.f {{ page: frame; break-before: page; position: relative; width: {_mm(bw)}; height: {_mm(bh - layout.band)};
     border-top: {_mm(layout.band)} solid var(--accent); }}
.e {{ position: absolute; left: {_mm(left)}; width: {_mm(width)}; {where}; font-size: {size:.2f}pt;
     line-height: {LINE}; color: #333; {"text-align: center;" if layout.portrait else ""} }}
.r {{ position: absolute; left: 0; bottom: 0; width: {_mm(bw)}; height: {_mm(ribbon)};
     line-height: {_mm(ribbon)}; font-size: {ribbon_size:.2f}pt; color: #fff; text-align: center;
     font-weight: bold; letter-spacing: 0.08em; }}
""" + "\n".join(f".{role} {{ background: {color}; }}" for role, color in RIBBON_COLORS.items())


@cache
def stylesheet_text(layout_name: str, crop_marks: bool, event_lines: int = 1) -> str:
    """The whole print stylesheet of one layout. Never name "Noto Color Emoji" in font-family: WeasyPrint and
    Pango then take ASCII digits from the emoji font (BENCHMARKS.md); fontconfig falls back to it for emoji
    anyway."""
    layout = LAYOUTS[layout_name]
    _left, width, size = layout.text
    _x, _y, name_width, name_height = layout.name
    sheet_width, sheet_height = layout.cols * layout.badge[0], layout.rows * layout.badge[1]
    names = "\n".join(f".{cls} {{ font-size: {pt * layout.scale:.2f}pt; }}" for cls, pt in NAME_SIZES.items())
    centred = "text-align: center;" if layout.portrait else ""
    return f"""{_page_css(layout_name, crop_marks)}
html {{ font-family: "Noto Sans", "Noto Sans CJK SC", "Noto Sans Arabic", "Noto Sans Hebrew", sans-serif;
       color: #111; }}
body {{ margin: 0; }}
.s {{ position: relative; width: {_mm(sheet_width)}; height: {_mm(sheet_height)}; break-after: page; }}
.n {{ position: absolute; width: {_mm(name_width)}; height: {_mm(name_height)}; overflow: hidden;
     font-weight: bold; line-height: {_NAME_LINE}; overflow-wrap: anywhere; hyphens: manual; {centred} }}
.m {{ position: absolute; width: {_mm(width)}; font-size: {size:.2f}pt; line-height: {LINE};
     white-space: pre; color: #333; {centred} }}
{names}
{_cells_css(layout, event_lines)}
{_frame_css(layout)}
"""


# The document


def _document(sheet: Sheet, badges: Sequence[Badge], event_line: str) -> tuple[Element, list[str]]:
    """One `.s` block per sheet with each badge's name and small print, then one frame page for each role
    on them; returns the tree and those roles, in page order."""
    layout = sheet.layout
    per = LAYOUTS[layout].per_sheet
    html = Element("html")
    SubElement(html, "head")
    body = SubElement(html, "body", {"style": f"--accent: {sheet.color}"})
    for first in range(0, len(badges), per):
        block = SubElement(body, "div", {"class": "s"})
        for cell, badge in enumerate(badges[first : first + per]):
            name = SubElement(
                block,
                "div",
                {"class": f"n {name_class(badge.name, layout)} c{cell}", "dir": direction(badge.name)},
            )
            name.text = badge.name
            meta = "\n".join(
                fit_lines(part, layout)[0] for part in (badge.pronouns, badge.affiliation) if part
            )
            if meta:
                small = SubElement(block, "div", {"class": f"m c{cell}", "dir": direction(meta)})
                small.text = meta
    used = {_role(b) for b in badges}
    roles = [role for role in ROLES if role in used]
    for role in roles:
        frame = SubElement(body, "div", {"class": "f"})
        SubElement(frame, "div", {"class": "e", "dir": direction(event_line)}).text = event_line
        # upper-cased here rather than by CSS text-transform: one less thing to compute per frame
        SubElement(frame, "div", {"class": f"r {role}"}).text = sheet.role_labels.get(role, role).upper()
    return html, roles


def _role(badge: Badge) -> str:
    return badge.role if badge.role in RIBBON_COLORS else "attendee"


# Rendering in this process


class RenderError(Exception):
    """A sheet could not be rendered (a worker died, WeasyPrint failed)."""


_lock = threading.Lock()  # WeasyPrint's font configuration and our caches are shared: one render at a time


@cache
def _weasy():
    """WeasyPrint, its font configuration and a URL fetcher that serves only the crop marks: the HTML never
    loads anything from the network or the disk."""
    import cssselect2
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    svg = EmailMessage()
    svg["Content-Type"] = "image/svg+xml"

    class Fetcher(URLFetcher):
        def fetch(self, url, headers=None):
            scheme, _sep, rest = url.partition(":")
            if scheme == "marks":
                return URLFetcherResponse(url, _crop_marks_svg(rest).encode(), svg)
            raise ValueError(f"badge sheets load nothing else: {url[:40]}")

    fonts = FontConfiguration()
    # WeasyPrint matches every element against its whole HTML5 user-agent stylesheet (hundreds of rules); ours
    # uses one element and two directions, and the cascade takes a quarter less time with just these rules.
    user_agent = CSS(
        string="html, body, div { display: block } head { display: none } "
        "[dir=rtl] { direction: rtl } [dir=ltr] { direction: ltr }",
        font_config=fonts,
    )
    fetcher = Fetcher()

    class BadgeHTML(HTML):
        """A document from the element tree we built: what `HTML.__init__` sets after parsing, without the
        parsing. (`_ua_stylesheets` and these attributes are WeasyPrint's own; pyproject pins the minor
        version they were read from.)"""

        def __init__(self, root: Element) -> None:
            self.base_url = None
            self.url_fetcher = fetcher
            self.media_type = "print"
            self.wrapper_element = cssselect2.ElementWrapper.from_html_root(root, content_language=None)
            self.etree_element = self.wrapper_element.etree_element

        def _ua_stylesheets(self, forms=False):
            return [user_agent]

    return BadgeHTML, CSS, fonts, fetcher


@cache
def _stylesheet(layout_name: str, crop_marks: bool, event_lines: int):
    _HTML, CSS, fonts, fetcher = _weasy()
    return CSS(
        string=stylesheet_text(layout_name, crop_marks, event_lines), font_config=fonts, url_fetcher=fetcher
    )


def render_pdf(sheet: Sheet, badges: Sequence[Badge]) -> bytes:
    """The PDF of these badges, rendered here (a sheet or a few: about 2 ms a badge once warm)."""
    if sheet.layout not in LAYOUTS:
        raise RenderError(f"unknown layout {sheet.layout!r}")
    HTML, _CSS, fonts, _fetcher = _weasy()
    event_line, event_lines = fit_lines(sheet.event_line, sheet.layout, EVENT_LINES)
    tree, roles = _document(sheet, badges, event_line)
    with _lock:
        document = HTML(tree).render(
            stylesheets=[_stylesheet(sheet.layout, sheet.crop_marks, event_lines)], font_config=fonts
        )
        pdf = document.write_pdf()
    return _stamp(pdf, LAYOUTS[sheet.layout], badges, roles)


# Stamping frames and QR codes onto the pages

MM = 72 / IN  # points per mm


def _stamp(pdf: bytes, layout: Layout, badges: Sequence[Badge], roles: list[str]) -> bytes:
    """Draw each badge's frame (its role's page, as a form XObject) under it and its QR code on it, then drop
    the frame pages."""
    import pikepdf
    from pikepdf import Name

    (bw, bh), (left, top), per = layout.badge, layout.margins, layout.per_sheet
    qr_left, qr_top, qr_size = (v * MM for v in layout.qr)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        pages = document.pages
        count = len(pages) - len(roles)
        frames = {role: pages[count + n].as_form_xobject() for n, role in enumerate(roles)}
        for number in range(count):
            page = pages[number]
            x0, _y0, _x1, y1 = (float(v) for v in page.trimbox)  # the sheet without its bleed
            drawn, ops = pikepdf.Dictionary(), []
            for cell, badge in enumerate(badges[number * per : (number + 1) * per]):
                row, col = divmod(cell, layout.cols)
                x = x0 + (left + col * bw) * MM
                y = y1 - (top + (row + 1) * bh) * MM  # the badge's bottom-left corner
                role = _role(badge)
                drawn[f"/MtF{role}"] = frames[role]
                ops.append(f"q 1 0 0 1 {x:.3f} {y:.3f} cm /MtF{role} Do Q")
                if badge.qr_png:
                    drawn[f"/MtQ{cell}"] = _png_image(document, badge.qr_png)
                    qr_y = y + bh * MM - qr_top - qr_size
                    ops.append(
                        f"q {qr_size:.3f} 0 0 {qr_size:.3f} {x + qr_left:.3f} {qr_y:.3f} cm /MtQ{cell} Do Q"
                    )
            # WeasyPrint's pages share one resource dictionary: each page gets its own, with its own drawings
            shared = page.Resources
            for key, value in (shared.get(Name.XObject) or {}).items():
                drawn[key] = value
            page.Resources = pikepdf.Dictionary({key: shared[key] for key in shared if key != Name.XObject})
            page.Resources[Name.XObject] = drawn
            page.contents_add(pikepdf.Stream(document, " ".join(ops).encode()), prepend=True)
        del pages[count:]
        out = io.BytesIO()
        document.save(out)
        return out.getvalue()


def _png_image(document, png: bytes):
    """A PDF image made from a PNG's own compressed rows. PDF's FlateDecode with a PNG predictor reads them as
    they are, so nothing is decoded or encoded; a PNG this cannot take (colour, interlaced) goes through
    Pillow once to 8-bit grey."""
    import pikepdf
    from pikepdf import Name

    width, height, depth, colour, _compression, _filter, interlace = struct.unpack(">IIBBBBB", png[16:29])
    if colour != 0 or interlace or png[12:16] != b"IHDR":
        from PIL import Image

        grey = io.BytesIO()
        Image.open(io.BytesIO(png)).convert("L").save(grey, format="PNG")
        return _png_image(document, grey.getvalue())
    rows, at = [], 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        if png[at + 4 : at + 8] == b"IDAT":
            rows.append(png[at + 8 : at + 8 + length])
        at += length + 12  # length, type, data, CRC
    image = pikepdf.Stream(document, b"")
    image.write(
        b"".join(rows),
        filter=Name.FlateDecode,
        decode_parms=pikepdf.Dictionary(Predictor=15, Colors=1, BitsPerComponent=depth, Columns=width),
    )
    image.Type, image.Subtype = Name.XObject, Name.Image
    image.Width, image.Height, image.BitsPerComponent = width, height, depth
    image.ColorSpace, image.Interpolate = Name.DeviceGray, False
    return image


WARM_UP_NAMES = ("Warm Up", "Разогрев", "Προθέρμανση", "预热 準備 준비", "الإحماء", "חימום", "🎉")


def warm_up() -> None:
    """Load WeasyPrint, pikepdf and every font a badge may need (Latin, Cyrillic, Greek, CJK, Arabic, Hebrew,
    emoji) once, so the first real sheet does not pay for it."""
    sheet = Sheet(DEFAULT_LAYOUT, "Warm-up · 0123456789", "#3b5bdb", {})
    for name, value in LAYOUTS.items():
        badges = [
            Badge(n, "they/them", "Ünïcode", ROLES[i % 4], _warm_qr()) for i, n in enumerate(WARM_UP_NAMES)
        ]
        render_pdf(sheet._replace(layout=name), badges[: value.per_sheet])


@cache
def _warm_qr() -> bytes:
    import segno

    buffer = io.BytesIO()
    segno.make("warm-up", error="m", mask=0, micro=False).save(buffer, kind="png", scale=1, border=4)
    return buffer.getvalue()


# Warm worker processes, for large runs: each renders a chunk, the chunks are merged in order.


def _send(stream, payload: object) -> None:
    data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(struct.pack("!Q", len(data)) + data)
    stream.flush()


def _receive(stream) -> object:
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError
    (size,) = struct.unpack("!Q", header)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


class _Worker:
    def __init__(self) -> None:
        # -P: the script's folder stays off sys.path, so nothing here shadows a library module.
        # A fixed mmap threshold: WeasyPrint copies each font file it draws from into memory per document
        # (20 MB for CJK, 11 MB for emoji); glibc would otherwise raise its threshold after the first free and
        # keep such blocks in the heap. Fixed, they go back to the system after every chunk: the pool's peak
        # (PSS) is ~40 MB lower and no slower.
        self.proc = subprocess.Popen(
            [sys.executable, "-P", str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
            env={**os.environ, "MALLOC_MMAP_THRESHOLD_": "262144"},
        )
        self.ready = self.broken = False

    def call(self, sheet: Sheet, badges: Sequence[Badge]) -> bytes:
        try:
            if not self.ready:
                if _receive(self.proc.stdout) != "ready":
                    raise EOFError
                self.ready = True
            # plain tuples: the worker runs this file as __main__, where our classes have another module name
            _send(self.proc.stdin, (tuple(sheet), [tuple(b) for b in badges]))
            status, value = _receive(self.proc.stdout)
        except (EOFError, BrokenPipeError, OSError) as exc:
            self.broken = True
            raise RenderError("a badge worker stopped") from exc
        if status != "ok":
            raise RenderError(value)
        return value

    def stop(self) -> None:
        with contextlib.suppress(OSError):  # already gone
            self.proc.stdin.close()  # the worker leaves its loop at end of input
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc.stdout.close()


class RenderPool:
    """Warm worker processes. Several threads (two jobs at once) may share a pool: a chunk takes a free
    worker."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._idle: queue.SimpleQueue[_Worker] = queue.SimpleQueue()
        self._workers = [_Worker() for _ in range(size)]
        for worker in self._workers:
            self._idle.put(worker)
        self._threads = ThreadPoolExecutor(size, thread_name_prefix="badge-render")

    @property
    def pids(self) -> list[int]:
        return [w.proc.pid for w in self._workers]

    def wait_ready(self) -> None:
        """Block until every worker has warmed up (tests and benchmarks; requests just queue behind it)."""
        for worker in self._workers:
            if not worker.ready:
                worker.ready = _receive(worker.proc.stdout) == "ready"

    def _run(self, sheet: Sheet, badges: Sequence[Badge]) -> bytes:
        worker = self._idle.get()
        try:
            return worker.call(sheet, badges)
        except RenderError:
            if worker.broken:  # replace a dead worker, so the pool keeps its size
                self._workers.remove(worker)
                worker.stop()
                worker = _Worker()
                self._workers.append(worker)
            raise
        finally:
            self._idle.put(worker)

    def render(
        self,
        sheet: Sheet,
        badges: Sequence[Badge],
        *,
        chunk: int,
        progress: Callable[[int], None] | None = None,
    ) -> bytes:
        """Render in chunks of whole sheets across the workers and merge them in order; `progress(done)` is
        called in the calling thread as chunks finish."""
        if sheet.layout not in LAYOUTS:
            raise RenderError(f"unknown layout {sheet.layout!r}")
        per = LAYOUTS[sheet.layout].per_sheet
        chunk = max(per, chunk - chunk % per)
        parts = [badges[i : i + chunk] for i in range(0, len(badges), chunk)]
        futures = {self._threads.submit(self._run, sheet, part): n for n, part in enumerate(parts)}
        pdfs: list[bytes | None] = [None] * len(parts)
        done = 0
        for future in as_completed(futures):
            n = futures[future]
            pdfs[n] = future.result()
            done += len(parts[n])
            if progress is not None:
                progress(done)
        return merge_pdfs([pdf for pdf in pdfs if pdf is not None])

    def close(self) -> None:
        for worker in self._workers:
            worker.stop()
        self._threads.shutdown(wait=False)


_pool: RenderPool | None = None
_pool_lock = threading.Lock()


def get_pool(size: int | None = None) -> RenderPool:
    """The process's pool, started on first use and kept warm (MEETUPS_BADGE_WORKERS, default 2)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = RenderPool(size or int(os.environ.get("MEETUPS_BADGE_WORKERS", "0") or 2))
        return _pool


def close_pool() -> None:
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.close()
            _pool = None


def chunk_size(count: int, workers: int) -> int:
    """Two chunks a worker keep both busy while the progress bar moves; at most 300 badges per chunk keeps a
    worker's memory flat however large the event."""
    return max(1, min(300, -(-count // (2 * workers))))


def merge_pdfs(pdfs: Sequence[bytes]) -> bytes:
    """One PDF from the chunks, in order. PDFium copies pages in C: 4 chunks of 250 badges in ~25 ms and 7 MB,
    half the time and a third of the memory of pikepdf (whose import alone is 12 MB in the job's process),
    where pypdf takes over a second."""
    if len(pdfs) == 1:
        return pdfs[0]
    import pypdfium2 as pdfium

    merged = pdfium.PdfDocument.new()
    try:
        for pdf in pdfs:
            part = pdfium.PdfDocument(pdf)
            try:
                merged.import_pages(part)
            finally:
                part.close()
        out = io.BytesIO()
        merged.save(out)
        return out.getvalue()
    finally:
        merged.close()


# Preview


def first_page_png(pdf: bytes, dpi: int = 60) -> bytes:
    """The first page as PNG (WeasyPrint 53+ no longer writes PNG): PDFium renders it in ~20 ms."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        image = page.render(scale=dpi / 72).to_pil()
        page.close()
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False)
    return out.getvalue()


# The worker's side


def _serve() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must never corrupt the pipe
    warm_up()
    # what warm-up loaded (WeasyPrint, fonts, caches) stays: the collector need not walk it again on every
    # pass, which takes a tenth off a large run
    gc.freeze()
    _send(stdout, "ready")
    while True:
        try:
            sheet, badges = _receive(stdin)
        except EOFError:
            return
        try:
            _send(stdout, ("ok", render_pdf(Sheet(*sheet), [Badge(*b) for b in badges])))
        except Exception as exc:  # reported to the parent, which fails the job with it
            log.exception("badge render failed")
            _send(stdout, ("error", f"{type(exc).__name__}: {exc}"))


if __name__ == "__main__":
    _serve()
