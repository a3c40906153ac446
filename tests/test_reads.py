"""engage.reads: one row read with the driver is the row SQLAlchemy reads."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from engage import reads
from engage.communities.models import Baseline
from engage.extensions import db


def _statement(**where):
    baselines = Baseline.__table__
    return select(baselines.c.id, baselines.c.code, baselines.c.name, baselines.c.created_at).where(
        baselines.c.code == where.get("code", bindparam("code"))
    )


def test_a_row_read_with_the_driver_is_the_row_sqlalchemy_reads(app):
    # the Census areas are loaded by a migration: committed, seen by every connection
    with app.test_request_context("/en/"):
        statement = _statement()
        theirs = db.session.execute(statement, {"code": "E08000001"}).first()
        ours = reads.first_row(db.engine, statement, {"code": "E08000001"})
        assert theirs is not None and theirs[1] == "E08000001"
        assert ours == tuple(theirs)
        assert [type(v) for v in ours] == [type(v) for v in theirs]
        assert ours[3].tzinfo is not None  # the UTC date-time type's own processing
        assert reads.first_row(db.engine, statement, {"code": "nowhere"}) is None
        assert reads._plans[(db.engine, statement)] is not None  # taken by the driver


def test_a_statement_it_cannot_take_is_run_by_sqlalchemy(app):
    with app.test_request_context("/en/"):
        literal = _statement(code="E08000001")  # a bind with its own value
        assert reads.first_row(db.engine, literal, {})[1] == "E08000001"
        assert reads._plans[(db.engine, literal)] is None
        # parameters other than the statement's binds: SQLAlchemy says what is wrong
        statement = _statement()
        row = reads.first_row(db.engine, statement, {"code": "E08000001", "other": 1})
        assert row[1] == "E08000001"
