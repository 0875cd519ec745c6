"""Attendance pages: a member's profile, closing an event and correcting its record, and a community's
health for its organisers."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from meetups import charts, clock, errors, forms, web
from meetups.extensions import db
from meetups.forms import ActionForm
from meetups.recognition import health, profiles, service
from meetups.recognition.forms import CorrectionForm
from meetups.surveys import service as surveys

bp = Blueprint("recognition", __name__)


@bp.get("/members/<int:member_id>")
def profile(member_id: int):
    page = profiles.get_profile(db.session, member_id=member_id, viewer=web.me(), now=clock.now())
    waiting = (
        surveys.list_open_for_member(
            db.session, member=page.member, secret=web.site().secret_key, now=clock.now()
        )
        if page.is_own
        else []
    )
    html = render_template("recognition/profile.html", profile=page, member=page.member, surveys=waiting)
    if page.is_own:
        profiles.mark_achievements_seen(db.session, page, clock.now())  # "new" is shown once
        db.session.commit()
    return html


@bp.post("/e/<int:event_id>/close")
@login_required
def close(event_id: int):
    if not ActionForm().validate_on_submit():
        raise errors.InvalidInput(_("The form expired; please try again."))
    closed = service.close_event(db.session, event_id=event_id, actor=web.me(), now=clock.now())
    db.session.commit()
    flash(
        _("The event is closed; its attendance is final.")
        if not closed.already
        else _("It was closed already."),
        "success",
    )
    return redirect(url_for(".attendance", event_id=event_id))


def _attendance_page(event_id: int, form: CorrectionForm | None = None, status: int = 200):
    sheet = service.get_attendance(db.session, event_id=event_id, actor=web.me())
    context = {"sheet": sheet, "event": sheet.event, "action_form": ActionForm(formdata=None)}
    return render_template(
        "recognition/attendance.html", form=form or CorrectionForm(formdata=None), **context
    ), status


@bp.get("/e/<int:event_id>/attendance")
@login_required
def attendance(event_id: int):
    return _attendance_page(event_id)


def _correct(event_id: int, record_id: int, form: CorrectionForm):
    return service.correct_attendance(
        db.session, event_id=event_id, record_id=record_id, actor=web.me(), now=clock.now(), **form.values()
    )


@bp.post("/e/<int:event_id>/attendance/<int:record_id>")
@login_required
def correct(event_id: int, record_id: int):
    form = CorrectionForm()
    sent = forms.submit(form, lambda: _correct(event_id, record_id, form))
    if not sent.done:
        return _attendance_page(event_id, form, sent.status)
    flash(_("The record is corrected, and the change is logged."), "success")
    return redirect(url_for(".attendance", event_id=event_id, _anchor=f"record-{record_id}"))


@bp.get("/c/<slug>/health")
@login_required
def community_health(slug: str):
    data = health.get_health(db.session, slug=slug, actor=web.me(), now=clock.now())
    context = {
        "health": data,
        "community": data.community,
        "drawn": _charts(data),
        "lead_labels": _lead_labels(),
    }
    return render_template("recognition/health.html", action_form=ActionForm(), **context)


def _charts(data: health.Health) -> dict[str, charts.Chart]:
    per_event = [(e.event.local_starts_at.strftime("%d.%m"), [e.new, e.returning]) for e in data.per_event]
    lead = [(_lead_labels()[key], [came, missed]) for key, came, missed in data.by_lead]
    return {
        "members": charts.line(data.members),
        "events": charts.stacked_bars(per_event),
        "lead": charts.stacked_bars(lead),
    }


def _lead_labels() -> dict[str, str]:
    return {
        "under_a_day": _("less than a day"),
        "days": _("1–7 days"),
        "weeks": _("1–4 weeks"),
        "months": _("over 4 weeks"),
    }


@bp.get("/c/<slug>/health.csv")
@login_required
def community_health_csv(slug: str):
    data = health.get_health(db.session, slug=slug, actor=web.me(), now=clock.now())
    headers = {"Content-Disposition": f'attachment; filename="{slug}-health.csv"'}
    return Response(health.health_csv(data), mimetype="text/csv", headers=headers)


def _admits(event) -> str:
    return ngettext(
        "%(title)s now admits %(num)d person.",
        "%(title)s now admits %(num)d people.",
        event.admits,
        title=event.title,
    )


@bp.post("/c/<slug>/health/overbooking/<int:event_id>")
@login_required
def apply_overbooking(slug: str, event_id: int):
    if not ActionForm().validate_on_submit():
        raise errors.InvalidInput(_("The form expired; please try again."))
    event = health.apply_overbooking(
        db.session, slug=slug, event_id=event_id, actor=web.me(), now=clock.now()
    )
    db.session.commit()
    flash(_admits(event), "success")
    return redirect(url_for(".community_health", slug=slug))
