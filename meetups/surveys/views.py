"""Survey pages: answering on a phone, building the survey, and reading the results."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from meetups import charts, clock, errors, web
from meetups.events import service as events
from meetups.extensions import db
from meetups.forms import ActionForm
from meetups.surveys import mail, results, service
from meetups.surveys.forms import SPARE_ROWS, answers_from_form, questions_from_form, settings_from_form
from meetups.surveys.models import SurveyKind

bp = Blueprint("surveys", __name__)


def _checked(form: ActionForm) -> None:
    if not form.validate_on_submit():
        raise errors.InvalidInput(_("The form expired; please try again."))


# Answering


def _answer_page(answering: service.Answering, form: ActionForm, given=None, problems=None, status=200):
    event = answering.event
    follow_up = mail.follow_up_for(db.session, event=event, member=web.me(), secret=web.site().secret_key)
    return render_template(
        "surveys/answer.html",
        answering=answering,
        event=event,
        survey=answering.survey,
        form=form,
        given=answering.answers if given is None else given,
        problems=problems or {},
        follow_up=follow_up,
        preview=events.can(db.session, web.me(), event, "manage"),  # organisers see what is asked
        kinds=SurveyKind,
    ), status


@bp.route("/e/<int:event_id>/survey", methods=["GET", "POST"])
def answer(event_id: int):
    secret, now = web.site().secret_key, clock.now()
    answering = service.get_answering(db.session, event_id=event_id, viewer=web.me(), secret=secret, now=now)
    form = ActionForm()
    if request.method == "GET":
        return _answer_page(answering, form)
    _checked(form)
    given = answers_from_form(answering.survey, request.form)
    try:
        service.submit_response(
            db.session,
            event_id=event_id,
            member=web.me(),
            answers=given,
            secret=secret,
            now=now,
            edit=answering.response is not None,
        )
    except (errors.InvalidAnswer, errors.AnswerRequired) as err:
        db.session.rollback()
        problems = err.details.get("problems") or {str(err.details.get("question")): err.message}
        return _answer_page(answering, form, given=given, problems=problems, status=422)
    except (service.SurveyClosed, service.SurveyNotOpen, service.NotAnAttendee) as err:
        db.session.rollback()  # a page left open while the survey closed, say: the page says why
        flash(err.message, "error")
        return redirect(url_for(".answer", event_id=event_id))
    db.session.commit()
    flash(
        _("Thank you: your answers are saved. You can change them until the survey closes.")
        if answering.response is None
        else _("Your answers are updated."),
        "success",
    )
    return redirect(url_for(".answer", event_id=event_id))


# Building


def _editor_page(event_id: int, status: int = 200, rows=None):
    editor = service.get_editor(db.session, event_id=event_id, actor=web.me())
    return render_template(
        "surveys/edit.html",
        editor=editor,
        event=editor.event,
        survey=editor.survey,
        rows=rows,
        spare=SPARE_ROWS,
        form=ActionForm(),
        kinds=_kind_labels(),
        now=clock.now(),
    ), status


def _kind_labels() -> list[tuple[str, str]]:
    return [
        (SurveyKind.rating.value, _("Rating, 1 to 5")),
        (SurveyKind.nps.value, _("Would recommend, 0 to 10 (NPS)")),
        (SurveyKind.single.value, _("One choice")),
        (SurveyKind.multi.value, _("Several choices")),
        (SurveyKind.text.value, _("Short text")),
        (SurveyKind.long_text.value, _("Long text")),
    ]


@bp.route("/e/<int:event_id>/survey/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    if request.method == "GET":
        return _editor_page(event_id)
    form = ActionForm()
    _checked(form)
    items = questions_from_form(request.form)
    try:
        service.set_survey(
            db.session,
            event_id=event_id,
            actor=web.me(),
            now=clock.now(),
            questions=items,
            **settings_from_form(request.form),
        )
    except errors.DomainError as err:
        db.session.rollback()
        if err.status in (401, 403, 404):
            raise
        flash(err.message, "error")
        # what was typed stays on the page to correct, unless answers lock the survey: then what is stored
        return _editor_page(
            event_id, status=err.status, rows=None if isinstance(err, service.SurveyLocked) else items
        )
    db.session.commit()
    flash(_("The survey is saved."), "success")
    return redirect(url_for(".edit", event_id=event_id))


@bp.post("/e/<int:event_id>/survey/enable")
@login_required
def enable(event_id: int):
    """The one button most organisers press: the default questions."""
    _checked(ActionForm())
    source = request.form.get("copy_from", "")
    how = {"copy_from": int(source)} if source.isdigit() else {"template": "default"}
    survey = service.set_survey(db.session, event_id=event_id, actor=web.me(), now=clock.now(), **how)
    db.session.commit()
    if survey.opened_at is not None:
        flash(_("The survey is open: everyone who came will be invited to answer."), "success")
    else:
        flash(
            _("The survey is ready: it opens when the event is closed, and everyone who came is invited."),
            "success",
        )
    return redirect(url_for(".edit", event_id=event_id))


@bp.post("/e/<int:event_id>/survey/close")
@login_required
def close(event_id: int):
    _checked(ActionForm())
    service.close_survey(db.session, event_id=event_id, actor=web.me(), now=clock.now())
    db.session.commit()
    flash(_("The survey is closed: no more answers."), "success")
    return redirect(url_for(".results_page", event_id=event_id))


@bp.post("/e/<int:event_id>/survey/remove")
@login_required
def remove(event_id: int):
    _checked(ActionForm())
    service.remove_survey(db.session, event_id=event_id, actor=web.me())
    db.session.commit()
    flash(_("The survey is removed."), "success")
    return redirect(url_for("events.manage", event_id=event_id))


# Results


@bp.get("/e/<int:event_id>/survey/results")
@login_required
def results_page(event_id: int):
    found = results.get_results(
        db.session,
        event_id=event_id,
        actor=web.me(),
        secret=web.site().secret_key,
        now=clock.now(),
        query=request.args.get("q", ""),
    )
    series_trend, community_trend = results.get_event_trends(db.session, event=found.event, actor=web.me())
    if [p.event.id for p in series_trend] == [p.event.id for p in community_trend]:
        community_trend = []  # the community's surveys are all this series': one chart says it
    return render_template(
        "surveys/results.html",
        results=found,
        event=found.event,
        survey=found.survey,
        drawn={str(r.question.id): _distribution(r) for r in found.questions if r.counts},
        series_trend=series_trend,
        community_trend=community_trend,
        trend_charts=_trend_charts(series_trend, community_trend),
        form=ActionForm(),
        kinds=SurveyKind,
        now=clock.now(),
    )


def _distribution(result: results.QuestionResult) -> charts.Chart:
    return charts.stacked_bars([(label, [count]) for label, count in result.counts])


def _trend_charts(*trends: list[results.TrendPoint]) -> list[dict[str, charts.Chart | None]]:
    drawn = []
    for trend in trends:
        nps = [(p.event.local_starts_at.strftime("%d.%m.%y"), p.nps) for p in trend if p.nps is not None]
        rating = [
            (p.event.local_starts_at.strftime("%d.%m.%y"), p.rating) for p in trend if p.rating is not None
        ]
        drawn.append(
            {
                "nps": charts.line(nps, bounds=(-100, 100)) if len(nps) > 1 else None,
                "rating": charts.line(rating, bounds=(1, 5)) if len(rating) > 1 else None,
            }
        )
    return drawn


@bp.get("/e/<int:event_id>/survey/results.csv")
@login_required
def results_csv(event_id: int):
    found = results.get_results(
        db.session, event_id=event_id, actor=web.me(), secret=web.site().secret_key, now=clock.now()
    )
    headers = {"Content-Disposition": f'attachment; filename="survey-{event_id}.csv"'}
    return Response(results.results_csv(found), mimetype="text/csv", headers=headers)


@bp.post("/e/<int:event_id>/survey/follow-up")
@login_required
def follow_up(event_id: int):
    _checked(ActionForm())
    survey = mail.set_follow_up(
        db.session, event_id=event_id, actor=web.me(), text=request.form.get("text", ""), now=clock.now()
    )
    db.session.commit()
    flash(
        _("Saved: those who answered will read it at the series' next event.")
        if survey.follow_up
        else _("The note is taken back."),
        "success",
    )
    return redirect(url_for(".results_page", event_id=event_id, _anchor="follow-up"))


@bp.post("/e/<int:event_id>/survey/reminder")
@login_required
def reminder(event_id: int):
    _checked(ActionForm())
    count = mail.send_reminder(
        db.session, event_id=event_id, actor=web.me(), secret=web.site().secret_key, now=clock.now()
    )
    db.session.commit()
    flash(
        ngettext("The reminder goes to %(num)d person.", "The reminder goes to %(num)d people.", count),
        "success",
    )
    return redirect(url_for(".results_page", event_id=event_id))
