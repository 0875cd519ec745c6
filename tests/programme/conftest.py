"""A three-day conference across the end of summer time in Berlin (Sunday 27 October 2030, 03:00 → 02:00),
with rooms, tracks, speakers (one with an account) and a few sessions, built through the real rules."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from meetups.accounts.models import Member
from meetups.communities.models import Community, CommunityRole
from meetups.events.models import Event
from meetups.programme import lineup, places
from meetups.programme import service as programme
from meetups.programme.models import ProgrammeSession, Room, Speaker, Track
from tests.factories import join, make_community, make_event, make_member

BERLIN = ZoneInfo("Europe/Berlin")
#: Friday 25 October 2030, 09:00 in Berlin (summer time) to Sunday 27 October 18:00 (winter time)
STARTS = datetime(2030, 10, 25, 9, 0, tzinfo=BERLIN).astimezone(UTC)
ENDS = datetime(2030, 10, 27, 18, 0, tzinfo=BERLIN).astimezone(UTC)
NOW = datetime(2030, 4, 1, 12, 0, tzinfo=UTC)  # tests/conftest.FROZEN_NOW: months before


@dataclass
class Conference:
    community: Community
    organiser: Member
    member: Member
    stranger: Member
    event: Event
    main: Room
    small: Room
    web: Track
    data: Track
    ada: Speaker  # has an account: ada_member
    ada_member: Member
    grace: Speaker  # no account
    sessions: dict[str, ProgrammeSession] = field(default_factory=dict)

    def add(self, session, key: str, **values) -> ProgrammeSession:
        """A session through the real rules; times as wall-clock strings in Berlin ("2030-10-25T10:00")."""
        item = programme.create_session(
            session, event=self.event, actor=self.organiser, values=values, now=NOW
        )
        self.sessions[key] = item
        return item


@pytest.fixture
def conference(session) -> Conference:
    organiser = make_member(session, name="Olga Organiser")
    community = make_community(session, organiser=organiser, name="PyConf", slug="pyconf")
    member, stranger = make_member(session, name="Mia Member"), make_member(session, name="Sam Stranger")
    join(session, community, member, CommunityRole.member)
    ada_member = make_member(session, name="Ada Lovelace")
    join(session, community, ada_member, CommunityRole.member)
    event = make_event(
        session,
        community=community,
        title="PyConf 2030",
        starts_at=STARTS,
        ends_at=ENDS,
        timezone="Europe/Berlin",
        capacity=500,
        max_guests=0,
    )
    save = {"session": session, "event": event, "actor": organiser}
    main = places.save_room(**save, values={"name": "Main hall", "capacity": 300, "position": 0})
    small = places.save_room(**save, values={"name": "Room B", "capacity": 40, "position": 1})
    web = places.save_track(**save, values={"name": "Web", "colour": "#1a7f5a"})
    data = places.save_track(**save, values={"name": "Data", "colour": "#8a4fff"})
    ada = lineup.save_speaker(
        **save,
        now=NOW,
        values={
            "name": "Ada Lovelace",
            "bio": "Wrote the *first* program.",
            "pronouns": "she/her",
            "affiliation": "Analytical Engines",
            "links": ["https://example.org/ada"],
            "email": ada_member.email,
        },
    )
    grace = lineup.save_speaker(**save, now=NOW, values={"name": "Grace Hopper", "affiliation": "Navy"})
    conf = Conference(
        community, organiser, member, stranger, event, main, small, web, data, ada, ada_member, grace
    )
    conf.add(
        session,
        "keynote",
        title="Opening keynote",
        kind="keynote",
        starts_at="2030-10-25T09:30",
        ends_at="2030-10-25T10:30",
        room_id=main.id,
        speaker_ids=[ada.id],
        language="en",
    )
    conf.add(
        session,
        "web",
        title="Fast pages",
        starts_at="2030-10-25T11:00",
        ends_at="2030-10-25T11:45",
        room_id=main.id,
        track_id=web.id,
        speaker_ids=[grace.id],
        level="beginner",
        language="en",
    )
    conf.add(
        session,
        "data",
        title="Tables at scale",
        abstract="Rows, **columns** and <script>alert(1)</script> indexes.",
        starts_at="2030-10-25T11:00",
        ends_at="2030-10-25T11:45",
        room_id=small.id,
        track_id=data.id,
        level="advanced",
        language="ru",
    )
    conf.add(
        session,
        "lunch",
        title="Lunch",
        kind="break",
        starts_at="2030-10-25T12:00",
        ends_at="2030-10-25T13:00",
    )
    conf.add(
        session,
        "workshop",
        title="Hands-on testing",
        kind="workshop",
        starts_at="2030-10-26T14:00",
        ends_at="2030-10-26T16:00",
        room_id=small.id,
        track_id=web.id,
        capacity=2,
        speaker_ids=[ada.id, grace.id],
    )
    conf.add(
        session,
        "sunday",  # the morning after the clocks went back
        title="Sunday morning talk",
        starts_at="2030-10-27T09:00",
        ends_at="2030-10-27T09:45",
        room_id=main.id,
        track_id=data.id,
    )
    session.commit()
    return conf
