"""Community pages: the public page, join and leave, founding a community, naming organisers."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from meetups.communities.models import Community, CommunityRole, Membership
from meetups.events.models import EventStatus
from tests.factories import join, make_admin, make_community, make_event, make_member


@pytest.fixture
def organiser(session):
    return make_member(session, name="Olga Organiser", email="olga@example.test")


@pytest.fixture
def community(session, organiser):
    return make_community(
        session,
        organiser=organiser,
        name="Berlin Pythonistas",
        slug="berlin-py",
        color="#c92a2a",
        description="We meet **monthly**. <script>alert(1)</script>",
    )


def membership(session, community, member) -> Membership | None:
    session.expire_all()
    return session.scalar(
        select(Membership).where(Membership.community_id == community.id, Membership.member_id == member.id)
    )


# The page


def test_community_page_shows_name_description_colour_and_members(client, session, now, community):
    join(session, community, make_member(session))

    page = client.get("/c/berlin-py")

    assert page.status_code == 200
    assert "<h1" in page.text and "Berlin Pythonistas" in page.text
    assert "We meet <strong>monthly</strong>." in page.text
    assert "<script>alert(1)</script>" not in page.text
    assert "--accent: #c92a2a" in page.text
    assert "2 members" in page.text
    assert "Olga Organiser" in page.text


def test_community_page_lists_upcoming_and_past_events(client, session, now, community):
    make_event(session, community=community, title="Next month")
    make_event(session, community=community, title="Last month", starts_at=now - timedelta(days=30))
    make_event(session, community=community, title="Work in progress", status=EventStatus.draft)

    page = client.get("/c/berlin-py")

    assert "Upcoming events" in page.text and "Next month" in page.text
    assert "Past events" in page.text and "Last month" in page.text
    assert page.text.index("Next month") < page.text.index("Last month")
    assert "Work in progress" not in page.text


def test_organisers_see_drafts_marked_draft(client, session, now, login, organiser, community):
    make_event(session, community=community, title="Work in progress", status=EventStatus.draft)
    login(organiser)

    page = client.get("/c/berlin-py")

    assert "Work in progress" in page.text
    assert '<span class="badge badge-draft">Draft</span>' in page.text
    assert 'href="/c/berlin-py/events/new"' in page.text
    assert 'action="/c/berlin-py/organisers"' in page.text


def test_members_see_no_drafts_and_no_organiser_tools(client, session, now, login, community):
    make_event(session, community=community, title="Work in progress", status=EventStatus.draft)
    member = make_member(session)
    join(session, community, member)
    login(member)

    page = client.get("/c/berlin-py")

    assert "Work in progress" not in page.text
    assert "/events/new" not in page.text
    assert 'action="/c/berlin-py/organisers"' not in page.text
    assert "Leave" in page.text


def test_unknown_community_is_a_404(client, session, now):
    assert client.get("/c/no-such-thing").status_code == 404


def test_community_page_runs_a_fixed_number_of_queries(
    client, session, now, login, organiser, community, count_queries
):
    login(organiser)
    count_queries.clear()
    assert client.get("/c/berlin-py").status_code == 200
    few = len(count_queries)

    for days in range(1, 6):
        make_event(session, community=community, starts_at=now + timedelta(days=days))
        make_event(session, community=community, starts_at=now - timedelta(days=days))
        make_event(session, community=community, status=EventStatus.draft)
        join(session, community, make_member(session), CommunityRole.organiser)
    count_queries.clear()
    page = client.get("/c/berlin-py")

    assert page.text.count('class="card event-card') == 15
    assert len(count_queries) == few


# Join and leave


def test_join_and_leave(client, session, now, login, community):
    member = login(make_member(session))

    response = client.post("/c/berlin-py/join")

    assert response.status_code == 302
    assert membership(session, community, member).role is CommunityRole.member
    assert "Welcome to Berlin Pythonistas!" in client.get("/c/berlin-py").text

    response = client.post("/c/berlin-py/leave")

    assert response.status_code == 302
    assert membership(session, community, member) is None


def test_joining_twice_changes_nothing(client, session, now, login, community):
    member = login(make_member(session))
    client.post("/c/berlin-py/join")
    client.post("/c/berlin-py/join")

    assert session.scalar(select(func.count()).where(Membership.member_id == member.id)) == 1


def test_strangers_are_sent_to_log_in_before_joining(client, session, now, community):
    response = client.post("/c/berlin-py/join")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert "Log in to join" in client.get("/c/berlin-py").text


def test_the_last_organiser_cannot_leave(client, session, now, login, organiser, community):
    login(organiser)

    response = client.post("/c/berlin-py/leave", headers={"Referer": "http://localhost/c/berlin-py"})

    assert response.status_code in (302, 403)
    assert membership(session, community, organiser).role is CommunityRole.organiser


# Founding a community


def test_site_admins_create_communities_and_become_organisers(client, session, now, login):
    admin = login(make_admin(session))

    assert client.get("/c/new").status_code == 200
    response = client.post(
        "/c/new",
        data={
            "slug": "rust-readers",
            "name": "Rust Readers",
            "description": "Books about *Rust*.",
            "color": "#2F9E44",
        },
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/c/rust-readers"
    created = session.scalar(select(Community).where(Community.slug == "rust-readers"))
    assert (created.name, created.color) == ("Rust Readers", "#2f9e44")
    assert membership(session, created, admin).role is CommunityRole.organiser


@pytest.mark.parametrize(
    ("changes", "field", "status"),
    [
        ({"slug": "Not A Slug"}, "slug", 422),
        ({"slug": "new"}, "slug", 422),
        ({"slug": "berlin-py"}, "slug", 409),
        ({"name": ""}, "name", 422),
        ({"name": "x" * 101}, "name", 422),
        ({"description": "x" * 5001}, "description", 422),
        ({"color": "red"}, "color", 422),
    ],
)
def test_create_community_shows_problems_by_the_field(
    client, session, now, login, community, changes, field, status
):
    login(make_admin(session))
    before = session.scalar(select(func.count()).select_from(Community))

    page = client.post("/c/new", data={"slug": "fresh", "name": "Fresh", "color": "#123456", **changes})

    assert page.status_code == status
    assert f'id="{field}-error"' in page.text
    assert session.scalar(select(func.count()).select_from(Community)) == before


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_only_site_admins_may_create_communities(client, session, now, login, method):
    data = {"slug": "mine", "name": "Mine", "color": "#123456"}
    response = client.get("/c/new") if method == "GET" else client.post("/c/new", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")

    login(make_member(session))
    response = client.get("/c/new") if method == "GET" else client.post("/c/new", data=data)
    assert response.status_code == 403
    assert session.scalar(select(func.count()).select_from(Community)) == 0


# Organisers


def test_organisers_make_a_member_organiser_by_email(client, session, now, login, organiser, community):
    other = make_member(session, email="pat@example.test", name="Pat")
    login(organiser)

    response = client.post("/c/berlin-py/organisers", data={"email": "PAT@example.test", "role": "organiser"})

    assert response.status_code == 302
    assert membership(session, community, other).role is CommunityRole.organiser
    page = client.get("/c/berlin-py")
    assert "Pat is now an organiser." in page.text
    assert "Remove as organiser" in page.text


def test_organisers_can_step_someone_down(client, session, now, login, organiser, community):
    other = make_member(session)
    join(session, community, other, CommunityRole.organiser)
    login(organiser)

    client.post("/c/berlin-py/organisers", data={"email": other.email, "role": "member"})

    assert membership(session, community, other).role is CommunityRole.member


def test_the_last_organiser_cannot_step_down(client, session, now, login, organiser, community):
    login(organiser)

    page = client.post("/c/berlin-py/organisers", data={"email": organiser.email, "role": "member"})

    assert page.status_code == 403
    assert "last organiser" in page.text
    assert membership(session, community, organiser).role is CommunityRole.organiser


def test_unknown_email_is_shown_by_the_field(client, session, now, login, organiser, community):
    login(organiser)

    page = client.post("/c/berlin-py/organisers", data={"email": "ghost@example.test", "role": "organiser"})

    assert page.status_code == 422
    assert '<p class="field-error" id="email-error">Nobody has an account with that email.' in page.text


# CSRF (tests/conftest.py csrf_client: a second app with it on)


def test_join_and_leave_need_the_csrf_token(csrf_client, session, now, community):
    member = make_member(session)
    with csrf_client.session_transaction() as cookie:
        cookie["_user_id"], cookie["_fresh"] = member.get_id(), True

    refused = csrf_client.post("/c/berlin-py/join")

    assert refused.status_code == 400
    assert membership(session, community, member) is None

    page = csrf_client.get("/c/berlin-py").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    accepted = csrf_client.post("/c/berlin-py/join", data={"csrf_token": token})

    assert accepted.status_code == 302
    assert membership(session, community, member) is not None
