"""The pages that show more than one domain: each read in one call from its view, each a fixed number of
queries however much it lists. The rules stay in the domains (who may see what, what counts as a free seat);
this module only gathers what a template shows. Pages of one domain are read by that domain's service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from meetups import spreadsheets
from meetups.accounts import service as accounts
from meetups.accounts.models import Member
from meetups.checkin.models import CheckIn
from meetups.communities import service as communities
from meetups.communities.models import Community, Membership
from meetups.events import series
from meetups.events import service as events
from meetups.events.models import Event
from meetups.notify.models import Message
from meetups.programme import service as programme
from meetups.recognition import health, profiles
from meetups.recognition.models import Attendance, Contribution
from meetups.rsvps import announcements
from meetups.rsvps import series as series_rsvps
from meetups.rsvps import service as rsvps
from meetups.rsvps.models import Question, Rsvp
from meetups.site import Site
from meetups.surveys import mail as survey_mail
from meetups.surveys import service as surveys

PAST_EVENTS_SHOWN = 10


def get_home_page(session: Session, *, viewer: Member | None, now: datetime) -> dict[str, Any]:
    """Upcoming events with their seats, my next RSVPs first, and the communities."""
    upcoming = events.list_events(session, now=now)
    signed_in = viewer is not None and viewer.is_authenticated
    return {
        "events": upcoming,
        "my_rsvps": rsvps.list_my_rsvps(session, viewer, now=now)[:3] if signed_in else [],
        "counts": rsvps.count_rsvps(session, [e.id for e in upcoming]),
        "communities": communities.list_communities(session),
        "can_create_community": communities.can_create_community(viewer),
    }


def get_event_page(
    session: Session, *, event_id: int, viewer: Member | None, now: datetime, secret: str
) -> dict[str, Any]:
    """The event, who runs it, its series, and the RSVP box; after it, "how was it?" for those who came; and
    "you said, we changed" from the series' last event for those who answered its survey. An offer past its
    deadline passes on first, so the page never shows a seat held by nobody (the one write a look can cause;
    the view commits it)."""
    event = events.get_event(session, event_id, viewer=viewer)
    rsvps.settle(session, event_id=event.id, now=now)
    box = rsvps.get_rsvp_box(session, event, viewer)
    going_people, going_total = rsvps.list_going_people(session, event, viewer)
    mine = box["my_rsvp"]
    nudge = profiles.recent_record(session, viewer.id) if mine and mine.rsvp.status.value == "going" else None
    return {
        "event": event,
        "organisers": events.list_organisers(session, event),
        "occurrences": series.list_occurrences(session, event) if event.series_id else [],
        "always_going": series_rsvps.is_always_going(session, event.series_id, viewer),
        "going_people": going_people,
        "going_total": going_total,
        #: (came, of) over the member's last RSVPs: the nudge against no-shows, from three on
        "track_record": nudge if nudge and nudge[1] >= 3 else None,
        "survey_prompt": surveys.get_prompt(session, event=event, member=viewer, secret=secret, now=now),
        "follow_up": survey_mail.follow_up_for(session, event=event, member=viewer, secret=secret),
        **box,
    }


def get_manage_page(
    session: Session, *, event_id: int, actor: Member | None, now: datetime
) -> dict[str, Any]:
    """The organiser's dashboard: the event, its staff, its series, its numbers, its survey and the messages
    written to its members."""
    event = events.get_managed_event(session, event_id, actor)
    return {
        "event": event,
        "staff": events.list_staff(session, event),
        "occurrences": series.list_occurrences(session, event) if event.series_id else [],
        "counts": rsvps.count_rsvps(session, [event.id])[event.id],
        "survey": surveys.get_summary(session, event=event, now=now),
        "announcements": announcements.get_panel(session, event_id=event.id, actor=actor, now=now),
        "programme": programme.programme_summary(session, event),
    }


def get_community_page(
    session: Session, *, slug: str, viewer: Member | None, now: datetime
) -> dict[str, Any]:
    """A community with its events (drafts too for those who run it), members and organisers."""
    community = communities.get_community(session, slug)
    manages = communities.can(session, viewer, community, "manage_community")
    listed = {"community": community, "include_drafts": manages}
    return {
        "community": community,
        "leaderboard": health.get_leaderboard(session, community=community, viewer=viewer, now=now),
        "member_count": communities.count_members(session, community),
        "role": communities.get_role(session, viewer, community),
        "manages": manages,
        "can_create_event": communities.can(session, viewer, community, "create_event"),
        "upcoming": events.list_events(session, now=now, **listed),
        "past": events.list_events(session, now=now, past=True, limit=PAST_EVENTS_SHOWN, **listed),
        "organisers": communities.list_organisers(session, community),
    }


def get_me_page(session: Session, *, member: Member, now: datetime) -> dict[str, Any]:
    """My settings page: my tokens and my RSVPs, upcoming and the last ones."""
    return {
        "tokens": accounts.list_tokens(session, member),
        "upcoming_rsvps": rsvps.list_my_rsvps(session, member, now=now),
        "past_rsvps": rsvps.list_my_rsvps(session, member, now=now, past=True)[:20],
    }


def get_my_data(session: Session, *, member: Member, site: Site) -> dict[str, Any]:
    """Everything kept about a member, for them to download (JSON, or flattened to CSV): what they wrote,
    where they belong, what they answered, when they came, what was mailed; tokens without their secrets."""

    def iso(value):
        return value.isoformat() if value is not None else None

    rsvp_rows = session.execute(
        select(Rsvp, Event.title)
        .join(Event, Event.id == Rsvp.event_id)
        .where(Rsvp.member_id == member.id)
        .order_by(Rsvp.id)
    ).all()
    labels = dict(
        session.execute(
            select(Question.id, Question.label).where(
                Question.event_id.in_({r.event_id for r, _t in rsvp_rows})
            )
        ).all()
    )
    return {
        "member": {
            "id": member.id,
            "email": member.email,
            "name": member.name,
            "pronouns": member.pronouns,
            "bio": member.bio,
            "locale": member.locale,
            "created_at": iso(member.created_at),
            "email_verified_at": iso(member.email_verified_at),
            "profile_visibility": member.profile_visibility.value,
            "show_in_attendee_lists": member.show_in_attendee_lists,
            "show_on_leaderboards": member.show_on_leaderboards,
            "profile_url": site.url("recognition.profile", member_id=member.id),
        },
        "memberships": [
            {"community": c.slug, "name": c.name, "role": m.role.value, "joined_at": iso(m.joined_at)}
            for m, c in session.execute(
                select(Membership, Community)
                .join(Community, Community.id == Membership.community_id)
                .where(Membership.member_id == member.id)
            )
        ],
        "rsvps": [
            {
                "event_id": r.event_id,
                "event": title,
                "status": r.status.value,
                "guests": r.guests,
                "answers": {labels.get(int(k), k): v for k, v in (r.answers or {}).items()},
                "created_at": iso(r.created_at),
                "updated_at": iso(r.updated_at),
                "end_reason": r.end_reason or None,
            }
            for r, title in rsvp_rows
        ],
        "attendance": [
            {
                "event_id": a.event_id,
                "event": title,
                "on": a.event_on.isoformat(),
                "outcome": a.outcome.value,
                "guests": a.guests,
            }
            for a, title in session.execute(
                select(Attendance, Event.title)
                .join(Event, Event.id == Attendance.event_id)
                .where(Attendance.member_id == member.id)
            )
        ],
        "contributions": [
            {"event_id": c.event_id, "event": title, "on": c.event_on.isoformat(), "role": c.role}
            for c, title in session.execute(
                select(Contribution, Event.title)
                .join(Event, Event.id == Contribution.event_id)
                .where(Contribution.member_id == member.id)
            )
        ],
        "check_ins": [
            {
                "event_id": c.event_id,
                "checked_in_at": iso(c.checked_in_at),
                "guests_admitted": c.guests_admitted,
                "undone_at": iso(c.undone_at),
            }
            for c in session.scalars(
                select(CheckIn).join(Rsvp, Rsvp.id == CheckIn.rsvp_id).where(Rsvp.member_id == member.id)
            )
        ],
        "mail": [
            {
                "kind": m.kind,
                "status": m.status.value,
                "subject": m.subject,
                "created_at": iso(m.created_at),
                "sent_at": iso(m.sent_at),
            }
            for m in session.scalars(
                select(Message).where(Message.member_id == member.id).order_by(Message.id)
            )
        ],
        "survey_responses": [
            {
                "event_id": event.id,
                "event": event.title,
                "anonymous": survey.is_anonymous,
                "answers": {q.label: answers[str(q.id)] for q in survey.questions if str(q.id) in answers},
            }
            for event, survey, answers in surveys.list_my_responses(
                session, member=member, secret=site.secret_key
            )
        ],
        "api_tokens": [
            {
                "name": t.name,
                "prefix": t.prefix,
                "created_at": iso(t.created_at),
                "last_used_at": iso(t.last_used_at),
            }
            for t in accounts.list_tokens(session, member)
        ],
    }


def my_data_csv(data: dict[str, Any]) -> str:
    """The same, one row per item: what it is, when, and the rest as text (a spreadsheet reads it)."""
    rows = [
        ["member", data["member"]["created_at"], f"{key}={value}"] for key, value in data["member"].items()
    ]
    for section, items in data.items():
        if section == "member":
            continue
        for item in items:
            when = next(
                (item[k] for k in ("on", "created_at", "joined_at", "checked_in_at") if item.get(k)), ""
            )
            rows.append([section, when, "; ".join(f"{k}={v}" for k, v in item.items())])
    return spreadsheets.to_csv(["kind", "when", "detail"], rows)
