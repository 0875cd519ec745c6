"""The mail settings page and API, the unsubscribe link (no login, one click from the mail app, never on a
GET) and the site admin's outbox."""

from sqlalchemy import select

from meetups.notify import service as notify
from meetups.notify.models import MailPreference, Message, MessageStatus, Topic
from tests.factories import bearer, make_admin, make_member


def _token(site, member, topic=Topic.reminders):
    return notify.make_unsubscribe_token(site.secret_key, member.id, topic)


def test_one_click_unsubscribe_needs_no_login_and_turns_off_only_that_topic(client, session, site, now):
    member = make_member(session)
    token = _token(site, member)

    page = client.get(f"/mail/unsubscribe/{token}")
    assert page.status_code == 200 and "Stop these emails" in page.text
    assert session.scalar(select(MailPreference)) is None  # a GET (a mail scanner) changes nothing

    done = client.post(f"/mail/unsubscribe/{token}", data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and "will not get emails about reminders" in done.text
    wanted = notify.wanted_topics(session, member.id)
    assert wanted[Topic.reminders] is False
    assert all(on for topic, on in wanted.items() if topic not in (Topic.reminders, Topic.achievements))

    again = client.post(f"/mail/unsubscribe/{token}", data={"wanted": "1"})
    assert "will get emails about reminders again" in again.text
    assert notify.wants(session, member.id, Topic.reminders)


def test_a_forged_or_broken_unsubscribe_link_is_refused_in_words(client, session, site):
    member = make_member(session)
    forged = notify.make_unsubscribe_token("another secret", member.id, Topic.reminders)
    for token in (forged, "nonsense", _token(site, member)[:-3]):
        for response in (client.get(f"/mail/unsubscribe/{token}"), client.post(f"/mail/unsubscribe/{token}")):
            assert response.status_code == 400
            assert "unsubscribe link is not valid" in response.text
    assert session.scalar(select(MailPreference)) is None


def test_the_settings_page_shows_and_saves_every_topic(client, session, login, now):
    member = login(make_member(session))
    page = client.get("/me/mail")
    assert page.status_code == 200
    assert "Reminders 24 hours and 2 hours before" in page.text and "About my RSVPs" in page.text
    assert 'id="mail-achievements"' in page.text and 'id="mail-achievements" checked' not in page.text

    keep = {topic.value: "y" for topic in Topic if topic not in (Topic.surveys, Topic.achievements)}
    saved = client.post("/me/mail", data={**keep, "achievements": "y"})
    assert saved.status_code == 302
    wanted = notify.wanted_topics(session, member.id)
    assert wanted[Topic.surveys] is False and wanted[Topic.achievements] is True and wanted[Topic.rsvps]


def test_the_settings_need_a_login(client, session):
    assert client.get("/me/mail").status_code == 302
    assert client.get("/api/v1/me/mail").status_code == 401


def test_the_api_reads_and_changes_settings(client, session):
    member = make_member(session)
    headers = bearer(session, member)
    got = client.get("/api/v1/me/mail", headers=headers).json
    assert {"topic": "reminders", "category": "optional", "wanted": True} in got["topics"]
    assert {"topic": "rsvps", "category": "transactional", "wanted": True} in got["topics"]

    changed = client.put("/api/v1/me/mail", json={"topics": {"reminders": False}}, headers=headers)
    assert changed.status_code == 200
    assert {"topic": "reminders", "category": "optional", "wanted": False} in changed.json["topics"]
    assert {"topic": "surveys", "category": "optional", "wanted": True} in changed.json["topics"]

    for body in ({"topics": {"newsletter": False}}, {"topics": {"reminders": "no"}}, {"topics": []}, {}):
        refused = client.put("/api/v1/me/mail", json=body, headers=headers)
        assert refused.status_code == 422 and refused.json["error"]["code"] == "invalid_input", body
    assert notify.wants(session, member.id, Topic.surveys)


def test_the_outbox_is_for_site_admins(client, session, login, now, outbox):
    member = make_member(session)
    notify.queue(session, to=member, kind="reset", topic=None, now=now)
    notify.queue(session, to=member, kind="survey_reminder", topic=Topic.surveys, now=now, event_id=10**6)
    session.commit()
    outbox.deliver(now)  # the reset goes; the survey's event is gone, so that one fails
    statuses = set(session.scalars(select(Message.status)))
    assert statuses == {MessageStatus.sent, MessageStatus.failed}

    assert client.get("/admin/outbox").status_code == 302  # to the login page
    login(member)
    assert client.get("/admin/outbox").status_code == 403
    client.post("/logout")
    login(make_admin(session))
    page = client.get("/admin/outbox")
    assert page.status_code == 200
    assert member.email in page.text and "no longer exists" in page.text
    assert "sent (1)" in page.text and "failed (1)" in page.text
    only_failed = client.get("/admin/outbox?status=failed")
    assert "survey_reminder" in only_failed.text and ">reset<" not in only_failed.text
    for query in ("status=nonsense&before=x", "before=99999999999999999999", "before=-1&status="):
        assert client.get(f"/admin/outbox?{query}").status_code == 200, query
