"""The programme's speakers; an account email links one to a member, who then holds the event's speaker role
while they have a session (programme.service.sync_speaker_roles)."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from meetups import errors
from meetups.accounts.models import Member
from meetups.events import service as events
from meetups.events.models import Event
from meetups.programme import fields as check
from meetups.programme.models import Speaker
from meetups.programme.service import get_speaker, sync_speaker_roles


def _account(session: Session, event: Event, email: str, speaker_id: int | None) -> Member | None:
    if not email:
        return None
    member = session.scalar(select(Member).where(Member.email == email))
    if member is None:
        raise errors.NotFound(_("Nobody has an account with that email."), field="email")
    query = select(Speaker.id).where(Speaker.event_id == event.id, Speaker.member_id == member.id)
    if speaker_id is not None:
        query = query.where(Speaker.id != speaker_id)
    if session.scalar(query) is not None:
        raise errors.InvalidInput(_("%(name)s is already a speaker here.", name=member.name), field="email")
    return member


def save_speaker(
    session: Session,
    *,
    event: Event,
    actor: Member,
    values: dict,
    now: datetime,
    speaker_id: int | None = None,
) -> Speaker:
    """Add or edit a speaker; an account email links them to that member, who then holds the event's speaker
    role while they have a session."""
    events.ensure_can(session, actor, event, "manage")
    cleaned = check.speaker_fields(values)
    member = _account(session, event, cleaned.pop("email"), speaker_id)
    if speaker_id is None:
        speaker = Speaker(event_id=event.id, created_at=now)
        before = None
    else:
        speaker = get_speaker(session, event, speaker_id)
        before = speaker.member_id
    for name, value in cleaned.items():
        setattr(speaker, name, value)
    speaker.member = member
    session.add(speaker)
    session.flush()
    sync_speaker_roles(session, event, {before, speaker.member_id} - {None}, now)
    return speaker


def delete_speaker(session: Session, *, event: Event, actor: Member, speaker_id: int, now: datetime) -> None:
    """Their sessions stay, without them."""
    events.ensure_can(session, actor, event, "manage")
    speaker = get_speaker(session, event, speaker_id)
    member_id = speaker.member_id
    session.delete(speaker)
    session.flush()
    sync_speaker_roles(session, event, {member_id} - {None}, now)
