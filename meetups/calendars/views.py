"""Calendar feeds over HTTP (validators, 304, gzip, caching headers) and the /me actions on the personal
feed."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meetups import clock, errors, web
from meetups.calendars import links, service
from meetups.calendars.forms import FeedSettingsForm
from meetups.extensions import db
from meetups.forms import ActionForm

bp = Blueprint("calendars", __name__)

#: public feeds may sit in shared caches a few minutes; calendar apps poll hourly anyway
PUBLIC_CACHE, PRIVATE_CACHE = "public, max-age=300", "private, max-age=300"


def _validators() -> service.Validators:
    return service.Validators(etags=request.if_none_match, modified_since=request.if_modified_since)


def _respond(feed: service.Feed, *, attachment: bool = False, personal: bool = False):
    if feed.body is None:
        response = current_app.response_class(status=304)
    else:
        zipped = request.accept_encodings["gzip"] > 0
        response = current_app.response_class(
            feed.gzipped() if zipped else feed.body, mimetype="text/calendar"
        )
        if zipped:
            response.headers["Content-Encoding"] = "gzip"
        disposition = "attachment" if attachment else "inline"
        response.headers["Content-Disposition"] = f'{disposition}; filename="{feed.filename}"'
    response.set_etag(feed.etag, weak=True)  # weak: the gzip and plain bytes carry the same tag
    response.last_modified = feed.last_modified
    response.headers["Cache-Control"] = PUBLIC_CACHE if feed.is_public and not personal else PRIVATE_CACHE
    response.vary.add("Accept-Encoding")
    if personal:  # the URL is the secret: keep it out of search engines and other sites' logs
        response.headers["X-Robots-Tag"] = "noindex, nofollow"
        response.headers["Referrer-Policy"] = "no-referrer"
    else:
        response.vary.update(("Accept-Language", "Cookie"))  # the language, and drafts for their organisers
    return response


@bp.get("/e/<int:event_id>/event.ics")
def event_feed(event_id: int):
    """?programme=1 adds every session of the programme (any other value, or none: the event alone)."""
    feed = service.event_feed(
        db.session,
        event_id=event_id,
        viewer=web.me(),
        site=web.site(),
        now=clock.now(),
        validators=_validators(),
        with_programme=request.args.get("programme") == "1",
    )
    db.session.commit()  # VEVENTs built on the way are cached
    return _respond(feed, attachment=True)


@bp.get("/c/<slug>/calendar.ics")
def community_feed(slug: str):
    feed = service.community_feed(
        db.session, slug=slug, site=web.site(), now=clock.now(), validators=_validators()
    )
    db.session.commit()
    return _respond(feed)


@bp.get("/calendar/<token>.ics")
def personal_feed(token: str):
    feed = service.personal_feed(
        db.session, token=token, site=web.site(), now=clock.now(), validators=_validators()
    )
    db.session.commit()
    return _respond(feed, personal=True)


@bp.post("/me/calendar/reset")
@login_required
def reset():
    form = ActionForm()
    if not form.validate_on_submit():
        raise errors.InvalidInput.from_form(form)
    links.reset_calendar(db.session, web.me(), site=web.site(), now=clock.now())
    db.session.commit()
    flash(
        _("Your calendar link is new, and the old one no longer works. Subscribe again with the new one."),
        "success",
    )
    return redirect(url_for("accounts.me", _anchor="calendar"))


@bp.post("/me/calendar/settings")
@login_required
def settings():
    form = FeedSettingsForm()
    if not form.validate_on_submit():
        raise errors.InvalidInput.from_form(form)
    links.set_include_community_events(
        db.session, web.me(), form.include_community_events.data, site=web.site(), now=clock.now()
    )
    db.session.commit()
    flash(_("Your calendar feed setting is saved."), "success")
    return redirect(url_for("accounts.me", _anchor="calendar"))


@bp.app_template_global()
def calendar_links(event) -> dict[str, str]:
    """For calendars/_add_to_calendar.html: download, webcal and Google Calendar links."""
    return links.event_links(event, site=web.site())


@bp.app_template_global()
def my_calendar_feed() -> links.FeedSettings | None:
    """For calendars/_my_feed.html: the member's feed link and setting (a read; nothing is written)."""
    if not current_user.is_authenticated:
        return None
    return links.get_feed_settings(db.session, web.me(), site=web.site())
