"""Headers, cookies, escaping and error pages."""

from __future__ import annotations

from engage.accounts import service
from engage.extensions import db
from tests.conftest import login, post_form


def test_strict_content_security_policy_without_inline_script(client):
    response = client.get("/en/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp
    page = response.get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_cookie_flags(app, world):
    app.config["SESSION_COOKIE_SECURE"] = True
    client = app.test_client()
    response = post_form(
        client, "/en/login", {"email": world.emails["host"], "password": "correct horse battery"}
    )
    cookie = next(
        v for v in response.headers.getlist("Set-Cookie") if v.startswith("engage_session=")
    )
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_signed_in_pages_are_not_cached(client, world):
    login(client, world.emails["host"])
    response = client.get("/en/account")
    assert "no-store" in response.headers["Cache-Control"]


def test_user_text_is_escaped(app, client, world):
    with app.app_context():
        forum = service.get_organisation("forum-a")
        forum.description = "<script>alert(1)</script>"
        db.session.commit()
    page = client.get("/en/forums/forum-a").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_not_found_page_is_in_the_right_language(client):
    page = client.get("/ur/forums/nothing-here")
    assert page.status_code == 404
    assert 'lang="ur"' in page.get_data(as_text=True)


def test_unexpected_errors_show_a_kind_page_not_a_traceback(app, client):
    @app.get("/en/boom-for-test")
    def boom():
        raise RuntimeError("boom")

    response = client.get("/en/boom-for-test")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Sorry, there is a problem with the service" in page
    assert "RuntimeError" not in page


def test_forum_edit_too_long(client, world):
    login(client, world.emails["host"])
    response = post_form(client, "/en/forums/forum-a/edit", {"description": "x" * 5001})
    assert response.status_code == 400
    assert "Description must be 5000 characters or fewer" in response.get_data(as_text=True)


def test_forum_edit_saves(client, world):
    login(client, world.emails["host"])
    post_form(client, "/en/forums/forum-a/edit", {"description": "We meet on Fridays."})
    assert "We meet on Fridays." in client.get("/en/forums/forum-a").get_data(as_text=True)


def test_forum_paragraphs_survive_browser_line_endings(client, world):
    login(client, world.emails["host"])
    post_form(client, "/en/forums/forum-a/edit", {"description": "First part.\r\n\r\nSecond."})
    page = client.get("/en/forums/forum-a").get_data(as_text=True)
    assert '<p dir="auto">First part.</p>' in page and '<p dir="auto">Second.</p>' in page


def test_a_numeric_secret_key_from_the_environment_works(tmp_path, database_url, monkeypatch):
    from engage import create_app

    monkeypatch.setenv("ENGAGE_SECRET_KEY", "839201746529301847562")
    monkeypatch.setenv("ENGAGE_DATABASE_URL", database_url)
    monkeypatch.setenv("ENGAGE_INSTANCE_PATH", str(tmp_path))
    app = create_app()
    assert app.config["SECRET_KEY"] == "839201746529301847562"
    assert app.test_client().get("/en/login").status_code == 200


def test_no_page_carries_inline_script_style_or_event_handlers(client, world):
    """Every GET page of the matrix, as an admin, and forms in their error state."""
    import re

    from tests.accounts.test_permissions import MATRIX

    login(client, world.emails["admin"])
    pages = [client.get(url) for _e, method, url, _d, _s in MATRIX if method == "GET"]
    pages.append(post_form(client, "/en/organisations/new", {"name": ""}))
    pages.append(post_form(client, "/ur/account/password", {}, token_from="/ur/account"))
    for response in pages:
        response.close()
        if "text/html" not in response.content_type:
            continue
        page = response.get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), response.request.path
        assert not re.search(r"\sstyle=", page), response.request.path
        assert not re.search(r"\son[a-z]+=", page), response.request.path
