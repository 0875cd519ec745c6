"""Community pages: the public page with its events, join and leave, founding one, naming organisers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from meetups import clock, forms, pages, web
from meetups.communities import service
from meetups.communities.forms import CommunityForm, RoleForm
from meetups.communities.models import CommunityRole
from meetups.extensions import db
from meetups.forms import ActionForm

bp = Blueprint("communities", __name__)


def _page(slug: str, role_form: RoleForm | None = None, status: int = 200):
    """The community page; a fixed number of queries however many events it lists."""
    page = pages.get_community_page(db.session, slug=slug, viewer=web.me(), now=clock.now())
    return render_template(
        "communities/show.html",
        role_form=role_form or RoleForm(formdata=None),
        action_form=ActionForm(formdata=None),
        **page,
    ), status


@bp.get("/c/<slug>")
def show(slug: str):
    return _page(slug)


@bp.route("/c/new", methods=["GET", "POST"])
def new():
    service.ensure_can_create_community(web.me())
    form = CommunityForm()
    sent = forms.submit(
        form, lambda: service.create_community(db.session, actor=web.me(), now=clock.now(), **form.fields())
    )
    if not sent.done:
        return render_template("communities/new.html", form=form), sent.status
    flash(_("%(name)s is ready. Invite people and plan its first event.", name=sent.result.name), "success")
    return redirect(url_for(".show", slug=sent.result.slug))


@bp.post("/c/<slug>/join")
@login_required
def join(slug: str):
    community = service.get_community(db.session, slug)
    service.join_community(db.session, community=community, member=web.me(), now=clock.now())
    db.session.commit()
    flash(_("Welcome to %(name)s!", name=community.name), "success")
    return redirect(url_for(".show", slug=slug))


@bp.post("/c/<slug>/leave")
@login_required
def leave(slug: str):
    community = service.get_community(db.session, slug)
    service.leave_community(db.session, community=community, member=web.me())
    db.session.commit()
    flash(_("You left %(name)s.", name=community.name), "success")
    return redirect(url_for(".show", slug=slug))


@bp.post("/c/<slug>/organisers")
@login_required
def set_role(slug: str):
    community, form = service.get_community_for(db.session, slug, web.me(), "manage_community"), RoleForm()
    set_role = service.set_role
    sent = forms.submit(
        form,
        lambda: set_role(db.session, community=community, actor=web.me(), now=clock.now(), **form.values()),
    )
    if not sent.done:
        return _page(slug, form, sent.status)
    name, made = sent.result.member.name, sent.result.role is CommunityRole.organiser
    words = _("%(name)s is now an organiser.") if made else _("%(name)s is no longer an organiser.")
    flash(words % {"name": name}, "success")
    return redirect(url_for(".show", slug=slug, _anchor="organisers"))
