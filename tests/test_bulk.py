"""Many rows written at once (engage.bulk): COPY on PostgreSQL, executemany elsewhere,
and what is read back is what an ordinary INSERT of the same rows gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import JSON, Column, Float, Integer, MetaData, Table, Text, select

from engage import bulk
from engage.extensions import db
from engage.responses.models import Sentiment
from engage.sqltypes import UTCDateTime, str_enum

ROWS = [
    {
        "id": 1,
        "words": ["waiting list", "gp"],
        "scores": [["access", 0.75], ["staff", 0.5]],
        "sentiment": Sentiment.negative,
        "polarity": -0.275,
        # what COPY's text format must escape: tabs, line breaks, backslashes, \N
        "body": 'Two\tcolumns?\nA new line, a back\\slash, "quotes" and \\N',
        "at": datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
    },
    {
        "id": 2,
        "words": [],
        "scores": None,
        "sentiment": None,
        "polarity": None,
        "body": "ڈاکٹر نے میری بات سنی۔ 👍",
        "at": datetime(2026, 3, 1, 11, 0, tzinfo=timezone(timedelta(hours=1))),
    },
    {
        "id": 3,
        "words": ["interpreter"],
        "scores": [],
        "sentiment": Sentiment.positive,
        "polarity": 0.0,
        "body": "",
        "at": datetime(2026, 3, 2, tzinfo=UTC),
    },
]


def _table(metadata: MetaData, name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("words", JSON),
        Column("scores", JSON),
        Column("sentiment", str_enum(Sentiment, f"{name}_sentiment")),
        Column("polarity", Float),
        Column("body", Text),
        Column("at", UTCDateTime),
    )


@pytest.mark.usefixtures("ctx")
def test_rows_written_at_once_read_back_as_inserted_one_by_one():
    metadata = MetaData()
    copied, inserted = _table(metadata, "bulk_copied"), _table(metadata, "bulk_inserted")
    connection = db.session.connection()
    metadata.create_all(connection)  # in the test's transaction, rolled back after it
    bulk.insert_rows(connection, copied, ROWS)
    for row in ROWS:
        connection.execute(inserted.insert(), row)
    read = connection.execute(select(copied).order_by(copied.c.id)).all()
    assert read == connection.execute(select(inserted).order_by(inserted.c.id)).all()
    assert [row.body for row in read] == [row["body"] for row in ROWS]
    assert read[0].words == ["waiting list", "gp"] and read[0].scores == [
        ["access", 0.75],
        ["staff", 0.5],
    ]
    assert read[0].sentiment is Sentiment.negative and read[1].sentiment is None
    assert read[1].at == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    bulk.insert_rows(connection, copied, [])  # nothing to write: nothing happens
    assert len(connection.execute(select(copied)).all()) == 3


@pytest.mark.usefixtures("ctx")
def test_a_failed_bulk_write_leaves_nothing_of_itself():
    metadata = MetaData()
    table = _table(metadata, "bulk_failing")
    connection = db.session.connection()
    metadata.create_all(connection)
    bulk.insert_rows(connection, table, ROWS[:1])
    # the driver's own error for a duplicate key
    with pytest.raises(Exception), connection.begin_nested():  # noqa: B017,PT011
        bulk.insert_rows(connection, table, [ROWS[1], {**ROWS[2], "id": 1}])
    assert [row.id for row in connection.execute(select(table))] == [1]
