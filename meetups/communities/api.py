"""JSON API for communities: found one (site admins), list and read them, join and leave."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, StrictStr

from meetups import api, clock, web
from meetups.api import CommunityRef
from meetups.communities import service
from meetups.communities.models import Community, CommunityRole, Membership
from meetups.extensions import db

bp = APIBlueprint("communities_api", __name__, tag="Communities")


class CommunityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")  # an unknown field is a 422, not silently ignored

    slug: StrictStr = Field(description="Short name in URLs: lower-case letters, digits and dashes.")
    name: StrictStr
    description: StrictStr = ""
    color: StrictStr = Field("#3b5bdb", description="Accent colour, #rrggbb.")


class CommunityOut(BaseModel):
    model_config = ConfigDict(extra="allow")  # community_json() is the source of truth; this documents it

    id: int
    slug: str
    name: str
    description: str
    color: str
    url: str
    member_count: int


class MembershipOut(BaseModel):
    community: CommunityRef
    role: CommunityRole


class CommunityEnvelope(BaseModel):
    community: CommunityOut


class CommunitiesEnvelope(BaseModel):
    communities: list[CommunityOut]


class MembershipEnvelope(BaseModel):
    membership: MembershipOut


def community_json(community: Community, member_count: int) -> dict:
    return {
        "id": community.id,
        "slug": community.slug,
        "name": community.name,
        "description": community.description,
        "color": community.color,
        "url": web.absolute_url("communities.show", slug=community.slug),
        "member_count": member_count,
    }


def membership_json(membership: Membership) -> dict:
    community = membership.community
    return {"community": {"slug": community.slug, "name": community.name}, "role": membership.role.value}


@bp.post("/communities")
@bp.input(CommunityIn, arg_name="body")
@bp.output(CommunityEnvelope, status_code=201)
@bp.doc(
    summary="Found a community",
    description="Site admins only; the founder becomes its first organiser.",
    security=api.SECURITY,
    responses={401: "login_required", 403: "forbidden", 409: "slug_taken", 422: "invalid_input"},
)
@api.login_required
def create_community(body: CommunityIn):
    community = service.create_community(
        db.session,
        actor=current_user._get_current_object(),
        slug=body.slug,
        name=body.name,
        description=body.description,
        color=body.color,
        now=clock.now(),
    )
    db.session.commit()
    return {"community": community_json(community, member_count=1)}  # the founder


@bp.get("/communities")
@bp.output(CommunitiesEnvelope)
@bp.doc(summary="List communities", description="Every community with its member count, by name.")
def list_communities():
    rows = service.list_communities(db.session)
    return {"communities": [community_json(community, count) for community, count in rows]}


@bp.get("/communities/<slug>")
@bp.output(CommunityEnvelope)
@bp.doc(summary="Read a community", responses={404: "not_found"})
def show_community(slug: str):
    community = service.get_community(db.session, slug)
    return {"community": community_json(community, service.count_members(db.session, community))}


@bp.post("/communities/<slug>/join")
@bp.output(MembershipEnvelope)
@bp.doc(
    summary="Join a community",
    description="Joining twice changes nothing.",
    security=api.SECURITY,
    responses={401: "login_required", 404: "not_found"},
)
@api.login_required
def join_community(slug: str):
    membership = service.join_community(
        db.session,
        community=service.get_community(db.session, slug),
        member=current_user._get_current_object(),
        now=clock.now(),
    )
    db.session.commit()
    return {"membership": membership_json(membership)}


@bp.delete("/communities/<slug>/join")
@bp.output({}, status_code=204)
@bp.doc(
    summary="Leave a community",
    description="The last organiser cannot leave.",
    security=api.SECURITY,
    responses={401: "login_required", 403: "forbidden", 404: "not_found"},
)
@api.login_required
def leave_community(slug: str):
    service.leave_community(
        db.session,
        community=service.get_community(db.session, slug),
        member=current_user._get_current_object(),
    )
    db.session.commit()
    return ""
