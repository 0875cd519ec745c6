"""The programme in and out: CSV import, CSV/JSON/frab XML exports, the printed programme."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField

from meetups import clock, errors, web
from meetups.extensions import db
from meetups.programme import exports, importing, printed
from meetups.programme import service as programme

bp = Blueprint("programme_exchange", __name__)
PAGE = "programme/exchange/import.html"


class ImportForm(FlaskForm):
    speakers = FileField(_l("Speakers (speakers.csv)"))
    sessions = FileField(_l("Sessions (sessions.csv)"))
    create_missing = BooleanField(_l("Create the rooms and tracks the file names that the programme lacks"))


def read_upload(storage: FileStorage | None) -> bytes | None:
    """A chosen file's bytes, one past the limit at most (so the rule can say it is too large)."""
    if not isinstance(storage, FileStorage) or not storage.filename:
        return None
    return storage.read(importing.MAX_FILE_BYTES + 1)


def _download(body: str | bytes, mimetype: str, filename: str, disposition: str = "attachment") -> Response:
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'{disposition}; filename="{filename}"'}
    )


def _import_page(event, form: ImportForm, failed: importing.ImportFailed | None = None) -> str:
    problems = failed.details.get("rows", []) if failed else []
    by_file = {name: [p for p in problems if p["file"] == name] for name in ("speakers", "sessions")}
    return render_template(
        PAGE,
        event=event,
        form=form,
        failed=failed,
        by_file=by_file,
        row_message=importing.row_message,
        max_rows=importing.MAX_ROWS,
        max_mb=importing.MAX_FILE_BYTES // 1_000_000,
    )


def _imported(done: importing.Imported) -> str:
    parts = [
        ngettext("%(num)d speaker", "%(num)d speakers", done.speakers),
        ngettext("%(num)d session", "%(num)d sessions", done.sessions),
    ]
    if done.rooms:
        parts.append(ngettext("%(num)d new room", "%(num)d new rooms", done.rooms))
    if done.tracks:
        parts.append(ngettext("%(num)d new track", "%(num)d new tracks", done.tracks))
    return _("Imported: %(what)s.", what=", ".join(parts))


@bp.get("/e/<int:event_id>/programme/import")
@login_required
def import_form(event_id: int):
    event = programme.get_managed_event(db.session, event_id, web.me())
    return _import_page(event, ImportForm())


@bp.post("/e/<int:event_id>/programme/import")
@login_required
def import_files(event_id: int):
    event, form = programme.get_managed_event(db.session, event_id, web.me()), ImportForm()
    if not form.validate_on_submit():
        raise errors.InvalidInput.from_form(form)
    try:
        done = importing.import_programme(
            db.session, event=event, actor=web.me(), now=clock.now(), create_missing=form.create_missing.data,
            speakers_csv=read_upload(form.speakers.data), sessions_csv=read_upload(form.sessions.data),
        )  # fmt: skip
    except importing.ImportFailed as failed:
        db.session.rollback()
        return _import_page(event, form, failed), 422
    db.session.commit()
    flash(_imported(done), "success")
    return redirect(url_for("programme_manage.overview", event_id=event_id), 303)


@bp.get("/e/<int:event_id>/programme/import/<any(speakers, sessions):which>.csv")
@login_required
def import_template(event_id: int, which: str):
    programme.get_managed_event(db.session, event_id, web.me())
    return _download(importing.template_csv(which), "text/csv", f"{which}.csv")


@bp.get("/e/<int:event_id>/programme.csv")
def programme_csv(event_id: int):
    found = exports.get_programme(db.session, event_id=event_id, viewer=web.me())
    return _download(exports.programme_csv(found), "text/csv", f"programme-{event_id}.csv")


@bp.get("/e/<int:event_id>/programme.json")
def programme_json(event_id: int):
    found = exports.get_programme(db.session, event_id=event_id, viewer=web.me())
    return exports.programme_json(found, web.site())


@bp.get("/e/<int:event_id>/schedule.xml")
def schedule_xml(event_id: int):
    found = exports.get_programme(db.session, event_id=event_id, viewer=web.me())
    return _download(
        exports.frab_xml(found, web.site()), "application/xml", f"schedule-{event_id}.xml", "inline"
    )


@bp.get("/e/<int:event_id>/programme.pdf")
def programme_pdf(event_id: int):
    pdf = printed.programme_pdf(
        db.session,
        event_id=event_id,
        viewer=web.me(),
        size=request.args.get("size", "a4"),
        locale=str(get_locale() or "en"),
    )
    return _download(pdf, "application/pdf", f"programme-{event_id}.pdf", "inline")
