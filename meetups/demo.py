"""Demo data for `flask --app app demo`: two communities, events across time zones, members with logins.

Every step looks its records up first (members by email, communities by slug, events by title), so a second
run creates nothing. Event times are relative to the clock, so a fresh demo always has upcoming events.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
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
