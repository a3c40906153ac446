"""One row of a fixed Core SELECT, read straight from a pooled DBAPI connection.

For the respondent's page GETs, which read one row and write nothing: the statement is
compiled once per engine, and each read is the driver's own execute and fetchone on a
connection from the engine's pool, with the result values made as SQLAlchemy makes them
(each column's result processor for the dialect, built once). Outside any transaction:
on PostgreSQL the connection is in autocommit for the read (no BEGIN and ROLLBACK round
trips); Engage's SQLite connections are in the driver's autocommit already (its
transactions start with an explicit BEGIN, engage/__init__.py).

The engine's cursor events (statement logging, the tests' statement counter) do not see
these reads. A statement this cannot take (binds it was not given, binds that need
processing, a paramstyle other than qmark or pyformat) is run by SQLAlchemy instead.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.sql import Select

from engage import pool


@dataclass(frozen=True)
class _Plan:
    sql: str
    #: bind names in the order of the driver's placeholders (qmark), or None (pyformat)
    order: tuple[str, ...] | None
    names: frozenset[str]
    #: the driver connection is put in autocommit for the read (PostgreSQL)
    autocommit: bool
    processors: tuple[Callable[[Any], Any] | None, ...]


#: {(engine, statement): plan or None when the statement is not taken}; a few per app
_plans: dict[tuple, _Plan | None] = {}
MAX_PLANS = 64


def _plan(engine: Engine, statement: Select) -> _Plan | None:
    key = (engine, statement)
    try:
        return _plans[key]
    except KeyError:
        pass
    dialect = engine.dialect
    compiled = statement.compile(dialect=dialect)
    plan = None
    binds = compiled.binds
    if dialect.paramstyle in ("qmark", "pyformat") and all(
        bind.type.dialect_impl(dialect).bind_processor(dialect) is None
        and bind.value is None
        and name == bind.key
        for name, bind in binds.items()
    ):
        plan = _Plan(
            sql=str(compiled),
            order=tuple(compiled.positiontup or ()) if dialect.paramstyle == "qmark" else None,
            names=frozenset(binds),
            autocommit=dialect.name == "postgresql",
            processors=tuple(
                column.type.dialect_impl(dialect).result_processor(dialect, None)
                for column in statement.selected_columns
            ),
        )
    if len(_plans) >= MAX_PLANS:  # engines made at run time (tests)
        _plans.clear()
    _plans[key] = plan
    return plan


def first_row(engine: Engine, statement: Select, parameters: Mapping[str, Any]):
    """The first row of ``statement`` with ``parameters`` (a tuple of its selected
    columns' values, as SQLAlchemy gives them), or None."""
    plan = _plan(engine, statement)
    if plan is None or plan.names != parameters.keys():
        return _by_sqlalchemy(engine, statement, parameters)
    arguments = (
        tuple(parameters[name] for name in plan.order) if plan.order is not None else parameters
    )
    row = _fetch_one(engine, plan.sql, arguments, autocommit=plan.autocommit)
    if row is None:
        return None
    return tuple(
        value if process is None else process(value)
        for process, value in zip(plan.processors, row, strict=True)
    )


def one_statement(engine: Engine, sql: str, parameters: Any) -> tuple | None:
    """The first row of one statement in the driver's own SQL (``sql`` with the driver's
    placeholders, ``parameters`` ready for it), run by itself on a pooled connection: on
    PostgreSQL in autocommit, so that the statement is its own transaction (one round
    trip, no BEGIN or COMMIT: all of it is written or none of it). The driver's errors
    are raised as they come, not wrapped by SQLAlchemy."""
    return _fetch_one(engine, sql, parameters, autocommit=engine.dialect.name == "postgresql")


def _fetch_one(engine: Engine, sql: str, arguments: Any, *, autocommit: bool):
    # a connection the server dropped while it sat in the pool: once more on a new one
    # (engage.pool; the callers' statements are safe to send twice)
    for attempt in (1, 2):
        connection = pool.connect(engine)
        try:
            return _fetch_on(connection, sql, arguments, autocommit=autocommit)
        except Exception as error:
            if not pool.lost(engine, error, connection.dbapi_connection):
                raise
            pool.forget(engine, connection, error)
            if attempt == 2:
                raise pool.unavailable(error) from error
        finally:
            connection.close()  # back to the pool
    return None  # not reached: the second attempt returns or raises


def _fetch_on(connection, sql: str, arguments: Any, *, autocommit: bool):
    driver = connection.driver_connection
    if autocommit:
        driver.autocommit = True
    try:
        cursor = connection.cursor()
        try:
            cursor.execute(sql, arguments)
            return cursor.fetchone()
        finally:
            cursor.close()
    finally:
        if autocommit:
            # on a broken connection this fails too: its own error is the one to see
            # (and the pool, resetting it, throws it away)
            with contextlib.suppress(Exception):
                driver.autocommit = False


def _by_sqlalchemy(engine: Engine, statement: Select, parameters: Mapping[str, Any]):
    with engine.connect() as connection:
        row = connection.execute(statement, parameters).first()
    return tuple(row) if row is not None else None
