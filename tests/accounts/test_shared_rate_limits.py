"""Rate limits hold across worker processes: the counters live in a store every worker shares (a SQLite file
of their own, or Redis), not in each process's memory, where `gunicorn -w 4` would allow four times each
limit."""

import multiprocessing
import time

import pytest
import requests

from harness.servers import create_schema, fresh_database, gunicorn
from meetups import config, ratelimits


def _count_up(path: str, times: int, start) -> None:
    start.wait()
    store = ratelimits.SqliteFileStorage(f"{ratelimits.SCHEME}:///{path}")
    for _ in range(times):
        store.incr("login:127.0.0.1", expiry=60)


def test_two_processes_counting_one_key_lose_no_hit(tmp_path):
    path = tmp_path / "limits.db"
    start = multiprocessing.get_context("fork").Event()
    workers = [
        multiprocessing.get_context("fork").Process(target=_count_up, args=(path, 200, start))
        for _ in range(2)
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=60)
        assert worker.exitcode == 0
    store = ratelimits.SqliteFileStorage(f"{ratelimits.SCHEME}:///{path}")
    assert store.get("login:127.0.0.1") == 400
    assert 0 < store.get_expiry("login:127.0.0.1") - time.time() <= 60


def test_a_window_that_ran_out_starts_again(tmp_path, monkeypatch):
    store = ratelimits.SqliteFileStorage(f"{ratelimits.SCHEME}:///{tmp_path / 'limits.db'}")
    clock = [1_000_000.0]
    monkeypatch.setattr(ratelimits.time, "time", lambda: clock[0])
    assert [store.incr("k", expiry=60) for _ in range(3)] == [1, 2, 3]
    clock[0] += 61
    assert store.get("k") == 0 and store.incr("k", expiry=60) == 1


def test_the_default_store_is_shared_and_sits_beside_a_sqlite_database(tmp_path, monkeypatch):
    monkeypatch.delenv("MEETUPS_REDIS_URL", raising=False)
    monkeypatch.setenv("MEETUPS_DATABASE_URL", f"sqlite:///{tmp_path}/meetups.db")
    assert config.from_env()["RATELIMIT_STORAGE_URI"] == f"meetups+sqlite:///{tmp_path}/meetups.db-ratelimits"
    monkeypatch.setenv("MEETUPS_REDIS_URL", "redis://127.0.0.1:6379/0")
    assert config.from_env()["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/0"


@pytest.mark.slow
def test_four_workers_allow_ten_login_attempts_a_minute_not_forty():
    with fresh_database() as database_url:
        create_schema(database_url)
        with gunicorn(database_url, workers=4, rate_limits=True) as url:
            answers = [
                requests.post(
                    f"{url}/api/v1/auth/token",
                    json={"email": "nobody@example.org", "password": "wrong password"},
                    headers={"Connection": "close"},  # a new connection each time: any worker may take it
                    timeout=10,
                ).status_code
                for _ in range(16)
            ]
    assert answers.count(401) == 10, answers
    assert answers[10:] == [429] * 6
