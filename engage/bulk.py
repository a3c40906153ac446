"""Writing many rows at once, in the caller's transaction.

On PostgreSQL (psycopg) the rows go in one ``COPY ... FROM STDIN``: the server reads them
as a stream instead of running one INSERT per row, which is what an executemany of
plain INSERTs becomes there (psycopg sends each row as a prepared statement in a
pipeline). For 100,000 text analyses that is the difference between the database
server and the writing process taking most of a core while the text is analysed, and
a few seconds in all. Elsewhere (SQLite, whose executemany runs in C) the rows go by
Core executemany.

Values are converted as SQLAlchemy converts them for an INSERT (each column type's bind
processor for the dialect: JSON serialised, enums as their values, UTC datetimes), so
what is read back is the same either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` into ``table`` on ``connection``, inside its transaction.

    Every row has the same keys, which are column names; a column left out gets no
    Python-side default on PostgreSQL (give every column a value)."""
    if not rows:
        return
    dialect = connection.dialect
    if dialect.name != "postgresql" or dialect.driver != "psycopg":
        connection.execute(table.insert(), list(rows))
        return
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    quote = dialect.identifier_preparer
    statement = (
        f"COPY {quote.format_table(table)} "
        f"({', '.join(quote.quote(name) for name in names)}) FROM STDIN"
    )
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [
                    value if process is None else process(value)
                    for value, process in zip(
                        (row[name] for name in names), processors, strict=True
                    )
                ]
            )
