"""Badge sheets as PDF: HTML and print CSS through WeasyPrint, in this process or in warm worker processes.

Nothing here touches Flask or the database: the service hands over plain `Badge` tuples. A worker runs this
very file as a script (`python -P sheets.py`) so it imports WeasyPrint but never the app (importing `meetups`
costs ~80 MB per process). Why the HTML looks the way it does: WeasyPrint's time goes per element (cascade,
layout, drawing) far more than per glyph, so a badge is five absolutely placed elements of known size (no
shrink-to-fit, no floats): the name; pronouns, affiliation and event in one text; the QR; the ribbon.
"""

from __future__ import annotations

import contextlib
import html
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

log = logging.getLogger("meetups.badges")

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


@dataclass(frozen=True)
class Layout:
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


IN = 25.4
LAYOUTS = {
    "a4-2x4": Layout((210, 297), 2, 4, (90, 55)),
    "letter-2x3": Layout((8.5 * IN, 11 * IN), 2, 3, (4 * IN, 3.5 * IN)),  # plain paper, cut along the marks
    "avery-5392": Layout((8.5 * IN, 11 * IN), 2, 3, (4 * IN, 3 * IN)),  # pre-cut 4×3 in inserts, 6 a sheet
    "a6": Layout((105, 148), 1, 1, (105, 148), portrait=True),  # one badge, printed on demand
}
DEFAULT_LAYOUT = "a4-2x4"


# Fitting names: a size class chosen from the name's length, so the CSS never has to measure.


@dataclass(frozen=True)
class _Box:
    """Where the name goes on one layout, and the base font size there."""

    width: float  # mm
    height: float  # mm
    scale: float  # font sizes relative to the 90×55 mm card


#: name size classes, largest first: font size in pt on the 90×55 mm card
NAME_SIZES = {"n1": 21.0, "n2": 17.0, "n3": 13.5, "n4": 10.5, "n5": 8.0}
PT = IN / 72  # mm per point
#: advances (in em) for characters Noto Sans lacks: Arabic, Hebrew and others ~0.68, wide (CJK, emoji) ~1
_NARROW_EM, _WIDE_EM, _LINE = 0.68, 1.05, 1.12


def _boxes() -> dict[str, _Box]:
    boxes = {}
    for name, layout in LAYOUTS.items():
        w, h = layout.badge
        if layout.portrait:
            boxes[name] = _Box(width=w - 16, height=46, scale=1.5)
        else:
            k = w / 90
            # the band above, the QR to the right, three lines of meta and the ribbon below
            boxes[name] = _Box(width=w - 4 * k - _qr_size(layout) - 6 * k, height=h - 32 * k, scale=k)
    return boxes


def _qr_size(layout: Layout) -> float:
    return 46.0 if layout.portrait else 26 * layout.badge[0] / 90


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


def _lines_needed(words: list[float], per_line: float) -> int:
    lines, used = 1, 0.0
    for word in words:
        width = word if used == 0 else used + _NARROW_EM / 2 + word
        if width <= per_line:
            used = width
        else:
            lines += 1 + int(word // per_line)  # a word longer than a line breaks anywhere (overflow-wrap)
            used = word % per_line
    return lines


def name_class(name: str, layout: str = DEFAULT_LAYOUT) -> str:
    """The largest size at which the whole name fits its box on this layout: n1 (short names) … n5 (100
    chars). Letters are measured in Noto Sans Bold, wide characters (CJK, emoji) count as one em; words wrap,
    and a word longer than a line breaks anywhere rather than overflow."""
    box = _BOXES[layout]
    # a hyphen is a break opportunity too: "Hohenzollern-Sigmaringen" may wrap after its hyphen
    pieces = name.replace("-", "- ").split()
    words = [sum(_char_em(c) for c in word) for word in pieces] or [0.0]
    for cls, size in NAME_SIZES.items():
        em = size * box.scale * PT  # mm
        per_line = box.width / em  # in em
        max_lines = max(1, int(box.height / (em * _LINE)))
        if max(words) <= per_line and _lines_needed(words, per_line) <= max_lines:
            return cls
    return "n5"


_BOXES = _boxes()


# HTML and CSS


def _mm(value: float) -> str:
    return f"{value:.2f}mm"


def _landscape_css(layout_name: str) -> str:
    layout, box = LAYOUTS[layout_name], _BOXES[layout_name]
    w, h = layout.badge
    k = w / 90
    qr = _qr_size(layout)
    return f"""
.b {{ width: {_mm(w)}; height: {_mm(h - 3 * k)}; border-top: {_mm(3 * k)} solid var(--accent); }}
.n {{ left: {_mm(4 * k)}; top: {_mm(3.5 * k)}; width: {_mm(box.width)}; }}
.m {{ left: {_mm(4 * k)}; bottom: {_mm(9.5 * k)}; width: {_mm(w - 8 * k)}; font-size: {8 * k:.2f}pt; }}
.q {{ right: {_mm(3 * k)}; top: {_mm(3 * k)}; width: {_mm(qr)}; height: {_mm(qr)}; }}
.r {{ left: 0; bottom: 0; width: {_mm(w)}; height: {_mm(8 * k)}; line-height: {_mm(8 * k)};
     font-size: {9 * k:.2f}pt; }}
"""


def _portrait_css(layout: Layout) -> str:
    w, h = layout.badge
    qr = _qr_size(layout)
    return f"""
.b {{ width: {_mm(w)}; height: {_mm(h - 6)}; border-top: 6mm solid var(--accent); }}
.n, .m {{ text-align: center; }}
.n {{ left: 8mm; top: 8mm; width: {_mm(w - 16)}; }}
.m {{ left: 8mm; top: 56mm; width: {_mm(w - 16)}; font-size: 11pt; }}
.q {{ left: {_mm((w - qr) / 2)}; top: 76mm; width: {_mm(qr)}; height: {_mm(qr)}; }}
.r {{ left: 0; bottom: 0; width: {_mm(w)}; height: 16mm; line-height: 16mm; font-size: 16pt; }}
"""


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
    (pw, ph), (left, top) = layout.page, layout.margins
    if layout.portrait:
        # the badge is the page: printers' marks go outside it, on a slightly larger sheet
        marks = "bleed: 3mm; marks: crop;" if crop_marks else ""
        return f"@page {{ size: {_mm(pw)} {_mm(ph)}; margin: 0; {marks} }}"
    background = ""
    if crop_marks:
        # the page background is placed from the page area's corner: shift it back to the sheet's corner
        background = (
            f"background: url('marks:{layout_name}') no-repeat {_mm(-left)} {_mm(-top)} / "
            f"{_mm(pw)} {_mm(ph)};"
        )
    return f"@page {{ size: {_mm(pw)} {_mm(ph)}; margin: {_mm(top)} {_mm(left)}; {background} }}"


def _cells_css(layout: Layout) -> str:
    if layout.portrait:
        return ".c0 { left: 0; top: 0; }"
    bw, bh = layout.badge
    return "\n".join(
        f".c{r * layout.cols + c} {{ left: {_mm(c * bw)}; top: {_mm(r * bh)}; }}"
        for r in range(layout.rows)
        for c in range(layout.cols)
    )


def _names_css(layout_name: str) -> str:
    scale = _BOXES[layout_name].scale
    return "\n".join(f".{cls} {{ font-size: {size * scale:.2f}pt; }}" for cls, size in NAME_SIZES.items())


def _ribbons_css() -> str:
    return "\n".join(f".{role} {{ background: {color}; }}" for role, color in RIBBON_COLORS.items())


@cache
def stylesheet_text(layout_name: str, crop_marks: bool) -> str:
    """The whole print stylesheet of one layout. Never name "Noto Color Emoji" in font-family: WeasyPrint and
    Pango then take ASCII digits from the emoji font (BENCHMARKS.md); fontconfig falls back to it for emoji
    anyway."""
    layout = LAYOUTS[layout_name]
    w, h = layout.cols * layout.badge[0], layout.rows * layout.badge[1]
    per_layout = _portrait_css(layout) if layout.portrait else _landscape_css(layout_name)
    return f"""{_page_css(layout_name, crop_marks)}
html {{ font-family: "Noto Sans", "Noto Sans CJK SC", "Noto Sans Arabic", "Noto Sans Hebrew", sans-serif;
       color: #111; }}
body {{ margin: 0; }}
.s {{ position: relative; width: {_mm(w)}; height: {_mm(h)}; break-after: page; }}
.b {{ position: absolute; overflow: hidden; }}
.n, .m, .q, .r {{ position: absolute; }}
.n {{ font-weight: bold; line-height: {_LINE}; overflow-wrap: anywhere; hyphens: manual; }}
.m {{ line-height: 1.2; white-space: pre-line; color: #333; }}
.q {{ image-rendering: pixelated; }}
.r {{ color: #fff; text-align: center; font-weight: bold; letter-spacing: 0.08em; }}
{per_layout}
{_cells_css(layout)}
{_names_css(layout_name)}
{_ribbons_css()}
"""


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


def _clip(text: str, limit: int = 60) -> str:
    """Affiliations can be long answers; a badge has room for one line of it (names are never clipped)."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def build_html(sheet: Sheet, badges: Sequence[Badge], start: int = 0) -> str:
    """One `.s` block per sheet; QR images are fetched by the `qr:<n>` URL, `n` counted from `start`."""
    esc = html.escape
    layout = LAYOUTS[sheet.layout]
    per = layout.per_sheet
    # upper-cased here rather than by CSS text-transform: one less thing to compute per badge
    ribbons = {role: esc(sheet.role_labels.get(role, role).upper()) for role in RIBBON_COLORS}
    parts = [f'<html><body style="--accent: {esc(sheet.color)}">']
    for first in range(0, len(badges), per):
        parts.append('<div class="s">')
        for cell, badge in enumerate(badges[first : first + per]):
            index = start + first + cell
            size = name_class(badge.name, sheet.layout)
            parts.append(
                f'<div class="b c{cell}"><div class="n {size}" dir="{direction(badge.name)}">'
                f"{esc(badge.name)}</div>"
            )
            # pronouns, affiliation and the event share one element, a line each (white-space: pre-line):
            # each element costs as much as its text, and these three need no separate styling
            meta = "\n".join(
                part for part in (badge.pronouns, _clip(badge.affiliation), sheet.event_line) if part
            )
            parts.append(f'<div class="m" dir="{direction(meta)}">{esc(meta)}</div>')
            if badge.qr_png:
                parts.append(f'<img class="q" src="qr:{index}" alt="">')
            parts.append(
                f'<div class="r {role}">{ribbons[role]}</div></div>'
                if (role := badge.role) in ribbons
                else f'<div class="r attendee">{ribbons["attendee"]}</div></div>'
            )
        parts.append("</div>")
    parts.append("</body></html>")
    return "".join(parts)


# Rendering in this process


class RenderError(Exception):
    """A sheet could not be rendered (a worker died, WeasyPrint failed)."""


_lock = threading.Lock()  # WeasyPrint's font configuration and our caches are shared: one render at a time


@cache
def _weasy():
    """WeasyPrint, its font configuration and a URL fetcher that serves only our QR images and crop marks: the
    HTML never loads anything from the network or the disk."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    logging.getLogger("weasyprint").setLevel(logging.ERROR)

    png, svg = (
        EmailMessage(),
        EmailMessage(),
    )  # parsed once: building headers per image costs more than the image
    png["Content-Type"], svg["Content-Type"] = "image/png", "image/svg+xml"

    class Fetcher(URLFetcher):
        images: Sequence[bytes | None] = ()
        start = 0

        def fetch(self, url, headers=None):
            scheme, _sep, rest = url.partition(":")
            if scheme == "qr":
                return URLFetcherResponse(url, self.images[int(rest) - self.start], png)
            if scheme == "marks":
                return URLFetcherResponse(url, _crop_marks_svg(rest).encode(), svg)
            raise ValueError(f"badge sheets load nothing else: {url[:40]}")

    fonts = FontConfiguration()
    # WeasyPrint matches every element against its whole HTML5 user-agent stylesheet (hundreds of rules); ours
    # uses four elements and two directions, and the cascade takes a quarter less time with just these rules.
    # (`_ua_stylesheets` is WeasyPrint's own hook for it; were it renamed, sheets would only get slower.)
    user_agent = CSS(
        string="html, body, div { display: block } img { overflow: hidden } "
        "[dir=rtl] { direction: rtl } [dir=ltr] { direction: ltr }",
        font_config=fonts,
    )

    class BadgeHTML(HTML):
        def _ua_stylesheets(self, forms=False):
            return [user_agent]

    return BadgeHTML, CSS, fonts, Fetcher()


@cache
def _stylesheet(layout_name: str, crop_marks: bool):
    _HTML, CSS, fonts, fetcher = _weasy()
    return CSS(string=stylesheet_text(layout_name, crop_marks), font_config=fonts, url_fetcher=fetcher)


def render_pdf(sheet: Sheet, badges: Sequence[Badge]) -> bytes:
    """The PDF of these badges, rendered here (a sheet or a few: about 5 ms a badge once warm)."""
    if sheet.layout not in LAYOUTS:
        raise RenderError(f"unknown layout {sheet.layout!r}")
    HTML, _CSS, fonts, fetcher = _weasy()
    with _lock:
        fetcher.images, fetcher.start = [b.qr_png for b in badges], 0
        try:
            document = HTML(string=build_html(sheet, badges), url_fetcher=fetcher).render(
                stylesheets=[_stylesheet(sheet.layout, sheet.crop_marks)], font_config=fonts
            )
            return document.write_pdf()
        finally:
            fetcher.images = ()


WARM_UP_NAMES = ("Warm Up", "Разогрев", "Προθέρμανση", "预热 準備 준비", "الإحماء", "חימום", "🎉")


def warm_up() -> None:
    """Load WeasyPrint and every font a badge may need (Latin, Cyrillic, Greek, CJK, Arabic, Hebrew, emoji)
    once, so the first real sheet does not pay for it."""
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
        # -P: the script's folder stays off sys.path, so nothing here shadows a library module
        self.proc = subprocess.Popen(
            [sys.executable, "-P", str(Path(__file__).resolve())],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
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
    """One PDF from the chunks, in order. PDFium copies pages in C: 4 chunks of 250 badges in ~50 ms, where
    pypdf takes over a second."""
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
