"""The organiser's programme pages through the test client: who may open them (every route of the blueprint,
found from the URL map), the overview (by day in Berlin time, stars beside the room's capacity, workshop
seats, empty states, a fixed number of queries), each form's happy path, each refusal by the field it is
about with what was typed kept, and junk that never gives a 500."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from flask import Flask
from sqlalchemy import func, select

from meetups.programme import lineup, places, service
from meetups.programme.models import (
    ProgrammeSession,
    Registration,
    RegistrationStatus,
    Room,
    SessionStatus,
    Speaker,
    Star,
    Track,
)
from meetups.programme.views_manage import bp
from tests.browser.conftest import browser  # noqa: F401
from tests.factories import make_event, make_member
from tests.programme.conftest import NOW

BLUEPRINT = "programme_manage"


def _blueprint_rules() -> list[tuple[str, str, str]]:
    """(endpoint, rule, method) for every route of the blueprint, read from a URL map it is registered on."""
    app = Flask(__name__)
    app.register_blueprint(bp)
    return sorted(
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(BLUEPRINT + ".")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )


ROUTES = _blueprint_rules()


def url_of(rule: str, conference) -> str:
    ids = {
        "event_id": conference.event.id,
        "room_id": conference.small.id,
        "track_id": conference.web.id,
        "speaker_id": conference.grace.id,
        "session_id": conference.sessions["data"].id,
    }
    return re.sub(r"<(?:int:)?(\w+)>", lambda m: str(ids[m.group(1)]), rule)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def field_error(page: str, field: str) -> str:
    """The message shown by one field (events/_macros.html: <p class="field-error" id="<field>-error">)."""
    found = re.search(rf'<p class="field-error" id="{field}-error">(.*?)</p>', page, re.S)
    assert found, f"no error by {field}"
    return html.unescape(found.group(1))


def all_field_errors(page: str) -> dict[str, str]:
    return {
        name: html.unescape(message)
        for name, message in re.findall(r'<p class="field-error" id="([\w-]+)-error">(.*?)</p>', page, re.S)
    }


def input_value(page: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page) or re.search(
        rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', page
    )
    return html.unescape(found.group(1)) if found else None


def selected(page: str, name: str) -> list[str]:
    select_html = re.search(rf'<select[^>]*name="{name}".*?</select>', page, re.S).group(0)
    options = re.findall(r"<option([^>]*)>", select_html)
    return [re.search(r'value="([^"]*)"', attrs).group(1) for attrs in options if " selected" in attrs]


def row_of(page: str, item) -> str:
    """One session's entry on the overview."""
    found = re.search(rf'id="session-{item.id}".*?</li>', page, re.S)
    assert found, f"no row for {item.title}"
    return found.group(0)


def fresh(session, model, item_id):
    session.expire_all()
    return session.get(model, item_id)


def session_values(conference, **overrides) -> dict:
    values = {
        "title": "Testing in production",
        "kind": "talk",
        "starts_at": "2030-10-26T10:00",
        "ends_at": "2030-10-26T10:45",
        "room_id": str(conference.main.id),
        "track_id": str(conference.web.id),
        "speaker_ids": [str(conference.grace.id)],
        "language": "en",
        "level": "intermediate",
        "capacity": "",
        "abstract": "What *really* happens.",
    }
    return {**values, **overrides}


def star(session, item, count: int) -> None:
    for _ in range(count):
        member = make_member(session)
        session.add(Star(session_id=item.id, member_id=member.id, starred_at=NOW))
    session.flush()


# Who may open the pages


def test_the_blueprint_seen_here_is_the_one_the_app_serves(app):
    served = sorted(
        (rule.endpoint, rule.rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith(BLUEPRINT + ".")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    )
    assert served == ROUTES
    assert len({endpoint for endpoint, _rule, _method in ROUTES}) == 10


@pytest.mark.parametrize(("endpoint", "rule", "method"), ROUTES)
def test_a_stranger_is_sent_to_log_in(client, now, conference, endpoint, rule, method):
    response = client.open(url_of(rule, conference), method=method, data={"name": "Hacked", "title": "X"})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize("who", ["member", "stranger", "ada_member"])
@pytest.mark.parametrize(("endpoint", "rule", "method"), ROUTES)
def test_members_and_outsiders_are_refused(
    client, session, login, now, conference, who, endpoint, rule, method
):
    """A plain member of the community, a logged-in outsider, and a speaker with an account alike."""
    login(getattr(conference, who))
    counts = {
        model: session.scalar(select(func.count()).select_from(model)) for model in (Room, Track, Speaker)
    }
    response = client.open(
        url_of(rule, conference),
        method=method,
        data=session_values(conference, name="Hacked", capacity="5"),
    )
    assert response.status_code == 403
    assert {model: session.scalar(select(func.count()).select_from(model)) for model in counts} == counts
    assert fresh(session, ProgrammeSession, conference.sessions["data"].id).status is SessionStatus.scheduled
    assert fresh(session, Room, conference.small.id).name == "Room B"


@pytest.mark.parametrize(("endpoint", "rule"), sorted({(e, r) for e, r, m in ROUTES if m == "GET"}))
def test_the_organiser_opens_every_page(client, login, now, conference, endpoint, rule):
    login(conference.organiser)
    assert client.get(url_of(rule, conference)).status_code == 200


def test_another_events_things_are_not_found_here(client, session, login, now, conference):
    other = make_event(session, community=conference.event.community)
    room = places.save_room(session, event=other, actor=conference.organiser, values={"name": "Elsewhere"})
    session.commit()
    login(conference.organiser)
    event_id = conference.event.id
    assert client.get(f"/e/{event_id}/programme/rooms/{room.id}/edit").status_code == 404
    assert client.post(f"/e/{event_id}/programme/rooms/{room.id}/delete").status_code == 404
    assert client.get(f"/e/{event_id}/programme/sessions/999999/edit").status_code == 404
    assert fresh(session, Room, room.id) is not None


# The overview


def test_the_overview_shows_each_day_in_the_events_zone_with_rooms_tracks_speakers(
    client, login, now, conference
):
    login(conference.organiser)
    page = client.get(f"/e/{conference.event.id}/programme")
    assert page.status_code == 200
    text = text_of(page.text)
    for day in ("Friday 25 October 2030", "Saturday 26 October 2030", "Sunday 27 October 2030"):
        assert day in text
    assert text.index("Friday 25 October") < text.index("Opening keynote") < text.index("Saturday 26")
    assert "09:30 – 10:30" in text or "09:30–10:30" in text.replace(" – ", "–")
    sunday = row_of(page.text, conference.sessions["sunday"])
    assert "09:00" in sunday and "09:45" in sunday  # after the clocks went back: still 09:00 at the venue
    assert "The clocks change on this day (CEST → CET)" in text
    workshop = text_of(row_of(page.text, conference.sessions["workshop"]))
    assert "Workshop" in workshop and "Room B" in workshop and "Ada Lovelace, Grace Hopper" in workshop
    assert "Web" in workshop and "Seats taken: 0 / 2" in workshop
    rooms = re.search(r'<section id="rooms".*?</section>', page.text, re.S).group(0)
    assert "Main hall" in rooms and "300 seats" in text_of(rooms) and "40 seats" in text_of(rooms)
    tracks = re.search(r'<section id="tracks".*?</section>', page.text, re.S).group(0)
    assert 'style="background: #1a7f5a"' in tracks and "Web" in tracks and "Data" in tracks
    speakers = text_of(re.search(r'<section id="speakers".*?</section>', page.text, re.S).group(0))
    assert "Account: Ada Lovelace" in speakers and "No account linked" in speakers


def test_the_overview_links_the_programmes_other_pages_the_app_serves(app, client, login, now, conference):
    login(conference.organiser)
    page = client.get(f"/e/{conference.event.id}/programme").text
    for endpoint, path in (
        ("programme.show_agenda", "/agenda"),
        ("programme_exchange.import_form", "/programme/import"),
        ("programme_exchange.programme_csv", "/programme.csv"),
    ):
        assert (f'href="/e/{conference.event.id}{path}"' in page) == (endpoint in app.view_functions)


def test_stars_over_the_rooms_capacity_are_flagged_in_words_and_sign(client, session, login, now, conference):
    data = conference.sessions["data"]  # Room B, 40 seats, Friday 11:00, beside "Fast pages" in the main hall
    star(session, data, 40)
    session.commit()
    login(conference.organiser)
    page = client.get(f"/e/{conference.event.id}/programme").text
    row = row_of(page, data)
    assert "40 starred · room holds 40" in text_of(row)
    assert "Over capacity" not in page and "Nearly full" in text_of(row)

    star(session, data, 5)
    session.commit()
    page = client.get(f"/e/{conference.event.id}/programme").text
    row = row_of(page, data)
    assert "is-crowded" in row and "pm-icon" in row
    assert "45 starred · room holds 40" in text_of(row) and "Over capacity by 5." in text_of(row)
    assert "No bigger room is free then" in text_of(row)  # the main hall has "Fast pages" then
    alert = text_of(re.search(r'<div class="flash flash-warning pm-alert".*?</div>', page, re.S).group(0))
    assert "1 session has more stars than its room has seats." in alert
    assert "Tables at scale — 45 starred, Room B holds 40" in alert


def test_a_crowded_session_is_offered_the_bigger_rooms_free_then(client, session, login, now, conference):
    save = {"session": session, "event": conference.event, "actor": conference.organiser}
    hall = places.save_room(**save, values={"name": "Hall C", "capacity": 120, "position": 2})
    places.save_room(**save, values={"name": "Closet", "capacity": 10, "position": 3})
    data = conference.sessions["data"]
    star(session, data, 41)
    session.commit()
    login(conference.organiser)
    page = client.get(f"/e/{conference.event.id}/programme").text
    row = row_of(page, data)
    assert "move to Hall C (120)" in text_of(row) and "Closet" not in row and "Main hall (300)" not in row
    move = f"/e/{conference.event.id}/programme/sessions/{data.id}/edit?room_id={hall.id}"
    assert html.escape(move) in row
    form = client.get(move).text
    assert selected(form, "room_id") == [str(hall.id)]
    assert "check it and save to move the session" in text_of(form)


def test_workshop_seats_show_taken_capacity_and_waiting(client, session, login, now, conference):
    workshop = conference.sessions["workshop"]
    for status in (RegistrationStatus.going, RegistrationStatus.going, RegistrationStatus.waitlisted):
        member = make_member(session)
        session.add(
            Registration(
                session_id=workshop.id,
                member_id=member.id,
                status=status,
                waitlist_rank=1 if status is RegistrationStatus.waitlisted else None,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    session.commit()
    login(conference.organiser)
    page = client.get(f"/e/{conference.event.id}/programme").text
    row = text_of(row_of(page, workshop))
    assert "Seats taken: 2 / 2 · 1 waiting" in row and "Full" in row


def test_a_cancelled_session_is_struck_through_without_edit_or_cancel(
    client, session, login, now, conference
):
    data = conference.sessions["data"]
    service.cancel_session(
        session, event=conference.event, actor=conference.organiser, session_id=data.id, now=NOW
    )
    session.commit()
    login(conference.organiser)
    row = row_of(client.get(f"/e/{conference.event.id}/programme").text, data)
    assert "<s>Tables at scale</s>" in row and "Cancelled" in row
    assert f"/sessions/{data.id}/cancel" not in row and f"/sessions/{data.id}/delete" in row


def test_the_overview_runs_a_fixed_number_of_queries(client, session, login, now, conference, count_queries):
    login(conference.organiser)
    url = f"/e/{conference.event.id}/programme"
    count_queries.clear()
    assert client.get(url).status_code == 200
    few = len(count_queries)

    save = {"session": session, "event": conference.event, "actor": conference.organiser}
    rooms = [places.save_room(**save, values={"name": f"Room {n}", "capacity": 20}) for n in range(4)]
    tracks = [places.save_track(**save, values={"name": f"Track {n}"}) for n in range(3)]
    speakers = [
        lineup.save_speaker(
            **save, now=NOW, values={"name": f"Speaker {n}", "email": make_member(session).email}
        )
        for n in range(6)
    ]
    for n in range(12):
        item = service.create_session(
            **save,
            now=NOW,
            values={
                "title": f"Talk {n}",
                "kind": "workshop" if n % 3 == 0 else "talk",
                "capacity": 10 if n % 3 == 0 else None,
                "starts_at": f"2030-10-26T{9 + n // 4:02d}:00",
                "ends_at": f"2030-10-26T{9 + n // 4:02d}:50",
                "room_id": rooms[n % 4].id,
                "track_id": tracks[n % 3].id,
                # four rooms an hour: two with two speakers, none in two places
                "speaker_ids": [speakers[n % 4].id] + ([speakers[4 + n % 2].id] if n % 4 < 2 else []),
            },
        )
        star(session, item, n % 3 * 12)
    session.commit()
    count_queries.clear()
    page = client.get(url)
    assert page.status_code == 200
    assert page.text.count('<li id="session-') == 18
    assert "Over capacity" in page.text  # the stars were counted
    assert len(count_queries) == few, count_queries


def test_an_event_without_rooms_says_to_add_rooms_first_then_sessions(
    client, session, login, now, conference
):
    event = make_event(session, community=conference.event.community, title="Small gathering")
    session.commit()
    login(conference.organiser)
    text = text_of(client.get(f"/e/{event.id}/programme").text)
    assert "Start with the rooms." in text and "Add the first room" in text
    assert "Add a session" not in text

    places.save_room(session, event=event, actor=conference.organiser, values={"name": "Back room"})
    session.commit()
    text = text_of(client.get(f"/e/{event.id}/programme").text)
    assert "No sessions yet." in text and "Add the first session" in text
    assert "Add speakers first" in text and "No speakers yet" in text and "No tracks." in text


def test_the_dashboard_links_the_programme_with_its_counts(client, login, now, conference):
    login(conference.organiser)
    page = client.get(f"/e/{conference.event.id}/manage").text
    section = text_of(re.search(r'<section id="programme".*?</section>', page, re.S).group(0))
    assert "6 sessions" in section and "2 speakers" in section and "2 rooms" in section
    assert f'href="/e/{conference.event.id}/programme"' in page


# Rooms


def test_add_edit_and_delete_a_room(client, session, login, now, conference):
    login(conference.organiser)
    base = f"/e/{conference.event.id}/programme/rooms"
    assert client.get(f"{base}/new").status_code == 200
    response = client.post(f"{base}/new", data={"name": "Hall C", "capacity": "120", "position": "2"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/programme#rooms")
    room = session.scalar(select(Room).where(Room.name == "Hall C"))
    assert (room.capacity, room.position, room.event_id) == (120, 2, conference.event.id)
    assert "The room Hall C is saved." in client.get(response.headers["Location"]).text

    form = client.get(f"{base}/{room.id}/edit").text
    assert input_value(form, "name") == "Hall C" and input_value(form, "capacity") == "120"
    assert (
        client.post(f"{base}/{room.id}/edit", data={"name": "Hall C", "capacity": "150"}).status_code == 302
    )
    assert fresh(session, Room, room.id).capacity == 150

    confirm = client.get(f"{base}/{room.id}/delete")
    assert confirm.status_code == 200 and "Delete the room Hall C?" in text_of(confirm.text)
    assert fresh(session, Room, room.id) is not None  # asking is not doing
    assert client.post(f"{base}/{room.id}/delete").status_code == 302
    assert fresh(session, Room, room.id) is None


def test_a_room_with_sessions_is_not_deleted(client, session, login, now, conference):
    login(conference.organiser)
    response = client.post(f"/e/{conference.event.id}/programme/rooms/{conference.main.id}/delete")
    assert response.status_code == 409
    assert "Sessions are still planned in Main hall: move them first." in text_of(response.text)
    assert fresh(session, Room, conference.main.id) is not None


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"name": ""}, "name", "Please fill in Room name."),
        ({"name": "room b"}, "name", "This event already has a room of that name."),
        ({"name": "Hall", "capacity": "-3"}, "capacity", "Room capacity must be between"),
        ({"name": "Hall", "capacity": "many"}, "capacity", "Not a valid integer value."),
        ({"name": "Hall", "position": "5000"}, "position", "Position must be between 0 and 1000."),
        ({"name": "H" * 101}, "name", "Room name can be at most 100 characters."),
    ],
)
def test_a_refused_room_says_why_by_the_field_and_keeps_the_input(
    client, session, login, now, conference, values, field, message
):
    login(conference.organiser)
    response = client.post(f"/e/{conference.event.id}/programme/rooms/new", data=values)
    assert response.status_code == 422
    assert message in field_error(response.text, field)
    if values.get("name"):
        assert input_value(response.text, "name") == values["name"]
    assert (
        session.scalar(select(func.count()).select_from(Room).where(Room.event_id == conference.event.id))
        == 2
    )


# Tracks


def test_add_edit_and_delete_a_track(client, session, login, now, conference):
    login(conference.organiser)
    base = f"/e/{conference.event.id}/programme/tracks"
    assert 'type="color"' in client.get(f"{base}/new").text
    assert client.post(f"{base}/new", data={"name": "Security", "colour": "#AA3300"}).status_code == 302
    track = session.scalar(select(Track).where(Track.name == "Security"))
    assert track.colour == "#aa3300"
    assert (
        client.post(f"{base}/{track.id}/edit", data={"name": "Safety", "colour": "#aa3300"}).status_code
        == 302
    )
    assert fresh(session, Track, track.id).name == "Safety"

    web = conference.web
    assert "Its sessions stay on the programme, in no track." in client.get(f"{base}/{web.id}/delete").text
    assert client.post(f"{base}/{web.id}/delete").status_code == 302
    assert fresh(session, Track, web.id) is None
    assert fresh(session, ProgrammeSession, conference.sessions["web"].id).track_id is None


def test_a_refused_track_says_why_by_the_field(client, login, now, conference):
    login(conference.organiser)
    url = f"/e/{conference.event.id}/programme/tracks/new"
    response = client.post(url, data={"name": "Red", "colour": "red"})
    assert response.status_code == 422
    assert "The colour is written like #1a7f5a." in field_error(response.text, "colour")
    assert input_value(response.text, "name") == "Red"
    response = client.post(url, data={"name": "web", "colour": "#000000"})
    assert "This event already has a track of that name." in field_error(response.text, "name")


# Speakers


def test_add_a_speaker_linked_to_an_account_then_edit_and_delete(client, session, login, now, conference):
    login(conference.organiser)
    base = f"/e/{conference.event.id}/programme/speakers"
    response = client.post(
        f"{base}/new",
        data={
            "name": "Mia Member",
            "pronouns": "they/them",
            "affiliation": "Community",
            "bio": "Organises *things*.",
            "links": "https://example.org/mia\nhttps://example.org/slides",
            "email": conference.member.email.upper(),
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("#speakers")
    speaker = session.scalar(select(Speaker).where(Speaker.name == "Mia Member"))
    assert speaker.member_id == conference.member.id
    assert speaker.links == ["https://example.org/mia", "https://example.org/slides"]

    form = client.get(f"{base}/{speaker.id}/edit").text
    assert input_value(form, "email") == conference.member.email
    assert "https://example.org/mia\nhttps://example.org/slides" in html.unescape(form)
    response = client.post(
        f"{base}/{speaker.id}/edit", data={"name": "Mia M.", "links": "https://example.org/mia", "email": ""}
    )
    assert response.status_code == 302
    speaker = fresh(session, Speaker, speaker.id)
    assert (speaker.name, speaker.member_id, speaker.links) == ("Mia M.", None, ["https://example.org/mia"])

    assert "Delete the speaker Mia M.?" in text_of(client.get(f"{base}/{speaker.id}/delete").text)
    assert client.post(f"{base}/{speaker.id}/delete").status_code == 302
    assert fresh(session, Speaker, speaker.id) is None


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        (
            {"name": "Nobody", "email": "nobody@example.test"},
            "email",
            "Nobody has an account with that email.",
        ),
        ({"name": "Ada again", "email": "ADA"}, "email", "Nobody has an account with that email."),
        ({"name": "Linky", "links": "not-a-link"}, "links", "not-a-link is not a web address"),
        ({"name": ""}, "name", "Please fill in Name."),
    ],
)
def test_a_refused_speaker_says_why_by_the_field(
    client, session, login, now, conference, values, field, message
):
    login(conference.organiser)
    response = client.post(f"/e/{conference.event.id}/programme/speakers/new", data=values)
    assert response.status_code == 422
    assert message in field_error(response.text, field)
    if values["name"]:
        assert input_value(response.text, "name") == values["name"]
    assert session.scalar(select(func.count()).select_from(Speaker)) == 2


def test_an_account_already_speaking_is_named(client, login, now, conference):
    login(conference.organiser)
    response = client.post(
        f"/e/{conference.event.id}/programme/speakers/new",
        data={"name": "Ada twice", "email": conference.ada_member.email},
    )
    assert response.status_code == 422
    assert "Ada Lovelace is already a speaker here." in field_error(response.text, "email")


# Sessions


def test_add_a_session_with_every_field(client, session, login, now, conference):
    login(conference.organiser)
    url = f"/e/{conference.event.id}/programme/sessions/new"
    form = client.get(url).text
    assert (
        'type="datetime-local"' in form
        and 'min="2030-10-25T09:00"' in form
        and 'max="2030-10-27T18:00"' in form
    )
    assert input_value(form, "starts_at") == "2030-10-25T09:00"
    values = session_values(conference, speaker_ids=[str(conference.grace.id), str(conference.ada.id)])
    response = client.post(url, data=values)
    assert response.status_code == 302
    item = session.scalar(select(ProgrammeSession).where(ProgrammeSession.title == "Testing in production"))
    assert response.headers["Location"].endswith(f"/programme#session-{item.id}")
    assert item.starts_at.astimezone(conference.event.zone).strftime("%Y-%m-%dT%H:%M") == "2030-10-26T10:00"
    assert (item.room_id, item.track_id, item.language, item.level.value, item.capacity) == (
        conference.main.id,
        conference.web.id,
        "en",
        "intermediate",
        None,
    )
    assert [s.id for s in item.speakers] == [conference.grace.id, conference.ada.id]
    assert item.abstract == "What *really* happens."


def test_save_and_add_another_opens_a_new_form_on_that_day_and_room(client, session, login, now, conference):
    login(conference.organiser)
    response = client.post(
        f"/e/{conference.event.id}/programme/sessions/new",
        data={**session_values(conference, kind="workshop", capacity="12"), "next": "another"},
    )
    assert response.status_code == 302
    assert "/sessions/new?" in response.headers["Location"]
    form = client.get(response.headers["Location"]).text
    assert input_value(form, "starts_at") == "2030-10-26T09:00"
    assert selected(form, "room_id") == [str(conference.main.id)]
    item = session.scalar(select(ProgrammeSession).where(ProgrammeSession.title == "Testing in production"))
    assert (item.kind.value, item.capacity) == ("workshop", 12)


def test_edit_a_session_moves_it(client, session, login, now, conference):
    login(conference.organiser)
    data = conference.sessions["data"]
    url = f"/e/{conference.event.id}/programme/sessions/{data.id}/edit"
    form = client.get(url).text
    assert (
        input_value(form, "starts_at") == "2030-10-25T11:00"
        and input_value(form, "title") == "Tables at scale"
    )
    assert selected(form, "room_id") == [str(conference.small.id)]
    assert selected(form, "level") == ["advanced"]
    response = client.post(
        url,
        data=session_values(
            conference,
            title="Tables at scale",
            starts_at="2030-10-27T10:00",  # Sunday, after the clocks went back
            ends_at="2030-10-27T11:00",
            room_id=str(conference.small.id),
            track_id="",
            speaker_ids=[],
        ),
    )
    assert response.status_code == 302
    moved = fresh(session, ProgrammeSession, data.id)
    assert moved.starts_at.astimezone(conference.event.zone).strftime("%d %H:%M") == "27 10:00"
    assert (moved.track_id, moved.speaker_links, moved.sequence) == (None, [], 1)


def test_cancel_a_session_after_saying_who_hears(client, session, login, now, conference):
    data = conference.sessions["data"]
    star(session, data, 3)
    session.commit()
    login(conference.organiser)
    url = f"/e/{conference.event.id}/programme/sessions/{data.id}/cancel"
    confirm = text_of(client.get(url).text)
    assert (
        "Cancel Tables at scale?" in confirm
        and "3 members starred it or hold a seat: they are told" in confirm
    )
    assert fresh(session, ProgrammeSession, data.id).status is SessionStatus.scheduled
    assert client.post(url).status_code == 302
    assert fresh(session, ProgrammeSession, data.id).status is SessionStatus.cancelled
    edit = client.get(f"/e/{conference.event.id}/programme/sessions/{data.id}/edit").text
    assert "This session is cancelled; add a new one instead." in edit and "Save changes" not in edit


def test_delete_a_session_nobody_follows(client, session, login, now, conference):
    login(conference.organiser)
    data = conference.sessions["data"]
    url = f"/e/{conference.event.id}/programme/sessions/{data.id}/delete"
    assert "Nobody has starred it or taken a seat yet." in text_of(client.get(url).text)
    assert client.post(url).status_code == 302
    assert fresh(session, ProgrammeSession, data.id) is None


def test_a_followed_session_is_cancelled_not_deleted(client, session, login, now, conference):
    data = conference.sessions["data"]
    star(session, data, 1)
    session.commit()
    login(conference.organiser)
    url = f"/e/{conference.event.id}/programme/sessions/{data.id}/delete"
    response = client.post(url)
    assert response.status_code == 409
    assert "Members follow this session: cancel it instead, so they hear of it." in text_of(response.text)
    assert f"/sessions/{data.id}/cancel" in response.text
    assert fresh(session, ProgrammeSession, data.id) is not None


def test_a_room_clash_names_the_other_session_by_the_room(client, session, login, now, conference):
    login(conference.organiser)
    response = client.post(
        f"/e/{conference.event.id}/programme/sessions/new",
        data=session_values(
            conference, starts_at="2030-10-25T11:15", ends_at="2030-10-25T11:30", speaker_ids=[]
        ),
    )
    assert response.status_code == 409
    message = field_error(response.text, "room_id")
    assert "Main hall is taken then by Fast pages (Fri 11:00–11:45)." in message
    assert f"/sessions/{conference.sessions['web'].id}/edit" in response.text  # a link to the one in the way
    assert input_value(response.text, "title") == "Testing in production"
    assert input_value(response.text, "starts_at") == "2030-10-25T11:15"
    assert selected(response.text, "room_id") == [str(conference.main.id)]
    assert session.scalar(select(func.count()).select_from(ProgrammeSession)) == 6


def test_a_speaker_in_two_places_is_named_by_the_speakers(client, session, login, now, conference):
    login(conference.organiser)
    response = client.post(
        f"/e/{conference.event.id}/programme/sessions/new",
        data=session_values(conference, starts_at="2030-10-26T15:00", ends_at="2030-10-26T15:30"),
    )
    assert response.status_code == 409
    message = field_error(response.text, "speaker_ids")
    assert "Grace Hopper speaks in Hands-on testing then (Sat 14:00–16:00)." in message
    checked = re.findall(r'name="speaker_ids" value="(\d+)" checked', response.text)
    assert checked == [str(conference.grace.id)]  # the choice is kept


@pytest.mark.parametrize(
    ("overrides", "field", "message", "status"),
    [
        (
            {"starts_at": "2030-10-28T10:00", "ends_at": "2030-10-28T11:00"},
            "starts_at",
            "must lie within the event",
            422,
        ),
        (
            {"starts_at": "2030-10-24T23:00", "ends_at": "2030-10-25T09:30"},
            "starts_at",
            "Fri 25 Oct 2030, 09:00 to Sun 27 Oct 2030, 18:00",
            422,
        ),
        (
            {"starts_at": "2030-10-26T11:00", "ends_at": "2030-10-26T10:00"},
            "ends_at",
            "The session must end after it starts.",
            422,
        ),
        (
            {"starts_at": "2030-10-26T11:00", "ends_at": "2030-10-26T11:00"},
            "ends_at",
            "The session must end after it starts.",
            422,
        ),
        ({"starts_at": "yesterday"}, "starts_at", "That is not a date and time.", 422),
        ({"starts_at": ""}, "starts_at", "Please say when the session starts.", 422),
        ({"ends_at": "2030-13-40T99:99"}, "ends_at", "That is not a date and time.", 422),
        ({"room_id": "abc"}, "room_id", "Please choose a room from the list.", 422),
        ({"room_id": "999999"}, "room_id", "There is no such room.", 422),
        ({"room_id": ""}, "room_id", "Please choose the room (only breaks may have none).", 422),
        ({"track_id": "-1"}, "track_id", "Please choose a track from the list.", 422),
        ({"speaker_ids": ["x"]}, "speaker_ids", "Please choose a speakers from the list.", 422),
        ({"speaker_ids": ["999999"]}, "speaker_ids", "There is no such speaker.", 422),
        ({"capacity": "-3"}, "capacity", "Seats must be between 1 and 100000.", 422),
        ({"capacity": "abc"}, "capacity", "Not a valid integer value.", 422),
        ({"kind": "party"}, "kind", "kind must be one of", 422),
        ({"level": "guru"}, "level", "level must be one of", 422),
        ({"language": "english!"}, "language", "The language is a short code such as en or ru.", 422),
        ({"title": "  "}, "title", "Please fill in Title.", 422),
        ({"title": "T" * 201}, "title", "Title can be at most 200 characters.", 422),
    ],
)
def test_a_refused_session_says_why_by_the_field_and_keeps_the_input(
    client, session, login, now, conference, overrides, field, message, status
):
    login(conference.organiser)
    values = session_values(conference, **overrides)
    response = client.post(f"/e/{conference.event.id}/programme/sessions/new", data=values)
    assert response.status_code == status
    errors = all_field_errors(response.text)
    assert message in errors.get(field, ""), errors
    assert set(errors) == {field}
    assert input_value(response.text, "starts_at") == values["starts_at"]
    assert session.scalar(select(func.count()).select_from(ProgrammeSession)) == 6


def test_junk_on_an_edit_gives_messages_not_a_500(client, session, login, now, conference):
    login(conference.organiser)
    data = conference.sessions["data"]
    url = f"/e/{conference.event.id}/programme/sessions/{data.id}/edit"
    for junk in (
        {"starts_at": "yesterday"},
        {"room_id": "abc"},
        {"capacity": "-3"},
        {"speaker_ids": ["1", "2", "x"]},
        {"ends_at": "9999-99-99"},
    ):
        response = client.post(url, data=session_values(conference, **junk))
        assert response.status_code == 422, (junk, response.status_code)
    assert fresh(session, ProgrammeSession, data.id).sequence == 0


def test_a_capacity_below_the_seats_taken_is_refused_by_the_field(client, session, login, now, conference):
    workshop = conference.sessions["workshop"]
    for _ in range(2):
        session.add(
            Registration(
                session_id=workshop.id,
                member_id=make_member(session).id,
                status=RegistrationStatus.going,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    session.commit()
    login(conference.organiser)
    response = client.post(
        f"/e/{conference.event.id}/programme/sessions/{workshop.id}/edit",
        data=session_values(
            conference,
            title="Hands-on testing",
            kind="workshop",
            starts_at="2030-10-26T14:00",
            ends_at="2030-10-26T16:00",
            room_id=str(conference.small.id),
            speaker_ids=[str(conference.ada.id), str(conference.grace.id)],
            capacity="1",
        ),
    )
    assert response.status_code == 422
    assert "2 people already hold seats" in field_error(response.text, "capacity")


def test_a_break_needs_no_room(client, session, login, now, conference):
    login(conference.organiser)
    response = client.post(
        f"/e/{conference.event.id}/programme/sessions/new",
        data=session_values(
            conference, title="Coffee", kind="break", room_id="", track_id="", speaker_ids=[], level=""
        ),
    )
    assert response.status_code == 302
    coffee = session.scalar(select(ProgrammeSession).where(ProgrammeSession.title == "Coffee"))
    assert coffee.room_id is None and coffee.ends_at - coffee.starts_at == timedelta(minutes=45)


# In a browser: the overview and the session form on a phone and on a laptop


@pytest.fixture(scope="module")
def live_server():
    """The app in a thread with CSRF on, on a fresh database of the test database's kind (harness.servers)."""
    import threading

    from werkzeug.serving import make_server

    from harness.servers import create_schema, fresh_database
    from meetups import create_app, web
    from meetups.extensions import db

    with fresh_database() as database_url:
        create_schema(database_url)
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False, "MAIL_URL": ""}
        )
        server = make_server("127.0.0.1", 0, app, threaded=True)
        url = f"http://127.0.0.1:{server.server_port}"
        app.config["BASE_URL"] = url
        web.install_site(app)
        thread = threading.Thread(target=server.serve_forever, name="programme-live-server", daemon=True)
        thread.start()
        yield url, app
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def seeded_conference(app) -> dict:
    """Written straight into the server's database: a two-day conference with three rooms, one session more
    starred than its room holds, a full workshop, a break and a cancelled talk."""
    from meetups import clock
    from meetups.communities.models import CommunityRole
    from meetups.extensions import db
    from tests.factories import join, make_community
    from tests.programme.conftest import ENDS, STARTS

    now = clock.now()
    with app.app_context():
        s = db.session
        organiser = make_member(s, name="Olga Organiser", email_verified_at=now)
        community = make_community(s, organiser=organiser, name="PyConf")
        event = make_event(s, community=community, title="PyConf 2030", starts_at=STARTS, ends_at=ENDS)
        save = {"session": s, "event": event, "actor": organiser}
        main = places.save_room(**save, values={"name": "Main hall", "capacity": 300})
        small = places.save_room(**save, values={"name": "Room B", "capacity": 40, "position": 1})
        attic = places.save_room(**save, values={"name": "Attic", "capacity": 90, "position": 2})
        web = places.save_track(**save, values={"name": "Web", "colour": "#1a7f5a"})
        data = places.save_track(**save, values={"name": "Data", "colour": "#8a4fff"})
        ada_member = make_member(s, name="Ada Lovelace")
        join(s, community, ada_member, CommunityRole.member)
        ada = lineup.save_speaker(**save, now=now, values={"name": "Ada Lovelace", "email": ada_member.email})
        grace = lineup.save_speaker(**save, now=now, values={"name": "Grace Hopper", "affiliation": "Navy"})

        def add(**values):
            return service.create_session(**save, now=now, values=values)

        add(
            title="Opening keynote",
            kind="keynote",
            starts_at="2030-10-25T09:30",
            ends_at="2030-10-25T10:30",
            room_id=main.id,
            speaker_ids=[ada.id],
            language="en",
        )
        add(
            title="Fast pages for slow networks",
            starts_at="2030-10-25T11:00",
            ends_at="2030-10-25T11:45",
            room_id=main.id,
            track_id=web.id,
            speaker_ids=[grace.id],
            level="beginner",
            language="en",
        )
        crowded = add(
            title="Tables at scale",
            starts_at="2030-10-25T11:00",
            ends_at="2030-10-25T11:45",
            room_id=small.id,
            track_id=data.id,
            level="advanced",
            language="ru",
        )
        add(title="Lunch", kind="break", starts_at="2030-10-25T12:00", ends_at="2030-10-25T13:00")
        workshop = add(
            title="Hands-on testing",
            kind="workshop",
            starts_at="2030-10-26T14:00",
            ends_at="2030-10-26T16:00",
            room_id=small.id,
            track_id=web.id,
            capacity=2,
            speaker_ids=[ada.id, grace.id],
        )
        dropped = add(
            title="A talk that fell through",
            starts_at="2030-10-26T10:00",
            ends_at="2030-10-26T10:30",
            room_id=attic.id,
        )
        service.cancel_session(s, event=event, actor=organiser, session_id=dropped.id, now=now)
        for n in range(46):
            member = make_member(s)
            s.add(Star(session_id=crowded.id, member_id=member.id, starred_at=now))
            if n < 3:
                status = RegistrationStatus.going if n < 2 else RegistrationStatus.waitlisted
                s.add(
                    Registration(
                        session_id=workshop.id,
                        member_id=member.id,
                        status=status,
                        waitlist_rank=1 if n == 2 else None,
                        created_at=now,
                        updated_at=now,
                    )
                )
        seeded = {"email": organiser.email, "event_id": event.id, "main": main.id}
        s.commit()
    return seeded


@pytest.mark.browser
def test_the_overview_and_the_session_form_fit_a_phone_and_a_laptop(live_server, browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    from tests.factories import PASSWORD

    url, app = live_server
    seeded = seeded_conference(app)
    for width, height in ((360, 740), (1280, 900)):
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
        page = context.new_page()
        page.goto(f"{url}/login")
        page.get_by_label("Email").fill(seeded["email"])
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("button", name="Log out").wait_for()

        page.goto(f"{url}/e/{seeded['event_id']}/programme")
        expect(page.get_by_role("heading", name="Programme", exact=True)).to_be_visible()
        expect(page.locator(".pm-over")).to_contain_text("Over capacity by 6.")
        expect(page.locator(".pm-move")).to_contain_text("move to Attic (90)")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        page.screenshot(path=str(tmp_path / f"overview-{width}.png"), full_page=True)

        page.goto(f"{url}/e/{seeded['event_id']}/programme/sessions/new?day=2030-10-25")
        page.get_by_label("Title").fill("Clashing talk")
        page.get_by_label("Starts").fill("2030-10-25T11:15")
        page.get_by_label("Ends").fill("2030-10-25T11:40")
        page.get_by_label("Room", exact=True).select_option(str(seeded["main"]))
        page.get_by_role("button", name="Add the session").click()
        expect(page.locator("#room_id-error")).to_contain_text("Fast pages for slow networks")
        expect(page.get_by_label("Title")).to_have_value("Clashing talk")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), width
        page.screenshot(path=str(tmp_path / f"session-form-{width}.png"), full_page=True)
        context.close()
    print(f"screenshots in {tmp_path}")


def test_a_post_without_its_csrf_token_changes_nothing(
    app, client, session, login, now, conference, monkeypatch
):
    login(conference.organiser)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(f"/e/{conference.event.id}/programme/tracks/{conference.web.id}/delete")
    assert response.status_code == 400  # the app's CSRFProtect, before the page
    assert fresh(session, Track, conference.web.id) is not None
