"""Static files for slow phone networks: content-hashed URLs, a year's cache for them, gzip for text."""

import gzip
import hashlib
import re
from pathlib import Path

from flask import url_for

from meetups import static_assets

STATIC = Path(__file__).resolve().parent.parent / "static"


def _digest(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def test_url_for_static_carries_the_content_hash(app):
    with app.test_request_context("/"):
        assert url_for("static", filename="css/app.css") == f"/static/css/app.css?v={_digest('css/app.css')}"
        assert url_for("static", filename="css/app.css", v="given") == "/static/css/app.css?v=given"
        assert url_for("static", filename="no/such.css") == "/static/no/such.css"


def test_every_page_asset_is_fingerprinted(app):
    page = app.test_client().get("/login").text
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert any("css/shell.css" in url for url in assets)
    assert assets and all(re.search(r"\?v=[0-9a-f]{12}$", url) for url in assets), assets


def test_a_fingerprinted_file_is_cached_for_a_year(app):
    client = app.test_client()
    response = client.get(f"/static/js/app.js?v={_digest('js/app.js')}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert response.data == (STATIC / "js/app.js").read_bytes()


def test_without_the_current_hash_only_a_few_minutes(app):
    client = app.test_client()
    for url in ("/static/js/app.js", "/static/js/app.js?v=0123456789ab"):  # none, or an old build's
        response = client.get(url)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "public, max-age=300"


def test_css_and_js_are_gzipped_for_clients_that_accept_it(app):
    client = app.test_client()
    for name in ("css/app.css", "js/app.js"):
        raw = (STATIC / name).read_bytes()
        packed = client.get(f"/static/{name}?v={_digest(name)}", headers={"Accept-Encoding": "gzip, br"})
        assert packed.headers["Content-Encoding"] == "gzip"
        assert "Accept-Encoding" in packed.headers["Vary"]
        assert int(packed.headers["Content-Length"]) == len(packed.data) < len(raw) / 2
        assert gzip.decompress(packed.data) == raw
        assert packed.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        plain = client.get(f"/static/{name}", headers={"Accept-Encoding": "identity"})
        assert "Content-Encoding" not in plain.headers and plain.data == raw
        assert "Accept-Encoding" in plain.headers["Vary"]


def test_images_are_sent_as_they_are(app):
    response = app.test_client().get("/static/icons/scanner-192.png", headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert response.mimetype == "image/png"


def test_a_revalidation_is_answered_with_304(app):
    client = app.test_client()
    first = client.get("/static/css/app.css", headers={"Accept-Encoding": "gzip"})
    again = client.get(
        "/static/css/app.css", headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 304 and not again.data
    plain = client.get("/static/css/app.css")
    assert plain.headers["ETag"] != first.headers["ETag"]  # the gzipped and the plain body differ
    assert (
        client.get("/static/css/app.css", headers={"If-None-Match": plain.headers["ETag"]}).status_code == 304
    )


def test_nothing_outside_the_static_folder_and_no_missing_file(app):
    client = app.test_client()
    assert client.get("/static/../meetups/__init__.py").status_code == 404
    assert client.get("/static/%2e%2e/pyproject.toml").status_code == 404
    assert client.get("/static/css/missing.css").status_code == 404


def test_a_changed_file_gets_a_new_hash_and_a_fresh_gzip(tmp_path):
    css = tmp_path / "site.css"
    css.write_text("body { color: red; }\n" * 100)
    first = static_assets.asset(str(tmp_path), "site.css")
    assert gzip.decompress(first.gzipped()) == css.read_bytes()
    css.write_text("body { color: blue; }\n" * 200)
    second = static_assets.asset(str(tmp_path), "site.css")
    assert second.digest != first.digest
    assert gzip.decompress(second.gzipped()) == css.read_bytes()
    assert static_assets.asset(str(tmp_path), "site.css") is second  # kept while the file stays the same


def test_a_tiny_file_is_not_gzipped(tmp_path):
    (tmp_path / "tiny.js").write_text("let a = 1;\n")
    assert static_assets.asset(str(tmp_path), "tiny.js").gzipped() is None
