"""The feedback survey over the JSON API, end to end: organisers build it (template, every kind of question,
copied, anonymous), who came answers once and may change it, everyone else is refused with a stable code and
nothing written; locking once answers exist; closing, deleting, results, follow-up, reminder and trends."""

from datetime import datetime, time, timedelta

import pytest
from sqlalchemy import func, select

from meetups import clock
from meetups.communities.models import CommunityRole
from meetups.events.models import EventStatus, Series
from meetups.surveys import mail
from meetups.surveys.models import Survey, SurveyQuestion, SurveyResponse
from tests.factories import bearer, join, make_community, make_event, make_member
from tests.surveys.conftest import past_event

API = "/api/v1"

EVERY_KIND = [
    {"type": "rating", "label": "How was the venue?", "required": True},
    {"type": "nps", "label": "Would you recommend us?", "required": True},
    {"type": "single", "label": "Which track did you follow?", "options": ["Web", "Data", "Ops"]},
    {"type": "multi", "label": "What did you enjoy?", "options": ["Talks", "Pizza", "People"]},
    {"type": "text", "label": "The event in one line"},
    {"type": "long_text", "label": "Anything else?", "required": False},
]
VALID = {
    "rating": 4,
    "nps": 9,
    "single": "Data",
    "multi": ["Pizza", "Talks"],
    "text": "  Good fun  ",
    "long_text": "More chairs.",
}


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.json
    error = response.json["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"].strip()
    return error


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _ids(survey: dict) -> dict[str, int]:
    return {q["type"]: q["id"] for q in survey["questions"]}


def _answers(survey: dict, **by_kind) -> dict[str, object]:
    ids = _ids(survey)
    return {str(ids[kind]): value for kind, value in by_kind.items()}


class Caller:
    """One test's API calls, each as somebody (a member's token) or nobody."""

    def __init__(self, client, session, event_id: int):
        self.client, self.session, self.event_id = client, session, event_id
        self._headers: dict[int, dict[str, str]] = {}

    def headers(self, member) -> dict[str, str]:
        if member is None:
            return {}
        if member.id not in self._headers:
            self._headers[member.id] = bearer(self.session, member)
        return self._headers[member.id]

    def __call__(self, method: str, path: str, member=None, event_id: int | None = None, **kwargs):
        url = f"{API}/events/{event_id or self.event_id}{path}"
        return getattr(self.client, method)(url, headers=self.headers(member), **kwargs)


@pytest.fixture
def built(client, session, now, surveyed):
    """make(questions=EVERY_KIND, came=3, **put) -> (Surveyed, survey JSON, Caller): the event closed
    without a survey, then the organiser put one with these questions over the API, so it is open at once."""

    def _make(questions=EVERY_KIND, came=3, **put):
        s = surveyed(survey=False, came=came)
        call = Caller(client, session, s.event.id)
        response = call("put", "/survey", s.organiser, json={"questions": questions, **put})
        assert response.status_code == 200, response.json
        return s, response.json["survey"], call

    return _make


def test_the_default_template_waits_for_the_event_to_close_then_opens_for_two_weeks(
    client, session, now, surveyed
):
    s = surveyed(survey=False, close=False)
    call = Caller(client, session, s.event.id)
    response = call("put", "/survey", s.organiser, json={"template": "default"})
    assert response.status_code == 200, response.json
    survey = response.json["survey"]
    assert [(q["type"], q["required"]) for q in survey["questions"]] == [
        ("rating", True),
        ("nps", True),
        ("long_text", False),
    ]
    assert (survey["state"], survey["opened_at"], survey["closes_at"]) == ("waiting", None, None)
    assert (survey["anonymous"], survey["open_days"]) == (False, 14)
    assert call("post", "/close", s.organiser).status_code == 200
    survey = call("get", "/survey", s.came[0]).json["survey"]
    assert survey["state"] == "open" and survey["can_answer"] is True
    assert survey["opened_at"] == now.isoformat()
    assert survey["closes_at"] == (now + timedelta(days=14)).isoformat()


def test_an_organiser_asks_every_kind_of_question_and_the_survey_opens_at_once_on_a_closed_event(
    session, now, built
):
    _s, survey, _call = built(anonymous=True, open_days=7)
    assert [(q["type"], q["label"], q["required"], q["options"]) for q in survey["questions"]] == [
        ("rating", "How was the venue?", True, []),
        ("nps", "Would you recommend us?", True, []),
        ("single", "Which track did you follow?", False, ["Web", "Data", "Ops"]),
        ("multi", "What did you enjoy?", False, ["Talks", "Pizza", "People"]),
        ("text", "The event in one line", False, []),
        ("long_text", "Anything else?", False, []),
    ]
    assert (survey["state"], survey["anonymous"], survey["open_days"]) == ("open", True, 7)
    assert survey["closes_at"] == (now + timedelta(days=7)).isoformat()
    assert _count(session, SurveyQuestion) == 6


def test_a_second_put_keeps_the_questions_it_names_in_the_new_order_and_drops_the_others(session, built):
    s, survey, call = built()
    ids = _ids(survey)
    questions = [
        {"id": ids["long_text"], "type": "long_text", "label": "What should we change?"},
        {"id": ids["rating"], "type": "rating", "label": "How was the venue?", "required": True},
        {"type": "single", "label": "Coming again?", "options": ["Yes", "No"], "required": True},
        {"id": ids["multi"], "type": "multi", "label": "What did you enjoy?", "options": ["Talks", "Food"]},
    ]
    response = call("put", "/survey", s.organiser, json={"questions": questions})
    assert response.status_code == 200, response.json
    got = response.json["survey"]["questions"]
    assert [q["id"] for q in got[:2]] == [ids["long_text"], ids["rating"]]
    assert got[2]["id"] not in ids.values() and got[3]["id"] == ids["multi"]
    assert [(q["label"], q["required"], q["options"]) for q in got] == [
        ("What should we change?", False, []),
        ("How was the venue?", True, []),
        ("Coming again?", True, ["Yes", "No"]),
        ("What did you enjoy?", False, ["Talks", "Food"]),
    ]
    assert _count(session, SurveyQuestion) == 4
    assert call("get", "/survey", s.came[0]).json["survey"]["questions"] == got


def test_a_put_naming_a_question_of_another_survey_changes_nothing(session, built):
    s, survey, call = built()
    other = built()[1]
    ids = _ids(survey)
    questions = [
        {"id": ids["rating"], "type": "rating", "label": "Renamed"},
        {"id": _ids(other)["nps"], "type": "nps", "label": "Stolen"},
    ]
    response = call("put", "/survey", s.organiser, json={"questions": questions, "anonymous": True})
    assert _error(response, 422, "invalid_input")["field"] == "questions"
    again = call("get", "/survey", s.organiser).json["survey"]
    assert again["questions"] == survey["questions"] and again["anonymous"] is False
    assert _count(session, SurveyQuestion) == 12
    assert session.get(SurveyQuestion, ids["rating"]).label == "How was the venue?"


BAD_SURVEYS = {
    "nothing to ask": {},
    "unknown template": {"template": "fancy"},
    "no questions": {"questions": []},
    "unknown type": {"questions": [{"type": "stars", "label": "How many stars?"}]},
    "blank label": {"questions": [{"type": "rating", "label": "   "}]},
    "long label": {"questions": [{"type": "rating", "label": "x" * 301}]},
    "one choice": {"questions": [{"type": "single", "label": "Pick", "options": ["Only one"]}]},
    "same choices": {"questions": [{"type": "multi", "label": "Pick", "options": ["Same", "Same"]}]},
    "required as text": {"questions": [{"type": "rating", "label": "Fine?", "required": "yes"}]},
    "unknown question field": {"questions": [{"type": "rating", "label": "Fine?", "colour": "red"}]},
    "21 questions": {"questions": [{"type": "rating", "label": f"Q{n}"} for n in range(21)]},
    "template and questions": {"template": "default", "questions": [{"type": "rating", "label": "Both?"}]},
    "open 0 days": {"template": "default", "open_days": 0},
    "open 91 days": {"template": "default", "open_days": 91},
    "open true days": {"template": "default", "open_days": True},
    "anonymous as text": {"template": "default", "anonymous": "yes"},
    "copy from text": {"template": "default", "copy_from": "last time"},
    "unknown field": {"template": "default", "colour": "red"},
}


@pytest.mark.parametrize("body", BAD_SURVEYS.values(), ids=BAD_SURVEYS.keys())
def test_a_survey_put_that_is_not_valid_is_refused_and_creates_nothing(client, session, surveyed, body):
    s = surveyed(survey=False)
    call = Caller(client, session, s.event.id)
    _error(call("put", "/survey", s.organiser, json=body), 422, "invalid_input")
    assert _count(session, Survey) == 0 and _count(session, SurveyQuestion) == 0


def test_only_the_events_organisers_build_its_survey(client, session, surveyed):
    s = surveyed(survey=False)
    call = Caller(client, session, s.event.id)
    _error(call("put", "/survey", s.came[0], json={"template": "default"}), 403, "forbidden")
    _error(call("put", "/survey", s.stranger, json={"template": "default"}), 403, "forbidden")
    _error(call("put", "/survey", None, json={"template": "default"}), 401, "login_required")
    assert _count(session, Survey) == 0


def test_a_cancelled_event_asks_for_no_feedback(client, session, now):
    organiser = make_member(session)
    event = make_event(
        session, community=make_community(session, organiser=organiser), status=EventStatus.cancelled
    )
    call = Caller(client, session, event.id)
    _error(call("put", "/survey", organiser, json={"template": "default"}), 409, "invalid_state")
    assert _count(session, Survey) == 0


def test_a_survey_is_copied_from_an_earlier_event_of_the_same_community_anonymity_included(
    client, session, now, built
):
    s, source, _call = built(anonymous=True, open_days=10)
    later = make_event(session, community=s.community)
    call = Caller(client, session, later.id)
    response = call("put", "/survey", s.organiser, json={"copy_from": s.event.id})
    assert response.status_code == 200, response.json
    copy = response.json["survey"]
    assert [(q["type"], q["label"], q["required"], q["options"]) for q in copy["questions"]] == [
        (q["type"], q["label"], q["required"], q["options"]) for q in source["questions"]
    ]
    assert not set(_ids(copy).values()) & set(_ids(source).values())
    assert (copy["anonymous"], copy["open_days"], copy["state"]) == (True, 14, "waiting")
    assert _count(session, SurveyQuestion) == 12


def test_copying_needs_an_earlier_event_of_the_same_community_with_a_survey(client, session, now, built):
    s, _source, _call = built()
    foreign = built()[0]
    no_survey = past_event(session, s.community, now, came=[], days_ago=2)
    later = make_event(session, community=s.community)
    call = Caller(client, session, later.id)
    for source_id in (foreign.event.id, no_survey.id, later.id, 999999):
        error = _error(
            call("put", "/survey", s.organiser, json={"copy_from": source_id}), 422, "invalid_input"
        )
        assert error["field"] == "copy_from"
    earlier = past_event(session, s.community, now, came=[], days_ago=5)
    call = Caller(client, session, earlier.id)
    error = _error(call("put", "/survey", s.organiser, json={"copy_from": s.event.id}), 422, "invalid_input")
    assert error["field"] == "copy_from"
    assert _count(session, Survey) == 2


@pytest.mark.parametrize(
    ("who", "refusal"),
    [("attendee", None), ("no_show", "not_attendee"), ("stranger", "not_attendee"), ("nobody", "login")],
)
def test_the_survey_tells_each_reader_whether_they_may_answer(built, who, refusal):
    s, survey, call = built()
    member = {"attendee": s.came[0], "no_show": s.no_show, "stranger": s.stranger, "nobody": None}[who]
    response = call("get", "/survey", member)
    assert response.status_code == 200, response.json
    got = response.json["survey"]
    assert (got["can_answer"], got["refusal"], got["my_answers"]) == (refusal is None, refusal, None)
    assert got["questions"] == survey["questions"] and got["state"] == "open"


def test_an_attendee_answers_once_reads_their_answers_and_changes_them(session, now, built):
    s, survey, call = built()
    me = s.came[0]
    _error(call("get", "/survey/responses/mine", me), 404, "not_found")
    response = call("post", "/survey/responses", me, json={"answers": _answers(survey, **VALID)})
    assert response.status_code == 201, response.json
    shown = _answers(survey, **{**VALID, "multi": ["Talks", "Pizza"], "text": "Good fun"})
    assert response.json["response"]["answers"] == shown
    assert response.json["response"]["submitted_at"] == now.isoformat()
    stored = session.scalar(select(SurveyResponse))
    assert stored.member_id == me.id
    assert stored.answers == _answers(
        survey, rating=4, nps=9, single=1, multi=[0, 1], text="Good fun", long_text="More chairs."
    )
    again = call("get", "/survey", me).json["survey"]
    assert again["my_answers"] == shown and again["can_answer"] is True

    for again in (_answers(survey, rating=1, nps=0), _answers(survey, rating=0)):
        _error(call("post", "/survey/responses", me, json={"answers": again}), 409, "already_answered")
    assert _count(session, SurveyResponse) == 1

    changed = _answers(survey, rating=2, nps=3, multi="People")
    response = call("put", "/survey/responses/mine", me, json={"answers": changed})
    assert response.status_code == 200, response.json
    assert response.json["response"]["answers"] == _answers(survey, rating=2, nps=3, multi=["People"])
    mine = call("get", "/survey/responses/mine", me).json["response"]
    assert mine["answers"] == _answers(survey, rating=2, nps=3, multi=["People"])
    assert mine["id"] == stored.id
    session.refresh(stored)
    assert stored.answers == _answers(survey, rating=2, nps=3, multi=[2])
    assert _count(session, SurveyResponse) == 1


def test_changing_answers_one_never_gave_is_not_found(session, built):
    s, survey, call = built()
    for answers in (_answers(survey, **VALID), _answers(survey, rating=0)):
        response = call("put", "/survey/responses/mine", s.came[0], json={"answers": answers})
        _error(response, 404, "not_found")
    assert _count(session, SurveyResponse) == 0


def test_an_anonymous_survey_keeps_no_member_and_only_the_day_but_still_one_answer_each(session, now, built):
    s, survey, call = built(anonymous=True)
    me = s.came[1]
    response = call("post", "/survey/responses", me, json={"answers": _answers(survey, rating=5, nps=10)})
    assert response.status_code == 201, response.json
    noon = datetime.combine(now.astimezone(s.event.zone).date(), time(12), s.event.zone).astimezone(
        now.tzinfo
    )
    assert response.json["response"]["submitted_at"] == noon.isoformat()
    stored = session.scalar(select(SurveyResponse))
    assert stored.member_id is None and stored.submitted_at == noon
    assert call("get", "/survey/responses/mine", me).json["response"]["id"] == stored.id
    _error(call("get", "/survey/responses/mine", s.came[0]), 404, "not_found")
    again = call("post", "/survey/responses", me, json={"answers": _answers(survey, rating=1, nps=1)})
    _error(again, 409, "already_answered")
    assert _count(session, SurveyResponse) == 1


@pytest.mark.parametrize(
    ("who", "status", "code"),
    [("no_show", 403, "not_attendee"), ("stranger", 403, "not_attendee"), ("nobody", 401, "login_required")],
)
def test_only_who_came_may_answer(session, built, who, status, code):
    s, survey, call = built()
    member = {"no_show": s.no_show, "stranger": s.stranger, "nobody": None}[who]
    _error(
        call("post", "/survey/responses", member, json={"answers": _answers(survey, **VALID)}), status, code
    )
    _error(
        call("put", "/survey/responses/mine", member, json={"answers": _answers(survey, **VALID)}),
        status,
        code,
    )
    assert _count(session, SurveyResponse) == 0


BAD_ANSWERS = {
    "rating 0": {"rating": 0},
    "rating 6": {"rating": 6},
    "rating 3.5": {"rating": 3.5},
    "rating true": {"rating": True},
    "rating in words": {"rating": "four"},
    "nps -1": {"nps": -1},
    "nps 11": {"nps": 11},
    "nps in a list": {"nps": [9]},
    "unknown choice": {"single": "Cooking"},
    "choice in lower case": {"single": "data"},
    "two single choices": {"single": ["Web", "Data"]},
    "one unknown of many": {"multi": ["Talks", "Naps"]},
    "choices as an object": {"multi": {"Talks": True}},
    "text of 301": {"text": "x" * 301},
    "text as a number": {"text": 42},
    "long text of 5001": {"long_text": "x" * 5001},
    "long text as a list": {"long_text": ["a", "b"]},
}


@pytest.mark.parametrize("change", BAD_ANSWERS.values(), ids=BAD_ANSWERS.keys())
def test_an_answer_out_of_bounds_is_refused_naming_its_question_and_stores_nothing(session, built, change):
    (kind,) = change
    s, survey, call = built()
    response = call(
        "post", "/survey/responses", s.came[0], json={"answers": _answers(survey, **{**VALID, **change})}
    )
    error = _error(response, 422, "invalid_answer")
    question = _ids(survey)[kind]
    assert error["question"] == question
    assert list(error["problems"]) == [str(question)]
    label = next(q["label"] for q in survey["questions"] if q["id"] == question)
    assert error["message"].startswith(label)
    assert _count(session, SurveyResponse) == 0


def test_a_rating_in_other_digits_is_refused_like_any_other_non_number(session, built):
    s, survey, call = built()
    usual = call(
        "post", "/survey/responses", s.came[0], json={"answers": _answers(survey, **{**VALID, "rating": 9})}
    )
    usual = _error(usual, 422, "invalid_answer")["problems"]
    for digits in ("²", "①"):
        answers = _answers(survey, **{**VALID, "rating": digits})
        response = call("post", "/survey/responses", s.came[0], json={"answers": answers})
        assert _error(response, 422, "invalid_answer")["problems"] == usual
    assert _count(session, SurveyResponse) == 0


def test_text_answers_are_trimmed_and_may_be_as_long_as_their_limit(session, built):
    s, survey, call = built()
    answers = _answers(survey, **{**VALID, "text": f"  {'t' * 300}\n", "long_text": f"\t{'l' * 5000}  "})
    response = call("post", "/survey/responses", s.came[0], json={"answers": answers})
    assert response.status_code == 201, response.json
    stored = session.scalar(select(SurveyResponse)).answers
    assert stored[str(_ids(survey)["text"])] == "t" * 300
    assert stored[str(_ids(survey)["long_text"])] == "l" * 5000


def test_every_problem_is_reported_at_once_and_the_first_question_at_fault_gives_the_code(session, built):
    s, survey, call = built()
    ids = _ids(survey)
    answers = _answers(survey, rating=0, single="Cooking", text="   ")
    error = _error(
        call("post", "/survey/responses", s.came[0], json={"answers": answers}), 422, "invalid_answer"
    )
    assert error["question"] == ids["rating"]
    assert set(error["problems"]) == {str(ids["rating"]), str(ids["nps"]), str(ids["single"])}
    answers = _answers(survey, rating=3, single="Cooking")
    error = _error(
        call("post", "/survey/responses", s.came[0], json={"answers": answers}), 422, "answer_required"
    )
    assert error["question"] == ids["nps"]
    assert set(error["problems"]) == {str(ids["nps"]), str(ids["single"])}
    assert _count(session, SurveyResponse) == 0


@pytest.mark.parametrize("blank", [None, "", "   ", []], ids=["null", "empty", "spaces", "no choice"])
def test_a_required_question_left_blank_is_answer_required(session, built, blank):
    s, survey, call = built(
        questions=[
            {"type": "rating", "label": "How was it?"},
            {"type": "multi", "label": "What was good?", "options": ["Talks", "Food"], "required": True},
            {"type": "text", "label": "Say something", "required": True},
        ]
    )
    ids = _ids(survey)
    answers = {str(ids["rating"]): 3, str(ids["multi"]): blank, str(ids["text"]): "Fine"}
    error = _error(
        call("post", "/survey/responses", s.came[0], json={"answers": answers}), 422, "answer_required"
    )
    assert error["question"] == ids["multi"] and list(error["problems"]) == [str(ids["multi"])]
    answers[str(ids["multi"])], answers[str(ids["text"])] = ["Food"], blank
    error = _error(
        call("post", "/survey/responses", s.came[0], json={"answers": answers}), 422, "answer_required"
    )
    assert error["question"] == ids["text"]
    assert _count(session, SurveyResponse) == 0


def test_optional_questions_left_blank_are_not_stored(session, built):
    s, survey, call = built()
    answers = _answers(survey, rating=1, nps=0, single=None, multi=[], text="  ", long_text="")
    response = call("post", "/survey/responses", s.came[0], json={"answers": answers})
    assert response.status_code == 201, response.json
    assert response.json["response"]["answers"] == _answers(survey, rating=1, nps=0)
    assert session.scalar(select(SurveyResponse)).answers == _answers(survey, rating=1, nps=0)


def test_an_answer_to_a_question_the_survey_does_not_ask_is_refused(session, built):
    s, survey, call = built()
    other = built()[1]
    for key in ("999999", "rating", str(_ids(other)["rating"])):
        answers = {**_answers(survey, **VALID), key: 3}
        error = _error(
            call("post", "/survey/responses", s.came[0], json={"answers": answers}), 422, "invalid_answer"
        )
        assert error["question"] == key
    assert _count(session, SurveyResponse) == 0


@pytest.mark.parametrize(
    "body",
    [
        {"answers": [4, 9]},
        {"answers": "all good"},
        {"answers": None},
        {},
        {"answers": {}, "mood": "happy"},
        {"answers": {}, "member_id": 1},
    ],
    ids=["list", "text", "null", "missing", "extra field", "smuggled member"],
)
def test_a_body_that_is_not_answers_is_invalid_input(session, built, body):
    s, _survey, call = built()
    error = _error(call("post", "/survey/responses", s.came[0], json=body), 422, "invalid_input")
    assert error["fields"]
    error = _error(call("put", "/survey/responses/mine", s.came[0], json=body), 422, "invalid_input")
    assert _count(session, SurveyResponse) == 0


def test_a_body_that_is_not_json_is_refused(session, built):
    s, _survey, call = built()
    response = call("post", "/survey/responses", s.came[0], data="{answers", content_type="application/json")
    _error(response, 400, "invalid_json")
    assert _count(session, SurveyResponse) == 0


def test_nobody_answers_a_survey_that_waits_for_the_event_to_close(client, session, surveyed):
    s = surveyed(close=False)
    call = Caller(client, session, s.event.id)
    answers = {str(s.question("rating").id): 4, str(s.question("nps").id): 9}
    for member in (s.came[0], s.no_show, s.stranger):
        survey = call("get", "/survey", member).json["survey"]
        assert (survey["state"], survey["can_answer"], survey["refusal"]) == ("waiting", False, "waiting")
        _error(call("post", "/survey/responses", member, json={"answers": answers}), 409, "survey_not_open")
    assert call("get", "/survey", None).json["survey"]["refusal"] == "login"
    assert _count(session, SurveyResponse) == 0


def test_a_survey_closed_by_hand_takes_no_more_answers_and_no_changes(session, now, built):
    s, survey, call = built()
    first = _answers(survey, rating=4, nps=8)
    assert call("post", "/survey/responses", s.came[0], json={"answers": first}).status_code == 201
    _error(call("post", "/survey/close", s.came[0]), 403, "forbidden")
    response = call("post", "/survey/close", s.organiser)
    assert response.status_code == 200, response.json
    assert response.json["survey"]["state"] == "closed"
    assert response.json["survey"]["closes_at"] == now.isoformat()
    late = call("post", "/survey/responses", s.came[1], json={"answers": first})
    _error(late, 409, "survey_closed")
    change = call(
        "put", "/survey/responses/mine", s.came[0], json={"answers": _answers(survey, rating=1, nps=1)}
    )
    _error(change, 409, "survey_closed")
    assert call("get", "/survey/responses/mine", s.came[0]).json["response"]["answers"] == first
    survey_now = call("get", "/survey", s.came[0]).json["survey"]
    assert (survey_now["can_answer"], survey_now["refusal"]) == (False, "closed")
    _error(call("post", "/survey/close", s.organiser), 409, "invalid_state")
    assert _count(session, SurveyResponse) == 1


def test_the_survey_closes_by_itself_after_its_days(session, now, built, monkeypatch):
    s, survey, call = built(open_days=3)
    monkeypatch.setattr(clock, "now", lambda: now + timedelta(days=3) - timedelta(seconds=1))
    answers = _answers(survey, rating=4, nps=8)
    assert call("post", "/survey/responses", s.came[0], json={"answers": answers}).status_code == 201
    monkeypatch.setattr(clock, "now", lambda: now + timedelta(days=3))
    _error(call("post", "/survey/responses", s.came[1], json={"answers": answers}), 409, "survey_closed")
    assert call("get", "/survey", s.came[1]).json["survey"]["refusal"] == "closed"
    assert _count(session, SurveyResponse) == 1


def _same_questions(survey: dict, **changes) -> list[dict]:
    """The survey's questions as a PUT body, every id kept, with some fields changed per kind."""
    return [
        {k: v for k, v in {**q, **changes.get(q["type"], {})}.items() if v is not None}
        for q in survey["questions"]
    ]


@pytest.mark.parametrize(
    "questions",
    [
        lambda survey: _same_questions(survey, rating={"type": "nps"}),
        lambda survey: _same_questions(survey, nps={"required": False}),
        lambda survey: _same_questions(survey, text={"required": True}),
        lambda survey: _same_questions(survey, single={"options": ["Web", "Data", "Ops", "Design"]}),
        lambda survey: _same_questions(survey, multi={"options": ["Talks", "Pizza"]}),
        lambda survey: _same_questions(survey)[:-1],
        lambda survey: [*_same_questions(survey), {"type": "text", "label": "One more"}],
        lambda survey: _same_questions(survey)[::-1],
        lambda survey: _same_questions(survey, rating={"id": survey["questions"][1]["id"]}),
    ],
    ids=[
        "kind",
        "required off",
        "required on",
        "add a choice",
        "drop a choice",
        "drop a question",
        "add a question",
        "reorder",
        "swap ids",
    ],
)
def test_once_answers_came_in_the_questions_are_locked(session, built, questions):
    s, survey, call = built()
    answers = _answers(survey, **VALID)
    assert call("post", "/survey/responses", s.came[0], json={"answers": answers}).status_code == 201
    response = call("put", "/survey", s.organiser, json={"questions": questions(survey)})
    assert _error(response, 409, "survey_locked")["field"] == "questions"
    assert call("get", "/survey", s.organiser).json["survey"]["questions"] == survey["questions"]
    assert _count(session, SurveyQuestion) == 6


def test_once_answers_came_in_the_wording_can_still_be_corrected(session, built):
    s, survey, call = built()
    answers = _answers(survey, **VALID)
    assert call("post", "/survey/responses", s.came[0], json={"answers": answers}).status_code == 201
    questions = _same_questions(
        survey,
        rating={"label": "How was the room?"},
        single={"options": ["Web", "Databases", "Ops"]},
        multi={"options": ["Talks", "Pizza", "Folks"]},
    )
    for question in questions[2:]:
        question.pop("id")
    response = call("put", "/survey", s.organiser, json={"questions": questions, "open_days": 30})
    assert response.status_code == 200, response.json
    got = response.json["survey"]
    assert _ids(got) == _ids(survey) and got["open_days"] == 30
    assert got["questions"][0]["label"] == "How was the room?"
    mine = call("get", "/survey/responses/mine", s.came[0]).json["response"]["answers"]
    assert mine == _answers(
        survey,
        rating=4,
        nps=9,
        single="Databases",
        multi=["Talks", "Pizza"],
        text="Good fun",
        long_text="More chairs.",
    )


def test_anonymity_cannot_change_once_answers_came_in(session, built):
    s, survey, call = built(anonymous=True)
    assert call("put", "/survey", s.organiser, json={"anonymous": False}).status_code == 200
    assert call("put", "/survey", s.organiser, json={"anonymous": True}).status_code == 200
    answers = _answers(survey, rating=3, nps=7)
    assert call("post", "/survey/responses", s.came[0], json={"answers": answers}).status_code == 201
    error = _error(
        call("put", "/survey", s.organiser, json={"anonymous": False, "open_days": 20}), 409, "survey_locked"
    )
    assert error["field"] == "anonymous"
    got = call("get", "/survey", s.organiser).json["survey"]
    assert (got["anonymous"], got["open_days"]) == (True, 14)
    assert call("put", "/survey", s.organiser, json={"anonymous": True}).status_code == 200
    session.expire_all()
    assert session.scalar(select(SurveyResponse)).member_id is None


def test_a_survey_with_answers_cannot_be_deleted_and_one_without_can(session, built):
    s, survey, call = built()
    _error(call("delete", "/survey", s.came[0]), 403, "forbidden")
    answers = _answers(survey, rating=3, nps=7)
    assert call("post", "/survey/responses", s.came[0], json={"answers": answers}).status_code == 201
    _error(call("delete", "/survey", s.organiser), 409, "survey_locked")
    assert _count(session, Survey) == 1 and _count(session, SurveyResponse) == 1

    unanswered, _survey, call = built()
    response = call("delete", "/survey", unanswered.organiser)
    assert response.status_code == 204 and response.data == b""
    assert _count(session, Survey) == 1 and _count(session, SurveyQuestion) == 6
    _error(call("get", "/survey", unanswered.organiser), 404, "not_found")
    _error(call("delete", "/survey", unanswered.organiser), 404, "not_found")


RESULT_ANSWERS = [
    {
        "rating": 5,
        "nps": 10,
        "single": "Web",
        "multi": ["Talks", "Pizza"],
        "text": "Loved the pizza",
        "long_text": "More chairs, please",
    },
    {"rating": 4, "nps": 9, "single": "Data", "multi": ["Pizza"], "text": "  Great talks "},
    {"rating": 2, "nps": 3, "single": "Web", "long_text": "The PIZZA was cold"},
]


def _answered_by_three(built, **put):
    s, survey, call = built(came=4, **put)
    for member, given in zip(s.came, RESULT_ANSWERS, strict=False):
        response = call("post", "/survey/responses", member, json={"answers": _answers(survey, **given)})
        assert response.status_code == 201, response.json
    return s, survey, call


def test_the_results_count_average_and_split_the_answers(session, now, built):
    s, _survey, call = _answered_by_three(built)
    response = call("get", "/survey/results", s.organiser)
    assert response.status_code == 200, response.json
    found = response.json
    assert (found["event_id"], found["state"], found["anonymous"]) == (s.event.id, "open", False)
    assert (found["attendees"], found["responses"], found["response_rate"]) == (4, 3, 0.75)
    by_kind = {q["type"]: q for q in found["questions"]}
    assert [by_kind[k]["answered"] for k in ("rating", "nps", "single", "multi", "text", "long_text")] == [
        3,
        3,
        3,
        2,
        2,
        2,
    ]
    rating = by_kind["rating"]
    assert rating["average"] == pytest.approx(11 / 3) and rating["nps"] is None
    assert rating["distribution"] == [{"value": str(n), "count": [0, 1, 0, 1, 1][n - 1]} for n in range(1, 6)]
    nps = by_kind["nps"]
    assert nps["nps"] == {"score": 33, "promoters": 2, "passives": 0, "detractors": 1}
    assert nps["average"] == pytest.approx(22 / 3)
    assert [d["count"] for d in nps["distribution"]] == [0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 1]
    assert by_kind["single"]["distribution"] == [
        {"value": "Web", "count": 2},
        {"value": "Data", "count": 1},
        {"value": "Ops", "count": 0},
    ]
    assert by_kind["multi"]["distribution"] == [
        {"value": "Talks", "count": 1},
        {"value": "Pizza", "count": 2},
        {"value": "People", "count": 0},
    ]
    assert by_kind["single"]["average"] is None and by_kind["single"]["texts"] == []
    texts = by_kind["text"]
    assert [(t["text"], t["member"]["name"], t["on"]) for t in texts["texts"]] == [
        ("Great talks", "Came 1", now.date().isoformat()),
        ("Loved the pizza", "Came 0", now.date().isoformat()),
    ]
    assert texts["texts_matching"] == 2 and texts["distribution"] == [] and texts["average"] is None
    assert found["not_answered"] == {
        "count": 1,
        "members": [{"id": s.came[3].id, "name": "Came 3"}],
        "remindable": 0,  # the invitation mail has not gone yet
    }
    assert found["follow_up"] == ""


def test_the_results_search_the_text_answers_without_regard_to_case(built):
    s, _survey, call = _answered_by_three(built)
    found = call("get", "/survey/results?q=%20pizza%20", s.organiser).json
    by_kind = {q["type"]: q for q in found["questions"]}
    assert [t["text"] for t in by_kind["text"]["texts"]] == ["Loved the pizza"]
    assert [t["text"] for t in by_kind["long_text"]["texts"]] == ["The PIZZA was cold"]
    assert (by_kind["text"]["texts_matching"], by_kind["long_text"]["texts_matching"]) == (1, 1)
    assert by_kind["rating"]["answered"] == 3
    nothing = call("get", "/survey/results?q=sushi", s.organiser).json
    assert all(q["texts"] == [] and q["texts_matching"] == 0 for q in nothing["questions"])


def test_anonymous_results_name_nobody(built):
    s, _survey, call = _answered_by_three(built, anonymous=True)
    found = call("get", "/survey/results", s.organiser).json
    assert found["anonymous"] is True and found["responses"] == 3
    texts = [t for q in found["questions"] for t in q["texts"]]
    assert len(texts) == 4 and all(t["member"] is None for t in texts)
    assert found["not_answered"] == {"count": 1, "members": None, "remindable": 0}


def test_only_organisers_read_the_results(session, built):
    s, _survey, call = _answered_by_three(built)
    _error(call("get", "/survey/results", s.came[0]), 403, "forbidden")
    _error(call("get", "/survey/results", s.stranger), 403, "forbidden")
    _error(call("get", "/survey/results", None), 401, "login_required")
    _error(call("get", "/survey/results", s.organiser, event_id=999999), 404, "not_found")


def test_the_follow_up_is_saved_trimmed_and_taken_back_when_emptied(session, now, built):
    s, _survey, call = built()
    response = call("put", "/survey/follow-up", s.organiser, json={"text": "  More chairs next time.\n"})
    assert response.status_code == 200, response.json
    assert call("get", "/survey/results", s.organiser).json["follow_up"] == "More chairs next time."
    survey = session.scalar(select(Survey))
    assert (survey.follow_up, survey.follow_up_at) == ("More chairs next time.", now)
    _error(call("put", "/survey/follow-up", s.organiser, json={"text": "x" * 3001}), 422, "invalid_input")
    _error(call("put", "/survey/follow-up", s.organiser, json={"text": 5}), 422, "invalid_input")
    _error(
        call("put", "/survey/follow-up", s.organiser, json={"text": "ok", "pin": True}), 422, "invalid_input"
    )
    _error(call("put", "/survey/follow-up", s.came[0], json={"text": "We listened"}), 403, "forbidden")
    session.refresh(survey)
    assert survey.follow_up == "More chairs next time."
    assert call("put", "/survey/follow-up", s.organiser, json={"text": "  "}).status_code == 200
    session.refresh(survey)
    assert (survey.follow_up, survey.follow_up_at) == ("", None)


def test_a_survey_that_has_not_opened_has_nothing_to_follow_up(client, session, surveyed):
    s = surveyed(close=False)
    call = Caller(client, session, s.event.id)
    _error(call("put", "/survey/follow-up", s.organiser, json={"text": "Later"}), 409, "invalid_state")
    session.expire_all()
    assert session.scalar(select(Survey)).follow_up == ""


def test_the_one_reminder_goes_to_who_was_invited_and_has_not_answered(session, now, site, built):
    s, survey, call = built(came=3)
    assert mail.invite_due(session, secret=site.secret_key, now=now) == 3
    answers = _answers(survey, rating=4, nps=8)
    assert call("post", "/survey/responses", s.came[0], json={"answers": answers}).status_code == 201
    _error(call("post", "/survey/reminder", s.came[1]), 403, "forbidden")
    response = call("post", "/survey/reminder", s.organiser)
    assert response.status_code == 200, response.json
    assert response.json == {"reminded": 2}
    session.expire_all()
    assert session.scalar(select(Survey)).reminded_at == now
    _error(call("post", "/survey/reminder", s.organiser), 409, "already_reminded")


def test_no_reminder_for_a_closed_survey(session, built):
    s, _survey, call = built()
    assert call("post", "/survey/close", s.organiser).status_code == 200
    _error(call("post", "/survey/reminder", s.organiser), 409, "invalid_state")
    session.expire_all()
    assert session.scalar(select(Survey)).reminded_at is None


def _surveyed_event(client, session, now, community, organiser, days_ago, answers, **fields):
    """A past event of the community with a rating and an NPS question, closed, answered as given."""
    came = [join(session, community, make_member(session)).member for _ in answers]
    event = past_event(session, community, now, came=came, days_ago=days_ago, **fields)
    call = Caller(client, session, event.id)
    assert call("put", "/survey", organiser, json={"template": "default"}).status_code == 200
    assert call("post", "/close", organiser).status_code == 200
    survey = call("get", "/survey", organiser).json["survey"]
    for member, (rating, nps) in zip(came, answers, strict=True):
        given = _answers(survey, rating=rating, nps=nps)
        assert call("post", "/survey/responses", member, json={"answers": given}).status_code == 201
    return event


def test_the_community_and_series_trends_follow_nps_and_rating_oldest_first(client, session, now):
    community = make_community(session)
    organiser = join(session, community, make_member(session), CommunityRole.organiser).member
    series = Series(community_id=community.id, frequency="weekly", created_at=now)
    session.add(series)
    session.flush()
    first = _surveyed_event(
        client, session, now, community, organiser, 21, [(5, 10), (3, 4)], series_id=series.id
    )
    other = _surveyed_event(client, session, now, community, organiser, 14, [(1, 0)])
    last = _surveyed_event(
        client, session, now, community, organiser, 7, [(4, 9), (4, 8)], series_id=series.id
    )
    waiting = make_event(session, community=community, series_id=series.id)
    Caller(client, session, waiting.id)("put", "/survey", organiser, json={"template": "default"})
    headers = bearer(session, organiser)

    response = client.get(f"{API}/communities/{community.slug}/survey-trend", headers=headers)
    assert response.status_code == 200, response.json
    points = response.json["points"]
    assert [(p["event_id"], p["responses"], p["nps"], p["rating"]) for p in points] == [
        (first.id, 2, 0, 4.0),
        (other.id, 1, -100, 1.0),
        (last.id, 2, 50, 4.0),
    ]
    assert points[0]["title"] == first.title
    assert points[0]["date"] == first.local_starts_at.date().isoformat()

    response = client.get(f"{API}/series/{series.id}/survey-trend", headers=headers)
    assert response.status_code == 200, response.json
    assert [(p["event_id"], p["nps"]) for p in response.json["points"]] == [(first.id, 0), (last.id, 50)]


def test_the_trends_are_for_those_who_run_the_community(client, session, now):
    community = make_community(session)
    member = join(session, community, make_member(session)).member
    series = Series(community_id=community.id, frequency="weekly", created_at=now)
    session.add(series)
    session.flush()
    headers = bearer(session, member)
    _error(client.get(f"{API}/communities/{community.slug}/survey-trend", headers=headers), 403, "forbidden")
    _error(client.get(f"{API}/series/{series.id}/survey-trend", headers=headers), 403, "forbidden")
    _error(client.get(f"{API}/series/{series.id}/survey-trend"), 401, "login_required")
    _error(client.get(f"{API}/series/999999/survey-trend", headers=headers), 404, "not_found")
