"""Community pages: the public page with its events, join and leave, founding one, naming organisers."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from meetups import clock, errors
from meetups.communities import service
from meetups.communities.forms import CommunityForm, RoleForm
from meetups.communities.models import Community, CommunityRole
from meetups.events import service as events
from meetups.extensions import db
from meetups.forms import ActionForm, show_error

bp = Blueprint("communities", __name__)
PAST_EVENTS_SHOWN = 10


def _me():
    """The member behind the proxy (services store it in relationships), or the anonymous user."""
    return current_user._get_current_object()


def _page(community: Community, role_form: RoleForm | None = None, status: int = 200):
    """The community page; a fixed number of queries however many events it lists."""
    me, now = _me(), clock.now()
    manages = service.can(db.session, me, community, "manage_community")
    context = {
        "community": community,
        "member_count": service.count_members(db.session, community),
        "role": service.get_role(db.session, me, community),
        "manages": manages,
        "can_create_event": service.can(db.session, me, community, "create_event"),
        "upcoming": events.list_events(db.session, now=now, community=community, include_drafts=manages),
        "past": events.list_events(
            db.session,
            now=now,
            community=community,
            include_drafts=manages,
            past=True,
            limit=PAST_EVENTS_SHOWN,
        ),
        "organisers": service.list_organisers(db.session, community),
        "role_form": role_form or RoleForm(formdata=None),
        "action_form": ActionForm(formdata=None),
    }
    return render_template("communities/show.html", **context), status


@bp.get("/c/<slug>")
def show(slug: str):
    return _page(service.get_community(db.session, slug))


@bp.route("/c/new", methods=["GET", "POST"])
def new():
    service.ensure_can_create_community(_me())
    form, status = CommunityForm(), 200
    if form.validate_on_submit():
        try:
            community = service.create_community(db.session, actor=_me(), now=clock.now(), **form.fields())
        except errors.DomainError as err:
            db.session.rollback()
            status = show_error(form, err)
        else:
            db.session.commit()
            flash(
                _("%(name)s is ready. Invite people and plan its first event.", name=community.name),
                "success",
            )
            return redirect(url_for(".show", slug=community.slug))
    elif form.is_submitted():
        status = 422
    return render_template("communities/new.html", form=form), status


@bp.post("/c/<slug>/join")
@login_required
def join(slug: str):
    community = service.get_community(db.session, slug)
    service.join_community(db.session, community=community, member=_me(), now=clock.now())
    db.session.commit()
    flash(_("Welcome to %(name)s!", name=community.name), "success")
    return redirect(url_for(".show", slug=slug))


@bp.post("/c/<slug>/leave")
@login_required
def leave(slug: str):
    community = service.get_community(db.session, slug)
    service.leave_community(db.session, community=community, member=_me())
    db.session.commit()
    flash(_("You left %(name)s.", name=community.name), "success")
    return redirect(url_for(".show", slug=slug))


@bp.post("/c/<slug>/organisers")
@login_required
def set_role(slug: str):
    community = service.get_community(db.session, slug)
    service.ensure_can(db.session, _me(), community, "manage_community")
    form = RoleForm()
    if not form.validate_on_submit():
        return _page(community, form, 422)
    try:
        membership = service.set_role(
            db.session,
            community=community,
            actor=_me(),
            email=form.email.data,
            role=CommunityRole(form.role.data),
            now=clock.now(),
        )
    except errors.DomainError as err:
        db.session.rollback()
        return _page(community, form, show_error(form, err))
    db.session.commit()
    flash(
        _("%(name)s is now an organiser.", name=membership.member.name)
        if membership.role is CommunityRole.organiser
        else _("%(name)s is no longer an organiser.", name=membership.member.name),
        "success",
    )
    return redirect(url_for(".show", slug=slug, _anchor="organisers"))
