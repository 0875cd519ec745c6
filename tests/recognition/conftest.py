"""Past events with their door records, built straight into the tables (the door and the RSVP rules have
their own tests), so the attendance rules can be checked one by one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from meetups.checkin.models import CheckIn
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.rsvps.tickets import new_code
from tests.factories import make_event


@pytest.fixture
def past_event(session, now):
    """make(**event fields) -> an event that ended an hour ago (started 3 h ago)."""

    def _make(**overrides):
        starts = overrides.pop("starts_at", now - timedelta(hours=3))
        return make_event(session, starts_at=starts, **overrides)

    return _make


@pytest.fixture
def rsvp(session, now):
    """rsvp(event, member, status="going", came=False, cancelled_before=None, guests=0, admitted=0)."""

    def _make(
        event, member, status="going", came=False, cancelled_before=None, guests=0, admitted=0, rsvp_at=None
    ):
        record = Rsvp(
            event=event,
            member=member,
            status=RsvpStatus(status),
            guests=guests,
            created_at=rsvp_at or event.starts_at - timedelta(days=10),
            updated_at=event.starts_at - cancelled_before
            if cancelled_before
            else event.starts_at - timedelta(days=10),
            end_reason="member" if status == "cancelled" else "",
            ticket_code=new_code(),
        )
        session.add(record)
        session.flush()
        if came:
            session.add(
                CheckIn(
                    event_id=event.id,
                    rsvp=record,
                    checked_in_at=event.starts_at,
                    recorded_at=event.starts_at,
                    guests_admitted=admitted,
                )
            )
            session.flush()
        return record

    return _make
