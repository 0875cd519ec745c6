"""Results checked against numbers worked out by hand: NPS and its split, averages, distributions, choice
counts, searchable texts, who has not answered, the CSV, and the trends."""

import csv
import io
from datetime import timedelta

import pytest

from meetups import errors
from meetups.recognition import service as recognition
from meetups.surveys import results
from meetups.surveys import service as surveys
from tests.factories import make_member
from tests.surveys.conftest import past_event

SECRET = "test secret"
QUESTIONS = [
    {"type": "rating", "label": "Overall?", "required": True},
    {"type": "nps", "label": "Recommend?"},
    {"type": "multi", "label": "Which talks?", "options": ["Typing", "Tests", "Docs"]},
    {"type": "long_text", "label": "What should we change?"},
]


@pytest.fixture
def answered(session, now, surveyed):
    """Five came and answered (worked out by hand):
    rating 5 4 4 3 5 -> average 4.2, spread 1:0 2:0 3:1 4:2 5:2
    NPS 10 9 8 6 0  -> promoters 2, passive 1, detractors 2 -> 0; no answer from the sixth
    talks: Typing x3, Tests x2, Docs x0
    """

    def _make(anonymous=False):
        s = surveyed(survey=False, came=6, anonymous=anonymous)
        survey = surveys.set_survey(
            session, event_id=s.event.id, actor=s.organiser, questions=QUESTIONS, anonymous=anonymous, now=now
        )
        s.survey = survey
        rating, nps, talks, change = (str(q.id) for q in survey.questions)
        given = [
            {rating: 5, nps: 10, talks: ["Typing", "Tests"], change: "The room was too WARM."},
            {rating: 4, nps: 9, talks: ["Typing"], change: '=HYPERLINK("http://x")'},
            {rating: 4, nps: 8, talks: ["Tests", "Typing"]},
            {rating: 3, nps: 6, change: "More pizza"},
            {rating: 5, nps: 0},
        ]
        for member, answers in zip(s.came, given, strict=False):
            surveys.submit_response(
                session, event_id=s.event.id, member=member, answers=answers, secret=SECRET, now=now
            )
        return s

    return _make


def get(session, s, now, query=""):
    return results.get_results(
        session, event_id=s.event.id, actor=s.organiser, secret=SECRET, now=now, query=query
    )


def test_the_numbers_match_the_hand_count(session, now, answered):
    s = answered()
    found = get(session, s, now)
    rating, nps, talks, change = found.questions
    assert (found.attendees, found.responses, found.rate) == (6, 5, 5 / 6)
    assert rating.average == pytest.approx(4.2)
    assert rating.counts == [("1", 0), ("2", 0), ("3", 1), ("4", 2), ("5", 2)]
    assert (nps.nps.promoters, nps.nps.passives, nps.nps.detractors, nps.nps.score) == (2, 1, 2, 0)
    assert dict(nps.counts)["10"] == 1 and dict(nps.counts)["7"] == 0 and len(nps.counts) == 11
    assert talks.counts == [("Typing", 3), ("Tests", 2), ("Docs", 0)]
    assert (talks.answered, change.answered) == (3, 3)
    assert [t.text for t in change.texts] == [
        "More pizza",
        '=HYPERLINK("http://x")',
        "The room was too WARM.",
    ]
    assert found.pending == 1 and [m.id for m in found.pending_members] == [s.came[5].id]


@pytest.mark.parametrize(
    ("scores", "expected"),
    [([10, 10, 9, 7, 3], 40), ([0, 1, 2], -100), ([7, 8], 0), ([9], 100), ([], None), ([10, 6], 0)],
)
def test_nps_is_promoters_minus_detractors_in_points(scores, expected):
    assert results.nps_of(scores).score == expected


def test_texts_are_searched_without_regard_to_case(session, now, answered):
    found = get(session, answered(), now, query="warm")
    change = found.questions[3]
    assert [t.text for t in change.texts] == ["The room was too WARM."]
    assert change.texts_matching == 1
    assert found.questions[0].average == pytest.approx(4.2)  # the search narrows texts only


def test_an_anonymous_survey_names_nobody(session, now, answered):
    found = get(session, answered(anonymous=True), now)
    assert found.pending == 1 and found.pending_members is None
    assert all(t.member is None for t in found.questions[3].texts)


def test_results_are_for_the_organisers(session, now, answered):
    s = answered()
    for member in (s.came[0], make_member(session)):
        with pytest.raises(errors.PermissionDenied):
            results.get_results(session, event_id=s.event.id, actor=member, secret=SECRET, now=now)


def test_the_csv_has_a_row_per_response_choices_by_name_and_no_formula(session, now, answered):
    text = results.results_csv(get(session, answered(), now))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == [
        "response",
        "submitted",
        "member",
        "Overall?",
        "Recommend?",
        "Which talks?",
        "What should we change?",
    ]
    assert len(rows) == 6
    assert rows[1][3:6] == ["5", "10", "Typing; Tests"]
    assert rows[2][6] == '\'=HYPERLINK("http://x")'
    anonymous = list(
        csv.reader(io.StringIO(results.results_csv(get(session, answered(anonymous=True), now))))
    )
    assert "member" not in anonymous[0]


def test_trends_follow_a_series_and_its_community_oldest_first(session, now, surveyed):
    from meetups.events.models import Frequency, Series

    s = surveyed(came=2)
    series = Series(community_id=s.community.id, frequency=Frequency.monthly, created_at=now)
    session.add(series)
    session.flush()
    s.event.series_id = series.id
    nps_key = str(s.question("nps").id)
    rating_key = str(s.question("rating").id)
    for member, score in zip(s.came, (10, 6), strict=True):  # NPS 0, rating 4.5
        surveys.submit_response(
            session,
            event_id=s.event.id,
            member=member,
            answers={nps_key: score, rating_key: 4 if score < 9 else 5},
            secret=SECRET,
            now=now,
        )
    later = past_event(session, s.community, now, came=s.came, days_ago=-30, series_id=series.id)
    outside = past_event(session, s.community, now, came=s.came, days_ago=-40)
    never = past_event(session, s.community, now, came=[], days_ago=-50)  # a survey that never opened
    for event in (later, outside, never):
        surveys.set_survey(session, event_id=event.id, actor=s.organiser, template="default", now=now)
    for event in (later, outside):
        recognition.close_event(session, event_id=event.id, actor=s.organiser, now=now + timedelta(days=45))
    later_survey = surveys.find_survey(session, later.id)
    keys = {q.kind.value: str(q.id) for q in later_survey.questions}
    for member in s.came:
        surveys.submit_response(
            session,
            event_id=later.id,
            member=member,
            answers={keys["nps"]: 9, keys["rating"]: 3},
            secret=SECRET,
            now=now + timedelta(days=45),
        )
    _series, points = results.get_series_trend(session, series_id=series.id, actor=s.organiser)
    assert [(p.event.id, p.responses, p.nps, p.rating) for p in points] == [
        (s.event.id, 2, 0, 4.5),
        (later.id, 2, 100, 3.0),
    ]
    _community, everything = results.get_community_trend(session, slug=s.community.slug, actor=s.organiser)
    assert [p.event.id for p in everything] == [s.event.id, later.id, outside.id]
    assert everything[2].nps is None and everything[2].responses == 0
    with pytest.raises(errors.PermissionDenied):
        results.get_community_trend(session, slug=s.community.slug, actor=s.came[0])


def test_the_results_page_reads_in_a_fixed_number_of_queries(
    client, session, now, site, surveyed, login, count_queries
):
    s = surveyed(came=12)
    login(s.organiser)
    keys = {q.kind.value: str(q.id) for q in s.survey.questions}
    sizes = []
    for batch in (s.came[:2], s.came[2:]):
        for member in batch:
            answers = {keys["rating"]: 4, keys["nps"]: 7, keys["long_text"]: f"From {member.name}"}
            surveys.submit_response(
                session, event_id=s.event.id, member=member, answers=answers, secret=site.secret_key, now=now
            )
        count_queries.clear()
        assert client.get(f"/e/{s.event.id}/survey/results").status_code == 200
        sizes.append(len(count_queries))
    assert sizes[0] == sizes[1], sizes
