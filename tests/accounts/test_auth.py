"""Signing in and out, sessions that end on the server, throttling, tokens."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from engage.accounts import service
from engage.accounts.models import ApiToken, User
from engage.extensions import db
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD


def _in_urdu(message: str) -> str:
    """The catalog's Urdu for an English message (the test fails if there is none)."""
    from babel.messages.pofile import read_po

    from engage.resources import resource_dir

    path = resource_dir("translations") / "ur" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as f:
        text = read_po(f)[message].string
    assert text and text != message
    return text


def test_login_lands_on_home_and_shows_sign_out(client, world):
    response = login(client, world.emails["analyst"])
    assert response.headers["Location"] == "/en/"
    page = client.get("/en/").get_data(as_text=True)
    assert "Sign out" in page and "Your account" in page


def test_login_follows_a_local_next_but_not_another_site(client, world):
    url = "/en/login?next=/en/account"
    response = post_form(client, url, {"email": world.emails["host"], "password": PASSWORD})
    assert response.headers["Location"] == "/en/account"
    client.post("/en/logout", data={"csrf_token": csrf_token(client)})
    url = "/en/login?next=https://evil.example/x"
    response = post_form(client, url, {"email": world.emails["host"], "password": PASSWORD})
    assert response.headers["Location"] == "/en/"


def test_wrong_password_says_so_without_saying_which(client, world):
    response = post_form(
        client, "/en/login", {"email": world.emails["host"], "password": "wrong password!"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "The email address or password is not right" in page
    assert "nhsuk-error-summary" in page
    unknown = post_form(client, "/en/login", {"email": "nobody@example.org", "password": "x" * 12})
    assert "The email address or password is not right" in unknown.get_data(as_text=True)


def test_login_form_errors_in_urdu(client, world):
    response = post_form(client, "/ur/login", {"email": "", "password": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'lang="ur" dir="rtl"' in page
    assert "Enter your email address" not in page  # translated, not English
    assert _in_urdu("Enter your email address") in page
    assert "nhsuk-error-summary" in page


def test_bad_input_on_login_never_500s(client, world):
    cases = [
        {"email": "not-an-email", "password": "x"},
        {"email": "a" * 300 + "@example.org", "password": "x"},
        {"email": world.emails["host"], "password": "p" * 5000},
        {"email": ["a@example.org", "b@example.org"], "password": "x"},
    ]
    for data in cases:
        response = post_form(client, "/en/login", data)
        assert response.status_code == 200
        assert "There is a problem" in response.get_data(as_text=True)


def test_logout_ends_the_session_on_the_server_not_only_the_cookie(app, client, world):
    login(client, world.emails["analyst"])
    with client.session_transaction() as saved:
        stolen = dict(saved)  # what an attacker who copied the cookie would hold
    response = client.post("/en/logout", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 302
    assert client.get("/en/account").status_code == 302

    thief = app.test_client()
    with thief.session_transaction() as sess:
        sess.update(stolen)
    assert thief.get("/en/account").status_code == 302  # the old session no longer works


def test_password_change_ends_other_sessions_and_keeps_this_one(app, client, world):
    login(client, world.emails["host"])
    other_device = app.test_client()
    login(other_device, world.emails["host"])
    assert other_device.get("/en/account").status_code == 200

    response = post_form(
        client,
        "/en/account/password",
        {
            "pw-current_password": PASSWORD,
            "pw-password": "a new long password",
            "pw-confirm": "a new long password",
        },
        token_from="/en/account",
    )
    assert response.status_code == 302
    assert client.get("/en/account").status_code == 200
    assert other_device.get("/en/account").status_code == 302
    client.post("/en/logout", data={"csrf_token": csrf_token(client)})
    login(client, world.emails["host"], "a new long password")


def test_password_change_with_wrong_current_password(client, world):
    login(client, world.emails["host"])
    response = post_form(
        client,
        "/en/account/password",
        {
            "pw-current_password": "not it at all",
            "pw-password": "a new long password",
            "pw-confirm": "a new long password",
        },
        token_from="/en/account",
    )
    assert response.status_code == 400
    assert "Your current password is not right" in response.get_data(as_text=True)


def test_password_change_validation(client, world):
    login(client, world.emails["host"])
    response = post_form(
        client,
        "/ur/account/password",
        {"pw-current_password": PASSWORD, "pw-password": "short", "pw-confirm": "different"},
        token_from="/ur/account",
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "nhsuk-error-summary" in page
    assert "The two passwords do not match" not in page  # shown in Urdu
    assert _in_urdu("The two passwords do not match") in page


def test_repeated_failed_logins_are_throttled_with_a_clear_message(client, world, app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    for _ in range(3):
        post_form(client, "/en/login", {"email": world.emails["admin"], "password": "wrong one!"})
    response = post_form(
        client, "/en/login", {"email": world.emails["admin"], "password": PASSWORD}
    )
    assert response.status_code == 429
    assert "You have tried too many times" in response.get_data(as_text=True)
    # another account from the same browser is not locked out by these failures
    login(client, world.emails["host"])


def test_successful_logins_are_not_throttled(client, world, app):
    app.config["LOGIN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    for _ in range(4):
        login(client, world.emails["host"])
        client.post("/en/logout", data={"csrf_token": csrf_token(client)})


def test_passwords_are_hashed_with_argon2(ctx, world):
    user = db.session.scalar(select(User).where(User.email == world.emails["host"]))
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_api_tokens_are_stored_hashed_and_can_be_revoked(client, world, app):
    login(client, world.emails["analyst"])
    response = post_form(
        client, "/en/account/tokens", {"token-name": "dashboard"}, token_from="/en/account"
    )
    page = response.get_data(as_text=True)
    assert "Copy it now" in page
    token = re.search(r'class="engage-token"[^>]*>\s*(eng_[^<\s]+)', page).group(1)
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "dashboard"))
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert service.user_for_api_token(token).email == world.emails["analyst"]
        row_id = row.id
    response = post_form(
        client, f"/en/account/tokens/{row_id}/revoke", {}, token_from="/en/account"
    )
    assert response.status_code == 302
    with app.app_context():
        assert service.user_for_api_token(token) is None
    assert "Revoked" in client.get("/en/account").get_data(as_text=True)


def test_a_user_cannot_revoke_someone_elses_token(client, world, app):
    with app.app_context():
        user = service.get_user_by_email(world.emails["admin"])
        row, _token = service.create_api_token(user, "admin's")
        db.session.commit()
        row_id = row.id
    login(client, world.emails["host"])
    response = post_form(
        client, f"/en/account/tokens/{row_id}/revoke", {}, token_from="/en/account"
    )
    assert response.status_code == 404
    with app.app_context():
        assert db.session.get(ApiToken, row_id).revoked_at is None


def test_token_name_too_long(client, world):
    login(client, world.emails["analyst"])
    response = post_form(
        client, "/en/account/tokens", {"token-name": "x" * 101}, token_from="/en/account"
    )
    assert response.status_code == 400
    assert "Name must be 100 characters or fewer" in response.get_data(as_text=True)


def test_failures_from_one_address_do_not_lock_the_person_out_elsewhere(app, world):
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    for _ in range(5):
        post_form(attacker, "/en/login", {"email": world.emails["admin"], "password": "guess!!"})
    response = post_form(
        attacker, "/en/login", {"email": world.emails["admin"], "password": PASSWORD}
    )
    assert response.status_code == 429
    owner = app.test_client()
    owner.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    login(owner, world.emails["admin"])


def test_behind_a_proxy_each_client_is_limited_by_its_own_address(app_config, app, world):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "2 per 15 minutes"
    from werkzeug.middleware.proxy_fix import ProxyFix

    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1)  # what PROXY_COUNT=1 installs
    client = app.test_client()
    for n in range(4):
        response = post_form(
            client,
            "/en/login",
            {"email": f"x{n}@example.org", "password": "wrong!"},
            headers={"X-Forwarded-For": f"192.0.2.{n}"},
        )
        assert response.status_code == 200  # four clients, one failure each


def test_proxy_count_installs_proxy_fix(tmp_path, database_url):
    from engage import create_app
    from tests.conftest import base_config

    app = create_app(base_config(database_url, tmp_path / "i", PROXY_COUNT=1))
    assert type(app.wsgi_app).__name__ == "ProxyFix"
    assert type(create_app(base_config(database_url, tmp_path / "j")).wsgi_app).__name__ != (
        "ProxyFix"
    )
