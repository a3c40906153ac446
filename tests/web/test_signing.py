"""The session cookie and the CSRF token are signed as Flask and Flask-WTF sign them
(engage.web.signing only derives each key once): what one makes, the other reads."""

from __future__ import annotations

from flask import g, session
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import generate_csrf, validate_csrf
from itsdangerous import URLSafeTimedSerializer

from engage.web.signing import csrf_token


def test_the_session_cookie_is_flasks(app):
    with app.test_request_context("/en/"):
        ours = app.session_interface.get_signing_serializer(app)
        flasks = SecureCookieSessionInterface().get_signing_serializer(app)
        data = {"drafts": {"1": "a-token"}, "csrf_token": "0" * 40}
        assert flasks.loads(ours.dumps(data)) == data
        assert ours.loads(flasks.dumps(data)) == data
        signer, theirs = ours.make_signer(ours.salt), flasks.make_signer(flasks.salt)
        assert signer.get_signature(b"payload") == theirs.get_signature(b"payload")


def test_the_csrf_token_is_flask_wtfs(app):
    with app.test_request_context("/en/"):
        session["csrf_token"] = "f" * 40
        token = csrf_token()
        assert csrf_token() == token == generate_csrf()  # kept for the request, as hers
        validate_csrf(token)  # raises if not
        flask_wtfs = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        assert flask_wtfs.loads(token) == "f" * 40
        g.pop("csrf_token")
        assert csrf_token().split(".")[0] == token.split(".")[0]


def test_a_page_form_posts_with_the_token_it_shows(client, world):
    from tests.responses.journey import post, start

    first = start(client)
    response = post(client, first, {"experience": "good"})
    assert response.status_code == 302


def _session_cookie(response) -> str | None:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith("engage_session="):
            return header
    return None


def test_an_unchanged_session_is_sent_again_only_when_it_is_a_few_minutes_old(
    app, client, world, monkeypatch
):
    from engage.web import sessions
    from tests.responses.journey import start

    first = start(client)
    page = client.get(first)
    assert page.status_code == 200
    # the cookie the browser holds was signed just now: not sent again, the page still
    # depends on it
    assert _session_cookie(page) is None
    assert "Cookie" in page.headers.get("Vary", "")
    assert client.get(first).status_code == 200  # and it still finds the draft

    monkeypatch.setattr(sessions, "REFRESH_AFTER", 0)
    refreshed = _session_cookie(client.get(first))
    assert refreshed is not None and "Expires=" in refreshed  # signed again, expiry moved on
    assert client.get(first).status_code == 200


def test_a_changed_session_is_sent_at_once(app, client, world):
    from tests.responses.journey import token_of

    first = client.get("/en/surveys/test-survey")
    token = token_of(first.get_data(as_text=True))
    # starting the survey puts the draft's token in the session: a new cookie at once,
    # though the one the browser holds was signed a moment ago
    started = client.post("/en/surveys/test-survey", data={"consent": "y", "csrf_token": token})
    assert started.status_code == 302
    assert _session_cookie(started) is not None
    assert client.get(started.headers["Location"]).status_code == 200
