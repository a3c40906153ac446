"""Pooled connections the database server dropped: restarted, failed over, or a
connection ended by an administrator or a firewall while it sat in the pool.

Without this, the first request on each such connection failed with a 500. Now:

- a connection that has sat in the pool for ``DATABASE_PING_AFTER`` seconds is asked
  whether it is still there (one empty statement) when it is taken out; a dead one is
  thrown away with every connection pooled before it, and a new one is made. Under load
  no connection sits that long, so busy requests pay nothing (``pool_pre_ping`` would
  cost every request a round trip);
- a read or write on a connection of its own (engage.reads) that finds the connection
  gone tries once more on a new one: those statements are safe to send twice (a read;
  a submission's statement writes nothing for a draft already submitted);
- whatever else meets a lost connection gets a 503 asking the person to try again
  (engage.web.errors), not a 500.

SQLite has no server to lose: nothing here applies to it.
"""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy import exc as sqlalchemy_errors

#: the pool entry's info key: when the connection was last put back
_IDLE_SINCE = "engage_idle_since"


def init_engine(engine: Engine, ping_after: float) -> None:
    """Ask a connection idle for ``ping_after`` seconds or more whether it is still
    there before it is used (not on SQLite)."""
    if engine.dialect.name == "sqlite":
        return

    @event.listens_for(engine, "checkin")
    def idle_from(dbapi_connection, record) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, proxy) -> None:
        idle_since = record.info.get(_IDLE_SINCE)
        if idle_since is None or time.monotonic() - idle_since < ping_after:
            return  # a new connection, or one in use a moment ago
        dialect = engine.dialect
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if dialect.is_disconnect(error, dbapi_connection, None):
                # the server went away: so did every connection pooled before this one.
                # The pool makes a new connection and the request goes on
                raise sqlalchemy_errors.InvalidatePoolError(str(error)) from error
            raise


def connect(engine: Engine) -> Any:
    """A pooled DBAPI connection (``engine.raw_connection()``); a server that cannot be
    reached raises as SQLAlchemy raises it for a session (a DBAPIError, no statement)."""
    try:
        return engine.raw_connection()
    except engine.dialect.loaded_dbapi.Error as error:
        raise sqlalchemy_errors.DBAPIError.instance(
            None, None, error, Exception, hide_parameters=True
        ) from error


def lost(engine: Engine, error: BaseException, dbapi_connection: Any) -> bool:
    """Whether ``error``, raised by the driver on ``dbapi_connection``, means the
    connection is gone (the dialect's own test, as SQLAlchemy makes it)."""
    dialect = engine.dialect
    return isinstance(error, dialect.loaded_dbapi.Error) and dialect.is_disconnect(
        error, dbapi_connection, None
    )


def forget(engine: Engine, pooled: Any, error: BaseException) -> None:
    """After ``pooled`` (a pooled connection) was found gone: throw it away, and the
    connections pooled with it (the server that dropped one dropped them all)."""
    pooled.invalidate(error)
    engine.dispose()  # the idle ones closed; those in use go when they are given back


def unavailable(error: BaseException) -> sqlalchemy_errors.DBAPIError:
    """``error`` from the driver, as SQLAlchemy raises a lost connection: a DBAPIError
    whose connection was invalidated."""
    return sqlalchemy_errors.DBAPIError.instance(
        None, None, error, Exception, hide_parameters=True, connection_invalidated=True
    )
