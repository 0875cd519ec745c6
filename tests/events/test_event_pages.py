"""The public pages: the home page and an event's page."""

from datetime import UTC, datetime, timedelta

import pytest

from meetups.events.models import EventStatus
from tests.factories import join, make_admin, make_community, make_event, make_member, make_staff

SUMMER_EVENING = datetime(2030, 6, 1, 17, 0, tzinfo=UTC)  # 19:00 in Berlin (CEST, UTC+2)


# The home page


def test_home_lists_upcoming_published_events_with_their_community(client, session, now):
    community = make_community(session, name="Berlin Pythonistas")
    make_event(session, community=community, title="Summer talks", starts_at=SUMMER_EVENING)
    make_event(session, community=community, title="Hidden draft", status=EventStatus.draft)
    make_event(session, community=community, title="Long gone", starts_at=now - timedelta(days=30))

    page = client.get("/")

    assert page.status_code == 200
    assert 'class="card event-card' in page.text
    assert "Summer talks" in page.text
    assert "Berlin Pythonistas" in page.text
    assert "Sat 1 Jun 2030, 19:00\u201321:00" in page.text
    assert "CEST" in page.text
    assert "Café Central" in page.text
    assert "Hidden draft" not in page.text
    assert "Long gone" not in page.text


def test_home_marks_cancelled_events_in_words(client, session, now):
    make_event(session, title="Rained off", status=EventStatus.cancelled)

    page = client.get("/")

    assert "Rained off" in page.text
    assert '<span class="badge badge-cancelled">Cancelled</span>' in page.text


def test_home_lists_communities_with_member_counts(client, session, now):
    community = make_community(session, name="Rust Readers")
    for _ in range(3):
        join(session, community, make_member(session))

    page = client.get("/")

    assert "Rust Readers" in page.text
    assert "3 members" in page.text
    assert f'href="/c/{community.slug}"' in page.text


def test_home_says_so_when_nothing_is_planned(client, session, now):
    page = client.get("/")

    assert page.status_code == 200
    assert "Nothing is planned yet" in page.text


def test_only_site_admins_see_the_create_community_button(client, session, now, login):
    login(make_member(session))
    assert "Create community" not in client.get("/").text

    client.post("/logout")
    login(make_admin(session))
    assert 'href="/c/new"' in client.get("/").text


def test_home_runs_a_fixed_number_of_queries_however_many_events(client, session, now, login, count_queries):
    login(make_member(session))
    count_queries.clear()
    assert client.get("/").status_code == 200
    none = len(count_queries)
    make_event(session)
    count_queries.clear()
    assert client.get("/").status_code == 200
    few = len(count_queries)

    for _ in range(6):
        community = make_community(session)
        join(session, community, make_member(session))
        make_event(session, community=community)
        make_event(session, community=community, status=EventStatus.cancelled)
    count_queries.clear()
    page = client.get("/")

    assert page.text.count('class="card event-card') == 13
    assert len(count_queries) == few == none


# The event page


def test_event_page_shows_the_time_in_the_events_own_zone(client, session, now):
    event = make_event(session, title="Summer talks", starts_at=SUMMER_EVENING, timezone="Europe/Berlin")

    page = client.get(f"/e/{event.id}")

    assert page.status_code == 200
    assert "Sat 1 Jun 2030, 19:00\u201321:00" in page.text
    assert '<span class="zone">CEST</span>' in page.text
    # the browser adds the reader's own time from these
    assert '<time datetime="2030-06-01T17:00:00+00:00" data-zone="Europe/Berlin"' in page.text


def test_a_winter_event_shows_winter_time(client, session, now):
    event = make_event(session, starts_at=datetime(2030, 12, 5, 18, 30, tzinfo=UTC), timezone="Europe/Berlin")

    page = client.get(f"/e/{event.id}")

    assert "Thu 5 Dec 2030, 19:30\u201321:30" in page.text
    assert '<span class="zone">CET</span>' in page.text


def test_event_page_shows_the_facts(client, session, now):
    event = make_event(
        session,
        title="Summer talks",
        venue_name="Café Central",
        venue_address="Hauptstraße 1, Berlin",
        online_url="https://meet.example.org/x",
        capacity=20,
        max_guests=2,
    )

    page = client.get(f"/e/{event.id}")

    assert "Café Central" in page.text
    assert "https://www.openstreetmap.org/search?query=Hauptstra%C3%9Fe%201%2C%20Berlin" in page.text
    assert 'href="https://meet.example.org/x"' in page.text
    assert "20 seats" in page.text
    assert "bring up to 2 guests" in page.text
    assert event.community.name in page.text


def test_event_page_says_no_limit_without_a_capacity(client, session, now):
    event = make_event(session, capacity=None, max_guests=0)

    page = client.get(f"/e/{event.id}")

    assert "No limit" in page.text
    assert "guests" not in page.text


def test_event_page_shows_the_rsvp_window_in_the_events_zone(client, session, now):
    event = make_event(
        session,
        starts_at=SUMMER_EVENING,
        rsvp_opens_at=datetime(2030, 5, 1, 7, tzinfo=UTC),
        rsvp_closes_at=datetime(2030, 5, 31, 20, tzinfo=UTC),
    )

    page = client.get(f"/e/{event.id}")

    assert "From Wed 1 May 2030, 09:00 until Fri 31 May 2030, 22:00" in page.text


def test_event_page_names_the_organisers(client, session, now):
    organiser = make_member(session, name="Olga Organiser")
    community = make_community(session, organiser=organiser)
    event = make_event(session, community=community)

    page = client.get(f"/e/{event.id}")

    assert "Olga Organiser" in page.text


def test_event_page_renders_markdown_and_sanitises_it(client, session, now):
    event = make_event(
        session,
        description=(
            "**Bring snacks.** See [the wiki](https://wiki.example.org).\n\n"
            '<script>alert("x")</script> <img src=x onerror=alert(1)> [click](javascript:alert(1))'
        ),
    )

    page = client.get(f"/e/{event.id}")

    assert "<strong>Bring snacks.</strong>" in page.text
    assert '<a href="https://wiki.example.org" rel="nofollow noopener ugc">the wiki</a>' in page.text
    assert '<script>alert("x")</script>' not in page.text
    assert "<img src=x" not in page.text  # shown as text, never as a tag
    assert 'href="javascript:' not in page.text


def test_cancelled_event_page_says_so_with_the_reason(client, session, now):
    event = make_event(session, status=EventStatus.cancelled, cancel_reason="The venue flooded.")

    page = client.get(f"/e/{event.id}")

    assert page.status_code == 200
    assert "This event is cancelled." in page.text
    assert "The venue flooded." in page.text
    assert "badge-cancelled" in page.text


def test_anonymous_visitors_are_asked_to_log_in_to_rsvp(client, session, now):
    event = make_event(session)

    page = client.get(f"/e/{event.id}")

    assert "Log in to RSVP" in page.text
    assert f"/login?next=/e/{event.id}" in page.text


def test_missing_event_is_a_404(client, session, now):
    assert client.get("/e/999999").status_code == 404


# Drafts


@pytest.fixture
def draft(session):
    organiser = make_member(session)
    community = make_community(session, organiser=organiser)
    event = make_event(
        session, community=community, title="Secret plans", status=EventStatus.draft, published_at=None
    )
    return event, community, organiser


def test_drafts_are_404_for_strangers(client, session, now, draft):
    event, _community, _organiser = draft

    page = client.get(f"/e/{event.id}")

    assert page.status_code == 404
    assert "Secret plans" not in page.text


def test_drafts_are_404_for_members_of_the_community(client, session, now, login, draft):
    event, community, _organiser = draft
    member = make_member(session)
    join(session, community, member)
    login(member)

    page = client.get(f"/e/{event.id}")

    assert page.status_code == 404
    assert "Secret plans" not in page.text


@pytest.mark.parametrize("who", ["community organiser", "event organiser", "site admin"])
def test_drafts_are_visible_to_organisers_marked_draft(client, session, now, login, draft, who):
    event, _community, organiser = draft
    if who == "event organiser":
        organiser = make_member(session)
        make_staff(session, event, organiser)
    elif who == "site admin":
        organiser = make_admin(session)
    login(organiser)

    page = client.get(f"/e/{event.id}")

    assert page.status_code == 200
    assert "Secret plans" in page.text
    assert '<span class="badge badge-draft">Draft</span>' in page.text
    assert f'action="/e/{event.id}/publish"' in page.text


def test_members_see_no_organiser_actions(client, session, now, login):
    event = make_event(session)
    login(make_member(session))

    page = client.get(f"/e/{event.id}")

    assert f"/e/{event.id}/manage" not in page.text
    assert "Log in to RSVP" not in page.text


def test_static_files_are_served(client, session):
    assert client.get("/static/css/app.css").status_code == 200
    assert client.get("/static/js/app.js").status_code == 200
