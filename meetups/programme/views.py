"""The programme for attendees: the agenda by day, a page per session and per speaker, my schedule."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("programme", __name__)
