"""What rules need to know about the site they run on, without Flask: its public address (for the links in
tickets, feeds and mail), the secret that signs links, and who mail is from. create_app builds one from the
config; faces pass it to the services that need it, so no rule reads current_app.

`url()` is the one URL builder: it builds from the app's own routes (werkzeug's URL map, bound to
MEETUPS_BASE_URL), so a link can never drift from the page it points to."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from werkzeug.routing import Map, MapAdapter


@dataclass(frozen=True)
class Site:
    base_url: str
    secret_key: str
    mail_from: str
    _urls: MapAdapter = field(repr=False, compare=False)

    @classmethod
    def build(cls, url_map: Map, *, base_url: str, secret_key: str, mail_from: str) -> Site:
        base_url = base_url.rstrip("/")
        parts = urlsplit(base_url)
        urls = url_map.bind(parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "http")
        return cls(base_url, secret_key, mail_from, urls)

    def url(self, endpoint: str, **values: object) -> str:
        """The absolute URL of a route, e.g. url("checkin.ticket", code=...)."""
        return self._urls.build(endpoint, values, force_external=True)

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"
