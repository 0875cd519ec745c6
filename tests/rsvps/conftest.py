import pytest

from tests.factories import make_community, make_event, make_member


@pytest.fixture
def event_factory(session, now):
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
