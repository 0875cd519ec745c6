"""The programme over JSON: sessions, speakers, rooms, tracks, my agenda and workshop seats."""

from __future__ import annotations

from apiflask import APIBlueprint

bp = APIBlueprint("programme_api", __name__, tag="Programme")
