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
