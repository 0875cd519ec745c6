import pytest

from tests.factories import make_community, make_event, make_member


@pytest.fixture
def ctx(app, session, now):
    """Services render mail in the member's language: they need a request context."""
    with app.test_request_context():
        yield


@pytest.fixture
def event_factory(session, ctx):
    def _make(**overrides):
        return make_event(
            session, community=overrides.pop("community", None) or make_community(session), **overrides
        )

    return _make


@pytest.fixture
def members(session):
    def _make(n: int):
        return [make_member(session) for _ in range(n)]

    return _make
