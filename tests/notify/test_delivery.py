"""Mail as a member's mail server receives it, from a real SMTP server on 127.0.0.1: the headers, both parts,
the ticket's QR (read back by zxing-cpp) and the event's .ics (read back by ical.js); a server that is down
loses nothing and doubles nothing; every periodic job run twice by two workers at once mails each once."""

import io
import threading
from datetime import timedelta
from email import message_from_bytes, policy
from email.utils import parsedate_to_datetime

import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from harness.servers import create_schema, fresh_database, smtp_server
from meetups import clock, create_app, mailer, web
from meetups.calendars import ics
from meetups.checkin.models import CheckIn
from meetups.events.models import WaitlistMode
from meetups.extensions import db
from meetups.notify import jobs
from meetups.notify import service as notify
from meetups.notify.models import Message, MessageStatus, Topic
from meetups.rsvps import tickets
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.rsvps.tickets import new_code
from meetups.surveys import service as surveys
from tests.factories import make_community, make_event, make_member

pytest_plugins = ["tests.calendars.conftest"]


def _queue_ticket_mail(session, going, now, kind="rsvp_promoted"):
    notify.queue(
        session,
        to=going.member,
        kind=kind,
        topic=Topic.rsvps,
        now=now,
        rsvp_id=going.rsvp.id,
        event_id=going.event.id,
    )
    session.commit()


def _parts(mail):
    return {part.get_content_type(): part for part in mail.walk() if not part.is_multipart()}


def test_a_ticket_mail_arrives_with_both_parts_the_qr_and_the_event(
    session, now, smtp, going, site, outbox, icaljs
):
    _queue_ticket_mail(session, going, now)
    outbox.deliver(now)

    [mail] = smtp.messages
    assert mail["From"] == site.mail_from
    assert mail["To"] == "mia@example.test"
    assert "Python evening" in mail["Subject"]
    assert parsedate_to_datetime(mail["Date"]) == now
    message_id = session.scalar(select(Message.id))
    assert mail["Message-ID"].startswith(f"<outbox-{message_id}.") and mail["Message-ID"].endswith(
        "@meetups.test>"
    )
    unsubscribe = mail["List-Unsubscribe"]
    assert unsubscribe.startswith("<http://meetups.test/mail/unsubscribe/") and unsubscribe.endswith(">")
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    parts = _parts(mail)
    assert set(parts) == {"text/plain", "text/html", "image/png", "text/calendar"}
    text, page = parts["text/plain"].get_content(), parts["text/html"].get_content()
    ticket_url = tickets.ticket_url(site, going.rsvp.ticket_code)
    assert "Mia Member" in text and "Mia Member" in page
    assert "Choose which emails you get: http://meetups.test/me/mail" in text
    assert 'src="cid:ticket-qr"' in page and f'href="{ticket_url}"' in page
    assert '<a href="http://meetups.test/me/mail"' in page

    qr = parts["image/png"]
    assert qr["Content-ID"] == "<ticket-qr>"
    [read] = zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.get_content())))
    assert read.text == ticket_url

    calendar = parts["text/calendar"]
    assert calendar.get_param("method") == "PUBLISH"
    parsed = icaljs(calendar.get_content().encode())
    assert parsed["method"] == "PUBLISH"
    [entry] = parsed["events"]
    assert entry["uid"] == f"event-{going.event.id}@meetups.test"
    assert entry["start"] == going.event.starts_at.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    assert entry["alarms"] == [{"action": "DISPLAY", "trigger": "-PT30M"}]


def test_a_change_updates_the_entry_already_in_the_calendar_and_a_cancel_removes_it(
    session, going, site, icaljs
):
    first = icaljs(ics.invitation(going.event, site, method="PUBLISH"))["events"][0]
    going.event.sequence += 1
    going.event.starts_at += timedelta(hours=1)
    going.event.ends_at += timedelta(hours=1)
    moved = icaljs(ics.invitation(going.event, site, method="REQUEST", attendee="mia@example.test"))
    assert moved["method"] == "REQUEST"
    [update] = moved["events"]
    assert update["uid"] == first["uid"] and update["sequence"] == first["sequence"] + 1
    assert update["attendees"] == [{"value": "mailto:mia@example.test", "partstat": "ACCEPTED"}]
    assert update["start"] > first["start"]
    going.event.sequence += 1
    going.event.status = going.event.status.cancelled
    gone = icaljs(ics.invitation(going.event, site, method="CANCEL", attendee="mia@example.test"))
    assert gone["method"] == "CANCEL"
    assert gone["events"][0]["status"] == "CANCELLED" and gone["events"][0]["alarms"] == []


def test_account_mail_has_no_unsubscribe(session, now, smtp, going, outbox):
    notify.queue(session, to=going.member, kind="reset", topic=None, now=now)
    session.commit()
    outbox.deliver(now)
    [mail] = smtp.messages
    assert mail["List-Unsubscribe"] is None
    assert "Stop" not in _parts(mail)["text/plain"].get_content()


def test_a_server_that_is_down_keeps_the_mail_until_it_is_back(session, now, use_smtp, going, outbox):
    for kind in ("rsvp_promoted", "rsvp_offered", "reset"):
        notify.queue(
            session,
            to=going.member,
            kind=kind,
            topic=Topic.rsvps,
            now=now,
            rsvp_id=going.rsvp.id,
            event_id=going.event.id,
        )
    session.commit()

    assert outbox.deliver(now) == []
    waiting = session.scalars(select(Message).order_by(Message.id)).all()
    assert [m.status for m in waiting] == [MessageStatus.queued] * 3
    assert {m.not_before for m in waiting} == {now + timedelta(minutes=1)}
    assert all("ConnectionRefusedError" in m.last_error for m in waiting)

    assert outbox.deliver(now + timedelta(seconds=30)) == []  # not due yet: nothing tried
    with smtp_server(use_smtp) as (_port, sink):
        outbox.deliver(now + timedelta(minutes=1))
        outbox.deliver(now + timedelta(minutes=5))  # a later run finds nothing more to send
        assert len(sink.received) == 3
    session.expire_all()
    assert [m.status for m in session.scalars(select(Message))] == [MessageStatus.sent] * 3


def test_a_turned_off_topic_is_skipped_as_it_goes_and_the_other_still_goes(session, now, smtp, going, outbox):
    _queue_ticket_mail(session, going, now)
    notify.queue(
        session,
        to=going.member,
        kind="event_cancelled",
        topic=Topic.changes,
        now=now,
        rsvp_id=going.rsvp.id,
        event_id=going.event.id,
    )
    notify.set_wanted(session, member_id=going.member.id, choices={Topic.rsvps: False}, now=now)
    session.commit()
    outbox.deliver(now)
    assert [m["Subject"].split(":")[0] for m in smtp.messages] == ["Cancelled"]
    statuses = dict(session.execute(select(Message.kind, Message.status)).all())
    assert statuses == {"rsvp_promoted": MessageStatus.skipped, "event_cancelled": MessageStatus.sent}


def _seed_a_busy_minute(app, now) -> int:
    """What every periodic job has to do at once: account mail waiting, an event tomorrow (reminders), one
    that ended hours ago with a survey (closing, then survey invitations), and a seat offer that ran out (its
    expiry, and the offer to the next in line). Returns how many mails that makes."""
    with app.app_context():
        session = db.session
        organiser = make_member(session, name="Olga")
        community = make_community(session, organiser=organiser)
        for _ in range(10):
            notify.queue(session, to=make_member(session), kind="reset", topic=None, now=now)
        tomorrow = make_event(session, community=community, starts_at=now + timedelta(hours=20))
        ended = make_event(session, community=community, starts_at=now - timedelta(hours=9))
        full = make_event(session, community=community, capacity=1, waitlist_mode=WaitlistMode.offer)
        for event, people in ((tomorrow, 8), (ended, 4)):
            for _ in range(people):
                rsvp = Rsvp(
                    event=event,
                    member=make_member(session),
                    status=RsvpStatus.going,
                    ticket_code=new_code(),
                    created_at=now - timedelta(days=3),
                    updated_at=now - timedelta(days=3),
                    seated_at=now - timedelta(days=3),
                )
                session.add(rsvp)
                if event is ended:
                    session.flush()
                    session.add(
                        CheckIn(
                            event_id=event.id,
                            rsvp=rsvp,
                            checked_in_at=event.starts_at,
                            recorded_at=event.starts_at,
                        )
                    )
        surveys.set_survey(
            session, event_id=ended.id, actor=organiser, template="default", now=now - timedelta(days=1)
        )
        for status, rank, expires in (
            (RsvpStatus.offered, None, now - timedelta(minutes=1)),
            (RsvpStatus.waitlisted, 1, None),
        ):
            session.add(
                Rsvp(
                    event=full,
                    member=make_member(session),
                    status=status,
                    waitlist_rank=rank,
                    offer_expires_at=expires,
                    created_at=now - timedelta(days=1),
                    updated_at=now - timedelta(days=1),
                )
            )
        session.commit()
        db.session.remove()
    return 10 + 8 + 4 + 2


def test_every_periodic_job_run_twice_by_two_workers_at_once_sends_each_mail_once():
    with fresh_database() as database_url, smtp_server() as (port, sink):
        create_schema(database_url)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "MAIL_URL": f"smtp://127.0.0.1:{port}",
                "RATELIMIT_ENABLED": False,
            }
        )
        expected = _seed_a_busy_minute(app, clock.now())
        start = threading.Barrier(3)
        done = []

        def worker():
            start.wait()
            for _ in range(2):
                done.append(
                    jobs.run_periodic()
                )  # every periodic job, the mail last, as the worker's minute does

        def deliverer():  # and a request's own delivery at the same moment
            start.wait()
            with app.app_context():
                mailer.deliver_due(db.session, site=web.site(), now=clock.now())
                db.session.remove()

        threads = [threading.Thread(target=worker) for _ in range(2)]
        threads.append(threading.Thread(target=deliverer))
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        with app.app_context():
            jobs.run_periodic()  # a later minute: what one run queued after the other's mail step went
            statuses = dict(
                db.session.execute(select(Message.status, func.count()).group_by(Message.status)).all()
            )
            db.session.remove()
            db.engine.dispose()
    assert all(-1 not in run.values() for run in done), done  # no job failed in any run
    received = [message_from_bytes(raw, policy=policy.default) for _f, _t, raw in sink.received]
    ids = [mail["Message-ID"] for mail in received]
    assert len(ids) == expected and len(set(ids)) == expected
    subjects = [mail["Subject"] for mail in received]
    assert sum(subject.startswith("Tomorrow at") for subject in subjects) == 8, subjects
    assert statuses == {MessageStatus.sent: expected}
