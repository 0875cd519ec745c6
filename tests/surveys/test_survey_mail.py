"""Asking who came without wearing them out: one invitation a week at most across communities, folded when
surveys wait; one reminder per survey, to who has not answered; "you said, we changed" carried along."""

from datetime import timedelta

import pytest

from meetups.notify.models import Category, Message
from meetups.recognition import service as recognition
from meetups.surveys import lifecycle, mail
from meetups.surveys import service as surveys
from meetups.surveys.models import SurveyInvitation
from tests.factories import join, make_member
from tests.surveys.conftest import past_event


def invitations(session, member=None):
    query = session.query(Message).filter(Message.kind == "survey_invitation")
    if member is not None:
        query = query.filter(Message.member_id == member.id)
    return query.order_by(Message.id).all()


def answer_ok(session, s, member, site, now):
    answers = {str(s.question("rating").id): 4, str(s.question("nps").id): 9}
    surveys.submit_response(
        session, event_id=s.event.id, member=member, answers=answers, secret=site.secret_key, now=now
    )


def test_everyone_who_came_is_invited_once_and_the_mail_links_the_survey(
    session, now, site, surveyed, outbox
):
    s = surveyed()
    assert mail.send_due(session, site=site, now=now) == len(s.came)
    assert mail.send_due(session, site=site, now=now + timedelta(minutes=1)) == 0
    queued = invitations(session)
    assert sorted(m.member_id for m in queued) == sorted(m.id for m in s.came)
    assert all(m.topic.category is Category.optional for m in queued)
    session.commit()
    sent = outbox.deliver()
    first = next(m for m in sent if m.to == s.came[0].email)
    assert first.subject == f"How was {s.event.title}?"
    assert f"http://meetups.test/e/{s.event.id}/survey" in first.body
    assert not any(m.to == s.no_show.email for m in sent)


def test_a_member_already_answered_gets_no_invitation(session, now, site, surveyed):
    s = surveyed()
    answer_ok(session, s, s.came[0], site, now)
    mail.send_due(session, site=site, now=now)
    assert invitations(session, s.came[0]) == []


def test_at_most_one_invitation_a_week_and_waiting_surveys_are_folded_into_the_next(
    session, now, site, surveyed
):
    s = surveyed(came=1)
    regular = s.came[0]
    mail.send_due(session, site=site, now=now)  # first event: invited at once
    second = past_event(session, s.community, now, came=[regular], days_ago=-2)
    third = past_event(session, s.community, now, came=[regular], days_ago=-3)
    for event in (second, third):
        surveys.set_survey(session, event_id=event.id, actor=s.organiser, template="default", now=now)
        recognition.close_event(session, event_id=event.id, actor=s.organiser, now=now + timedelta(days=3))
    for day in (3, 4, 6):
        mail.send_due(session, site=site, now=now + timedelta(days=day))
    assert len(invitations(session, regular)) == 1  # the week is not over
    mail.send_due(session, site=site, now=now + timedelta(days=7))
    later = invitations(session, regular)
    assert len(later) == 2
    assert later[1].params["event_ids"] == [second.id, third.id]  # one mail for both


def test_the_folded_invitation_reads_as_one(session, now, site, surveyed, outbox):
    s = surveyed(came=1)
    other = past_event(session, s.community, now, came=s.came)
    surveys.set_survey(session, event_id=other.id, actor=s.organiser, template="default", now=now)
    recognition.close_event(session, event_id=other.id, actor=s.organiser, now=now)
    mail.send_due(session, site=site, now=now)
    session.commit()
    (sent,) = [m for m in outbox.deliver() if m.to == s.came[0].email]
    assert sent.subject == "How were your last events?"
    assert f"/e/{s.event.id}/survey" in sent.body and f"/e/{other.id}/survey" in sent.body


def test_a_survey_closed_before_its_turn_is_never_mailed(session, now, site, surveyed):
    s = surveyed(came=1)
    mail.send_due(session, site=site, now=now)
    second = past_event(session, s.community, now, came=s.came, days_ago=-1)
    surveys.set_survey(session, event_id=second.id, actor=s.organiser, template="default", now=now)
    recognition.close_event(session, event_id=second.id, actor=s.organiser, now=now + timedelta(days=1))
    lifecycle.close_survey(session, event_id=second.id, actor=s.organiser, now=now + timedelta(days=2))
    mail.send_due(session, site=site, now=now + timedelta(days=8))
    assert len(invitations(session, s.came[0])) == 1


def test_one_reminder_three_days_before_the_close_to_who_has_not_answered(session, now, site, surveyed):
    s = surveyed()
    mail.send_due(session, site=site, now=now)
    answer_ok(session, s, s.came[0], site, now)
    mail.send_due(session, site=site, now=now + timedelta(days=10))
    assert session.query(Message).filter_by(kind="survey_reminder").count() == 0
    mail.send_due(session, site=site, now=now + timedelta(days=11))
    reminded = session.query(Message).filter_by(kind="survey_reminder").all()
    assert sorted(m.member_id for m in reminded) == sorted(m.id for m in s.came[1:])
    mail.send_due(session, site=site, now=now + timedelta(days=12))
    assert session.query(Message).filter_by(kind="survey_reminder").count() == len(s.came) - 1
    with pytest.raises(mail.AlreadyReminded):
        mail.send_reminder(
            session,
            event_id=s.event.id,
            actor=s.organiser,
            secret=site.secret_key,
            now=now + timedelta(days=12),
        )


def test_organisers_can_send_the_one_reminder_earlier(session, now, site, surveyed, outbox):
    s = surveyed(anonymous=True)
    mail.send_due(session, site=site, now=now)
    answer_ok(session, s, s.came[1], site, now)
    count = mail.send_reminder(
        session, event_id=s.event.id, actor=s.organiser, secret=site.secret_key, now=now + timedelta(hours=5)
    )
    assert count == len(s.came) - 1  # the anonymous answer is still recognised by its keyed hash
    session.commit()
    sent = [m for m in outbox.deliver(now + timedelta(hours=5)) if "closes soon" in m.body]
    assert {m.to for m in sent} == {m.email for m in s.came if m is not s.came[1]}
    mail.send_due(session, site=site, now=now + timedelta(days=11))
    assert session.query(Message).filter_by(kind="survey_reminder").count() == count


def test_you_said_we_changed_reaches_who_answered_at_the_series_next_event(
    session, now, site, surveyed, outbox
):
    from meetups.events.models import Frequency, Series

    series = Series(community_id=0, frequency=Frequency.monthly, created_at=now)
    s = surveyed(came=2)
    series.community_id = s.community.id
    session.add(series)
    session.flush()
    s.event.series_id = series.id
    answer_ok(session, s, s.came[0], site, now)
    mail.set_follow_up(
        session, event_id=s.event.id, actor=s.organiser, text="Talks start at 19:15 now.", now=now
    )
    mail.send_due(session, site=site, now=now)
    following = past_event(session, s.community, now, came=s.came, days_ago=-30, series_id=series.id)
    surveys.set_survey(session, event_id=following.id, actor=s.organiser, template="default", now=now)
    recognition.close_event(session, event_id=following.id, actor=s.organiser, now=now + timedelta(days=30))
    mail.send_due(session, site=site, now=now + timedelta(days=30))
    session.commit()
    sent = {m.to: m for m in outbox.deliver(now + timedelta(days=30)) if following.title in m.subject}
    assert "Talks start at 19:15 now." in sent[s.came[0].email].body
    assert "19:15" not in sent[s.came[1].email].body  # they did not answer
    note = mail.follow_up_for(session, event=following, member=s.came[0], secret=site.secret_key)
    assert note.survey.id == s.survey.id
    assert mail.follow_up_for(session, event=following, member=s.came[1], secret=site.secret_key) is None


def test_the_invitations_wait_while_the_member_is_deleted_and_go_with_them(session, now, site, surveyed):
    from meetups.accounts import service as accounts
    from tests.factories import PASSWORD

    s = surveyed(came=1)
    accounts.delete_account(session, s.came[0], password=PASSWORD, now=now)
    session.expire_all()
    assert session.query(SurveyInvitation).count() == 0
    assert mail.send_due(session, site=site, now=now) == 0


def test_the_job_runs_with_the_other_periodic_jobs(app):
    from meetups.notify import jobs

    names = list(jobs.periodic_names())
    assert names.index("close_events") < names.index("survey_mail") < names.index("mail"), names


def test_someone_invited_in_another_community_waits_too(session, now, site, surveyed):
    s, t = surveyed(came=1), surveyed(came=0)
    regular = s.came[0]
    join(session, t.community, regular)
    mail.send_due(session, site=site, now=now)
    elsewhere = past_event(session, t.community, now, came=[regular, make_member(session)], days_ago=-1)
    surveys.set_survey(session, event_id=elsewhere.id, actor=t.organiser, template="default", now=now)
    recognition.close_event(session, event_id=elsewhere.id, actor=t.organiser, now=now + timedelta(days=1))
    mail.send_due(session, site=site, now=now + timedelta(days=1))
    assert len(invitations(session, regular)) == 1
