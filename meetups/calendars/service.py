"""Calendar feeds: which events each feed lists and how a member's RSVP shows in theirs, the secret personal
links, and the caches that make a 1,000-event feed cheap (bench/ical_feed.py).

Caches, cheapest first: a feed's validator (ETag) comes from one aggregate query, so a 304 builds nothing; the
last feeds built are kept in this process by ETag (losing them costs a rebuild, never correctness); each
event's serialised VEVENT is kept in the database (calendar_event_cache), shared by every instance and valid
while its fingerprint matches the event."""

from __future__ import annotations

import gzip
import hashlib
import threading
from collections import OrderedDict
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, joinedload, selectinload

from meetups import errors
from meetups.accounts.models import Member
from meetups.calendars import ics, links
from meetups.calendars.models import CalendarEventCache, CalendarFeed
from meetups.communities.models import Community, Membership
from meetups.dates import local_datetime
from meetups.events import service as events
from meetups.events.models import Event, EventStatus
from meetups.programme import service as programme
from meetups.programme.models import ProgrammeSession, Star
from meetups.rsvps import service as rsvps
from meetups.rsvps import tickets
from meetups.rsvps.models import ACTIVE, Rsvp, RsvpStatus
from meetups.site import Site

#: past events stay this long, and cancelled ones this long after the cancellation, so calendars remove them
KEEP = timedelta(days=90)
#: part of every cache key: change it when ics.vevent writes something new, and every cached VEVENT is rebuilt
FORMAT = "1"
_CHUNK = 500


@dataclass(frozen=True)
class Validators:
    """What the client already has: its If-None-Match ETags (werkzeug's ETags) and If-Modified-Since."""

    etags: object = None
    modified_since: datetime | None = None

    def is_fresh(self, etag: str, last_modified: datetime | None) -> bool:
        """last_modified=None where a change need not move it (a waitlist place): only the ETag counts."""
        if self.etags:  # If-None-Match decides when sent (RFC 9110 13.2.2)
            return self.etags.contains_weak(etag)
        if last_modified is None or self.modified_since is None:
            return False
        return last_modified.replace(microsecond=0) <= self.modified_since


@dataclass
class Feed:
    """A feed to send; `body` is None when the client's copy is current (a 304)."""

    body: bytes | None
    etag: str
    last_modified: datetime
    filename: str = "calendar.ics"
    #: only public feeds may sit in shared caches
    is_public: bool = True
    _gzipped: bytes | None = field(default=None, repr=False)

    def gzipped(self) -> bytes:
        if self._gzipped is None:  # once per built feed; mtime=0 keeps the bytes equal for equal feeds
            self._gzipped = gzip.compress(self.body, compresslevel=6, mtime=0)
        return self._gzipped

    def current(self) -> Feed:
        return Feed(None, self.etag, self.last_modified, self.filename, self.is_public)


class _Recent:
    """The last feeds built in this process, by ETag: a repeated full download costs one query. Nothing
    depends on it; another instance simply builds its own."""

    def __init__(self, size: int) -> None:
        self._size, self._items, self._lock = size, OrderedDict(), threading.Lock()

    def get(self, key: tuple, etag: str) -> Feed | None:
        with self._lock:
            feed = self._items.get(key)
            if feed is None or feed.etag != etag:
                return None
            self._items.move_to_end(key)
            return feed

    def put(self, key: tuple, feed: Feed) -> None:
        with self._lock:
            self._items[key] = feed
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_recent = _Recent(64)


def clear_caches() -> None:
    """Forget what this process keeps (tests and benchmarks); the database cache stays."""
    _recent.clear()
    ics.clear_caches()


def _locale() -> str:
    return str(get_locale() or "en")


def _digest(*parts: object) -> str:
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=16).hexdigest()


def _listed(recent):
    """Which events feeds list: published ones that ended after `recent` (now - KEEP) or are still to come,
    and cancelled ones cancelled after it. `recent` may be a bound parameter."""
    return or_(
        and_(Event.status == EventStatus.published, Event.ends_at >= recent),
        and_(Event.status == EventStatus.cancelled, Event.cancelled_at >= recent, Event.ends_at >= recent),
    )


def _is_listed(event: Event, now: datetime) -> bool:
    recent = now - KEEP
    if event.is_cancelled:
        return event.cancelled_at is not None and event.cancelled_at >= recent and event.ends_at >= recent
    return event.is_published and event.ends_at >= recent


#: a community and its feed's validator inputs in one query, compiled once: the whole cost of a 304
_COMMUNITY_STAMP = (
    select(
        Community.id,
        Community.name,
        Community.created_at,
        func.count(Event.id),
        func.max(Event.updated_at),
        func.coalesce(func.sum(Event.id), 0),
    )
    .outerjoin(Event, and_(Event.community_id == Community.id, _listed(bindparam("recent"))))
    .where(Community.slug == bindparam("slug"))
    .group_by(Community.id, Community.name, Community.created_at)
)


# The VEVENT cache


def _fingerprint(
    base: str, event_id: int, sequence: int, updated_at: datetime, status: str, name: str
) -> str:
    """Changes whenever the entry would: any edit moves updated_at, and the community's name is ORGANIZER."""
    text = f"{base}|{event_id}|{sequence}|{updated_at.isoformat()}|{status}|{name}"
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def _public_entries(session: Session, where, *, site: Site, locale: str) -> list[ics.Entry]:
    """The listed events' public VEVENTs in start order: cached ones as stored, the rest built and stored."""
    cache = CalendarEventCache
    query = (
        select(
            Event.id,
            Event.starts_at,
            Event.ends_at,
            Event.timezone,
            Event.updated_at,
            Event.sequence,
            Event.status,
            Community.name,
            cache.fingerprint,
            cache.body,
        )
        .join(Community, Community.id == Event.community_id)
        .outerjoin(cache, and_(cache.event_id == Event.id, cache.locale == locale))
        .where(where)
        .order_by(Event.starts_at, Event.id)
    )
    base = f"{FORMAT}|{site.base_url}|{ics.organizer(site.mail_from, site.host)}|{locale}"
    entries, stale = [], {}
    # plain rows through the connection: no ORM loading for what may be thousands of them
    for (
        event_id,
        starts,
        ends,
        zone,
        updated,
        sequence,
        status,
        name,
        stored,
        body,
    ) in session.connection().execute(query):
        fingerprint = _fingerprint(base, event_id, sequence, updated, status, name)
        if stored != fingerprint:
            stale[event_id] = fingerprint
        entries.append(
            ics.Entry(event_id, starts, ends, zone, updated, body.encode() if stored == fingerprint else b"")
        )
    if stale:
        built = _build_and_store(session, stale, site=site, locale=locale)
        entries = [entry if entry.body else built[entry.event_id] for entry in entries]
    return entries


def _build_and_store(
    session: Session, stale: dict[int, str], *, site: Site, locale: str
) -> dict[int, ics.Entry]:
    ids = sorted(stale)  # rows are written in one order, so concurrent builders never deadlock
    built = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        for event in session.scalars(
            select(Event).options(joinedload(Event.community)).where(Event.id.in_(chunk))
        ):
            built[event.id] = ics.vevent(event, site)
        _store(
            session,
            [
                {
                    "event_id": event_id,
                    "locale": locale,
                    "fingerprint": stale[event_id],
                    "body": built[event_id].body.decode(),
                }
                for event_id in chunk
            ],
        )
    return built


def _store(session: Session, values: list[dict]) -> None:
    """Insert or replace cache rows in one statement; two requests filling the same rows both succeed."""
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        for row in values:
            session.merge(CalendarEventCache(**row))
        return
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(CalendarEventCache).values(
        values
    )
    session.execute(
        insert.on_conflict_do_update(
            index_elements=["event_id", "locale"],
            set_={"fingerprint": insert.excluded.fingerprint, "body": insert.excluded.body},
        )
    )


# Public feeds


def community_feed(
    session: Session, *, slug: str, site: Site, now: datetime, validators: Validators = Validators()
) -> Feed:
    """A community's listed events. The ETag comes from one aggregate query: a 304 builds nothing."""
    stamp = session.connection().execute(_COMMUNITY_STAMP, {"slug": slug, "recent": now - KEEP}).first()
    if stamp is None:
        raise errors.NotFound(_("There is no such community."))
    community_id, name, created_at, count, newest, id_sum = stamp
    locale = _locale()
    etag = _digest(
        "community", FORMAT, site.base_url, site.mail_from, locale, community_id, name, count, newest, id_sum
    )
    feed = Feed(None, etag, newest or created_at, filename=f"{slug}.ics")
    if validators.is_fresh(feed.etag, feed.last_modified):
        return feed
    key = ("community", community_id, locale)
    if cached := _recent.get(key, etag):
        return cached
    where = and_(Event.community_id == community_id, _listed(now - KEEP))
    feed.body = ics.calendar(name, _public_entries(session, where, site=site, locale=locale))
    _recent.put(key, feed)
    return feed


def event_feed(
    session: Session,
    *,
    event_id: int,
    viewer: Member | None,
    site: Site,
    now: datetime,
    validators: Validators = Validators(),
    with_programme: bool = False,
) -> Feed:
    """One event, for "Add to calendar"; drafts only for those who manage them. With the programme: every
    session beside it, scheduled and cancelled (calendars drop those), breaks too. The ETag is the body's
    digest, so any change to what the feed says (a session moved, a room renamed) makes a new one."""
    event = events.get_event(session, event_id, viewer=viewer)
    entries = _public_entries(session, Event.id == event.id, site=site, locale=_locale())
    entries = [ics.with_alarm(entry, event) for entry in entries]
    if with_programme:
        entries += [ics.session_vevent(item, site) for item in programme.list_sessions(session, event)]
    body = ics.calendar(event.title, entries)
    feed = Feed(
        body,
        _digest(body),
        max([event.updated_at, *(entry.stamp for entry in entries)]),
        filename=f"event-{event.id}-programme.ics" if with_programme else f"event-{event.id}.ics",
        is_public=event.status is not EventStatus.draft,
    )
    # a renamed room or speaker moves no session's updated_at: with the programme, only the ETag may say 304
    fresh = validators.is_fresh(feed.etag, None if with_programme else feed.last_modified)
    return feed.current() if fresh else feed


# The personal feed


def _personal(rsvp: Rsvp, position: int | None, site: Site, now: datetime) -> ics.Personal | None:
    """How the RSVP shows in its member's feed, or None when it does not (cancelled, declined, or a line for
    an event that is over)."""
    event, stamp = rsvp.event, max(rsvp.event.updated_at, rsvp.updated_at)
    if rsvp.status is RsvpStatus.going:
        note = (
            _("Your ticket: %(url)s", url=tickets.ticket_url(site, rsvp.ticket_code))
            if rsvp.ticket_code
            else ""
        )
        return ics.Personal("", "CONFIRMED", note, stamp)
    if rsvp.status not in ACTIVE or event.has_ended(now):
        return None
    if rsvp.status is RsvpStatus.waitlisted:
        label = _("Waitlist #%(n)d", n=position) if position else _("Waitlist")
        note = _(
            "You are number %(n)d on the waitlist; we will tell you when a seat frees up.", n=position or 0
        )
        return ics.Personal(label, "TENTATIVE", note if position else "", stamp)
    if rsvp.status is RsvpStatus.pending:
        return ics.Personal(
            _("Pending"), "TENTATIVE", _("Your RSVP is waiting for the organisers' approval."), stamp
        )
    until = local_datetime(rsvp.offer_expires_at, event.timezone) if rsvp.offer_expires_at else ""
    note = (
        _("A seat is held for you until %(time)s. Claim it on the event page.", time=until) if until else ""
    )
    return ics.Personal(_("Seat held"), "TENTATIVE", note, stamp)


def _my_rsvps(session: Session, member: Member, now: datetime) -> list[tuple[Rsvp, int | None]]:
    """Upcoming RSVPs with waitlist places, and those of events that ended less than 90 days ago."""
    upcoming = [(view.rsvp, view.position) for view in rsvps.list_my_rsvps(session, member, now=now)]
    ended = session.scalars(
        select(Rsvp)
        .join(Rsvp.event)
        .options(joinedload(Rsvp.event).joinedload(Event.community))
        .where(Rsvp.member_id == member.id, Event.ends_at <= now, _listed(now - KEEP))
    )
    return upcoming + [(rsvp, None) for rsvp in ended]


def _personal_entries(
    session: Session, member: Member, settings: CalendarFeed | None, site: Site, now: datetime
) -> list[ics.Entry]:
    mine, public_ids = [], set()
    for rsvp, position in _my_rsvps(session, member, now):
        event = rsvp.event
        if not _is_listed(event, now):
            continue
        if event.is_cancelled:  # shown as cancelled to those who still meant to come, so calendars drop it
            if rsvp.status in ACTIVE or rsvp.end_reason == "event_cancelled":
                public_ids.add(event.id)
        elif personal := _personal(rsvp, position, site, now):
            mine.append(ics.vevent(event, site, personal))
    include_communities = settings is not None and settings.include_community_events
    public = []
    if public_ids or include_communities:
        where = Event.id.in_(public_ids)
        if include_communities:
            my_communities = select(Membership.community_id).where(Membership.member_id == member.id)
            where = or_(where, and_(Event.community_id.in_(my_communities), _listed(now - KEEP)))
        mine_ids = [entry.event_id for entry in mine]
        public = _public_entries(session, and_(where, Event.id.not_in(mine_ids)), site=site, locale=_locale())
    starred = [ics.session_vevent(item, site, starred=True) for item in _starred(session, member, now)]
    return sorted(mine + public + starred, key=lambda entry: (entry.starts_at, entry.event_id))


def _starred(session: Session, member: Member, now: datetime) -> list[ProgrammeSession]:
    """The sessions the member starred at listed events (published ones, and cancelled ones for a while, whose
    sessions then show as cancelled), whether or not they RSVP'd: a star is itself the wish to have the
    session in one's calendar, and unstarring is how it leaves. Drafts stay out. Loaded with all the VEVENT
    shows in two statements (programme.schedule.starred_sessions loads rooms, tracks and speakers one by
    one)."""
    return list(
        session.scalars(
            select(ProgrammeSession)
            .join(Star, and_(Star.session_id == ProgrammeSession.id, Star.member_id == member.id))
            .join(Event, Event.id == ProgrammeSession.event_id)
            .where(_listed(now - KEEP))
            .options(
                joinedload(ProgrammeSession.event).joinedload(Event.community),
                joinedload(ProgrammeSession.room),
                joinedload(ProgrammeSession.track),
                selectinload(ProgrammeSession.speaker_links),
            )
            .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)
        ).unique()
    )


def personal_feed(
    session: Session, *, token: str, site: Site, now: datetime, validators: Validators = Validators()
) -> Feed:
    """The member's own feed: going (CONFIRMED), waitlisted, pending or offered (TENTATIVE, labelled),
    cancelled events (CANCELLED), with the setting every listed event of their communities, and each
    programme session they starred as a VEVENT of its own (see _starred). In their language.

    Nothing of it is cached: the ETag is the digest of the body built now, so a star, an unstar, a moved or
    cancelled session (or a renamed room) always gives a new one, and only the ETag decides a 304."""
    found = links.find_owner(session, token, site=site)
    if found is None:  # unknown, reset or malformed: the same answer as any missing page
        raise errors.NotFound(_("There is nothing here."))
    member, settings = found
    with force_locale(member.locale) if member.locale else nullcontext():
        entries = _personal_entries(session, member, settings, site, now)
        body = ics.calendar(_("My meetups"), entries)
    last_modified = max([member.created_at, *(entry.stamp for entry in entries)])
    feed = Feed(body, _digest(body), last_modified, filename="my-meetups.ics", is_public=False)
    return feed.current() if validators.is_fresh(feed.etag, None) else feed
