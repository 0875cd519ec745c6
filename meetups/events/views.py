"""Event pages: the home page, an event's page, and what organisers use to create, edit, publish, cancel
and staff an event."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from meetups import clock, errors
from meetups.communities import service as communities
from meetups.events import series, service
from meetups.events.forms import (
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
from meetups.forms import ActionForm, show_error
from meetups.rsvps import series as series_rsvps
from meetups.rsvps import service as rsvps

bp = Blueprint("events", __name__)


def _me():
    """The member behind the proxy (services store it in relationships), or the anonymous user."""
    return current_user._get_current_object()


def _managed_event(event_id: int) -> Event:
    """An event the current member may manage; others are refused before they see a form."""
    event = service.get_event(db.session, event_id, viewer=_me())
    service.ensure_can(db.session, _me(), event, "manage")
    return event


@bp.get("/")
def home():
    upcoming = service.list_events(db.session, now=clock.now())
    mine = rsvps.list_my_rsvps(db.session, _me(), now=clock.now()) if _me().is_authenticated else []
    return render_template(
        "events/home.html",
        events=upcoming,
        my_rsvps=mine[:3],
        counts=rsvps.count_rsvps(db.session, [e.id for e in upcoming]),
        communities=communities.list_communities(db.session),
        can_create_community=communities.can_create_community(_me()),
    )


@bp.get("/e/<int:event_id>")
def show(event_id: int):
    event = service.get_event(db.session, event_id, viewer=_me())
    rsvps.settle(db.session, event_id=event.id, now=clock.now())  # an offer past its deadline passes on now
    db.session.commit()
    return render_template(
        "events/show.html",
        event=event,
        organisers=service.list_organisers(db.session, event),
        action_form=ActionForm(formdata=None),
        occurrences=series.list_occurrences(db.session, event) if event.series_id else [],
        always_going=series_rsvps.is_always_going(db.session, event.series_id, _me()),
        **rsvps.get_rsvp_box(db.session, event, _me()),
    )


def _form_page(form: EventForm, status: int, *, community, event: Event | None = None):
    return render_template(
        "events/form.html", form=form, community=community, event=event, zone_names=zone_names()
    ), status


@bp.route("/c/<slug>/events/new", methods=["GET", "POST"])
@login_required
def new(slug: str):
    community = communities.get_community(db.session, slug)
    communities.ensure_can(db.session, _me(), community, "create_event")
    form = EventForm(data=new_event_data(service.default_timezone(db.session, community)))
    if not form.validate_on_submit():
        return _form_page(form, 422 if form.is_submitted() else 200, community=community)
    try:
        event = service.create_event(
            db.session,
            community=community,
            actor=_me(),
            fields=form.fields(),
            now=clock.now(),
            publish=form.publish.data,
        )
    except errors.DomainError as err:
        db.session.rollback()
        return _form_page(form, show_error(form, err), community=community)
    db.session.commit()
    flash(
        _("Published. Everyone can see it now.")
        if event.is_published
        else _("Saved as a draft. Only organisers can see it."),
        "success",
    )
    return redirect(url_for(".show", event_id=event.id))


@bp.route("/e/<int:event_id>/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    event = _managed_event(event_id)
    form = EventForm(data=event_data(event))
    if not form.validate_on_submit():
        return _form_page(form, 422 if form.is_submitted() else 200, community=event.community, event=event)
    try:
        if event.series_id is not None and form.scope.data == "following":
            series.update_following(
                db.session, event=event, actor=_me(), changes=form.fields(), now=clock.now()
            )
        else:
            service.update_event(db.session, event=event, actor=_me(), changes=form.fields(), now=clock.now())
    except errors.DomainError as err:
        db.session.rollback()
        return _form_page(form, show_error(form, err), community=event.community, event=event)
    db.session.commit()
    flash(_("Changes saved."), "success")
    return redirect(url_for(".show", event_id=event_id))


@bp.post("/e/<int:event_id>/publish")
@login_required
def publish(event_id: int):
    event = service.get_event(db.session, event_id, viewer=_me())
    service.publish_event(db.session, event=event, actor=_me(), now=clock.now())
    db.session.commit()
    flash(_("Published. Everyone can see it now."), "success")
    return redirect(url_for(".show", event_id=event_id))


def _cancel_page(event: Event, form: CancelForm, status: int):
    return render_template("events/cancel.html", event=event, form=form), status


@bp.route("/e/<int:event_id>/cancel", methods=["GET", "POST"])
@login_required
def cancel(event_id: int):
    event = _managed_event(event_id)
    form = CancelForm()
    if not form.validate_on_submit():
        return _cancel_page(event, form, 422 if form.is_submitted() else 200)
    try:
        service.cancel_event(db.session, event=event, actor=_me(), reason=form.reason.data, now=clock.now())
    except errors.DomainError as err:
        db.session.rollback()
        return _cancel_page(event, form, show_error(form, err))
    db.session.commit()
    flash(_("The event is cancelled. Its page and calendar entries say so."), "success")
    return redirect(url_for(".show", event_id=event_id))


def _manage_page(event: Event, staff_form: StaffForm | None = None, status: int = 200):
    return render_template(
        "events/manage.html",
        event=event,
        staff=service.list_staff(db.session, event),
        staff_form=staff_form or StaffForm(formdata=None),
        repeat_form=RepeatForm(formdata=None),
        occurrences=series.list_occurrences(db.session, event) if event.series_id else [],
        counts=rsvps.count_rsvps(db.session, [event.id])[event.id],
        action_form=ActionForm(formdata=None),
    ), status


@bp.get("/e/<int:event_id>/manage")
@login_required
def manage(event_id: int):
    return _manage_page(_managed_event(event_id))


@bp.post("/e/<int:event_id>/staff")
@login_required
def add_staff(event_id: int):
    event = _managed_event(event_id)
    form = StaffForm()
    if not form.validate_on_submit():
        return _manage_page(event, form, 422)
    try:
        staff = service.add_staff(
            db.session,
            event=event,
            actor=_me(),
            email=form.email.data,
            role=form.role.data,
            takes_seat=form.takes_seat.data,
            now=clock.now(),
        )
    except errors.DomainError as err:
        db.session.rollback()
        return _manage_page(event, form, show_error(form, err))
    db.session.commit()
    flash(_("%(name)s was added.", name=staff.member.name), "success")
    return redirect(url_for(".manage", event_id=event_id, _anchor="staff"))


@bp.post("/e/<int:event_id>/staff/<int:staff_id>/remove")
@login_required
def remove_staff(event_id: int, staff_id: int):
    event = service.get_event(db.session, event_id, viewer=_me())
    service.remove_staff(db.session, event=event, actor=_me(), staff_id=staff_id, now=clock.now())
    db.session.commit()
    flash(_("The role was removed."), "success")
    return redirect(url_for(".manage", event_id=event_id, _anchor="staff"))


@bp.post("/e/<int:event_id>/repeat")
@login_required
def repeat(event_id: int):
    event = _managed_event(event_id)
    form = RepeatForm()
    if not form.validate_on_submit():
        raise errors.InvalidInput.from_form(form)
    created = series.repeat_event(
        db.session,
        event=event,
        actor=_me(),
        frequency=form.frequency.data,
        count=form.count.data,
        until=form.until.data,
        now=clock.now(),
    )
    db.session.commit()
    flash(
        ngettext(
            "%(num)d more date added to the series.", "%(num)d more dates added to the series.", len(created)
        ),
        "success",
    )
    return redirect(url_for(".manage", event_id=event_id) + "#series")
