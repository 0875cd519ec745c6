"""A community's health from its record, checked against numbers worked out by hand; the overbooking it
suggests, applied through the RSVP rules; the leaderboard; and every surface respecting members' privacy."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

import pytest

from meetups.accounts.models import Visibility
from meetups.communities.models import CommunityRole
from meetups.recognition import health
from meetups.recognition.models import Attendance, Outcome
from meetups.rsvps import service as rsvps
from meetups.rsvps.models import RsvpStatus
from tests.factories import bearer, join, make_community, make_event, make_member

A, N = Outcome.attended, Outcome.no_show


@pytest.fixture
def history(session, now):
    """Three closed events of one community, a month apart, and who came (worked out by hand below):

    event 1 (Dec 28): ada, ben came; cy no-show           -> new 2, returning 0, no-show 1/3
    event 2 (Feb): ada came; ben no-show; dee came         -> new 1 (dee), returning 1, no-show 1/3
    event 3 (Apr): ada, dee, eve came                     -> new 1 (eve), returning 2, no-show 0/3
    First-timers at least 90 days ago (now is 2030-04-01): ada and ben (94 days), not dee (59 days).
    Back within 90 days: ada (Feb), ben no (only a no-show). Retention 1/2.
    """
    community = make_community(session, slug="health")
    organiser = join(session, community, make_member(session), CommunityRole.organiser).member
    people = {name: make_member(session, name=name) for name in ("ada", "ben", "cy", "dee", "eve")}
    for person in people.values():
        join(session, community, person)
    plan = [
        (date(2029, 12, 28), {"ada": A, "ben": A, "cy": N}),
        (date(2030, 2, 1), {"ada": A, "ben": N, "dee": A}),
        (date(2030, 3, 30), {"ada": A, "dee": A, "eve": A}),
    ]
    events = []
    for day, who in plan:
        starts = datetime(day.year, day.month, day.day, 18, tzinfo=UTC)
        event = make_event(
            session,
            community=community,
            starts_at=starts,
            timezone="UTC",
            closed_at=starts + timedelta(hours=8),
        )
        for name, outcome in who.items():
            session.add(
                Attendance(
                    event_id=event.id,
                    member_id=people[name].id,
                    community_id=community.id,
                    event_on=day,
                    outcome=outcome,
                    resolved_at=starts,
                    rsvp_at=starts - timedelta(days=3 if name != "cy" else 40),
                )
            )
        events.append(event)
    session.flush()
    return community, organiser, people, events


def test_the_numbers_match_the_hand_count(session, now, history):
    community, organiser, _people, _events = history
    data = health.get_health(session, slug=community.slug, actor=organiser, now=now)
    per_event = [(e.attended, e.new, e.returning, e.no_shows) for e in data.per_event]
    assert per_event == [(2, 2, 0, 1), (2, 1, 1, 1), (3, 1, 2, 0)]
    assert [round(e.no_show_rate, 3) for e in data.per_event] == [0.333, 0.333, 0.0]
    assert (data.first_timers, data.returned, data.retention) == (2, 1, 0.5)
    assert data.no_show_rate == pytest.approx(2 / 9)
    assert dict((key, (came, missed)) for key, came, missed in data.by_lead) == {
        "under_a_day": (0, 0),
        "days": (7, 1),
        "weeks": (0, 0),
        "months": (0, 1),  # cy answered 40 days ahead and did not come
    }
    assert data.members[-1][1] == 6  # the organiser and the five members joined before now


def test_overbooking_is_suggested_from_enough_history_and_applying_it_moves_the_line(session, now, history):
    community, organiser, _people, events = history
    data = health.get_health(session, slug=community.slug, actor=organiser, now=now)
    assert data.suggestion is None  # 9 resolved RSVPs are too few to go on
    for n in range(12):  # more history: 21 resolved, 2 of them no-shows... plus 12 that came
        member = make_member(session)
        session.add(
            Attendance(
                event_id=events[0].id,
                member_id=member.id,
                community_id=community.id,
                event_on=date(2029, 12, 28),
                outcome=N if n < 4 else A,
                resolved_at=now,
            )
        )
    session.flush()
    upcoming = make_event(session, community=community, capacity=10, starts_at=now + timedelta(days=7))
    waiting = []
    for _ in range(13):
        waiting.append(rsvps.save_rsvp(session, event_id=upcoming.id, member=make_member(session), now=now))
    assert [r.status for r in waiting].count(RsvpStatus.going) == 10
    data = health.get_health(session, slug=community.slug, actor=organiser, now=now)
    assert data.no_show_rate == pytest.approx(6 / 21)
    assert (data.suggestion.event, data.suggestion.extra, data.suggestion.admits) == (upcoming, 2, 12)
    health.apply_overbooking(session, slug=community.slug, event_id=upcoming.id, actor=organiser, now=now)
    assert upcoming.overbook == 2
    assert [r.status for r in waiting].count(RsvpStatus.going) == 12  # the first two in line moved up


def test_overbooking_is_part_of_the_seat_rules(session, now):
    event = make_event(session, capacity=2, overbook=1)
    answers = [
        rsvps.save_rsvp(session, event_id=event.id, member=make_member(session), now=now) for _ in range(4)
    ]
    assert [a.status.value for a in answers] == ["going", "going", "going", "waitlisted"]


def test_the_health_page_csv_and_api_are_for_organisers(client, session, now, history, login):
    community, organiser, _people, _events = history
    member = join(session, community, make_member(session)).member
    assert (
        client.get(
            f"/api/v1/communities/{community.slug}/health", headers=bearer(session, member)
        ).status_code
        == 403
    )
    body = client.get(f"/api/v1/communities/{community.slug}/health", headers=bearer(session, organiser)).json
    assert body["retention"] == {"first_timers": 2, "returned": 1, "rate": 0.5}
    login(organiser)
    page = client.get(f"/c/{community.slug}/health").text
    assert "<svg" in page and "<table>" in page and "50 %" in page
    rows = list(csv.reader(io.StringIO(client.get(f"/c/{community.slug}/health.csv").text.lstrip("\ufeff"))))
    assert rows[0][:3] == ["kind", "date", "title"] and [r[3] for r in rows if r[0] == "event"] == [
        "2",
        "2",
        "3",
    ]


def test_the_health_page_reads_in_a_fixed_number_of_queries(
    client, session, now, history, login, count_queries
):
    community, organiser, _people, events = history
    login(organiser)
    sizes = []
    for extra in (0, 30):
        for _ in range(extra):
            session.add(
                Attendance(
                    event_id=events[1].id,
                    member_id=make_member(session).id,
                    community_id=community.id,
                    event_on=date(2030, 2, 1),
                    outcome=A,
                    resolved_at=now,
                )
            )
        session.flush()
        count_queries.clear()
        assert client.get(f"/c/{community.slug}/health").status_code == 200
        sizes.append(len(count_queries))
    assert sizes[0] == sizes[1], sizes


# The leaderboard and privacy


def test_the_leaderboard_is_for_members_and_leaves_out_who_opted_out(client, session, now, history, login):
    community, _organiser, people, _events = history
    people["dee"].show_on_leaderboards = False
    session.flush()
    member = join(session, community, make_member(session)).member
    leaders = client.get(
        f"/api/v1/communities/{community.slug}/leaderboard", headers=bearer(session, member)
    ).json
    assert [(one["member"]["name"], one["attended"]) for one in leaders["leaders"]] == [
        ("ada", 3),
        ("ben", 1),
        ("eve", 1),
    ]
    assert (
        client.get(
            f"/api/v1/communities/{community.slug}/leaderboard", headers=bearer(session, make_member(session))
        ).status_code
        == 403
    )
    assert "Regulars" not in client.get(f"/c/{community.slug}").text
    login(member)
    page = client.get(f"/c/{community.slug}").text
    assert "Regulars" in page and "ada" in page and ">dee<" not in page


def test_whos_going_shows_only_members_who_allow_it_and_only_to_members(client, session, now, login):
    event = make_event(session, capacity=10)
    shown, hidden = make_member(session, name="Shown Person"), make_member(session, name="Hidden Person")
    hidden.show_in_attendee_lists = False
    for person in (shown, hidden):
        rsvps.save_rsvp(session, event_id=event.id, member=person, now=now)
    assert "Shown Person" not in client.get(f"/e/{event.id}").text  # strangers see counts, not names
    login(make_member(session))
    page = client.get(f"/e/{event.id}").text
    assert "Shown Person" in page and "Hidden Person" not in page and "and 1 more" in page


def test_privacy_settings_are_saved_from_the_page_and_the_api_and_checked(client, session, now, login):
    me = login(make_member(session))
    response = client.post(
        "/me/privacy", data={"privacy-profile_visibility": "private", "privacy-show_on_leaderboards": "y"}
    )
    assert response.status_code == 302
    session.refresh(me)
    assert (me.profile_visibility, me.show_in_attendee_lists, me.show_on_leaderboards) == (
        Visibility.private,
        False,
        True,
    )
    headers = bearer(session, me)
    refused = client.put(
        "/api/v1/me/privacy",
        json={"profile_visibility": "friends", "show_in_attendee_lists": True, "show_on_leaderboards": True},
        headers=headers,
    )
    assert refused.status_code == 422 and refused.json["error"]["field"] == "profile_visibility"
    session.refresh(me)
    assert me.profile_visibility is Visibility.private
    saved = client.put(
        "/api/v1/me/privacy",
        json={"profile_visibility": "public", "show_in_attendee_lists": True, "show_on_leaderboards": False},
        headers=headers,
    )
    assert saved.json["member"]["profile_visibility"] == "public"


def test_my_data_downloads_everything_about_me(client, session, now, login, history):
    _community, _organiser, people, _events = history
    ada = people["ada"]
    login(ada)
    data = json.loads(client.get("/me/data.json").data)
    assert data["member"]["email"] == ada.email and len(data["attendance"]) == 3
    assert client.get("/api/v1/me/export", headers=bearer(session, ada)).json["member"]["id"] == ada.id
    text = client.get("/me/data.csv").text.lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["kind", "when", "detail"] and sum(r[0] == "attendance" for r in rows) == 3


def test_deleting_my_account_through_the_api(client, session, now, history):
    from tests.factories import PASSWORD

    _community, _organiser, people, events = history
    eve = people["eve"]
    headers = bearer(session, eve)
    assert (
        client.delete("/api/v1/me", json={"password": "wrong password"}, headers=headers).status_code == 401
    )
    assert client.delete("/api/v1/me", json={"password": PASSWORD}, headers=headers).status_code == 204
    session.expunge_all()  # the request deleted rows this session still holds
    rows = session.query(Attendance).filter_by(event_id=events[2].id).all()
    assert sorted(r.member_id is None for r in rows) == [False, False, True]
