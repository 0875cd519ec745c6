"""Asking the people who came, without wearing them out: at most one survey invitation a week per member
across all communities (a survey that has to wait is folded into the next invitation), one reminder per
survey, to those who have not answered only; and "you said, we changed" carried to the series' next event."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from meetups import errors
from meetups.accounts.models import Member
from meetups.events import service as events
from meetups.events.models import Event, EventStatus
from meetups.notify import jobs
from meetups.notify import service as outbox
from meetups.notify.models import Topic
from meetups.site import Site
from meetups.surveys.answers import respondent_key
from meetups.surveys.models import Survey, SurveyInvitation, SurveyResponse, SurveyState
from meetups.surveys.questions import find_survey, survey_of

WEEK = timedelta(days=7)
#: the reminder goes out this long before the survey closes, unless the organisers sent it already
REMIND_BEFORE_CLOSE = timedelta(days=3)
FOLLOW_UP_MAX = 3000


class AlreadyReminded(errors.DomainError):
    code, status = "already_reminded", 409


@jobs.every_minute("survey_mail", needs_site=True, after=("close_events",))
def send_due(session: Session, *, site: Site, now: datetime) -> int:
    """The periodic job: invitations whose week has come, and reminders whose time has come."""
    sent = invite_due(session, secret=site.secret_key, now=now)
    due = session.scalars(
        select(Survey).where(
            Survey.opened_at.is_not(None), Survey.closed_at.is_(None), Survey.reminded_at.is_(None)
        )
    )
    for survey in due.all():
        if survey.state(now) is SurveyState.open and survey.closes_at - REMIND_BEFORE_CLOSE <= now:
            sent += _remind(session, survey, site.secret_key, now)
    return sent


def _answered(session: Session, survey_ids) -> set[str]:
    return set(
        session.scalars(select(SurveyResponse.respondent_key).where(SurveyResponse.survey_id.in_(survey_ids)))
    )


def invite_due(session: Session, *, secret: str, now: datetime) -> int:
    """One mail per member listing every open survey they have not been asked about yet, unless a survey
    invitation reached them in the last week; returns how many mails were queued."""
    rows = session.execute(
        select(SurveyInvitation, Survey)
        .join(Survey, Survey.id == SurveyInvitation.survey_id)
        .where(
            SurveyInvitation.invited_at.is_(None), Survey.opened_at.is_not(None), Survey.closed_at.is_(None)
        )
        .order_by(SurveyInvitation.member_id, SurveyInvitation.id)
    ).all()
    waiting: dict[int, list[tuple[SurveyInvitation, Survey]]] = defaultdict(list)
    for invitation, survey in rows:
        if survey.state(now) is SurveyState.open:
            waiting[invitation.member_id].append((invitation, survey))
    if not waiting:
        return 0
    last = dict(
        session.execute(
            select(SurveyInvitation.member_id, func.max(SurveyInvitation.invited_at))
            .where(SurveyInvitation.member_id.in_(waiting), SurveyInvitation.invited_at.is_not(None))
            .group_by(SurveyInvitation.member_id)
        ).all()
    )
    answered = _answered(session, {survey.id for items in waiting.values() for _inv, survey in items})
    members = {m.id: m for m in session.scalars(select(Member).where(Member.id.in_(waiting)))}
    queued = 0
    for member_id, items in waiting.items():
        if last.get(member_id) is not None and last[member_id] > now - WEEK:
            continue  # the week is not over: these wait, and go together in the next invitation
        due = [(inv, s) for inv, s in items if respondent_key(secret, s.id, member_id) not in answered]
        if not due:
            continue
        member = members[member_id]
        surveyed = [s.event for _inv, s in due]
        follow_ups = [
            f for e in surveyed if (f := follow_up_for(session, event=e, member=member, secret=secret))
        ]
        outbox.queue(
            session,
            to=member,
            kind="survey_invitation",
            topic=Topic.surveys,
            now=now,
            dedupe_key=f"survey-invite:{member_id}:{','.join(str(inv.id) for inv, _s in due)}",
            event_ids=[e.id for e in surveyed],
            follow_up_ids=[f.survey.id for f in follow_ups],
        )
        for invitation, _survey in due:
            invitation.invited_at = now
        queued += 1
    session.flush()
    return queued


def send_reminder(session: Session, *, event_id: int, actor: Member, secret: str, now: datetime) -> int:
    """The organisers send the one reminder now (else the job sends it three days before the close)."""
    event = events.get_managed_event(session, event_id, actor)
    survey = survey_of(session, event)
    if survey.state(now) is not SurveyState.open:
        raise errors.InvalidState(_("The survey is not open."))
    if survey.reminded_at is not None:
        raise AlreadyReminded(_("The reminder went out already: a survey sends only one."))
    if not remindable(session, survey, secret):
        raise errors.InvalidState(
            _(
                "Nobody to remind yet: everyone invited has answered, "
                "or the invitations are still on their way."
            )
        )
    return _remind(session, survey, secret, now)


def remindable(session: Session, survey: Survey, secret: str) -> list[tuple[SurveyInvitation, Member]]:
    """Who the one reminder would reach: invited (the invitation went out), not reminded, not answered. Who
    is still waiting for their weekly invitation is left alone: a reminder before the invitation is noise."""
    invited = session.execute(
        select(SurveyInvitation, Member)
        .join(Member, Member.id == SurveyInvitation.member_id)
        .where(
            SurveyInvitation.survey_id == survey.id,
            SurveyInvitation.invited_at.is_not(None),
            SurveyInvitation.reminded_at.is_(None),
        )
    ).all()
    answered = _answered(session, [survey.id])
    return [(i, m) for i, m in invited if respondent_key(secret, survey.id, m.id) not in answered]


def _remind(session: Session, survey: Survey, secret: str, now: datetime) -> int:
    """To everyone `remindable`; returns how many were reminded. With nobody to remind the survey keeps its
    one reminder for later."""
    due = remindable(session, survey, secret)
    if not due:
        return 0
    for invitation, member in due:
        outbox.queue(
            session,
            to=member,
            kind="survey_reminder",
            topic=Topic.surveys,
            now=now,
            dedupe_key=f"survey-reminder:{survey.id}:{member.id}",
            event_id=survey.event_id,
        )
        invitation.reminded_at = now
    survey.reminded_at = now
    session.flush()
    return len(due)


# "You said, we changed"


@dataclass(frozen=True)
class FollowUp:
    #: the earlier event whose survey it answers
    event: Event
    survey: Survey


def set_follow_up(session: Session, *, event_id: int, actor: Member, text: str, now: datetime) -> Survey:
    """What the organisers changed because of the answers; empty takes it back."""
    event = events.get_managed_event(session, event_id, actor)
    survey = survey_of(session, event)
    if survey.opened_at is None:
        raise errors.InvalidState(_("There are no answers to follow up yet: the survey has not opened."))
    text = (text or "").strip() if isinstance(text, str) else None
    if text is None or len(text) > FOLLOW_UP_MAX:
        raise errors.InvalidInput(
            _("Write up to %(n)d characters of what you changed.", n=FOLLOW_UP_MAX), field="text"
        )
    survey.follow_up, survey.follow_up_at, survey.updated_at = text, (now if text else None), now
    session.flush()
    return survey


def follow_up_for(session: Session, *, event: Event, member: Member | None, secret: str) -> FollowUp | None:
    """The organisers' "you said, we changed" from the series' previous event, for someone who answered its
    survey: shown on this event's page and in this event's survey invitation."""
    if member is None or not member.is_authenticated or event.series_id is None:
        return None
    previous = session.scalar(
        select(Event)
        .where(
            Event.series_id == event.series_id,
            Event.starts_at < event.starts_at,
            Event.status == EventStatus.published,
        )
        .order_by(Event.starts_at.desc())
        .limit(1)
    )
    survey = find_survey(session, previous.id) if previous else None
    if survey is None or not survey.follow_up:
        return None
    key = respondent_key(secret, survey.id, member.id)
    answered = session.scalar(
        select(SurveyResponse.id).where(
            SurveyResponse.survey_id == survey.id, SurveyResponse.respondent_key == key
        )
    )
    return FollowUp(previous, survey) if answered else None
