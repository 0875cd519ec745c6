"""Importing and exporting a programme over JSON."""

from __future__ import annotations

from apiflask import APIBlueprint

bp = APIBlueprint("programme_exchange_api", __name__, tag="Programme")
