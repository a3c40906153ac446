"""The schema comes only from the migrations, and the migrations match the models."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from engage import create_app
from engage.extensions import db
from engage.resources import resource_dir
from tests.conftest import TEST_DATABASE_URL, base_config, reset_database


@pytest.fixture
def bare_app(tmp_path, database_url):
    """An app on a database of its own (SQLite) or the emptied test database (PostgreSQL)."""
    url = TEST_DATABASE_URL or "sqlite:///" + str(tmp_path / "migrations.sqlite")
    reset_database(url)
    app = create_app(base_config(url, tmp_path / "instance"))
    yield app
    with app.app_context():
        upgrade()  # leave the shared test database at head for the tests after this one
        db.engine.dispose()


def _diff(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _script() -> ScriptDirectory:
    config = Config(str(resource_dir("migrations") / "alembic.ini"))
    config.set_main_option("script_location", str(resource_dir("migrations")))
    return ScriptDirectory.from_config(config)


def test_single_head_with_dated_files():
    script = _script()
    assert len(script.get_heads()) == 1
    for revision in script.walk_revisions():
        name = revision.path.rsplit("/", 1)[-1]
        assert name[:8].isdigit(), f"{name} is not date-prefixed"


def test_models_and_migrations_agree(bare_app):
    with bare_app.app_context():
        upgrade()
    assert _diff(bare_app) == []


def test_every_migration_downgrades_and_upgrades_again(bare_app):
    with bare_app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {"users", "organisations", "memberships"} <= tables
        steps = len(list(_script().walk_revisions()))
        for _ in range(steps):  # one revision at a time, so every downgrade() runs alone
            downgrade(revision="-1")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        for _ in range(steps):
            upgrade(revision="+1")
        assert set(inspect(db.engine).get_table_names()) == tables
    assert _diff(bare_app) == []


def test_the_results_covering_indexes_hold_only_counted_answers(bare_app):
    """Alembic does not compare an index's WHERE: read what the database made."""
    from sqlalchemy import text

    from engage.responses.models import GROUP_COLUMNS

    with bare_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            if conn.dialect.name == "postgresql":
                query = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'answers'"
            else:
                query = "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'answers'"
            made = {name: (sql or "").lower() for name, sql in conn.execute(text(query))}
    for column in GROUP_COLUMNS:
        definition = made[f"ix_answers_by_{column}"].replace("(", "").replace(")", "")
        assert "where option_id is not null or number is not null" in definition, definition
    # the index that finds free text by its question holds every answer
    assert "where" not in made["ix_answers_question_id_option_id"]


@pytest.mark.skipif(
    not (TEST_DATABASE_URL or "").startswith("postgresql"), reason="PostgreSQL's CONCURRENTLY"
)
def test_postgresql_rebuilds_the_covering_indexes_without_blocking_submits(bare_app):
    """Made partial on a database with answers in it: each index is built CONCURRENTLY
    (writes go on) beside the old one, outside a transaction, and swapped in."""
    from sqlalchemy import event

    partial = "c4e1a7d2b9f3"
    with bare_app.app_context():
        upgrade(revision=partial)
        downgrade(revision="-1")
        statements = []

        @event.listens_for(db.engine, "before_cursor_execute")
        def seen(conn, cursor, statement, *args):
            statements.append(" ".join(statement.split()))

        upgrade(revision=partial)
        event.remove(db.engine, "before_cursor_execute", seen)
    # (PostgreSQL refuses CONCURRENTLY inside a transaction: that these ran says they
    # were outside one)
    building = [s for s in statements if "ix_answers_by_ethnic_group" in s]
    assert [s.split(" ON ")[0] for s in building] == [
        "DROP INDEX CONCURRENTLY IF EXISTS ix_answers_by_ethnic_group_new",
        "CREATE INDEX CONCURRENTLY ix_answers_by_ethnic_group_new",
        "DROP INDEX CONCURRENTLY ix_answers_by_ethnic_group",
        "ALTER INDEX ix_answers_by_ethnic_group_new RENAME TO ix_answers_by_ethnic_group",
    ]
