"""The demo's conference (issue 16): three days, six rooms, 150 sessions, built through the programme's
checked rules, nobody and no room in two places at once, and speakers with accounts who earn a first talk."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from meetups import demo
from meetups.accounts.models import Member
from meetups.events.models import Event, EventStaff, EventStatus, StaffRole
from meetups.programme import registrations, schedule
from meetups.programme.models import (
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    Room,
    SessionKind,
    SessionSpeaker,
    Speaker,
    Star,
    Track,
)
from meetups.recognition import profiles
from meetups.recognition import service as recognition
from meetups.recognition.models import Contribution
from meetups.rsvps.models import Rsvp, RsvpStatus


def _load(session, now, site):
    result = demo.load(session, now=now, secret=site.secret_key)
    session.commit()
    return result


def _conference(session) -> Event:
    return session.scalar(select(Event).where(Event.title == demo.CONFERENCE_TITLE))


def _count(session, model, event) -> int:
    if model in (Star, Registration, SessionSpeaker):
        return session.scalar(
            select(func.count())
            .select_from(model)
            .join(ProgrammeSession, ProgrammeSession.id == model.session_id)
            .where(ProgrammeSession.event_id == event.id)
        )
    return session.scalar(select(func.count()).select_from(model).where(model.event_id == event.id))


def _overlap(a, b):
    return and_(a.event_id == b.event_id, a.id < b.id, a.starts_at < b.ends_at, b.starts_at < a.ends_at)


@pytest.fixture
def conference(session, now, site) -> Event:
    """Overrides tests/programme/conftest's: here the conference is the demo's."""
    result = _load(session, now, site)
    event = _conference(session)
    assert ("PyCon Demo, the agenda", f"/e/{event.id}/agenda") in result.links
    return event


def test_a_three_day_six_room_conference_of_150_sessions(session, now, conference):
    event = conference
    zone = event.zone
    assert event.status is EventStatus.published and event.community.slug == "pycon-demo"
    assert timedelta(0) < event.starts_at - now < timedelta(days=14)
    assert event.capacity == 2000
    days = {(event.local_starts_at + timedelta(days=d)).date() for d in range(3)}
    assert event.local_ends_at.date() == max(days)

    rooms = session.scalars(select(Room).where(Room.event_id == event.id).order_by(Room.position)).all()
    assert len(rooms) == 6 and rooms[0].capacity >= 800
    assert all(40 <= room.capacity <= 300 for room in rooms[1:])
    tracks = session.scalars(select(Track).where(Track.event_id == event.id)).all()
    assert 4 <= len(tracks) <= 5 and len({t.colour for t in tracks}) == len(tracks)

    items = session.scalars(select(ProgrammeSession).where(ProgrammeSession.event_id == event.id)).all()
    assert len(items) == 150
    assert {item.local_starts_at(zone).date() for item in items} == days
    kinds = {kind: [i for i in items if i.kind is kind] for kind in SessionKind}
    assert {k: len(v) for k, v in kinds.items()} == {
        SessionKind.talk: 129,
        SessionKind.workshop: 6,
        SessionKind.panel: 3,
        SessionKind.keynote: 3,
        SessionKind.break_: 9,
    }
    for keynote in kinds[SessionKind.keynote]:  # one each morning, in the big hall
        assert keynote.room_id == rooms[0].id and keynote.local_starts_at(zone).hour < 12
    assert {k.local_starts_at(zone).date() for k in kinds[SessionKind.keynote]} == days
    assert all(b.room_id is None for b in kinds[SessionKind.break_])
    assert {b.title for b in kinds[SessionKind.break_]} >= {"Lunch", "Coffee break"}
    assert all(w.capacity and w.capacity <= 30 for w in kinds[SessionKind.workshop])
    assert all(len(p.speakers) >= 3 for p in kinds[SessionKind.panel])
    assert all(i.speakers for i in items if i.kind is not SessionKind.break_)
    assert {i.track_id for i in items if i.kind is SessionKind.talk} == {t.id for t in tracks}
    assert {i.language for i in kinds[SessionKind.talk]} >= {"en", "de"}


def test_speakers_come_from_many_scripts_and_those_with_accounts_are_the_events_speakers(session, conference):
    speakers = session.scalars(select(Speaker).where(Speaker.event_id == conference.id)).all()
    assert 90 <= len(speakers) <= 110
    assert all(s.pronouns and s.affiliation and s.bio for s in speakers)
    names = " ".join(s.name for s in speakers)
    for first, last in (
        ("\u0400", "\u04ff"),
        ("\u4e00", "\u9fff"),
        ("\u0600", "\u06ff"),
    ):  # Cyrillic, CJK, Arabic
        assert sum(any(first <= ch <= last for ch in s.name) for s in speakers) >= 2, (first, names)
    linked = [s for s in speakers if s.member_id is not None]
    assert len(linked) >= 5
    assert all(s.name == s.member.name for s in linked)
    staff = set(
        session.scalars(
            select(EventStaff.member_id).where(
                EventStaff.event_id == conference.id, EventStaff.role == StaffRole.speaker
            )
        )
    )
    assert staff == {s.member_id for s in linked}
    talking = set(
        session.scalars(
            select(SessionSpeaker.speaker_id)
            .join(ProgrammeSession, ProgrammeSession.id == SessionSpeaker.session_id)
            .where(ProgrammeSession.event_id == conference.id)
        )
    )
    assert {s.id for s in speakers} == talking  # everyone listed gives something


def test_members_rsvp_take_workshop_seats_and_star_sessions(session, conference):
    event = conference
    going = session.scalar(
        select(func.count()).where(Rsvp.event_id == event.id, Rsvp.status == RsvpStatus.going)
    )
    assert going >= 40
    workshops = session.scalars(
        select(ProgrammeSession).where(
            ProgrammeSession.event_id == event.id, ProgrammeSession.kind == SessionKind.workshop
        )
    ).all()
    seats = registrations.seats(session, [w.id for w in workshops])
    full = [w for w in workshops if seats[w.id].free == 0]
    assert [w.title for w in full] == [demo.FULL_WORKSHOP]
    assert seats[full[0].id].waiting >= 2
    assert sum(s.taken for s in seats.values()) > seats[full[0].id].taken
    mia = session.scalar(select(Member).where(Member.email == "member@example.org"))
    mine = registrations.my_registrations(session, event, mia)
    assert sorted(r.status for r in mine.values()) == [
        RegistrationStatus.going,
        RegistrationStatus.waitlisted,
    ]
    assert registrations.position(session, mine[full[0].id]) == 2

    counts = schedule.star_counts(session, event)
    rooms = {r.id: r for r in session.scalars(select(Room).where(Room.event_id == event.id))}
    items = {
        i.id: i
        for i in session.scalars(select(ProgrammeSession).where(ProgrammeSession.event_id == event.id))
    }
    crowded = [sid for sid, n in counts.items() if n > rooms[items[sid].room_id].capacity]
    assert [items[sid].title for sid in crowded] == [demo.CROWDED]
    assert len(counts) > 100  # stars spread over the programme
    assert schedule.clashes(schedule.starred_sessions(session, mia, [event.id]))


def test_the_demo_twice_keeps_the_conference_without_clashes(session, now, site):
    _load(session, now, site)
    event = _conference(session)
    models = (Room, Track, Speaker, ProgrammeSession, SessionSpeaker, Star, Registration, EventStaff, Rsvp)
    counts = {model.__name__: _count(session, model, event) for model in models}
    second = _load(session, now, site)

    assert second.created == 0
    assert {model.__name__: _count(session, model, event) for model in models} == counts
    assert session.scalar(select(func.count()).where(Event.title == demo.CONFERENCE_TITLE)) == 1
    a, b = aliased(ProgrammeSession), aliased(ProgrammeSession)
    room_clashes = session.execute(
        select(a.title, b.title)
        .join(b, and_(_overlap(a, b), a.room_id == b.room_id))
        .where(a.event_id == event.id)
    ).all()
    assert room_clashes == []
    sa, sb = aliased(SessionSpeaker), aliased(SessionSpeaker)
    speaker_clashes = session.execute(
        select(a.title, b.title)
        .join(b, _overlap(a, b))
        .join(sa, sa.session_id == a.id)
        .join(sb, and_(sb.session_id == b.id, sb.speaker_id == sa.speaker_id))
        .where(a.event_id == event.id)
    ).all()
    assert speaker_clashes == []
    outside = session.scalar(
        select(func.count()).where(
            ProgrammeSession.event_id == event.id,
            (ProgrammeSession.starts_at < event.starts_at) | (ProgrammeSession.ends_at > event.ends_at),
        )
    )
    assert outside == 0


def test_a_linked_speaker_earns_the_first_talk_once_the_conference_closes(session, now, conference):
    event = conference
    spoke_before = select(Contribution.member_id).where(Contribution.role == StaffRole.speaker.value)
    newcomer = session.scalar(
        select(Member)
        .join(Speaker, Speaker.member_id == Member.id)
        .where(Speaker.event_id == event.id, Member.id.not_in(spoke_before))
        .order_by(Member.id)
        .limit(1)
    )
    assert newcomer is not None, "a speaker with an account gives a first talk here"
    before = profiles.get_profile(session, member_id=newcomer.id, viewer=newcomer, now=now)
    assert "first_talk" not in {a.key for a in before.achievements}

    after_end = event.ends_at + timedelta(hours=1)
    recognition.close_event(session, event_id=event.id, actor=None, now=after_end)
    session.commit()

    profile = profiles.get_profile(session, member_id=newcomer.id, viewer=newcomer, now=after_end)
    earned = {a.key: a for a in profile.achievements}
    assert earned["first_talk"].earned_on == event.local_starts_at.date()
