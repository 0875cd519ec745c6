"""Event pages: the home page, an event's page, and what organisers use to create, edit, publish, cancel
and staff an event."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from meetups import clock, errors, forms, pages, web
from meetups.communities import service as communities
from meetups.events import series, service
from meetups.events.forms import (
    AnnouncementForm,
    CancelForm,
    EventForm,
    RepeatForm,
    StaffForm,
    event_data,
    new_event_data,
    zone_names,
)
from meetups.events.models import Event
from meetups.extensions import db
from meetups.forms import ActionForm
from meetups.rsvps import announcements

bp = Blueprint("events", __name__)


@bp.get("/")
def home():
    return render_template(
        "events/home.html", **pages.get_home_page(db.session, viewer=web.me(), now=clock.now())
    )


@bp.get("/e/<int:event_id>")
def show(event_id: int):
    page = pages.get_event_page(
        db.session, event_id=event_id, viewer=web.me(), now=clock.now(), secret=web.site().secret_key
    )
    db.session.commit()  # an overdue offer the page passed on
    return render_template("events/show.html", action_form=ActionForm(formdata=None), **page)


def _form_page(form: EventForm, status: int, *, community, event: Event | None = None):
    return render_template(
        "events/form.html", form=form, community=community, event=event, zone_names=zone_names()
    ), status


@bp.route("/c/<slug>/events/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    community = communities.get_community_for(db.session, slug, web.me(), "create_event")
    form = EventForm(data=new_event_data(service.default_timezone(db.session, community)))
    create = service.create_event
    sent = forms.submit(
        form,
        lambda: create(db.session, community=community, actor=web.me(), now=clock.now(), **form.new_event()),
    )
    if not sent.done:
        return _form_page(form, sent.status, community=community)
    public, draft = (
        _("Published. Everyone can see it now."),
        _("Saved as a draft. Only organisers can see it."),
    )
    flash(public if sent.result.is_published else draft, "success")
    return redirect(url_for(".show", event_id=sent.result.id))


@bp.route("/e/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event = service.get_managed_event(db.session, event_id, web.me())
    form = EventForm(data=event_data(event))
    save = series.save_changes
    sent = forms.submit(
        form, lambda: save(db.session, event=event, actor=web.me(), now=clock.now(), **form.changes())
    )
    if not sent.done:
        return _form_page(form, sent.status, community=event.community, event=event)
    flash(_("Changes saved."), "success")
    return redirect(url_for(".show", event_id=event_id))


@bp.post("/e/<int:event_id>/publish")
@login_required
def publish(event_id: int):
    event = service.get_event(db.session, event_id, viewer=web.me())
    service.publish_event(db.session, event=event, actor=web.me(), now=clock.now())
    db.session.commit()
    flash(_("Published. Everyone can see it now."), "success")
    return redirect(url_for(".show", event_id=event_id))


@bp.route("/e/<int:event_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(event_id: int):
    event, form = service.get_managed_event(db.session, event_id, web.me()), CancelForm()
    sent = forms.submit(
        form,
        lambda: service.cancel_event(
            db.session, event=event, actor=web.me(), reason=form.reason.data, now=clock.now()
        ),
    )
    if not sent.done:
        return render_template("events/cancel.html", event=event, form=form), sent.status
    flash(_("The event is cancelled. Its page and calendar entries say so."), "success")
    return redirect(url_for(".show", event_id=event_id))


def _manage_page(
    event_id: int,
    staff_form: StaffForm | None = None,
    status: int = 200,
    announcement_form: AnnouncementForm | None = None,
):
    page = pages.get_manage_page(db.session, event_id=event_id, actor=web.me(), now=clock.now())
    return render_template(
        "events/manage.html",
        staff_form=staff_form or StaffForm(formdata=None),
        repeat_form=RepeatForm(formdata=None),
        action_form=ActionForm(formdata=None),
        announcement_form=announcement_form or AnnouncementForm(formdata=None),
        **page,
    ), status


@bp.get("/e/<int:event_id>/manage")
@login_required
def manage(event_id: int):
    return _manage_page(event_id)


@bp.post("/e/<int:event_id>/staff")
@login_required
def add_staff(event_id: int):
    event, form = service.get_event(db.session, event_id, viewer=web.me()), StaffForm()
    sent = forms.submit(
        form,
        lambda: service.add_staff(db.session, event=event, actor=web.me(), now=clock.now(), **form.values()),
    )
    if not sent.done:
        return _manage_page(event_id, form, sent.status)
    flash(_("%(name)s was added.", name=sent.result.member.name), "success")
    return redirect(url_for(".manage", event_id=event_id, _anchor="staff"))


def _on_its_way(recipients: int) -> str:
    return ngettext(
        "Your message is on its way to %(num)d member.",
        "Your message is on its way to %(num)d members.",
        recipients,
    )


@bp.post("/e/<int:event_id>/announcements")
@login_required
def announce(event_id: int):
    """The dashboard's "write to members"; a refusal (the limit, a missing subject) shows the dashboard again
    with what was typed kept and the reason by the field."""
    form = AnnouncementForm()
    sent = forms.submit(
        form,
        lambda: announcements.send_announcement(
            db.session, event_id=event_id, actor=web.me(), now=clock.now(), **form.values()
        ),
    )
    if not sent.done:
        return _manage_page(event_id, status=sent.status, announcement_form=form)
    flash(_on_its_way(sent.result.recipients), "success")
    return redirect(url_for(".manage", event_id=event_id, _anchor="announcements"))


@bp.post("/e/<int:event_id>/staff/<int:staff_id>/remove")
@login_required
def remove_staff(event_id: int, staff_id: int):
    event = service.get_event(db.session, event_id, viewer=web.me())
    service.remove_staff(db.session, event=event, actor=web.me(), staff_id=staff_id, now=clock.now())
    db.session.commit()
    flash(_("The role was removed."), "success")
    return redirect(url_for(".manage", event_id=event_id, _anchor="staff"))


@bp.post("/e/<int:event_id>/repeat")
@login_required
def repeat(event_id: int):
    form = RepeatForm()
    if not form.validate_on_submit():
        raise errors.InvalidInput.from_form(form)
    event = service.get_event(db.session, event_id, viewer=web.me())
    created = series.repeat_event(db.session, event=event, actor=web.me(), now=clock.now(), **form.values())
    db.session.commit()
    added = ngettext(
        "%(num)d more date added to the series.", "%(num)d more dates added to the series.", len(created)
    )
    flash(added, "success")
    return redirect(url_for(".manage", event_id=event_id, _anchor="series"))
