"""What organisers do in the browser: create, edit, publish, cancel, staff; and that nobody else can."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from meetups.communities.models import Community, CommunityRole, Membership
from meetups.events.models import Event, EventStaff, EventStatus, RsvpMode, StaffRole, WaitlistMode
from tests.factories import join, make_admin, make_community, make_event, make_member, make_staff


def event_form(**overrides) -> dict:
    """What a browser posts for a complete, valid new event (wall-clock times at the venue)."""
    return {
        "title": "Python evening",
        "description": "Talks and *pizza*.",
        "starts_at": "2030-06-01T19:00",
        "ends_at": "2030-06-01T21:30",
        "timezone": "Europe/Berlin",
        "timezone_other": "",
        "venue_name": "Café Central",
        "venue_address": "Hauptstraße 1, Berlin",
        "online_url": "",
        "capacity": "40",
        "max_guests": "1",
        "rsvp_mode": "open",
        "waitlist_mode": "auto",
        "offer_hours": "24",
        "rsvp_opens_at": "",
        "rsvp_closes_at": "",
        **overrides,
    }


@pytest.fixture
def organiser(session):
    return make_member(session, name="Olga Organiser")


@pytest.fixture
def community(session, organiser):
    return make_community(session, organiser=organiser, name="Berlin Pythonistas")


@pytest.fixture
def event(session, community):
    return make_event(
        session, community=community, title="Summer talks", starts_at=datetime(2030, 6, 1, 17, tzinfo=UTC)
    )


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


# Creating events


def test_new_event_form_starts_in_london_and_offers_common_zones_first(
    client, session, now, login, organiser, community
):
    login(organiser)

    page = client.get(f"/c/{community.slug}/events/new")

    assert page.status_code == 200
    assert '<option selected value="Europe/London">' in page.text
    assert page.text.index('value="Europe/Berlin"') < page.text.index('value="Africa/Abidjan"')
    assert 'type="datetime-local"' in page.text
    assert '<datalist id="zone-names">' in page.text
    assert "Save draft" in page.text and "Publish" in page.text


def test_new_event_form_starts_in_the_zone_the_community_used_last(
    client, session, now, login, organiser, community
):
    make_event(session, community=community, timezone="Asia/Tokyo")
    login(organiser)

    page = client.get(f"/c/{community.slug}/events/new")

    assert '<option selected value="Asia/Tokyo">' in page.text


def test_publish_creates_a_published_event_at_the_venues_wall_clock(
    client, session, now, login, organiser, community
):
    login(organiser)

    response = client.post(f"/c/{community.slug}/events/new", data={**event_form(), "publish": "1"})

    event = session.scalar(select(Event).where(Event.community_id == community.id))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/e/{event.id}"
    assert event.status is EventStatus.published
    assert event.starts_at == datetime(2030, 6, 1, 17, 0, tzinfo=UTC)  # 19:00 CEST
    assert event.ends_at == datetime(2030, 6, 1, 19, 30, tzinfo=UTC)
    assert (event.title, event.capacity, event.max_guests) == ("Python evening", 40, 1)
    assert event.venue_address == "Hauptstraße 1, Berlin"
    assert "Published" in client.get(response.headers["Location"]).text


def test_save_draft_keeps_it_hidden(client, session, now, login, organiser, community):
    login(organiser)

    response = client.post(f"/c/{community.slug}/events/new", data={**event_form(), "save": "1"})

    event = session.scalar(select(Event).where(Event.community_id == community.id))
    assert response.status_code == 302
    assert event.status is EventStatus.draft
    assert event.published_at is None


def test_new_event_with_every_option(client, session, now, login, organiser, community):
    login(organiser)

    client.post(
        f"/c/{community.slug}/events/new",
        data={
            **event_form(
                capacity="",
                rsvp_mode="approval",
                waitlist_mode="offer",
                offer_hours="6",
                online_url="https://x.test/a",
                rsvp_opens_at="2030-05-01T09:00",
                rsvp_closes_at="2030-06-01T12:00",
                offer_cutover_hours="12",
                late_offer_hours="1",
                checkin_opens_at="2030-06-01T18:30",
            ),
            "publish": "1",
        },
    )

    event = session.scalar(select(Event).where(Event.community_id == community.id))
    assert event.capacity is None
    assert (event.rsvp_mode, event.waitlist_mode, event.offer_hours) == (
        RsvpMode.approval,
        WaitlistMode.offer,
        6,
    )
    assert event.rsvp_opens_at == datetime(2030, 5, 1, 7, tzinfo=UTC)
    assert event.rsvp_closes_at == datetime(2030, 6, 1, 10, tzinfo=UTC)
    assert event.online_url == "https://x.test/a"
    assert (event.offer_cutover_hours, event.late_offer_hours) == (12, 1)
    assert event.checkin_opens_at == datetime(2030, 6, 1, 16, 30, tzinfo=UTC)


def test_a_typed_zone_wins_over_the_list(client, session, now, login, organiser, community):
    login(organiser)

    client.post(
        f"/c/{community.slug}/events/new",
        data={
            **event_form(timezone="Europe/Berlin", timezone_other=" America/Argentina/Salta "),
            "publish": "1",
        },
    )

    event = session.scalar(select(Event).where(Event.community_id == community.id))
    assert event.timezone == "America/Argentina/Salta"
    assert event.starts_at == datetime(2030, 6, 1, 22, tzinfo=UTC)  # 19:00 at UTC-3


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"title": "  "}, "title", "Please fill in Title."),
        ({"title": "x" * 201}, "title", "Title can be at most 200 characters."),
        ({"description": "x" * 20_001}, "description", "Description can be at most 20000 characters."),
        ({"ends_at": "2030-06-01T18:00"}, "ends_at", "The event must end after it starts."),
        ({"starts_at": ""}, "starts_at", "Please say when the event starts."),
        ({"timezone": "Mars/Olympus_Mons"}, "timezone", "Please choose a time zone from the list"),
        ({"timezone": "Europe/Berlin", "timezone_other": "Berlin"}, "timezone", "Please choose a time zone"),
        ({"capacity": "-1"}, "capacity", "Capacity must be between 0 and 1000000."),
        ({"capacity": "lots"}, "capacity", "Not a valid integer value."),
        ({"max_guests": "99"}, "max_guests", "Guests per RSVP must be between 0 and 20."),
        ({"online_url": "ftp://x.test"}, "online_url", "The online link must start with https://"),
        ({"starts_at": "tomorrow"}, "starts_at", "Not a valid datetime value."),
        ({"rsvp_mode": "lottery"}, "rsvp_mode", "Not a valid choice."),
        ({"rsvp_closes_at": "2030-06-02T09:00"}, "rsvp_closes_at", "RSVPs must close before the event ends."),
        (
            {"checkin_opens_at": "2030-06-01T23:00"},
            "checkin_opens_at",
            "Check-in must open before the event ends.",
        ),
        ({"late_offer_hours": "0"}, "late_offer_hours", "Late offer hold time must be between 1 and 48."),
    ],
)
def test_bad_input_is_shown_by_its_field_and_nothing_is_saved(
    client, session, now, login, organiser, community, changes, field, message
):
    login(organiser)

    page = client.post(f"/c/{community.slug}/events/new", data={**event_form(**changes), "publish": "1"})

    assert page.status_code == 422
    assert f'<p class="field-error" id="{field}-error">{message}' in page.text
    assert (
        f'aria-describedby="{field}-error"' in page.text
        or f'aria-describedby="{field}-hint {field}-error"' in page.text
    )
    assert count(session, Event) == 0
    assert 'value="Café Central"' in page.text  # what they typed is kept


# Editing


def test_edit_form_is_prefilled_in_the_events_zone(client, session, now, login, organiser, event):
    login(organiser)

    page = client.get(f"/e/{event.id}/edit")

    assert page.status_code == 200
    assert 'value="2030-06-01T19:00"' in page.text
    assert '<option selected value="Europe/Berlin">' in page.text
    assert 'value="Summer talks"' in page.text


def test_edit_saves_the_changes(client, session, now, login, organiser, event):
    login(organiser)

    response = client.post(
        f"/e/{event.id}/edit",
        data={
            **event_form(
                title="Summer talks, moved",
                starts_at="2030-06-02T18:00",
                ends_at="2030-06-02T20:00",
                timezone="Europe/London",
                capacity="",
            ),
            "save": "1",
        },
    )

    assert response.status_code == 302
    session.refresh(event)
    assert event.title == "Summer talks, moved"
    assert event.starts_at == datetime(2030, 6, 2, 17, tzinfo=UTC)  # 18:00 BST
    assert event.timezone == "Europe/London"
    assert event.capacity is None
    assert event.sequence == 1  # calendars learn that it moved


def test_edit_refuses_bad_input_and_keeps_the_event(client, session, now, login, organiser, event):
    login(organiser)

    page = client.post(f"/e/{event.id}/edit", data={**event_form(title="", capacity="-1"), "save": "1"})

    assert page.status_code == 422
    assert 'id="title-error"' in page.text
    session.refresh(event)
    assert event.title == "Summer talks"


def test_a_cancelled_event_cannot_be_edited(client, session, now, login, organiser, event):
    event.status = EventStatus.cancelled
    session.flush()
    login(organiser)

    page = client.post(f"/e/{event.id}/edit", data={**event_form(title="Revived"), "save": "1"})

    assert page.status_code == 409
    assert "can no longer be edited" in page.text
    session.refresh(event)
    assert event.title == "Summer talks"


# Publishing and cancelling


def test_publish_makes_a_draft_public(client, session, now, login, organiser, community):
    draft = make_event(session, community=community, status=EventStatus.draft, published_at=None)
    login(organiser)

    response = client.post(f"/e/{draft.id}/publish")

    assert response.status_code == 302
    session.refresh(draft)
    assert draft.status is EventStatus.published
    assert draft.published_at == now
    client.post("/logout")
    assert client.get(f"/e/{draft.id}").status_code == 200


def test_cancel_asks_first(client, session, now, login, organiser, event):
    login(organiser)

    page = client.get(f"/e/{event.id}/cancel")

    assert page.status_code == 200
    assert "Cancel this event?" in page.text
    assert 'name="reason"' in page.text
    session.refresh(event)
    assert event.status is EventStatus.published


def test_cancel_with_a_reason(client, session, now, login, organiser, event):
    login(organiser)

    response = client.post(f"/e/{event.id}/cancel", data={"reason": "The speaker is ill."})

    assert response.status_code == 302
    session.refresh(event)
    assert event.status is EventStatus.cancelled
    assert event.cancel_reason == "The speaker is ill."
    page = client.get(f"/e/{event.id}")
    assert "This event is cancelled." in page.text
    assert "The speaker is ill." in page.text


def test_cancel_refuses_a_reason_that_is_too_long(client, session, now, login, organiser, event):
    login(organiser)

    page = client.post(f"/e/{event.id}/cancel", data={"reason": "x" * 501})

    assert page.status_code == 422
    assert 'id="reason-error"' in page.text
    session.refresh(event)
    assert event.status is EventStatus.published


# The dashboard and staff


def test_manage_page_shows_the_summary_and_staff(client, session, now, login, organiser, event):
    volunteer = make_member(session, name="Vera Volunteer")
    make_staff(session, event, volunteer, StaffRole.volunteer)
    login(organiser)

    page = client.get(f"/e/{event.id}/manage")

    assert page.status_code == 200
    assert 'id="summary"' in page.text and 'id="staff"' in page.text
    assert "Vera Volunteer" in page.text and "Volunteer" in page.text
    assert f'href="/e/{event.id}/cancel"' in page.text
    assert f'href="/e/{event.id}/edit"' in page.text


def test_add_staff_by_email(client, session, now, login, organiser, event):
    speaker = make_member(session, email="sam@example.test", name="Sam Speaker")
    login(organiser)

    response = client.post(f"/e/{event.id}/staff", data={"email": "Sam@Example.test", "role": "speaker"})

    assert response.status_code == 302
    staff = session.scalar(select(EventStaff).where(EventStaff.event_id == event.id))
    assert (staff.member_id, staff.role) == (speaker.id, StaffRole.speaker)
    assert "Sam Speaker" in client.get(f"/e/{event.id}/manage").text


def test_add_staff_with_an_unknown_email_says_so_by_the_field(client, session, now, login, organiser, event):
    login(organiser)

    page = client.post(f"/e/{event.id}/staff", data={"email": "nobody@example.test", "role": "volunteer"})

    assert page.status_code == 422
    assert '<p class="field-error" id="email-error">Nobody has an account with that email.' in page.text
    assert count(session, EventStaff) == 0


def test_remove_staff(client, session, now, login, organiser, event):
    staff = make_staff(session, event, make_member(session), StaffRole.volunteer)
    login(organiser)

    response = client.post(f"/e/{event.id}/staff/{staff.id}/remove")

    assert response.status_code == 302
    assert count(session, EventStaff) == 0


def test_an_event_organiser_who_is_not_a_community_organiser_can_manage(client, session, now, login, event):
    staff_organiser = make_member(session)
    make_staff(session, event, staff_organiser, StaffRole.organiser)
    login(staff_organiser)

    assert client.get(f"/e/{event.id}/manage").status_code == 200


def test_a_volunteer_cannot_manage(client, session, now, login, event):
    volunteer = make_member(session)
    make_staff(session, event, volunteer, StaffRole.volunteer)
    login(volunteer)

    assert client.get(f"/e/{event.id}/manage").status_code == 403
    assert client.post(f"/e/{event.id}/cancel", data={"reason": "no"}).status_code == 403


# Nobody else can do any of it

ORGANISER_ENDPOINTS = [
    ("GET", "/c/{slug}/events/new", None),
    ("POST", "/c/{slug}/events/new", {**event_form(), "publish": "1"}),
    ("GET", "/e/{event}/edit", None),
    ("POST", "/e/{event}/edit", {**event_form(title="Hijacked"), "save": "1"}),
    ("POST", "/e/{draft}/publish", {}),
    ("GET", "/e/{event}/cancel", None),
    ("POST", "/e/{event}/cancel", {"reason": "prank"}),
    ("GET", "/e/{event}/manage", None),
    ("POST", "/e/{event}/staff", {"email": "{member_email}", "role": "organiser"}),
    ("POST", "/e/{event}/staff/{staff}/remove", {}),
    ("GET", "/c/new", None),
    ("POST", "/c/new", {"slug": "takeover", "name": "Takeover", "color": "#000000"}),
    ("POST", "/c/{slug}/organisers", {"email": "{member_email}", "role": "organiser"}),
]


def snapshot(session) -> tuple:
    session.expire_all()
    events = session.execute(
        select(Event.id, Event.title, Event.status, Event.sequence, Event.cancel_reason).order_by(Event.id)
    ).all()
    roles = session.execute(select(Membership.member_id, Membership.role).order_by(Membership.id)).all()
    return (count(session, Event), count(session, EventStaff), count(session, Community), events, roles)


@pytest.mark.parametrize(
    ("method", "path", "data"), ORGANISER_ENDPOINTS, ids=lambda v: v if isinstance(v, str) else None
)
@pytest.mark.parametrize("who", ["stranger", "member"])
def test_organiser_endpoints_refuse_others_and_write_nothing(
    client, session, now, login, community, event, method, path, data, who
):
    draft = make_event(session, community=community, status=EventStatus.draft, published_at=None)
    staff = make_staff(session, event, make_member(session), StaffRole.volunteer)
    member = make_member(session)
    join(session, community, member)
    if who == "member":
        login(member)
    values = {
        "slug": community.slug,
        "event": event.id,
        "draft": draft.id,
        "staff": staff.id,
        "member_email": member.email,
    }
    url = path.format(**values)
    body = {k: v.format(**values) for k, v in data.items()} if data is not None else None
    before = snapshot(session)

    response = client.get(url) if method == "GET" else client.post(url, data=body)

    if who == "stranger":
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login")
    else:
        # a draft does not exist for a member at all; everything else is a plain refusal
        assert response.status_code == (404 if "{draft}" in path else 403)
    assert snapshot(session) == before


def test_site_admins_may_do_everything(client, session, now, login, event):
    login(make_admin(session))

    assert client.get(f"/e/{event.id}/manage").status_code == 200
    assert client.post(f"/e/{event.id}/cancel", data={}).status_code == 302
    session.refresh(event)
    assert event.status is EventStatus.cancelled


def test_only_organisers_get_the_new_event_button(client, session, now, login, organiser, community):
    member = make_member(session)
    join(session, community, member, CommunityRole.member)
    login(member)
    assert "/events/new" not in client.get(f"/c/{community.slug}").text

    client.post("/logout")
    login(organiser)
    assert f'href="/c/{community.slug}/events/new"' in client.get(f"/c/{community.slug}").text
