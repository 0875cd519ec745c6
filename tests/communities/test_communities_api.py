"""The communities JSON API: found, list, read, join, leave."""

from sqlalchemy import func, select

from meetups.communities.models import Community, CommunityRole, Membership
from tests.factories import bearer, csrf_token, join, make_admin, make_community, make_member


def _count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_a_site_admin_founds_a_community_and_becomes_its_organiser(client, session, now):
    admin = make_admin(session)
    response = client.post(
        "/api/v1/communities",
        headers=bearer(session, admin),
        json={"slug": "py-berlin", "name": "Python Berlin", "color": "#FF8800"},
    )
    assert response.status_code == 201, response.json
    community = response.json["community"]
    assert community["slug"] == "py-berlin"
    assert community["name"] == "Python Berlin"
    assert community["color"] == "#ff8800"
    assert community["url"] == "http://meetups.test/c/py-berlin"
    assert community["member_count"] == 1
    saved = session.scalar(select(Community).where(Community.slug == "py-berlin"))
    role = session.scalar(
        select(Membership.role).where(Membership.community_id == saved.id, Membership.member_id == admin.id)
    )
    assert role is CommunityRole.organiser


def test_a_plain_member_cannot_found_a_community(client, session, now):
    member = make_member(session)
    response = client.post(
        "/api/v1/communities", headers=bearer(session, member), json={"slug": "mine", "name": "Mine"}
    )
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert _count(session, Community) == 0


def test_a_taken_slug_is_refused(client, session, now):
    make_community(session, slug="taken")
    admin = make_admin(session)
    response = client.post(
        "/api/v1/communities", headers=bearer(session, admin), json={"slug": "taken", "name": "Again"}
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "slug_taken"
    assert response.json["error"]["field"] == "slug"
    assert _count(session, Community) == 1


def test_a_bad_slug_is_refused_with_the_field_named(client, session, now):
    admin = make_admin(session)
    response = client.post(
        "/api/v1/communities", headers=bearer(session, admin), json={"slug": "Not A Slug!", "name": "X"}
    )
    assert response.status_code == 422
    assert response.json["error"] == {
        "code": "invalid_input",
        "field": "slug",
        "message": response.json["error"]["message"],
    }
    assert "lower-case" in response.json["error"]["message"]


def test_anyone_lists_communities_with_member_counts(client, session):
    big = make_community(session, name="Alpha")
    make_community(session, name="Beta")
    for _ in range(3):
        join(session, big, make_member(session))
    response = client.get("/api/v1/communities")
    assert response.status_code == 200
    assert [(c["name"], c["member_count"]) for c in response.json["communities"]] == [
        ("Alpha", 3),
        ("Beta", 0),
    ]


def test_anyone_reads_one_community(client, session):
    community = make_community(session, slug="readers", name="Readers", description="We read.")
    join(session, community, make_member(session))
    response = client.get("/api/v1/communities/readers")
    assert response.status_code == 200
    assert response.json["community"] == {
        "id": community.id,
        "slug": "readers",
        "name": "Readers",
        "description": "We read.",
        "color": "#3b5bdb",
        "url": "http://meetups.test/c/readers",
        "member_count": 1,
    }


def test_an_unknown_community_is_404(client, session):
    response = client.get("/api/v1/communities/nope")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_a_member_joins_once_and_leaves(client, session, now):
    community = make_community(session, slug="joinable")
    member = make_member(session)
    headers = bearer(session, member)
    for _ in range(2):  # joining twice changes nothing
        response = client.post("/api/v1/communities/joinable/join", headers=headers)
        assert response.status_code == 200
        assert response.json == {
            "membership": {"community": {"slug": "joinable", "name": community.name}, "role": "member"}
        }
    assert _count(session, Membership) == 1

    response = client.delete("/api/v1/communities/joinable/join", headers=headers)
    assert response.status_code == 204
    assert response.data == b""
    assert _count(session, Membership) == 0


def test_joining_needs_a_login(client, session):
    make_community(session, slug="closed-door")
    response = client.post("/api/v1/communities/closed-door/join")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "login_required"
    assert _count(session, Membership) == 0


def test_the_last_organiser_cannot_leave(client, session, now):
    organiser = make_member(session)
    make_community(session, slug="kept", organiser=organiser)
    response = client.delete("/api/v1/communities/kept/join", headers=bearer(session, organiser))
    assert response.status_code == 403
    assert response.json["error"]["code"] == "forbidden"
    assert _count(session, Membership) == 1


def test_a_logged_in_browser_session_works_too(client, session, login, now):
    make_community(session, slug="by-cookie")
    member = login(make_member(session))
    refused = client.post(
        "/api/v1/communities/by-cookie/join"
    )  # a cookie alone could be a cross-site request
    assert refused.status_code == 403
    assert refused.json["error"]["reason"] == "csrf"
    page = client.get("/").get_data(as_text=True)
    token = csrf_token(page)
    response = client.post("/api/v1/communities/by-cookie/join", headers={"X-CSRFToken": token})
    assert response.status_code == 200, response.json
    assert response.json["membership"]["role"] == "member"
    assert _count(session, Membership) == 1
    assert member.id == session.scalar(select(Membership.member_id))


def test_joining_an_unknown_community_is_404(client, session, now):
    response = client.post("/api/v1/communities/ghost/join", headers=bearer(session, make_member(session)))
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
