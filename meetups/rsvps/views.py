"""RSVP pages: the member's button, the organiser's attendee list and their messages to members."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from meetups import clock, errors, web
from meetups.extensions import db
from meetups.rsvps import organiser, questions, series, service
from meetups.rsvps.forms import (
    CancelForm,
    DecisionForm,
    MoveForm,
    PromoteForm,
    RsvpForm,
    answers_from_form,
    questions_from_form,
)
from meetups.rsvps.models import Rsvp, RsvpStatus

bp = Blueprint("rsvps", __name__)

STATUS_MESSAGES = {
    RsvpStatus.going: lambda: _("You're going! Your ticket is ready."),
    RsvpStatus.waitlisted: lambda: _(
        "The event is full: you're on the waitlist. We'll tell you when a seat opens."
    ),
    RsvpStatus.pending: lambda: _("Request sent. The organisers will confirm your spot."),
    RsvpStatus.offered: lambda: _("A seat is held for you. Claim it before the deadline."),
}


def _form_or_refuse(form):
    if not form.validate_on_submit():
        raise errors.InvalidInput.from_form(form)
    return form


@bp.post("/e/<int:event_id>/rsvp")
@login_required
def save(event_id: int):
    form = _form_or_refuse(RsvpForm())
    rsvp = service.save_rsvp(
        db.session,
        event_id=event_id,
        member=web.me(),
        answers=answers_from_form(request.form),
        now=clock.now(),
        **form.values(),
    )
    db.session.commit()
    flash(STATUS_MESSAGES[rsvp.status](), "success")
    return redirect(url_for("events.show", event_id=event_id) + "#rsvp")


@bp.post("/e/<int:event_id>/rsvp/cancel")
@login_required
def cancel(event_id: int):
    _form_or_refuse(CancelForm())
    rsvp = service.cancel_rsvp(db.session, event_id=event_id, member=current_user, now=clock.now())
    db.session.commit()
    declined = rsvp.end_reason == "offer_declined"
    flash(
        _("Offer declined; the seat goes to the next person.")
        if declined
        else _("Your RSVP is cancelled. Thanks for freeing your seat."),
        "success",
    )
    return redirect(url_for("events.show", event_id=event_id))


@bp.get("/e/<int:event_id>/attendees")
@login_required
def attendees(event_id: int):
    status, q = request.args.get("status", ""), request.args.get("q", "")
    page = organiser.get_attendees_page(
        db.session, event_id=event_id, actor=current_user, status=status, search=q
    )
    return render_template(
        "rsvps/attendees.html", page=page, event=page.event, decision_form=DecisionForm(), status=status, q=q
    )


@bp.get("/e/<int:event_id>/attendees.csv")
@login_required
def export(event_id: int):
    text = organiser.export_attendees(db.session, event_id=event_id, actor=current_user)
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="event-{event_id}-attendees.csv"'},
    )


@bp.get("/e/<int:event_id>/history")
@login_required
def history(event_id: int):
    args = request.args
    log = organiser.get_rsvp_history(
        db.session,
        event_id=event_id,
        actor=current_user,
        action=args.get("action", ""),
        q=args.get("q", ""),
        before=args.get("before"),
    )
    return render_template("rsvps/history.html", log=log, event=log.event, actions=organiser.HISTORY_ACTIONS)


def _back_to_attendees(rsvp: Rsvp):
    return redirect(url_for("rsvps.attendees", event_id=rsvp.event_id))


@bp.post("/rsvps/<int:rsvp_id>/approve")
@login_required
def approve(rsvp_id: int):
    form = _form_or_refuse(DecisionForm())
    rsvp = organiser.approve_rsvp(
        db.session, actor=current_user, rsvp_id=rsvp_id, message=form.message.data or "", now=clock.now()
    )
    db.session.commit()
    flash(_("%(name)s is approved.", name=rsvp.member.name), "success")
    return _back_to_attendees(rsvp)


@bp.post("/rsvps/<int:rsvp_id>/decline")
@login_required
def decline(rsvp_id: int):
    form = _form_or_refuse(DecisionForm())
    rsvp = organiser.decline_rsvp(
        db.session, actor=current_user, rsvp_id=rsvp_id, message=form.message.data or "", now=clock.now()
    )
    db.session.commit()
    flash(_("%(name)s is declined.", name=rsvp.member.name), "success")
    return _back_to_attendees(rsvp)


@bp.post("/rsvps/<int:rsvp_id>/promote")
@login_required
def promote(rsvp_id: int):
    form = _form_or_refuse(PromoteForm())
    rsvp = organiser.promote_rsvp(
        db.session, actor=current_user, rsvp_id=rsvp_id, reason=form.reason.data, now=clock.now()
    )
    db.session.commit()
    flash(_("%(name)s is now going.", name=rsvp.member.name), "success")
    return _back_to_attendees(rsvp)


@bp.post("/rsvps/<int:rsvp_id>/move")
@login_required
def move(rsvp_id: int):
    form = _form_or_refuse(MoveForm())
    rsvp = organiser.move_in_waitlist(
        db.session,
        actor=current_user,
        rsvp_id=rsvp_id,
        position=form.position.data,
        reason=form.reason.data,
        now=clock.now(),
    )
    db.session.commit()
    flash(_("%(name)s moved in the waitlist.", name=rsvp.member.name), "success")
    return _back_to_attendees(rsvp)


@bp.route("/e/<int:event_id>/questions", methods=["GET", "POST"])
@login_required
def edit_questions(event_id: int):
    event, asked = questions.get_questions_page(db.session, event_id=event_id, actor=web.me())
    form = CancelForm()  # CSRF only: the rows are dynamic and parsed by questions_from_form
    if request.method == "GET":
        return render_template("rsvps/questions.html", event=event, form=form, asked=asked)
    _form_or_refuse(form)
    questions.set_questions(db.session, event=event, actor=web.me(), items=questions_from_form(request.form))
    db.session.commit()
    flash(_("Questions saved."), "success")
    return redirect(url_for("rsvps.edit_questions", event_id=event_id))


@bp.post("/series/<int:series_id>/always-going")
@login_required
def always_going(series_id: int):
    _form_or_refuse(CancelForm())
    if request.form.get("stop"):
        series.stop_always_going(db.session, series_id=series_id, member=web.me())
        message = _("You are no longer always going; your existing RSVPs stay.")
    else:
        made = series.always_go(db.session, series_id=series_id, member=web.me(), now=clock.now())
        message = ngettext(
            "You are always going. RSVP made for %(num)d date.",
            "You are always going. RSVPs made for %(num)d dates.",
            len(made),
        )
    db.session.commit()
    flash(message, "success")
    event_id = request.form.get("event_id", "")
    return redirect(url_for("events.show", event_id=int(event_id)) if event_id.isdigit() else "/")
