"""The renderer alone: every layout scans, names fit and read back in every script, chunks merge in order."""

import io
import os
import re
import signal

import pytest
from pypdf import PdfReader

from meetups.badges import sheets
from meetups.rsvps.tickets import make_qr
from tests.badges.conftest import NAMES, decode_pages, page_count, pdf_text, squeeze, word_boxes

BASE = "http://meetups.test"
LABELS = {"attendee": "Attendee", "speaker": "Speaker", "volunteer": "Volunteer", "organiser": "Organiser"}
LONG_NAME = (
    "Maximilian Alexander Friedrich Wilhelm von Hohenzollern-Sigmaringen und "
    "Wolfeschlegelsteinhausenbergerdorff"
)  # 100 characters: the longest name a member can have


def _badges(names: list[str]) -> tuple[list[sheets.Badge], list[str]]:
    urls = [f"{BASE}/t/test-ticket-{n:04d}-abcdefgh" for n in range(len(names))]
    badges = [
        sheets.Badge(name, "they/them", "ACME", sheets.ROLES[n % 4], make_qr(url)[0])
        for n, (name, url) in enumerate(zip(names, urls, strict=True))
    ]
    return badges, urls


def _sheet(layout: str, crop_marks: bool = False) -> sheets.Sheet:
    return sheets.Sheet(layout, "PyCon Berlin · Tue, Apr 7, 2030", "#0b7285", LABELS, crop_marks)


@pytest.mark.parametrize("layout", list(sheets.LAYOUTS))
def test_every_qr_on_every_layout_decodes_to_its_ticket(pdf_tools, layout):
    per = sheets.LAYOUTS[layout].per_sheet
    badges, urls = _badges([f"Person {n}" for n in range(per + 1)])  # a full sheet and one more

    pdf = sheets.render_pdf(_sheet(layout, crop_marks=True), badges)

    pages = decode_pages(pdf)
    assert len(pages) == 2
    assert pages[0] == sorted(urls[:per])
    assert pages[1] == [urls[per]]


def test_a4_sheet_holds_eight_badges_of_90_by_55_mm():
    layout = sheets.LAYOUTS["a4-2x4"]
    assert layout.per_sheet == 8 and layout.badge == (90, 55) and layout.page == (210, 297)
    pdf = sheets.render_pdf(_sheet("a4-2x4"), _badges([f"P{n}" for n in range(9)])[0])
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width) / 72 * 25.4), round(float(box.height) / 72 * 25.4)) == (210, 297)


def test_a6_with_crop_marks_prints_them_outside_the_badge():
    plain = PdfReader(io.BytesIO(sheets.render_pdf(_sheet("a6"), _badges(["Li"])[0]))).pages[0].mediabox
    marked = (
        PdfReader(io.BytesIO(sheets.render_pdf(_sheet("a6", True), _badges(["Li"])[0]))).pages[0].mediabox
    )
    assert float(marked.width) > float(plain.width) and float(marked.height) > float(plain.height)


@pytest.mark.parametrize("layout", list(sheets.LAYOUTS))
def test_short_names_print_large_and_the_longest_small(layout):
    assert sheets.name_class("Li", layout) == "n1"
    assert sheets.name_class("王小明", layout) == "n1"
    assert sheets.name_class(LONG_NAME, layout) == "n5"
    # a hyphen is a place to wrap: a long double-barrelled name need not shrink to the smallest size
    assert sheets.name_class("Maximilian Alexander von Hohenzollern-Sigmaringen", layout) in (
        "n1",
        "n2",
        "n3",
    )
    sizes = list(sheets.NAME_SIZES)
    assert sizes.index(sheets.name_class("Anna Müller", layout)) <= sizes.index(
        sheets.name_class("Anna-Katharina Müller-Lüdenscheidt", layout)
    )


def test_names_are_never_cut(pdf_tools):
    names = [
        "Li",
        "A",
        LONG_NAME,
        "Bartholomew-Maximiliano Featherstonehaugh-Cholmondeley",
        "Hubert Blaine Wolfeschlegelsteinhausenbergerdorff Sr.",
    ]
    pdf = sheets.render_pdf(_sheet("a4-2x4"), _badges(names)[0])
    text = squeeze(pdf_text(pdf, raw=True))
    for name in names:
        assert squeeze(name) in text


@pytest.mark.parametrize("layout", list(sheets.LAYOUTS))
@pytest.mark.parametrize(
    "name",
    [
        LONG_NAME,
        "Bartholomew-Maximiliano Featherstonehaugh-Cholmondeley",
        "Wolfeschlegelsteinhausenbergerdorff",
        "王小明 山田太郎 김민준 王小明 山田太郎",
        "Li",
    ],
)
def test_every_name_stays_inside_its_box(pdf_tools, layout, name):
    """Drawn within the name's box on the page, every word of it: shrunk or wrapped, never overflowing into
    the QR code or the small print, and never clipped (pdftotext reports clipped text too)."""
    box = sheets.LAYOUTS[layout]
    badge = sheets.Badge(name, "", "", "attendee", None)
    pdf = sheets.render_pdf(_sheet(layout)._replace(event_line="Ev"), [badge])
    mm = 72 / 25.4
    (margin_left, margin_top), (left, top, width, height) = box.margins, box.name
    x0, y0 = (margin_left + left) * mm, (margin_top + top) * mm
    x1, y1 = x0 + width * mm, y0 + height * mm
    words = [w for w in word_boxes(pdf) if w.text not in ("Ev", "ATTENDEE")]
    assert squeeze("".join(w.text for w in words)) == squeeze(name)
    # a glyph's box is the font's ascent and descent, a little taller than the line: allow that much
    slack = 0.2 * sheets.NAME_SIZES[sheets.name_class(name, layout)] * box.scale
    for word in words:
        assert x0 - 1 <= word.left and word.right <= x1 + 1, word
        assert y0 - slack <= word.top and word.bottom <= y1 + slack, word


def test_names_in_every_script_print_as_text(pdf_tools):
    badges, _urls = _badges(list(NAMES.values()))
    pdf = sheets.render_pdf(_sheet("a4-2x4"), badges)
    text = pdf_text(pdf)
    for key in ("latin", "cyrillic", "greek", "chinese", "japanese", "korean", "arabic", "hebrew"):
        assert squeeze(NAMES[key]) in squeeze(text), key
    assert "Attendee".upper() in text.upper() and "PyCon Berlin" in text


def _fonts(pdf: bytes) -> dict[str, str]:
    """Each embedded font's name, with the text it draws (from its ToUnicode map), on the pages and in the
    frames drawn on them (form XObjects)."""
    fonts = {}

    def collect(resources) -> None:
        for ref in resources.get("/Font", {}).values():
            font = ref.get_object()
            fonts[str(font["/BaseFont"]).split("+")[-1]] = (
                font["/ToUnicode"].get_object().get_data().decode("latin-1")
            )
        for ref in resources.get("/XObject", {}).values():
            drawing = ref.get_object()
            if drawing["/Subtype"] == "/Form":
                collect(drawing["/Resources"])

    for page in PdfReader(io.BytesIO(pdf)).pages:
        collect(page["/Resources"])
    return fonts


def test_scripts_come_from_real_fonts_not_boxes():
    """Each script from a font that has it: Noto Sans, CJK, Arabic, Hebrew, and colour emoji by fallback."""
    fonts = _fonts(sheets.render_pdf(_sheet("a4-2x4"), _badges(list(NAMES.values()))[0]))
    joined = " ".join(fonts)
    for family in ("Noto-Sans-Bold", "CJK", "Arabic", "Hebrew", "Emoji"):
        assert family in joined, (family, fonts.keys())


def _drawn(cmap: str) -> set[str]:
    """The characters a font's ToUnicode map says it draws."""
    return {
        bytes.fromhex(text).decode("utf-16-be")
        for _glyph, text in re.findall(r"<([0-9a-f]+)> <([0-9a-f]+)>", cmap.lower())
    }


def test_digits_never_come_from_the_emoji_font():
    """BENCHMARKS.md's pitfall: with the emoji font named in the CSS, ASCII digits (the date) come from it."""
    fonts = _fonts(sheets.render_pdf(_sheet("a4-2x4"), _badges(["Zoë 🎉 Smith 2030"])[0]))
    emoji = set().union(*(_drawn(cmap) for name, cmap in fonts.items() if "Emoji" in name))
    others = set().union(*(_drawn(cmap) for name, cmap in fonts.items() if "Emoji" not in name))
    assert "🎉" in emoji
    assert not emoji & set("0123456789")
    assert set("2030") <= others


def test_emoji_font_is_not_named_in_the_stylesheet():
    """BENCHMARKS.md: naming the emoji font makes WeasyPrint take ASCII digits from it."""
    for layout in sheets.LAYOUTS:
        assert "emoji" not in sheets.stylesheet_text(layout, True).lower()


def test_markup_in_a_name_prints_as_text(pdf_tools):
    badge = sheets.Badge("<img src=x> & <b>Bo</b>", "", "&amp;", "attendee", None)
    text = pdf_text(sheets.render_pdf(_sheet("a6"), [badge]))
    assert "<img src=x> & <b>Bo</b>" in " ".join(text.split()) and "&amp;" in text


def test_a_long_event_line_wraps_once_then_ends_in_an_ellipsis(pdf_tools):
    title = "The Annual International Conference on Very Long Event Titles " * 4
    sheet = _sheet("a4-2x4")._replace(event_line=title.strip())
    text = pdf_text(sheets.render_pdf(sheet, _badges(["Li"])[0]))
    assert "The Annual International Conference" in text and "…" in text
    line, lines = sheets.fit_lines(title, "a4-2x4", sheets.EVENT_LINES)
    assert lines == 2 and line.endswith("…") and len(line) < len(title)
    short = "PyCon Berlin · Tue 7 Apr 2030"
    assert sheets.fit_lines(short, "a4-2x4", 2) == (short, 1)


def test_a_long_affiliation_keeps_to_one_line():
    line, lines = sheets.fit_lines("Department of " + "Extremely Long Names " * 8, "avery-5392")
    assert lines == 1 and line.endswith("…")


def test_shared_parts_are_drawn_once_per_role_and_pages_hold_only_badges(pdf_tools):
    """The band, event line and ribbon are one drawing per role, placed under every badge of that role; the
    frame pages they were laid out on are gone."""
    badges, urls = _badges([f"P{n}" for n in range(16)])
    pdf = sheets.render_pdf(_sheet("a4-2x4"), badges)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    frames = {
        ref.idnum
        for page in reader.pages
        for name, ref in page["/Resources"]["/XObject"].items()
        if name.startswith("/MtF")
    }
    assert len(frames) == 4
    assert pdf_text(pdf).count("PyCon Berlin") == 16
    assert decode_pages(pdf) == [sorted(urls[:8]), sorted(urls[8:])]


def test_a_qr_png_in_colour_still_prints_and_scans(pdf_tools):
    from PIL import Image

    url = f"{BASE}/t/colour-png"
    grey = Image.open(io.BytesIO(make_qr(url)[0])).convert("RGB")
    colour = io.BytesIO()
    grey.save(colour, format="PNG")
    pdf = sheets.render_pdf(_sheet("a6"), [sheets.Badge("Li", "", "", "attendee", colour.getvalue())])
    assert decode_pages(pdf) == [[url]]


def test_pool_renders_chunks_in_parallel_and_merges_them_in_order(pdf_tools, render_pool):
    badges, urls = _badges([NAMES[k] for k in NAMES] * 3)  # 27 badges: 4 sheets
    seen = []

    pdf = render_pool.render(_sheet("a4-2x4"), badges, chunk=8, progress=seen.append)

    assert page_count(pdf) == 4
    pages = decode_pages(pdf)
    assert [len(p) for p in pages] == [8, 8, 8, 3]
    assert pages == [sorted(urls[i : i + 8]) for i in range(0, 27, 8)]
    assert sorted(seen)[-1] == 27 and len(seen) == 4


def test_a_worker_that_dies_fails_its_run_clearly_and_is_replaced(render_pool):
    render_pool.wait_ready()
    os.kill(render_pool.pids[0], signal.SIGKILL)
    badges = _badges([f"P{n}" for n in range(16)])[0]
    with pytest.raises(sheets.RenderError):
        render_pool.render(_sheet("a4-2x4"), badges, chunk=8)  # two chunks: one lands on the dead worker

    assert page_count(render_pool.render(_sheet("a4-2x4"), badges, chunk=8)) == 2
    assert len(render_pool.pids) == 2


def test_unknown_layout_is_refused_before_rendering(render_pool):
    with pytest.raises(sheets.RenderError):
        render_pool.render(_sheet("a4-2x4")._replace(layout="a0"), _badges(["Li"])[0], chunk=8)
    with pytest.raises(sheets.RenderError):
        sheets.render_pdf(_sheet("a4-2x4")._replace(layout="a0"), _badges(["Li"])[0])
