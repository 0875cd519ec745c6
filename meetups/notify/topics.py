"""How each mail topic is named to members, in one place for the settings page, the unsubscribe page and the
footer of every mail: what it is, and why they get it. Translated when asked, in the reader's language."""

from __future__ import annotations

from flask_babel import gettext as _

from meetups.notify.models import Topic


def label(topic: Topic) -> str:
    return {
        Topic.rsvps: _("My RSVPs: confirmations with my ticket, the waitlist, seats offered, approvals"),
        Topic.changes: _("Changes and cancellations of events I have an RSVP for"),
        Topic.approvals: _("RSVPs waiting for my approval (organisers)"),
        Topic.reminders: _("Reminders 24 hours and 2 hours before events I am going to"),
        Topic.surveys: _("Feedback surveys after events I went to"),
        Topic.announcements: _("Messages from organisers of events I have an RSVP for"),
        Topic.achievements: _("Achievements I earn"),
    }[topic]


def short_label(topic: Topic) -> str:
    """The topic in a few words, for "Stop … emails"."""
    return {
        Topic.rsvps: _("RSVP updates"),
        Topic.changes: _("event changes and cancellations"),
        Topic.approvals: _("approval requests"),
        Topic.reminders: _("reminders"),
        Topic.surveys: _("feedback surveys"),
        Topic.announcements: _("organiser messages"),
        Topic.achievements: _("achievements"),
    }[topic]


#: mail about a session of a conference's programme, which a member follows without an RSVP of its own
SESSION_KINDS = frozenset({"session_changed", "workshop_seat"})


def reason(topic: Topic, kind: str = "") -> str:
    """The footer's first line: why this mail came."""
    if kind in SESSION_KINDS:
        return _("You get this because this session is on your schedule, or you hold a seat in it.")
    if topic is Topic.approvals:
        return _("You get this because you organise this event.")
    if topic is Topic.achievements:
        return _("You get this because you asked to hear about your achievements.")
    return _("You get this because you have an RSVP for this event.")
