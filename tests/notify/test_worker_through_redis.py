"""The worker as production runs it (`flask --app app worker`, its jobs in Redis) with the SMTP server down,
then back: the mail waits in the outbox, then goes once, though two delivery jobs run side by side."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from huey import RedisHuey
from sqlalchemy import create_engine, func, select, update
from sqlalchemy.orm import Session

from harness.servers import create_schema, free_port, fresh_database, redis_server, smtp_server
from meetups import clock
from meetups.notify import jobs
from meetups.notify import service as notify
from meetups.notify.models import Message, MessageStatus
from tests.factories import make_member

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
MAILS = 6


def _wait_for(check, what: str, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(0.2)


def test_mail_waits_while_smtp_is_down_and_goes_once_when_it_is_back():
    with fresh_database() as database_url, redis_server() as redis_url:
        create_schema(database_url)
        engine = create_engine(database_url)
        with Session(engine) as session:
            for _ in range(MAILS):
                notify.queue(session, to=make_member(session), kind="reset", topic=None, now=clock.now())
            session.commit()

        def count(*where):
            with Session(engine) as session:
                return session.scalar(select(func.count()).select_from(Message).where(*where))

        smtp_port = free_port()
        env = {
            **os.environ,
            "MEETUPS_DATABASE_URL": database_url,
            "MEETUPS_REDIS_URL": redis_url,
            "MEETUPS_MAIL_URL": f"smtp://127.0.0.1:{smtp_port}?timeout=2",
            "MEETUPS_BASE_URL": "http://meetups.test",
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "app", "worker", "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        # what a request does after a commit that queued mail (mailer.deliver_soon), through the same Redis
        deliver = RedisHuey("meetups", url=redis_url).task()(jobs._run.func)
        try:
            deliver("mail.deliver", ())
            _wait_for(
                lambda: count(Message.attempts == 1, Message.status != MessageStatus.sending) == MAILS,
                "the first attempt",
            )
            with Session(engine) as session:
                kept = session.execute(select(Message.status, Message.last_error)).all()
            assert {status for status, _error in kept} == {MessageStatus.queued}, kept  # kept, to try again

            with smtp_server(smtp_port) as (_port, sink):
                with Session(engine) as session:  # the minute of back-off passes (the clock is the edge)
                    session.execute(update(Message).values(not_before=clock.now()))
                    session.commit()
                deliver("mail.deliver", ())
                deliver("mail.deliver", ())  # two jobs, two worker threads, at once
                _wait_for(lambda: count(Message.status == MessageStatus.sent) == MAILS, "the mail to go")
                time.sleep(1)  # anything doubled would arrive by now
                received = list(sink.received)
        finally:
            worker.terminate()
            worker.wait(20)
            engine.dispose()
    recipients = [to for _from, to, _raw in received]
    assert len(recipients) == MAILS and len({tuple(r) for r in recipients}) == MAILS
