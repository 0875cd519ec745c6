"""The entry for `flask --app app` and `gunicorn app:app`."""

from meetups import create_app

app = create_app()
