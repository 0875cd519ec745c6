"""Surveys over JSON: build one, answer it, read the results and the trends."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import request
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr

from meetups import api, clock, web
from meetups.api import IsoText
from meetups.extensions import db
from meetups.surveys import feedback, lifecycle, mail, results, service, session_results
from meetups.surveys.answers import shown_answers
from meetups.surveys.models import Survey, SurveyResponse
from meetups.surveys.questions import find_survey

bp = APIBlueprint("surveys_api", __name__, tag="Surveys")
MANAGE_ERRORS = {401: "login_required", 403: "forbidden", 404: "not_found"}
ANSWER_ERRORS = {
    401: "login_required",
    403: "not_attendee",
    404: "not_found",
    409: "already_answered, survey_not_open, survey_closed",
    422: "invalid_answer, answer_required, invalid_input",
}


class QuestionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: StrictInt | None = Field(None, description="Keep this question (its answers) while changing it.")
    type: StrictStr = Field(description="rating (1-5), nps (0-10), single, multi, text or long_text")
    label: StrictStr
    required: StrictBool = False
    options: list[StrictStr] = Field(
        default_factory=list, description="For single and multi: 2 to 30 choices."
    )


class SurveyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    template: StrictStr | None = Field(None, description='"default": overall rating, NPS, what to change.')
    questions: list[QuestionIn] | None = None
    copy_from: StrictInt | None = Field(None, description="An earlier event of the series or community.")
    anonymous: StrictBool | None = None
    open_days: StrictInt | None = Field(None, description="Days it stays open after the event closes (1-90).")


class QuestionOut(BaseModel):
    id: int
    type: str
    label: str
    required: bool
    options: list[str]


class OfferedSessionOut(BaseModel):
    id: int
    title: str
    starts_at: IsoText
    ends_at: IsoText
    room: str | None
    attended: bool = Field(description="Scanned in at its door; else it is on the caller's schedule.")


class SessionFeedbackOut(BaseModel):
    rating: int | None
    comment: str


class SurveyOut(BaseModel):
    event_id: int
    state: str = Field(description="waiting (opens when the event is closed), open or closed")
    anonymous: bool = Field(description="Answers are stored without the member: say so before answering.")
    open_days: int
    opened_at: IsoText | None
    closes_at: IsoText | None
    questions: list[QuestionOut]
    can_answer: bool = Field(description="The caller may answer (or change their answers) now.")
    refusal: str | None = Field(description="Why not: login, not_attendee, waiting or closed.")
    my_answers: dict[str, Any] | None = Field(description="The caller's answers, choices by label.")
    sessions: list[OfferedSessionOut] = Field(
        description="The programme's sessions the caller may rate (attended first, then starred)."
    )
    my_sessions: dict[str, SessionFeedbackOut] | None = Field(
        description="What the caller said of sessions, by session id."
    )


class SurveyEnvelope(BaseModel):
    survey: SurveyOut


class SessionFeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rating: StrictInt | None = Field(None, description="1 to 5; null or left out: no rating.")
    comment: StrictStr | None = Field(None, description="Up to 2000 characters.")


class AnswersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: dict[str, Any] = Field(
        description='{"<question id>": a number, a choice, a list of them, or text}'
    )
    sessions: dict[str, SessionFeedbackIn] | None = Field(
        None,
        description='{"<session id>": {"rating", "comment"}} for sessions the caller attended or starred '
        "(see `sessions` of GET .../survey); replaces what they said before; left out, it stays.",
    )


class ResponseOut(BaseModel):
    id: int
    answers: dict[str, Any]
    sessions: dict[str, SessionFeedbackOut] = Field(description="Feedback on sessions, by session id.")
    submitted_at: IsoText
    updated_at: IsoText


class ResponseEnvelope(BaseModel):
    response: ResponseOut


class ResultsOut(BaseModel):
    event_id: int
    state: str
    anonymous: bool
    attendees: int
    responses: int
    response_rate: float | None
    questions: list[dict[str, Any]] = Field(
        description="{id, type, label, answered, average, distribution: [{value, count}], "
        "nps: {score, promoters, passives, detractors} | null, texts: [{text, on, member}], texts_matching}"
    )
    not_answered: dict[str, Any] = Field(
        description="{count, members: [{id, name}] (null when anonymous), remindable: how many the one "
        "reminder would reach now}"
    )
    follow_up: str


class SessionResultOut(BaseModel):
    id: int
    title: str
    starts_at: IsoText
    room: str | None
    speakers: list[str]
    answered: int = Field(description="Responses that said something of it.")
    hidden: bool = Field(
        description="Anonymous survey with fewer answers than `min_shown`: only `answered` is told."
    )
    ratings: int
    average: float | None
    distribution: list[dict[str, Any]] = Field(description="[{value: 1..5, count}]")
    comments: list[dict[str, Any]] = Field(
        description="[{text, member: {id, name} | null}]: the member for organisers of a named survey only"
    )


class SessionResultsOut(BaseModel):
    event_id: int
    anonymous: bool
    scope: str = Field(description="all (organisers) or own (a speaker's own sessions)")
    min_shown: int
    sort: str
    sessions: list[SessionResultOut]


class FollowUpIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: StrictStr = Field(description="What changed because of the answers; empty takes it back.")


class ReminderOut(BaseModel):
    reminded: int


class TrendOut(BaseModel):
    points: list[dict[str, Any]] = Field(
        description="{event_id, title, date, responses, nps, rating}, oldest first"
    )


def _survey_json(answering: service.Answering) -> dict[str, Any]:
    survey = answering.survey
    return {
        **_definition(survey),
        "state": answering.state.value,
        "can_answer": answering.can_answer,
        "refusal": answering.refusal,
        "my_answers": answering.answers if answering.response else None,
        "sessions": [_offered_json(o) for o in answering.sessions],
        "my_sessions": answering.session_answers if answering.response else None,
    }


def _offered_json(offered: feedback.Offered) -> dict[str, Any]:
    item = offered.item
    return {
        "id": item.id,
        "title": item.title,
        "starts_at": item.starts_at.isoformat(),
        "ends_at": item.ends_at.isoformat(),
        "room": item.room.name if item.room else None,
        "attended": offered.attended,
    }


def _definition(survey: Survey) -> dict[str, Any]:
    return {
        "event_id": survey.event_id,
        "state": survey.state(clock.now()).value,
        "anonymous": survey.is_anonymous,
        "open_days": survey.open_days,
        "opened_at": survey.opened_at.isoformat() if survey.opened_at else None,
        "closes_at": survey.closes_at.isoformat() if survey.closes_at else None,
        "questions": [
            {
                "id": q.id,
                "type": q.kind.value,
                "label": q.label,
                "required": q.is_required,
                "options": q.options,
            }
            for q in survey.questions
        ],
        "can_answer": False,
        "refusal": None,
        "my_answers": None,
        "sessions": [],
        "my_sessions": None,
    }


def _response_json(survey: Survey, response: SurveyResponse) -> dict[str, Any]:
    return {
        "response": {
            "id": response.id,
            "answers": shown_answers(survey, response.answers),
            "sessions": feedback.shown_feedback(response),
            "submitted_at": response.submitted_at.isoformat(),
            "updated_at": response.updated_at.isoformat(),
        }
    }


def _answering():
    return {"viewer": web.me(), "secret": web.site().secret_key, "now": clock.now()}


@bp.get("/events/<int:event_id>/survey")
@bp.output(SurveyEnvelope)
@bp.doc(
    summary="The event's survey: its questions, whether the caller may answer, and their answers",
    responses={404: "not_found"},
)
def get_survey(event_id: int):
    return {"survey": _survey_json(service.get_answering(db.session, event_id=event_id, **_answering()))}


@bp.put("/events/<int:event_id>/survey")
@bp.input(SurveyIn, arg_name="body")
@bp.output(SurveyEnvelope)
@bp.doc(
    summary="Create or change the event's survey (organisers)",
    description="Give `questions`, `template: default` or `copy_from`; once answers exist only labels may "
    "change (`survey_locked`). On an event already closed a new survey opens at once.",
    security=api.SECURITY,
    responses={**MANAGE_ERRORS, 409: "survey_locked, invalid_state", 422: "invalid_input"},
)
@api.login_required
def put_survey(event_id: int, body: SurveyIn):
    fields = body.model_dump(exclude_none=True)
    survey = service.set_survey(db.session, event_id=event_id, actor=web.me(), now=clock.now(), **fields)
    db.session.commit()
    return {"survey": _definition(survey)}


@bp.delete("/events/<int:event_id>/survey")
@bp.output({}, status_code=204)
@bp.doc(
    summary="Remove the event's survey, while nobody has answered (organisers)",
    security=api.SECURITY,
    responses={**MANAGE_ERRORS, 409: "survey_locked"},
)
@api.login_required
def delete_survey(event_id: int):
    service.remove_survey(db.session, event_id=event_id, actor=web.me())
    db.session.commit()
    return ""


@bp.post("/events/<int:event_id>/survey/close")
@bp.output(SurveyEnvelope)
@bp.doc(
    summary="Close the survey now (organisers)",
    security=api.SECURITY,
    responses={**MANAGE_ERRORS, 409: "invalid_state"},
)
@api.login_required
def close_survey(event_id: int):
    survey = lifecycle.close_survey(db.session, event_id=event_id, actor=web.me(), now=clock.now())
    db.session.commit()
    return {"survey": _definition(survey)}


@bp.post("/events/<int:event_id>/survey/responses")
@bp.input(AnswersIn, arg_name="body")
@bp.output(ResponseEnvelope, status_code=201)
@bp.doc(
    summary="Answer the survey (members who came, once; change it with PUT .../responses/mine)",
    description="A refused answer names the first question at fault (`question`) and every problem "
    "(`problems`: {question id: message}); nothing is stored.",
    security=api.SECURITY,
    responses=ANSWER_ERRORS,
)
@api.login_required
def answer(event_id: int, body: AnswersIn):
    return _save(event_id, body, edit=False), 201


@bp.get("/events/<int:event_id>/survey/responses/mine")
@bp.output(ResponseEnvelope)
@bp.doc(
    summary="My answers to the survey",
    security=api.SECURITY,
    responses={401: "login_required", 404: "not_found"},
)
@api.login_required
def my_response(event_id: int):
    context = _answering()
    survey, response = service.get_my_response(
        db.session, event_id=event_id, member=context["viewer"], secret=context["secret"], now=context["now"]
    )
    return _response_json(survey, response)


@bp.put("/events/<int:event_id>/survey/responses/mine")
@bp.input(AnswersIn, arg_name="body")
@bp.output(ResponseEnvelope)
@bp.doc(summary="Change my answers while the survey is open", security=api.SECURITY, responses=ANSWER_ERRORS)
@api.login_required
def change_my_response(event_id: int, body: AnswersIn):
    return _save(event_id, body, edit=True)


def _save(event_id: int, body: AnswersIn, *, edit: bool) -> dict[str, Any]:
    context = _answering()
    sessions = None if body.sessions is None else {k: v.model_dump() for k, v in body.sessions.items()}
    response = service.submit_response(
        db.session,
        event_id=event_id,
        member=context["viewer"],
        answers=body.answers,
        sessions=sessions,
        secret=context["secret"],
        now=context["now"],
        edit=edit,
    )
    db.session.commit()
    return _response_json(find_survey(db.session, event_id), response)


@bp.get("/events/<int:event_id>/survey/results")
@bp.output(ResultsOut)
@bp.doc(
    summary="The survey's results (organisers): counts, NPS, distributions, texts (`q=` searches them)",
    security=api.SECURITY,
    responses=MANAGE_ERRORS,
)
@api.login_required
def get_results(event_id: int):
    found = results.get_results(
        db.session,
        event_id=event_id,
        actor=web.me(),
        secret=web.site().secret_key,
        now=clock.now(),
        query=request.args.get("q", ""),
    )
    return results_json(found)


def results_json(found: results.Results) -> dict[str, Any]:
    return {
        "event_id": found.event.id,
        "state": found.state.value,
        "anonymous": found.survey.is_anonymous,
        "attendees": found.attendees,
        "responses": found.responses,
        "response_rate": found.rate,
        "questions": [
            {
                "id": r.question.id,
                "type": r.question.kind.value,
                "label": r.question.label,
                "answered": r.answered,
                "average": r.average,
                "distribution": [{"value": label, "count": n} for label, n in r.counts],
                "nps": None
                if r.nps is None
                else {
                    "score": r.nps.score,
                    "promoters": r.nps.promoters,
                    "passives": r.nps.passives,
                    "detractors": r.nps.detractors,
                },
                "texts": [
                    {
                        "text": t.text,
                        "on": t.on.astimezone(found.event.zone).date().isoformat(),
                        "member": {"id": t.member.id, "name": t.member.name} if t.member else None,
                    }
                    for t in r.texts
                ],
                "texts_matching": r.texts_matching,
            }
            for r in found.questions
        ],
        "not_answered": {
            "count": found.pending,
            "members": None
            if found.pending_members is None
            else [{"id": m.id, "name": m.name} for m in found.pending_members],
            "remindable": found.remindable,
        },
        "follow_up": found.survey.follow_up,
    }


@bp.get("/events/<int:event_id>/survey/sessions")
@bp.output(SessionResultsOut)
@bp.doc(
    summary="What the survey says of each session: a speaker's own sessions, or every one for organisers",
    description="`sort`: average (default), count or time. Who wrote a comment only for organisers, and "
    "never in an anonymous survey, where a session's results wait for `min_shown` answers.",
    security=api.SECURITY,
    responses={401: "login_required", 403: "forbidden", 404: "not_found"},
)
@api.login_required
def session_feedback(event_id: int):
    page = session_results.get_session_results_page(
        db.session, event_id=event_id, viewer=web.me(), sort=request.args.get("sort", "")
    )
    return session_results_json(page)


def session_results_json(page: session_results.SessionResultsPage) -> dict[str, Any]:
    return {
        "event_id": page.event.id,
        "anonymous": page.survey.is_anonymous,
        "scope": "all" if page.is_organiser else "own",
        "min_shown": session_results.MIN_SHOWN,
        "sort": page.sort,
        "sessions": [
            {
                "id": r.item.id,
                "title": r.item.title,
                "starts_at": r.item.starts_at.isoformat(),
                "room": r.item.room.name if r.item.room else None,
                "speakers": [speaker.name for speaker in r.item.speakers],
                "answered": r.answered,
                "hidden": r.hidden,
                "ratings": r.ratings,
                "average": r.average,
                "distribution": [{"value": int(label), "count": n} for label, n in r.counts],
                "comments": [
                    {
                        "text": c.text,
                        "member": {"id": c.member.id, "name": c.member.name} if c.member else None,
                    }
                    for c in r.comments
                ],
            }
            for r in page.sessions
        ],
    }


@bp.put("/events/<int:event_id>/survey/follow-up")
@bp.input(FollowUpIn, arg_name="body")
@bp.output(SurveyEnvelope)
@bp.doc(
    summary='"You said, we changed": shown to respondents at the series\' next event (organisers)',
    security=api.SECURITY,
    responses={**MANAGE_ERRORS, 409: "invalid_state", 422: "invalid_input"},
)
@api.login_required
def put_follow_up(event_id: int, body: FollowUpIn):
    survey = mail.set_follow_up(
        db.session, event_id=event_id, actor=web.me(), text=body.text, now=clock.now()
    )
    db.session.commit()
    return {"survey": _definition(survey)}


@bp.post("/events/<int:event_id>/survey/reminder")
@bp.output(ReminderOut)
@bp.doc(
    summary="Send the one reminder now, to those invited who have not answered (organisers)",
    security=api.SECURITY,
    responses={**MANAGE_ERRORS, 409: "already_reminded, invalid_state"},
)
@api.login_required
def send_reminder(event_id: int):
    count = mail.send_reminder(
        db.session, event_id=event_id, actor=web.me(), secret=web.site().secret_key, now=clock.now()
    )
    db.session.commit()
    return {"reminded": count}


def _trend_json(points: list[results.TrendPoint]) -> dict[str, Any]:
    return {
        "points": [
            {
                "event_id": p.event.id,
                "title": p.event.title,
                "date": p.event.local_starts_at.date().isoformat(),
                "responses": p.responses,
                "nps": p.nps,
                "rating": p.rating,
            }
            for p in points
        ]
    }


@bp.get("/communities/<slug>/survey-trend")
@bp.output(TrendOut)
@bp.doc(
    summary="NPS and average rating of the community's surveys over time (organisers)",
    security=api.SECURITY,
    responses=MANAGE_ERRORS,
)
@api.login_required
def community_trend(slug: str):
    _community, points = results.get_community_trend(db.session, slug=slug, actor=web.me())
    return _trend_json(points)


@bp.get("/series/<int:series_id>/survey-trend")
@bp.output(TrendOut)
@bp.doc(
    summary="NPS and average rating of a series' surveys over time (organisers)",
    security=api.SECURITY,
    responses=MANAGE_ERRORS,
)
@api.login_required
def series_trend(series_id: int):
    _series, points = results.get_series_trend(db.session, series_id=series_id, actor=web.me())
    return _trend_json(points)
