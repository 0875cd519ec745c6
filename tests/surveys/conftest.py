"""An event that has happened, with who came as the door recorded it, closed through the real rules: the
survey opens as it does in production (on recognition's event_closed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from meetups.accounts.models import Member
from meetups.checkin.models import CheckIn
from meetups.communities.models import Community, CommunityRole
from meetups.events.models import Event
from meetups.recognition import service as recognition
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.rsvps.tickets import new_code
from meetups.surveys import service as surveys
from meetups.surveys.models import Survey
from tests.factories import join, make_community, make_event, make_member


@dataclass
class Surveyed:
    community: Community
    organiser: Member
    event: Event
    survey: Survey | None
    #: came (checked in), in order
    came: list[Member]
    no_show: Member
    stranger: Member
    extra: dict = field(default_factory=dict)

    def question(self, kind: str):
        return next(q for q in self.survey.questions if q.kind.value == kind)


def past_event(
    session, community: Community, now: datetime, *, came, missed=(), days_ago: float = 0, **fields
):
    """An event that ended an hour (plus `days_ago`) ago; `came` were scanned at the door, `missed` never."""
    starts = now - timedelta(days=days_ago, hours=3)
    event = make_event(
        session, community=community, starts_at=starts, ends_at=starts + timedelta(hours=2), **fields
    )
    for member in [*came, *missed]:
        rsvp = Rsvp(
            event=event,
            member=member,
            status=RsvpStatus.going,
            guests=0,
            created_at=starts - timedelta(days=5),
            updated_at=starts - timedelta(days=5),
            ticket_code=new_code(),
        )
        session.add(rsvp)
        session.flush()
        if member in came:
            session.add(
                CheckIn(
                    event_id=event.id, rsvp=rsvp, checked_in_at=starts, recorded_at=starts, guests_admitted=0
                )
            )
    session.flush()
    return event


@pytest.fixture
def surveyed(session, now):
    """make(anonymous=False, survey=True, close=True, came=3) -> Surveyed: three came, one no-show and a
    stranger; the default survey enabled, then the event closed (so the survey is open)."""

    def _make(*, anonymous=False, survey=True, close=True, came=3, **event_fields) -> Surveyed:
        community = make_community(session)
        organiser = join(session, community, make_member(session), CommunityRole.organiser).member
        people = [
            join(session, community, make_member(session, name=f"Came {n}")).member for n in range(came)
        ]
        no_show = join(session, community, make_member(session, name="Never came")).member
        event = past_event(session, community, now, came=people, missed=[no_show], **event_fields)
        found = None
        if survey:
            found = surveys.set_survey(
                session, event_id=event.id, actor=organiser, template="default", anonymous=anonymous, now=now
            )
        if close:
            recognition.close_event(session, event_id=event.id, actor=organiser, now=now)
        return Surveyed(
            community, organiser, event, found, people, no_show, make_member(session, name="Stranger")
        )

    return _make
