"""What the benchmarks share: emptying the database they are given."""

from __future__ import annotations

import os


def reset(url: str) -> None:
    """Empties the database: an SQLite file is removed; a PostgreSQL database loses its
    public schema. Only ever give it a throwaway database."""
    from sqlalchemy import create_engine, text

    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def group_indexes_what_if(url: str, *, one: bool) -> None:
    """What-if, never in the product: the answers table without its eight covering
    indexes of results by community (one per group column, ``ix_answers_by_*``), and,
    with ``one``, a single covering index holding every group column instead: the
    ethnic group's index with the other seven group columns after its own, so results
    by ethnic group still read it in order, and by any other group must sort."""
    from sqlalchemy import create_engine, text

    from engage.responses.models import GROUP_COLUMNS, GROUPED_ANSWERS

    others = [c for c in GROUP_COLUMNS if c != "ethnic_group"]
    columns = ["question_id", "ethnic_group", "option_id", "number", *others, "response_id"]
    engine = create_engine(url)
    with engine.begin() as conn:
        for column in GROUP_COLUMNS:
            conn.execute(text(f"DROP INDEX ix_answers_by_{column}"))
        if one:
            conn.execute(
                text(
                    f"CREATE INDEX ix_answers_by_every_group ON answers ({', '.join(columns)})"
                    f" WHERE {GROUPED_ANSWERS}"
                )
            )
    engine.dispose()
