"""Demo data for `flask --app app demo`: two communities, events across time zones, members with logins, and
a three-day conference with its programme.

Every step looks its records up first (members by email, communities by slug, events by title), so a second
run creates nothing. Event times are relative to the clock, so a fresh demo always has upcoming events.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from meetups.accounts import service as accounts
from meetups.accounts.models import Member
from meetups.checkin.models import CheckIn
from meetups.communities import service as communities
from meetups.communities.models import Community, CommunityRole
from meetups.events import series
from meetups.events import service as events
from meetups.events.models import Event, EventStaff, EventStatus, StaffRole, WaitlistMode
from meetups.notify import service as notify
from meetups.programme import fields as programme_fields
from meetups.programme import places, registrations
from meetups.programme import service as programme
from meetups.programme.models import ProgrammeSession, Room, SessionKind, Speaker, Star, Track
from meetups.recognition import service as recognition
from meetups.recognition.models import Attendance, Outcome
from meetups.rsvps import service as rsvps
from meetups.rsvps import tickets
from meetups.rsvps.models import Rsvp, RsvpStatus
from meetups.surveys import service as surveys
from meetups.surveys.models import SurveyInvitation, SurveyResponse

# (role, email, password, name): printed after every run so anyone can try each chair.
LOGINS = [
    ("admin", "admin@example.org", "demo-admin-pass", "Sam Admin"),
    ("organiser", "organiser@example.org", "demo-organiser-pass", "Olga Organiser"),
    ("volunteer", "volunteer@example.org", "demo-volunteer-pass", "Vic Volunteer"),
    ("member", "member@example.org", "demo-member-pass", "Mia Member"),
]

# Imported without a password: they exist to fill lists, not to log in.
# fmt: off
MEMBERS = [
    ("jonas.becker", "Jonas Becker"), ("lea.hoffmann", "Lea Hoffmann"), ("mehmet.yilmaz", "Mehmet Yılmaz"),
    ("sophie.wagner", "Sophie Wagner"), ("lukas.schmidt", "Lukas Schmidt"), ("anna.nowak", "Anna Nowak"),
    ("emilie.dubois", "Émilie Dubois"), ("joao.silva", "João Silva"), ("priya.raman", "Priya Raman"),
    ("chidi.okafor", "Chidi Okafor"), ("freya.lindqvist", "Freya Lindqvist"),
    ("marta.garcia", "Marta García"), ("nino.beridze", "ნინო ბერიძე"),
    ("giorgi.kapanadze", "Giorgi Kapanadze"), ("tamar.lomidze", "Tamar Lomidze"),
    ("levan.gelashvili", "ლევან გელაშვილი"), ("anna.smirnova", "Анна Смирнова"),
    ("dmitry.ivanov", "Дмитрий Иванов"), ("olga.kuznetsova", "Ольга Кузнецова"),
    ("sergey.popov", "Сергей Попов"), ("giorgos.papadopoulos", "Γιώργος Παπαδόπουλος"),
    ("eleni.nikolaou", "Ελένη Νικολάου"), ("taro.yamada", "山田 太郎"), ("hanako.sato", "佐藤 花子"),
    ("xiaoming.wang", "王小明"), ("minjun.kim", "김민준"), ("na.li", "李娜"),
    ("mohammed.alahmad", "محمد الأحمد"),
    ("fatima.zahra", "فاطمة الزهراء"), ("layla.haddad", "Layla Haddad"), ("noa.cohen", "נועה כהן"),
    ("arjun.sharma", "अर्जुन शर्मा"), ("kwame.mensah", "Kwame Mensah"),
    ("olusegun.adeyemi", "Olúṣẹ́gun Adéyẹmí"), ("ines.mendes", "Inês Mendes"),
    ("camille.martin", "Camille Martin"), ("hana.novakova", "Hana Nováková"),
    ("mateo.rossi", "Mateo Rossi"), ("sebastian.perez", "Sebastián Pérez"), ("aroha.ngata", "Aroha Ngata"),
    ("bartholomew.featherstonehaugh", "Bartholomew Featherstonehaugh-Worthington"),
]
# fmt: on

COMMUNITIES = [
    {
        "slug": "berlin-python",
        "name": "Berlin Python",
        "color": "#306998",
        "description": "Pythonistas of Berlin: monthly talks, sprints and a summer barbecue. "
        "Beginners welcome; every talk is recorded.\n\n"
        "[Code of conduct](https://www.python.org/psf/conduct/)",
    },
    {
        "slug": "tbilisi-js",
        "name": "Tbilisi JS",
        "color": "#c9a100",
        "description": "JavaScript and TypeScript people in Tbilisi. Talks in English and Georgian, "
        "khachapuri after every meetup.",
    },
]

_BERLIN_VENUES = {
    "betahaus": ("Betahaus", "Rudi-Dutschke-Straße 23, 10969 Berlin"),
    "cbase": ("c-base", "Rungestraße 20, 10179 Berlin"),
    "wikimedia": ("Wikimedia Deutschland", "Tempelhofer Ufer 23-24, 10963 Berlin"),
}
_TBILISI_VENUES = {
    "hub": ("Impact Hub Tbilisi", "Marjanishvili St 5, 0102 Tbilisi"),
    "fabrika": ("Fabrika", "Egnate Ninoshvili St 8, Tbilisi"),
}


def _talks(*lines: str) -> str:
    return "\n".join(lines)


# (slug, title, zone, day offset, local start, hours, venue, extra fields, state)
# state: "published", "draft" or "cancelled:<reason>". Day offsets are from today in the event's zone.
# fmt: off
EVENTS = [
    ("berlin-python", "Python Pizza Night: Lightning Talks", "Europe/Berlin", 2, time(19), 2.5,
     _BERLIN_VENUES["betahaus"], {"capacity": 60, "max_guests": 1}, "published",
     _talks("Five-minute talks, pizza, and the best crowd in Kreuzberg.", "",
            "## Programme", "- 19:00 doors and pizza", "- 19:30 lightning talks", "- 21:00 drinks nearby", "",
            "Want to give a talk? Reply in the **#talks** channel.")),
    ("tbilisi-js", "Tbilisi JS #42: React Server Components", "Asia/Tbilisi", 5, time(19), 2.0,
     _TBILISI_VENUES["hub"], {"capacity": 80, "max_guests": 2}, "published",
     _talks("What changes when components run on the server?", "",
            "1. *RSC from first principles* — Nino", "2. *Streaming in production* — Giorgi")),
    ("berlin-python", "Async Python in Practice", "Europe/Berlin", 9, time(18, 30), 2.0,
     _BERLIN_VENUES["cbase"], {"capacity": 12}, "published",
     _talks("A small hands-on evening: `asyncio`, `trio` and structured concurrency.", "",
            "Bring a laptop with Python 3.12+. **Only 12 seats** — please cancel if you cannot come.")),
    ("tbilisi-js", "Node.js Performance Clinic", "Asia/Tbilisi", 12, time(18), 3.0,
     _TBILISI_VENUES["fabrika"], {"capacity": 15, "waitlist_mode": "offer", "offer_hours": 12}, "published",
     _talks("Bring a slow service; leave with a flame graph.", "",
            "When a seat frees up, the next person on the waitlist gets **12 hours** to claim it.")),
    ("berlin-python", "Django Sprint Weekend", "Europe/Berlin", 16, time(10), 31.0,
     _BERLIN_VENUES["wikimedia"], {"capacity": None}, "published",
     _talks("Two days of contributing to Django and its ecosystem. No limit on seats — come for an hour "
            "or both days.", "", "- Saturday 10:00-18:00", "- Sunday 10:00-17:00", "",
            "[Contributing guide](https://docs.djangoproject.com/en/stable/internals/contributing/)")),
    ("tbilisi-js", "JSConf JP Watch Party & Meetup", "Asia/Tokyo", 19, time(19), 3.0,
     ("Shibuya Stream Hall", "3-21-3 Shibuya, Shibuya-ku, Tokyo 150-0002"), {"capacity": 50}, "published",
     _talks("Our members travelling to JSConf JP meet in Tokyo — everyone is welcome.", "",
            "Times are **Tokyo time**.")),
    ("berlin-python", "Data Science Workshop: Polars from Zero", "Europe/Berlin", 23, time(17), 4.0,
     _BERLIN_VENUES["cbase"], {"capacity": 25, "rsvp_mode": "approval"}, "published",
     _talks("A four-hour workshop with exercises. Organisers approve RSVPs so that every seat goes to "
            "someone who will use it; tell us in one line what you hope to learn.")),
    ("tbilisi-js", "TypeScript for Backend Developers", "Asia/Tbilisi", 26, time(19), 2.0,
     _TBILISI_VENUES["hub"], {"capacity": 30, "max_guests": 1}, "published",
     _talks("Types at the edges: validating input, typing SQL, and sharing types with the front end.")),
    ("berlin-python", "PyGotham Satellite Meetup", "America/New_York", 30, time(18), 3.0,
     ("Recurse Center", "397 Bridge St, Brooklyn, NY 11201, USA"), {"capacity": 40}, "published",
     _talks("Berlin Python goes to New York: a meetup the evening before PyGotham.", "",
            "Times are **New York time**.")),
    ("tbilisi-js", "Frontend Accessibility Night", "Asia/Tbilisi", 33, time(19), 2.0,
     _TBILISI_VENUES["fabrika"], {"capacity": 40}, "published",
     _talks("Screen readers, focus order and colour contrast, with live testing of your sites.")),
    ("berlin-python", "Berlin Python Summer BBQ", "Europe/Berlin", 40, time(16), 5.0,
     ("Tempelhofer Feld", "Oderstraße entrance, 12049 Berlin"), {"capacity": 100, "max_guests": 3},
     "cancelled:The park permit fell through; we will be back in autumn.",
     _talks("Grill, games and Python chat in the park.")),
    ("berlin-python", "Typing Deep Dive", "Europe/Berlin", 45, time(19), 2.0,
     _BERLIN_VENUES["betahaus"], {"capacity": 50}, "draft",
     _talks("Protocols, generics and `TypeVar` defaults. *Speaker to be confirmed.*")),
    # The past: attendance history for profiles and statistics.
    ("berlin-python", "Packaging Without Tears", "Europe/Berlin", -10, time(19), 2.0,
     _BERLIN_VENUES["betahaus"], {"capacity": 50}, "published",
     _talks("`pyproject.toml`, wheels and trusted publishing, demystified.")),
    ("tbilisi-js", "Svelte 5 Hands-on", "Asia/Tbilisi", -14, time(19), 2.5,
     _TBILISI_VENUES["hub"], {"capacity": 30}, "published",
     _talks("Runes, snippets and migrating a real app.")),
    ("berlin-python", "Python at Scale: A Night in New York", "America/New_York", -25, time(18, 30), 2.5,
     ("Recurse Center", "397 Bridge St, Brooklyn, NY 11201, USA"), {"capacity": 35}, "published",
     _talks("Stories from teams running Python on thousands of machines.")),
    ("berlin-python", "Testing with Hypothesis", "Europe/Berlin", -40, time(19), 2.0,
     _BERLIN_VENUES["cbase"], {"capacity": 20}, "published",
     _talks("Property-based testing: let the computer find the edge cases.")),
    ("tbilisi-js", "Tbilisi JS New Year Social", "Asia/Tbilisi", -75, time(18), 4.0,
     _TBILISI_VENUES["fabrika"], {"capacity": None}, "published",
     _talks("Churchkhela, quizzes and a look back at the year.")),
]
# fmt: on


@dataclass
class DemoResult:
    created: int = 0
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    #: pages worth opening first: (what, path)
    links: list[tuple[str, str]] = field(default_factory=list)
    people: dict[str, Member] = field(default_factory=dict)
    communities: dict[str, Community] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)


#: the demo's people and communities have been around a while: they have a year of history
SINCE = timedelta(days=400)


def load(session: Session, *, now: datetime, secret: str) -> DemoResult:
    """Create whatever of the demo data is missing; a second run adds nothing. `secret` is the site's key
    (anonymous survey answers are keyed with it)."""
    result = DemoResult(logins=[(role, email, password) for role, email, password, _name in LOGINS])
    mail_before = notify.newest_id(session)
    _demo_logins(session, result, now - SINCE)
    _demo_members(session, result, now - SINCE)
    _demo_communities(session, result, now - SINCE)
    _demo_memberships(session, result, now - SINCE)
    _demo_events(session, result, now)
    _demo_staff(session, result, now)
    _demo_rsvps(session, result, now)
    _demo_history(session, result, now, secret)
    _demo_conference(session, result, now)
    session.flush()
    # the RSVPs, offers and surveys above queued mail to invented people: kept in the outbox, never sent
    notify.skip_queued_after(session, after_id=mail_before, reason="demo data")
    return result


def _demo_logins(session: Session, result: DemoResult, now: datetime) -> None:
    for role, email, password, name in LOGINS:
        member = accounts.get_member_by_email(session, email)
        if member is None:
            member = accounts.sign_up(
                session,
                email=email,
                name=name,
                password=password,
                is_admin=role == "admin",
                now=now,
                verify=False,
            )
            member.email_verified_at = now  # demo addresses cannot receive the verification mail
            result.created += 1
        result.people[role] = member


def _demo_members(session: Session, result: DemoResult, now: datetime) -> None:
    emails = [f"{local}@example.org" for local, _name in MEMBERS]
    existing = set(session.scalars(select(Member.email).where(Member.email.in_(emails))))
    missing = [
        (email, name) for email, (_local, name) in zip(emails, MEMBERS, strict=True) if email not in existing
    ]
    if missing:
        out = io.StringIO()
        csv.writer(out).writerows(missing)
        result.created += len(accounts.import_members(session, out.getvalue(), now=now))


def _demo_communities(session: Session, result: DemoResult, now: datetime) -> None:
    for spec in COMMUNITIES:
        community = session.scalar(select(Community).where(Community.slug == spec["slug"]))
        if community is None:
            community = communities.create_community(session, actor=result.people["admin"], now=now, **spec)
            result.created += 2  # the community and its founder's membership
        result.communities[spec["slug"]] = community


def _demo_memberships(session: Session, result: DemoResult, now: datetime) -> None:
    """The organiser runs both communities; members spread over both, some in each."""
    admin = result.people["admin"]
    for community in result.communities.values():
        if (
            communities.get_role(session, result.people["organiser"], community)
            is not CommunityRole.organiser
        ):
            communities.set_role(
                session,
                community=community,
                actor=admin,
                email="organiser@example.org",
                role=CommunityRole.organiser,
                now=now,
            )
            result.created += 1
    members = list(
        session.scalars(
            select(Member)
            .where(Member.email.in_([f"{local}@example.org" for local, _name in MEMBERS]))
            .order_by(Member.id)
        )
    )
    members += [result.people["volunteer"], result.people["member"]]
    berlin, tbilisi = result.communities["berlin-python"], result.communities["tbilisi-js"]
    for i, member in enumerate(members):
        for community in [berlin] if i % 3 == 0 else [tbilisi] if i % 3 == 1 else [berlin, tbilisi]:
            if communities.get_role(session, member, community) is None:
                joined = now + timedelta(days=7 * i)  # a community grows week by week
                communities.join_community(session, community=community, member=member, now=joined)
                result.created += 1


def _demo_events(session: Session, result: DemoResult, now: datetime) -> None:
    organiser = result.people["organiser"]
    for slug, title, zone, days, starts, hours, venue, extra, state, description in EVENTS:
        community = result.communities[slug]
        event = session.scalar(select(Event).where(Event.community_id == community.id, Event.title == title))
        if event is None:
            start = datetime.combine(now.astimezone(ZoneInfo(zone)).date() + timedelta(days=days), starts)
            fields = {
                "title": title,
                "description": description,
                "timezone": zone,
                "starts_at": start,
                "ends_at": start + timedelta(hours=hours),
                "venue_name": venue[0],
                "venue_address": venue[1],
                **extra,
            }
            event = events.create_event(
                session,
                community=community,
                actor=organiser,
                fields=fields,
                now=now,
                publish=state != "draft",
            )
            if state.startswith("cancelled:"):
                events.cancel_event(
                    session, event=event, actor=organiser, reason=state.partition(":")[2], now=now
                )
            result.created += 1
        result.events.append(event)


def _demo_staff(session: Session, result: DemoResult, now: datetime) -> None:
    """The volunteer helps at the door of the next event (the first one listed, fixed so reruns agree)."""
    next_event = result.events[0]
    volunteer = result.people["volunteer"]
    has_role = session.scalar(
        select(EventStaff.id).where(
            EventStaff.event_id == next_event.id,
            EventStaff.member_id == volunteer.id,
            EventStaff.role == StaffRole.volunteer,
        )
    )
    if has_role is None:
        events.add_staff(
            session,
            event=next_event,
            actor=result.people["organiser"],
            email=volunteer.email,
            role=StaffRole.volunteer.value,
            now=now,
        )
        result.created += 1


def _demo_rsvps(session: Session, result: DemoResult, now: datetime) -> None:
    """Upcoming events fill up through the real RSVP rules (the small one to a waitlist, the offer-mode one
    with a held seat, the approval one with requests); past events get the attendance they had."""
    people = list(
        session.scalars(select(Member).where(Member.email.like("%@example.org")).order_by(Member.id))
    )
    regulars = [m for m in people if m.email not in {e for _r, e, _p, _n in LOGINS}]
    demo_member = result.people["member"]
    for index, event in enumerate(result.events):
        if session.scalar(select(Rsvp.id).where(Rsvp.event_id == event.id).limit(1)) is not None:
            continue  # already filled on an earlier run
        if event.status is not EventStatus.published:
            continue
        wanted = len(regulars) if event.capacity is None else min(len(regulars), event.capacity + 4)
        crowd = regulars[index % 7 :] + regulars[: index % 7]
        if event.has_ended(now):
            _past_rsvps(session, event, crowd[: wanted * 2 // 3], now, seed=index)
            session.flush()
            recognition.close_event(session, event_id=event.id, actor=None, now=now)
            continue
        for n, member in enumerate(crowd[:wanted]):
            guests = 1 if event.max_guests and n % 4 == 0 else 0
            rsvps.save_rsvp(session, event_id=event.id, member=member, guests=guests, now=now)
            result.created += 1
        if index < 4:  # the demo member has something to look at: going, waitlisted, a held seat
            rsvps.save_rsvp(session, event_id=event.id, member=demo_member, now=now)
        if event.waitlist_mode is WaitlistMode.offer:
            rsvps.cancel_rsvp(session, event_id=event.id, member=crowd[0], now=now)  # a seat to offer


def _past_rsvps(session: Session, event: Event, crowd: list[Member], now: datetime, seed: int = 0) -> None:
    """Who RSVP'd to a past event and what became of it: most came and were scanned at the door, some never
    came, a few cancelled (in time, or late); the same every run."""
    for n, member in enumerate(crowd):
        fate = (n * 7 + seed * 3) % 20
        rsvp_at = event.starts_at - timedelta(days=1 + (n * 5 + seed) % 30)
        cancelled = fate in (18, 19)
        rsvp = Rsvp(
            event=event,
            member=member,
            status=RsvpStatus.cancelled if cancelled else RsvpStatus.going,
            end_reason="member" if cancelled else "",
            guests=0,
            created_at=rsvp_at,
            # a late cancellation the evening before; one in time a week before
            updated_at=event.starts_at - (timedelta(hours=10) if fate == 19 else timedelta(days=7))
            if cancelled
            else rsvp_at,
            ticket_code=tickets.new_code(),
        )
        session.add(rsvp)
        if fate < 16:  # the door scanned them; fates 16 and 17 never came
            session.add(
                CheckIn(
                    event_id=event.id,
                    rsvp=rsvp,
                    checked_in_at=event.starts_at + timedelta(minutes=n % 40),
                    recorded_at=event.starts_at + timedelta(minutes=n % 40),
                    guests_admitted=0,
                )
            )


#: a year of monthly meetups per community, so profiles, streaks, achievements and the health page have a
#: history on the first run; one date was cancelled (streaks forgive it)
HISTORY = {
    "berlin-python": ("Berlin Python Monthly", "Europe/Berlin", _BERLIN_VENUES["betahaus"], 40),
    "tbilisi-js": ("Tbilisi JS Monthly", "Asia/Tbilisi", _TBILISI_VENUES["hub"], 35),
}
HISTORY_MONTHS = 12


#: the last months of each series asked for feedback, so the results page has trends
SURVEYED_MONTHS = 6
COMMENTS = [
    "More time for questions after the talks, please.",
    "The room was too warm by the second talk.",
    "Great speakers. The pizza ran out early.",
    "A lightning-talk slot for newcomers would be nice.",
    "Start a little later: 19:00 is hard to make from work.",
    "Loved the hallway track. Name badges helped.",
    "Мне понравилось, но звук был тихий.",
]


def _demo_answers(
    session: Session,
    event: Event,
    organiser: Member,
    demo_member: Member,
    now: datetime,
    secret: str,
    seed: int,
) -> None:
    """About two in three of those who came answer, through the survey's own rules; Mia leaves the latest
    one for the newcomer to answer. Earlier surveys are moved back to when they ran and have closed, and
    their invitations count as sent, so starting the demo mails nobody."""
    survey = surveys.find_survey(session, event.id)
    rating, nps, change = (str(q.id) for q in survey.questions)
    came = session.scalars(
        select(Member)
        .join(Attendance, Attendance.member_id == Member.id)
        .where(Attendance.event_id == event.id, Attendance.outcome == Outcome.attended)
        .order_by(Member.id)
    ).all()
    latest = event.ends_at > now - timedelta(days=30)
    for n, member in enumerate(came):
        if (n + seed) % 3 == 2 or (member.id == demo_member.id and latest):
            continue
        score = (n * 7 + seed * 5) % 11
        answers = {
            rating: (5, 4, 4, 3, 5, 4, 2, 5, 4)[(n + seed) % 9],
            nps: max(score, 4 + (n + seed) % 7),
            change: COMMENTS[(n + seed) % len(COMMENTS)] if n % 2 == 0 else "",
        }
        surveys.submit_response(
            session, event_id=event.id, member=member, answers=answers, secret=secret, now=now
        )
    ran = event.ends_at + timedelta(hours=event.close_after_hours)
    if not latest:
        survey.opened_at = ran
        for response in session.scalars(select(SurveyResponse).where(SurveyResponse.survey_id == survey.id)):
            response.submitted_at = response.updated_at = ran + timedelta(days=1)
        if event.ends_at > now - timedelta(days=65):  # the one before the latest: its answers led somewhere
            survey.follow_up = (
                "You said the room got too warm and that 19:00 is early. From now on the windows open at the "
                "break, and talks start at 19:15."
            )
            survey.follow_up_at = ran + timedelta(days=15)
    session.execute(
        update(SurveyInvitation)
        .where(SurveyInvitation.survey_id == survey.id)
        .values(invited_at=survey.opened_at, reminded_at=survey.opened_at)
    )
    survey.reminded_at = survey.opened_at
    session.flush()


def _demo_history(session: Session, result: DemoResult, now: datetime, secret: str) -> None:
    organiser, volunteer, demo_member = (result.people[r] for r in ("organiser", "volunteer", "member"))
    regulars = list(
        session.scalars(
            select(Member)
            .where(Member.email.in_([f"{local}@example.org" for local, _name in MEMBERS]))
            .order_by(Member.id)
        )
    )
    for index, (slug, (title, zone, venue, capacity)) in enumerate(HISTORY.items()):
        community = result.communities[slug]
        if session.scalar(select(Event.id).where(Event.community_id == community.id, Event.title == title)):
            continue
        start = datetime.combine(
            now.astimezone(ZoneInfo(zone)).date() - timedelta(days=365 - 7 * index), time(19)
        )
        fields = {"title": title, "timezone": zone, "starts_at": start, "ends_at": start + timedelta(hours=2),
                  "venue_name": venue[0], "venue_address": venue[1], "capacity": capacity,
                  "description": "Talks, questions and pizza, every month."}  # fmt: skip
        first = events.create_event(
            session, community=community, actor=organiser, fields=fields, now=now, publish=True
        )
        dates = [
            first,
            *series.repeat_event(
                session, event=first, actor=organiser, frequency="monthly", count=HISTORY_MONTHS, now=now
            ),
        ]
        for n, event in enumerate(dates):
            if event.ends_at > now:
                continue
            if n == 7:
                events.cancel_event(
                    session, event=event, actor=organiser, reason="The venue was double-booked.", now=now
                )
                continue
            speaker = regulars[(n * 3 + index) % len(regulars)]
            session.add(EventStaff(event=event, member=speaker, role=StaffRole.speaker, added_at=now))
            if n % 4 == 1:
                session.add(EventStaff(event=event, member=volunteer, role=StaffRole.volunteer, added_at=now))
            crowd = regulars[(n * 2 + index) % 9 :][: 18 + n % 8]
            if n not in (3,) and demo_member not in crowd:  # Mia misses one month
                crowd = [*crowd, demo_member]
            _past_rsvps(session, event, crowd, now, seed=n + index)
            session.flush()
            surveyed = n >= HISTORY_MONTHS - SURVEYED_MONTHS
            if surveyed:  # opens as the event closes, as every survey does
                surveys.set_survey(session, event_id=event.id, actor=organiser, template="default", now=now)
            recognition.close_event(session, event_id=event.id, actor=None, now=now)
            if surveyed:
                _demo_answers(session, event, organiser, demo_member, now, secret, seed=n + index)
            result.created += 1


# The conference: three days, six rooms, five tracks, a hundred speakers and 150 sessions (issue 16).

CONFERENCE = {
    "slug": "pycon-demo",
    "name": "PyCon Demo",
    "color": "#1864ab",
    "description": "A three-day Python conference: keynotes every morning, six rooms of talks, workshops, "
    "panels and a hallway track.\n\nStar the sessions you want to see: your schedule lands in your "
    "calendar feed.",
}
CONFERENCE_TITLE = "PyCon Demo: Three Days of Python"
CONFERENCE_ZONE = "Europe/Berlin"
#: the first day, counted from today in Berlin: after the demo's soonest meetup, close enough to plan for
CONFERENCE_IN_DAYS = 7
CONFERENCE_VENUE = ("bcc Berlin Congress Center", "Alexanderstraße 11, 10178 Berlin")

# (name, capacity): left to right on the agenda; the big hall first, the workshop lab last
ROOMS = [
    ("Main Hall", 800),
    ("Spree", 300),
    ("Havel", 200),
    ("Tiergarten", 120),
    ("Kreuzberg", 60),
    ("Workshop Lab", 40),
]
TRACKS = {
    "web": ("Web & APIs", "#1a7f5a"),
    "data": ("Data & AI", "#8a4fff"),
    "core": ("Core Python", "#306998"),
    "ops": ("Ops & Cloud", "#d9480f"),
    "community": ("Community", "#c2255c"),
}
#: the track of each room's talks (the main hall mixes them)
ROOM_TRACKS = [None, "web", "data", "core", "ops", "community"]

# Local times of a conference day. Talks run in every room in each slot; the workshop lab holds a workshop
# over the first two slots of the morning and of the afternoon.
SLOTS = [
    ("10:15", "10:55"),
    ("11:05", "11:45"),
    ("11:55", "12:35"),
    ("13:45", "14:25"),
    ("14:35", "15:15"),
    ("15:45", "16:25"),
    ("16:35", "17:15"),
    ("17:25", "18:05"),
]
WORKSHOP_SLOTS = {0: 1, 3: 4}  # a workshop's first slot -> its last
PANEL_SLOT, PANEL_ROOM = 4, 1
BREAKS = [
    ("08:30", "09:15", ("Registration and coffee", "Morning coffee", "Morning coffee")),
    ("12:35", "13:45", ("Lunch", "Lunch", "Lunch")),
    ("15:15", "15:45", ("Coffee break", "Coffee break", "Coffee break")),
]
KEYNOTE = ("09:15", "10:00")
#: starred by every demo member, in the smallest room: the organiser sees it needs a bigger one
CROWDED = "Your First Conference Talk: From Idea to Applause"

# fmt: off
TALKS = {
    "web": [
        "HTMX and Flask: Interactive Pages Without a Build Step", "Async Django in Production: What Broke",
        "FastAPI Beyond the Tutorial", "WebSockets at 10,000 Connections",
        "OAuth and OpenID Connect, Explained with Diagrams", "Accessible Forms That Validate Kindly",
        "Server-Sent Events: The Push Channel You Already Have", "Versioning an API Nobody Can Break",
        "Rate Limiting That Feels Fair", "A Performance Budget for Every Page",
        "Content Security Policy Without Tears", "Testing Web Apps with Playwright and pytest",
        "Designing JSON Errors Clients Can Use", "Sessions, Cookies and CSRF in 2030",
        "Offline-First Web Apps with a Python Back End", "GraphQL or REST? A Year of Both",
        "Internationalising a Flask App, Plurals Included", "Serving Static Files Fast",
        "Pagination Done Right: Cursors over Offsets", "Webhooks You Can Trust",
        "Background Jobs Without a Broker", "Progressive Web Apps for Pythonistas",
        "Templating at Scale with Jinja", "From Monolith to Modules, Not Microservices",
        "Search for Small Sites: SQLite FTS5", "What Your Access Logs Are Telling You",
    ],
    "data": [
        "Polars from Zero to Production", "DuckDB: Analytics on Your Laptop",
        "pandas 3: What Changes for You", "Vector Search with PostgreSQL",
        "Evaluating LLM Answers Honestly", "Forecasting Time Series Without Fooling Yourself",
        "Apache Arrow: The Format Under Everything", "Notebooks to Pipelines in One Afternoon",
        "Geospatial Python: Maps from Open Data", "Recommendation Systems for Small Shops",
        "Fine-Tuning Small Models on a Single GPU", "Data Contracts Between Teams",
        "Reproducible Research with uv and Quarto", "Cleaning Messy CSVs at Scale",
        "Causal Inference for Product Teams", "Dashboards People Actually Read",
        "Streaming Data with Python and Kafka", "Testing Data Pipelines Like Code",
        "Privacy-Preserving Analytics", "Embeddings Explained for Engineers",
        "Building a Feature Store from Boring Parts", "Scientific Python on the Free-Threaded Build",
        "When Not to Use Machine Learning", "Open Data for Public Transport",
        "Retrieval-Augmented Generation, Measured", "Anomaly Detection on Sensor Data",
        "Parquet Files: Tips from the Trenches", "Bayesian Statistics for the Curious",
        "Labelling Data Without Burning Out",
    ],
    "core": [
        "Typing Protocols in Practice", "The Free-Threaded Interpreter: A Field Report",
        "Pattern Matching Beyond the Basics", "Structured Concurrency with TaskGroups",
        "Packaging in 2030: pyproject.toml All the Way", "Descriptors: The Magic Behind Properties",
        "Writing a C Extension in an Afternoon", "Property-Based Testing with Hypothesis",
        "How the Import System Really Works", "Finding Memory Leaks in Long-Running Services",
        "Sub-Interpreters for Mere Mortals", "Inside CPython's JIT",
        "Generics and TypeVar Defaults", "Dataclasses, attrs or Pydantic?",
        "Context Managers You Did Not Know You Needed", "Python on WebAssembly",
        "Refactoring a 10-Year-Old Codebase", "Error Messages That Help",
        "Profiling: From cProfile to Sampling", "Iterators and Generators, Deep Dive",
        "Speeding Up Python with Rust and PyO3", "Logging Done Well",
        "Datetime and Time Zones Without Bugs", "Metaclasses: When and Why Not",
        "The Standard Library's Hidden Gems", "Fuzzing Python Code",
        "Immutable Data Structures in Python", "Writing Your Own Linter Rule",
        "A Tour of the Python Release Process",
    ],
    "ops": [
        "Kubernetes for Python Developers", "OpenTelemetry from Day One",
        "Zero-Downtime Deploys with Gunicorn", "Upgrading PostgreSQL Without Downtime",
        "Terraform Modules That Stay Readable", "Small, Safe Container Images",
        "Incident Response: Our Worst Night", "Feature Flags Without the Mess",
        "CI Pipelines Under Five Minutes", "Chaos Engineering on a Budget",
        "Cutting the Cloud Bill in Half", "Secrets Management Done Right",
        "Running Python on ARM Servers", "Database Migrations at Scale",
        "Observability for Background Workers", "Self-Hosting for Small Teams",
        "Backups You Have Actually Restored", "Load Testing with Locust",
        "Serverless Python: The Cold-Start Truth", "SLOs Your Team Believes In",
        "Dependency Updates on Autopilot", "Redis: Cache, Queue or Both?",
        "Supply-Chain Security for PyPI Packages", "Blue-Green Deploys for Django",
        "Edge Caching for Dynamic Sites", "Taming Cron Jobs",
        "Multi-Region Without Tears", "Nix for Reproducible Environments",
        "On-Call That Does Not Burn People Out",
    ],
    "community": [
        CROWDED, "Mentoring Newcomers into Open Source",
        "Running a Meetup for Ten Years", "Maintaining a Popular Library Alone",
        "Documentation Is a Product", "Kind Code Reviews",
        "Teaching Python to Teenagers", "From Teacher to Developer at 40",
        "Funding Open Source Sustainably", "Remote Teams Across Nine Time Zones",
        "Hiring Juniors and Helping Them Grow", "Translating the Python Docs",
        "Accessibility in the Python Community", "Organising a Conference: What We Learned",
        "Python in Schools Across Africa", "Welcoming Your First Contributor",
    ],
}
KEYNOTES = [
    ("Opening Keynote: Python at Forty", "The language that keeps surprising us, and the people behind it."),
    ("Keynote: The Joy of Boring Technology", "Why the tools that never make the news keep things running."),
    ("Keynote: Open Source Is People", "Who maintains the software we all stand on, and how to keep them."),
]
PANELS = [
    ("Panel: The Future of Python Packaging", "web"),
    ("Panel: AI Tools in Everyday Coding", "data"),
    ("Panel: Keeping Communities Healthy", "community"),
]
# (title, seats, track): one small workshop fills up and keeps a line
WORKSHOPS = [
    ("Workshop: Build an API with FastAPI", 30, "web"),
    ("Workshop: Data Wrangling with Polars", 24, "data"),
    ("Workshop: Your First Pull Request to CPython", 12, "core"),
    ("Workshop: Docker for Python Apps", 20, "ops"),
    ("Workshop: Testing with pytest, Hands-On", 16, "core"),
    ("Workshop: Accessible Web Design", 25, "web"),
]
FULL_WORKSHOP = "Workshop: Your First Pull Request to CPython"
ABSTRACT_LINES = [
    "Expect live code, a few war stories and time for questions.",
    "You will leave with a checklist you can use on Monday.",
    "Slides and the example repository are linked from the speaker's page.",
    "No prior knowledge needed beyond everyday Python.",
    "We compare the options with numbers, not opinions.",
    "Based on two years of running this in production.",
]

# (demo member's email name, pronouns, affiliation): speakers who have an account, and so the speaker role
LINKED_SPEAKERS = [
    ("jonas.becker", "he/him", "Kiezkode GmbH"),
    ("mehmet.yilmaz", "he/him", "Anatolia Data"),
    ("priya.raman", "she/her", "University of Edinburgh"),
    ("chidi.okafor", "he/him", "Lagos Python Users Group"),
    ("anna.smirnova", "she/her", "Северный код"),
    ("dmitry.ivanov", "he/him", "IDE Works Research"),
    ("hanako.sato", "she/her", "Kyoto Data Lab"),
    ("na.li", "she/her", "Tsinghua University"),
    ("mohammed.alahmad", "he/him", "Amman Tech Hub"),
    ("layla.haddad", "she/her", "Cedar Cloud"),
]
# (name, pronouns, affiliation): speakers without an account here
SPEAKERS = [
    ("Margaret Okonkwo", "she/her", "Open Source Stewards"),
    ("Kenji Watanabe", "he/him", "Tokyo Institute of Technology"),
    ("Ingrid Solberg", "she/her", "Fjordline Systems"),
    ("Екатерина Волкова", "she/her", "Moscow Python Meetup"), ("Алексей Соколов", "he/him", "Облако Север"),
    ("Ірина Шевченко", "she/her", "Kyiv Python"), ("陈静", "she/her", "Silk Road AI Lab"),
    ("김서연", "she/her", "Seoul National University"), ("田中 健", "he/him", "Sakura Commerce"),
    ("林志明", "he/him", "Academia Sinica"), ("يوسف الخطيب", "he/him", "Cairo University"),
    ("نور حداد", "she/her", "Beirut Open Source"), ("Aisha Bello", "she/her", "Talent Bridge Africa"),
    ("Carlos Mendoza", "he/him", "Mercado Sur"), ("Lucía Fernández", "she/her", "Universidad de Chile"),
    ("Tomasz Kowalczyk", "he/him", "Vistula Software"), ("Zsófia Nagy", "she/her", "Budapest Python"),
    ("Pieter de Vries", "he/him", "Bol Labs"), ("Sanne Jansen", "she/her", "Delft University of Technology"),
    ("Mikko Virtanen", "he/him", "Aalto University"), ("Astrid Nilsson", "she/her", "Nordic Audio Research"),
    ("Oisín Murphy", "he/him", "Dublin City University"), ("Siobhán Kelly", "she/her", "Liffey Automation"),
    ("Rahul Mehta", "he/him", "Bengaluru Data Works"), ("Ananya Iyer", "she/her", "IIT Madras"),
    ("Nguyễn Thị Lan", "she/her", "Hanoi Software House"), ("Trần Minh Đức", "he/him", "Mekong AI"),
    ("Siti Rahmawati", "she/her", "Jakarta Ride"), ("Wiremu Tane", "he/him", "Aotearoa Open Data"),
    ("Aroha Parata", "she/her", "University of Auckland"),
    ("Jamal Washington", "he/him", "Howard University"),
    ("Emily Chen", "she/her", "Ledgerline"), ("Daniel Kim", "he/him", "Quillstone AI"),
    ("Sarah O'Connor", "she/her", "Open Orchard"), ("Michael Brown", "he/him", "Baseline Linux"),
    ("Alex Rivera", "they/them", "Open Source Collective"), ("Sam Taylor", "they/them", "Freelance"),
    ("Jordan Lee", "they/them", "Firefly Web Foundation"),
    ("Robin Schulz", "they/them", "Hackspace Kreuzberg"),
    ("Kai Müller", "he/him", "Schiene Digital"), ("Hannah Weber", "she/her", "Institut für Datenwerk"),
    ("Felix Braun", "he/him", "Kiezkode GmbH"), ("Clara Fischer", "she/her", "Spree Health"),
    ("Maximilian Koch", "he/him", "Kontoflow"), ("Johanna Richter", "she/her", "TU Berlin"),
    ("Élodie Moreau", "she/her", "Inria"), ("Théo Lefèvre", "he/him", "Seine Cloud"),
    ("Giulia Bianchi", "she/her", "Politecnico di Milano"), ("Lorenzo Ricci", "he/him", "Pagami"),
    ("Beatriz Santos", "she/her", "Universidade de Lisboa"), ("Rui Costa", "he/him", "Atlantic Risk"),
    ("Ayşe Demir", "she/her", "Boğaziçi University"), ("Emre Kaya", "he/him", "Bosphorus Shop"),
    ("Γιάννης Οικονόμου", "he/him", "Athens Python"), ("Μαρία Παππά", "she/her", "University of Crete"),
    ("Yosef Levi", "he/him", "Technion"), ("Tamar Ben-David", "she/her", "Tel Aviv Data Science"),
    ("Kofi Asante", "he/him", "Accra Python"), ("Amara Nwosu", "she/her", "Naira Pay"),
    ("Thandiwe Dlamini", "she/her", "University of Cape Town"), ("Sipho Ndlovu", "he/him", "Karoo Commerce"),
    ("Fatou Diop", "she/her", "Dakar Tech Hub"), ("Moussa Traoré", "he/him", "Dakar Digital Center"),
    ("Juan Pablo Gómez", "he/him", "Rápido Delivery"),
    ("Valentina Rojas", "she/her", "Universidad de los Andes"),
    ("Mariana Oliveira", "she/her", "Banco Roxo"), ("Pedro Almeida", "he/him", "Python Brasil"),
    ("Hiroshi Nakamura", "he/him", "Shibuya Messaging"), ("Yuki Kobayashi", "she/her", "PyLadies Tokyo"),
    ("王芳", "she/her", "Pearl River Media"), ("张伟", "he/him", "Peking University"),
    ("박지훈", "he/him", "Han River Apps"), ("이수진", "she/her", "Gangnam Labs"),
    ("Olena Kovalenko", "she/her", "Kyiv Writing Tools"), ("Bohdan Melnyk", "he/him", "Lviv IT Cluster"),
    ("Nikola Petrović", "he/him", "Belgrade Python"), ("Jelena Jovanović", "she/her", "Danube Games"),
    ("Lars Andersen", "he/him", "Aarhus University"), ("Maja Kristensen", "she/her", "Øresund Pharma"),
    ("Eero Laine", "he/him", "Helsinki Delivery"), ("Leila Ahmadi", "she/her", "Sharif University"),
    ("Omar Farouk", "he/him", "Gulf Rides"), ("Zainab Hussain", "she/her", "Karachi Python"),
    ("Arjun Patel", "he/him", "Deccan Payments"), ("Meera Krishnan", "she/her", "PyLadies Chennai"),
    ("Chen Wei-Ling", "she/her", "Taipei Python"), ("Hamid Karimi", "he/him", "Kabul Code School"),
    ("Gabriela Wiśniewska", "she/her", "Vistula Market"),
    ("Sofía Herrera", "she/her", "Python Argentina"),
    ("Dawit Tesfaye", "he/him", "Addis Ababa University"),
]
BIO_LINES = [
    "Maintains two open-source libraries and answers far too many issues on Sunday mornings.",
    "Has run the local Python meetup since 2019 and still brings the biscuits.",
    "Teaches evening classes for people changing careers into software.",
    "Spends the days on data pipelines and the nights on a home-grown weather station.",
    "Writes about testing, type hints and the joy of deleting code.",
    "Core developer on a scientific Python project; believes every plot deserves a caption.",
    "Ran production systems for a decade and now helps teams sleep through the night.",
    "Speaks four languages, codes in three, and dreams in SQL.",
]
# fmt: on


def _demo_conference(session: Session, result: DemoResult, now: datetime) -> None:
    """The conference: its community and event, a programme built through the programme's checked rules (no
    room or speaker in two places at once, all within the event), RSVPs, workshop seats and starred
    sessions."""
    community = _conference_community(session, result, now)
    event = session.scalar(
        select(Event).where(Event.community_id == community.id, Event.title == CONFERENCE_TITLE)
    )
    if event is None:
        event = _conference_event(session, result, community, now)
    result.events.append(event)
    result.links.append((f"{CONFERENCE['name']}, the agenda", f"/e/{event.id}/agenda"))
    if session.scalar(select(Room.id).where(Room.event_id == event.id).limit(1)) is not None:
        return  # built on an earlier run
    rooms, tracks = _conference_rooms(session, result, event)
    speakers = _conference_speakers(session, result, event, now)
    items = _conference_sessions(session, result, event, rooms, tracks, speakers, now)
    _conference_attendees(session, result, community, event, items, now)


def _conference_community(session: Session, result: DemoResult, now: datetime) -> Community:
    community = session.scalar(select(Community).where(Community.slug == CONFERENCE["slug"]))
    if community is None:
        community = communities.create_community(
            session, actor=result.people["admin"], now=now - SINCE, **CONFERENCE
        )
        result.created += 2
    result.communities[CONFERENCE["slug"]] = community
    return community


def _conference_event(session: Session, result: DemoResult, community: Community, now: datetime) -> Event:
    """Run by the site admin, who founded its community, with Olga as the event's organiser (her
    community roles stay those of the two meetup groups)."""
    first_day = now.astimezone(ZoneInfo(CONFERENCE_ZONE)).date() + timedelta(days=CONFERENCE_IN_DAYS)
    fields = {
        "title": CONFERENCE_TITLE,
        "description": _talks(
            "Three days, six rooms, 150 sessions: keynotes every morning in the Main Hall, talks in five "
            "tracks, hands-on workshops and panels.",
            "",
            "- **Workshops** have their own seats: register on the session's page.",
            "- **Star** sessions to build your schedule; it shows in your calendar feed.",
        ),
        "timezone": CONFERENCE_ZONE,
        "starts_at": datetime.combine(first_day, time(8, 30)),
        "ends_at": datetime.combine(first_day + timedelta(days=2), time(18, 30)),
        "venue_name": CONFERENCE_VENUE[0],
        "venue_address": CONFERENCE_VENUE[1],
        "capacity": 2000,
        "max_guests": 0,
    }
    admin = result.people["admin"]
    event = events.create_event(
        session, community=community, actor=admin, fields=fields, now=now, publish=True
    )
    events.add_staff(
        session,
        event=event,
        actor=admin,
        email=result.people["organiser"].email,
        role=StaffRole.organiser.value,
        now=now,
    )
    result.created += 2
    return event


def _conference_rooms(
    session: Session, result: DemoResult, event: Event
) -> tuple[list[Room], dict[str, Track]]:
    admin = result.people["admin"]
    rooms = [
        places.save_room(
            session,
            event=event,
            actor=admin,
            values={"name": name, "capacity": capacity, "position": position},
        )
        for position, (name, capacity) in enumerate(ROOMS)
    ]
    tracks = {
        key: places.save_track(session, event=event, actor=admin, values={"name": name, "colour": colour})
        for key, (name, colour) in TRACKS.items()
    }
    result.created += len(rooms) + len(tracks)
    return rooms, tracks


def _conference_speakers(session: Session, result: DemoResult, event: Event, now: datetime) -> list[Speaker]:
    """A hundred speakers, added in bulk (nothing to check on them); ten have a demo account and hold the
    event's speaker role once their sessions are in."""
    accounts_by_email = {
        m.email: m
        for m in session.scalars(
            select(Member).where(Member.email.in_([f"{local}@example.org" for local, *_ in LINKED_SPEAKERS]))
        )
    }
    people = [
        (accounts_by_email[f"{local}@example.org"], pronouns, affiliation)
        for local, pronouns, affiliation in LINKED_SPEAKERS
    ]
    people += [(name, pronouns, affiliation) for name, pronouns, affiliation in SPEAKERS]
    speakers = []
    for n, (who, pronouns, affiliation) in enumerate(people):
        member = who if isinstance(who, Member) else None
        name = member.name if member else who
        speakers.append(
            Speaker(
                event_id=event.id,
                member_id=member.id if member else None,
                name=name,
                pronouns=pronouns,
                affiliation=affiliation,
                bio=f"{name} works at {affiliation}. {BIO_LINES[n % len(BIO_LINES)]}",
                links=[f"https://example.org/speakers/{n + 1}"] if n % 3 == 0 else [],
                created_at=now,
            )
        )
    # the keynote speakers first (they keep the mornings), then those with accounts, then everyone else
    order = speakers[len(LINKED_SPEAKERS) : len(LINKED_SPEAKERS) + 3] + [
        s for i, s in enumerate(speakers) if not len(LINKED_SPEAKERS) <= i < len(LINKED_SPEAKERS) + 3
    ]
    session.add_all(order)
    session.flush()
    result.created += len(order)
    return order


@dataclass
class _Plan:
    """Who speaks next: the keynote speakers keep the mornings; the others take turns, so nobody is
    asked to be in two rooms at once."""

    speakers: list[Speaker]
    turn: int = 0

    def next(self, count: int = 1) -> list[int]:
        pool = self.speakers[len(KEYNOTES) :]
        picked = [pool[(self.turn + i) % len(pool)].id for i in range(count)]
        self.turn += count
        return picked


def _conference_sessions(
    session: Session,
    result: DemoResult,
    event: Event,
    rooms: list[Room],
    tracks: dict[str, Track],
    speakers: list[Speaker],
    now: datetime,
) -> list[ProgrammeSession]:
    """Each session through programme.fields and programme.service.add_checked_session, as an import row
    would go: a clash in this data fails the demo instead of hiding in it."""
    zone = event.zone
    first_day = event.local_starts_at.date()
    plan = _Plan(speakers)
    talks = {key: iter(titles) for key, titles in TALKS.items()}
    workshops, panels = iter(WORKSHOPS), iter(PANELS)
    hall_tracks = iter(list(TRACKS) * 10)
    levels = ["beginner", "intermediate", "advanced"]
    items: list[ProgrammeSession] = []

    def add(day: int, start: str, end: str, **values) -> None:
        on = (first_day + timedelta(days=day)).isoformat()
        n = len(items)
        raw = {"starts_at": f"{on}T{start}", "ends_at": f"{on}T{end}", **values}
        if values.get("kind") not in ("break", "keynote"):
            raw.setdefault("level", levels[n % 3])
            raw.setdefault(
                "abstract",
                f"{values['title']}: a {raw['level']} session. {ABSTRACT_LINES[n % len(ABSTRACT_LINES)]}",
            )
            raw.setdefault("language", "de" if n % 10 == 7 else "en")
        cleaned = programme_fields.session_fields(raw, zone)
        items.append(programme.add_checked_session(session, event=event, cleaned=cleaned, now=now))

    for day in range(3):
        for start, end, titles in BREAKS:
            add(day, start, end, title=titles[day], kind="break")
        title, abstract = KEYNOTES[day]
        add(day, *KEYNOTE, title=title, kind="keynote", abstract=abstract, room_id=rooms[0].id,
            speaker_ids=[speakers[day].id], language="en")  # fmt: skip
        lab_until = -1
        for slot, (start, end) in enumerate(SLOTS):
            for position, room in enumerate(rooms):
                if position == len(rooms) - 1 and slot <= lab_until:
                    continue  # the workshop goes on
                if position == len(rooms) - 1 and slot in WORKSHOP_SLOTS:
                    title, seats, key = next(workshops)
                    lab_until = WORKSHOP_SLOTS[slot]
                    add(day, start, SLOTS[lab_until][1], title=title, kind="workshop", capacity=seats,
                        room_id=room.id, track_id=tracks[key].id, level="beginner",
                        speaker_ids=plan.next(2 if seats > 20 else 1))  # fmt: skip
                elif slot == PANEL_SLOT and position == PANEL_ROOM:
                    title, key = next(panels)
                    add(day, start, end, title=title, kind="panel", room_id=room.id, track_id=tracks[key].id,
                        speaker_ids=plan.next(4), level="intermediate")  # fmt: skip
                else:
                    key = ROOM_TRACKS[position] or next(hall_tracks)
                    add(day, start, end, title=next(talks[key]), room_id=room.id, track_id=tracks[key].id,
                        speaker_ids=plan.next(2 if len(items) % 9 == 4 else 1))  # fmt: skip
    result.created += len(items)
    return items


def _conference_attendees(
    session: Session,
    result: DemoResult,
    community: Community,
    event: Event,
    items: list[ProgrammeSession],
    now: datetime,
) -> None:
    """The demo's members join, RSVP through the real rules, take workshop seats (one workshop fills and
    keeps a line, with Mia second in it) and star sessions: every member stars the crowded talk, which
    outgrows its room."""
    logins = {email for _role, email, _password, _name in LOGINS}
    people = [
        m
        for m in session.scalars(select(Member).where(Member.email.like("%@example.org")).order_by(Member.id))
        if m.email not in logins
    ]
    mia = result.people["member"]
    crowd = [*people, mia]
    for member in crowd:
        communities.join_community(session, community=community, member=member, now=now - timedelta(days=30))
        rsvps.save_rsvp(session, event_id=event.id, member=member, now=now)
    result.created += 2 * len(crowd)
    workshops = [item for item in items if item.kind is SessionKind.workshop]
    for n, item in enumerate(workshops):
        if item.title == FULL_WORKSHOP:
            line = [*people[: item.capacity + 1], mia, *people[item.capacity + 1 : item.capacity + 3]]
        else:
            line = people[n * 5 : n * 5 + 3 + n] + ([mia] if n == 0 else [])
        for member in line:
            registrations.register(session, event=event, session_id=item.id, member=member, now=now)
        result.created += len(line)
    talks = [item for item in items if item.kind is not SessionKind.break_]
    crowded = next(item for item in talks if item.title == CROWDED)
    stars = {(crowded.id, member.id) for member in crowd}
    for m, member in enumerate(crowd):
        stars.update((item.id, member.id) for k, item in enumerate(talks) if (k * 7 + m * 3) % 11 == 0)
    # Mia's own schedule: two talks at the same time, so she sees the clash
    same_slot = [item for item in talks if item.starts_at == talks[5].starts_at][:2]
    stars.update((item.id, mia.id) for item in same_slot)
    session.execute(
        insert(Star),
        [{"session_id": sid, "member_id": mid, "starred_at": now} for sid, mid in sorted(stars)],
    )
    result.created += len(stars)
