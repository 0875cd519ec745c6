"""Door pages: the member's ticket, the volunteers' scanner, and door links for volunteers without an
account."""

import json
from pathlib import Path

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from meetups import clock, errors, web
from meetups.checkin import door, door_log
from meetups.checkin.forms import DoorLinkForm, RevokeForm
from meetups.extensions import db
from meetups.programme import door as room_door
from meetups.rsvps import tickets
from meetups.surveys import service as surveys

bp = Blueprint("checkin", __name__)
#: the bundle the scanner page loads (`flask --app app build-static`); without it the door cannot work
SCANNER_BUILD = ("scanner.js", "scanner-decode-worker.js", "zxing_reader.wasm", "scanner-sw.js")


def missing_build(static_folder: str | Path) -> list[str]:
    """The scanner's built files that are not there."""
    return [name for name in SCANNER_BUILD if not (Path(static_folder) / "build" / name).is_file()]


@bp.get("/t/<code>")
def ticket(code: str):
    """The code is the secret: no login needed, nothing about anyone else, never indexed."""
    rsvp, qr = tickets.get_ticket_page(db.session, code, site=web.site(), now=clock.now())
    db.session.commit()  # keeps the QR made on first view
    qr_svg, url = Markup(qr.svg) if qr else None, tickets.ticket_url(web.site(), code)
    survey_prompt = surveys.get_prompt(
        db.session, event=rsvp.event, member=rsvp.member, secret=web.site().secret_key, now=clock.now()
    )
    context = {
        "rsvp": rsvp,
        "event": rsvp.event,
        "qr_svg": qr_svg,
        "url": url,
        "survey_prompt": survey_prompt,
    }
    return web.secret_page(render_template("checkin/ticket.html", **context))


def _page_scanner(event_id: int) -> door.Scanner:
    """The scanner page's caller: the door link kept in the browser session, or the logged-in member."""
    token = session.get("door_token")
    return door.identify_scanner(
        db.session, event_id=event_id, door_token=token, member=web.me(), device="", now=clock.now()
    )


@bp.get("/e/<int:event_id>/checkin")
def scanner(event_id: int):
    """Staff through their login; a door link through ?door=<token> once, then kept in the browser session
    (and out of the address bar's history)."""
    if token := request.args.get("door"):
        session["door_token"] = token
        return redirect(url_for("checkin.scanner", event_id=event_id))
    who = _page_scanner(event_id)
    event = door.get_scannable_event(db.session, event_id, who, clock.now())
    if missing := missing_build(current_app.static_folder):  # say so, instead of a page that does nothing
        return render_template("checkin/not_built.html", event=event, missing=missing), 503
    rooms = room_door.list_rooms_for_scanner(db.session, event_id=event.id, scanner=who, now=clock.now())
    token = session.get("door_token") if who.door_link else None  # the page's API calls send it on
    page = {"event": event, "scanner": who, "door_token": token, "rooms": rooms}
    response = make_response(render_template("checkin/scanner.html", **page))
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/scanner-sw.js")
def scanner_service_worker():
    """The scanner's service worker, built into static/build/ (npm run build). Served from the root so its
    scope may cover /e/<id>/checkin; never cached by HTTP, so phones see a new build on their next visit."""
    response = send_from_directory(Path(current_app.static_folder) / "build", "scanner-sw.js", max_age=0)
    response.headers["Service-Worker-Allowed"] = "/"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/e/<int:event_id>/checkin/manifest.webmanifest")
def scanner_manifest(event_id: int):
    """static/manifest.webmanifest pointed at this event's scanner: "Add to home screen" opens the door."""
    with open(Path(current_app.static_folder) / "manifest.webmanifest", encoding="utf-8") as file:
        manifest = json.load(file)
    start = url_for("checkin.scanner", event_id=event_id)
    manifest.update(
        id=start, start_url=start, scope=start, name=_("Meetups check-in"), short_name=_("Check-in")
    )
    manifest["description"] = _("Scan tickets at the door, online or offline.")
    response = make_response(json.dumps(manifest, ensure_ascii=False))
    response.mimetype = "application/manifest+json"
    return response


@bp.route("/e/<int:event_id>/door-links", methods=["GET", "POST"])
@login_required
def door_links(event_id: int):
    form, new_link = DoorLinkForm(), None
    if form.validate_on_submit():
        link, token = door.create_door_link(
            db.session, event_id=event_id, actor=web.me(), label=form.label.data, now=clock.now()
        )
        db.session.commit()
        url = web.absolute_url("checkin.scanner", event_id=event_id, door=token)
        new_link = {"link": link, "url": url, "qr_svg": Markup(tickets.make_qr(url)[1])}
    elif request.method == "POST":
        raise errors.InvalidInput.from_form(form)
    event, links = door.get_door_links_page(db.session, event_id=event_id, actor=web.me())
    page = {"event": event, "links": links, "new_link": new_link, "revoke_form": RevokeForm()}
    return render_template("checkin/door_links.html", form=form, **page)


@bp.post("/e/<int:event_id>/door-links/<int:link_id>/revoke")
@login_required
def revoke_door_link(event_id: int, link_id: int):
    if not RevokeForm().validate_on_submit():
        raise errors.InvalidInput(_("Please try again."))
    link = door.revoke_door_link(
        db.session, event_id=event_id, actor=web.me(), link_id=link_id, now=clock.now()
    )
    db.session.commit()
    flash(_("The door link “%(label)s” no longer works.", label=link.label), "success")
    return redirect(url_for("checkin.door_links", event_id=event_id))


@bp.get("/e/<int:event_id>/door-log")
@login_required
def door_log_page(event_id: int):
    args = request.args
    log = door_log.get_door_log(
        db.session,
        event_id=event_id,
        actor=current_user,
        result=args.get("result", ""),
        scanner=args.get("scanner", ""),
        q=args.get("q", ""),
        before=args.get("before"),
    )
    return render_template("checkin/door_log.html", log=log, event=log.event, results=door_log.RESULTS)
