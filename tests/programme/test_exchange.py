"""The programme in and out: the CSV import (every row checked, every problem named, nothing written unless
all rows pass; on PostgreSQL too when MEETUPS_TEST_DATABASE_URL is set) and the CSV, JSON and frab XML
exports (public like the agenda, drafts only for organisers, never a speaker's email)."""

from __future__ import annotations

import csv
import io
import json
import uuid
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from meetups.events.models import EventStaff, EventStatus, StaffRole
from meetups.programme import exports, importing, lineup, places, service
from meetups.programme.models import ProgrammeSession, Room, SessionStatus, Speaker, Track
from tests.browser.conftest import browser  # noqa: F401
from tests.factories import bearer, make_event, make_member
from tests.programme.conftest import NOW

SESSIONS_HEADER = "title,kind,starts_at,ends_at,room,track,language,level,capacity,speakers,abstract\n"


def run(conference, session, speakers=None, sessions=None, **options):
    return importing.import_programme(
        session,
        event=conference.event,
        actor=conference.organiser,
        speakers_csv=speakers,
        sessions_csv=sessions,
        now=NOW,
        **options,
    )


def failure(conference, session, speakers=None, sessions=None, **options) -> importing.ImportFailed:
    with pytest.raises(importing.ImportFailed) as caught:
        run(conference, session, speakers, sessions, **options)
    return caught.value


def problems(err: importing.ImportFailed) -> list[tuple]:
    return [(p["file"], p["row"], p["field"]) for p in err.details["rows"]]


def count(session, model, event) -> int:
    return session.scalar(select(func.count()).select_from(model).where(model.event_id == event.id))


def counts(session, event) -> tuple[int, ...]:
    return tuple(count(session, model, event) for model in (ProgrammeSession, Speaker, Room, Track))


# Importing


def test_speakers_and_sessions_of_one_import_find_each_other(conference, session):
    linus = make_member(session, name="Linus Account")
    speakers = (
        "name,email,pronouns,affiliation,bio,links\n"
        f"Linus Torvalds,{linus.email},he/him,Kernel,Writes *kernels*.,https://example.org/l https://example.org/k\n"
        "Margaret Hamilton,,she/her,NASA,,\n"
    )
    sessions = SESSIONS_HEADER + (
        "Kernels,talk,2030-10-25 14:00,2030-10-25 14:45,Main hall,Web,en,advanced,,Linus Torvalds,Why.\n"
        "Apollo,panel,2030-10-25 14:00,2030-10-25 15:00,room b,,,,,"
        f"Margaret Hamilton; {conference.ada_member.email},\n"
        "Coffee,break,2030-10-25 15:00,2030-10-25 15:30,,,,,,,\n"
    )
    done = run(conference, session, speakers, sessions)
    assert (done.speakers, done.sessions, done.rooms, done.tracks) == (2, 3, 0, 0)
    kernels, apollo, coffee = sorted(
        (
            s
            for s in service.list_sessions(session, conference.event)
            if s.title in ("Kernels", "Apollo", "Coffee")
        ),
        key=lambda s: s.title != "Kernels",
    )
    assert kernels.starts_at.astimezone(UTC) == datetime(
        2030, 10, 25, 12, 0, tzinfo=UTC
    )  # 14:00 in Berlin, CEST
    assert (kernels.room, kernels.track, kernels.level.value, kernels.language) == (
        conference.main,
        conference.web,
        "advanced",
        "en",
    )
    assert [s.name for s in kernels.speakers] == ["Linus Torvalds"]
    assert kernels.speakers[0].links == ["https://example.org/l", "https://example.org/k"]
    assert apollo.room == conference.small  # room names match whatever their case
    assert [s.name for s in apollo.speakers] == ["Margaret Hamilton", "Ada Lovelace"]  # by name and by email
    assert coffee.room is None
    speaker_role = select(EventStaff.member_id).where(
        EventStaff.event_id == conference.event.id, EventStaff.role == StaffRole.speaker
    )
    assert linus.id in set(session.scalars(speaker_role))  # a linked speaker with a session


def test_a_byte_order_mark_and_semicolons_are_read(conference, session):
    sessions = (
        "\ufefftitle;starts_at;ends_at;room;speakers\n"
        '"Pairs; and more";2030-10-26 10:00;2030-10-26 10:30;Main hall;"Ada Lovelace; Grace Hopper"\n'
    ).encode()
    assert run(conference, session, sessions=sessions).sessions == 1
    item = next(s for s in service.list_sessions(session, conference.event) if s.title == "Pairs; and more")
    assert [s.name for s in item.speakers] == ["Ada Lovelace", "Grace Hopper"]


def test_five_good_rows_and_one_bad_write_nothing(conference, session):
    good = [
        f"Talk {n},talk,2030-10-26 {9 + n:02d}:00,2030-10-26 {9 + n:02d}:45,Main hall,,,,,,\n"
        for n in range(5)
    ]
    bad = "Lost,talk,2030-10-26 16:00,2030-10-26 16:45,Hall Z,,,,,,\n"
    before = counts(session, conference.event)
    err = failure(conference, session, sessions=SESSIONS_HEADER + "".join(good[:3]) + bad + "".join(good[3:]))
    assert err.code == "invalid_import" and err.status == 422
    assert problems(err) == [("sessions", 5, "room")]
    assert importing.row_message(err.details["rows"][0]) == "Row 5, room: There is no room named “Hall Z”."
    assert counts(session, conference.event) == before
    session.commit()  # even a caller that commits after the refusal writes nothing
    assert counts(session, conference.event) == before


def test_every_bad_row_is_named_with_its_column(conference, session):
    sessions = SESSIONS_HEADER + (
        "Fine,talk,2030-10-26 09:00,2030-10-26 09:30,Main hall,,,,,,\n"  # row 2
        "No track,talk,2030-10-26 09:00,2030-10-26 09:30,Room B,Cooking,,,,,\n"  # 3
        "Backwards,talk,2030-10-26 11:00,2030-10-26 10:00,Main hall,,,,,,\n"  # 4
        "Odd kind,lecture,2030-10-26 12:00,2030-10-26 12:30,Main hall,,,,,,\n"  # 5
        "Seats,workshop,2030-10-26 13:00,2030-10-26 14:00,Main hall,,,,many,,\n"  # 6
        "Ghost,talk,2030-10-26 15:00,2030-10-26 15:30,Main hall,,,,,Nobody Known,\n"  # 7
        "Too late,talk,2030-10-28 10:00,2030-10-28 10:30,Main hall,,,,,,\n"  # 8
        "Bad time,talk,tomorrow,2030-10-26 10:30,Main hall,,,,,,\n"  # 9
        ",talk,2030-10-26 16:00,2030-10-26 16:30,Main hall,,,,,,\n"  # 10
        "No room,talk,2030-10-26 17:00,2030-10-26 17:30,,,,,,,\n"  # 11
        "Level,talk,2030-10-26 17:00,2030-10-26 17:30,Room B,,en,expert,,,\n"  # 12
        ",,,,,,,,,,\n"  # 13: blank, skipped
    )
    err = failure(conference, session, sessions=sessions)
    assert problems(err) == [
        ("sessions", 3, "track"),
        ("sessions", 4, "ends_at"),
        ("sessions", 5, "kind"),
        ("sessions", 6, "capacity"),
        ("sessions", 7, "speakers"),
        ("sessions", 8, "starts_at"),
        ("sessions", 9, "starts_at"),
        ("sessions", 10, "title"),
        ("sessions", 11, "room"),
        ("sessions", 12, "level"),
    ]
    messages = [importing.row_message(p) for p in err.details["rows"]]
    assert messages[0] == "Row 3, track: There is no track named “Cooking”."
    assert "Nobody Known" in messages[4]
    assert err.message == "Nothing was imported: 10 problems to fix first."


def test_clashes_within_the_file_are_caught_row_by_row(conference, session):
    sessions = SESSIONS_HEADER + (
        "First,talk,2030-10-26 09:00,2030-10-26 10:00,Main hall,,,,,Grace Hopper,\n"  # 2
        "Same room,talk,2030-10-26 09:30,2030-10-26 10:30,Main hall,,,,,,\n"  # 3
        "Same speaker,talk,2030-10-26 09:15,2030-10-26 09:45,Room B,,,,,Grace Hopper,\n"  # 4
        "Keynote's room,talk,2030-10-25 10:00,2030-10-25 10:15,Main hall,,,,,,\n"  # 5: the existing keynote
    )
    err = failure(conference, session, sessions=sessions)
    assert problems(err) == [("sessions", 3, "room"), ("sessions", 4, "speakers"), ("sessions", 5, "room")]
    messages = [p["message"] for p in err.details["rows"]]
    assert "First" in messages[0] and "Grace Hopper" in messages[1] and "Opening keynote" in messages[2]


def test_a_speaker_row_that_fails_is_named_where_sessions_use_it(conference, session):
    speakers = "name,links\nBad Links,ftp://example.org\n"
    sessions = SESSIONS_HEADER + "Talk,talk,2030-10-26 09:00,2030-10-26 10:00,Main hall,,,,,Bad Links,\n"
    err = failure(conference, session, speakers, sessions)
    assert problems(err) == [("speakers", 2, "links"), ("sessions", 2, "speakers")]
    assert "row 2 of speakers.csv" in err.details["rows"][1]["message"]
    assert count(session, Speaker, conference.event) == 2


def test_speaker_rows_update_the_speaker_of_that_name_or_email(conference, session):
    speakers = (
        "name,affiliation\n"
        "grace hopper,US Navy\n"  # the existing speaker, by name
        "New Person,Somewhere\n"
    )
    done = run(conference, session, speakers=speakers)
    assert done.speakers == 2
    grace = session.get(Speaker, conference.grace.id)
    assert (grace.name, grace.affiliation) == ("grace hopper", "US Navy")
    by_email = f"email,pronouns\n{conference.ada_member.email},they/them\n"
    run(conference, session, speakers=by_email)
    ada = session.get(Speaker, conference.ada.id)
    assert (ada.name, ada.pronouns, ada.bio) == ("Ada Lovelace", "they/them", "Wrote the *first* program.")
    assert count(session, Speaker, conference.event) == 3


def test_a_speaker_twice_in_one_file_is_a_row_error(conference, session):
    err = failure(conference, session, speakers="name\nZed\nzed\n")
    assert problems(err) == [("speakers", 3, "name")]
    assert "Row 2" in err.details["rows"][0]["message"]


def test_an_unknown_account_email_is_a_row_error(conference, session):
    err = failure(conference, session, speakers="name,email\nZed,nobody@example.test\n")
    assert problems(err) == [("speakers", 2, "email")]


def test_create_missing_makes_the_rooms_and_tracks_the_file_names(conference, session):
    sessions = SESSIONS_HEADER + (
        "A,talk,2030-10-26 09:00,2030-10-26 10:00,Hall Z,Cooking,,,,,\n"
        "B,talk,2030-10-26 10:00,2030-10-26 11:00,hall z,cooking,,,,,\n"
        "C,talk,2030-10-26 10:00,2030-10-26 11:00,Main hall,,,,,,\n"
    )
    done = run(conference, session, sessions=sessions, create_missing=True)
    assert (done.sessions, done.rooms, done.tracks) == (3, 1, 1)
    hall = next(r for r in service.list_rooms(session, conference.event) if r.name == "Hall Z")
    assert hall.position == 2  # after the existing rooms


def test_rooms_made_for_a_failed_import_are_not_kept(conference, session):
    sessions = SESSIONS_HEADER + (
        "A,talk,2030-10-26 09:00,2030-10-26 10:00,Hall Z,,,,,,\n"
        "B,talk,2030-10-26 09:00,2030-10-26 10:00,Hall Z,,,,,,\n"  # the same new room at once
    )
    err = failure(conference, session, sessions=sessions, create_missing=True)
    assert problems(err) == [("sessions", 3, "room")]
    assert count(session, Room, conference.event) == 2


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"title,starts_at,ends_at\n" + b"x" * importing.MAX_FILE_BYTES, "larger than 1 MB"),
        ("title,starts_at,ends_at\n".encode("utf-16"), "not UTF-8"),
        ("title,starts_at,ends_at\n" + "a,b,c\n" * (importing.MAX_ROWS + 1), "at most 2000 at a time"),
        ("title,starts_at\nA,2030-10-26 09:00\n", "The column “ends_at” is missing."),
        ("title,starts_at,ends_at,colour\n", "Unknown column “colour”"),
        (b"title,starts_at,ends_at\n\x00,,\n", "not a text file"),
        ('title,starts_at,ends_at\n"open quote,,\n', "cannot be read as CSV"),
    ],
)
def test_files_that_cannot_be_read_are_refused_whole(conference, session, data, expected):
    err = failure(conference, session, sessions=data)
    assert any(expected in p["message"] for p in err.details["rows"]), err.details["rows"]
    assert count(session, ProgrammeSession, conference.event) == 6


def test_no_file_or_only_a_header_is_refused(conference, session):
    assert "Please choose" in failure(conference, session).message
    assert "no rows" in failure(conference, session, sessions=SESSIONS_HEADER, speakers="name\n").message


def test_more_cells_than_columns_is_a_row_error(conference, session):
    err = failure(conference, session, speakers="name\nZed,extra\n")
    assert problems(err) == [("speakers", 2, "")]
    assert importing.row_message(err.details["rows"][0]).startswith("Row 2: ")


def test_only_organisers_import(conference, session):
    with pytest.raises(Exception) as caught:
        importing.import_programme(
            session,
            event=conference.event,
            actor=conference.member,
            speakers_csv="name\nZed\n",
            sessions_csv=None,
            now=NOW,
        )
    assert getattr(caught.value, "code", None) == "forbidden"


# Exporting


def cancel(conference, session, key: str):
    service.cancel_session(
        session,
        event=conference.event,
        actor=conference.organiser,
        session_id=conference.sessions[key].id,
        now=NOW,
    )
    session.commit()


def test_the_csv_is_formula_safe_without_emails_and_imports_again(conference, session, site):
    conference.add(
        session,
        "formula",
        title='=HYPERLINK("http://evil")',
        starts_at="2030-10-26T09:00",
        ends_at="2030-10-26T09:30",
        room_id=conference.main.id,
        speaker_ids=[conference.ada.id],
    )
    cancel(conference, session, "web")
    programme = exports.get_programme(session, event_id=conference.event.id, viewer=None)
    text = exports.programme_csv(programme)
    assert text.startswith("\ufeffid,status,title,kind,starts_at")
    assert conference.ada_member.email not in text
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 7
    formula = next(r for r in rows if "HYPERLINK" in r["title"])
    assert formula["title"].startswith("'=")
    keynote = next(r for r in rows if r["title"] == "Opening keynote")
    assert (keynote["starts_at"], keynote["room"], keynote["speakers"]) == (
        "2030-10-25 09:30",
        "Main hall",
        "Ada Lovelace",
    )
    assert next(r for r in rows if r["title"] == "Fast pages")["status"] == "cancelled"

    other = make_event(
        session,
        community=conference.community,
        starts_at=conference.event.starts_at,
        ends_at=conference.event.ends_at,
        timezone="Europe/Berlin",
    )
    for name in ("Ada Lovelace", "Grace Hopper"):
        lineup.save_speaker(session, event=other, actor=conference.organiser, values={"name": name}, now=NOW)
    done = importing.import_programme(
        session,
        event=other,
        actor=conference.organiser,
        speakers_csv=None,
        sessions_csv=text.encode(),
        now=NOW,
        create_missing=True,
    )
    assert (done.sessions, done.rooms, done.tracks) == (6, 2, 2)  # the cancelled one skipped


def test_the_json_has_the_whole_programme_without_emails(conference, session, site):
    cancel(conference, session, "web")
    data = exports.programme_json(
        exports.get_programme(session, event_id=conference.event.id, viewer=None), site
    )
    assert conference.ada_member.email not in json.dumps(data)
    assert data["event"]["timezone"] == "Europe/Berlin"
    assert [r["name"] for r in data["rooms"]] == ["Main hall", "Room B"]
    assert {s["name"] for s in data["speakers"]} == {"Ada Lovelace", "Grace Hopper"}
    by_title = {s["title"]: s for s in data["sessions"]}
    assert by_title["Fast pages"]["status"] == "cancelled"
    keynote = by_title["Opening keynote"]
    assert keynote["starts_at"] == "2030-10-25T09:30:00+02:00"
    assert by_title["Sunday morning talk"]["starts_at"] == "2030-10-27T09:00:00+01:00"  # after the change
    assert keynote["duration_minutes"] == 60 and keynote["room"]["name"] == "Main hall"
    assert keynote["speakers"] == [{"id": conference.ada.id, "name": "Ada Lovelace"}]
    assert by_title["Lunch"]["room"] is None
    assert keynote["url"].endswith(f"/e/{conference.event.id}/sessions/{keynote['id']}")


EVENT_FIELDS = (
    "date",
    "start",
    "duration",
    "room",
    "slug",
    "title",
    "subtitle",
    "track",
    "type",
    "language",
    "abstract",
    "description",
    "persons",
    "links",
)


def test_the_frab_schedule_has_every_field_conference_apps_read(conference, session, site):
    cancel(conference, session, "web")
    programme = exports.get_programme(session, event_id=conference.event.id, viewer=None)
    xml = exports.frab_xml(programme, site)
    root = ET.fromstring(xml)
    assert root.tag == "schedule" and root.findtext("version")
    conf = root.find("conference")
    for name in ("acronym", "title", "start", "end", "days", "timeslot_duration", "time_zone_name"):
        assert conf.find(name) is not None, name
    assert (conf.findtext("start"), conf.findtext("end"), conf.findtext("days")) == (
        "2030-10-25",
        "2030-10-27",
        "3",
    )
    assert (
        conf.findtext("time_zone_name") == "Europe/Berlin" and conf.findtext("timeslot_duration") == "00:15"
    )
    days = root.findall("day")
    assert [(d.get("index"), d.get("date")) for d in days] == [
        ("1", "2030-10-25"),
        ("2", "2030-10-26"),
        ("3", "2030-10-27"),
    ]
    assert days[0].get("start") == "2030-10-25T09:30:00+02:00"
    events = {e.findtext("title"): e for e in root.iter("event")}
    assert set(events) == {"Opening keynote", "Tables at scale", "Hands-on testing", "Sunday morning talk"}
    for element in events.values():
        for name in EVENT_FIELDS:
            assert element.find(name) is not None, name
        assert element.get("id") and uuid.UUID(element.get("guid")).version == 5
    keynote = events["Opening keynote"]
    assert (keynote.findtext("date"), keynote.findtext("start"), keynote.findtext("duration")) == (
        "2030-10-25T09:30:00+02:00",
        "09:30",
        "01:00",
    )
    assert keynote.findtext("type") == "keynote" and keynote.findtext("language") == "en"
    assert [(p.get("id"), p.text) for p in keynote.find("persons")] == [
        (str(conference.ada.id), "Ada Lovelace")
    ]
    assert events["Hands-on testing"].findtext("duration") == "02:00"
    assert events["Sunday morning talk"].findtext("date") == "2030-10-27T09:00:00+01:00"
    assert "<script>" in events["Tables at scale"].findtext("abstract")  # text, escaped in the XML
    rooms = [r.get("name") for r in days[0].findall("room")]
    assert rooms == ["Main hall", "Room B"]
    assert keynote.findtext("room") == "Main hall"
    assert exports.frab_xml(programme, site) == xml  # guids and all: stable
    assert conference.ada_member.email.encode() not in xml


# Pages


def import_post(client, event_id, speakers=None, sessions=None, **data):
    files = {}
    if speakers is not None:
        files["speakers"] = (
            io.BytesIO(speakers.encode() if isinstance(speakers, str) else speakers),
            "speakers.csv",
        )
    if sessions is not None:
        files["sessions"] = (
            io.BytesIO(sessions.encode() if isinstance(sessions, str) else sessions),
            "sessions.csv",
        )
    return client.post(
        f"/e/{event_id}/programme/import", data={**files, **data}, content_type="multipart/form-data"
    )


def test_the_import_page_imports_and_says_how_much(conference, client, login, session):
    login(conference.organiser)
    page = client.get(f"/e/{conference.event.id}/programme/import")
    assert page.status_code == 200
    assert 'enctype="multipart/form-data"' in page.text and "speakers.csv" in page.text
    sessions = SESSIONS_HEADER + "Kernels,talk,2030-10-25 14:00,2030-10-25 14:45,Main hall,,,,,Zed,\n"
    response = import_post(client, conference.event.id, "name\nZed\n", sessions)
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/e/{conference.event.id}/programme")
    with client.session_transaction() as cookie:
        assert "Imported: 1 speaker, 1 session." in str(cookie["_flashes"])
    assert count(session, ProgrammeSession, conference.event) == 7


def test_the_import_page_lists_every_problem_and_keeps_them_text(conference, client, login, session):
    login(conference.organiser)
    sessions = SESSIONS_HEADER + (
        "Fine,talk,2030-10-26 09:00,2030-10-26 09:30,Main hall,,,,,,\n"
        "Bad,talk,2030-10-26 10:00,2030-10-26 10:30,<img src=x onerror=alert(1)>,,,,,,\n"
        "Worse,talk,2030-10-26 11:00,2030-10-26 10:30,Main hall,,,,,,\n"
    )
    response = import_post(client, conference.event.id, sessions=sessions, create_missing="")
    assert response.status_code == 422
    assert "Nothing was imported" in response.text
    assert "Row 3, room: There is no room named “&lt;img src=x onerror=alert(1)&gt;”." in response.text
    assert "Row 4, ends_at:" in response.text
    assert "<img src=x" not in response.text
    assert count(session, ProgrammeSession, conference.event) == 6


def test_a_too_large_file_is_answered_on_the_page(conference, client, login):
    login(conference.organiser)
    big = SESSIONS_HEADER + "x" * (importing.MAX_FILE_BYTES + 10)
    response = import_post(client, conference.event.id, sessions=big)
    assert response.status_code == 422
    assert "sessions.csv is larger than 1 MB" in response.text


def test_the_templates_download_and_import_as_they_are(conference, client, login, session):
    login(conference.organiser)
    speakers = client.get(f"/e/{conference.event.id}/programme/import/speakers.csv")
    sessions = client.get(f"/e/{conference.event.id}/programme/import/sessions.csv")
    assert speakers.mimetype == sessions.mimetype == "text/csv"
    assert sessions.text.lstrip("\ufeff").startswith(SESSIONS_HEADER.strip())
    assert client.get(f"/e/{conference.event.id}/programme/import/rooms.csv").status_code == 404
    # the example keynote overlaps the fixture's: the template is right, the programme is full
    err = failure(conference, session, speakers=speakers.data, sessions=sessions.data)
    assert problems(err) == [("sessions", 2, "room")]  # its speaker, Ada, is updated (to the same)


ORGANISER_ONLY = [
    ("get", "/e/{id}/programme/import"),
    ("post", "/e/{id}/programme/import"),
    ("get", "/e/{id}/programme/import/speakers.csv"),
]


@pytest.mark.parametrize(("method", "path"), ORGANISER_ONLY)
def test_members_and_strangers_cannot_import(conference, client, login, session, method, path):
    url = path.format(id=conference.event.id)
    assert getattr(client, method)(url).status_code == 302  # to the login page
    for who in (conference.member, conference.stranger):
        login(who)
        assert getattr(client, method)(url).status_code == 403
    assert count(session, ProgrammeSession, conference.event) == 6


EXPORTS = ["programme.csv", "programme.json", "schedule.xml", "programme.pdf"]


@pytest.mark.parametrize("name", EXPORTS)
def test_exports_are_public_once_published_and_drafts_only_for_organisers(
    conference, client, login, session, name
):
    url = f"/e/{conference.event.id}/{name}"
    assert client.get(url).status_code == 200
    conference.event.status = EventStatus.draft
    session.commit()
    assert client.get(url).status_code == 404
    login(conference.member)
    assert client.get(url).status_code == 404
    login(conference.organiser)
    assert client.get(url).status_code == 200


def test_the_export_responses_say_what_they_are(conference, client):
    base = f"/e/{conference.event.id}"
    csv_response = client.get(f"{base}/programme.csv")
    assert csv_response.mimetype == "text/csv" and "attachment" in csv_response.headers["Content-Disposition"]
    assert client.get(f"{base}/programme.json").json["event"]["id"] == conference.event.id
    xml = client.get(f"{base}/schedule.xml")
    assert xml.mimetype == "application/xml" and ET.fromstring(xml.data).tag == "schedule"
    assert client.get("/e/999999/schedule.xml").status_code == 404


@pytest.mark.parametrize("name", ["programme.csv", "programme.json", "schedule.xml"])
def test_exports_load_in_a_fixed_number_of_queries(conference, client, session, count_queries, name):
    url = f"/e/{conference.event.id}/{name}"
    count_queries.clear()
    client.get(url)
    few = len(count_queries)
    for n in range(6):
        conference.add(
            session,
            f"more{n}",
            title=f"More {n}",
            starts_at=f"2030-10-26T{8 + n:02d}:00",
            ends_at=f"2030-10-26T{8 + n:02d}:30",
            room_id=conference.main.id,
            track_id=conference.data.id,
            speaker_ids=[conference.grace.id],
        )
    session.commit()
    count_queries.clear()
    assert client.get(url).status_code == 200
    assert len(count_queries) == few


# The API


def api_import(client, event_id, headers, **body):
    return client.post(f"/api/v1/events/{event_id}/programme/import", json=body, headers=headers)


def test_the_api_imports_csv_text(conference, client, session):
    sessions = SESSIONS_HEADER + "Kernels,talk,2030-10-25 14:00,2030-10-25 14:45,Hall Z,,,,,Zed,\n"
    response = api_import(
        client, conference.event.id, bearer(session, conference.organiser), speakers="name\nZed\n",
        sessions=sessions, create_missing=True,
    )  # fmt: skip
    assert response.status_code == 201, response.json
    assert response.json == {"speakers": 1, "sessions": 1, "rooms": 1, "tracks": 0}


def test_the_api_lists_every_row_problem(conference, client, session):
    sessions = SESSIONS_HEADER + (
        "Fine,talk,2030-10-26 09:00,2030-10-26 09:30,Main hall,,,,,,\n"
        "Bad,talk,2030-10-26 10:00,2030-10-26 10:30,Hall Z,,,,,,\n"
    )
    response = api_import(
        client, conference.event.id, bearer(session, conference.organiser), sessions=sessions
    )
    assert response.status_code == 422
    error = response.json["error"]
    assert error["code"] == "invalid_import"
    assert error["rows"] == [
        {"file": "sessions", "row": 3, "field": "room", "message": "There is no room named “Hall Z”."}
    ]
    assert count(session, ProgrammeSession, conference.event) == 6


def test_the_api_refuses_others_and_bad_bodies(conference, client, session):
    event_id = conference.event.id
    assert api_import(client, event_id, {}, speakers="name\nZed\n").status_code == 401
    refused = api_import(client, event_id, bearer(session, conference.member), speakers="name\nZed\n")
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    organiser = bearer(session, conference.organiser)
    assert api_import(client, 999999, organiser, speakers="name\nZed\n").status_code == 404
    wrong = api_import(client, event_id, organiser, speakers=["not", "text"])
    assert wrong.status_code == 422 and wrong.json["error"]["field"] == "speakers"
    unknown = api_import(client, event_id, organiser, rooms="Hall Z")
    assert unknown.status_code == 422 and unknown.json["error"]["code"] == "invalid_input"
    assert api_import(client, event_id, organiser).json["error"]["code"] == "invalid_import"


def test_the_api_takes_multipart_files(conference, client, session):
    response = client.post(
        f"/api/v1/events/{conference.event.id}/programme/import",
        data={"speakers": (io.BytesIO(b"name\nZed\n"), "speakers.csv"), "create_missing": "false"},
        headers=bearer(session, conference.organiser),
        content_type="multipart/form-data",
    )
    assert response.status_code == 201, response.json
    assert response.json["speakers"] == 1
    bad = client.post(
        f"/api/v1/events/{conference.event.id}/programme/import",
        data={"sessions": (io.BytesIO(b"title\nA\n"), "sessions.csv"), "create_missing": "maybe"},
        headers=bearer(session, conference.organiser),
        content_type="multipart/form-data",
    )
    assert bad.status_code == 422 and bad.json["error"]["field"] == "create_missing"


def test_sessions_imported_are_scheduled(conference, session):
    run(
        conference,
        session,
        sessions=SESSIONS_HEADER + "Z,talk,2030-10-26 09:00,2030-10-26 09:30,Room B,,,,,,\n",
    )
    item = next(s for s in service.list_sessions(session, conference.event) if s.title == "Z")
    assert item.status is SessionStatus.scheduled and item.created_at == NOW


# In the browser


@pytest.fixture(scope="module")
def live_server():
    """The app in a thread with CSRF on, on a fresh database of the test database's kind."""
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
        thread = threading.Thread(target=server.serve_forever, name="import-live-server", daemon=True)
        thread.start()
        yield url, app
        server.shutdown()
        thread.join(timeout=10)
        with app.app_context():
            db.engine.dispose()


def seed_conference(app) -> tuple[str, int]:
    from meetups.communities.models import CommunityRole
    from meetups.extensions import db
    from tests.factories import join, make_community
    from tests.programme.conftest import ENDS, STARTS

    with app.app_context():
        session = db.session
        organiser = make_member(session, email_verified_at=NOW)
        community = make_community(session)
        join(session, community, organiser, CommunityRole.organiser)
        event = make_event(session, community=community, title="PyConf 2030", starts_at=STARTS, ends_at=ENDS)
        places.save_room(session, event=event, actor=organiser, values={"name": "Main hall"})
        seeded = (organiser.email, event.id)
        session.commit()
    return seeded


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.browser
def test_an_organiser_imports_in_the_browser_after_one_refused_try(live_server, browser, tmp_path):  # noqa: F811
    from playwright.sync_api import expect

    from tests.factories import PASSWORD

    url, app = live_server
    email, event_id = seed_conference(app)
    bad = SESSIONS_HEADER + (
        "Opening,keynote,2030-10-25 09:30,2030-10-25 10:30,Main hall,,en,,,Ada,\n"
        "Lost,talk,2030-10-25 11:00,2030-10-25 11:45,Hall Z,,,,,,\n"
    )
    for width in (360, 1280):
        context = browser.new_context(viewport={"width": width, "height": 800}, locale="en-GB")
        page = context.new_page()
        page.goto(f"{url}/login")
        page.get_by_label("Email").fill(email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.get_by_role("button", name="Log out").wait_for()
        page.goto(f"{url}/e/{event_id}/programme/import")
        page.get_by_label("Sessions (sessions.csv)").set_input_files(
            {"name": "sessions.csv", "mimeType": "text/csv", "buffer": bad.encode()}
        )
        page.get_by_role("button", name="Import").click()
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text("Nothing was imported")
        expect(alert).to_contain_text("Row 3, room: There is no room named “Hall Z”.")
        expect(alert).to_contain_text("Row 2, speakers: There is no speaker “Ada”")
        assert fits_the_screen(page), f"the import page scrolls sideways at {width} px"
        page.screenshot(path=str(tmp_path / f"import-refused-{width}.png"), full_page=True)
        context.close()
    print(f"screenshots in {tmp_path}")
