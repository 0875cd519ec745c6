import csv
import io
from datetime import timedelta

import pytest

from meetups.events.models import RsvpMode, StaffRole
from meetups.rsvps.models import Question, Rsvp, RsvpLog, RsvpStatus
from tests.factories import make_event, make_member, make_staff


@pytest.fixture
def event(session, now):
    return make_event(session, capacity=2, max_guests=2, title="Pierogi night")


def test_one_tap_rsvp_from_the_event_page(client, session, event, login):
    member = login(make_member(session))
    page = client.get(f"/e/{event.id}").text
    assert "Going" in page and f'action="/e/{event.id}/rsvp"' in page
    response = client.post(f"/e/{event.id}/rsvp", data={"guests": "1"})
    assert response.status_code == 302 and response.location.endswith(f"/e/{event.id}#rsvp")
    rsvp = session.query(Rsvp).filter_by(member_id=member.id).one()
    assert rsvp.status is RsvpStatus.going and rsvp.guests == 1
    shown = client.get(f"/e/{event.id}").text
    assert "Show my ticket" in shown and f"/t/{rsvp.ticket_code}" in shown


def test_full_event_offers_the_waitlist_and_shows_the_position(client, session, event, now, login):
    for _ in range(2):
        session.add(
            Rsvp(
                event=event,
                member=make_member(session),
                status=RsvpStatus.going,
                created_at=now,
                updated_at=now,
                ticket_code=f"t{session.query(Rsvp).count()}-0123456789abcdefghij",
            )
        )
    session.flush()
    login(make_member(session))
    assert "Join waitlist" in client.get(f"/e/{event.id}").text
    client.post(f"/e/{event.id}/rsvp", data={})
    assert "You are 1st on the waitlist." in client.get(f"/e/{event.id}").text


def test_approval_events_say_request_a_spot(client, session, now, login):
    event = make_event(session, rsvp_mode=RsvpMode.approval)
    login(make_member(session))
    assert "Request a spot" in client.get(f"/e/{event.id}").text
    client.post(f"/e/{event.id}/rsvp", data={})
    assert "Waiting for the organisers to approve" in client.get(f"/e/{event.id}").text


def test_required_answers_are_asked_inline_and_checked(client, session, event, login):
    question = Question(
        event_id=event.id, kind="single", label="T-shirt size", options=["S", "M"], is_required=True
    )
    session.add(question)
    session.flush()
    login(make_member(session))
    assert "T-shirt size" in client.get(f"/e/{event.id}").text
    refused = client.post(
        f"/e/{event.id}/rsvp", data={}, headers={"Referer": f"http://localhost/e/{event.id}"}
    )
    assert refused.status_code == 302 and session.query(Rsvp).count() == 0
    assert "Please answer: T-shirt size" in client.get(f"/e/{event.id}").text
    client.post(f"/e/{event.id}/rsvp", data={f"q-{question.id}": "M"})
    assert session.query(Rsvp).one().answers == {str(question.id): "M"}


def test_cancel_in_one_tap(client, session, event, login):
    login(make_member(session))
    client.post(f"/e/{event.id}/rsvp", data={})
    assert client.post(f"/e/{event.id}/rsvp/cancel", data={}).status_code == 302
    assert session.query(Rsvp).one().status is RsvpStatus.cancelled


def test_my_rsvps_on_the_settings_page_and_home(client, session, event, login):
    login(make_member(session))
    client.post(f"/e/{event.id}/rsvp", data={})
    assert "Pierogi night" in client.get("/me").text
    home = client.get("/").text
    assert "Your next events" in home and "Pierogi night" in home


@pytest.fixture
def organiser(session, event, login):
    member = make_member(session)
    make_staff(session, event, member, StaffRole.organiser)
    return login(member)


def test_attendee_list_filters_searches_and_exports_with_a_bom(client, session, event, now, organiser):
    names = ["Анна Иванова", "=cmd|' /C calc'!A0", "Bob"]
    for i, name in enumerate(names):
        session.add(
            Rsvp(
                event=event,
                member=make_member(session, name=name),
                status=RsvpStatus.going if i < 2 else RsvpStatus.waitlisted,
                waitlist_rank=i,
                created_at=now,
                updated_at=now,
                ticket_code=f"code{i}-0123456789abcdefghij" if i < 2 else None,
            )
        )
    session.flush()
    page = client.get(f"/e/{event.id}/attendees").text
    assert all(name in page for name in ("Анна Иванова", "Bob"))
    assert "Bob" not in client.get(f"/e/{event.id}/attendees?status=going").text
    assert "Bob" in client.get(f"/e/{event.id}/attendees?q=bo").text
    export = client.get(f"/e/{event.id}/attendees.csv")
    assert export.headers["Content-Type"].startswith("text/csv")
    text = export.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["name", "email", "pronouns", "status"]
    assert [r[0] for r in rows if r[0].startswith("А")] == ["Анна Иванова"]
    assert any(r[0].startswith("'=") for r in rows)  # a formula is defused, not run by the spreadsheet


def test_a_formula_in_any_column_of_the_export_is_defused(client, session, event, now, organiser):
    """`=1+2@example.org` is a valid email address; names, pronouns and answers are members' text too."""
    from meetups.rsvps import questions

    questions.set_questions(
        session, event=event, actor=organiser, items=[{"kind": "short_text", "label": "-Team"}]
    )
    asked = session.query(Question).filter_by(event_id=event.id).one()
    member = make_member(session, name="@SUM(A1)", email="=1+2@example.org", pronouns="+they")
    session.add(
        Rsvp(
            event=event,
            member=member,
            status=RsvpStatus.going,
            answers={str(asked.id): '=HYPERLINK("http://evil.example")'},
            created_at=now,
            updated_at=now,
            ticket_code="formula-0123456789abcdefghij",
        )
    )
    session.flush()
    rows = list(csv.reader(io.StringIO(client.get(f"/e/{event.id}/attendees.csv").text.lstrip("\ufeff"))))
    assert rows[0][-1] == "'-Team"
    row = rows[1]
    assert row[:3] == ["'@SUM(A1)", "'=1+2@example.org", "'+they"]
    assert row[-1] == '\'=HYPERLINK("http://evil.example")'
    assert not any(cell[:1] in "=+-@\t\r" and cell for cell in (c for r in rows for c in r if c))


def test_volunteers_see_who_comes_but_no_emails_answers_or_export(client, session, event, now, login):
    from meetups.rsvps import questions

    organiser = make_member(session, is_admin=True)
    questions.set_questions(session, event=event, actor=organiser, items=[{"builtin": "accessibility"}])
    asked = session.query(Question).filter_by(event_id=event.id).one()
    attendee = make_member(session, name="Clara", email="clara@example.org")
    session.add(
        Rsvp(
            event=event,
            member=attendee,
            status=RsvpStatus.going,
            answers={str(asked.id): "Step-free access, please"},
            created_at=now,
            updated_at=now,
            ticket_code="clara-0123456789abcdefghijk",
        )
    )
    volunteer = make_member(session)
    make_staff(session, event, volunteer, StaffRole.volunteer)
    login(volunteer)
    page = client.get(f"/e/{event.id}/attendees").text
    assert "Clara" in page
    assert "clara@example.org" not in page and "Step-free" not in page and "Export CSV" not in page
    assert client.get(f"/e/{event.id}/attendees.csv").status_code == 403


def test_approve_decline_promote_and_move_through_the_forms(client, session, now, login):
    event = make_event(session, capacity=1, rsvp_mode=RsvpMode.approval)
    organiser = make_member(session)
    make_staff(session, event, organiser, StaffRole.organiser)
    pending = [
        Rsvp(
            event=event,
            member=make_member(session),
            status=RsvpStatus.pending,
            created_at=now,
            updated_at=now,
        )
        for _ in range(3)
    ]
    session.add_all(pending)
    session.flush()
    login(organiser)
    client.post(f"/rsvps/{pending[0].id}/approve", data={})
    client.post(f"/rsvps/{pending[1].id}/approve", data={})
    client.post(f"/rsvps/{pending[2].id}/decline", data={"message": "Sorry"})
    session.expire_all()
    assert [r.status for r in pending] == [RsvpStatus.going, RsvpStatus.waitlisted, RsvpStatus.declined]
    refused = client.post(f"/rsvps/{pending[1].id}/promote", data={"reason": "VIP"})
    session.expire_all()
    assert refused.status_code == 302 and pending[1].status is RsvpStatus.waitlisted
    assert session.query(RsvpLog).filter_by(action="promoted_manually").count() == 0


def test_questions_editor_saves_builtins_and_custom_questions(client, session, event, organiser):
    response = client.post(
        f"/e/{event.id}/questions",
        data={
            "rows": "2",
            "builtin-dietary": "y",
            "label-0": "Company size",
            "kind-0": "single",
            "options-0": "1-10\n11-100\n",
            "required-0": "y",
            "label-1": "",
        },
    )
    assert response.status_code == 302
    asked = session.query(Question).filter_by(event_id=event.id).order_by(Question.position).all()
    assert [(q.builtin, q.label, q.options, q.is_required) for q in asked] == [
        ("dietary", "Dietary requirements", [], False),
        ("", "Company size", ["1-10", "11-100"], True),
    ]


ORGANISER_PAGES = [
    ("get", "/e/{event}/attendees"),
    ("get", "/e/{event}/attendees.csv"),
    ("get", "/e/{event}/questions"),
    ("post", "/e/{event}/questions"),
    ("post", "/rsvps/{rsvp}/approve"),
    ("post", "/rsvps/{rsvp}/decline"),
    ("post", "/rsvps/{rsvp}/promote"),
    ("post", "/rsvps/{rsvp}/move"),
    ("post", "/e/{event}/repeat"),
    ("get", "/e/{event}/door-links"),
    ("post", "/e/{event}/door-links"),
]


@pytest.mark.parametrize(("method", "path"), ORGANISER_PAGES)
@pytest.mark.parametrize("who", ["stranger", "member", "volunteer"])
def test_organiser_pages_refuse_others(client, session, now, login, method, path, who):
    event = make_event(session, capacity=1)
    rsvp = Rsvp(
        event=event,
        member=make_member(session),
        status=RsvpStatus.waitlisted,
        waitlist_rank=1,
        created_at=now,
        updated_at=now,
    )
    session.add(rsvp)
    session.flush()
    if who != "stranger":
        member = make_member(session)
        if who == "volunteer":
            make_staff(session, event, member, StaffRole.volunteer)
        login(member)
    data = {"reason": "x", "position": "1", "rows": "0", "label": "x", "frequency": "weekly", "count": "3"}
    response = getattr(client, method)(path.format(event=event.id, rsvp=rsvp.id), data=data)
    if who == "stranger":
        assert response.status_code in (302, 401) and "/login" in response.location
    elif who == "volunteer" and path == "/e/{event}/attendees":
        assert response.status_code == 200  # volunteers see who is coming (see_attendees), not the CSV
    else:
        assert response.status_code in (302, 403)
        assert response.status_code == 403 or "/login" not in (response.location or "")
    assert session.get(Rsvp, rsvp.id).status is RsvpStatus.waitlisted and event.series_id is None


def test_the_event_page_runs_a_fixed_number_of_queries(client, session, now, login):
    from sqlalchemy import event as sa_event

    event = make_event(session, capacity=100)
    login(make_member(session))
    counts = []
    for n in (2, 20):
        while session.query(Rsvp).filter_by(event_id=event.id).count() < n:
            session.add(
                Rsvp(
                    event=event,
                    member=make_member(session),
                    status=RsvpStatus.going,
                    created_at=now,
                    updated_at=now,
                    ticket_code=f"qc{session.query(Rsvp).count()}-0123456789abcdefgh",
                )
            )
        session.flush()
        engine = session.get_bind().engine
        seen = len(counts)
        counts.append(0)

        def count(*_args, slot=seen):
            counts[slot] += 1

        sa_event.listen(engine, "before_cursor_execute", count)
        client.get(f"/e/{event.id}")
        sa_event.remove(engine, "before_cursor_execute", count)
    assert counts[0] == counts[1]


def test_an_offer_past_its_deadline_passes_on_when_the_page_is_read(client, session, now, login):
    from meetups.events.models import WaitlistMode

    event = make_event(session, capacity=1, waitlist_mode=WaitlistMode.offer)
    held = Rsvp(
        event=event,
        member=make_member(session),
        status=RsvpStatus.offered,
        created_at=now,
        updated_at=now,
        offer_expires_at=now - timedelta(minutes=1),
    )
    waiting = Rsvp(
        event=event,
        member=make_member(session),
        status=RsvpStatus.waitlisted,
        waitlist_rank=1,
        created_at=now,
        updated_at=now,
    )
    session.add_all([held, waiting])
    session.flush()
    client.get(f"/e/{event.id}")
    session.refresh(held)
    session.refresh(waiting)
    assert held.status is RsvpStatus.cancelled and waiting.status is RsvpStatus.offered
