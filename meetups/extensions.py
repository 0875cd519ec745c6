"""The extension singletons, unbound; nothing here imports the app."""

from datetime import UTC, datetime

from flask import current_app, g, has_request_context
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import DateTime, Float, MetaData, event, orm
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from meetups import ratelimits  # noqa: F401  (registers the meetups+sqlite:// store with Flask-Limiter)

NAMES = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator):
    """Aware UTC datetimes in, aware UTC datetimes out, on every database (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class days_between(FunctionElement):
    """days_between(later, earlier): the days from one date or datetime column to another, as a fraction,
    on both databases, so counting by time spans stays in SQL."""

    type = Float()
    inherit_cache = True


@compiles(days_between)
def _days_between_postgresql(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"((EXTRACT(EPOCH FROM {later}) - EXTRACT(EPOCH FROM {earlier})) / 86400.0)"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    later, earlier = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"(julianday({later}) - julianday({earlier}))"


class Base(orm.DeclarativeBase):
    # The map sits on the registry: Flask-SQLAlchemy 3.1 rejects it on the class (its issue #1361).
    registry = orm.registry(
        type_annotation_map={datetime: UtcDateTime}, metadata=MetaData(naming_convention=NAMES)
    )


# Objects stay loaded after the one commit of a request: the response is built from what was just written,
# without reloading every row it touches (a third of an RSVP's queries otherwise).
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
csrf = CSRFProtect()
login_manager = LoginManager()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


@limiter.request_filter
def _limits_off_for_this_app() -> bool:
    """Flask-Limiter keeps its on/off switch on this shared object, so the app set up last would decide for
    every app in the process (tests make several); each app's own RATELIMIT_ENABLED decides instead."""
    return not current_app.config.get("RATELIMIT_ENABLED", True)


def harden_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, and BEGIN IMMEDIATE with a busy timeout, so concurrent writers queue instead of
    failing with "database is locked"; SQLAlchemy must emit BEGIN itself or SAVEPOINTs misbehave. Views marked
    `reads_first` begin with a plain BEGIN instead, until `begin_write`."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None
        dbapi_conn.execute("PRAGMA foreign_keys = ON")
        dbapi_conn.execute("PRAGMA busy_timeout = 30000")
        dbapi_conn.execute("PRAGMA journal_mode = WAL")
        dbapi_conn.execute("PRAGMA synchronous = NORMAL")

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN" if _reading_first() else "BEGIN IMMEDIATE")


# Reading first, on SQLite. BEGIN IMMEDIATE takes SQLite's one write lock at the first query and holds it
# to the commit: safe, but every request then queues behind every other, reads included. A hot endpoint that
# checks who is calling and what they may do before it writes (the door's scans) is marked `reads_first`:
# its reads run in a plain transaction, which never waits in WAL mode, and the service calls `begin_write`
# where the writing starts. A plain transaction must never write: once another connection has committed,
# SQLite refuses to turn it into a writer ("database is locked") rather than wait, so a flush there is a
# bug, and raises.


def reads_first(view):
    """Mark a view whose service calls `begin_write` before its first write (see above)."""
    view.reads_first = True
    return view


def _reading_first() -> bool:
    return has_request_context() and g.get("sqlite_reads_first", False)


def start_reading_first(view) -> None:
    """Before a request's first query: on SQLite, a marked view begins by reading."""
    if getattr(view, "reads_first", False) and db.engine.dialect.name == "sqlite":
        g.sqlite_reads_first = True


def begin_write(session: orm.Session) -> None:
    """From here on this action writes. After reading first on SQLite, the reading transaction (nothing
    written in it) is committed and the next one begins IMMEDIATE; anywhere else the transaction goes on."""
    if not _reading_first():
        return
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("begin_write() after changes: they would be written by a reading transaction")
    g.sqlite_reads_first = False
    session.commit()


@event.listens_for(orm.Session, "before_flush")
def _no_write_while_reading_first(session, _context, _instances) -> None:
    if _reading_first():
        raise RuntimeError("a write in a reads_first view before begin_write()")
