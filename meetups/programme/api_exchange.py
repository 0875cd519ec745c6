"""Importing a programme over the API: the same CSV files as the import page, all or nothing."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictStr, ValidationError
from werkzeug.datastructures import FileStorage

from meetups import api, clock, errors, web
from meetups.extensions import db
from meetups.programme import importing
from meetups.programme import service as programme

bp = APIBlueprint("programme_exchange_api", __name__, tag="Programme")
MULTIPART = "multipart/form-data"


class ImportIn(BaseModel):
    """As multipart/form-data: files `speakers` and `sessions`, field `create_missing` (true/false). As JSON:
    the files' text."""

    model_config = ConfigDict(extra="forbid")
    speakers: StrictStr | None = Field(
        None, description="speakers.csv: name, email, pronouns, affiliation, bio, links (space-separated)."
    )
    sessions: StrictStr | None = Field(
        None,
        description="sessions.csv: title, kind, starts_at, ends_at (YYYY-MM-DD HH:MM at the venue), room, "
        "track, language, level, capacity, speakers (names or emails separated by ;), abstract.",
    )
    create_missing: StrictBool = Field(
        False, description="Create rooms and tracks the file names; otherwise each is a row error."
    )


class ImportOut(BaseModel):
    speakers: int = Field(description="Speakers added or updated.")
    sessions: int = Field(description="Sessions added.")
    rooms: int = Field(description="Rooms created (create_missing).")
    tracks: int = Field(description="Tracks created (create_missing).")


def _takes_csv(view):
    """The body in either shape, described in the OpenAPI document as both. APIFlask's own @input reads one
    content type, and the uploads arrive as files."""
    view._spec = {
        **getattr(view, "_spec", {}),
        "body": ImportIn,
        "content_type": ["application/json", MULTIPART],
    }
    return view


def _upload(storage: FileStorage | None) -> bytes | None:
    """One past the limit at most, so the rule can say the file is too large."""
    if not isinstance(storage, FileStorage) or not storage.filename:
        return None
    return storage.read(importing.MAX_FILE_BYTES + 1)


def read_import() -> dict[str, Any]:
    if request.mimetype == MULTIPART:
        flag = request.form.get("create_missing", "").strip().lower()
        if flag not in ("", "true", "false", "1", "0", "on", "yes", "no"):
            raise errors.InvalidInput(_("create_missing is true or false."), field="create_missing")
        return {
            "speakers_csv": _upload(request.files.get("speakers")) or request.form.get("speakers"),
            "sessions_csv": _upload(request.files.get("sessions")) or request.form.get("sessions"),
            "create_missing": flag in ("true", "1", "on", "yes"),
        }
    try:
        body = ImportIn.model_validate(request.get_json(silent=True) or {})
    except ValidationError as err:
        problem = err.errors()[0]
        name = str(problem["loc"][0]) if problem["loc"] else ""
        raise errors.InvalidInput(f"{name}: {problem['msg']}", field=name) from None
    return {
        "speakers_csv": body.speakers,
        "sessions_csv": body.sessions,
        "create_missing": body.create_missing,
    }


@bp.post("/events/<int:event_id>/programme/import")
@bp.output(ImportOut, status_code=201)
@bp.doc(
    summary="Import speakers and sessions from CSV (organisers), all or nothing",
    description="Every row is checked as the forms check it, clashes within the files included. On any "
    "problem nothing is written and the 422 `invalid_import` error lists them all: `rows: [{file, row, "
    "field, message}]` (`row` counts the header as 1; null for the file as a whole). Each file takes at "
    "most 2,000 rows and 1 MB.",
    security=api.SECURITY,
    responses={
        401: "login_required",
        403: "forbidden",
        404: "not_found",
        413: "too_large",
        422: "invalid_import, invalid_input",
    },
)
@_takes_csv
@api.login_required
def import_programme(event_id: int):
    files = read_import()
    event = programme.get_managed_event(db.session, event_id, web.me())
    done = importing.import_programme(db.session, event=event, actor=web.me(), now=clock.now(), **files)
    db.session.commit()
    return {"speakers": done.speakers, "sessions": done.sessions, "rooms": done.rooms, "tracks": done.tracks}
