"""The programme in and out: CSV import, CSV/JSON/frab XML exports, the printed programme."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("programme_exchange", __name__)
