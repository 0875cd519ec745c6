"""The survey's rules, one by one, through the services: building, its life, who may answer and what."""

from datetime import timedelta

import pytest

from meetups import errors
from meetups.surveys import answers, lifecycle
from meetups.surveys import service as surveys
from meetups.surveys.models import SurveyInvitation, SurveyResponse, SurveyState

SECRET = "test secret"


def answer(session, s, member, now, **answers):
    return surveys.submit_response(
        session, event_id=s.event.id, member=member, answers=answers, secret=SECRET, now=now
    )


def test_the_default_survey_opens_when_the_event_closes_and_invites_who_came(session, now, surveyed):
    s = surveyed(close=False)
    assert s.survey.state(now) is SurveyState.waiting
    assert [q.kind.value for q in s.survey.questions] == ["rating", "nps", "long_text"]
    from meetups.recognition import service as recognition

    recognition.close_event(session, event_id=s.event.id, actor=s.organiser, now=now)
    assert s.survey.state(now) is SurveyState.open
    assert s.survey.closes_at == now + timedelta(days=14)
    invited = session.query(SurveyInvitation).filter_by(survey_id=s.survey.id).all()
    assert sorted(i.member_id for i in invited) == sorted(m.id for m in s.came)


def test_enabled_on_an_event_already_closed_it_opens_at_once(session, now, surveyed):
    s = surveyed(survey=False)
    survey = surveys.set_survey(session, event_id=s.event.id, actor=s.organiser, template="default", now=now)
    assert survey.state(now) is SurveyState.open
    assert session.query(SurveyInvitation).filter_by(survey_id=survey.id).count() == len(s.came)


def test_a_cancelled_event_asks_for_no_feedback(session, now, surveyed):
    from meetups.events.models import EventStatus

    s = surveyed(survey=False, close=False)
    s.event.status = EventStatus.cancelled
    with pytest.raises(errors.InvalidState):
        surveys.set_survey(session, event_id=s.event.id, actor=s.organiser, template="default", now=now)


def test_only_organisers_build_a_survey(session, now, surveyed):
    s = surveyed(survey=False)
    with pytest.raises(errors.PermissionDenied):
        surveys.set_survey(session, event_id=s.event.id, actor=s.came[0], template="default", now=now)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"template": "fancy"}, "template"),
        ({"questions": []}, "questions"),
        ({"questions": [{"type": "stars", "label": "How?"}]}, "questions"),
        ({"questions": [{"type": "rating", "label": " "}]}, "questions"),
        ({"questions": [{"type": "single", "label": "Which?", "options": ["A"]}]}, "questions"),
        ({"questions": [{"type": "single", "label": "Which?", "options": ["A", "A"]}]}, "questions"),
        ({"questions": [{"type": "rating", "label": "How?", "required": "yes"}]}, "questions"),
        ({"questions": [{"type": "rating", "label": "How?"}] * 21}, "questions"),
        ({"template": "default", "open_days": 0}, "open_days"),
        ({"template": "default", "open_days": 91}, "open_days"),
        ({"template": "default", "copy_from": 1}, "questions"),
    ],
)
def test_a_bad_survey_is_refused_with_the_field_named_and_nothing_written(
    session, now, surveyed, fields, field
):
    s = surveyed(survey=False, close=False)
    with pytest.raises(errors.InvalidInput) as refused:
        surveys.set_survey(session, event_id=s.event.id, actor=s.organiser, now=now, **fields)
    assert refused.value.details["field"] == field
    session.rollback()
    assert surveys.find_survey(session, s.event.id) is None


def test_questions_keep_their_ids_reorder_and_go_when_left_out(session, now, surveyed):
    s = surveyed(close=False)
    rating, nps, change = s.survey.questions
    surveys.set_survey(
        session,
        event_id=s.event.id,
        actor=s.organiser,
        now=now,
        questions=[
            {"id": change.id, "type": "long_text", "label": "What to change?"},
            {"type": "multi", "label": "Which talks?", "options": ["Typing", "Tests"]},
            {"id": rating.id, "type": "rating", "label": "Overall?", "required": True},
        ],
    )
    session.refresh(s.survey)
    assert (s.survey.questions[0].id, s.survey.questions[0].label) == (change.id, "What to change?")
    assert s.survey.questions[2].id == rating.id
    assert nps.id not in {q.id for q in s.survey.questions}


def test_a_question_id_from_another_survey_is_refused(session, now, surveyed):
    s, other = surveyed(close=False), surveyed(close=False)
    foreign = other.survey.questions[0].id
    with pytest.raises(errors.InvalidInput):
        surveys.set_survey(
            session,
            event_id=s.event.id,
            actor=s.organiser,
            now=now,
            questions=[{"id": foreign, "type": "rating", "label": "Overall?"}],
        )


def test_once_answered_only_the_wording_changes(session, now, surveyed):
    s = surveyed()
    answer(session, s, s.came[0], now, **{str(s.question("rating").id): 4, str(s.question("nps").id): 9})
    items = [
        {"id": q.id, "type": q.kind.value, "label": q.label.upper(), "required": q.is_required}
        for q in s.survey.questions
    ]
    surveys.set_survey(session, event_id=s.event.id, actor=s.organiser, now=now, questions=items)
    assert s.survey.questions[0].label == "OVERALL, HOW WAS THE EVENT?"
    for change in (
        items[:2],  # one left out
        [{**items[0], "type": "nps"}, *items[1:]],
        [{**items[0], "required": False}, *items[1:]],
        [items[1], items[0], items[2]],  # reordered
        [*items, {"type": "text", "label": "More?"}],
    ):
        with pytest.raises(surveys.SurveyLocked):
            surveys.set_survey(session, event_id=s.event.id, actor=s.organiser, now=now, questions=change)
    with pytest.raises(surveys.SurveyLocked):
        surveys.set_survey(session, event_id=s.event.id, actor=s.organiser, now=now, anonymous=True)


def test_choice_labels_can_be_corrected_after_answers_and_answers_follow(session, now, surveyed):
    s = surveyed(survey=False, close=False)
    survey = surveys.set_survey(
        session,
        event_id=s.event.id,
        actor=s.organiser,
        now=now,
        questions=[{"type": "single", "label": "Best talk?", "options": ["Typnig", "Tests"]}],
    )
    from meetups.recognition import service as recognition

    recognition.close_event(session, event_id=s.event.id, actor=s.organiser, now=now)
    key = str(survey.questions[0].id)
    answer(session, s, s.came[0], now, **{key: "Typnig"})
    surveys.set_survey(
        session,
        event_id=s.event.id,
        actor=s.organiser,
        now=now,
        questions=[{"id": int(key), "type": "single", "label": "Best talk?", "options": ["Typing", "Tests"]}],
    )
    stored = session.query(SurveyResponse).one()
    assert stored.answers == {key: 0}
    assert answers.shown_answers(survey, stored.answers) == {key: "Typing"}


def test_copying_takes_the_questions_and_the_mode_of_an_earlier_event(session, now, surveyed):
    from tests.surveys.conftest import past_event

    s = surveyed(anonymous=True)
    later = past_event(session, s.community, now, came=[], days_ago=-10)
    copied = surveys.set_survey(session, event_id=later.id, actor=s.organiser, copy_from=s.event.id, now=now)
    assert [(q.kind, q.label) for q in copied.questions] == [(q.kind, q.label) for q in s.survey.questions]
    assert copied.is_anonymous
    assert [e.id for e in surveys.get_editor_page(session, event_id=later.id, actor=s.organiser).sources] == [
        s.event.id
    ]
    with pytest.raises(errors.InvalidInput):  # a later event is no source, nor one of another community
        surveys.set_survey(session, event_id=s.event.id, actor=s.organiser, copy_from=later.id, now=now)


def test_only_who_came_may_answer(session, now, surveyed):
    s = surveyed()
    ok = {str(s.question("rating").id): 5, str(s.question("nps").id): 10}
    for member in (s.no_show, s.stranger):
        with pytest.raises(surveys.NotAnAttendee):
            answer(session, s, member, now, **ok)
    with pytest.raises(errors.LoginRequired):
        answer(session, s, None, now, **ok)
    answer(session, s, s.came[0], now, **ok)
    assert session.query(SurveyResponse).count() == 1


def test_one_response_each_editable_until_the_survey_closes(session, now, surveyed):
    s = surveyed()
    rating, nps = str(s.question("rating").id), str(s.question("nps").id)
    first = answer(session, s, s.came[0], now, **{rating: 2, nps: 3})
    with pytest.raises(surveys.AlreadyAnswered):
        answer(session, s, s.came[0], now, **{rating: 5, nps: 10})
    edited = surveys.submit_response(
        session,
        event_id=s.event.id,
        member=s.came[0],
        answers={rating: 5, nps: 10},
        secret=SECRET,
        now=now + timedelta(days=1),
        edit=True,
    )
    assert edited.id == first.id and edited.answers == {rating: 5, nps: 10}
    with pytest.raises(errors.NotFound):  # editing what was never given
        surveys.submit_response(
            session, event_id=s.event.id, member=s.came[1], answers={}, secret=SECRET, now=now, edit=True
        )
    with pytest.raises(surveys.SurveyClosed):
        surveys.submit_response(
            session,
            event_id=s.event.id,
            member=s.came[0],
            answers={rating: 1, nps: 1},
            secret=SECRET,
            now=now + timedelta(days=14),
            edit=True,
        )


def test_a_survey_waits_for_the_close_and_can_be_closed_early_by_hand(session, now, surveyed):
    s = surveyed(close=False)
    ok = {str(s.question("rating").id): 3, str(s.question("nps").id): 7}
    with pytest.raises(surveys.SurveyNotOpen):
        answer(session, s, s.came[0], now, **ok)
    with pytest.raises(errors.InvalidState):
        lifecycle.close_survey(session, event_id=s.event.id, actor=s.organiser, now=now)
    from meetups.recognition import service as recognition

    recognition.close_event(session, event_id=s.event.id, actor=s.organiser, now=now)
    lifecycle.close_survey(session, event_id=s.event.id, actor=s.organiser, now=now + timedelta(hours=1))
    assert s.survey.state(now + timedelta(hours=1)) is SurveyState.closed
    with pytest.raises(surveys.SurveyClosed):
        answer(session, s, s.came[0], now + timedelta(hours=2), **ok)


def test_every_problem_is_reported_at_once_and_nothing_is_stored(session, now, surveyed):
    s = surveyed()
    rating, nps, change = (str(q.id) for q in s.survey.questions)
    with pytest.raises(errors.InvalidAnswer) as refused:
        answer(session, s, s.came[0], now, **{rating: 6, change: "x" * 5001})
    assert refused.value.details["question"] == int(rating)
    assert set(refused.value.details["problems"]) == {rating, nps, change}
    with pytest.raises(errors.AnswerRequired):
        answer(session, s, s.came[0], now, **{rating: 4})
    with pytest.raises(errors.InvalidAnswer):
        answer(session, s, s.came[0], now, **{rating: 4, nps: 5, "999999": "hi"})
    assert session.query(SurveyResponse).count() == 0


def test_anonymous_answers_keep_no_member_and_no_time_of_day_yet_stop_a_second_answer(session, now, surveyed):
    s = surveyed(anonymous=True)
    ok = {str(s.question("rating").id): 4, str(s.question("nps").id): 8}
    stored = answer(session, s, s.came[0], now, **ok)
    assert stored.member_id is None
    local = stored.submitted_at.astimezone(s.event.zone)
    assert (local.date(), local.hour, local.minute) == (now.astimezone(s.event.zone).date(), 12, 0)
    assert stored.respondent_key == answers.respondent_key(SECRET, s.survey.id, s.came[0].id)
    with pytest.raises(surveys.AlreadyAnswered):
        answer(session, s, s.came[0], now, **ok)
    mine = surveys.list_my_responses(session, member=s.came[0], secret=SECRET)
    assert [(event.id, answers) for event, _survey, answers in mine] == [(s.event.id, ok)]


def test_a_correction_after_the_close_invites_the_one_the_door_missed(session, now, surveyed):
    from meetups.recognition import service as recognition
    from meetups.recognition.models import Attendance

    s = surveyed()
    record = session.query(Attendance).filter_by(event_id=s.event.id, member_id=s.no_show.id).one()
    recognition.correct_attendance(
        session,
        event_id=s.event.id,
        record_id=record.id,
        actor=s.organiser,
        outcome="attended",
        reason="Let in without a scan",
        now=now,
    )
    assert (
        session.query(SurveyInvitation).filter_by(survey_id=s.survey.id, member_id=s.no_show.id).count() == 1
    )
    answer(session, s, s.no_show, now, **{str(s.question("rating").id): 5, str(s.question("nps").id): 9})
    wrong = session.query(Attendance).filter_by(event_id=s.event.id, member_id=s.came[2].id).one()
    recognition.correct_attendance(
        session,
        event_id=s.event.id,
        record_id=wrong.id,
        actor=s.organiser,
        outcome="no_show",
        reason="Scanned twice",
        now=now,
    )
    assert (
        session.query(SurveyInvitation).filter_by(survey_id=s.survey.id, member_id=s.came[2].id).count() == 0
    )


def test_a_survey_without_answers_can_be_removed_one_with_answers_stays(session, now, surveyed):
    s = surveyed()
    answer(session, s, s.came[0], now, **{str(s.question("rating").id): 4, str(s.question("nps").id): 8})
    with pytest.raises(surveys.SurveyLocked):
        surveys.remove_survey(session, event_id=s.event.id, actor=s.organiser)
    other = surveyed()
    surveys.remove_survey(session, event_id=other.event.id, actor=other.organiser)
    assert surveys.find_survey(session, other.event.id) is None


def test_deleting_an_account_keeps_its_answers_linked_to_nobody(session, now, surveyed):
    from meetups.accounts import service as accounts
    from tests.factories import PASSWORD

    s = surveyed()
    answer(session, s, s.came[0], now, **{str(s.question("rating").id): 4, str(s.question("nps").id): 8})
    accounts.delete_account(session, s.came[0], password=PASSWORD, now=now)
    session.expire_all()
    stored = session.query(SurveyResponse).one()
    assert stored.member_id is None
    assert session.query(SurveyInvitation).filter_by(member_id=s.came[0].id).count() == 0


@pytest.mark.parametrize("score", ["٤", "４", "²", "9" * 5000, " 4.0 "])
def test_a_score_in_other_digits_or_shapes_is_refused_in_words(session, now, surveyed, score):
    s = surveyed()
    rating = str(s.question("rating").id)
    with pytest.raises(errors.InvalidAnswer) as refused:
        answer(session, s, s.came[0], now, **{rating: score, str(s.question("nps").id): 5})
    assert refused.value.details["problems"][rating] == "please choose a number from 1 to 5."


def test_the_reminder_is_kept_while_nobody_could_receive_it(session, now, surveyed):
    from meetups.surveys import mail

    s = surveyed()
    with pytest.raises(errors.InvalidState):  # the invitations have not gone out yet
        mail.send_reminder(session, event_id=s.event.id, actor=s.organiser, secret=SECRET, now=now)
    assert s.survey.reminded_at is None
