"""Random answer sets against a survey asking one question of each kind: the checker either gives exactly the
normal form worked out here independently (numbers, choice indexes, sorted unique index lists, trimmed text)
or refuses with invalid_answer / answer_required naming every problem; and answering through the service
stores nothing for a refused set and exactly the normal form for an accepted one."""

import re

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from meetups import errors
from meetups.recognition.models import Attendance, Outcome
from meetups.surveys import answers as answer_rules
from meetups.surveys import service as surveys
from meetups.surveys.models import SurveyResponse
from tests.factories import make_member

SECRET = "test secret"
KINDS = ("rating", "nps", "single", "multi", "text", "long_text")
OPTIONS = {"single": ["Tea", "Coffee", "Water"], "multi": ["Talks", "Pizza", "People", "Tea"]}
QUESTIONS = [
    {"type": "rating", "label": "How was it?", "required": True},
    {"type": "nps", "label": "Would you recommend it?"},
    {"type": "single", "label": "What did you drink?", "options": OPTIONS["single"], "required": True},
    {"type": "multi", "label": "What did you enjoy?", "options": OPTIONS["multi"]},
    {"type": "text", "label": "In one line"},
    {"type": "long_text", "label": "Tell us more", "required": True},
]
SCALES = {"rating": (1, 5), "nps": (0, 10)}
TEXT_MAX = {"text": 300, "long_text": 5000}

PROPERTY = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

# Text without digits of any script: a digit string is drawn on purpose, as ASCII, below.
words = st.text(alphabet=st.characters(exclude_categories=("Cs", "Nd", "No")), max_size=30)
spaces = st.sampled_from(["", " ", "  ", "\t", "\n", " \n\t"])


def padded(core):
    return st.tuples(spaces, core, spaces).map("".join)


def digits(low: int, high: int):
    return padded(st.tuples(st.sampled_from(["", "0", "00"]), st.integers(low, high).map(str)).map("".join))


def sized(*lengths: int):
    return padded(st.builds(lambda n, c: c * n, st.sampled_from(lengths), st.sampled_from("xé ")))


labels = st.sampled_from(
    [*OPTIONS["single"], *OPTIONS["multi"], "tea", " Tea", "Tea ", "Juice", "Talks, Pizza", "0", "1"]
)
blank = st.sampled_from([None, "", "   ", "\n\t", []])
junk = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 13),
        st.integers(),
        st.floats(),
        digits(-2, 12),
        padded(st.integers(-5, 15).map(str)),
        st.sampled_from(["3.0", "4.5", "+3", "1e1", "five", "½"]),
        labels,
        words,
        sized(1, 300, 301, 5000, 5001),
    ),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(["Tea", "0", "a"]), inner, max_size=2)
    ),
    max_leaves=8,
)
VALID = {
    "rating": st.integers(1, 5) | digits(1, 5),
    "nps": st.integers(0, 10) | digits(0, 10),
    "single": st.sampled_from(OPTIONS["single"]),
    "multi": st.lists(st.sampled_from(OPTIONS["multi"]), max_size=6) | st.sampled_from(OPTIONS["multi"]),
    "text": padded(words) | sized(299, 300),
    "long_text": padded(words) | sized(300, 4999, 5000),
}


@st.composite
def answer_sets(draw, ids: dict[str, int], required: dict[str, bool]) -> dict:
    """A few questions (maybe none) answered by anything at all, left blank or out; the others answered as
    they should be, or (when optional) left blank or out. A key is a string or, as a Python caller may give
    it, a number; now and then there is an answer to a question the survey does not ask."""
    broken = draw(st.just(set()) | st.sets(st.sampled_from(KINDS), min_size=1, max_size=3))
    answers: dict = {}
    for kind in KINDS:
        if kind in broken:
            presence = draw(st.sampled_from(["junk", "junk", "blank", "absent"]))
        elif required[kind]:
            presence = "valid"
        else:
            presence = draw(st.sampled_from(["valid", "valid", "blank", "absent"]))
        if presence == "absent":
            continue
        key = str(ids[kind]) if draw(st.integers(0, 4)) else ids[kind]
        answers[key] = draw({"junk": junk, "blank": blank, "valid": VALID[kind]}[presence])
    if not draw(st.integers(0, 7)):
        unknown = draw(st.sampled_from(["0", "-1", "", "rating", str(max(ids.values()) + 1000), 10**9]))
        answers[unknown] = draw(junk)
    return answers


class Refused(Exception):
    pass


def _is_blank(value) -> bool:
    return (
        value is None
        or (isinstance(value, list) and not value)
        or (isinstance(value, str) and not value.strip())
    )


def _normal(kind: str, value):
    if kind in SCALES:
        if type(value) is int:  # a string score is at most three ASCII digits: "010" is 10, "0010" refused
            number = value
        elif isinstance(value, str) and re.fullmatch("[0-9]{1,3}", value.strip()):
            number = int(value.strip())
        else:
            raise Refused
        low, high = SCALES[kind]
        if not low <= number <= high:
            raise Refused
        return number
    if kind in TEXT_MAX:
        if not isinstance(value, str) or len(value.strip()) > TEXT_MAX[kind]:
            raise Refused
        return value.strip()
    options = OPTIONS[kind]
    if kind == "single":
        if not isinstance(value, str) or value not in options:
            raise Refused
        return options.index(value)
    chosen = [value] if isinstance(value, str) else value
    if not isinstance(chosen, list) or not all(isinstance(v, str) and v in options for v in chosen):
        raise Refused
    return sorted({options.index(v) for v in chosen})


def expected(ids: dict[str, int], required: dict[str, bool], answers: dict):
    """(normal form, None), or (None, (error class, the question named, {question key: code})), as the rules
    say, worked out without the service."""
    known = {str(i) for i in ids.values()}
    unknown = [key for key in answers if str(key) not in known]
    if unknown:
        return None, (errors.InvalidAnswer, unknown[0], None)
    clean, problems = {}, {}
    for kind in KINDS:
        key = str(ids[kind])
        value = answers[key] if key in answers else answers.get(ids[kind])
        if _is_blank(value):
            if required[kind]:
                problems[key] = errors.AnswerRequired
            continue
        try:
            clean[key] = _normal(kind, value)
        except Refused:
            problems[key] = errors.InvalidAnswer
    if problems:
        first = next(iter(problems))
        return None, (problems[first], int(first), problems)
    return clean, None


@pytest.fixture(params=[False, True], ids=["named", "anonymous"])
def asked(request, session, now, surveyed):
    """An open survey asking one question of each kind, some required; (Surveyed, ids by kind, required)."""
    s = surveyed(survey=False)
    s.survey = surveys.set_survey(
        session, event_id=s.event.id, actor=s.organiser, questions=QUESTIONS, anonymous=request.param, now=now
    )
    ids = {q.kind.value: q.id for q in s.survey.questions}
    required = {q.kind.value: q.is_required for q in s.survey.questions}
    return s, ids, required


def _attendee(session, s):
    member = make_member(session)
    session.add(
        Attendance(
            event_id=s.event.id,
            member_id=member.id,
            community_id=s.community.id,
            event_on=s.event.local_starts_at.date(),
            outcome=Outcome.attended,
            resolved_at=s.event.closed_at,
        )
    )
    session.flush()
    return member


def _responses(session, survey_id: int) -> int:
    return session.scalar(select(func.count()).where(SurveyResponse.survey_id == survey_id))


def _stored(session, survey_id: int, member) -> dict | None:
    key = answer_rules.respondent_key(SECRET, survey_id, member.id)
    return session.scalar(
        select(SurveyResponse.answers).where(
            SurveyResponse.survey_id == survey_id, SurveyResponse.respondent_key == key
        )
    )


def _check_refusal(refusal, error: errors.DomainError) -> None:
    kind, question, problems = refusal
    assert type(error) is kind
    assert error.details["question"] == question
    if problems is None:
        assert "problems" not in error.details
    else:
        assert set(error.details["problems"]) == set(problems)
        assert all(isinstance(m, str) and m.strip() for m in error.details["problems"].values())


@PROPERTY
@given(data=st.data())
def test_the_checker_gives_the_normal_form_or_names_every_problem(asked, data):
    s, ids, required = asked
    answers = data.draw(answer_sets(ids, required), label="answers")
    clean, refusal = expected(ids, required, answers)
    event("accepted" if refusal is None else refusal[0].__name__)
    try:
        got = answer_rules.check_answers(s.survey, answers)
    except (errors.InvalidAnswer, errors.AnswerRequired) as error:
        assert refusal is not None, f"refused {answers!r}: {error.details}"
        _check_refusal(refusal, error)
    else:
        assert refusal is None, f"accepted {answers!r} as {got!r}"
        assert got == clean


@PROPERTY
@given(data=st.data())
def test_a_refused_answer_stores_nothing_and_an_accepted_one_stores_exactly_its_normal_form(
    session, now, asked, data
):
    s, ids, required = asked
    answers = data.draw(answer_sets(ids, required), label="answers")
    clean, refusal = expected(ids, required, answers)
    member = _attendee(session, s)
    before = _responses(session, s.survey.id)
    try:
        response = surveys.submit_response(
            session, event_id=s.event.id, member=member, answers=answers, secret=SECRET, now=now
        )
    except (errors.InvalidAnswer, errors.AnswerRequired) as error:
        assert refusal is not None, f"refused {answers!r}: {error.details}"
        _check_refusal(refusal, error)
        assert _responses(session, s.survey.id) == before
        assert _stored(session, s.survey.id, member) is None
    else:
        assert refusal is None, f"accepted {answers!r}"
        assert _responses(session, s.survey.id) == before + 1
        assert _stored(session, s.survey.id, member) == clean
        assert response.member_id == (None if s.survey.is_anonymous else member.id)


@pytest.fixture
def answered(session, now, asked):
    """Someone who came and has answered the survey, so every example below edits that one response."""
    s, ids, _required = asked
    member = _attendee(session, s)
    first = {str(ids["rating"]): 3, str(ids["single"]): "Tea", str(ids["long_text"]): "Fine."}
    surveys.submit_response(
        session, event_id=s.event.id, member=member, answers=first, secret=SECRET, now=now
    )
    return member


@PROPERTY
@given(data=st.data())
def test_a_refused_edit_keeps_the_earlier_answers_and_an_accepted_one_replaces_them(
    session, now, asked, answered, data
):
    s, ids, required = asked
    answers = data.draw(answer_sets(ids, required), label="answers")
    clean, refusal = expected(ids, required, answers)
    before = _stored(session, s.survey.id, answered)
    assert before is not None
    try:
        surveys.submit_response(
            session, event_id=s.event.id, member=answered, answers=answers, secret=SECRET, now=now, edit=True
        )
    except (errors.InvalidAnswer, errors.AnswerRequired) as error:
        assert refusal is not None, f"refused {answers!r}: {error.details}"
        _check_refusal(refusal, error)
        assert _stored(session, s.survey.id, answered) == before
    else:
        assert refusal is None, f"accepted {answers!r}"
        assert _stored(session, s.survey.id, answered) == clean
    assert _responses(session, s.survey.id) == 1
