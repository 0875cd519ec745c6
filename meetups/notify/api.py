"""JSON API for my mail settings: which topics of mail I get."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from meetups import api, clock
from meetups.extensions import db
from meetups.notify import service
from meetups.notify.models import Topic

bp = APIBlueprint("mail_api", __name__, tag="Mail")


class TopicOut(BaseModel):
    topic: Topic
    category: str = Field(description="transactional (about my RSVPs) or optional (news and reminders)")
    wanted: bool


class MailSettingsOut(BaseModel):
    topics: list[TopicOut]


class MailSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topics: dict[Topic, StrictBool] = Field(
        description='The topics to change, e.g. {"reminders": false}; the others stay as they are.'
    )


def settings_json(member_id: int) -> dict:
    wanted = service.wanted_topics(db.session, member_id)
    return {"topics": [{"topic": t, "category": t.category.value, "wanted": on} for t, on in wanted.items()]}


@bp.get("/me/mail")
@bp.output(MailSettingsOut)
@bp.doc(summary="My mail settings", security=api.SECURITY, responses={401: "login_required"})
@api.login_required
def get_settings():
    return settings_json(current_user.id)


@bp.put("/me/mail")
@bp.input(MailSettingsIn, arg_name="body")
@bp.output(MailSettingsOut)
@bp.doc(
    summary="Change my mail settings",
    description="Account mail (password reset, address confirmation) always comes and has no topic.",
    security=api.SECURITY,
    responses={401: "login_required", 422: "invalid_input"},
)
@api.login_required
def update_settings(body: MailSettingsIn):
    service.set_wanted(db.session, member_id=current_user.id, choices=body.topics, now=clock.now())
    db.session.commit()
    return settings_json(current_user.id)
