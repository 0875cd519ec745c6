"""The same member answering from several tabs at once, against gunicorn with several workers on the test
database (PostgreSQL in CI): one answer is kept, the others are told it was given already."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta

import pytest
import requests
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from harness.servers import create_schema, fresh_database, gunicorn
from meetups.accounts import service as accounts
from meetups.accounts.models import Member
from meetups.communities.models import Community
from meetups.events.models import Event, EventStatus
from meetups.recognition.models import Attendance, Outcome
from meetups.surveys.models import Survey, SurveyKind, SurveyQuestion, SurveyResponse

pytestmark = pytest.mark.slow
PEOPLE, TABS = 8, 3


def _seed(database_url: str) -> tuple[int, int, list[str]]:
    now = datetime.now(UTC)
    engine = create_engine(database_url)
    with Session(engine) as session:
        community = Community(slug="race", name="Race", created_at=now)
        event = Event(
            community=community,
            title="Ended",
            starts_at=now - timedelta(hours=9),
            ends_at=now - timedelta(hours=7),
            timezone="Europe/Berlin",
            status=EventStatus.published,
            created_at=now,
            updated_at=now,
            closed_at=now - timedelta(hours=1),
        )
        question = SurveyQuestion(kind=SurveyKind.rating, label="Overall?", is_required=True, position=0)
        session.add(
            Survey(
                event=event,
                opened_at=now - timedelta(hours=1),
                created_at=now,
                updated_at=now,
                questions=[question],
            )
        )
        people = [Member(email=f"a{i}@example.test", name=f"A {i}", created_at=now) for i in range(PEOPLE)]
        session.add_all(people)
        session.flush()
        for member in people:
            session.add(
                Attendance(
                    event_id=event.id,
                    member_id=member.id,
                    community_id=community.id,
                    event_on=date.today(),
                    outcome=Outcome.attended,
                    resolved_at=now,
                )
            )
        tokens = [accounts.create_token(session, m, name="race", now=now)[1] for m in people]
        session.commit()
        ids = event.id, question.id
    engine.dispose()
    return *ids, tokens


def test_tabs_racing_keep_one_answer_each():
    with fresh_database() as database_url:
        create_schema(database_url)
        event_id, question_id, tokens = _seed(database_url)
        with gunicorn(database_url, workers=4) as url:

            def post(token: str) -> int:
                return requests.post(
                    f"{url}/api/v1/events/{event_id}/survey/responses",
                    json={"answers": {str(question_id): 4}},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                ).status_code

            with ThreadPoolExecutor(PEOPLE * TABS) as pool:
                statuses = list(pool.map(post, [t for t in tokens for _ in range(TABS)]))
        engine = create_engine(database_url)
        with Session(engine) as session:
            stored = session.scalar(select(func.count()).select_from(SurveyResponse))
        engine.dispose()
    assert Counter(statuses) == {201: PEOPLE, 409: PEOPLE * (TABS - 1)}, statuses
    assert stored == PEOPLE
