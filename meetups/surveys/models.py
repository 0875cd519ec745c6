from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from meetups.accounts.models import Member
from meetups.events.models import Event
from meetups.extensions import db
from meetups.programme.models import ProgrammeSession


class SurveyKind(enum.StrEnum):
    rating = "rating"  # 1 to 5
    nps = "nps"  # 0 to 10: how likely to recommend
    single = "single"
    multi = "multi"
    text = "text"  # a line
    long_text = "long_text"


class SurveyState(enum.StrEnum):
    waiting = "waiting"  # built; opens when the event is closed
    open = "open"
    closed = "closed"


class Survey(db.Model):
    """The feedback survey of one event. It opens when the event is closed (its attendance is final: only who
    came may answer) and closes `open_days` later, or earlier by hand."""

    __tablename__ = "surveys"
    __table_args__ = (CheckConstraint("open_days BETWEEN 1 AND 90", name="open_days_in_range"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), unique=True)
    #: responses are stored without the member; a keyed hash of who answered still stops a second answer
    is_anonymous: Mapped[bool] = mapped_column(default=False)
    open_days: Mapped[int] = mapped_column(default=14)
    opened_at: Mapped[datetime | None]
    #: closed by hand before its time
    closed_at: Mapped[datetime | None]
    #: the one reminder to those who have not answered went out (by hand or by the job)
    reminded_at: Mapped[datetime | None]
    #: "you said, we changed": the organisers' answer to the results, shown to respondents at the series'
    #: next event and in its survey invitation
    follow_up: Mapped[str] = mapped_column(Text, default="")
    follow_up_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    event: Mapped[Event] = relationship()
    questions: Mapped[list[SurveyQuestion]] = relationship(
        order_by="SurveyQuestion.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
        back_populates="survey",
    )

    def __repr__(self) -> str:
        return f"<Survey {self.id} event={self.event_id}>"

    @property
    def closes_at(self) -> datetime | None:
        if self.opened_at is None:
            return None
        planned = self.opened_at + timedelta(days=self.open_days)
        return min(planned, self.closed_at) if self.closed_at else planned

    def state(self, now: datetime) -> SurveyState:
        if self.opened_at is None:
            return SurveyState.waiting
        return SurveyState.open if now < self.closes_at else SurveyState.closed


class SurveyQuestion(db.Model):
    __tablename__ = "survey_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[SurveyKind] = mapped_column(Enum(SurveyKind, native_enum=False, length=16))
    label: Mapped[str] = mapped_column(String(300))
    #: choice labels; answers keep the index, so a label can be corrected after answers came in
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    is_required: Mapped[bool] = mapped_column(default=False)

    survey: Mapped[Survey] = relationship(back_populates="questions")

    def __repr__(self) -> str:
        return f"<SurveyQuestion {self.id} {self.kind} {self.label!r}>"


class SurveyResponse(db.Model):
    """One member's answers. `respondent_key` is a keyed hash of the survey and the member (the site's secret
    key), the same in both modes: a second answer is refused by the database, and in an anonymous survey
    nothing else links the answers to anyone."""

    __tablename__ = "survey_responses"
    __table_args__ = (UniqueConstraint("survey_id", "respondent_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    #: None in an anonymous survey, and once the member deleted their account
    member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id", ondelete="SET NULL"), index=True)
    respondent_key: Mapped[str] = mapped_column(String(64))
    #: {question id: answer}: a number (rating, NPS), a choice's index, a list of indexes, or text
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: to the day in an anonymous survey, so the time does not tell who answered
    submitted_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    member: Mapped[Member | None] = relationship()
    #: ratings and comments on the programme's sessions, given with these answers
    session_feedback: Mapped[list[SessionFeedback]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, back_populates="response"
    )

    def __repr__(self) -> str:
        return f"<SurveyResponse {self.id} survey={self.survey_id}>"


class SessionFeedback(db.Model):
    """One respondent's word on one session of the programme: part of their response, so it is exactly as
    anonymous as the response (it names nobody itself). A row says something: a rating, a comment or both."""

    __tablename__ = "survey_session_feedback"
    __table_args__ = (
        UniqueConstraint("response_id", "session_id"),
        CheckConstraint("rating IS NULL OR rating BETWEEN 1 AND 5", name="session_rating_in_range"),
        CheckConstraint("rating IS NOT NULL OR comment <> ''", name="session_feedback_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(
        ForeignKey("programme_sessions.id", ondelete="CASCADE"), index=True
    )
    #: 1 to 5, as the survey's rating questions; None: only a comment
    rating: Mapped[int | None]
    comment: Mapped[str] = mapped_column(String(2000), default="")

    response: Mapped[SurveyResponse] = relationship(back_populates="session_feedback")
    session: Mapped[ProgrammeSession] = relationship()

    def __repr__(self) -> str:
        return f"<SessionFeedback {self.id} response={self.response_id} session={self.session_id}>"


class SurveyInvitation(db.Model):
    """Who is asked to answer (everyone who came), and when the mail went: a member gets at most one survey
    invitation a week, so one that must wait is folded into the next."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        UniqueConstraint("survey_id", "member_id"),
        Index("ix_survey_invitations_member_invited", "member_id", "invited_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    invited_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
