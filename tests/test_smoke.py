def test_healthz_answers_when_the_database_is_reachable(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_an_id_too_big_for_the_database_is_not_found_never_an_overflow(client, session):
    for path in ["/api/v1/events/99999999999", "/e/99999999999", "/api/v1/events/2147483648/sessions"]:
        assert client.get(path).status_code == 404, path
