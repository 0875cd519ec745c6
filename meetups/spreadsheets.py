"""CSV files that people open in a spreadsheet: UTF-8 with a byte order mark, so Excel reads every script,
and every text cell defused, so nothing anyone typed runs as a formula (CSV injection, OWASP)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

#: a cell starting with one of these is read as a formula by Excel, LibreOffice and Google Sheets
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Numbers stay numbers; text that a spreadsheet would run gets a leading apostrophe, which it shows as
    text and does not display."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        text = str(value)
        return "'" + text if text.startswith(FORMULA_START) else text
    return value


def to_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow([safe_cell(cell) for cell in header])
    writer.writerows([safe_cell(cell) for cell in row] for row in rows)
    return out.getvalue()
