"""Organisers build the programme: rooms, tracks, speakers and sessions."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("programme_manage", __name__)
