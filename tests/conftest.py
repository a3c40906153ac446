"""Fixtures: a migrated test database (SQLite, or ENGAGE_TEST_DATABASE_URL), an app per test
inside a transaction that is rolled back, clients per role, and a real SMTP server."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session
from sqlalchemy import create_engine, delete, text

from engage import create_app
from engage.extensions import db, limiter
from tests import factories

TEST_DATABASE_URL = os.environ.get("ENGAGE_TEST_DATABASE_URL")
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class ConnectionSession(Session):
    """Flask-SQLAlchemy's session, kept on the test's connection (its own picks the engine)."""

    def get_bind(self, *args, **kwargs):
        return self.bind


def base_config(database_url: str, instance_path: Path, **extra) -> dict:
    config = {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "INSTANCE_PATH": str(instance_path),
        "MAIL_SERVER": None,
        "SERVER_NAME": None,
        "SESSION_COOKIE_SECURE": False,
    }
    config.update(extra)
    return config


def reset_database(url: str) -> None:
    """An empty database: the migrations make everything in it."""
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if os.path.exists(path):
            os.remove(path)
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


#: reference data the migrations load (the Census), which every test may rely on
REFERENCE_TABLES = frozenset({"population_baselines", "population_counts"})


def wipe() -> None:
    """Deletes every row that tests made with real commits, keeping the reference data."""
    for table in reversed(db.metadata.sorted_tables):
        if table.name not in REFERENCE_TABLES:
            db.session.execute(delete(table))
    db.session.commit()


@pytest.fixture(scope="session", autouse=True)
def cheap_argon2():
    """Still argon2id, with the smallest cost, so that a test suite with hundreds of
    sign-ins stays fast. Production keeps argon2-cffi's defaults."""
    from argon2 import PasswordHasher

    from engage.accounts import service

    original = service._hasher
    service._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    service._hasher = original


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = TEST_DATABASE_URL or "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
    reset_database(url)
    app = create_app(base_config(url, tmp_path_factory.mktemp("instance")))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def smtp_server():
    """A real SMTP server on a free local port; ``.messages`` holds what it received."""

    class Sink:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            from email import message_from_bytes
            from email.policy import default

            self.messages.append(message_from_bytes(envelope.content, policy=default))
            return "250 OK"

        def wait(self, count: int = 1, seconds: float = 10):
            """The messages, once ``count`` have arrived (some are sent on a thread)."""
            import time

            deadline = time.monotonic() + seconds
            while len(self.messages) < count and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(self.messages) >= count, f"{len(self.messages)} of {count} emails came"
            return self.messages

    sink = Sink()
    for attempt in range(3):  # a free port can be taken between finding and binding it
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        controller = Controller(sink, hostname="127.0.0.1", port=port, ready_timeout=15)
        try:
            controller.start()
            break
        except Exception:
            if attempt == 2:
                raise
    sink.port = port
    yield sink
    controller.stop()


@pytest.fixture
def app_config(tmp_path) -> dict:
    """Per-test overrides; a test may change it before asking for ``app``."""
    return {}


@pytest.fixture
def app(database_url, tmp_path, app_config):
    """The app, with every database change of the test rolled back at the end."""
    app = create_app(base_config(database_url, tmp_path / "instance", **app_config))
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original_session = db.session
        db.session = db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": ConnectionSession,
            }
        )
    limiter.reset()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.session = original_session
            outer.rollback()
            connection.close()
            db.engine.dispose()


@pytest.fixture
def committed_app(database_url, tmp_path):
    """An app whose changes are really committed (jobs see them), with the test cast."""

    def make(**config):
        app = create_app(base_config(database_url, tmp_path / "instance", **config))
        with app.app_context():
            wipe()
            factories.make_world()
            db.session.commit()
        made.append(app)
        return app

    made: list = []
    yield make
    for app in made:
        with app.app_context():
            wipe()
            db.engine.dispose()


@pytest.fixture
def ctx(app):
    """An application context for tests that call services directly."""
    with app.app_context():
        yield


@pytest.fixture
def mail_app(app_config, smtp_server):
    app_config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    return smtp_server


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


def csrf_token(client, url: str = "/en/password/forgot") -> str:
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def post_form(client, url: str, data: dict | None = None, *, token_from: str | None = None, **kw):
    """Post a form the way a browser would: with the CSRF token from the page."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client, token_from or url))
    return client.post(url, data=data, **kw)


@pytest.fixture
def world(app):
    """The demo-like cast: organisations and one user per role, committed in the test's
    transaction. Returns a namespace of ids and emails."""
    with app.app_context():
        cast = factories.make_world()
        db.session.commit()
    return cast


def login(client, email: str, password: str = factories.PASSWORD):
    response = post_form(client, "/en/login", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


@pytest.fixture
def login_as(client, world):
    def _login(role: str):
        login(client, world.emails[role])
        return client

    return _login


@pytest.fixture
def count_queries(app):
    """``with count_queries() as queries: ...`` then ``len(queries)``: the SQL statements run."""
    from contextlib import contextmanager

    from sqlalchemy import event

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        with app.app_context():
            engine = db.session.get_bind()
        target = engine.engine if hasattr(engine, "engine") else engine
        event.listen(target, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(target, "before_cursor_execute", record)

    return counting
