from datetime import UTC, date, datetime, timedelta

import pytest

from meetups import errors
from meetups.events import series
from meetups.events import service as events
from meetups.events.models import EventStatus
from meetups.rsvps import series as series_rsvps
from meetups.rsvps.models import RsvpStatus
from tests.factories import make_event, make_member


@pytest.fixture
def organiser(session):
    return make_member(session, is_admin=True)


def local_times(occurrences):
    return [e.local_starts_at.strftime("%Y-%m-%d %H:%M %a") for e in occurrences]


def test_weekly_series_keeps_wall_clock_time_across_dst(session, now, organiser):
    # 19:00 in Berlin on Tuesday 19 March 2030; clocks go forward on 31 March
    first = make_event(session, starts_at=datetime(2030, 3, 19, 18, 0, tzinfo=UTC))
    created = series.repeat_event(session, event=first, actor=organiser, frequency="weekly", count=4, now=now)
    assert local_times([first, *created]) == [
        "2030-03-19 19:00 Tue",
        "2030-03-26 19:00 Tue",
        "2030-04-02 19:00 Tue",
        "2030-04-09 19:00 Tue",
    ]
    assert created[1].starts_at.hour == 17  # UTC moved, the venue's clock did not
    assert all(e.ends_at - e.starts_at == timedelta(hours=2) for e in created)
    assert {e.series_id for e in created} == {first.series_id}


def test_biweekly_until_a_date(session, now, organiser):
    first = make_event(session, starts_at=datetime(2030, 5, 6, 16, 0, tzinfo=UTC))
    created = series.repeat_event(
        session, event=first, actor=organiser, frequency="biweekly", until=date(2030, 6, 17), now=now
    )
    assert [e.local_starts_at.date().isoformat() for e in created] == [
        "2030-05-20",
        "2030-06-03",
        "2030-06-17",
    ]


def test_monthly_on_the_nth_weekday(session, now, organiser):
    # the 2nd Tuesday of May 2030 is the 14th
    first = make_event(
        session, starts_at=datetime(2030, 5, 14, 16, 0, tzinfo=UTC), timezone="America/New_York"
    )
    created = series.repeat_event(
        session, event=first, actor=organiser, frequency="monthly", count=4, now=now
    )
    assert [e.local_starts_at.date().isoformat() for e in created] == [
        "2030-06-11",
        "2030-07-09",
        "2030-08-13",
    ]
    assert {e.local_starts_at.strftime("%H:%M") for e in created} == {"12:00"}


def test_monthly_fifth_weekday_means_the_last(session, now, organiser):
    first = make_event(session, starts_at=datetime(2030, 5, 31, 16, 0, tzinfo=UTC))  # last Friday of May
    created = series.repeat_event(
        session, event=first, actor=organiser, frequency="monthly", count=3, now=now
    )
    assert [e.local_starts_at.date().isoformat() for e in created] == ["2030-06-28", "2030-07-26"]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"frequency": "daily", "count": 3}, errors.InvalidInput),
        ({"frequency": "weekly"}, errors.InvalidInput),
        ({"frequency": "weekly", "count": 3, "until": date(2030, 6, 1)}, errors.InvalidInput),
        ({"frequency": "weekly", "count": 1}, errors.InvalidInput),
        ({"frequency": "weekly", "count": 500}, errors.InvalidInput),
        ({"frequency": "weekly", "until": date(2020, 1, 1)}, errors.InvalidInput),
    ],
)
def test_bad_rules_are_refused(session, now, organiser, kwargs, error):
    first = make_event(session)
    with pytest.raises(error):
        series.repeat_event(session, event=first, actor=organiser, now=now, **kwargs)
    assert first.series_id is None


def test_a_member_cannot_repeat_an_event(session, now):
    with pytest.raises(errors.PermissionDenied):
        series.repeat_event(
            session,
            event=make_event(session),
            actor=make_member(session),
            frequency="weekly",
            count=3,
            now=now,
        )


def test_edit_this_and_following_moves_later_occurrences_only(session, now, organiser):
    first = make_event(session, starts_at=datetime(2030, 4, 9, 17, 0, tzinfo=UTC))  # 19:00 Berlin
    created = series.repeat_event(session, event=first, actor=organiser, frequency="weekly", count=4, now=now)
    second = created[0]
    new_start = second.local_starts_at.replace(hour=18, minute=30, tzinfo=None)
    series.update_following(
        session,
        event=second,
        actor=organiser,
        now=now,
        changes={"title": "Moved meetup", "starts_at": new_start, "ends_at": new_start + timedelta(hours=2)},
    )
    assert first.title != "Moved meetup" and first.local_starts_at.strftime("%H:%M") == "19:00"
    assert [e.title for e in created] == ["Moved meetup"] * 3
    assert {e.local_starts_at.strftime("%H:%M") for e in created} == {"18:30"}
    assert all(e.sequence == 1 for e in created)


def test_always_going_rsvps_to_open_occurrences_and_later_published_ones(session, now, organiser):
    first = make_event(session, starts_at=now + timedelta(days=2), capacity=1, status=EventStatus.draft)
    created = series.repeat_event(session, event=first, actor=organiser, frequency="weekly", count=3, now=now)
    events.publish_event(session, event=first, actor=organiser, now=now)
    member, other = make_member(session), make_member(session)
    made = series_rsvps.always_go(session, series_id=first.series_id, member=member, now=now)
    assert [r.event_id for r in made] == [first.id]
    series_rsvps.always_go(session, series_id=first.series_id, member=other, now=now)
    events.publish_event(session, event=created[0], actor=organiser, now=now)
    from meetups.rsvps.models import Rsvp

    rsvps = {r.member_id: r.status for r in session.query(Rsvp).filter_by(event_id=created[0].id)}
    assert rsvps == {
        member.id: RsvpStatus.going,
        other.id: RsvpStatus.waitlisted,
    }  # capacity respected, in order


def test_always_going_respects_a_cancelled_date(session, now, organiser):
    from meetups.rsvps import service

    first = make_event(session, starts_at=now + timedelta(days=2))
    created = series.repeat_event(session, event=first, actor=organiser, frequency="weekly", count=2, now=now)
    member = make_member(session)
    series_rsvps.always_go(session, series_id=first.series_id, member=member, now=now)
    service.cancel_rsvp(session, event_id=created[0].id, member=member, now=now)
    assert series_rsvps.apply_subscriptions(session, now=now) == 0


def test_series_over_the_api(client, session, now):
    from meetups.accounts import service as accounts

    organiser = make_member(session, is_admin=True)
    member = make_member(session)
    first = make_event(session, starts_at=now + timedelta(days=2))
    headers = {"Authorization": "Bearer " + accounts.create_token(session, organiser, name="t", now=now)[1]}
    mine = {"Authorization": "Bearer " + accounts.create_token(session, member, name="t", now=now)[1]}
    bad = client.post(
        f"/api/v1/events/{first.id}/repeat", json={"frequency": "daily", "count": 3}, headers=headers
    )
    assert bad.status_code == 422
    made = client.post(
        f"/api/v1/events/{first.id}/repeat", json={"frequency": "weekly", "count": 3}, headers=headers
    )
    assert made.status_code == 201 and len(made.json["events"]) == 2
    series_id = made.json["events"][0]["series_id"]
    going = client.post(f"/api/v1/series/{series_id}/always-going", headers=mine)
    assert going.json["always_going"] is True and len(going.json["rsvps"]) == 3
    moved = client.patch(
        f"/api/v1/events/{first.id}?scope=following", json={"title": "Renamed"}, headers=headers
    )
    assert moved.status_code == 200
    titles = [e["title"] for e in client.get("/api/v1/events").json["events"] if e["series_id"] == series_id]
    assert titles == ["Renamed"] * 3
    assert (
        client.delete(f"/api/v1/series/{series_id}/always-going", headers=mine).json["always_going"] is False
    )
