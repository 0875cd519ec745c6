"""The programme over the JSON API, end to end on the `conference` fixture: the public agenda and its filters,
organisers building it (and everybody else refused with a stable code, nothing written), clashes refused
naming the session in the way, my agenda, workshop seats and their line, in a fixed number of queries."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from meetups import clock
from meetups.events.models import EventStaff, EventStatus, StaffRole
from meetups.notify.models import Message
from meetups.programme import lineup, places, registrations, service
from meetups.programme.models import ProgrammeSession, Registration, Room, SessionStatus, Speaker, Star, Track
from meetups.rsvps import service as rsvps
from tests.factories import bearer, make_event, make_member
from tests.programme.conftest import NOW

API = "/api/v1"
BASE = "http://meetups.test"


class Caller:
    """One test's API calls on the conference, each as somebody (a member's token) or nobody."""

    def __init__(self, client, session, conference):
        self.client, self.session, self.conference = client, session, conference
        self._headers: dict[int, dict[str, str]] = {}

    def headers(self, member) -> dict[str, str]:
        if member is None:
            return {}
        if member.id not in self._headers:
            self._headers[member.id] = bearer(self.session, member)
        return self._headers[member.id]

    def __call__(self, method: str, path: str, member=None, **kwargs):
        url = f"{API}/events/{self.conference.event.id}{path}"
        return getattr(self.client, method)(url, headers=self.headers(member), **kwargs)


@pytest.fixture
def call(client, session, now, conference) -> Caller:
    return Caller(client, session, conference)


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.json
    error = response.json["error"]
    assert error["code"] == code
    assert isinstance(error["message"], str) and error["message"].strip()
    return error


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _by_title(answer: dict) -> dict[str, dict]:
    return {s["title"]: s for s in answer["sessions"]}


def going(session, conference, *names):
    members = [make_member(session, name=name) for name in names]
    for member in members:
        rsvps.save_rsvp(session, event_id=conference.event.id, member=member, now=NOW)
    return members


# The public programme


def test_anyone_reads_the_programme_in_time_order_with_utc_times_and_the_zone_once(call, conference):
    response = call("get", "/sessions")
    assert response.status_code == 200, response.json
    answer = response.json
    assert answer["timezone"] == "Europe/Berlin"
    s = conference.sessions
    assert [x["id"] for x in answer["sessions"]] == [
        s["keynote"].id,
        s["web"].id,  # 11:00, Main hall (left of Room B)
        s["data"].id,
        s["lunch"].id,
        s["workshop"].id,
        s["sunday"].id,
    ]
    keynote, data, lunch, workshop, sunday = (
        _by_title(answer)[t]
        for t in ("Opening keynote", "Tables at scale", "Lunch", "Hands-on testing", "Sunday morning talk")
    )
    event_id = conference.event.id
    assert keynote == {
        "id": s["keynote"].id,
        "url": f"{BASE}/e/{event_id}/sessions/{s['keynote'].id}",
        "kind": "keynote",
        "title": "Opening keynote",
        "abstract": "",
        "starts_at": "2030-10-25T07:30:00+00:00",  # 09:30 in Berlin, summer time
        "ends_at": "2030-10-25T08:30:00+00:00",
        "room": {"id": conference.main.id, "name": "Main hall"},
        "track": None,
        "language": "en",
        "level": None,
        "capacity": None,
        "seats": None,
        "status": "scheduled",
        "sequence": 0,
        "speakers": [{"id": conference.ada.id, "name": "Ada Lovelace"}],
        "starred": False,
        "registration": None,
        "stars": None,
    }
    assert sunday["starts_at"] == "2030-10-27T08:00:00+00:00"  # 09:00 in Berlin, winter time
    assert data["abstract"] == "Rows, **columns** and <script>alert(1)</script> indexes."  # raw Markdown
    assert data["track"] == {"id": conference.data.id, "name": "Data", "colour": "#8a4fff"}
    assert (data["level"], data["language"]) == ("advanced", "ru")
    assert (lunch["kind"], lunch["room"], lunch["speakers"]) == ("break", None, [])
    assert workshop["capacity"] == 2 and workshop["seats"] == {"taken": 0, "waiting": 0}
    assert [sp["name"] for sp in workshop["speakers"]] == ["Ada Lovelace", "Grace Hopper"]


def test_one_session_reads_the_same_and_a_session_of_another_event_is_not_there(call, conference, session):
    talk = conference.sessions["web"]
    response = call("get", f"/sessions/{talk.id}")
    assert response.status_code == 200, response.json
    assert response.json["timezone"] == "Europe/Berlin"
    listed = _by_title(call("get", "/sessions").json)["Fast pages"]
    assert response.json["session"] == listed
    _error(call("get", "/sessions/999999"), 404, "not_found")
    _error(call.client.get(f"{API}/events/999999/sessions"), 404, "not_found")


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("track={web}", ["Fast pages", "Hands-on testing"]),
        ("room={small}", ["Tables at scale", "Hands-on testing"]),
        ("language=RU", ["Tables at scale"]),
        ("level=beginner", ["Fast pages"]),
        ("day=2030-10-26", ["Hands-on testing"]),
        ("day=2030-10-27", ["Sunday morning talk"]),  # the day the clocks went back
        ("track={data}&day=2030-10-25", ["Tables at scale"]),
        ("track=&room=", None),  # empty parameters filter nothing
        ("unknown=1", None),
    ],
)
def test_the_programme_filters_by_track_room_language_level_and_local_day(call, conference, query, titles):
    ids = {"web": conference.web.id, "data": conference.data.id, "small": conference.small.id}
    response = call("get", "/sessions?" + query.format(**ids))
    assert response.status_code == 200, response.json
    everything = [s.title for s in sorted(conference.sessions.values(), key=lambda s: s.starts_at)]
    assert [s["title"] for s in response.json["sessions"]] == (titles or everything)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("track=web", "track"),
        ("track=0", "track"),
        ("track=999999", "track"),  # no track of this event
        ("room=999999", "room"),
        ("level=expert", "level"),
        ("language=english!", "language"),
        ("day=25.10.2030", "day"),
        ("day=2030-02-30", "day"),
        ("day=2030-10-28", "day"),  # after the event
    ],
)
def test_a_bad_filter_is_a_clear_422_naming_it(call, query, field):
    error = _error(call("get", f"/sessions?{query}"), 422, "invalid_input")
    assert error.get("field") == field or field in error.get("fields", {}), error


def test_a_track_of_another_event_is_no_filter_here(call, conference, session):
    other = service.list_tracks(session, conference.event)[0]
    assert call("get", f"/sessions?track={other.id}").status_code == 200
    make = {"session": session, "actor": conference.organiser}
    elsewhere = make_event(session, community=conference.community)
    foreign = places.save_track(**make, event=elsewhere, values={"name": "Elsewhere"})
    _error(call("get", f"/sessions?track={foreign.id}"), 422, "invalid_input")


def test_a_draft_programme_is_not_there_for_the_public_only_for_its_organisers(call, conference, session):
    conference.event.status = EventStatus.draft
    session.commit()
    talk = conference.sessions["web"]
    for path in ("/sessions", f"/sessions/{talk.id}", "/speakers", "/rooms", "/tracks"):
        for who in (None, conference.member, conference.stranger):
            _error(call("get", path, who), 404, "not_found")
        assert call("get", path, conference.organiser).status_code == 200, path
    _error(call("post", f"/sessions/{talk.id}/star", conference.member), 404, "not_found")


def test_organisers_see_how_many_starred_each_session_members_see_their_own_stars(call, conference):
    talk = conference.sessions["web"]
    for member in (conference.member, conference.stranger):
        assert call("post", f"/sessions/{talk.id}/star", member).status_code == 200
    mine = _by_title(call("get", "/sessions", conference.member).json)
    assert mine["Fast pages"]["starred"] is True and mine["Tables at scale"]["starred"] is False
    assert mine["Fast pages"]["stars"] is None
    theirs = _by_title(call("get", "/sessions", conference.organiser).json)
    assert theirs["Fast pages"]["stars"] == 2 and theirs["Tables at scale"]["stars"] == 0
    assert theirs["Fast pages"]["starred"] is False


# Organisers build the programme


def test_an_organiser_adds_a_session_with_its_speakers(call, conference, session):
    body = {
        "kind": "panel",
        "title": "Ask us anything",
        "abstract": "Bring *questions*.",
        "starts_at": "2030-10-26T10:00",
        "ends_at": "2030-10-26T11:00",
        "room_id": conference.main.id,
        "track_id": conference.data.id,
        "language": "EN",
        "level": "intermediate",
        "speaker_ids": [conference.grace.id, conference.ada.id],
    }
    response = call("post", "/sessions", conference.organiser, json=body)
    assert response.status_code == 201, response.json
    made = response.json["session"]
    assert made["starts_at"] == "2030-10-26T08:00:00+00:00"
    assert (made["kind"], made["language"], made["level"], made["stars"]) == (
        "panel",
        "en",
        "intermediate",
        0,
    )
    assert [s["id"] for s in made["speakers"]] == [conference.grace.id, conference.ada.id]
    assert made["url"] == f"{BASE}/e/{conference.event.id}/sessions/{made['id']}"
    stored = session.get(ProgrammeSession, made["id"])
    assert (stored.title, stored.room_id, stored.track_id) == (
        "Ask us anything",
        conference.main.id,
        conference.data.id,
    )


def test_a_workshop_with_seats_and_a_break_without_a_room(call, conference):
    workshop = call(
        "post",
        "/sessions",
        conference.organiser,
        json={
            "kind": "workshop",
            "title": "Sunday lab",
            "starts_at": "2030-10-27T11:00+01:00",
            "ends_at": "2030-10-27T12:00+01:00",
            "room_id": conference.small.id,
            "capacity": 12,
        },
    )
    assert workshop.status_code == 201, workshop.json
    assert workshop.json["session"]["seats"] == {"taken": 0, "waiting": 0}
    pause = call(
        "post",
        "/sessions",
        conference.organiser,
        json={
            "kind": "break",
            "title": "Coffee",
            "starts_at": "2030-10-26T16:00",
            "ends_at": "2030-10-26T16:30",
        },
    )
    assert pause.status_code == 201, pause.json
    assert pause.json["session"]["room"] is None


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"starts_at": "2030-10-24T10:00", "ends_at": "2030-10-24T11:00"}, 422, "outside_event", "starts_at"),
        ({"starts_at": "2030-10-25T10:00", "ends_at": "2030-10-25T09:00"}, 422, "invalid_input", "ends_at"),
        ({"starts_at": "soon", "ends_at": "2030-10-25T09:00"}, 422, "invalid_input", "starts_at"),
        ({"room_id": None}, 422, "invalid_input", "room_id"),
        ({"room_id": 999999}, 404, "not_found", "room_id"),
        ({"speaker_ids": [999999]}, 404, "not_found", "speaker_ids"),
        ({"kind": "party"}, 422, "invalid_input", "kind"),
        ({"title": 7}, 422, "invalid_input", "title"),
        ({"capacity": 0}, 422, "invalid_input", "capacity"),
        ({"colour": "#000000"}, 422, "invalid_input", "colour"),  # an unknown field is refused, not dropped
        ({"speaker_ids": "1,2"}, 422, "invalid_input", "speaker_ids"),
    ],
)
def test_a_session_that_does_not_fit_is_refused_and_nothing_is_added(
    call, conference, session, body, status, code, field
):
    before = _count(session, ProgrammeSession)
    valid = {
        "title": "Late talk",
        "starts_at": "2030-10-26T17:00",
        "ends_at": "2030-10-26T17:30",
        "room_id": conference.small.id,
    }
    error = _error(call("post", "/sessions", conference.organiser, json={**valid, **body}), status, code)
    assert error.get("field") == field or field in error.get("fields", {}), error
    assert _count(session, ProgrammeSession) == before


def test_moving_a_session_into_a_taken_room_names_the_session_in_the_way(call, conference, session):
    web, data = conference.sessions["web"], conference.sessions["data"]
    error = _error(
        call("patch", f"/sessions/{data.id}", conference.organiser, json={"room_id": conference.main.id}),
        409,
        "room_taken",
    )
    assert (error["field"], error["session_id"]) == ("room_id", web.id)
    assert "Fast pages" in error["message"]
    session.expire_all()
    assert session.get(ProgrammeSession, data.id).room_id == conference.small.id


def test_a_speaker_in_two_places_at_once_is_refused(call, conference, session):
    web, data = conference.sessions["web"], conference.sessions["data"]
    body = {"speaker_ids": [conference.grace.id]}
    error = _error(
        call("patch", f"/sessions/{data.id}", conference.organiser, json=body), 409, "speaker_busy"
    )
    assert (error["field"], error["session_id"]) == ("speaker_ids", web.id)
    assert "Grace Hopper" in error["message"]
    session.expire_all()
    assert session.get(ProgrammeSession, data.id).speakers == []


def test_a_patch_changes_only_what_it_names_and_a_move_raises_the_sequence(call, conference, session):
    talk = conference.sessions["web"]
    path = f"/sessions/{talk.id}"
    renamed = call("patch", path, conference.organiser, json={"title": "Faster pages"})
    assert renamed.status_code == 200, renamed.json
    assert (renamed.json["session"]["title"], renamed.json["session"]["sequence"]) == ("Faster pages", 0)
    assert renamed.json["session"]["track"]["id"] == conference.web.id
    moved = call(
        "patch",
        path,
        conference.organiser,
        json={"starts_at": "2030-10-25T15:00", "ends_at": "2030-10-25T15:45", "track_id": None},
    )
    assert moved.status_code == 200, moved.json
    one = moved.json["session"]
    assert (one["starts_at"], one["sequence"], one["track"]) == ("2030-10-25T13:00:00+00:00", 1, None)
    assert [s["id"] for s in one["speakers"]] == [conference.grace.id]
    sunday = conference.sessions["sunday"]
    roomed = call(
        "patch", f"/sessions/{sunday.id}", conference.organiser, json={"room_id": conference.small.id}
    )
    assert roomed.json["session"]["room"] == {"id": conference.small.id, "name": "Room B"}
    assert roomed.json["session"]["sequence"] == 1
    _error(call("patch", path, conference.organiser, json={"title": ""}), 422, "invalid_input")
    _error(call("patch", path, conference.organiser, json={"room": "Main"}), 422, "invalid_input")
    _error(call("patch", "/sessions/999999", conference.organiser, json={"title": "x"}), 404, "not_found")


def test_cancelling_keeps_the_session_marked_and_deleting_removes_an_unfollowed_one(
    call, conference, session
):
    talk, other = conference.sessions["web"], conference.sessions["sunday"]
    cancelled = call("post", f"/sessions/{talk.id}/cancel", conference.organiser)
    assert cancelled.status_code == 200, cancelled.json
    assert (cancelled.json["session"]["status"], cancelled.json["session"]["sequence"]) == ("cancelled", 1)
    assert call("post", f"/sessions/{talk.id}/cancel", conference.organiser).json["session"]["sequence"] == 1
    _error(
        call("patch", f"/sessions/{talk.id}", conference.organiser, json={"title": "x"}), 409, "invalid_state"
    )
    assert _by_title(call("get", "/sessions").json)["Fast pages"]["status"] == "cancelled"
    assert call("post", f"/sessions/{other.id}/star", conference.member).status_code == 200
    _error(call("delete", f"/sessions/{other.id}", conference.organiser), 409, "invalid_state")
    lunch = conference.sessions["lunch"]
    deleted = call("delete", f"/sessions/{lunch.id}", conference.organiser)
    assert (deleted.status_code, deleted.data) == (204, b"")
    _error(call("get", f"/sessions/{lunch.id}"), 404, "not_found")
    session.expire_all()
    assert session.get(ProgrammeSession, talk.id).status is SessionStatus.cancelled


# Speakers


def test_anyone_reads_the_speakers_with_their_sessions_but_never_an_account_email(call, conference):
    response = call("get", "/speakers")
    assert response.status_code == 200, response.json
    assert conference.ada_member.email not in response.text
    ada, grace = response.json["speakers"]
    s = conference.sessions
    assert ada == {
        "id": conference.ada.id,
        "name": "Ada Lovelace",
        "pronouns": "she/her",
        "affiliation": "Analytical Engines",
        "bio": "Wrote the *first* program.",
        "links": ["https://example.org/ada"],
        "url": f"{BASE}/e/{conference.event.id}/speakers/{conference.ada.id}",
        "session_ids": [s["keynote"].id, s["workshop"].id],
        "member": None,
    }
    assert grace["session_ids"] == [s["web"].id, s["workshop"].id]
    one = call("get", f"/speakers/{conference.grace.id}")
    assert one.status_code == 200 and one.json["speaker"] == grace
    _error(call("get", "/speakers/999999"), 404, "not_found")
    theirs = call("get", "/speakers", conference.organiser)
    assert theirs.json["speakers"][0]["member"] == {"id": conference.ada_member.id, "name": "Ada Lovelace"}
    assert conference.ada_member.email not in theirs.text


def test_an_organiser_adds_changes_and_removes_a_speaker_linked_to_an_account(call, conference, session):
    linus = make_member(session, name="Linus")
    body = {
        "name": "Linus T.",
        "bio": "Kernels.",
        "links": ["https://example.org/l"],
        "email": linus.email.upper(),
    }
    made = call("post", "/speakers", conference.organiser, json=body)
    assert made.status_code == 201, made.json
    speaker = made.json["speaker"]
    assert (speaker["name"], speaker["links"], speaker["session_ids"]) == (
        "Linus T.",
        ["https://example.org/l"],
        [],
    )
    assert speaker["member"] == {"id": linus.id, "name": "Linus"} and linus.email not in made.text
    path = f"/speakers/{speaker['id']}"
    changed = call("patch", path, conference.organiser, json={"pronouns": "he/him"})
    assert changed.status_code == 200, changed.json
    after = changed.json["speaker"]
    assert (after["pronouns"], after["bio"], after["links"]) == (
        "he/him",
        "Kernels.",
        ["https://example.org/l"],
    )
    assert after["member"]["id"] == linus.id  # the link stays unless the body names another
    unlinked = call("patch", path, conference.organiser, json={"email": None})
    assert unlinked.json["speaker"]["member"] is None
    deleted = call("delete", path, conference.organiser)
    assert deleted.status_code == 204
    assert session.get(Speaker, speaker["id"]) is None


def test_a_speaker_linked_to_an_account_holds_the_speaker_role_while_they_have_a_session(
    call, conference, session
):
    linus = make_member(session, name="Linus")
    made = call("post", "/speakers", conference.organiser, json={"name": "Linus", "email": linus.email})
    speaker_id = made.json["speaker"]["id"]
    talk = conference.sessions["sunday"]
    assert (
        call(
            "patch", f"/sessions/{talk.id}", conference.organiser, json={"speaker_ids": [speaker_id]}
        ).status_code
        == 200
    )
    session.expire_all()
    roles = session.scalars(
        select(EventStaff.role).where(
            EventStaff.event_id == conference.event.id, EventStaff.member_id == linus.id
        )
    )
    assert list(roles) == [StaffRole.speaker]


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"name": ""}, 422, "invalid_input", "name"),
        ({"links": ["ftp://example.org"]}, 422, "invalid_input", "links"),
        ({"email": "nobody@example.test"}, 404, "not_found", "email"),
        ({"twitter": "@x"}, 422, "invalid_input", "twitter"),
    ],
)
def test_a_bad_speaker_is_refused_naming_the_field(call, conference, session, body, status, code, field):
    before = _count(session, Speaker)
    error = _error(call("post", "/speakers", conference.organiser, json={"name": "X", **body}), status, code)
    assert error.get("field") == field or field in error.get("fields", {}), error
    assert _count(session, Speaker) == before


def test_linking_an_account_already_speaking_here_is_refused(call, conference):
    body = {"email": conference.ada_member.email}
    error = _error(
        call("patch", f"/speakers/{conference.grace.id}", conference.organiser, json=body),
        422,
        "invalid_input",
    )
    assert error["field"] == "email"


# Rooms and tracks


def test_rooms_are_listed_added_changed_and_removed_unless_in_use(call, conference, session):
    listed = call("get", "/rooms")
    assert listed.status_code == 200
    assert listed.json["rooms"] == [
        {"id": conference.main.id, "name": "Main hall", "capacity": 300, "position": 0},
        {"id": conference.small.id, "name": "Room B", "capacity": 40, "position": 1},
    ]
    made = call("post", "/rooms", conference.organiser, json={"name": "Garden", "position": 2})
    assert made.status_code == 201, made.json
    room = made.json["room"]
    assert (room["name"], room["capacity"], room["position"]) == ("Garden", None, 2)
    changed = call("patch", f"/rooms/{room['id']}", conference.organiser, json={"capacity": 25})
    assert changed.json["room"] == {**room, "capacity": 25}
    _error(call("post", "/rooms", conference.organiser, json={"name": "main hall"}), 422, "invalid_input")
    _error(call("patch", "/rooms/999999", conference.organiser, json={"capacity": 1}), 404, "not_found")
    error = _error(call("delete", f"/rooms/{conference.small.id}", conference.organiser), 409, "room_in_use")
    assert "Room B" in error["message"]
    assert call("delete", f"/rooms/{room['id']}", conference.organiser).status_code == 204
    assert session.get(Room, room["id"]) is None
    assert _count(session, Room) == 2


def test_tracks_are_listed_added_changed_and_removed_leaving_their_sessions(call, conference, session):
    assert call("get", "/tracks").json["tracks"] == [
        {"id": conference.data.id, "name": "Data", "colour": "#8a4fff"},
        {"id": conference.web.id, "name": "Web", "colour": "#1a7f5a"},
    ]
    made = call("post", "/tracks", conference.organiser, json={"name": "Ops", "colour": "#AA0000"})
    assert made.status_code == 201, made.json
    track = made.json["track"]
    assert (track["name"], track["colour"]) == ("Ops", "#aa0000")
    renamed = call("patch", f"/tracks/{track['id']}", conference.organiser, json={"name": "DevOps"})
    assert renamed.json["track"] == {**track, "name": "DevOps"}
    _error(
        call("patch", f"/tracks/{track['id']}", conference.organiser, json={"colour": "red"}),
        422,
        "invalid_input",
    )
    assert call("delete", f"/tracks/{conference.web.id}", conference.organiser).status_code == 204
    assert _by_title(call("get", "/sessions").json)["Fast pages"]["track"] is None
    assert _count(session, Track) == 2


# Who may change the programme


def _manager_calls(c) -> dict[str, tuple[str, str, dict | None]]:
    talk, lunch = c.sessions["web"], c.sessions["lunch"]
    body = {
        "title": "T",
        "starts_at": "2030-10-26T17:00",
        "ends_at": "2030-10-26T17:30",
        "room_id": c.small.id,
    }
    return {
        "add session": ("post", "/sessions", body),
        "change session": ("patch", f"/sessions/{talk.id}", {"title": "Taken over"}),
        "cancel session": ("post", f"/sessions/{talk.id}/cancel", None),
        "delete session": ("delete", f"/sessions/{lunch.id}", None),
        "add speaker": ("post", "/speakers", {"name": "Mallory"}),
        "change speaker": ("patch", f"/speakers/{c.grace.id}", {"name": "Mallory"}),
        "delete speaker": ("delete", f"/speakers/{c.grace.id}", None),
        "add room": ("post", "/rooms", {"name": "Cellar"}),
        "change room": ("patch", f"/rooms/{c.small.id}", {"name": "Cellar"}),
        "delete room": ("delete", f"/rooms/{c.small.id}", None),
        "add track": ("post", "/tracks", {"name": "Evil"}),
        "change track": ("patch", f"/tracks/{c.web.id}", {"name": "Evil"}),
        "delete track": ("delete", f"/tracks/{c.web.id}", None),
    }


MANAGER_CALLS = [
    "add session",
    "change session",
    "cancel session",
    "delete session",
    "add speaker",
    "change speaker",
    "delete speaker",
    "add room",
    "change room",
    "delete room",
    "add track",
    "change track",
    "delete track",
]


@pytest.mark.parametrize("who", ["stranger", "member", "speaker", "nobody"])
@pytest.mark.parametrize("which", MANAGER_CALLS)
def test_only_organisers_change_the_programme(call, conference, session, who, which):
    method, path, body = _manager_calls(conference)[which]
    member = {
        "stranger": conference.stranger,
        "member": conference.member,
        "speaker": conference.ada_member,
    }.get(who)
    counts = [_count(session, model) for model in (ProgrammeSession, Speaker, Room, Track)]
    response = call(method, path, member, **({"json": body} if body is not None else {}))
    if who == "nobody":
        _error(response, 401, "login_required")
    else:
        _error(response, 403, "forbidden")
    assert [_count(session, model) for model in (ProgrammeSession, Speaker, Room, Track)] == counts
    session.expire_all()
    assert session.get(ProgrammeSession, conference.sessions["web"].id).title == "Fast pages"
    assert session.get(ProgrammeSession, conference.sessions["web"].id).status is SessionStatus.scheduled
    assert session.get(Speaker, conference.grace.id).name == "Grace Hopper"


# My agenda


def test_members_star_sessions_and_see_their_clashes(call, conference):
    s, member = conference.sessions, conference.member
    first = call("post", f"/sessions/{s['web'].id}/star", member)
    assert first.status_code == 200, first.json
    assert first.json == {"session_ids": [s["web"].id], "clashes": []}
    assert call("post", f"/sessions/{s['web'].id}/star", member).json == first.json  # again is fine
    both = call("post", f"/sessions/{s['data'].id}/star", member).json
    assert both == {
        "session_ids": sorted([s["web"].id, s["data"].id]),
        "clashes": [[s["web"].id, s["data"].id]],
    }
    assert call("get", "/agenda/mine", member).json == both
    assert call("get", "/agenda/mine", conference.stranger).json == {"session_ids": [], "clashes": []}
    left = call("delete", f"/sessions/{s['data'].id}/star", member)
    assert left.status_code == 200 and left.json == first.json
    _error(call("post", f"/sessions/{s['lunch'].id}/star", member), 422, "invalid_input")
    _error(call("post", "/sessions/999999/star", member), 404, "not_found")
    _error(call("delete", "/sessions/999999/star", member), 404, "not_found")


def test_my_agenda_can_be_replaced_whole_and_an_unknown_id_changes_nothing(call, conference, session):
    s, member = conference.sessions, conference.member
    call("post", f"/sessions/{s['web'].id}/star", member)
    body = {"session_ids": [s["keynote"].id, s["sunday"].id, s["lunch"].id, s["keynote"].id]}
    replaced = call("put", "/agenda/mine", member, json=body)
    assert replaced.status_code == 200, replaced.json
    assert replaced.json == {
        "session_ids": sorted([s["keynote"].id, s["sunday"].id]),
        "clashes": [],
    }  # no break
    error = _error(
        call("put", "/agenda/mine", member, json={"session_ids": [s["web"].id, 999999]}), 404, "not_found"
    )
    assert error["field"] == "session_ids" and "999999" in error["message"]
    assert call("get", "/agenda/mine", member).json == replaced.json
    session.expire_all()
    assert _count(session, Star) == 2
    for bad in ({"session_ids": "1,2"}, {"session_ids": [1.5]}, {}, {"session_ids": [], "extra": 1}):
        _error(call("put", "/agenda/mine", member, json=bad), 422, "invalid_input")
    assert call("put", "/agenda/mine", member, json={"session_ids": []}).json == {
        "session_ids": [],
        "clashes": [],
    }


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/agenda/mine", None),
        ("put", "/agenda/mine", {"session_ids": []}),
        ("post", "/sessions/{id}/star", None),
        ("delete", "/sessions/{id}/star", None),
        ("post", "/sessions/{id}/registration", None),
        ("delete", "/sessions/{id}/registration", None),
    ],
)
def test_my_agenda_and_seats_need_a_login(call, conference, method, path, body):
    path = path.format(id=conference.sessions["workshop"].id)
    _error(call(method, path, None, **({"json": body} if body else {})), 401, "login_required")


# Workshop seats


def test_a_workshop_fills_then_its_line_moves_when_a_seat_frees(call, conference, session):
    workshop = conference.sessions["workshop"]  # two seats
    a, b, c = going(session, conference, "A", "B", "C")
    path = f"/sessions/{workshop.id}/registration"
    answers = [call("post", path, m) for m in (a, b, c)]
    assert [r.status_code for r in answers] == [200, 200, 200], [r.json for r in answers]
    assert [r.json["registration"] for r in answers] == [
        {"status": "going", "waitlist_position": None},
        {"status": "going", "waitlist_position": None},
        {"status": "waitlisted", "waitlist_position": 1},
    ]
    assert call("post", path, c).json == answers[2].json  # registering again changes nothing
    listed = _by_title(call("get", "/sessions", c).json)["Hands-on testing"]
    assert listed["seats"] == {"taken": 2, "waiting": 1}
    assert listed["registration"] == {"status": "waitlisted", "waitlist_position": 1}
    left = call("delete", path, a)
    assert left.status_code == 200, left.json
    assert left.json == {"registration": {"status": "cancelled", "waitlist_position": None}}
    now_c = call("get", f"/sessions/{workshop.id}", c).json["session"]
    assert now_c["registration"] == {"status": "going", "waitlist_position": None}
    assert now_c["seats"] == {"taken": 2, "waiting": 0}
    assert call("get", f"/sessions/{workshop.id}", a).json["session"]["registration"] is None
    session.expire_all()
    told = session.scalars(select(Message.member_id).where(Message.kind == "workshop_seat"))
    assert list(told) == [c.id]


def test_workshop_seats_are_for_members_going_to_the_event_and_only_at_workshops(call, conference, session):
    workshop, talk = conference.sessions["workshop"], conference.sessions["web"]
    before = _count(session, Registration)
    _error(call("post", f"/sessions/{workshop.id}/registration", conference.member), 409, "not_going")
    [a] = going(session, conference, "A")
    _error(call("post", f"/sessions/{talk.id}/registration", a), 409, "no_registration")
    _error(call("post", "/sessions/999999/registration", a), 404, "not_found")
    _error(call("delete", f"/sessions/{workshop.id}/registration", a), 404, "not_found")
    assert _count(session, Registration) == before
    call("post", f"/sessions/{workshop.id}/cancel", conference.organiser)
    _error(call("post", f"/sessions/{workshop.id}/registration", a), 409, "invalid_state")


def test_registration_closes_when_the_workshop_starts(call, conference, session, monkeypatch):
    workshop = conference.sessions["workshop"]
    [a] = going(session, conference, "A")
    monkeypatch.setattr(clock, "now", lambda: workshop.starts_at)
    _error(call("post", f"/sessions/{workshop.id}/registration", a), 409, "rsvp_closed")


# Queries


def _busy_programme(session, conference, extra: int):
    """`extra` more talks, each with a speaker, a track, a star and a workshop seat in line."""
    members = going(session, conference, *(f"Fan {i}" for i in range(3)))
    for i in range(extra):
        speaker = lineup.save_speaker(
            session, event=conference.event, actor=conference.organiser, values={"name": f"S{i}"}, now=NOW
        )
        item = conference.add(
            session,
            f"extra{i}",
            title=f"Extra {i}",
            kind="workshop",
            starts_at=f"2030-10-26T{9 + i // 2:02d}:{30 * (i % 2):02d}",
            ends_at=f"2030-10-26T{9 + i // 2:02d}:{30 * (i % 2) + 25:02d}",
            room_id=conference.main.id,
            track_id=conference.web.id,
            speaker_ids=[speaker.id],
            capacity=1,
        )
        session.add(Star(session_id=item.id, member_id=members[2].id, starred_at=NOW))
        for member in members:
            registrations.register(
                session, event=conference.event, session_id=item.id, member=member, now=NOW
            )
    session.commit()
    return members[2]  # waitlisted everywhere, starred everything


@pytest.mark.parametrize("who", ["nobody", "fan", "organiser"])
def test_the_programme_and_speakers_load_in_a_fixed_number_of_queries(
    call, conference, session, count_queries, who
):
    def measure(path: str) -> int:
        member = {"nobody": None, "fan": fan, "organiser": conference.organiser}[who]
        call("get", path, member)  # the token's first use is recorded once, outside the count
        count_queries.clear()
        response = call("get", path, member)
        assert response.status_code == 200, response.json
        return len(count_queries)

    fan = _busy_programme(session, conference, 1)
    small = (measure("/sessions"), measure("/speakers"))
    fan_mine = _by_title(call("get", "/sessions", fan).json)["Extra 0"]["registration"]
    assert fan_mine == {"status": "waitlisted", "waitlist_position": 2}
    for i in range(1, 8):
        _more(session, conference, i, fan)
    assert (measure("/sessions"), measure("/speakers")) == small


def _more(session, conference, i, fan):
    speaker = lineup.save_speaker(
        session, event=conference.event, actor=conference.organiser, values={"name": f"More {i}"}, now=NOW
    )
    item = conference.add(
        session,
        f"more{i}",
        title=f"More {i}",
        kind="workshop",
        starts_at=f"2030-10-27T{10 + i}:00",
        ends_at=f"2030-10-27T{10 + i}:30",
        room_id=conference.small.id,
        track_id=conference.data.id,
        speaker_ids=[speaker.id],
        capacity=5,
    )
    session.add(Star(session_id=item.id, member_id=fan.id, starred_at=NOW))
    registrations.register(session, event=conference.event, session_id=item.id, member=fan, now=NOW)
    session.commit()


# The OpenAPI document


def test_the_programme_api_is_described(client):
    spec = client.get("/api/v1/openapi.json").json
    paths = spec["paths"]
    expected = {
        "/api/v1/events/{event_id}/sessions": {"get", "post"},
        "/api/v1/events/{event_id}/sessions/{session_id}": {"get", "patch", "delete"},
        "/api/v1/events/{event_id}/sessions/{session_id}/cancel": {"post"},
        "/api/v1/events/{event_id}/sessions/{session_id}/star": {"post", "delete"},
        "/api/v1/events/{event_id}/sessions/{session_id}/registration": {"post", "delete"},
        "/api/v1/events/{event_id}/speakers": {"get", "post"},
        "/api/v1/events/{event_id}/speakers/{speaker_id}": {"get", "patch", "delete"},
        "/api/v1/events/{event_id}/rooms": {"get", "post"},
        "/api/v1/events/{event_id}/rooms/{room_id}": {"patch", "delete"},
        "/api/v1/events/{event_id}/tracks": {"get", "post"},
        "/api/v1/events/{event_id}/tracks/{track_id}": {"patch", "delete"},
        "/api/v1/events/{event_id}/agenda/mine": {"get", "put"},
    }
    for path, methods in expected.items():
        assert methods <= set(paths[path]), path
    public = {("/api/v1/events/{event_id}/sessions", "get"), ("/api/v1/events/{event_id}/speakers", "get")}
    for path, method in public:
        assert "security" not in paths[path][method]
    patch = paths["/api/v1/events/{event_id}/sessions/{session_id}"]["patch"]
    assert set(patch["responses"]) >= {"200", "401", "403", "404", "409", "422"}
    assert "room_taken" in patch["responses"]["409"]["description"]
    schemas = spec["components"]["schemas"]
    assert schemas["SessionIn"]["additionalProperties"] is False
    assert set(schemas["SessionIn"]["required"]) == {"title", "starts_at", "ends_at"}
    assert schemas["SessionChanges"].get("required", []) == []
    query = {
        p["name"]
        for p in paths["/api/v1/events/{event_id}/sessions"]["get"]["parameters"]
        if p["in"] == "query"
    }
    assert query == {"track", "room", "language", "level", "day"}


# Bad input never gives a 500

LATE = {"title": "X", "starts_at": "2030-10-26T17:00", "ends_at": "2030-10-26T17:30"}


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("get", "/sessions/99999999999", None, 404),
        ("get", "/speakers/99999999999", None, 404),
        ("patch", "/rooms/99999999999", {"name": "X"}, 404),
        ("post", "/sessions/99999999999/registration", None, 404),
        ("put", "/agenda/mine", {"session_ids": [99999999999999999999]}, 422),
        ("put", "/agenda/mine", {"session_ids": [True]}, 422),
        ("post", "/sessions", {**LATE, "room_id": 99999999999999}, 422),
        ("post", "/sessions", {**LATE, "room_id": 1, "speaker_ids": [2**40]}, 422),
        ("post", "/sessions", {**LATE, "title": "X\u0000"}, 422),
        ("post", "/rooms", {"name": "X", "capacity": -1}, 422),
        ("post", "/rooms", {"name": "X" * 101}, 422),
        ("post", "/tracks", {"name": "X", "colour": None}, 201),
    ],
)  # fmt: skip
def test_odd_input_is_refused_in_the_error_shape(call, conference, method, path, body, status):
    response = call(method, path, conference.organiser, **({"json": body} if body is not None else {}))
    assert response.status_code == status, response.json
    if status >= 400:
        assert response.json["error"]["code"] in {"not_found", "invalid_input"}
    huge = call("get", "/sessions?track=99999999999999999999")
    assert huge.status_code == 422 and huge.json["error"]["code"] == "invalid_input"
    elsewhere = call.client.get(f"{API}/events/99999999999/sessions")
    assert elsewhere.status_code == 404 and elsewhere.json["error"]["code"] == "not_found"
