"""Models and migrations never drift: `db upgrade` on an empty database gives exactly the models' schema,
and `db downgrade base` undoes it. Runs on SQLite, and on PostgreSQL when MEETUPS_TEST_DATABASE_URL is set."""

import logging
import os
import uuid
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from meetups import create_app
from meetups.config import normalize_database_url
from meetups.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
POSTGRES_URL = os.environ.get("MEETUPS_TEST_DATABASE_URL", "")


@pytest.fixture
def keep_logging():
    """Alembic's env.py runs logging.fileConfig, which disables every logger created so far; later tests
    that read the log (mail goes there) must not depend on whether this module ran first."""
    loggers = {
        name: (lg.disabled, lg.level)
        for name, lg in logging.Logger.manager.loggerDict.items()
        if isinstance(lg, logging.Logger)
    }
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    for name, (disabled, lvl) in loggers.items():
        logger = logging.getLogger(name)
        logger.disabled, logger.level = disabled, lvl
    root.handlers[:], root.level = handlers, level


@contextmanager
def _sqlite_database(tmp_path):
    yield f"sqlite:///{tmp_path / 'migrations.db'}"


@contextmanager
def _postgres_database(tmp_path):
    """A database of its own next to the test database, created and dropped here."""
    base = make_url(normalize_database_url(POSTGRES_URL))
    name = f"meetups_migrations_{uuid.uuid4().hex[:12]}"
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# SQLite always; PostgreSQL whenever the suite runs on it (CI's second pass), so nothing is ever skipped.
@pytest.fixture(params=["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"])
def migrated_app(request, tmp_path, keep_logging):
    assert (MIGRATIONS / "versions").is_dir(), f"{MIGRATIONS} is missing: models must come with migrations"
    make = _sqlite_database if request.param == "sqlite" else _postgres_database
    with make(tmp_path) as url:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        try:
            result = app.test_cli_runner().invoke(args=["db", "upgrade"])
            assert result.exit_code == 0, result.output + repr(result.exception)
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()  # PostgreSQL cannot drop a database with open connections


def _differences(app) -> list:
    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        return compare_metadata(context, db.metadata)


def _tables(app) -> set[str]:
    with app.app_context(), db.engine.connect() as connection:
        return set(inspect(connection).get_table_names())


def test_upgrade_from_empty_matches_the_models(migrated_app):
    assert _tables(migrated_app) >= set(db.metadata.tables)
    assert _differences(migrated_app) == []


def test_downgrade_to_base_removes_everything(migrated_app):
    result = migrated_app.test_cli_runner().invoke(args=["db", "downgrade", "base"])

    assert result.exit_code == 0, result.output + repr(result.exception)
    assert _tables(migrated_app) <= {"alembic_version"}
