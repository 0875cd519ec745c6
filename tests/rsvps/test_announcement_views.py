"""Writing to members from the dashboard and over the API."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meetups import clock
from meetups.events.models import EventStatus, StaffRole
from meetups.notify.models import Message
from meetups.rsvps.models import Announcement, Rsvp, RsvpStatus
from tests.factories import bearer, join, make_community, make_event, make_member, make_staff


def _rsvp(session, event, member, status, now):
    session.add(Rsvp(event=event, member=member, status=RsvpStatus(status), created_at=now, updated_at=now))
    session.flush()
    return member


@pytest.fixture
def event(session, now):
    return make_event(session, community=make_community(session), title="Python evening")


@pytest.fixture
def organiser(session, event):
    member = make_member(session, name="Olga Organiser")
    make_staff(session, event, member)
    return member


@pytest.fixture
def people(session, event, now):
    going = [_rsvp(session, event, make_member(session), "going", now) for _ in range(2)]
    return {"going": going, "waitlisted": [_rsvp(session, event, make_member(session), "waitlisted", now)]}


def written(session) -> tuple[int, int]:
    return (
        session.scalar(select(func.count()).select_from(Announcement)),
        session.scalar(select(func.count()).select_from(Message)),
    )


FORM = {"audience": "going", "subject": "Room change", "body": "We moved to room 2."}


# The dashboard


def test_the_dashboard_offers_the_form_with_each_audiences_count(
    client, session, now, login, event, organiser, people
):
    login(organiser)
    page = client.get(f"/e/{event.id}/manage").text
    assert 'id="announcements"' in page and f'action="/e/{event.id}/announcements"' in page
    assert "Everyone going (2 members)" in page
    assert "Everyone on the waitlist (1 member)" in page
    assert "Everyone going or on the waitlist (3 members)" in page
    assert "who have not turned off messages from organisers" in page
    assert "No messages yet." in page


def test_posting_sends_flashes_and_shows_it_in_the_history(
    client, session, now, login, event, organiser, people, outbox
):
    login(organiser)
    response = client.post(f"/e/{event.id}/announcements", data={**FORM, "audience": "everyone"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/e/{event.id}/manage#announcements"
    assert sorted(mail.to for mail in outbox) == sorted(
        m.email for m in people["going"] + people["waitlisted"]
    )
    assert {mail.subject for mail in outbox} == {"[Python evening] Room change"}
    page = client.get(f"/e/{event.id}/manage").text
    assert "Your message is on its way to 3 members." in page
    assert "<summary>Room change</summary>" in page and "We moved to room 2." in page
    assert "by Olga Organiser" in page and "sent to 3 members" in page
    assert "The next message can go on Mon 1 Apr 2030, 14:10 (CEST)." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({**FORM, "subject": "  "}, "The subject must be 1 to 200 characters long."),
        ({**FORM, "body": ""}, "The message must be 1 to 5000 characters long."),
        ({"subject": "Hi", "body": "Hello"}, "Choose who gets the message: going, waitlisted or everyone."),
        ({**FORM, "audience": "waitlisted", "subject": "x"}, None),  # the control: this one goes
    ],
)
def test_a_refused_form_comes_back_as_typed_with_the_reason_by_its_field(
    client, session, now, login, event, organiser, people, data, message
):
    login(organiser)
    response = client.post(f"/e/{event.id}/announcements", data=data)
    if message is None:
        assert response.status_code == 302
        assert written(session) == (1, 1)
        return
    assert response.status_code == 422
    page = response.text
    assert f'<p class="field-error" id="announcement-{_field(message)}-error">{message}</p>' in page
    if data.get("body"):
        assert f">{data['body']}</textarea>" in page  # nothing typed is lost
    assert written(session) == (0, 0)


def _field(message: str) -> str:
    return "subject" if "subject" in message else "body" if "message must" in message else "audience"


def test_the_limit_keeps_the_message_and_says_when(
    client, session, now, login, event, organiser, people, monkeypatch
):
    login(organiser)
    client.post(f"/e/{event.id}/announcements", data=FORM)
    monkeypatch.setattr(clock, "now", lambda: now + timedelta(minutes=4))
    response = client.post(f"/e/{event.id}/announcements", data={**FORM, "body": "A second, longer note."})
    assert response.status_code == 429
    assert "at least 10 minutes apart. The next one can go on Mon 1 Apr 2030, 14:10 (CEST)." in response.text
    assert ">A second, longer note.</textarea>" in response.text
    assert written(session)[0] == 1


def test_a_draft_dashboard_says_why_there_is_no_form(client, session, now, login, organiser):
    draft = make_event(session, status=EventStatus.draft)
    make_staff(session, draft, organiser)
    login(organiser)
    page = client.get(f"/e/{draft.id}/manage").text
    assert "Publish the event first: nobody can have an RSVP for a draft." in page
    assert f'action="/e/{draft.id}/announcements"' not in page


@pytest.mark.parametrize("who", ["member", "volunteer", "attendee"])
def test_others_cannot_post_from_the_page(client, session, now, login, event, organiser, people, who):
    actor = people["going"][0] if who == "attendee" else make_member(session)
    if who == "member":
        join(session, event.community, actor)
    if who == "volunteer":
        make_staff(session, event, actor, StaffRole.volunteer)
    login(actor)
    assert client.post(f"/e/{event.id}/announcements", data=FORM).status_code == 403
    assert written(session) == (0, 0)


def test_strangers_are_sent_to_log_in(client, session, now, event, people):
    response = client.post(f"/e/{event.id}/announcements", data=FORM)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert written(session) == (0, 0)


# The API


def test_the_api_sends_answers_201_and_lists_it(client, session, now, event, organiser, people):
    headers = bearer(session, organiser)
    response = client.post(f"/api/v1/events/{event.id}/announcements", json=FORM, headers=headers)
    assert response.status_code == 201, response.json
    sent = response.json["announcement"]
    assert sent == {
        "id": sent["id"],
        "event_id": event.id,
        "audience": "going",
        "subject": "Room change",
        "body": "We moved to room 2.",
        "recipients": 2,
        "created_at": now.isoformat(),
        "author": {"id": organiser.id, "name": "Olga Organiser"},
    }
    listed = client.get(f"/api/v1/events/{event.id}/announcements", headers=headers).json
    assert listed["announcements"] == [sent]
    assert listed["audiences"] == {"going": 2, "waitlisted": 1, "everyone": 3}
    assert listed["next_at"] == (now + timedelta(minutes=10)).isoformat() and listed["refusal"] is None


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({**FORM, "audience": "staff"}, 422, "invalid_input", None),
        ({**FORM, "subject": "   "}, 422, "invalid_input", "subject"),
        ({**FORM, "body": "x" * 5001}, 422, "invalid_input", "body"),
        ({"audience": "going", "subject": "Hi"}, 422, "invalid_input", None),
        ({**FORM, "cc": "everyone@example.test"}, 422, "invalid_input", None),
        ({**FORM, "audience": "waitlisted"}, 409, "invalid_state", "audience"),  # nobody is waiting
    ],
)
def test_the_api_refuses_bad_bodies_with_stable_codes(
    client, session, now, event, organiser, body, status, code, field
):
    _rsvp(session, event, make_member(session), "going", now)
    response = client.post(
        f"/api/v1/events/{event.id}/announcements", json=body, headers=bearer(session, organiser)
    )
    assert (response.status_code, response.json["error"]["code"]) == (status, code), response.json
    if field:
        assert response.json["error"]["field"] == field
    assert written(session) == (0, 0)


def test_a_body_that_is_not_json_is_400(client, session, now, event, organiser, people):
    response = client.post(
        f"/api/v1/events/{event.id}/announcements",
        data="audience=going",
        headers={**bearer(session, organiser), "Content-Type": "application/json"},
    )
    assert (response.status_code, response.json["error"]["code"]) == (400, "invalid_json")


def test_the_api_limit_is_429_with_when(client, session, now, event, organiser, people):
    headers = bearer(session, organiser)
    assert (
        client.post(f"/api/v1/events/{event.id}/announcements", json=FORM, headers=headers).status_code == 201
    )
    response = client.post(f"/api/v1/events/{event.id}/announcements", json=FORM, headers=headers)
    assert response.status_code == 429
    error = response.json["error"]
    assert error["code"] == "too_many_announcements"
    assert error["next_at"] == (now + timedelta(minutes=10)).isoformat()
    assert "The next one can go on Mon 1 Apr 2030, 14:10 (CEST)." in error["message"]
    assert written(session) == (1, 2)


def test_the_api_refuses_a_draft_and_an_unknown_event(client, session, now, organiser):
    draft = make_event(session, status=EventStatus.draft)
    make_staff(session, draft, organiser)
    headers = bearer(session, organiser)
    refused = client.post(f"/api/v1/events/{draft.id}/announcements", json=FORM, headers=headers)
    assert (refused.status_code, refused.json["error"]["code"]) == (409, "invalid_state")
    missing = client.post("/api/v1/events/999999/announcements", json=FORM, headers=headers)
    assert (missing.status_code, missing.json["error"]["code"]) == (404, "not_found")


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("who", ["stranger", "member", "volunteer", "speaker", "attendee"])
def test_the_api_refuses_everyone_but_organisers(client, session, now, event, organiser, people, method, who):
    headers = {}
    if who != "stranger":
        actor = people["going"][0] if who == "attendee" else make_member(session)
        if who in ("volunteer", "speaker"):
            make_staff(session, event, actor, StaffRole(who))
        headers = bearer(session, actor)
    url = f"/api/v1/events/{event.id}/announcements"
    response = (
        client.post(url, json=FORM, headers=headers) if method == "post" else client.get(url, headers=headers)
    )
    expected = (401, "login_required") if who == "stranger" else (403, "forbidden")
    assert (response.status_code, response.json["error"]["code"]) == expected
    assert written(session) == (0, 0)
