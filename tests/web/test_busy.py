"""A database too busy to take a request in time is a 503 page in the page's language
that asks to try again in a few seconds, never the 500 page: nothing is written, what
the respondent had saved is kept, and the same form sent again works.

The busy database is real: SQLite's write lock held by another connection (a file of the
test's own, whichever database the suite runs on), and a connection pool of one whose
only connection is taken."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

import engage
from engage import create_app
from engage.extensions import db
from engage.responses.models import Draft
from engage.web import errors
from tests import factories
from tests.conftest import base_config, login
from tests.responses.journey import post, start


@pytest.fixture
def busy_app(tmp_path, monkeypatch):
    monkeypatch.setattr(engage, "WRITE_LOCK_SECONDS", 0.3)
    path = tmp_path / "busy.sqlite"
    options = {"hide_parameters": True, "pool_size": 1, "max_overflow": 0, "pool_timeout": 0.3}
    app = create_app(
        base_config(f"sqlite:///{path}", tmp_path / "instance", SQLALCHEMY_ENGINE_OPTIONS=options)
    )
    with app.app_context():
        db.create_all()
        app.cast = factories.make_world()
        db.session.commit()
    app.database_path = path
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _draft_answers(app) -> dict:
    with app.app_context():
        drafts = db.session.scalars(select(Draft)).all()
        assert len(drafts) == 1
        return dict(drafts[0].answers)


def _expected(app, locale: str) -> tuple[str, str]:
    with app.test_request_context(), force_locale(locale):
        return str(errors.BUSY_MESSAGE[0]), str(errors.BUSY_MESSAGE[1])


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_a_page_sent_while_another_writer_holds_the_lock_is_a_503_and_can_be_sent_again(
    busy_app, locale, caplog
):
    client = busy_app.test_client()
    first_page = start(client, locale=locale)
    saved = _draft_answers(busy_app)

    holder = sqlite3.connect(busy_app.database_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another worker's long write
    try:
        with caplog.at_level(logging.WARNING, logger="engage.web.errors"):
            busy = post(client, first_page, {"experience": "poor"})
    finally:
        holder.rollback()
        holder.close()

    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == str(errors.BUSY_RETRY_AFTER)
    html = busy.get_data(as_text=True)
    title, message = _expected(busy_app, locale)
    assert (title == "Sorry, the service is busy") == (locale == "en")  # Urdu is Urdu
    assert f"<h1>{title}</h1>" in html
    assert message in html
    assert f'lang="{locale}"' in html
    assert _draft_answers(busy_app) == saved  # nothing written, nothing lost
    # logged as a warning that names the route, not as an error with a traceback
    assert [r.levelname for r in caplog.records] == ["WARNING"]

    again = post(client, first_page, {"experience": "poor"})
    assert again.status_code == 302
    assert _draft_answers(busy_app)["experience"] == "poor"


@pytest.mark.parametrize("path", ["/en/consultations", "/api/v1/consultations"])
def test_every_pooled_connection_in_use_is_a_503(busy_app, path):
    client = busy_app.test_client()
    with busy_app.app_context():
        taken = db.engine.connect()  # the pool's only connection
        try:
            busy = client.get(path)
        finally:
            taken.close()
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == str(errors.BUSY_RETRY_AFTER)
    title = _expected(busy_app, "en")[0]
    if path.startswith("/api/"):  # the API's own error shape
        assert busy.get_json() == {"error": {"message": title}}
    else:
        assert f"<h1>{title}</h1>" in busy.get_data(as_text=True)
    assert client.get(path).status_code == 200


def test_a_signed_in_person_gets_the_busy_page_too(busy_app):
    """The page's header shows who is signed in: with no connection to load them from,
    it shows no one, this once (else the error page itself fails: a 500)."""
    client = busy_app.test_client()
    login(client, busy_app.cast.emails["analyst"])
    with busy_app.app_context():
        taken = db.engine.connect()
        try:
            busy = client.get("/en/consultations")
        finally:
            taken.close()
    assert busy.status_code == 503
    assert f"<h1>{_expected(busy_app, 'en')[0]}</h1>" in busy.get_data(as_text=True)
    assert busy_app.cast.emails["analyst"] in client.get("/en/account").get_data(as_text=True)


def test_other_database_errors_are_still_the_500_page(busy_app):
    assert not errors.database_busy(sqlite3.OperationalError("no such table: answers"))
    assert not errors.database_busy(ValueError("database is locked"))
    assert not errors.database_busy(sqlite3.OperationalError("database table is locked"))
    assert errors.database_busy(sqlite3.OperationalError("database is locked"))
    # a statement that waited out SQLite's busy timeout, as SQLAlchemy wraps it
    wrapped = OperationalError("INSERT", {}, sqlite3.OperationalError("database is locked"))
    assert errors.database_busy(wrapped)
