"""SQLite: a write waits its turn for the write lock, tries again quickly, and gives up
with "database is locked" after WRITE_LOCK_SECONDS, as SQLite's busy timeout did."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

import engage
from engage import create_app
from engage.extensions import db
from tests.conftest import base_config


@pytest.fixture
def engine(tmp_path):
    # a file of its own: the waiting is SQLite's, whichever database the suite runs on
    app = create_app(base_config(f"sqlite:///{tmp_path}/writes.sqlite", tmp_path / "instance"))
    with app.app_context():
        engine = db.engine
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)"))
        yield engine
        engine.dispose()


def _busy_timeout(conn) -> int:
    return conn.exec_driver_sql("PRAGMA busy_timeout").scalar()


def test_a_second_writer_waits_for_the_first_and_then_writes(engine):
    holder = engine.connect()
    holder.begin()  # outside a request: a write transaction, the lock taken at once
    holder.execute(text("INSERT INTO notes (body) VALUES ('first')"))
    waited = {}

    started = time.monotonic()

    def second_writer():
        with engine.begin() as conn:
            waited["seconds"] = time.monotonic() - started
            conn.execute(text("INSERT INTO notes (body) VALUES ('second')"))
            waited["busy_timeout"] = _busy_timeout(conn)

    thread = threading.Thread(target=second_writer)
    thread.start()
    time.sleep(0.3)
    assert thread.is_alive()  # still waiting for the lock
    holder.commit()
    holder.close()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert 0.3 <= waited["seconds"] < 2  # it went on once the lock was free, not at 5 s
    assert waited["busy_timeout"] == engage.BUSY_TIMEOUT_MS  # put back after the wait
    with engine.connect() as conn:
        bodies = conn.execute(text("SELECT body FROM notes ORDER BY id")).scalars().all()
    assert bodies == ["first", "second"]


def test_a_writer_gives_up_after_the_timeout_and_writes_nothing(engine, monkeypatch):
    monkeypatch.setattr(engage, "WRITE_LOCK_SECONDS", 0.3)
    holder = engine.connect()
    holder.begin()
    try:
        started = time.monotonic()
        # the driver's error, raised as it begins (as SQLite's busy timeout raised it)
        with (
            pytest.raises(sqlite3.OperationalError, match="database is locked"),
            engine.begin() as conn,
        ):
            conn.execute(text("INSERT INTO notes (body) VALUES ('never')"))
        assert 0.3 <= time.monotonic() - started < 2
    finally:
        holder.rollback()
        holder.close()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM notes")).scalar() == 0
        assert _busy_timeout(conn) == engage.BUSY_TIMEOUT_MS
