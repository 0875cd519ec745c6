"""Feedback on the programme's sessions through the event's survey: who is asked about which sessions, the
answer with its ratings and comments (HTML and API, one rule), what is refused, and the results: every
session for the organisers, a speaker's own sessions for a speaker, nothing for anyone else; anonymity holds
(comments without names, a session's results only from a few answers on)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meetups import clock
from meetups.accounts.models import Member
from meetups.checkin.models import CheckIn
from meetups.communities.models import CommunityRole
from meetups.programme.models import ProgrammeSession, SessionCheckIn, Star
from meetups.recognition import service as recognition
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.rsvps.tickets import new_code
from meetups.surveys import service as surveys
from meetups.surveys import session_results
from meetups.surveys.models import SessionFeedback, Survey, SurveyResponse
from tests.factories import bearer, join, make_event, make_member
from tests.programme.conftest import ENDS, NOW, STARTS, Conference

API = "/api/v1"
#: two hours after the conference: it is closed, its survey open
AFTER = ENDS + timedelta(hours=2)


@dataclass
class Surveyed:
    conf: Conference
    survey: Survey
    #: came to the conference (checked in at its door), beyond the fixture's member and Ada
    others: list[Member]
    rsvps: dict[int, Rsvp] = field(default_factory=dict)

    def ids(self, *keys: str) -> list[int]:
        return [self.conf.sessions[k].id for k in keys]

    def answers(self) -> dict[str, int]:
        keys = {q.kind.value: str(q.id) for q in self.survey.questions}
        return {keys["rating"]: 4, keys["nps"]: 9}


def _attend(session, event, member) -> Rsvp:
    rsvp = Rsvp(
        event=event,
        member=member,
        status=RsvpStatus.going,
        guests=0,
        created_at=NOW,
        updated_at=NOW,
        ticket_code=new_code(),
    )
    session.add(rsvp)
    session.flush()
    session.add(CheckIn(event_id=event.id, rsvp=rsvp, checked_in_at=STARTS, recorded_at=STARTS))
    return rsvp


def _scan(session, s: Surveyed, member, key: str) -> None:
    item = s.conf.sessions[key]
    session.add(
        SessionCheckIn(session_id=item.id, rsvp_id=s.rsvps[member.id].id, checked_in_at=item.starts_at)
    )


def _star(session, s: Surveyed, member, key: str) -> None:
    session.add(Star(session_id=s.conf.sessions[key].id, member_id=member.id, starred_at=NOW))


@pytest.fixture
def surveyed(session, monkeypatch, conference):
    """make(anonymous=False, others=3) -> Surveyed. The conference is over (the clock reads AFTER), everyone
    came: Mia (the fixture's member) was scanned into the keynote and "Tables at scale" and starred "Fast
    pages", the keynote again and lunch; Ada (who gives the keynote and the workshop) starred her keynote and
    "Fast pages"; `others` came and starred the keynote. The default survey opened when the event closed."""

    def _make(*, anonymous=False, others=3) -> Surveyed:
        monkeypatch.setattr(clock, "now", lambda: AFTER)
        conf = conference
        people = [
            join(session, conf.community, make_member(session), CommunityRole.member).member
            for _ in range(others)
        ]
        survey = surveys.set_survey(
            session,
            event_id=conf.event.id,
            actor=conf.organiser,
            template="default",
            anonymous=anonymous,
            now=NOW,
        )
        s = Surveyed(conf, survey, people)
        for member in [conf.member, conf.ada_member, *people]:
            s.rsvps[member.id] = _attend(session, conf.event, member)
        session.flush()
        _scan(session, s, conf.member, "keynote")
        _scan(session, s, conf.member, "data")
        for key in ("web", "keynote", "lunch"):
            _star(session, s, conf.member, key)
        for key in ("keynote", "web"):
            _star(session, s, conf.ada_member, key)
        for member in people:
            _star(session, s, member, "keynote")
        session.flush()
        recognition.close_event(session, event_id=conf.event.id, actor=conf.organiser, now=AFTER)
        session.commit()
        return s

    return _make


def _answer(session, site, s: Surveyed, member, sessions, *, edit=False):
    return surveys.submit_response(
        session,
        event_id=s.conf.event.id,
        member=member,
        answers=s.answers(),
        sessions=sessions,
        secret=site.secret_key,
        now=AFTER,
        edit=edit,
    )


def _form(s: Surveyed, **sessions) -> dict[str, str]:
    """The answer page's fields: the survey's answers, and {session key: (rating, comment)}."""
    data = {f"q-{key}": str(value) for key, value in s.answers().items()}
    for key, (rating, comment) in sessions.items():
        item_id = s.conf.sessions[key].id
        data |= {f"s-{item_id}-rating": str(rating), f"s-{item_id}-comment": comment}
    return data


def _stored(session) -> dict[int, tuple[int | None, str]]:
    session.expire_all()
    rows = session.scalars(select(SessionFeedback))
    return {row.session_id: (row.rating, row.comment) for row in rows}


# Who is asked about which sessions


def test_attended_sessions_come_first_then_starred_ones_never_breaks_nor_their_own_talks(
    session, site, surveyed
):
    s = surveyed()
    conf = s.conf
    mia = surveys.get_answering(
        session, event_id=conf.event.id, viewer=conf.member, secret=site.secret_key, now=AFTER
    )
    assert [(o.item.title, o.attended) for o in mia.sessions] == [
        ("Opening keynote", True),
        ("Tables at scale", True),
        ("Fast pages", False),
    ]
    ada = surveys.get_answering(
        session, event_id=conf.event.id, viewer=conf.ada_member, secret=site.secret_key, now=AFTER
    )
    assert [o.item.title for o in ada.sessions] == ["Fast pages"]  # not her own keynote
    other = surveys.get_answering(
        session, event_id=conf.event.id, viewer=s.others[0], secret=site.secret_key, now=AFTER
    )
    assert [o.item.title for o in other.sessions] == ["Opening keynote"]


def test_the_answer_page_offers_only_those_sessions_folded_by_day(client, login, surveyed):
    s = surveyed()
    login(s.conf.member)
    page = client.get(f"/e/{s.conf.event.id}/survey").text
    for key in ("keynote", "data", "web"):
        assert f'name="s-{s.conf.sessions[key].id}-rating"' in page
    for key in ("lunch", "workshop", "sunday"):
        assert f'name="s-{s.conf.sessions[key].id}-rating"' not in page
    assert page.count('<details class="session-day"') == 1  # all three on Friday
    assert "You were there" in page and "On your schedule" in page
    assert page.index("Opening keynote") < page.index("Tables at scale") < page.index("Fast pages")


def test_a_member_who_neither_attended_nor_starred_a_session_sees_no_sessions(
    client, login, session, surveyed
):
    s = surveyed()
    session.execute(Star.__table__.delete().where(Star.member_id == s.others[1].id))
    session.commit()
    login(s.others[1])
    page = client.get(f"/e/{s.conf.event.id}/survey").text
    assert "session-feedback" not in page and 'name="q-' in page


# Answering


def test_answering_on_the_page_stores_ratings_and_comments_and_editing_replaces_them(
    client, login, session, surveyed
):
    s = surveyed()
    login(s.conf.member)
    url = f"/e/{s.conf.event.id}/survey"
    response = client.post(
        url, data=_form(s, keynote=(5, " Inspiring "), data=("", ""), web=("", "Too fast"))
    )
    assert response.status_code == 302, response.text
    keynote, data, web = s.ids("keynote", "data", "web")
    assert _stored(session) == {keynote: (5, "Inspiring"), web: (None, "Too fast")}
    page = client.get(url).text
    assert f'name="s-{keynote}-rating" value="5" checked' in page and "Too fast</textarea>" in page
    response = client.post(url, data=_form(s, keynote=("", ""), data=(2, ""), web=("", "Too fast")))
    assert response.status_code == 302
    assert _stored(session) == {data: (2, ""), web: (None, "Too fast")}


def test_answering_over_the_api_with_sessions_and_changing_them(client, session, surveyed):
    s = surveyed()
    conf, headers = s.conf, bearer(session, s.conf.member)
    keynote, data, web = s.ids("keynote", "data", "web")
    got = client.get(f"{API}/events/{conf.event.id}/survey", headers=headers).json["survey"]
    assert [(x["id"], x["attended"]) for x in got["sessions"]] == [
        (keynote, True),
        (data, True),
        (web, False),
    ]
    assert got["sessions"][0]["room"] == "Main hall" and got["my_sessions"] is None
    body = {
        "answers": s.answers(),
        "sessions": {str(keynote): {"rating": 4, "comment": "Good"}, str(web): {"rating": 3}},
    }
    response = client.post(f"{API}/events/{conf.event.id}/survey/responses", json=body, headers=headers)
    assert response.status_code == 201, response.json
    assert response.json["response"]["sessions"] == {
        str(keynote): {"rating": 4, "comment": "Good"},
        str(web): {"rating": 3, "comment": ""},
    }
    mine = f"{API}/events/{conf.event.id}/survey/responses/mine"
    response = client.put(mine, json={"answers": s.answers()}, headers=headers)  # no "sessions": kept
    assert response.status_code == 200 and set(response.json["response"]["sessions"]) == {
        str(keynote),
        str(web),
    }
    response = client.put(
        mine, json={"answers": s.answers(), "sessions": {str(data): {"rating": 1}}}, headers=headers
    )
    assert response.json["response"]["sessions"] == {str(data): {"rating": 1, "comment": ""}}
    assert _stored(session) == {data: (1, "")}
    got = client.get(f"{API}/events/{conf.event.id}/survey", headers=headers).json["survey"]
    assert got["my_sessions"] == {str(data): {"rating": 1, "comment": ""}}


def test_a_rating_of_7_is_refused_on_the_page_naming_the_session_and_nothing_is_stored(
    client, login, session, surveyed
):
    s = surveyed()
    login(s.conf.member)
    response = client.post(f"/e/{s.conf.event.id}/survey", data=_form(s, keynote=(5, "Fine"), data=(7, "")))
    assert response.status_code == 422
    page = response.text
    data = s.conf.sessions["data"].id
    assert f'<a href="#session-{data}">Tables at scale</a>: please choose a number from 1 to 5.' in page
    assert f'id="session-error-{data}">please choose a number from 1 to 5.' in page
    assert "Fine</textarea>" in page  # what was typed stays
    assert _stored(session) == {} and session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


def test_a_rating_of_7_is_refused_over_the_api_naming_the_session(client, session, surveyed):
    s = surveyed()
    headers = bearer(session, s.conf.member)
    keynote, data = s.ids("keynote", "data")
    body = {"answers": s.answers(), "sessions": {str(keynote): {"rating": 4}, str(data): {"rating": 7}}}
    response = client.post(f"{API}/events/{s.conf.event.id}/survey/responses", json=body, headers=headers)
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid_answer" and error["field"] == "sessions" and error["session"] == data
    assert error["message"].startswith("Tables at scale:") and set(error["sessions"]) == {str(data)}
    assert _stored(session) == {} and session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


def test_a_question_and_a_session_wrong_at_once_are_both_named(client, session, surveyed):
    s = surveyed()
    body = {"answers": {}, "sessions": {str(s.ids("data")[0]): {"rating": 0}}}
    response = client.post(
        f"{API}/events/{s.conf.event.id}/survey/responses", json=body, headers=bearer(session, s.conf.member)
    )
    error = response.json["error"]
    assert response.status_code == 422 and error["code"] == "answer_required"
    assert len(error["problems"]) == 2 and list(error["sessions"]) == [str(s.ids("data")[0])]


@pytest.mark.parametrize(
    "which, feedback",
    [
        ("other_event", {"rating": 4}),
        ("not_offered", {"rating": 4}),  # of this event, but neither attended nor starred
        ("break", {"rating": 4}),
        ("nonsense", {"rating": 4}),
        ("web", {"comment": "x" * 2001}),
        ("web", {"rating": True}),
    ],
)
def test_feedback_on_sessions_not_offered_or_out_of_bounds_is_refused(
    client, session, surveyed, which, feedback
):
    s = surveyed()
    conf = s.conf
    elsewhere = make_event(session, community=conf.community, starts_at=STARTS, ends_at=ENDS)
    other = ProgrammeSession(
        event_id=elsewhere.id,
        title="Elsewhere",
        starts_at=STARTS,
        ends_at=STARTS + timedelta(hours=1),
        created_at=NOW,
        updated_at=NOW,
    )
    session.add(other)
    session.commit()
    key = {
        "other_event": str(other.id),
        "not_offered": str(conf.sessions["sunday"].id),
        "break": str(conf.sessions["lunch"].id),
        "nonsense": "keynote",
        "web": str(conf.sessions["web"].id),
    }[which]
    body = {"answers": s.answers(), "sessions": {key: feedback}}
    response = client.post(
        f"{API}/events/{conf.event.id}/survey/responses", json=body, headers=bearer(session, conf.member)
    )
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] in ("invalid_answer", "invalid_input")
    assert _stored(session) == {} and session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


# Anonymity


def test_an_anonymous_survey_shows_comments_but_never_who_wrote_them(client, login, session, site, surveyed):
    s = surveyed(anonymous=True)
    keynote = s.ids("keynote")[0]
    for n, member in enumerate(s.others):
        _answer(session, site, s, member, {str(keynote): {"rating": 3 + n % 3, "comment": f"Note {n}"}})
    session.commit()
    rows = session.scalars(select(SurveyResponse)).all()
    assert rows and all(r.member_id is None for r in rows)
    login(s.conf.organiser)
    page = client.get(f"/e/{s.conf.event.id}/survey/results").text
    assert "Note 0" in page and "Note 2" in page
    assert all(member.name not in page for member in s.others)
    got = client.get(
        f"{API}/events/{s.conf.event.id}/survey/sessions", headers=bearer(session, s.conf.organiser)
    ).json
    result = next(r for r in got["sessions"] if r["id"] == keynote)
    assert result["ratings"] == 3 and result["average"] == 4.0 and not result["hidden"]
    assert {c["member"] for c in result["comments"]} == {None}
    assert [d["count"] for d in result["distribution"]] == [0, 0, 1, 1, 1]


def test_in_an_anonymous_survey_a_session_with_few_answers_shows_only_its_count(
    client, session, site, surveyed
):
    s = surveyed(anonymous=True)
    keynote = s.ids("keynote")[0]
    for member in s.others[: session_results.MIN_SHOWN - 1]:
        _answer(session, site, s, member, {str(keynote): {"rating": 1, "comment": "Telling"}})
    session.commit()
    headers = bearer(session, s.conf.ada_member)
    got = client.get(f"{API}/events/{s.conf.event.id}/survey/sessions", headers=headers).json
    result = next(r for r in got["sessions"] if r["id"] == keynote)
    assert result["hidden"] and result["answered"] == 2
    assert result["comments"] == [] and result["average"] is None and result["ratings"] == 0


def test_in_a_named_survey_organisers_see_who_commented_and_speakers_do_not(client, session, site, surveyed):
    s = surveyed()
    keynote = s.ids("keynote")[0]
    _answer(session, site, s, s.others[0], {str(keynote): {"rating": 5, "comment": "Loved it"}})
    session.commit()
    url = f"{API}/events/{s.conf.event.id}/survey/sessions"

    def comments(member):
        got = client.get(url, headers=bearer(session, member)).json
        return next(r for r in got["sessions"] if r["id"] == keynote)["comments"]

    assert comments(s.conf.organiser) == [
        {"text": "Loved it", "member": {"id": s.others[0].id, "name": s.others[0].name}}
    ]
    assert comments(s.conf.ada_member) == [{"text": "Loved it", "member": None}]


# Who reads the results


def _rate_everything(session, site, s: Surveyed) -> None:
    """Mia rates her three sessions, the others the keynote."""
    keynote, data, web = s.ids("keynote", "data", "web")
    given = {
        str(keynote): {"rating": 5},
        str(data): {"rating": 2, "comment": "Slides unreadable"},
        str(web): {"rating": 4},
    }
    _answer(session, site, s, s.conf.member, given)
    for member in s.others:
        _answer(session, site, s, member, {str(keynote): {"rating": 4, "comment": "Clear"}})
    session.commit()


def test_a_speaker_reads_the_results_of_their_own_sessions_only(client, login, session, site, surveyed):
    s = surveyed()
    _rate_everything(session, site, s)
    login(s.conf.ada_member)
    response = client.get(f"/e/{s.conf.event.id}/survey/sessions")
    assert response.status_code == 200
    page = response.text
    assert "Opening keynote" in page and "Hands-on testing" in page
    assert "Tables at scale" not in page and "Fast pages" not in page and "Slides unreadable" not in page
    assert "Average 4.2 of 5" in page and "Clear" in page
    assert all(member.name not in page for member in [s.conf.member, *s.others])
    got = client.get(
        f"{API}/events/{s.conf.event.id}/survey/sessions", headers=bearer(session, s.conf.ada_member)
    ).json
    assert got["scope"] == "own"
    assert {r["id"] for r in got["sessions"]} == set(s.ids("keynote", "workshop"))


def test_organisers_read_every_session_and_the_results_page_has_a_sortable_sessions_section(
    client, login, session, site, surveyed
):
    s = surveyed()
    _rate_everything(session, site, s)
    got = client.get(
        f"{API}/events/{s.conf.event.id}/survey/sessions", headers=bearer(session, s.conf.organiser)
    ).json
    assert got["scope"] == "all"
    # by average: 4.25, 4 and 2, then the unrated in programme order; never the lunch break
    assert [r["id"] for r in got["sessions"]] == s.ids("keynote", "web", "data", "workshop", "sunday")
    assert [r["ratings"] for r in got["sessions"]] == [4, 1, 1, 0, 0]
    login(s.conf.organiser)
    page = client.get(f"/e/{s.conf.event.id}/survey/results").text
    section = page[page.index('id="sessions"') :]
    assert (
        "Slides unreadable" in section and s.conf.member.name in section
    )  # a named survey: organisers see who
    by_count = client.get(f"/e/{s.conf.event.id}/survey/results?sort=count").text
    by_count = by_count[by_count.index('id="sessions"') :]
    assert (
        by_count.index("Opening keynote")
        < by_count.index("Fast pages")
        < by_count.index("Sunday morning talk")
    )
    assert client.get(f"/e/{s.conf.event.id}/survey/sessions").status_code == 200


@pytest.mark.parametrize("who", ["member", "stranger"])
def test_a_plain_attendee_or_a_stranger_is_refused_the_session_results(client, login, session, surveyed, who):
    s = surveyed()
    member = getattr(s.conf, who)
    login(member)
    assert client.get(f"/e/{s.conf.event.id}/survey/sessions").status_code == 403
    response = client.get(f"{API}/events/{s.conf.event.id}/survey/sessions", headers=bearer(session, member))
    assert response.status_code == 403 and response.json["error"]["code"] == "forbidden"


def test_nobody_logged_in_is_sent_to_log_in(client, surveyed):
    s = surveyed()
    assert client.get(f"/e/{s.conf.event.id}/survey/sessions").status_code == 302
    response = client.get(f"{API}/events/{s.conf.event.id}/survey/sessions")
    assert response.status_code == 401 and response.json["error"]["code"] == "login_required"


def test_the_answer_page_points_a_speaker_to_their_results(client, login, surveyed):
    s = surveyed()
    login(s.conf.ada_member)
    assert f'href="/e/{s.conf.event.id}/survey/sessions"' in client.get(f"/e/{s.conf.event.id}/survey").text
    login(s.conf.member)
    assert "/survey/sessions" not in client.get(f"/e/{s.conf.event.id}/survey").text


def test_a_deleted_session_takes_its_feedback_with_it(session, site, surveyed):
    s = surveyed()
    _rate_everything(session, site, s)
    session.delete(session.get(ProgrammeSession, s.ids("data")[0]))
    session.commit()
    assert s.ids("data")[0] not in _stored(session)


# Queries


def test_the_results_and_sessions_pages_read_in_a_fixed_number_of_queries(
    client, login, session, site, surveyed, count_queries
):
    s = surveyed(others=6)
    keynote, data, web = s.ids("keynote", "data", "web")
    login(s.conf.organiser)
    sizes: dict[str, list[int]] = {"results": [], "sessions": []}
    for batch in (s.others[:1], s.others[1:]):
        for member in batch:
            _star(session, s, member, "web")
            session.flush()
            given = {str(keynote): {"rating": 4, "comment": f"From {member.name}"}, str(web): {"rating": 2}}
            _answer(session, site, s, member, given)
        session.commit()
        for page in sizes:
            count_queries.clear()
            assert client.get(f"/e/{s.conf.event.id}/survey/{page}").status_code == 200
            sizes[page].append(len(count_queries))
    assert all(a == b for a, b in sizes.values()), sizes
    assert data  # Mia's third session stays unrated: the page lists it all the same


def test_the_answer_page_reads_in_a_fixed_number_of_queries_however_many_sessions_are_offered(
    client, login, session, surveyed, count_queries
):
    s = surveyed()
    login(s.conf.member)
    count_queries.clear()
    assert client.get(f"/e/{s.conf.event.id}/survey").status_code == 200
    few = len(count_queries)
    for key in ("workshop", "sunday"):
        _star(session, s, s.conf.member, key)
    session.commit()
    count_queries.clear()
    page = client.get(f"/e/{s.conf.event.id}/survey").text
    assert len(count_queries) == few
    assert (
        page.count('<details class="session-day"') == 3
    )  # Friday, Saturday, Sunday (after the clocks went back)
