"""Static files for a slow phone network: every `url_for('static', ...)` carries the file's content hash
(`?v=<hash>`), and a request with the current hash is cached for a year (`immutable`); a request without it,
or with an old one, only for a few minutes. Text files (CSS, JS, SVG, JSON, source maps, wasm) go gzipped to
clients that accept it, compressed once per file version and kept in memory.

The hash is in the query, not the file name, so paths stay what the scanner's service worker precaches
(it matches static files with `ignoreSearch`)."""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import os
import threading
from dataclasses import dataclass, field

from flask import Flask, Response, abort, current_app, request, send_file
from werkzeug.security import safe_join

IMMUTABLE = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"
COMPRESSIBLE = {
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "application/manifest+json",
    "application/wasm",
    "image/svg+xml",
    "text/plain",
}
MIN_GZIP_BYTES = 512  # smaller files gain nothing worth a header


@dataclass
class Asset:
    path: str
    version: tuple[int, int]  # (mtime_ns, size): a changed file is a new asset
    digest: str
    mimetype: str
    _gzipped: bytes | None = field(default=None, repr=False)

    @property
    def compressible(self) -> bool:
        return self.mimetype in COMPRESSIBLE

    def gzipped(self) -> bytes | None:
        """The gzipped body, or None where gzip would not make it smaller."""
        if self._gzipped is None:
            with open(self.path, "rb") as file:
                raw = file.read()
            packed = gzip.compress(raw, compresslevel=9, mtime=0)
            self._gzipped = packed if len(raw) >= MIN_GZIP_BYTES and len(packed) < len(raw) * 0.9 else b""
        return self._gzipped or None


_assets: dict[str, Asset] = {}
_lock = threading.Lock()


def asset(static_folder: str, filename: str) -> Asset | None:
    """The file under static/ named `filename`, or None where there is none (or it is outside the folder)."""
    path = safe_join(static_folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if not os.path.isfile(path):
        return None
    version = (stat.st_mtime_ns, stat.st_size)
    known = _assets.get(path)
    if known is not None and known.version == version:
        return known
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(1 << 16), b""):
            digest.update(chunk)
    mimetype = mimetypes.guess_type(path)[0] or "application/octet-stream"
    if path.endswith(".map"):
        mimetype = "application/json"
    fresh = Asset(path, version, digest.hexdigest()[:12], mimetype)
    with _lock:
        _assets[path] = fresh
    return fresh


def fingerprint(endpoint: str, values: dict) -> None:
    """URL defaults: `url_for('static', filename=...)` gains `v=<content hash>` (left alone when given)."""
    if endpoint != "static" or "v" in values or "filename" not in values:
        return
    found = asset(current_app.static_folder or "", values["filename"])
    if found is not None:
        values["v"] = found.digest


def serve(filename: str) -> Response:
    """The static view: the file, gzipped where that helps and the client accepts it, cached for a year when
    the request names the file's current hash."""
    found = asset(current_app.static_folder or "", filename)
    if found is None:
        abort(404)
    current = request.args.get("v") == found.digest
    packed = found.gzipped() if found.compressible and _accepts_gzip() else None
    if packed is not None:
        response = Response(packed, mimetype=found.mimetype)
        response.headers["Content-Encoding"] = "gzip"
        response.set_etag(f"{found.digest}-gz")
        response.last_modified = found.version[0] / 1e9
        response.make_conditional(request)
    else:
        response = send_file(found.path, mimetype=found.mimetype, conditional=True, etag=found.digest)
    if found.compressible:
        response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = IMMUTABLE if current else SHORT
    return response


def _accepts_gzip() -> bool:
    return request.accept_encodings["gzip"] > 0


def register(app: Flask) -> None:
    if not app.static_folder or "static" not in app.view_functions:
        return
    app.url_defaults(fingerprint)
    app.view_functions["static"] = serve  # reads the folder per request: a rebuilt bundle is seen at once
