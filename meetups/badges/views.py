"""Badge pages: the organiser's print page with its preview, the PDF, and background jobs' downloads."""

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from meetups import clock, errors, web
from meetups.badges import selection, service, sheets
from meetups.extensions import db

bp = Blueprint("badges", __name__)


def _options(args) -> service.Options:
    return selection.parse_options(args.get("layout"), args.get("who"), args.get("crop_marks"))


def _sync_limit() -> int:
    """Above this many badges the PDF is built by the worker (config BADGE_SYNC_LIMIT, for tests)."""
    return current_app.config.get("BADGE_SYNC_LIMIT", service.SYNC_LIMIT)


def _pdf(data: bytes, filename: str, disposition: str = "inline") -> Response:
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'{disposition}; filename="{filename}"',
            "Cache-Control": "private, no-store",
        },
    )


@bp.get("/e/<int:event_id>/badges")
@login_required
def page(event_id: int):
    options = _options(request.args)
    data = service.get_badge_page(db.session, event_id=event_id, actor=current_user)
    return render_template(
        "badges/page.html",
        page=data,
        event=data.event,
        options=options,
        layouts=sheets.LAYOUTS,
        roles=sheets.ROLES,
        job_id=request.args.get("job", type=int),
        sync_limit=_sync_limit(),
        form=FlaskForm(),
    )


def _building(count: int) -> str:
    return ngettext(
        "%(num)d badge is being built in the background; the download appears here when ready.",
        "%(num)d badges are being built in the background; the download appears here when ready.",
        count,
    )


@bp.get("/e/<int:event_id>/badges.pdf")
@login_required
def pdf(event_id: int):
    options = _options(request.args)
    printed = service.print_badges(
        db.session, event_id=event_id, actor=current_user, options=options, site=web.site(), now=clock.now(),
        sync_limit=_sync_limit(),
    )  # fmt: skip
    db.session.commit()
    if printed.job is None:
        return _pdf(printed.pdf, f"badges-{event_id}-{options.layout}.pdf", "attachment")  # "Download PDF"
    service.queue(printed.job)
    flash(_building(printed.count), "success")
    return redirect(url_for("badges.page", event_id=event_id, job=printed.job.id, **options.params()), 303)


@bp.get("/e/<int:event_id>/badges/preview.png")
@login_required
def preview(event_id: int):
    png = service.preview_png(
        db.session,
        event_id=event_id,
        actor=current_user,
        options=_options(request.args),
        site=web.site(),
        now=clock.now(),
    )
    db.session.commit()  # tickets' QR codes made on the way are kept
    return Response(png, mimetype="image/png", headers={"Cache-Control": "private, max-age=60"})


@bp.post("/e/<int:event_id>/badges/jobs")
@login_required
def start_job(event_id: int):
    if not FlaskForm().validate_on_submit():
        raise errors.InvalidInput(_("The form expired; please try again."))
    options = _options(request.form)
    job = service.start_job(
        db.session, event_id=event_id, actor=current_user, options=options, now=clock.now()
    )
    db.session.commit()
    service.queue(job)
    return redirect(url_for("badges.page", event_id=event_id, job=job.id, **options.params()), 303)


@bp.get("/e/<int:event_id>/badges/jobs/<int:job_id>.pdf")
@login_required
def job_pdf(event_id: int, job_id: int):
    data = service.get_job_pdf(db.session, event_id=event_id, job_id=job_id, actor=current_user)
    return _pdf(data, f"badges-{event_id}-job-{job_id}.pdf", "attachment")
