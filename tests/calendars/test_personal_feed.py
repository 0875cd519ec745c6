"""The personal feed: my RSVPs as calendar apps should show them, nothing about anyone else, a secret link
that a reset kills at once, and the community-events setting."""

import re
from datetime import timedelta

import pytest

from meetups.calendars import links
from meetups.events import service as events
from meetups.events.models import EventStatus, RsvpMode
from meetups.rsvps import service as rsvps
from meetups.rsvps.models import RsvpStatus
from tests.calendars.conftest import assert_well_formed, events_by_uid
from tests.factories import join, make_community, make_event, make_member


def without_csrf(page: str) -> str:
    return re.sub(r'<meta name="csrf-token" content="[^"]*">', "", page)


def uid(event) -> str:
    return f"event-{event.id}@meetups.test"


@pytest.fixture
def my_url(session, site):
    def _url(member) -> str:
        url = links.calendar_url(session, member, site=site)
        assert url.startswith("http://meetups.test/calendar/") and url.endswith(".ics")
        return url.removeprefix("http://meetups.test")

    return _url


@pytest.fixture
def scene(session, now):
    """Me, another member, and events where I am going, waitlisted, pending, offered a seat, cancelled."""
    me, other = (
        make_member(session, name="Mia Me"),
        make_member(session, name="Otto Other", email="otto@x.test"),
    )
    organiser = make_member(session)
    community = make_community(session, organiser=organiser)
    full = make_event(session, community=community, title="Full house", capacity=1)
    going = make_event(session, community=community, title="Going to this")
    approval = make_event(session, community=community, title="Needs approval", rsvp_mode=RsvpMode.approval)
    left = make_event(session, community=community, title="Changed my mind")
    called_off = make_event(session, community=community, title="Called off")
    theirs = make_event(session, community=community, title="Only Otto goes")
    rsvps.save_rsvp(session, event_id=full.id, member=other, now=now)
    line = [make_member(session) for _ in range(1)]
    rsvps.save_rsvp(session, event_id=full.id, member=line[0], now=now)
    for event in (going, left, called_off):
        rsvps.save_rsvp(session, event_id=event.id, member=me, now=now)
    rsvps.save_rsvp(session, event_id=full.id, member=me, now=now)  # second in line
    rsvps.save_rsvp(session, event_id=approval.id, member=me, now=now)
    rsvps.save_rsvp(session, event_id=theirs.id, member=other, now=now)
    rsvps.cancel_rsvp(session, event_id=left.id, member=me, now=now)
    events.cancel_event(session, event=called_off, actor=organiser, reason="Snow", now=now)
    return {
        "me": me,
        "other": other,
        "organiser": organiser,
        "community": community,
        "full": full,
        "going": going,
        "approval": approval,
        "left": left,
        "called_off": called_off,
        "theirs": theirs,
    }


def test_my_feed_shows_each_rsvp_as_it_stands(client, session, now, scene, my_url, icaljs):
    response = client.get(my_url(scene["me"]))

    assert response.status_code == 200
    body = response.data
    listed = events_by_uid(assert_well_formed(body))
    assert set(listed) == {uid(scene[k]) for k in ("going", "full", "approval", "called_off")}
    going = listed[uid(scene["going"])]
    assert going["STATUS"] == "CONFIRMED" and going["SUMMARY"] == "Going to this"
    assert going["TRANSP"] == "OPAQUE"
    ticket = next(
        r for r in rsvps.list_my_rsvps(session, scene["me"], now=now) if r.rsvp.event_id == scene["going"].id
    )
    assert f"Your ticket: http://meetups.test/t/{ticket.rsvp.ticket_code}" in going["DESCRIPTION"]
    waiting = listed[uid(scene["full"])]
    assert waiting["STATUS"] == "TENTATIVE" and waiting["SUMMARY"] == "[Waitlist #2] Full house"
    assert waiting["TRANSP"] == "TRANSPARENT"
    assert "number 2 on the waitlist" in waiting["DESCRIPTION"]
    assert listed[uid(scene["approval"])]["SUMMARY"] == "[Pending] Needs approval"
    assert listed[uid(scene["called_off"])]["STATUS"] == "CANCELLED"

    parsed = icaljs(body)
    assert {e["uid"]: e["status"] for e in parsed["events"]} == {
        uid(scene["going"]): "CONFIRMED",
        uid(scene["full"]): "TENTATIVE",
        uid(scene["approval"]): "TENTATIVE",
        uid(scene["called_off"]): "CANCELLED",
    }
    assert parsed["calname"] == "My meetups"


def test_my_feed_says_nothing_about_other_members(client, session, now, scene, my_url):
    body = client.get(my_url(scene["me"])).data.decode()

    assert uid(scene["theirs"]) not in body
    assert "Otto" not in body and "otto@x.test" not in body and "Mia Me" not in body
    others = rsvps.list_my_rsvps(session, scene["other"], now=now)
    assert all(view.rsvp.ticket_code not in body for view in others if view.rsvp.ticket_code)


def test_a_held_seat_is_tentative_and_says_until_when(client, session, now, my_url):
    from meetups.rsvps.models import Rsvp

    me = make_member(session)
    event = make_event(session, title="Offer mode")
    session.add(
        Rsvp(
            event=event,
            member=me,
            status=RsvpStatus.offered,
            created_at=now,
            updated_at=now,
            offer_expires_at=now + timedelta(hours=5),
        )
    )
    session.flush()

    listed = events_by_uid(assert_well_formed(client.get(my_url(me)).data))

    entry = listed[uid(event)]
    assert entry["SUMMARY"] == "[Seat held] Offer mode" and entry["STATUS"] == "TENTATIVE"
    assert "A seat is held for you until Mon 1 Apr 2030, 19:00." in entry["DESCRIPTION"]


def test_past_events_i_went_to_stay_for_90_days_but_old_waitlists_go(client, session, now, my_url):
    from meetups.rsvps.models import Rsvp

    me = make_member(session)
    went = make_event(session, starts_at=now - timedelta(days=30))
    waited = make_event(session, starts_at=now - timedelta(days=30))
    long_ago = make_event(session, starts_at=now - timedelta(days=100))
    for event, status in (
        (went, RsvpStatus.going),
        (waited, RsvpStatus.waitlisted),
        (long_ago, RsvpStatus.going),
    ):
        session.add(
            Rsvp(
                event=event,
                member=me,
                status=status,
                created_at=now,
                updated_at=now,
                waitlist_rank=1,
                ticket_code=f"code{event.id}" if status is RsvpStatus.going else None,
            )
        )
    session.flush()

    listed = events_by_uid(assert_well_formed(client.get(my_url(me)).data))

    assert set(listed) == {uid(went)}


def test_community_events_join_my_feed_when_i_ask(client, session, now, my_url, login):
    me = make_member(session)
    mine, other = make_community(session), make_community(session)
    join(session, mine, me)
    listed_event = make_event(session, community=mine, title="Community night")
    make_event(session, community=mine, status=EventStatus.draft)
    make_event(session, community=other, title="Not my community")
    rsvp_event = make_event(session, community=mine, title="I RSVPed")
    rsvps.save_rsvp(session, event_id=rsvp_event.id, member=me, now=now)
    url = my_url(me)

    assert set(events_by_uid(assert_well_formed(client.get(url).data))) == {uid(rsvp_event)}

    login(me)
    assert client.post("/me/calendar/settings", data={"include_community_events": "y"}).status_code == 302
    listed = events_by_uid(assert_well_formed(client.get(url).data))  # the same link

    assert set(listed) == {uid(rsvp_event), uid(listed_event)}
    assert listed[uid(listed_event)]["STATUS"] == "CONFIRMED"
    assert "Your ticket" in listed[uid(rsvp_event)]["DESCRIPTION"]  # my own entry wins over the public one

    assert client.post("/me/calendar/settings", data={}).status_code == 302  # unticked
    assert set(events_by_uid(assert_well_formed(client.get(url).data))) == {uid(rsvp_event)}


def test_resetting_kills_the_old_link_at_once(client, session, now, my_url, login):
    me = make_member(session)
    old = my_url(me)
    assert client.get(old).status_code == 200

    login(me)
    response = client.post("/me/calendar/reset")
    assert response.status_code == 302 and response.headers["Location"].endswith("/me#calendar")
    assert "the old one no longer works" in client.get("/me").text  # the message is shown (and used up)
    new = my_url(me)

    assert new != old
    nothing_here, gone = client.get("/no-such-page"), client.get(old)
    assert gone.status_code == 404
    assert without_csrf(gone.text) == without_csrf(nothing_here.text)  # no hint that the link ever existed
    assert client.get(new).status_code == 200


@pytest.mark.parametrize(
    "token",
    [
        "abc",
        "1-",
        "-abc",
        "99999999999999999999-abc",
        "١-abc",
        "1-" + "a" * 80,
        "0-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_made_up_tokens_are_404(client, session, now, token):
    assert client.get(f"/calendar/{token}.ics").status_code == 404


def test_another_members_id_with_my_mac_is_refused(client, session, now, my_url):
    me, other = make_member(session), make_member(session)
    mine = my_url(me)
    forged = mine.replace(f"/calendar/{me.id}-", f"/calendar/{other.id}-")
    assert client.get(forged).status_code == 404


def test_my_feed_is_in_my_language(client, session, now, my_url, app):
    me = make_member(session, locale="ru")
    with app.test_request_context():
        from flask_babel import force_locale, gettext

        with force_locale("ru"):
            expected = gettext("My meetups")
    assert f"X-WR-CALNAME:{expected}".encode() in client.get(my_url(me)).data


def test_my_feed_takes_a_fixed_number_of_queries(app, client, session, now, my_url):
    import sqlalchemy

    from meetups.extensions import db

    me = make_member(session)
    url = my_url(me)
    with app.app_context():
        engine = db.engines[None].engine
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            seen.append(statement)

    def queries() -> int:
        client.get(url)  # builds and caches the public entries
        seen.clear()
        sqlalchemy.event.listen(engine, "before_cursor_execute", record)
        assert client.get(url).status_code == 200
        sqlalchemy.event.remove(engine, "before_cursor_execute", record)
        return len(seen)

    rsvps.save_rsvp(session, event_id=make_event(session).id, member=me, now=now)
    few = queries()
    for _ in range(6):
        rsvps.save_rsvp(session, event_id=make_event(session).id, member=me, now=now)
    make_event(session, capacity=0)
    assert queries() == few


def test_a_waitlist_place_moving_is_a_new_feed_even_for_if_modified_since(client, session, now, my_url):
    me, ahead = make_member(session), make_member(session)
    full = make_event(session, capacity=1, title="Full")
    rsvps.save_rsvp(session, event_id=full.id, member=make_member(session), now=now)
    rsvps.save_rsvp(session, event_id=full.id, member=ahead, now=now)
    rsvps.save_rsvp(session, event_id=full.id, member=me, now=now)
    url = my_url(me)
    first = client.get(url)
    assert b"[Waitlist #2] Full" in first.data

    rsvps.cancel_rsvp(session, event_id=full.id, member=ahead, now=now)  # my RSVP itself did not change
    again = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})

    assert again.status_code == 200 and b"[Waitlist #1] Full" in again.data
    assert client.get(url, headers={"If-None-Match": again.headers["ETag"]}).status_code == 304
