"""The survey pages through the test client: answering (who may, what is kept when an answer is wrong),
building the survey, the results with their CSV, and where members are pointed to a survey."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from meetups.events.models import EventStatus, Frequency, Series
from meetups.rsvps.models import Rsvp
from meetups.surveys import lifecycle, mail
from meetups.surveys import service as surveys
from meetups.surveys.models import Survey, SurveyResponse
from tests.factories import make_event
from tests.surveys.conftest import past_event

CUSTOM = [
    {"type": "rating", "label": "How was the venue?", "required": True},
    {"type": "single", "label": "Would you come again?", "options": ["Yes", "Maybe", "No"]},
    {"type": "multi", "label": "What did you like?", "options": ["Talks", "Pizza", "People"]},
    {"type": "text", "label": "One word for it", "required": False},
]


def build(session, s, now, questions=CUSTOM, **settings):
    """Give an event of `surveyed(survey=False)` its own questions (it opens at once if the event closed)."""
    s.survey = surveys.set_survey(
        session, event_id=s.event.id, actor=s.organiser, now=now, questions=questions, **settings
    )
    return s


def answer(session, site, s, member, now, **by_kind):
    answers = {str(s.question(kind).id): value for kind, value in by_kind.items()}
    return surveys.submit_response(
        session, event_id=s.event.id, member=member, answers=answers, secret=site.secret_key, now=now
    )


def fields(s, **by_kind):
    """The answer page's form fields for the given answers, by question kind."""
    return {f"q-{s.question(kind).id}": value for kind, value in by_kind.items()}


def fieldset(html: str, question_id: int) -> str:
    found = re.search(rf'<fieldset[^>]*id="question-{question_id}"[^>]*>.*?</fieldset>', html, re.S)
    assert found, f"no fieldset for question {question_id}"
    return found.group(0)


def choices(html: str, question_id: int, kind: str = "radio") -> dict[str, bool]:
    """The inputs of a question: value -> checked."""
    inputs = re.findall(rf'<input type="{kind}" name="q-{question_id}" value="([^"]*)"([^>]*)>', html)
    return {value: "checked" in rest for value, rest in inputs}


def responses(session, survey) -> list[SurveyResponse]:
    session.expire_all()
    return list(session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)))


def fresh(session, survey) -> Survey | None:
    event_id = survey.event_id
    session.expire_all()
    return surveys.find_survey(session, event_id)


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# Answering


def test_an_attendee_gets_every_question_with_the_scales_as_radio_buttons(client, login, now, surveyed):
    s = surveyed()
    login(s.came[0])

    page = client.get(f"/e/{s.event.id}/survey")

    assert page.status_code == 200
    html = page.text
    for question in s.survey.questions:
        assert question.label in fieldset(html, question.id)
    assert list(choices(html, s.question("rating").id)) == ["1", "2", "3", "4", "5"]
    assert list(choices(html, s.question("nps").id)) == [str(n) for n in range(11)]
    assert f'<textarea name="q-{s.question("long_text").id}"' in html
    assert "Send my answers" in html


def test_the_page_says_before_the_questions_that_the_organisers_see_the_name(client, login, now, surveyed):
    s = surveyed(anonymous=False)
    login(s.came[0])

    html = client.get(f"/e/{s.event.id}/survey").text

    statement = html.index("Not anonymous: the organisers see your name with your answers.")
    assert statement < html.index("<fieldset")
    assert "Anonymous: the organisers see your answers, never your name" not in html


def test_an_anonymous_survey_promises_so_before_the_questions(client, login, now, surveyed):
    s = surveyed(anonymous=True)
    login(s.came[0])

    html = client.get(f"/e/{s.event.id}/survey").text

    statement = html.index("Anonymous: the organisers see your answers, never your name.")
    assert statement < html.index("<fieldset")
    assert "Not anonymous" not in html


@pytest.mark.parametrize("who", ["no_show", "stranger"])
def test_someone_who_did_not_come_is_told_the_survey_is_for_who_came_and_gets_no_form(
    client, login, now, surveyed, who
):
    s = surveyed()
    login(getattr(s, who))

    page = client.get(f"/e/{s.event.id}/survey")

    assert page.status_code == 200
    assert (
        f"This survey is for the people who came to {s.event.title}, as the door recorded them" in page.text
    )
    assert "<fieldset" not in page.text
    assert 'name="q-' not in page.text


def test_someone_who_did_not_come_cannot_post_answers_and_is_told_why(client, login, session, now, surveyed):
    s = surveyed()
    login(s.no_show)

    response = client.post(f"/e/{s.event.id}/survey", data=fields(s, rating="5", nps="10"))

    assert response.status_code == 302 and response.location.endswith(f"/e/{s.event.id}/survey")
    assert "Only people who came" in client.get(response.location).text
    assert responses(session, s.survey) == []


def test_a_logged_out_reader_is_asked_to_log_in(client, now, surveyed):
    s = surveyed()

    page = client.get(f"/e/{s.event.id}/survey")

    assert page.status_code == 200
    assert "Please log in to answer." in page.text
    assert f'href="/login?next=/e/{s.event.id}/survey"' in page.text
    assert "<fieldset" not in page.text


@pytest.mark.parametrize("who", ["came", "no_show"])
def test_before_the_event_is_closed_the_page_says_the_survey_opens_later(client, login, now, surveyed, who):
    s = surveyed(close=False)
    login(s.came[0] if who == "came" else s.no_show)

    page = client.get(f"/e/{s.event.id}/survey")

    assert page.status_code == 200
    assert "The survey opens once the event is over and its attendance is final." in page.text
    assert "<fieldset" not in page.text
    assert 'name="q-' not in page.text


def test_after_closing_the_page_says_the_survey_closed_and_thanks_who_answered(
    client, login, session, site, now, surveyed
):
    s = surveyed()
    answer(session, site, s, s.came[0], now, rating=4, nps=8)
    lifecycle.close_survey(session, event_id=s.event.id, actor=s.organiser, now=now)
    login(s.came[0])

    page = client.get(f"/e/{s.event.id}/survey")

    assert page.status_code == 200
    assert "The survey closed on 1 April 2030. Thank you all the same." in page.text
    assert "You answered it; thank you." in page.text
    assert "<fieldset" not in page.text


def test_a_survey_closes_by_itself_when_its_days_are_over(client, login, now, surveyed, monkeypatch):
    s = surveyed()
    login(s.came[1])
    monkeypatch.setattr("meetups.clock.now", lambda: now + timedelta(days=15))

    page = client.get(f"/e/{s.event.id}/survey")

    assert "The survey closed on 15 April 2030." in page.text
    assert "You answered it" not in page.text
    assert "<fieldset" not in page.text


def test_valid_answers_are_saved_and_the_page_thanks_for_them(client, login, session, now, surveyed):
    s = surveyed()
    login(s.came[0])

    response = client.post(
        f"/e/{s.event.id}/survey", data=fields(s, rating="4", nps="9", long_text="  More pizza  ")
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/e/{s.event.id}/survey"
    [saved] = responses(session, s.survey)
    assert saved.member_id == s.came[0].id
    assert saved.answers == {
        str(s.question("rating").id): 4,
        str(s.question("nps").id): 9,
        str(s.question("long_text").id): "More pizza",
    }
    page = client.get(response.headers["Location"]).text
    assert "Thank you: your answers are saved. You can change them until the survey closes." in page
    assert choices(page, s.question("rating").id)["4"]
    assert choices(page, s.question("nps").id)["9"]
    assert "More pizza</textarea>" in page
    assert "Save my answers" in page


def test_posting_again_changes_the_same_response(client, login, session, now, surveyed):
    s = surveyed()
    login(s.came[0])
    client.post(f"/e/{s.event.id}/survey", data=fields(s, rating="2", nps="3", long_text="Too loud"))

    response = client.post(
        f"/e/{s.event.id}/survey", data=fields(s, rating="5", nps="10"), follow_redirects=True
    )

    assert "Your answers are updated." in response.text
    [saved] = responses(session, s.survey)
    assert saved.answers == {str(s.question("rating").id): 5, str(s.question("nps").id): 10}


def test_an_anonymous_response_keeps_no_member_and_no_time_of_day(client, login, session, now, surveyed):
    s = surveyed(anonymous=True)
    login(s.came[0])

    client.post(f"/e/{s.event.id}/survey", data=fields(s, rating="3", nps="7"))

    [saved] = responses(session, s.survey)
    assert saved.member_id is None
    local = saved.submitted_at.astimezone(s.event.zone)
    assert (local.date(), local.hour, local.minute) == (now.astimezone(s.event.zone).date(), 12, 0)


def test_several_choices_of_a_multiple_choice_question_are_one_answer(client, login, session, now, surveyed):
    s = build(session, surveyed(survey=False), now)
    login(s.came[0])

    response = client.post(
        f"/e/{s.event.id}/survey",
        data={
            **fields(s, rating="5", single="Maybe", text="Cosy"),
            f"q-{s.question('multi').id}": ["Talks", "People"],
        },
    )

    assert response.status_code == 302
    [saved] = responses(session, s.survey)
    assert saved.answers == {
        str(s.question("rating").id): 5,
        str(s.question("single").id): 1,
        str(s.question("multi").id): [0, 2],
        str(s.question("text").id): "Cosy",
    }
    page = client.get(f"/e/{s.event.id}/survey").text
    assert choices(page, s.question("multi").id, "checkbox") == {
        "Talks": True,
        "Pizza": False,
        "People": True,
    }
    assert choices(page, s.question("single").id) == {"Yes": False, "Maybe": True, "No": False}


def test_a_missing_required_answer_is_shown_next_to_its_question_and_nothing_is_stored(
    client, login, session, now, surveyed
):
    s = surveyed()
    login(s.came[0])
    rating, nps = s.question("rating").id, s.question("nps").id

    response = client.post(f"/e/{s.event.id}/survey", data=fields(s, nps="9", long_text="Keep this"))

    assert response.status_code == 422
    html = response.text
    wrong = fieldset(html, rating)
    assert 'aria-invalid="true"' in wrong
    assert f'aria-describedby="error-{rating}"' in wrong
    assert f'<p class="field-error" id="error-{rating}">Please answer this question.</p>' in wrong
    assert "aria-invalid" not in fieldset(html, nps)
    assert "field-error" not in fieldset(html, nps)
    assert choices(html, nps)["9"]
    assert "Keep this</textarea>" in html
    assert "Please check the questions marked below: nothing is saved yet." in html
    assert responses(session, s.survey) == []


def test_a_score_out_of_range_is_an_error_on_that_question_and_the_other_answers_stay(
    client, login, session, now, surveyed
):
    s = surveyed()
    login(s.came[0])
    rating, nps = s.question("rating").id, s.question("nps").id

    response = client.post(f"/e/{s.event.id}/survey", data=fields(s, rating="4", nps="11"))

    assert response.status_code == 422
    assert "please choose a number from 0 to 10." in fieldset(response.text, nps)
    assert 'aria-invalid="true"' in fieldset(response.text, nps)
    assert "field-error" not in fieldset(response.text, rating)
    assert choices(response.text, rating)["4"]
    assert responses(session, s.survey) == []


def test_every_wrong_answer_is_marked_at_once(client, login, session, now, surveyed):
    s = build(session, surveyed(survey=False), now)
    login(s.came[0])

    response = client.post(
        f"/e/{s.event.id}/survey",
        data={**fields(s, single="Perhaps", text="Fine"), f"q-{s.question('multi').id}": ["Talks", "Beer"]},
    )

    assert response.status_code == 422
    html = response.text
    assert "Please answer this question." in fieldset(html, s.question("rating").id)
    assert "please pick one of the choices." in fieldset(html, s.question("single").id)
    assert "please pick from the choices." in fieldset(html, s.question("multi").id)
    assert "field-error" not in fieldset(html, s.question("text").id)
    assert 'value="Fine"' in fieldset(html, s.question("text").id)
    assert choices(html, s.question("multi").id, "checkbox") == {
        "Talks": True,
        "Pizza": False,
        "People": False,
    }
    assert responses(session, s.survey) == []


def test_an_event_without_a_survey_has_no_survey_page(client, login, now, surveyed):
    s = surveyed(survey=False)
    login(s.came[0])

    assert client.get(f"/e/{s.event.id}/survey").status_code == 404


# Building


def test_one_press_enables_the_default_survey_which_opens_when_the_event_closes(
    client, login, session, now, surveyed
):
    s = surveyed(survey=False, close=False)
    login(s.organiser)

    response = client.post(f"/e/{s.event.id}/survey/enable", follow_redirects=True)

    assert response.request.path == f"/e/{s.event.id}/survey/edit"
    assert "The survey is ready: it opens when the event is closed" in response.text
    survey = surveys.find_survey(session, s.event.id)
    assert [q.kind.value for q in survey.questions] == ["rating", "nps", "long_text"]
    assert survey.opened_at is None
    assert "Opens when the event is closed" in response.text


def test_enabled_on_a_closed_event_the_survey_opens_at_once(client, login, session, now, surveyed):
    s = surveyed(survey=False)
    login(s.organiser)

    response = client.post(f"/e/{s.event.id}/survey/enable", follow_redirects=True)

    assert "The survey is open: everyone who came will be invited to answer." in response.text
    assert surveys.find_survey(session, s.event.id).opened_at == now


def test_the_questions_of_an_earlier_events_survey_can_be_copied(client, login, session, now, surveyed):
    earlier = build(session, surveyed(survey=False), now, anonymous=True)
    later = past_event(session, earlier.community, now, came=earlier.came)
    earlier.event.starts_at -= timedelta(days=7)
    earlier.event.ends_at -= timedelta(days=7)
    session.flush()
    login(earlier.organiser)

    editor = client.get(f"/e/{later.id}/survey/edit").text
    assert f'<option value="{earlier.event.id}">{earlier.event.title}' in editor

    client.post(f"/e/{later.id}/survey/enable", data={"copy_from": str(earlier.event.id)})

    copied = surveys.find_survey(session, later.id)
    assert [(q.kind.value, q.label, q.options, q.is_required) for q in copied.questions] == [
        (q.kind.value, q.label, q.options, q.is_required) for q in earlier.survey.questions
    ]
    assert {q.id for q in copied.questions}.isdisjoint(q.id for q in earlier.survey.questions)
    assert copied.is_anonymous


def test_without_a_survey_the_editor_offers_the_default_or_own_questions(client, login, now, surveyed):
    s = surveyed(survey=False)
    login(s.organiser)

    page = client.get(f"/e/{s.event.id}/survey/edit").text

    assert f'action="/e/{s.event.id}/survey/enable"' in page
    assert "Enable the survey" in page
    assert f'href="/e/{s.event.id}/survey/edit?build=1"' in page
    assert 'name="label-0"' not in page
    assert 'name="label-0"' in client.get(f"/e/{s.event.id}/survey/edit?build=1").text


def test_an_organiser_builds_their_own_questions_in_the_rows(client, login, session, now, surveyed):
    s = surveyed(survey=False)
    login(s.organiser)
    rows = client.get(f"/e/{s.event.id}/survey/edit?build=1").text
    assert '<input type="hidden" name="rows" value="3">' in rows

    response = client.post(
        f"/e/{s.event.id}/survey/edit",
        data={
            "rows": "3",
            "label-0": "How did you hear of it?",
            "kind-0": "single",
            "options-0": "A friend\r\nThe newsletter\r\n\r\nSocial media",
            "required-0": "y",
            "order-0": "1",
            "label-1": "",
            "kind-1": "text",
            "order-1": "2",
            "label-2": "Rate the talks",
            "kind-2": "rating",
            "order-2": "3",
            "anonymous-shown": "1",
            "anonymous": "y",
            "open_days": "7",
        },
        follow_redirects=True,
    )

    assert response.request.path == f"/e/{s.event.id}/survey/edit"
    assert "The survey is saved." in response.text
    survey = surveys.find_survey(session, s.event.id)
    assert [(q.kind.value, q.label, q.options, q.is_required) for q in survey.questions] == [
        ("single", "How did you hear of it?", ["A friend", "The newsletter", "Social media"], True),
        ("rating", "Rate the talks", [], False),
    ]
    assert survey.is_anonymous
    assert survey.open_days == 7
    assert survey.opened_at == now


def test_order_numbers_reorder_the_questions_and_keep_them(client, login, session, now, surveyed):
    s = surveyed()
    login(s.organiser)
    rating, nps, change = s.survey.questions
    data = {"rows": "3", "anonymous-shown": "1", "open_days": "14"}
    for i, (question, order) in enumerate([(rating, 2), (nps, 3), (change, 1)]):
        data |= {
            f"id-{i}": str(question.id),
            f"label-{i}": question.label,
            f"kind-{i}": question.kind.value,
            f"order-{i}": str(order),
            **({f"required-{i}": "y"} if question.is_required else {}),
        }

    client.post(f"/e/{s.event.id}/survey/edit", data=data)

    assert [q.id for q in fresh(session, s.survey).questions] == [change.id, rating.id, nps.id]
    page = client.get(f"/e/{s.event.id}/survey/edit").text
    labels = re.findall(r'name="label-\d+" maxlength="300" value="([^"]*)"', page)
    assert labels[:3] == [change.label, rating.label, nps.label]


def test_the_editor_shows_the_questions_with_their_kinds_and_spare_rows(client, login, now, surveyed):
    s = surveyed()
    login(s.organiser)

    page = client.get(f"/e/{s.event.id}/survey/edit").text

    assert '<input type="hidden" name="rows" value="6">' in page
    assert f'<input type="hidden" name="id-0" value="{s.question("rating").id}">' in page
    assert '<option value="nps" selected>' in page
    assert 'value="Overall, how was the event?"' in page
    assert f'action="/e/{s.event.id}/survey/close"' in page
    assert f'action="/e/{s.event.id}/survey/remove"' in page


def test_rows_that_are_not_valid_come_back_with_the_error_and_what_was_typed(
    client, login, session, now, surveyed
):
    s = surveyed(survey=False)
    login(s.organiser)

    response = client.post(
        f"/e/{s.event.id}/survey/edit",
        data={
            "rows": "2",
            "label-0": "Pick one",
            "kind-0": "single",
            "options-0": "Only one",
            "order-0": "1",
        },
    )

    assert response.status_code == 422
    assert "Question 1 needs 2 to 30 different choices." in response.text
    assert 'value="Pick one"' in response.text
    assert '<option value="single" selected>' in response.text
    assert ">Only one</textarea>" in response.text
    assert surveys.find_survey(session, s.event.id) is None


def test_open_days_out_of_range_are_refused(client, login, session, now, surveyed):
    s = surveyed()
    login(s.organiser)
    data = {"rows": "1", "label-0": "Overall?", "kind-0": "rating", "open_days": "120"}

    response = client.post(f"/e/{s.event.id}/survey/edit", data=data)

    assert response.status_code == 422
    assert "A survey stays open 1 to 90 days." in response.text
    assert fresh(session, s.survey).open_days == 14


def locked_form(survey, **changes) -> dict[str, str]:
    """The locked editor's fields as the page posts them, with some changed: {"label-0": "..."}."""
    data = {"rows": str(len(survey.questions)), "open_days": str(survey.open_days)}
    for i, question in enumerate(survey.questions):
        data |= {
            f"id-{i}": str(question.id),
            f"label-{i}": question.label,
            f"kind-{i}": question.kind.value,
            f"order-{i}": str(i + 1),
            **({f"required-{i}": "y"} if question.is_required else {}),
        }
    return data | changes


def test_after_answers_came_in_the_editor_only_offers_the_wording(
    client, login, session, site, now, surveyed
):
    s = surveyed()
    answer(session, site, s, s.came[0], now, rating=5, nps=10)
    login(s.organiser)

    page = client.get(f"/e/{s.event.id}/survey/edit").text

    assert "Answers have come in: you can still correct the wording of the questions and choices" in page
    assert '<input type="hidden" name="rows" value="3">' in page
    assert "<select" not in page
    assert 'name="anonymous-shown"' not in page
    assert "Not anonymous: you see who answered what." in page
    assert f'action="/e/{s.event.id}/survey/remove"' not in page


def test_after_answers_came_in_a_label_can_still_be_corrected(client, login, session, site, now, surveyed):
    s = surveyed()
    answer(session, site, s, s.came[0], now, rating=5, nps=10)
    login(s.organiser)

    response = client.post(
        f"/e/{s.event.id}/survey/edit", data=locked_form(s.survey, **{"label-0": "Overall, how was it?"})
    )

    assert response.status_code == 302
    questions = fresh(session, s.survey).questions
    assert questions[0].label == "Overall, how was it?"
    assert [q.kind.value for q in questions] == ["rating", "nps", "long_text"]


def test_after_answers_came_in_a_kind_change_is_refused_and_nothing_is_kept(
    client, login, session, site, now, surveyed
):
    s = surveyed()
    answer(session, site, s, s.came[0], now, rating=5, nps=10)
    login(s.organiser)
    before = [(q.id, q.kind, q.label) for q in s.survey.questions]

    response = client.post(
        f"/e/{s.event.id}/survey/edit",
        data=locked_form(s.survey, **{"label-0": "Renamed", "kind-1": "text"}),
    )

    assert response.status_code == 409
    assert (
        "Answers have come in: you can still correct the wording of the questions and choices"
        in response.text
    )
    assert 'class="flash flash-error"' in response.text
    assert [(q.id, q.kind, q.label) for q in fresh(session, s.survey).questions] == before


def test_after_answers_came_in_anonymity_cannot_change(client, login, session, site, now, surveyed):
    s = surveyed()
    answer(session, site, s, s.came[0], now, rating=5, nps=10)
    login(s.organiser)

    response = client.post(
        f"/e/{s.event.id}/survey/edit",
        data=locked_form(s.survey, **{"anonymous-shown": "1", "anonymous": "y"}),
    )

    assert response.status_code == 409
    assert "anonymity cannot change now" in response.text
    assert not fresh(session, s.survey).is_anonymous


def test_an_organiser_closes_the_survey_early(client, login, session, now, surveyed):
    s = surveyed()
    login(s.organiser)

    response = client.post(f"/e/{s.event.id}/survey/close", follow_redirects=True)

    assert response.request.path == f"/e/{s.event.id}/survey/results"
    assert "The survey is closed: no more answers." in response.text
    assert fresh(session, s.survey).closed_at == now
    assert "Close the survey now" not in response.text


def test_a_survey_without_answers_can_be_removed(client, login, session, now, surveyed):
    s = surveyed()
    login(s.organiser)

    response = client.post(f"/e/{s.event.id}/survey/remove", follow_redirects=True)

    assert response.request.path == f"/e/{s.event.id}/manage"
    assert "The survey is removed." in response.text
    assert fresh(session, s.survey) is None


def test_a_survey_with_answers_stays(client, login, session, site, now, surveyed):
    s = surveyed()
    answer(session, site, s, s.came[0], now, rating=5, nps=10)
    login(s.organiser)
    editor = f"http://localhost/e/{s.event.id}/survey/edit"

    response = client.post(
        f"/e/{s.event.id}/survey/remove", headers={"Referer": editor}, follow_redirects=True
    )

    assert response.request.path == f"/e/{s.event.id}/survey/edit"
    assert "People have answered this survey: it stays, so their answers are not lost." in response.text
    assert fresh(session, s.survey) is not None


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/survey/edit"),
        ("post", "/survey/edit"),
        ("post", "/survey/enable"),
        ("post", "/survey/close"),
        ("post", "/survey/remove"),
        ("get", "/survey/results"),
        ("get", "/survey/results.csv"),
        ("post", "/survey/follow-up"),
        ("post", "/survey/reminder"),
    ],
)
def test_only_the_events_organisers_build_close_remove_or_read_the_survey(
    client, login, session, now, surveyed, method, path
):
    s = surveyed()
    login(s.came[0])

    response = getattr(client, method)(f"/e/{s.event.id}{path}", data={"rows": "1", "label-0": "Mine now"})

    assert response.status_code == 403
    survey = fresh(session, s.survey)
    assert survey is not None
    assert (survey.closed_at, survey.follow_up, survey.reminded_at) == (None, "", None)
    assert survey.questions[0].label == "Overall, how was the event?"


def test_logged_out_the_organisers_pages_ask_to_log_in(client, now, surveyed):
    s = surveyed()

    for path in ("edit", "results", "results.csv"):
        response = client.get(f"/e/{s.event.id}/survey/{path}")
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_the_results_of_an_event_without_a_survey_are_not_found(client, login, now, surveyed):
    s = surveyed(survey=False)
    login(s.organiser)

    assert client.get(f"/e/{s.event.id}/survey/results").status_code == 404
    assert client.get(f"/e/{s.event.id}/survey/results.csv").status_code == 404


def test_a_draft_events_survey_pages_are_not_found_for_others(client, login, session, now, surveyed):
    s = surveyed()
    s.event.status = EventStatus.draft
    session.flush()
    login(s.came[0])

    assert client.get(f"/e/{s.event.id}/survey").status_code == 404
    assert client.get(f"/e/{s.event.id}/survey/results").status_code == 404


# Results


@pytest.fixture
def answered(session, site, now, surveyed):
    """Three came; two answered (ratings 5 and 3, NPS 10 and 5, two texts); the third has not."""
    s = surveyed()
    answer(session, site, s, s.came[0], now, rating=5, nps=10, long_text="More pizza, please")
    answer(session, site, s, s.came[1], now, rating=3, nps=5, long_text='=HYPERLINK("http://x.test")')
    return s


def test_the_results_count_the_answers_of_those_who_came(client, login, now, answered):
    login(answered.organiser)

    html = client.get(f"/e/{answered.event.id}/survey/results").text

    assert "2 answers" in html
    assert "of 3 who came (67 %)" in text_of(html)


def test_the_results_give_the_nps_with_its_groups_and_the_average_rating(client, login, now, answered):
    login(answered.organiser)

    html = client.get(f"/e/{answered.event.id}/survey/results").text

    assert "NPS +0" in html
    assert "Promoters (9–10): 1" in html
    assert "Passives (7–8): 0" in html
    assert "Detractors (0–6): 1" in html
    assert "Average 4.0 of 5" in html


def test_each_scale_is_drawn_as_a_chart_with_a_table_of_the_same_numbers_beside_it(
    client, login, now, answered
):
    login(answered.organiser)
    rating = answered.question("rating")

    html = client.get(f"/e/{answered.event.id}/survey/results").text

    section = re.search(
        rf'<section class="card stack" id="question-{rating.id}">.*?</section>', html, re.S
    ).group(0)
    chart = section.index(f'role="img" aria-label="Answers to: {rating.label}"')
    table = section.index("<table>")
    assert section.rfind("<svg", 0, chart) != -1
    assert chart < table
    rows = re.findall(r"<tr><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td></tr>", section)
    assert rows == [("1", "0", "0"), ("2", "0", "0"), ("3", "1", "50"), ("4", "0", "0"), ("5", "1", "50")]
    assert html.count('role="img"') == 2


def test_the_written_answers_are_listed_with_who_wrote_them(client, login, now, answered):
    login(answered.organiser)

    html = client.get(f"/e/{answered.event.id}/survey/results").text

    assert "<blockquote>More pizza, please</blockquote>" in html
    assert "Came 0 · 1 Apr" in html
    assert "<blockquote>=HYPERLINK(&#34;http://x.test&#34;)</blockquote>" in html


def test_the_written_answers_can_be_searched(client, login, now, answered):
    login(answered.organiser)

    html = client.get(f"/e/{answered.event.id}/survey/results?q=PIZZA").text

    assert "1 answer matches" in html
    assert "More pizza, please" in html
    assert "HYPERLINK" not in html
    assert 'value="PIZZA"' in html
    assert f'href="/e/{answered.event.id}/survey/results">Show all</a>' in html
    assert "Nothing matches." in client.get(f"/e/{answered.event.id}/survey/results?q=beer").text


def test_the_results_name_who_has_not_answered_yet(client, login, now, answered):
    login(answered.organiser)

    html = client.get(f"/e/{answered.event.id}/survey/results").text

    assert "1 person has not answered yet" in html
    assert '<ul class="inline-list"><li>Came 2</li></ul>' in html


def test_an_anonymous_survey_counts_who_has_not_answered_without_names(
    client, login, session, site, now, surveyed
):
    s = surveyed(anonymous=True)
    answer(session, site, s, s.came[0], now, rating=4, nps=9, long_text="Nice")
    login(s.organiser)

    html = client.get(f"/e/{s.event.id}/survey/results").text

    assert "2 people have not answered yet" in html
    assert "The survey is anonymous, so their names are not shown." in html
    assert "Came 1" not in html and "Came 2" not in html
    assert "Came 0" not in html
    assert ">Anonymous</span>" in html


def test_the_follow_up_note_is_saved_from_the_results_page(client, login, session, now, answered):
    login(answered.organiser)

    response = client.post(
        f"/e/{answered.event.id}/survey/follow-up", data={"text": "  Bigger room next time.  "}
    )

    assert response.status_code == 302
    assert response.headers["Location"] == f"/e/{answered.event.id}/survey/results#follow-up"
    survey = fresh(session, answered.survey)
    assert (survey.follow_up, survey.follow_up_at) == ("Bigger room next time.", now)
    page = client.get(f"/e/{answered.event.id}/survey/results").text
    assert "Saved: those who answered will read it at the series&#39; next event." in page
    assert ">Bigger room next time.</textarea>" in page


def test_an_empty_follow_up_takes_the_note_back(client, login, session, now, answered):
    login(answered.organiser)
    client.post(f"/e/{answered.event.id}/survey/follow-up", data={"text": "Bigger room"})

    response = client.post(
        f"/e/{answered.event.id}/survey/follow-up", data={"text": " "}, follow_redirects=True
    )

    assert "The note is taken back." in response.text
    assert fresh(session, answered.survey).follow_up == ""


def test_the_reminder_button_reminds_who_was_invited_and_has_not_answered_once(
    client, login, session, site, now, answered, outbox
):
    mail.invite_due(session, secret=site.secret_key, now=now)
    login(answered.organiser)
    before = client.get(f"/e/{answered.event.id}/survey/results").text
    assert f'action="/e/{answered.event.id}/survey/reminder"' in before
    assert "Remind the 1 who have not answered" in before

    response = client.post(f"/e/{answered.event.id}/survey/reminder", follow_redirects=True)

    assert response.request.path == f"/e/{answered.event.id}/survey/results"
    assert "The reminder goes to 1 person." in response.text
    assert "The one reminder went out on 1 Apr." in response.text
    assert f'action="/e/{answered.event.id}/survey/reminder"' not in response.text
    assert fresh(session, answered.survey).reminded_at == now
    again = client.post(f"/e/{answered.event.id}/survey/reminder", follow_redirects=True)
    assert "The reminder went out already: a survey sends only one." in again.text


def test_the_results_csv_has_a_byte_order_mark_and_defuses_formulas(client, login, now, answered):
    login(answered.organiser)

    response = client.get(f"/e/{answered.event.id}/survey/results.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="survey-{answered.event.id}.csv"'
    assert response.data.startswith(b"\xef\xbb\xbf")
    lines = response.data.decode("utf-8-sig").splitlines()
    assert lines[0] == (
        "response,submitted,member,"
        '"Overall, how was the event?",How likely are you to recommend this event to a friend or colleague?,'
        "What should we change?"
    )
    assert len(lines) == 3
    assert lines[1].endswith(',2030-04-01,Came 0,5,10,"More pizza, please"')
    assert lines[2].endswith(',2030-04-01,Came 1,3,5,"\'=HYPERLINK(""http://x.test"")"')


# Where members are pointed to the survey


def test_the_event_page_asks_someone_who_came_how_it_was(client, login, session, site, now, surveyed):
    s = surveyed()
    login(s.came[0])

    page = client.get(f"/e/{s.event.id}").text

    assert "How was it?" in page
    assert f'<a class="button big" href="/e/{s.event.id}/survey">Answer the survey</a>' in page
    answer(session, site, s, s.came[0], now, rating=4, nps=8)
    after = client.get(f"/e/{s.event.id}").text
    assert "Thank you for your answers. You can change them until 15 April." in after
    assert "Change my answers" in after


@pytest.mark.parametrize("who", ["no_show", "stranger", "organiser", None])
def test_the_event_page_asks_nobody_else(client, login, now, surveyed, who):
    s = surveyed()
    if who:
        login(getattr(s, who))

    page = client.get(f"/e/{s.event.id}").text

    assert "How was it?" not in page
    assert f"/e/{s.event.id}/survey" not in page


def test_the_event_page_does_not_ask_once_the_survey_closed(client, login, session, now, surveyed):
    s = surveyed()
    lifecycle.close_survey(session, event_id=s.event.id, actor=s.organiser, now=now)
    login(s.came[0])

    assert "How was it?" not in client.get(f"/e/{s.event.id}").text


@pytest.fixture
def series_of_two(session, site, now, surveyed):
    """A series whose first event's survey has the organisers' note, and its next event a week later."""
    s = surveyed()
    series = Series(community_id=s.community.id, frequency=Frequency.weekly, created_at=now)
    session.add(series)
    session.flush()
    s.event.series_id = series.id
    following = make_event(
        session, community=s.community, series_id=series.id, starts_at=now + timedelta(days=6)
    )
    answer(session, site, s, s.came[0], now, rating=2, nps=4, long_text="Too cramped")
    mail.set_follow_up(
        session, event_id=s.event.id, actor=s.organiser, text="We found a **bigger room**.", now=now
    )
    s.extra["next"] = following
    return s


def test_who_answered_reads_you_said_we_changed_on_the_series_next_event(client, login, now, series_of_two):
    s = series_of_two
    login(s.came[0])

    page = client.get(f"/e/{s.extra['next'].id}").text

    assert "You said, we changed" in page
    assert f"After your answers about {s.event.title}, the organisers write:" in page
    assert "We found a <strong>bigger room</strong>." in page


@pytest.mark.parametrize("who", [1, "no_show", "stranger", None])
def test_who_did_not_answer_reads_no_follow_up(client, login, now, series_of_two, who):
    s = series_of_two
    if who is not None:
        login(s.came[who] if isinstance(who, int) else getattr(s, who))

    page = client.get(f"/e/{s.extra['next'].id}").text

    assert "You said, we changed" not in page
    assert "bigger room" not in page


def test_the_follow_up_is_not_shown_on_the_event_it_answers(client, login, now, series_of_two):
    s = series_of_two
    login(s.came[0])

    assert "You said, we changed" not in client.get(f"/e/{s.event.id}").text


def ticket_code(session, event, member) -> str:
    return session.scalar(
        select(Rsvp.ticket_code).where(Rsvp.event_id == event.id, Rsvp.member_id == member.id)
    )


def test_the_ticket_links_to_the_survey_after_the_event(client, session, site, now, surveyed):
    s = surveyed()
    code = ticket_code(session, s.event, s.came[0])

    page = client.get(f"/t/{code}").text

    assert "You were there: tell the organisers what you thought." in page
    assert f'href="/e/{s.event.id}/survey">Answer the survey</a>' in page
    answer(session, site, s, s.came[0], now, rating=4, nps=8)
    assert f"/e/{s.event.id}/survey" not in client.get(f"/t/{code}").text


def test_a_no_shows_ticket_does_not_link_to_the_survey(client, session, now, surveyed):
    s = surveyed()

    page = client.get(f"/t/{ticket_code(session, s.event, s.no_show)}").text

    assert f"/e/{s.event.id}/survey" not in page


def test_a_members_own_profile_lists_their_open_surveys(client, login, session, site, now, surveyed):
    s = surveyed()
    other = surveyed()
    login(s.came[0])

    page = client.get(f"/members/{s.came[0].id}").text

    assert "Surveys for you" in page
    assert f'<a href="/e/{s.event.id}/survey">{s.event.title}</a>' in page
    assert "open until 15 Apr" in page
    assert other.event.title not in page
    answer(session, site, s, s.came[0], now, rating=4, nps=8)
    assert "answered; you can change it until 15 Apr" in client.get(f"/members/{s.came[0].id}").text


def test_someone_elses_profile_lists_no_surveys(client, login, now, surveyed):
    s = surveyed()
    login(s.came[1])

    page = client.get(f"/members/{s.came[0].id}")

    assert "Surveys for you" not in page.text


def test_the_dashboard_offers_to_enable_the_survey(client, login, now, surveyed):
    s = surveyed(survey=False, close=False)
    login(s.organiser)

    page = client.get(f"/e/{s.event.id}/manage").text

    assert 'id="survey-heading">Feedback survey</h2>' in page
    assert f'action="/e/{s.event.id}/survey/enable"' in page
    assert f'href="/e/{s.event.id}/survey/edit">Choose the questions</a>' in page


def test_the_dashboard_card_says_where_the_survey_stands(client, login, session, site, now, surveyed):
    s = surveyed()
    answer(session, site, s, s.came[0], now, rating=4, nps=8)
    login(s.organiser)

    page = client.get(f"/e/{s.event.id}/manage").text

    card = re.search(r'<section id="survey".*?</section>', page, re.S).group(0)
    assert "Open until 15 Apr, 14:00" in card
    assert "1 answer" in card
    assert f'href="/e/{s.event.id}/survey/results">Results</a>' in card
    assert f'href="/e/{s.event.id}/survey/edit">Edit the survey</a>' in card


def test_the_dashboard_card_of_a_waiting_survey_has_no_results_yet(client, login, now, surveyed):
    s = surveyed(close=False)
    login(s.organiser)

    card = re.search(r'<section id="survey".*?</section>', client.get(f"/e/{s.event.id}/manage").text, re.S)

    assert "Opens when the event is closed" in card.group(0)
    assert "/survey/results" not in card.group(0)


def test_organisers_preview_the_questions_without_a_form_to_send(client, login, now, surveyed):
    s = surveyed()
    login(s.organiser)
    page = client.get(f"/e/{s.event.id}/survey").text
    assert "Preview" in page and s.question("nps").label in page
    assert '<fieldset class="question" id="question-' in page and " disabled>" in page
    assert 'method="post"' not in page.split("Preview")[1]


def test_a_locked_editor_shows_what_is_stored_after_a_refused_change(
    client, login, session, now, site, surveyed
):
    from meetups.surveys import service

    s = surveyed()
    keys = {q.kind.value: str(q.id) for q in s.survey.questions}
    answers = {keys["rating"]: 4, keys["nps"]: 9}
    service.submit_response(
        session, event_id=s.event.id, member=s.came[0], answers=answers, secret=site.secret_key, now=now
    )
    login(s.organiser)
    data = {"rows": "3"}
    for i, q in enumerate(s.survey.questions):
        data |= {f"id-{i}": str(q.id), f"label-{i}": q.label, f"kind-{i}": "text", f"order-{i}": str(i + 1)}
    response = client.post(f"/e/{s.event.id}/survey/edit", data=data)
    assert response.status_code == 409
    assert 'name="kind-0" value="rating"' in response.text
