"""Every route under /api/v1, found by walking the app's URL map (a new route is covered the day it is
added), is described in /api/v1/openapi.json: a summary, its request body or query, what it answers, and each
error status it can give with the codes behind it, in our error shape."""

import re

import pytest

from meetups import errors

SKIP = {"/api/v1/openapi.json", "/api/v1/docs"}


def _known_codes() -> set[str]:
    """Every stable error code: the domain errors' and the HTTP ones (rate_limited, ...)."""
    found, todo = set(), [errors.DomainError]
    while todo:
        cls = todo.pop()
        found.add(cls.code)
        todo.extend(cls.__subclasses__())
    return found | set(errors._HTTP_CODES.values())


def _api_operations(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.rule in SKIP:
            continue
        path = re.sub(r"<(?:[a-z]+:)?(\w+)>", r"{\1}", rule.rule)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield path, method.lower(), app.view_functions[rule.endpoint]


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/v1/openapi.json").json


def _ref_name(schema):
    return schema.get("$ref", "").rsplit("/", 1)[-1]


def test_the_url_map_has_the_api(app):
    assert len(list(_api_operations(app))) >= 45


def test_every_api_route_is_described_whole(app, spec):
    problems, codes = [], _known_codes()
    schemas = spec["components"]["schemas"]
    for path, method, _view in _api_operations(app):
        where = f"{method.upper()} {path}"
        operation = spec["paths"].get(path, {}).get(method)
        if operation is None:
            problems.append(f"{where}: not in openapi.json")
            continue
        responses = operation["responses"]
        if not operation.get("summary"):
            problems.append(f"{where}: no summary")
        ok = [status for status in responses if status.startswith("2")]
        if len(ok) != 1:
            problems.append(f"{where}: {len(ok)} success responses")
        for status in ok:
            content = responses[status].get("content", {})
            if status == "204":
                if content:
                    problems.append(f"{where}: 204 with a body")
            elif not content.get("application/json", {}).get("schema"):
                problems.append(f"{where}: {status} answer without a schema")
        for status, response in responses.items():
            if status.startswith("2"):
                continue
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if "error" not in schemas.get(_ref_name(schema), {}).get("properties", {}):
                problems.append(f"{where}: {status} is not in the error shape")
            named = {code.strip() for code in response.get("description", "").split(",")}
            if not named or not named <= codes:
                problems.append(
                    f"{where}: {status} should list its error codes, not {response.get('description')!r}"
                )
        if operation.get("security") and "401" not in responses:
            problems.append(f"{where}: needs a login but 401 is not described")
        if "{" in path and "404" not in responses:
            problems.append(f"{where}: names something by id but 404 is not described")
        takes_input = "requestBody" in operation or any(
            p["in"] == "query" for p in operation.get("parameters", [])
        )
        if takes_input and "422" not in responses:
            problems.append(f"{where}: takes input but 422 is not described")
        if "requestBody" in operation:
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            if schemas.get(_ref_name(body), {}).get("additionalProperties") is not False:
                problems.append(f"{where}: its body accepts unknown fields")
    assert not problems, "\n".join(problems)


def test_an_operation_says_it_needs_a_login_exactly_when_it_does(app, spec):
    """Views behind api.login_required are marked; the door's endpoints also take a door link (no login)."""
    marked = 0
    for path, method, view in _api_operations(app):
        operation = spec["paths"][path][method]
        if getattr(view, "needs_login", False):
            marked += 1
            assert {"BearerAuth": []} in operation.get("security", []), (method, path)
    assert marked >= 30  # the mark survives the other decorators
