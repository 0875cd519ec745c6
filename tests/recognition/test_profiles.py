"""Profiles from the attendance record: history, counts, streaks (forgiving cancelled dates and timely
cancellations), reliability for the member and their organisers only, achievements with their dates, and
who may see any of it."""

from datetime import UTC, date, datetime, timedelta

import pytest

from meetups import errors
from meetups.accounts.models import Visibility
from meetups.communities.models import CommunityRole
from meetups.events.models import EventStatus, Series, StaffRole
from meetups.recognition import profiles
from meetups.recognition.models import Attendance, Contribution, Outcome
from tests.factories import bearer, join, make_community, make_event, make_member

A, N, L, E = Outcome.attended, Outcome.no_show, Outcome.late_cancel, Outcome.excused


def record(
    session,
    member,
    on: date,
    outcome=A,
    community=None,
    series=None,
    event=None,
    status=EventStatus.published,
):
    """One resolved RSVP on a date, with its event (in UTC, so the date is the date)."""
    community = community or (event.community if event else make_community(session))
    starts = datetime(on.year, on.month, on.day, 18, tzinfo=UTC)
    event = event or make_event(
        session, community=community, starts_at=starts, timezone="UTC", status=status, series_id=series
    )
    session.add(
        Attendance(
            event_id=event.id,
            member_id=member.id,
            community_id=community.id,
            series_id=series,
            event_on=on,
            outcome=outcome,
            resolved_at=starts,
        )
    )
    session.flush()
    return event


def months(*pairs):
    return [{"on": date(y, m, 10), "outcome": o} for y, m, o in pairs]


@pytest.mark.parametrize(
    ("history", "today", "current", "longest"),
    [
        (months((2030, 1, A), (2030, 2, A), (2030, 3, A)), date(2030, 3, 20), 3, 3),
        (months((2030, 1, A), (2030, 2, A), (2030, 3, A)), date(2030, 4, 2), 3, 3),  # April is not over
        (months((2030, 1, A), (2030, 2, A), (2030, 3, A)), date(2030, 5, 2), 0, 3),  # April went by
        (months((2030, 1, A), (2030, 3, A)), date(2030, 3, 20), 1, 1),  # a month with nothing breaks it
        (months((2030, 1, A), (2030, 2, E), (2030, 3, A)), date(2030, 3, 20), 2, 2),  # excused: no break
        (months((2030, 1, A), (2030, 2, N), (2030, 3, A)), date(2030, 3, 20), 1, 1),  # a no-show breaks it
        (months((2030, 1, A), (2030, 1, A), (2030, 2, L), (2030, 3, A)), date(2030, 3, 20), 1, 1),
        ([], date(2030, 3, 20), 0, 0),
    ],
)
def test_monthly_streaks_count_months_and_forgive_timely_cancellations(history, today, current, longest):
    assert profiles.monthly_streak(history, today) == profiles.Streak(current, longest)


def test_a_series_streak_skips_dates_the_organisers_cancelled_and_ones_excused(session, now):
    me = make_member(session)
    community = make_community(session)
    series = Series(community_id=community.id, frequency="weekly", created_at=now)
    session.add(series)
    session.flush()
    days = [date(2030, 3, d) for d in (1, 8, 15, 22)]
    record(session, me, days[0], A, community, series.id)
    cancelled = make_event(
        session,
        community=community,
        series_id=series.id,
        status=EventStatus.cancelled,
        timezone="UTC",
        starts_at=datetime(2030, 3, 8, 18, tzinfo=UTC),
    )
    assert cancelled.status is EventStatus.cancelled
    record(session, me, days[2], E, community, series.id)
    record(session, me, days[3], A, community, series.id)
    streak = profiles.series_streak(session, profiles._records(session, me.id), now)
    assert (streak.current, streak.longest) == (2, 2)
    record(session, make_member(session), date(2030, 3, 29), A, community, series.id)  # a date I missed
    assert profiles.series_streak(session, profiles._records(session, me.id), now).current == 0


def test_achievements_are_computed_from_the_record_with_their_dates(session, now):
    me = make_member(session)
    community = make_community(session, founded_by_id=me.id, created_at=datetime(2029, 1, 5, tzinfo=UTC))
    first = date(2028, 1, 10)
    record(session, me, first, A, community)
    days = [date(2029, 3, 1) + timedelta(days=31 * i) for i in range(10)]  # back after more than a year
    events = [record(session, me, day, A, community) for day in days]
    record(session, me, date(2029, 2, 1), N, community)
    session.add(
        Contribution(
            event_id=events[2].id,
            member_id=me.id,
            community_id=community.id,
            role="speaker",
            event_on=days[2],
        )
    )
    session.add(
        Contribution(
            event_id=events[4].id,
            member_id=me.id,
            community_id=community.id,
            role="volunteer",
            event_on=days[4],
        )
    )
    session.flush()
    profile = profiles.get_profile(session, member_id=me.id, viewer=me, now=now)
    earned = {a.key: a.earned_on for a in profile.achievements}
    assert earned == {
        "first_event": first,
        "founder": date(2029, 1, 5),
        "comeback": days[0],
        "events_5": days[3],
        "events_10": days[8],
        "streak_3_months": days[2],
        "first_talk": days[2],
        "door_volunteer": days[4],
    }
    assert profile.attended == 11 and profile.no_shows == 1
    assert profile.reliability == pytest.approx(11 / 12)
    assert all(a.is_new for a in profile.achievements)
    profiles.mark_achievements_seen(session, profile, now)
    again = profiles.get_profile(session, member_id=me.id, viewer=me, now=now)
    assert not any(a.is_new for a in again.achievements)


@pytest.mark.parametrize(
    ("visibility", "viewer", "sees"),
    [
        (Visibility.public, "stranger", True),
        (Visibility.public, "anonymous", True),
        (Visibility.communities, "stranger", False),
        (Visibility.communities, "anonymous", False),
        (Visibility.communities, "fellow", True),
        (Visibility.private, "fellow", False),
        (Visibility.private, "self", True),
        (Visibility.private, "admin", True),
    ],
)
def test_who_sees_a_profile_follows_the_members_setting(client, session, now, visibility, viewer, sees):
    me = make_member(session, profile_visibility=visibility, name="Quinn")
    community = make_community(session)
    join(session, community, me)
    people = {
        "stranger": make_member(session),
        "fellow": join(session, community, make_member(session)).member,
        "self": me,
        "admin": make_member(session, is_admin=True),
    }
    headers = bearer(session, people[viewer]) if viewer in people else {}
    response = client.get(f"/api/v1/members/{me.id}", headers=headers)
    assert response.status_code == (200 if sees else 404)
    if not sees:
        assert response.json["error"]["code"] == "not_found"
    assert client.get(f"/api/v1/members/{me.id + 10_000}", headers=headers).status_code == 404


def test_reliability_and_no_shows_only_for_the_member_and_their_organisers(client, session, now):
    me = make_member(session, profile_visibility=Visibility.public)
    community = make_community(session)
    join(session, community, me)
    record(session, me, date(2030, 1, 10), A, community)
    record(session, me, date(2030, 2, 10), N, community)
    organiser = join(session, community, make_member(session), CommunityRole.organiser).member
    url = f"/api/v1/members/{me.id}"
    for viewer, shown in ((me, True), (organiser, True), (make_member(session), False)):
        body = client.get(url, headers=bearer(session, viewer)).json
        assert (body["reliability"] is not None) is shown
        assert [h["outcome"] for h in body["history"]] == (["no_show", "attended"] if shown else ["attended"])
    assert client.get(url).json["no_shows"] is None


def test_the_profile_page_shows_history_streaks_and_achievements(client, session, now, login):
    me = make_member(session, name="Rosa", profile_visibility=Visibility.public)
    community = make_community(session, name="Rust Berlin")
    for month in (1, 2, 3):
        event = record(session, me, date(2030, month, 10), A, community)
    event.title = "Borrow checker night"
    session.flush()
    page = client.get(f"/members/{me.id}").text
    for text in (
        "Rosa",
        "Rust Berlin",
        "Borrow checker night",
        "Three months running",
        "First meetup",
        "3 months",
    ):
        assert text in page, text
    assert "Came when going" not in page  # a stranger sees no reliability
    login(me)
    own = client.get(f"/members/{me.id}").text
    assert "Came when going" in own and own.count(">New<") == 2
    assert client.get(f"/members/{me.id}").text.count(">New<") == 0  # shown once


def test_a_profile_reads_in_a_fixed_number_of_queries(client, session, now, login, count_queries):
    me = make_member(session, profile_visibility=Visibility.public)
    community = make_community(session)
    sizes = []
    for extra in (2, 40):
        for n in range(extra):
            record(session, me, date(2029, 1, 1) + timedelta(days=7 * (n + len(sizes) * 100)), A, community)
        count_queries.clear()
        assert client.get(f"/members/{me.id}").status_code == 200
        sizes.append(len(count_queries))
    assert sizes[0] == sizes[1], sizes


def test_the_rsvp_box_nudges_with_my_track_record(client, session, now, login):
    me = make_member(session)
    for month, outcome in ((1, A), (2, A), (3, N), (4, A)):
        record(session, me, date(2029, month, 10), outcome)
    event = make_event(session, capacity=10)
    login(me)
    client.post(f"/e/{event.id}/rsvp", data={"guests": "0"})
    assert "You came to 3 of your last 4 events" in client.get(f"/e/{event.id}").text


def test_a_deleted_account_leaves_anonymous_counts(client, session, now, login):
    from tests.factories import PASSWORD

    me = make_member(session)
    event = record(session, me, date(2030, 1, 10), A)
    login(me)
    assert client.post("/me/delete", data={"delete-password": PASSWORD}).status_code == 302
    rows = session.query(Attendance).filter_by(event_id=event.id).all()
    assert [(r.member_id, r.outcome) for r in rows] == [(None, A)]


def test_staff_show_their_role(session, now):
    me = make_member(session)
    event = record(session, me, date(2030, 1, 10), A)
    session.add(
        Contribution(
            event_id=event.id,
            member_id=me.id,
            community_id=event.community_id,
            role=StaffRole.speaker.value,
            event_on=date(2030, 1, 10),
        )
    )
    session.flush()
    profile = profiles.get_profile(session, member_id=me.id, viewer=me, now=now)
    assert [(h.outcome, h.roles) for h in profile.history] == [(A, ("speaker",))]


def test_a_hidden_profile_and_a_missing_one_are_refused_alike(session, now):
    hidden = make_member(session, profile_visibility=Visibility.private)
    with pytest.raises(errors.NotFound) as first:
        profiles.get_profile(session, member_id=hidden.id, viewer=None, now=now)
    with pytest.raises(errors.NotFound) as second:
        profiles.get_profile(session, member_id=hidden.id + 999, viewer=None, now=now)
    assert first.value.message == second.value.message
