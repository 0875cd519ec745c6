"""Mail as a member's mail server receives it, from a real SMTP server on 127.0.0.1: the headers, both parts,
the ticket's QR (read back by zxing-cpp) and the event's .ics (read back by ical.js); a server that is down
loses nothing and doubles nothing; two deliverers at once send each message once."""

import io
import threading
from datetime import timedelta
from email.utils import parsedate_to_datetime

import zxingcpp
from PIL import Image
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from harness.servers import create_schema, fresh_database, smtp_server
from meetups import clock, create_app, mailer, web
from meetups.calendars import ics
from meetups.extensions import db
from meetups.notify import jobs
from meetups.notify import service as notify
from meetups.notify.models import Message, MessageStatus, Topic
from meetups.rsvps import tickets
from tests.factories import make_member

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


def _seed_messages(database_url, count):
    engine = create_engine(database_url)
    with Session(engine) as session:
        now = clock.now()
        members = [make_member(session, email=f"m{i}@example.test") for i in range(count)]
        for member in members:
            notify.queue(session, to=member, kind="reset", topic=None, now=now)
        session.commit()
    engine.dispose()


def test_two_deliverers_at_once_send_each_message_once():
    with fresh_database() as database_url, smtp_server() as (port, sink):
        create_schema(database_url)
        _seed_messages(database_url, 40)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": database_url,
                "MAIL_URL": f"smtp://127.0.0.1:{port}",
                "RATELIMIT_ENABLED": False,
            }
        )
        start = threading.Barrier(3)

        def worker(times):
            start.wait()
            for _ in range(times):
                jobs.run_periodic()  # every periodic job, the mail last, as the worker's minute does

        def deliverer():
            start.wait()
            with app.app_context():
                mailer.deliver_due(db.session, site=web.site(), now=clock.now())
                db.session.remove()

        with app.app_context():
            threads = [threading.Thread(target=worker, args=(2,)) for _ in range(2)]
            threads.append(threading.Thread(target=deliverer))
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            sent = db.session.scalar(select(func.count()).where(Message.status == MessageStatus.sent))
            db.session.remove()
            db.engine.dispose()
    ids = [raw.split(b"Message-ID: ")[1].split(b"\r\n")[0] for _f, _t, raw in sink.received]
    assert len(ids) == 40 and len(set(ids)) == 40
    assert sent == 40
