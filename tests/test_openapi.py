"""/api/v1/openapi.json is generated from the code and describes the communities and events API."""

import json

import pytest

PATHS = {
    "/api/v1/communities": {"get", "post"},
    "/api/v1/communities/{slug}": {"get"},
    "/api/v1/communities/{slug}/join": {"post", "delete"},
    "/api/v1/communities/{slug}/events": {"post"},
    "/api/v1/events": {"get"},
    "/api/v1/events/{event_id}": {"get", "patch"},
    "/api/v1/events/{event_id}/publish": {"post"},
    "/api/v1/events/{event_id}/cancel": {"post"},
    "/api/v1/events/{event_id}/staff": {"get", "post"},
    "/api/v1/events/{event_id}/staff/{staff_id}": {"delete"},
}
PUBLIC = {
    ("/api/v1/communities", "get"),
    ("/api/v1/communities/{slug}", "get"),
    ("/api/v1/events", "get"),
    ("/api/v1/events/{event_id}", "get"),
}


@pytest.fixture
def spec(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return json.loads(response.data)  # valid JSON, not only something Flask could parse


def _operations(spec):
    for path, methods in PATHS.items():
        for method in methods:
            yield path, method, spec["paths"][path][method]


def test_every_endpoint_is_described(spec):
    assert spec["openapi"].startswith("3.")
    for path, methods in PATHS.items():
        assert path in spec["paths"], path
        assert methods <= set(spec["paths"][path]), path
    for _path, _method, operation in _operations(spec):
        assert operation["summary"]
        assert operation["responses"]


def test_bearer_tokens_are_a_security_scheme(spec):
    schemes = spec["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["BearerAuth"].items()


def test_member_endpoints_say_they_need_a_login_and_public_ones_do_not(spec):
    for path, method, operation in _operations(spec):
        if (path, method) in PUBLIC:
            assert "security" not in operation, (path, method)
        else:
            assert {"BearerAuth": []} in operation["security"], (path, method)
            assert "401" in operation["responses"], (path, method)


def test_bodies_refuse_unknown_fields_and_errors_have_our_shape(spec):
    schemas = spec["components"]["schemas"]
    event_in = schemas["EventIn"]
    assert event_in["additionalProperties"] is False
    assert set(event_in["required"]) == {"title", "starts_at", "ends_at", "timezone"}
    assert "questions" in event_in["properties"]  # asked with each RSVP (the RSVP issue)
    assert schemas["EventChanges"].get("required", []) == []
    error = spec["paths"]["/api/v1/communities/{slug}/events"]["post"]["responses"]["422"]
    ref = error["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert schemas[ref]["properties"]["error"]["required"] == ["code", "message"]


def test_answers_are_described(spec):
    created = spec["paths"]["/api/v1/communities/{slug}/events"]["post"]["responses"]["201"]
    ref = created["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    event = spec["components"]["schemas"][
        spec["components"]["schemas"][ref]["properties"]["event"]["$ref"].rsplit("/", 1)[-1]
    ]
    assert {"id", "url", "ics_url", "status", "capacity", "starts_at", "local_starts_at"} <= set(
        event["required"]
    )
    assert "204" in spec["paths"]["/api/v1/events/{event_id}/staff/{staff_id}"]["delete"]["responses"]
