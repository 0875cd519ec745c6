"""Command-line entry points: `flask --app app ...`."""

from flask import Flask


def register(app: Flask) -> None:
    pass
