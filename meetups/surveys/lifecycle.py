"""A survey's life: it opens when the event is closed (its attendance is final) and everyone who came is to be
invited; it follows corrections of that attendance; it closes when its days are over, or earlier by hand."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from meetups import errors
from meetups.accounts.models import Member
from meetups.events import service as events
from meetups.events.models import Event
from meetups.recognition.models import Attendance, Outcome
from meetups.surveys.models import Survey, SurveyInvitation, SurveyState
from meetups.surveys.questions import find_survey, survey_of


def open_survey(session: Session, survey: Survey, now: datetime) -> None:
    """Open for answers, and everyone who came is to be invited (surveys.mail sends the invitations)."""
    survey.opened_at = now
    attended = select(Attendance.member_id).where(
        Attendance.event_id == survey.event_id,
        Attendance.outcome == Outcome.attended,
        Attendance.member_id.is_not(None),
    )
    rows = [{"survey_id": survey.id, "member_id": m, "created_at": now} for m in session.scalars(attended)]
    if rows:
        session.execute(insert(SurveyInvitation), rows)
    session.flush()


def on_event_closed(event: Event, *, session: Session, now: datetime) -> None:
    """recognition.event_closed: the attendance is final, so the survey opens."""
    survey = find_survey(session, event.id)
    if survey is not None and survey.opened_at is None:
        open_survey(session, survey, now)


def on_attendance_corrected(record: Attendance, *, was: Outcome, session: Session, now: datetime) -> None:
    """recognition.attendance_corrected: someone the door missed may answer now (and is invited); someone
    scanned by mistake is no longer invited, unless the invitation already went."""
    survey = find_survey(session, record.event_id)
    if survey is None or survey.opened_at is None or record.member_id is None:
        return
    invited = select(SurveyInvitation).where(
        SurveyInvitation.survey_id == survey.id, SurveyInvitation.member_id == record.member_id
    )
    invitation = session.scalar(invited)
    if record.outcome is Outcome.attended and invitation is None:
        session.add(SurveyInvitation(survey_id=survey.id, member_id=record.member_id, created_at=now))
    elif record.outcome is not Outcome.attended and invitation is not None and invitation.invited_at is None:
        session.delete(invitation)
    session.flush()


def close_survey(session: Session, *, event_id: int, actor: Member, now: datetime) -> Survey:
    event = events.get_managed_event(session, event_id, actor)
    survey = survey_of(session, event)
    if survey.state(now) is not SurveyState.open:
        raise errors.InvalidState(_("The survey is not open."))
    survey.closed_at, survey.updated_at = now, now
    session.flush()
    return survey
