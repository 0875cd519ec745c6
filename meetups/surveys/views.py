"""Survey pages: answering on a phone, building the survey, and reading the results."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import login_required

from meetups import charts, clock, errors, web
from meetups.extensions import db
from meetups.forms import ActionForm
from meetups.surveys import lifecycle, mail, results, service, session_results
from meetups.surveys.forms import (
    SPARE_ROWS,
    given_from_form,
    questions_from_form,
    settings_from_form,
)
from meetups.surveys.models import SurveyKind
from meetups.surveys.questions import SurveyLocked

bp = Blueprint("surveys", __name__)


def _checked(form: ActionForm) -> None:
    if not form.validate_on_submit():
        raise errors.InvalidInput(_("The form expired; please try again."))


# Answering


def _answer_page(page: service.AnswerPage, form: ActionForm, given=None, problems=None, status=200):
    """The answer page; after a refused answer, with what was given and the problems beside each field."""
    answering, found = page.answering, _problems(problems)
    return render_template(
        "surveys/answer.html",
        page=page,
        answering=answering,
        event=answering.event,
        survey=answering.survey,
        form=form,
        given=answering.answers if given is None else given["answers"],
        given_sessions=answering.session_answers if given is None else given["sessions"],
        problems=found[0],
        session_problems=found[1],
        follow_up=page.follow_up,
        preview=page.preview,
        kinds=SurveyKind,
    ), status


def _problems(err: errors.DomainError | None) -> tuple[dict[str, str], dict[str, str]]:
    """{question id: message} and {session id: message} from a refused answer."""
    if err is None:
        return {}, {}
    details = err.details
    on_sessions = details.get("sessions") or {}
    if "problems" in details or "question" in details:
        return details.get("problems") or {str(details["question"]): err.message}, on_sessions
    return {}, on_sessions or {str(details.get("session")): err.message}


def _submit(event_id: int, page: service.AnswerPage, form: ActionForm, given: dict):
    """Send the answers (the one service call of `answer`); on a refusal, the response to give instead."""
    try:
        service.submit_response(
            db.session,
            event_id=event_id,
            member=web.me(),
            answers=given["answers"],
            sessions=given["sessions"],
            secret=web.site().secret_key,
            now=clock.now(),
            edit=page.answering.response is not None,
        )
    except (errors.InvalidAnswer, errors.AnswerRequired) as err:
        db.session.rollback()
        return _answer_page(page, form, given=given, problems=err, status=422)
    except (service.SurveyClosed, service.SurveyNotOpen, service.NotAnAttendee) as err:
        db.session.rollback()  # a page left open while the survey closed, say: the page says why
        flash(err.message, "error")
        return redirect(url_for(".answer", event_id=event_id))
    return None


@bp.route("/e/<int:event_id>/survey", methods=["GET", "POST"])
def answer(event_id: int):
    secret, now = web.site().secret_key, clock.now()
    page = service.get_answer_page(db.session, event_id=event_id, viewer=web.me(), secret=secret, now=now)
    form = ActionForm()
    if request.method == "GET":
        return _answer_page(page, form)
    _checked(form)
    given = given_from_form(page.answering.survey, page.answering.sessions, request.form)
    if (refused := _submit(event_id, page, form, given)) is not None:
        return refused
    db.session.commit()
    flash(_thanks(first=page.answering.response is None), "success")
    return redirect(url_for(".answer", event_id=event_id))


def _thanks(*, first: bool) -> str:
    if first:
        return _("Thank you: your answers are saved. You can change them until the survey closes.")
    return _("Your answers are updated.")


# Building


def _editor_page(event_id: int, status: int = 200, rows=None):
    page = service.get_editor_page(db.session, event_id=event_id, actor=web.me())
    return render_template(
        "surveys/edit.html",
        editor=page,
        event=page.event,
        survey=page.survey,
        rows=rows,
        spare=SPARE_ROWS,
        form=ActionForm(),
        kinds=page.kinds,
        now=clock.now(),
    ), status


def _refused_edit(event_id: int, err: errors.DomainError, items: list):
    """A change refused: what was typed stays on the page to correct, unless answers lock the survey (then
    what is stored); refusals of the reader themselves go to the error handler."""
    db.session.rollback()
    if err.status in (401, 403, 404):
        raise err
    flash(err.message, "error")
    return _editor_page(event_id, status=err.status, rows=None if isinstance(err, SurveyLocked) else items)


@bp.route("/e/<int:event_id>/survey/edit", methods=["GET", "POST"])
@login_required
def edit(event_id: int):
    if request.method == "GET":
        return _editor_page(event_id)
    _checked(ActionForm())
    items, settings, me = questions_from_form(request.form), settings_from_form(request.form), web.me()
    try:
        service.set_survey(
            db.session, event_id=event_id, actor=me, now=clock.now(), questions=items, **settings
        )
    except errors.DomainError as err:
        return _refused_edit(event_id, err, items)
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
    lifecycle.close_survey(db.session, event_id=event_id, actor=web.me(), now=clock.now())
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
    page = results.get_results_page(
        db.session,
        event_id=event_id,
        actor=web.me(),
        secret=web.site().secret_key,
        now=clock.now(),
        query=request.args.get("q", ""),
        sort=request.args.get("sort", ""),
    )
    return _results_page(page)


def _results_page(page: results.ResultsPage):
    found = page.results
    return render_template(
        "surveys/results.html",
        page=page,
        results=found,
        event=found.event,
        survey=found.survey,
        drawn={str(r.question.id): _distribution(r.counts) for r in found.questions if r.counts},
        series_trend=page.series_trend,
        community_trend=page.community_trend,
        trend_charts=_trend_charts(page.series_trend, page.community_trend),
        form=ActionForm(),
        kinds=SurveyKind,
        now=clock.now(),
        min_shown=session_results.MIN_SHOWN,
    )


@bp.get("/e/<int:event_id>/survey/sessions")
@login_required
def sessions_page(event_id: int):
    """What the survey says of each session: a speaker reads their own sessions', organisers every one's."""
    page = session_results.get_session_results_page(
        db.session, event_id=event_id, viewer=web.me(), sort=request.args.get("sort", "")
    )
    drawn = {r.item.id: _distribution(r.counts) for r in page.sessions if r.ratings}
    return render_template(
        "surveys/sessions.html",
        page=page,
        event=page.event,
        survey=page.survey,
        drawn=drawn,
        min_shown=session_results.MIN_SHOWN,
    )


def _distribution(counts: list[tuple[str, int]]) -> charts.Chart:
    return charts.stacked_bars([(label, [count]) for label, count in counts])


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
