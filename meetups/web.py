"""What every page and JSON endpoint shares: the site's settings for the services they call, absolute URLs,
the member behind the request, and the one commit of an action (mail goes out after it)."""

from __future__ import annotations

from flask import Flask, Response, current_app, make_response
from flask_login import current_user
from werkzeug.routing import IntegerConverter

from meetups.extensions import db
from meetups.site import Site

SITE_KEY = "meetups.site"


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: ids fit the database's integer, so a huge one is a 404 like any id that
    names nothing, never an overflow in the query."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(map, *args, **kwargs)


def install_site(app: Flask) -> Site:
    """Build the app's Site from its config, once every route is known (the end of create_app; again after a
    test moves BASE_URL to the port its server got)."""
    app.extensions[SITE_KEY] = Site.build(
        app.url_map,
        base_url=app.config["BASE_URL"],
        secret_key=app.config["SECRET_KEY"],
        mail_from=app.config["MAIL_FROM"],
    )
    return app.extensions[SITE_KEY]


def site() -> Site:
    """The site's address and secrets, built once by create_app; services take it as an argument."""
    return current_app.extensions[SITE_KEY]


def absolute_url(endpoint: str, **values: object) -> str:
    """The public address of a page: MEETUPS_BASE_URL and the route, never a path glued by hand."""
    return site().url(endpoint, **values)


def me():
    """The member behind the request (services store it in relationships), or the anonymous user."""
    return current_user._get_current_object()


def commit() -> None:
    """The action's one commit."""
    db.session.commit()


def secret_page(html: str, status: int = 200) -> Response:
    """A page whose URL is the secret (a ticket, a feed): never indexed, cached or sent on as a referrer."""
    response = make_response(html, status)
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
