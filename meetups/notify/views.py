"""Mail pages: a member's mail settings, the unsubscribe link every mail carries (no login; one click from the
mail app, RFC 8058) and the site admin's outbox."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meetups import clock, errors, forms, web
from meetups.accounts.models import Member
from meetups.extensions import csrf, db
from meetups.notify import service, topics
from meetups.notify.forms import MailSettingsForm
from meetups.notify.models import Category, MessageStatus, Topic

bp = Blueprint("mail", __name__)


def _topics_by_category() -> list[tuple[Category, list[Topic]]]:
    return [(category, [t for t in Topic if t.category is category]) for category in Category]


def _save(form: MailSettingsForm, member: Member) -> None:
    choices = {topic: bool(form[topic.value].data) for topic in Topic}
    service.set_wanted(db.session, member_id=member.id, choices=choices, now=clock.now())


@bp.route("/me/mail", methods=["GET", "POST"])
@login_required
def settings():
    member = current_user._get_current_object()
    wanted = service.wanted_topics(db.session, member.id)
    form = MailSettingsForm(data={topic.value: on for topic, on in wanted.items()})
    done = forms.submit(form, lambda: _save(form, member))
    if done.done:
        flash(_("Your mail settings are saved."), "success")
        return redirect(url_for("mail.settings"))
    return render_template(
        "notify/settings.html", form=form, groups=_topics_by_category(), topics=topics
    ), done.status


def _unsubscribing(token: str) -> tuple[Member, Topic]:
    member_id, topic = service.read_unsubscribe_token(web.site().secret_key, token)
    member = db.session.get(Member, member_id)
    if member is None:
        raise errors.InvalidToken(_("This unsubscribe link belongs to an account that no longer exists."))
    return member, topic


@bp.get("/mail/unsubscribe/<token>")
def unsubscribe(token: str):
    """A page with the button: a GET never changes anything, since mail scanners open every link."""
    member, topic = _unsubscribing(token)
    wanted = service.wants(db.session, member.id, topic)
    return render_template("notify/unsubscribe.html", token=token, topic=topic, topics=topics, wanted=wanted)


@bp.post("/mail/unsubscribe/<token>")
@csrf.exempt  # the signed token is the authority: mail apps post here without a session (RFC 8058)
def unsubscribe_now(token: str):
    try:
        member, topic = _unsubscribing(token)
    except errors.InvalidToken as err:  # answered here, not with a redirect: a mail app may be the one asking
        return render_template("error.html", title=err.message, status=err.status), err.status
    wanted = request.form.get("wanted") == "1"  # the one-click body is "List-Unsubscribe=One-Click": off
    service.set_wanted(db.session, member_id=member.id, choices={topic: wanted}, now=clock.now())
    db.session.commit()
    return render_template(
        "notify/unsubscribe.html", token=token, topic=topic, topics=topics, wanted=wanted, changed=True
    )


@bp.get("/admin/outbox")
def outbox():
    status = request.args.get("status", "")
    before = request.args.get("before", "")
    messages, counts = service.list_outbox(
        db.session,
        actor=current_user,
        status=MessageStatus(status) if status in MessageStatus.__members__ else None,
        before_id=int(before) if before.isdigit() and len(before) <= 9 else None,  # ids fit a 32-bit integer
    )
    return render_template(
        "notify/outbox.html", messages=messages, counts=counts, status=status, statuses=list(MessageStatus)
    )
