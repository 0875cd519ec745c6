"""The attendee programme pages through the test client: the agenda, a session's and a speaker's page, my
schedule, and the star and workshop seat buttons (with their refusals flashed, never a 500)."""

from __future__ import annotations

import re

import pytest

from meetups.events.models import EventStatus
from meetups.programme import lineup, places, registrations, schedule, service
from meetups.programme.models import Registration, RegistrationStatus, Star
from meetups.rsvps import service as rsvps
from tests.factories import csrf_token, make_event, make_member
from tests.programme.conftest import NOW


def agenda_url(conference, **query) -> str:
    url = f"/e/{conference.event.id}/agenda"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def session_url(conference, key: str, action: str = "") -> str:
    item = conference.sessions[key]
    return f"/e/{conference.event.id}/sessions/{item.id}" + (f"/{action}" if action else "")


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def follow(client, response):
    assert response.status_code == 302, response.text
    return client.get(response.headers["Location"])


# The agenda


def test_the_agenda_lists_every_day_with_its_sessions_rooms_and_tracks(client, conference, now):
    response = client.get(agenda_url(conference))
    assert response.status_code == 200
    page = text_of(response.text)
    for title in (
        "Opening keynote",
        "Fast pages",
        "Tables at scale",
        "Lunch",
        "Hands-on testing",
        "Sunday morning talk",
    ):
        assert title in page
    assert "Friday 25 October" in page and "Saturday 26 October" in page and "Sunday 27 October" in page
    assert "CEST" in page and "CET" in page
    assert "09:00 – 09:45" in page  # the Sunday talk, in Berlin's winter time
    assert "Main hall" in page and "Room B" in page
    assert 'class="swatch" style="background: #1a7f5a"' in response.text and "Web" in page
    assert "css/programme.css" in response.text
    assert f'href="/e/{conference.event.id}/sessions/{conference.sessions["web"].id}"' in response.text
    assert "Log in to star sessions" in page


def test_a_cancelled_session_stays_on_the_agenda_marked_in_words(client, conference, now, session):
    service.cancel_session(
        session,
        event=conference.event,
        actor=conference.organiser,
        session_id=conference.sessions["data"].id,
        now=NOW,
    )
    session.commit()
    page = client.get(agenda_url(conference)).text
    card = re.search(
        rf'<article id="session-{conference.sessions["data"].id}".*?</article>', page, re.S
    ).group(0)
    assert "is-cancelled" in card and "Cancelled" in card and "Tables at scale" in card


@pytest.mark.parametrize(
    "query",
    [
        {"track": "abc"},
        {"track": "99999999999999999999999"},
        {"room": "%27%3B--"},
        {"language": "%3Cscript%3E"},
        {"level": "expert"},
        {"day": "2030-02-30"},
        {"day": "not-a-day"},
    ],
)
def test_bad_filter_values_give_the_whole_agenda_and_a_message(client, conference, now, query):
    response = client.get(agenda_url(conference, **query))
    assert response.status_code == 200
    page = text_of(response.text)
    assert "showing every" in page and "Sunday morning talk" in page and "Opening keynote" in page
    assert "<script>" not in response.text.split("</head>")[1].split("<script src")[0]


def test_filters_narrow_the_agenda_and_keep_the_breaks(client, conference, now):
    page = text_of(client.get(agenda_url(conference, language="ru")).text)
    assert "Tables at scale" in page and "Lunch" in page
    assert "Fast pages" not in page and "Sunday morning talk" not in page
    day = client.get(agenda_url(conference, day="2030-10-27", track=conference.data.id)).text
    assert 'aria-current="page">Sun 27 Oct' in day
    assert "Sunday morning talk" in day and "Opening keynote" not in day
    assert 'name="track"' in day and f'value="{conference.data.id}" selected' in day


def test_now_and_next_lead_the_agenda_during_the_event(client, conference, monkeypatch):
    from datetime import UTC, datetime

    from meetups import clock

    monkeypatch.setattr(clock, "now", lambda: datetime(2030, 10, 25, 9, 10, tzinfo=UTC))  # 11:10 in Berlin
    page = client.get(agenda_url(conference)).text
    now_next = re.search(r'<section class="card now-next".*?</section>', page, re.S).group(0)
    assert "Now" in now_next and "Next" in now_next
    assert "Fast pages" in now_next and "Tables at scale" in now_next and "Lunch" in now_next
    assert page.index("now-next") < page.index('class="agenda-day"')


def test_organisers_see_star_counts_beside_the_rooms_capacity(client, conference, now, login, session):
    for member in (conference.member, conference.stranger):
        schedule.star(
            session, event=conference.event, session_id=conference.sessions["data"].id, member=member, now=NOW
        )
    session.commit()
    assert "2 starred" not in client.get(agenda_url(conference)).text
    login(conference.organiser)
    page = text_of(client.get(agenda_url(conference)).text)
    assert "2 starred · room holds 40" in page
    assert "2 starred" in text_of(client.get(session_url(conference, "data")).text)


def test_the_agenda_page_runs_a_fixed_number_of_queries(
    client, conference, now, login, count_queries, session
):
    login(conference.member)
    count_queries.clear()
    client.get(agenda_url(conference))
    few = len(count_queries)
    db = session
    for i in range(12):
        room = places.save_room(
            db, event=conference.event, actor=conference.organiser, values={"name": f"R{i}"}
        )
        speaker = lineup.save_speaker(
            db, event=conference.event, actor=conference.organiser, now=NOW, values={"name": f"S{i}"}
        )
        item = service.create_session(
            db,
            event=conference.event,
            actor=conference.organiser,
            now=NOW,
            values={
                "title": f"T{i}",
                "room_id": room.id,
                "speaker_ids": [speaker.id],
                "track_id": conference.web.id,
                "starts_at": "2030-10-26T10:00",
                "ends_at": "2030-10-26T10:30",
            },
        )
        schedule.star(db, event=conference.event, session_id=item.id, member=conference.member, now=NOW)
    db.commit()
    count_queries.clear()
    response = client.get(agenda_url(conference))
    assert response.status_code == 200 and "T11" in response.text
    assert len(count_queries) == few


def test_the_event_page_links_its_programme_when_it_has_sessions(client, conference, now, session):
    page = client.get(f"/e/{conference.event.id}").text
    assert f'href="/e/{conference.event.id}/agenda"' in page and ">Programme</a>" in page
    bare = make_event(session, community=conference.community)
    session.commit()
    assert "/agenda" not in client.get(f"/e/{bare.id}").text


def test_a_draft_programme_is_hidden_from_members(client, conference, session, now, login):
    conference.event.status = EventStatus.draft
    session.commit()
    paths = (
        agenda_url(conference),
        session_url(conference, "web"),
        f"/e/{conference.event.id}/speakers/{conference.ada.id}",
    )
    for path in paths:
        assert client.get(path).status_code == 404
    login(conference.member)
    for path in (*paths, f"/e/{conference.event.id}/schedule"):
        assert client.get(path).status_code == 404
    client.post("/logout")
    login(conference.organiser)
    for path in paths:
        assert client.get(path).status_code == 200


def test_unknown_things_are_404_not_500(client, conference, now, login):
    assert client.get("/e/999999/agenda").status_code == 404
    assert client.get(f"/e/{conference.event.id}/sessions/999999").status_code == 404
    assert client.get(f"/e/{conference.event.id}/speakers/999999").status_code == 404
    login(conference.member)
    assert client.post(f"/e/{conference.event.id}/sessions/999999/star").status_code == 404


# A session's page


def test_a_session_page_shows_time_zone_room_track_language_level_and_speakers(client, conference, now):
    response = client.get(session_url(conference, "web"))
    assert response.status_code == 200
    page = text_of(response.text)
    assert "Fast pages" in page and "Friday 25 October, 11:00 – 11:45" in page
    assert "CEST" in page and "Europe/Berlin" in page
    assert "Main hall" in page and "Web" in page and "English" in page and "Beginner" in page
    assert f'href="/e/{conference.event.id}/speakers/{conference.grace.id}">Grace Hopper</a>' in response.text
    assert "At the same time" in page and "Tables at scale" in page
    assert "Log in to star it" in page


def test_an_abstract_is_markdown_with_any_script_escaped(client, conference, now):
    html = client.get(session_url(conference, "data")).text
    assert "<strong>columns</strong>" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Russian" in text_of(html) and "Advanced" in text_of(html)


def test_a_sunday_session_after_the_change_shows_winter_time(client, conference, now):
    page = text_of(client.get(session_url(conference, "sunday")).text)
    assert "Sunday 27 October, 09:00 – 09:45" in page and "CET" in page and "CEST" not in page


# A speaker's page


def test_a_speaker_page_has_bio_pronouns_links_and_sessions(client, conference, now):
    response = client.get(f"/e/{conference.event.id}/speakers/{conference.ada.id}")
    assert response.status_code == 200
    page = text_of(response.text)
    assert "Ada Lovelace" in page and "she/her" in page and "Analytical Engines" in page
    assert "<em>first</em>" in response.text
    assert '<a class="break" href="https://example.org/ada" rel="nofollow ugc noopener">' in response.text
    assert page.index("Opening keynote") < page.index("Hands-on testing")


# Stars and my schedule


def test_a_member_stars_a_session_and_finds_it_on_their_schedule(client, conference, now, login, session):
    login(conference.member)
    back = agenda_url(conference)
    response = client.post(session_url(conference, "web", "star"), data={"next": back})
    assert response.headers["Location"] == f"{back}#session-{conference.sessions['web'].id}"
    page = follow(client, response).text
    assert "Added to your schedule." in page and "Starred" in page
    schedule_page = text_of(client.get(f"/e/{conference.event.id}/schedule").text)
    assert "Fast pages" in schedule_page and "Tables at scale" not in schedule_page
    response = client.post(session_url(conference, "web", "unstar"), data={"next": back})
    assert "Removed from your schedule." in follow(client, response).text
    assert session.get(Star, (conference.sessions["web"].id, conference.member.id)) is None


def test_my_schedule_flags_clashes(client, conference, now, login):
    login(conference.member)
    for key in ("web", "data", "keynote"):
        client.post(session_url(conference, key, "star"))
    page = client.get(f"/e/{conference.event.id}/schedule").text
    assert page.count('class="badge badge-clash">Clash') == 2
    assert "1 clash:" in text_of(page)
    clash_free = re.search(
        rf'<li id="session-{conference.sessions["keynote"].id}".*?</li>', page, re.S
    ).group(0)
    assert "Clash" not in clash_free


def test_my_schedule_needs_a_login(client, conference, now):
    response = client.get(f"/e/{conference.event.id}/schedule")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    response = client.post(session_url(conference, "web", "star"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_refused_star_is_flashed_and_a_foreign_next_is_ignored(client, conference, now, login):
    login(conference.member)
    response = client.post(session_url(conference, "lunch", "star"), data={"next": "https://evil.example/"})
    assert response.headers["Location"] == session_url(conference, "lunch") + (
        f"#session-{conference.sessions['lunch'].id}"
    )
    assert "Breaks are on everyone" in follow(client, response).text
    response = client.post(session_url(conference, "web", "star"), data={"next": "//evil.example/e/1/"})
    assert response.headers["Location"].startswith(session_url(conference, "web"))


def test_a_post_without_the_csrf_token_changes_nothing(csrf_client, conference, now, session):
    login_page = csrf_client.get("/login").text
    csrf_client.post(
        "/login",
        data={
            "email": conference.member.email,
            "password": "correct horse battery",
            "csrf_token": csrf_token(login_page),
        },
    )
    response = csrf_client.post(session_url(conference, "web", "star"))
    assert response.status_code == 400
    assert session.get(Star, (conference.sessions["web"].id, conference.member.id)) is None
    page = csrf_client.get(session_url(conference, "web")).text
    response = csrf_client.post(session_url(conference, "web", "star"), data={"csrf_token": csrf_token(page)})
    assert "Added to your schedule." in csrf_client.get(response.headers["Location"]).text


# Workshop seats


def going(session, conference, *names):
    members = [make_member(session, name=name) for name in names]
    for member in members:
        rsvps.save_rsvp(session, event_id=conference.event.id, member=member, now=NOW)
    session.commit()
    return members


def test_register_for_a_workshop_then_give_the_seat_back(client, conference, now, login, session):
    [mia] = going(session, conference, "Mia Going")
    login(mia)
    page = text_of(client.get(session_url(conference, "workshop")).text)
    assert "2 seats left" in page and "Register" in page
    response = client.post(session_url(conference, "workshop", "register"))
    page = text_of(follow(client, response).text)
    assert "You have a seat at this workshop." in page and "Your seat" in page and "1 seat left" in page
    assert "Give my seat back" in page
    response = client.post(session_url(conference, "workshop", "unregister"))
    page = text_of(follow(client, response).text)
    assert "You are no longer registered for this workshop." in page and "2 seats left" in page


def test_a_full_workshop_puts_me_in_line_with_my_place(client, conference, now, login, session):
    a, b, c = going(session, conference, "A", "B", "C")
    for member in (a, b):
        registrations.register(
            session,
            event=conference.event,
            session_id=conference.sessions["workshop"].id,
            member=member,
            now=NOW,
        )
    session.commit()
    login(c)
    page = text_of(client.get(session_url(conference, "workshop")).text)
    assert "Full" in page and "Join the waitlist" in page
    response = client.post(
        session_url(conference, "workshop", "register"), data={"next": agenda_url(conference)}
    )
    page = text_of(follow(client, response).text)
    assert "you are number 1 in line" in page and "You are 1st in line." in page
    mine = session.query(Registration).filter_by(member_id=c.id).one()
    assert mine.status is RegistrationStatus.waitlisted
    page = text_of(client.get(session_url(conference, "workshop")).text)
    assert "Leave the line" in page


def test_registration_refusals_are_flashed(client, conference, now, login):
    login(conference.member)  # not going to the event
    page = text_of(client.get(session_url(conference, "workshop")).text)
    assert (
        "RSVP to the event first" in page and "Register" not in page.split("RSVP to the event first")[1][:40]
    )
    response = client.post(session_url(conference, "workshop", "register"))
    assert "RSVP to the event first" in follow(client, response).text
    response = client.post(session_url(conference, "web", "register"))
    assert "takes no registrations" in follow(client, response).text
    response = client.post(session_url(conference, "web", "unregister"))
    assert "You are not registered for this session." in follow(client, response).text
