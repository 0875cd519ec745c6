"""What every template can use: times in an event's zone, Markdown, permission questions, the CSRF token."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Flask, request
from flask_babel import get_locale, pgettext
from flask_babel import gettext as _
from flask_login import current_user

from meetups import clock, markdown, static_assets, web
from meetups.dates import local_datetime, local_time, when, zone_label
from meetups.extensions import db


def register(app: Flask) -> None:
    from meetups.communities import service as communities
    from meetups.events import service as events
    from meetups.recognition import profiles
    from meetups.rsvps import tickets

    app.jinja_env.filters.update(
        markdown=markdown.render,
        plaintext=markdown.plain,
        local_datetime=local_datetime,
        local_time=local_time,
        zone_label=zone_label,
    )
    app.jinja_env.globals.update(
        when=when,
        ordinal=ordinal,
        ticket_url=lambda code: tickets.ticket_url(web.site(), code),
        url_of=web.absolute_url,
        rsvp_status_label=rsvp_status_label,
        achievement_title=profiles.achievement_title,
        scan_result_label=scan_result_label,
        rsvp_action_label=rsvp_action_label,
        builtin_label=builtin_label,
        now=lambda: clock.now(),  # through the module, so a frozen clock (tests) reaches templates too
        can_event=lambda event, action: events.can(db.session, current_user, event, action),
        can_community=lambda community, action: communities.can(db.session, current_user, community, action),
        locale=lambda: str(get_locale()),
        languages=LANGUAGES,
        lang_url=lang_url,
    )
    static_assets.register(app)


#: the languages the footer offers, each named in itself
LANGUAGES = (("en", "English"), ("ru", "Русский"))


def lang_url(code: str) -> str:
    """This page in another language: its query with `lang` set, relative to the page (the locale selector
    keeps the choice in the session, so later pages follow it). The path is left out so that a page at a
    secret address (a feed, a ticket) renders its 404 exactly as any other address does."""
    args = {key: values for key, values in request.args.lists() if key != "lang"}
    if any(not _local_path(value) for value in args.get("next", [])):
        del args["next"]  # a foreign `next` is not carried on: the switch links only within the site
    return f"?{urlencode({**args, 'lang': code}, doseq=True)}"  # relative: no path, which may be a secret


def _local_path(value: str) -> bool:
    return value.startswith("/") and not value.startswith(("//", "/\\"))


def ordinal(n: int | None) -> str:
    """'3rd' in English, '3-й' in Russian: for "You are 3rd on the waitlist"."""
    if n is None:
        return ""
    if str(get_locale()) == "ru":
        return f"{n}-й"
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def builtin_label(question) -> str:
    """Built-in questions are stored in English and shown in the reader's language."""
    labels = {
        "accessibility": _("Accessibility needs"),
        "dietary": _("Dietary requirements"),
        "affiliation": _("Company or affiliation"),
    }
    return labels.get(question.builtin, question.label)


def rsvp_status_label(status, own: bool = False) -> str:
    """An RSVP state in the reader's language. "Going" reads differently for one's own RSVP and for someone
    else's in some languages (Russian: «Иду», «Идёт»)."""
    labels = {
        "going": _("Going") if own else pgettext("someone else's RSVP", "Going"),
        "waitlisted": _("Waitlisted"),
        "pending": _("Pending"),
        "offered": _("Offered"),
        "cancelled": _("Cancelled"),
        "declined": _("Declined"),
    }
    return labels.get(getattr(status, "value", status), str(status))


def scan_result_label(result: str) -> str:
    """What the door said, in the reader's language (the door log)."""
    labels = {
        "ok": _("Admitted"),
        "already_checked_in": _("Already checked in"),
        "unknown_ticket": _("Unknown ticket"),
        "wrong_event": _("Ticket for another event"),
        "not_confirmed": _("Not confirmed"),
        "cancelled": _("Cancelled ticket"),
        "not_open_yet": _("Check-in not open yet"),
        "undone": _("Check-in undone"),
    }
    return labels.get(result, result)


def rsvp_action_label(action: str) -> str:
    """What happened to an RSVP, in the reader's language (the RSVP history)."""
    labels = {
        "promoted": _("Moved up from the waitlist"),
        "offered": _("Offered a seat"),
        "offer_claimed": _("Claimed the offered seat"),
        "offer_expired": _("Offer expired"),
        "cancelled": _("Cancelled"),
        "waitlisted_larger_party": _("Joined the waitlist with more guests"),
        "approved": _("Approved"),
        "declined": _("Declined or removed"),
        "promoted_manually": _("Seated by an organiser"),
        "moved": _("Moved in the waitlist"),
        "event_cancelled": _("Event cancelled"),
    }
    return labels.get(action, action)
