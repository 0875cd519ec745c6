"""Badge pages, the PDF endpoint, background jobs and the JSON API: who may print, what gets printed, and what
is remembered as printed."""

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select

from meetups.badges import selection, service
from meetups.badges.models import BadgeJob, BadgePrint, JobStatus
from meetups.events.models import StaffRole
from meetups.extensions import db
from meetups.rsvps.models import RsvpStatus
from tests.badges.conftest import NAMES, add_going, decode_pages, page_count, pdf_text, squeeze
from tests.factories import csrf_token, join, make_event, make_member, make_staff

BASE = "http://meetups.test"


def _urls(rsvps) -> list[str]:
    return sorted(f"{BASE}/t/{r.ticket_code}" for r in rsvps)


def _prints(session, event) -> int:
    return session.scalar(select(func.count()).select_from(BadgePrint).where(BadgePrint.event_id == event.id))


# Who may print


def _endpoints(party, job_id: int, rsvp_id: int) -> list[tuple[str, str, dict | None]]:
    e = party.event.id
    return [
        ("GET", f"/e/{e}/badges", None),
        ("GET", f"/e/{e}/badges.pdf", None),
        ("GET", f"/e/{e}/badges.pdf?who=role:attendee&layout=letter-2x3", None),
        ("GET", f"/e/{e}/badges/preview.png", None),
        ("POST", f"/e/{e}/badges/jobs", {}),
        ("GET", f"/e/{e}/badges/jobs/{job_id}.pdf", None),
        ("POST", f"/api/v1/events/{e}/badge-jobs", {}),
        ("GET", f"/api/v1/badge-jobs/{job_id}", None),
    ]


@pytest.fixture
def done_job(session, party, now):
    job = BadgeJob(
        event_id=party.event.id,
        requested_by_id=party.organiser.id,
        params={"layout": "a4-2x4", "who": "all", "crop_marks": False},
        status=JobStatus.done,
        total=1,
        done_count=1,
        pdf=b"%PDF-1.7 test",
        created_at=now,
        finished_at=now,
    )
    session.add(job)
    session.flush()
    return job


def _call(client, method, url, body):
    if url.startswith("/api/"):
        return client.open(url, method=method, json=body)
    return client.open(url, method=method, data=body)


@pytest.mark.parametrize("who", ["stranger", "member", "volunteer_elsewhere", "speaker_here"])
@pytest.mark.parametrize("index", range(8))
def test_only_organisers_print_sheets(client, session, login, party, done_job, now, who, index):
    method, url, body = _endpoints(party, done_job.id, party.rsvps[0].id)[index]
    if who == "member":
        join(session, party.event.community, login(make_member(session)))
    elif who == "volunteer_elsewhere":
        other = make_event(session, community=party.event.community)
        make_staff(session, other, login(make_member(session)), StaffRole.volunteer)
    elif who == "speaker_here":
        make_staff(session, party.event, login(make_member(session)), StaffRole.speaker)

    response = _call(client, method, url, body)

    if who == "stranger":
        if url.startswith("/api/"):
            assert response.status_code == 401
            assert response.json["error"]["code"] == "login_required"
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"]
    else:
        assert response.status_code == 403, response.text
    assert _prints(session, party.event) == 0
    assert session.scalar(select(func.count()).select_from(BadgeJob)) == 1


def test_volunteers_reprint_one_badge_at_the_door_but_no_sheets(client, session, login, party, now):
    from meetups.checkin.models import CheckIn

    login(party.volunteer)
    one = party.rsvps[1]
    url = f"/e/{party.event.id}/badges.pdf?layout=a6&who=rsvp:{one.id}"
    refused = client.get(url)  # a badge carries a live ticket: only for someone the door has admitted
    assert refused.status_code == 403 and "Check them in first" in refused.text
    session.add(CheckIn(event_id=party.event.id, rsvp=one, checked_in_at=now, recorded_at=now))
    session.flush()

    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert page_count(response.data) == 1
    assert (
        client.get(f"/e/{party.event.id}/badges.pdf?who=rsvp:{one.id},{party.rsvps[2].id}").status_code == 403
    )
    assert client.get(f"/e/{party.event.id}/badges.pdf?who=all").status_code == 403


def test_a_volunteer_of_another_event_cannot_reprint_here(client, session, login, party):
    other = make_event(session, community=party.event.community)
    make_staff(session, other, login(make_member(session)), StaffRole.volunteer)
    assert (
        client.get(f"/e/{party.event.id}/badges.pdf?layout=a6&who=rsvp:{party.rsvps[0].id}").status_code
        == 403
    )


# What gets printed


def test_organiser_downloads_everyone_going_with_scannable_tickets(
    client, session, login, party, now, pdf_tools
):
    login(party.organiser)

    response = client.get(f"/e/{party.event.id}/badges.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "badges-" in response.headers["Content-Disposition"]
    pages = decode_pages(response.data)
    assert sorted(url for page in pages for url in page) == _urls(
        party.rsvps
    )  # the volunteer (staff, no RSVP) has no QR
    assert all(
        url == f"{BASE}/t/{r.ticket_code}"
        for url, r in zip(
            _urls(party.rsvps), sorted(party.rsvps, key=lambda r: f"{BASE}/t/{r.ticket_code}"), strict=True
        )
    )
    text = squeeze(pdf_text(response.data))
    for name in [*NAMES.values(), party.volunteer.name]:
        if "🎉" not in name:
            assert squeeze(name) in text
    assert "ACMECorp" in text and "she/her" in text  # affiliation answer and pronouns
    assert "VOLUNTEER" in text.upper() and "PyConBerlin" in text
    assert _prints(session, party.event) == len(party.rsvps) + 1


def test_not_printed_prints_only_newcomers(client, session, login, party, now, pdf_tools):
    login(party.organiser)
    assert client.get(f"/e/{party.event.id}/badges.pdf?who=all").status_code == 200
    late = add_going(session, party.event, "Late Comer")

    response = client.get(f"/e/{party.event.id}/badges.pdf?who=not-printed")

    assert response.status_code == 200
    assert decode_pages(response.data) == [[f"{BASE}/t/{late.ticket_code}"]]
    again = client.get(f"/e/{party.event.id}/badges.pdf?who=not-printed")
    assert again.status_code == 422
    assert "Nobody matches" in again.text


def test_a_role_prints_only_that_role(client, session, login, party, now, pdf_tools):
    speaker = party.rsvps[2]
    make_staff(session, party.event, speaker.member, StaffRole.speaker)
    login(party.organiser)

    response = client.get(f"/e/{party.event.id}/badges.pdf?who=role:speaker&layout=avery-5392")

    assert decode_pages(response.data) == [[f"{BASE}/t/{speaker.ticket_code}"]]
    assert "SPEAKER" in pdf_text(response.data).upper()


def test_chosen_rsvps_print_in_the_order_given_and_only_going_ones(
    client, session, login, party, now, pdf_tools
):
    first, second, gone = party.rsvps[3], party.rsvps[4], party.rsvps[5]
    gone.status, gone.ticket_code = RsvpStatus.cancelled, None
    session.flush()
    login(party.organiser)

    response = client.get(
        f"/e/{party.event.id}/badges.pdf?who=rsvp:{second.id},{first.id},{gone.id}&layout=a6"
    )

    assert [p for p in decode_pages(response.data)] == [
        [f"{BASE}/t/{second.ticket_code}"],
        [f"{BASE}/t/{first.ticket_code}"],
    ]
    lone = client.get(f"/e/{party.event.id}/badges.pdf?who=rsvp:{gone.id}&layout=a6")
    assert lone.status_code == 422 and "only people who are going" in lone.text


@pytest.mark.parametrize(
    "query",
    [
        "layout=a0",
        "who=everyone",
        "who=role:king",
        "who=rsvp:",
        "who=rsvp:1;2",
        "who=rsvp:99999999999",
        "crop_marks=maybe&who=rsvp:x",
    ],
)
def test_bad_choices_get_a_clear_answer_not_an_error_page(client, session, login, party, query):
    login(party.organiser)
    response = client.get(f"/e/{party.event.id}/badges.pdf?{query}")
    assert response.status_code in (200, 422), response.status_code
    if response.status_code == 422:
        assert "layout" in response.text.lower() or "who" in response.text.lower()
    assert client.get(f"/e/{party.event.id}/badges.pdf?layout=%00").status_code == 422


def test_an_unknown_event_is_not_found(client, session, login, party):
    login(party.organiser)
    assert client.get("/e/987654/badges.pdf").status_code == 404
    assert client.get("/e/987654/badges").status_code == 404


# The page


def test_page_offers_layouts_counts_and_a_preview(client, session, login, party, now, pdf_tools):
    login(party.organiser)
    make_staff(session, party.event, party.rsvps[0].member, StaffRole.speaker)

    page = client.get(f"/e/{party.event.id}/badges?who=role:speaker&layout=a6&crop_marks=1")

    assert page.status_code == 200
    for text in (
        "A4, 8 per sheet",
        "US Letter",
        "Avery 5392",
        "A6",
        "Crop marks",
        "Everyone going (10)",
        "Not printed yet (10)",
        "Speakers (1)",
        "Volunteers (1)",
    ):
        assert text in page.text
    assert 'value="role:speaker" selected' in page.text
    preview = client.get(f"/e/{party.event.id}/badges/preview.png?who=role:speaker&layout=a6")
    assert preview.status_code == 200 and preview.mimetype == "image/png" and preview.data[:4] == b"\x89PNG"
    assert _prints(session, party.event) == 0  # a preview is not a print
    assert (
        client.get(f"/e/{party.event.id}/badges/preview.png?who=role:speaker&layout=a6").data == preview.data
    )


def test_page_runs_a_fixed_number_of_queries(client, session, login, party, app):
    login(party.organiser)
    url = f"/e/{party.event.id}/badges"

    def queries() -> int:
        seen = []
        with app.app_context():
            engine = db.engine
        listener = lambda *args: seen.append(1)  # noqa: E731
        sa_event.listen(engine, "before_cursor_execute", listener)
        try:
            assert client.get(url).status_code == 200
        finally:
            sa_event.remove(engine, "before_cursor_execute", listener)
        return len(seen)

    few = queries()
    for n in range(15):
        add_going(session, party.event, f"Extra {n}")
    assert queries() == few


# Background jobs for large sheets


def test_a_large_sheet_is_built_in_the_background_with_progress(
    client, session, login, party, app, now, monkeypatch, immediate_jobs, render_pool, pdf_tools
):
    monkeypatch.setitem(app.config, "BADGE_SYNC_LIMIT", 4)
    login(party.organiser)

    response = client.get(f"/e/{party.event.id}/badges.pdf?who=all&layout=a4-2x4")

    assert response.status_code == 303
    assert f"/e/{party.event.id}/badges?job=" in response.headers["Location"]
    job = session.scalars(select(BadgeJob)).one()
    session.refresh(job)
    assert job.status is JobStatus.done and job.done_count == job.total == len(party.rsvps) + 1
    status = client.get(f"/api/v1/badge-jobs/{job.id}").json["job"]
    assert status["status"] == "done" and status["progress"] == 100
    assert status["download_url"] == f"/e/{party.event.id}/badges/jobs/{job.id}.pdf"
    page = client.get(response.headers["Location"])
    assert "Building 10 badges" in page.text and "Download PDF" in page.text
    pdf = client.get(status["download_url"])
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert sorted(url for page in decode_pages(pdf.data) for url in page) == _urls(party.rsvps)
    assert _prints(session, party.event) == job.total


def test_the_api_starts_a_job_and_reports_its_progress(
    client, session, login, party, now, immediate_jobs, render_pool
):
    login(party.organiser)
    token = csrf_token(client.get(f"/e/{party.event.id}/badges").text)

    response = client.post(
        f"/api/v1/events/{party.event.id}/badge-jobs",
        headers={"X-CSRFToken": token},
        json={"layout": "letter-2x3", "who": "role:volunteer", "crop_marks": True},
    )

    assert response.status_code == 202, response.text
    job = response.json["job"]
    assert (
        job["status"] == "done" and job["total"] == 1 and job["layout"] == "letter-2x3" and job["crop_marks"]
    )
    assert client.get(job["download_url"]).status_code == 200


def test_a_job_whose_people_all_left_fails_with_a_reason(client, session, login, party, now, immediate_jobs):
    login(party.organiser)
    job = service.start_job(
        session,
        event_id=party.event.id,
        actor=party.organiser,
        options=selection.parse_options("a6", f"rsvp:{party.rsvps[0].id}"),
        now=now,
    )
    party.rsvps[0].status, party.rsvps[0].ticket_code = RsvpStatus.cancelled, None
    session.flush()

    with client.application.app_context():
        service.queue(job)
        session.refresh(job)
    assert job.status is JobStatus.failed and "going" in job.error
    assert client.get(f"/e/{party.event.id}/badges/jobs/{job.id}.pdf").status_code == 409


def test_pressing_twice_joins_the_job_under_way(session, party, now):
    options = selection.parse_options("a4-2x4", "all")
    first = service.start_job(
        session, event_id=party.event.id, actor=party.organiser, options=options, now=now
    )
    second = service.start_job(
        session, event_id=party.event.id, actor=party.organiser, options=options, now=now
    )
    other = service.start_job(
        session,
        event_id=party.event.id,
        actor=party.organiser,
        options=selection.parse_options("a6", "all"),
        now=now,
    )
    assert first.id == second.id != other.id
