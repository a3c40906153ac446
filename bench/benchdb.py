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
