"""Meetups: run offline gatherings for communities."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from apiflask import APIFlask
from flask import has_app_context, has_request_context, request, session
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from meetups import api, config, errors, mailer, templating, web
from meetups.extensions import (
    babel,
    csrf,
    db,
    harden_sqlite,
    limiter,
    login_manager,
    migrate,
    start_reading_first,
)
from meetups.notify import jobs


def _blueprints():
    from meetups.accounts import api as accounts_api
    from meetups.accounts import views as accounts_views
    from meetups.badges import api as badges_api
    from meetups.badges import views as badges_views
    from meetups.calendars import api as calendars_api
    from meetups.calendars import views as calendars_views
    from meetups.checkin import api as checkin_api
    from meetups.checkin import views as checkin_views
    from meetups.communities import api as communities_api
    from meetups.communities import views as communities_views
    from meetups.events import api as events_api
    from meetups.events import views as events_views
    from meetups.notify import api as mail_api
    from meetups.notify import views as mail_views
    from meetups.programme import api as programme_api
    from meetups.programme import api_exchange as programme_exchange_api
    from meetups.programme import views as programme_views
    from meetups.programme import views_exchange as programme_exchange_views
    from meetups.programme import views_manage as programme_manage_views
    from meetups.recognition import api as recognition_api
    from meetups.recognition import views as recognition_views
    from meetups.rsvps import api as rsvps_api
    from meetups.rsvps import views as rsvps_views
    from meetups.surveys import api as surveys_api
    from meetups.surveys import views as surveys_views

    return [
        (events_views.bp, None),
        (communities_views.bp, None),
        (accounts_views.bp, None),
        (rsvps_views.bp, None),
        (accounts_api.bp, "/api/v1"),
        (communities_api.bp, "/api/v1"),
        (events_api.bp, "/api/v1"),
        (rsvps_api.bp, "/api/v1"),
        (checkin_views.bp, None),
        (checkin_api.bp, "/api/v1"),
        (calendars_views.bp, None),
        (calendars_api.bp, "/api/v1"),
        (badges_views.bp, None),
        (badges_api.bp, "/api/v1"),
        (recognition_views.bp, None),
        (recognition_api.bp, "/api/v1"),
        (programme_views.bp, None),
        (programme_manage_views.bp, None),
        (programme_exchange_views.bp, None),
        (programme_api.bp, "/api/v1"),
        (programme_exchange_api.bp, "/api/v1"),
        (surveys_views.bp, None),
        (surveys_api.bp, "/api/v1"),
        (mail_views.bp, None),
        (mail_api.bp, "/api/v1"),
    ]


def create_app(overrides: dict | None = None) -> APIFlask:
    app = APIFlask(
        __name__,
        title="Meetups API",
        version="1",
        spec_path="/api/v1/openapi.json",
        docs_path="/api/v1/docs",
        json_errors=False,
        template_folder="../templates",
        static_folder="../static",
        instance_relative_config=True,
    )
    app.request_class = api.ApiRequest
    app.url_map.converters["int"] = web.IdConverter
    app.config.from_mapping(config.from_env())
    app.config.from_mapping(overrides or {})
    app.config.update(VALIDATION_ERROR_STATUS_CODE=422, AUTO_404_RESPONSE=False)
    app.config.update(
        SECURITY_SCHEMES=api.SECURITY_SCHEMES,
        HTTP_ERROR_SCHEMA=errors.ERROR_SCHEMA,
        VALIDATION_ERROR_SCHEMA=errors.ERROR_SCHEMA,
    )  # the OpenAPI document tells the truth
    if proxies := app.config.get("TRUSTED_PROXIES"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config.INSTANCE_DIR.parent / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=_select_locale)
    limiter.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            harden_sqlite(db.engine)

    for bp, prefix in _blueprints():
        if prefix:
            csrf.exempt(bp)  # the API checks CSRF itself, only for cookie callers (meetups.api)
        app.register_blueprint(bp, url_prefix=prefix)

    @app.before_request
    def _guard():
        start_reading_first(app.view_functions.get(request.endpoint))
        api.refuse_nul()
        if request.path.startswith("/api/"):
            api.guard_request()

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @app.get("/healthz")
    @app.doc(hide=True)
    def healthz():
        try:
            db.session.execute(db.text("SELECT 1"))
        except Exception:  # any failure to reach the database is the answer, not an error
            return {"status": "unavailable"}, 503
        return {"status": "ok"}

    _connect_domains()
    errors.register(app)
    templating.register(app)
    from meetups import cli

    cli.register(app)
    mailer.init_app(app)
    web.install_site(app)  # last: every route is known
    _load_jobs()
    jobs.configure(lambda: _job_environment(app))
    return app


def _load_jobs() -> None:
    """Modules that only hold periodic jobs, which nothing else imports: they register as they load."""
    from meetups.rsvps import reminders  # noqa: F401


@contextmanager
def _job_environment(app: APIFlask) -> Iterator[jobs.Environment]:
    """What a background job runs in: the app's context (the worker's own, or, with Huey's immediate mode in
    tests, the request that queued it) with its database session and settings."""
    with nullcontext() if has_app_context() else app.app_context():
        yield jobs.Environment(db.session, web.site())


def _connect_domains() -> None:
    """Where a lower domain's change must move a higher one, the higher one subscribes to the lower one's
    signal here: this is the whole map of those reactions. Connecting twice (tests make several apps) changes
    nothing."""
    from meetups.accounts import service as accounts
    from meetups.communities import service as communities
    from meetups.events import service as events
    from meetups.programme import registrations as programme
    from meetups.programme import service as programme_service
    from meetups.recognition import service as recognition
    from meetups.rsvps import reactions as rsvps
    from meetups.rsvps import waitlist
    from meetups.surveys import lifecycle as surveys

    accounts.member_deleting.connect(communities.on_member_deleting)
    accounts.member_deleting.connect(rsvps.on_member_deleting)
    events.event_changed.connect(rsvps.on_event_changed)
    events.event_published.connect(rsvps.on_event_published)
    events.event_cancelled.connect(rsvps.on_event_cancelled)
    events.staff_changed.connect(rsvps.on_staff_changed)
    events.event_cancelled.connect(programme_service.on_event_cancelled)
    waitlist.seat_left.connect(programme.on_seat_left)
    recognition.event_closed.connect(surveys.on_event_closed)
    recognition.attendance_corrected.connect(surveys.on_attendance_corrected)


def _select_locale() -> str:
    supported = ["en", "ru"]
    if not has_request_context():  # CLI commands and jobs: the default language
        return "en"
    if request.args.get("lang") in supported:
        session["lang"] = request.args["lang"]
    if session.get("lang") in supported:  # the language switch on the page wins, for this browser session
        return session["lang"]
    if getattr(current_user, "is_authenticated", False) and current_user.locale in supported:
        return current_user.locale
    return request.accept_languages.best_match(supported) or "en"


@login_manager.user_loader
def _load_member(session_id: str):
    from meetups.accounts.models import Member

    member_id, _sep, _fingerprint = session_id.partition(":")  # get_id() checks the fingerprint below
    if not member_id.isdigit():
        return None
    member = db.session.get(Member, int(member_id))
    return member if member is not None and member.get_id() == session_id else None


login_manager.login_view = "accounts.login"
login_manager.login_message = None
