"""The database server dropped the app's pooled connections (a restart, a failover, an
administrator), and people go on using the site.

The drop is real: PostgreSQL ends the backends of the app's own connections
(``pg_terminate_backend``, found by the application name the app connects with). The
journey's page and submit (each on a connection of its own) try once more on a new
connection; a connection idle long enough is checked before use; anything else that
meets a dropped connection gets a 503 page asking to try again, and the next request
works. A server that cannot be reached at all is a 503 too, on either database."""

from __future__ import annotations

import logging

import pytest
from flask_babel import force_locale
from sqlalchemy import create_engine, func, select, text

from engage import create_app
from engage.extensions import db
from engage.responses.models import Response
from engage.web import errors
from tests.conftest import base_config
from tests.responses.journey import (
    GOOD_ANSWERS,
    answer_about_you,
    answer_pages,
    start,
    token_of,
)
from tests.responses.test_journey import _answers

NAME = "engage-dropped-test"
SUBMIT = "/en/surveys/test-survey/submit"


@pytest.fixture
def dropping(committed_app, database_url):
    """make(**config): an app on PostgreSQL whose connections can be dropped."""
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL: a server that drops connections")

    def make(**config):
        options = {"hide_parameters": True, "connect_args": {"application_name": NAME}}
        return committed_app(SQLALCHEMY_ENGINE_OPTIONS=options, **config)

    return make


def drop(database_url) -> int:
    """End every connection the app holds; how many there were."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE application_name = :name"
                ),
                {"name": NAME},
            ).scalar()
    finally:
        engine.dispose()


def _unavailable(app, locale: str) -> tuple[str, str]:
    with app.test_request_context(), force_locale(locale):
        return tuple(str(s) for s in errors.UNAVAILABLE_MESSAGE)


def test_a_respondent_whose_connections_were_dropped_sees_their_answers_and_sends_once(
    dropping, database_url
):
    app = dropping()
    client = app.test_client()
    answer_pages(client, start(client))
    answer_about_you(client)

    assert drop(database_url) >= 1
    page = client.get("/en/surveys/test-survey/page/2")
    assert page.status_code == 200
    assert "The wait was too long." in page.get_data(as_text=True)  # the saved answer

    token = token_of(client.get("/en/withdraw").get_data(as_text=True))
    assert drop(database_url) >= 1
    sent = client.post(SUBMIT, data={"csrf_token": token})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/done")
    done = client.get(sent.headers["Location"]).get_data(as_text=True)

    # sent again after another drop (a retry after the error page, say): still one
    assert drop(database_url) >= 1
    again = client.post(SUBMIT, data={"csrf_token": token})
    assert again.status_code == 303
    with app.app_context():
        stored = db.session.scalars(select(Response)).one()
        reference, response_id = stored.reference, stored.id
    assert f"{reference[:5]}-{reference[5:]}" in done
    assert _answers(app, response_id) == GOOD_ANSWERS


def test_a_connection_idle_past_the_ping_is_replaced_before_a_request_uses_it(
    dropping, database_url
):
    app = dropping(DATABASE_PING_AFTER=0)
    client = app.test_client()
    assert client.get("/en/consultations").status_code == 200
    assert drop(database_url) >= 1
    listed = client.get("/en/consultations")
    assert listed.status_code == 200
    assert "Test consultation" in listed.get_data(as_text=True)


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_a_request_that_meets_a_dropped_connection_is_a_503_and_the_next_one_works(
    dropping, database_url, locale, caplog
):
    app = dropping(DATABASE_PING_AFTER=3600)  # not checked: used a moment ago
    client = app.test_client()
    url = f"/{locale}/consultations"
    assert client.get(url).status_code == 200
    assert drop(database_url) >= 1
    with caplog.at_level(logging.WARNING, logger="engage.web.errors"):
        failed = client.get(url + "?q=private")
    assert failed.status_code == 503
    assert failed.headers["Retry-After"] == str(errors.BUSY_RETRY_AFTER)
    html = failed.get_data(as_text=True)
    title, message = _unavailable(app, locale)
    assert title in html and message in html
    assert f'lang="{locale}"' in html
    logged = [r.getMessage() for r in caplog.records if r.name == "engage.web.errors"]
    assert logged == ["database unavailable on GET consultations.index"]
    assert client.get(url).status_code == 200  # the dropped connections were replaced


def test_a_database_that_cannot_be_reached_is_a_503_not_a_500(tmp_path):
    # nothing listens on port 1: the connection is refused at once
    url = "postgresql+psycopg://postgres@127.0.0.1:1/engage"
    app = create_app(base_config(url, tmp_path / "instance"))
    client = app.test_client()
    for path in ("/en/consultations", "/en/surveys/test-survey/page/1"):
        page = client.get(path)
        assert page.status_code == 503, path
        assert _unavailable(app, "en")[0] in page.get_data(as_text=True)
    api = client.get("/api/v1/surveys/test-survey/results?by=ethnic_group")
    assert api.status_code in (401, 503)  # the token is checked first, or the database
    with app.app_context():
        db.engine.dispose()


def test_other_database_errors_are_not_called_unavailable(committed_app):
    app = committed_app()
    with app.app_context():
        with pytest.raises(Exception) as raised:
            db.session.execute(text("SELECT * FROM no_such_table"))
        db.session.rollback()
        assert not errors.database_unavailable(raised.value)
        count = db.session.scalar(select(func.count()).select_from(Response))
        assert count == 0


def test_only_a_lost_or_unmade_connection_is_called_unavailable():
    import psycopg
    from sqlalchemy.exc import DBAPIError

    def wrapped(orig, statement="SELECT 1", **kw):
        return DBAPIError.instance(statement, None, orig, psycopg.Error, **kw)

    # libpq's own errors on a live connection, and a protocol violation, are bugs: a 500
    assert not errors.database_unavailable(wrapped(psycopg.OperationalError("bad params")))
    assert not errors.database_unavailable(wrapped(psycopg.errors.ProtocolViolation("08P01")))
    assert not errors.database_unavailable(wrapped(psycopg.errors.UniqueViolation("dup")))
    # a connection that could not be made, one SQLAlchemy invalidated, a server going away
    assert errors.database_unavailable(wrapped(psycopg.OperationalError("refused"), None))
    lost = wrapped(psycopg.OperationalError("lost"), connection_invalidated=True)
    assert errors.database_unavailable(lost)
    assert errors.database_unavailable(wrapped(psycopg.errors.AdminShutdown("57P01")))
    assert errors.database_unavailable(wrapped(psycopg.errors.ConnectionFailure("08006")))
