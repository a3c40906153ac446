"""Invitations and password resets, read from a real local SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from engage.accounts import service
from engage.accounts.models import Invitation, Role
from engage.extensions import db
from engage.sqltypes import utcnow
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD

LINK = re.compile(r"http://localhost(/\S+)")


def _link(message) -> str:
    body = message.get_content()
    match = LINK.search(body)
    assert match, body
    return match.group(1)


def test_admin_invites_and_the_invitee_sets_a_password(mail_app, app, client, world):
    login(client, world.emails["admin"])
    response = post_form(
        client,
        "/en/organisations/forum-a/invite",
        {"email": "New.Person@Example.org", "role": "host"},
    )
    assert response.status_code == 302
    assert len(mail_app.messages) == 1
    message = mail_app.messages[0]
    assert message["To"] == "new.person@example.org"
    assert "Forum A" in message["Subject"]
    link = _link(message)
    assert link.startswith("/en/invitations/")

    invitee = app.test_client()
    page = invitee.get(link).get_data(as_text=True)
    assert "You have been invited to join Forum A as a Forum host" in page
    response = post_form(
        invitee,
        link,
        {
            "name": "Nadia",
            "password": "a long enough password",
            "confirm": "a long enough password",
        },
    )
    assert response.status_code == 302
    account = invitee.get("/en/account").get_data(as_text=True)
    assert "Forum host, Forum A" in account
    # the link works once
    assert invitee.get(link).status_code == 404
    with app.app_context():
        token_hashes = db.session.scalars(select(Invitation.token_hash)).all()
        assert link.rsplit("/", 1)[1] not in token_hashes  # stored hashed


def test_a_host_invites_a_member_to_their_own_forum(mail_app, client, world):
    login(client, world.emails["host"])
    response = post_form(
        client,
        "/en/organisations/forum-a/invite",
        {"email": "neighbour@example.org", "role": "member"},
    )
    assert response.status_code == 302
    assert mail_app.messages[0]["To"] == "neighbour@example.org"


def test_invitation_email_in_the_inviters_language_reaches_the_invitee(mail_app, client, world):
    login(client, world.emails["admin"])
    post_form(
        client, "/ur/organisations/forum-a/invite", {"email": "urdu@example.org", "role": "member"}
    )
    assert _link(mail_app.messages[0]).startswith("/ur/invitations/")


def test_expired_invitation_gets_a_clear_message(app, client, world):
    with app.app_context():
        org = service.get_organisation("forum-a")
        invitation, token = service.invite(
            actor=None, email="late@example.org", organisation=org, role=Role.member, days=1
        )
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = client.get(f"/en/invitations/{token}")
    assert response.status_code == 410
    assert "This invitation has expired" in response.get_data(as_text=True)


def test_invitation_form_validation(app, client, world):
    with app.app_context():
        org = service.get_organisation("forum-a")
        _inv, token = service.invite(
            actor=None, email="v@example.org", organisation=org, role=Role.member, days=1
        )
        db.session.commit()
    url = f"/en/invitations/{token}"
    response = post_form(client, url, {"name": "", "password": "short", "confirm": "other"})
    page = response.get_data(as_text=True)
    assert "Enter your name" in page
    assert "Password must be at least 10 characters" in page
    assert "The two passwords do not match" in page
    response = post_form(
        client, url, {"name": "n" * 201, "password": "x" * 20, "confirm": "x" * 20}
    )
    assert "Name must be 200 characters or fewer" in response.get_data(as_text=True)


def test_invitation_without_mail_shows_the_link_to_the_inviter(client, world):
    login(client, world.emails["admin"])
    response = post_form(
        client, "/en/organisations/test-icb/invite", {"email": "a@example.org", "role": "analyst"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "the email could not be sent" in page
    assert "/en/invitations/" in page


def test_password_reset_by_email(mail_app, app, client, world):
    response = post_form(client, "/en/password/forgot", {"email": world.emails["analyst"]})
    assert "Check your email" in response.get_data(as_text=True)
    link = _link(mail_app.messages[0])
    response = post_form(
        client, link, {"password": "brand new password", "confirm": "brand new password"}
    )
    assert response.status_code == 302
    login(client, world.emails["analyst"], "brand new password")
    # used once: the password has changed, so the link no longer works
    client.post("/en/logout", data={"csrf_token": csrf_token(client)})
    response = client.get(link)
    assert response.status_code == 404
    assert "The link to reset your password is not valid" in response.get_data(as_text=True)


def test_reset_for_an_unknown_address_looks_the_same_and_sends_nothing(mail_app, client, world):
    response = post_form(client, "/en/password/forgot", {"email": "nobody@example.org"})
    assert "Check your email" in response.get_data(as_text=True)
    assert mail_app.messages == []


def test_expired_reset_link(app, client, world):
    with app.app_context():
        user = service.get_user_by_email(world.emails["host"])
        token = service.make_reset_token(user, app.config["SECRET_KEY"])
    app.config["PASSWORD_RESET_HOURS"] = -1
    response = client.get(f"/en/password/reset/{token}")
    assert response.status_code == 410
    assert "The link to reset your password has expired" in response.get_data(as_text=True)


def test_reset_when_the_mail_server_is_down(app, client, world):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there
    response = post_form(client, "/en/password/forgot", {"email": world.emails["host"]})
    assert response.status_code == 503
    assert "We could not send the email just now" in response.get_data(as_text=True)


def test_someone_with_an_account_accepts_by_signing_in_not_by_setting_a_password(
    app, client, world
):
    with app.app_context():
        org = service.get_organisation("forum-b")
        _inv, token = service.invite(
            actor=None, email=world.emails["analyst"], organisation=org, role=Role.member, days=1
        )
        db.session.commit()
    url = f"/en/invitations/{token}"
    page = client.get(url).get_data(as_text=True)
    assert "You already have an account" in page
    assert 'name="password"' not in page
    # signed in as someone else, the invitation cannot be taken
    login(client, world.emails["host"])
    assert "This invitation is for analyst@example.org" in client.get(url).get_data(as_text=True)
    assert post_form(client, url, {}, token_from="/en/account").status_code == 200
    client.post("/en/logout", data={"csrf_token": csrf_token(client)})

    response = post_form(
        client, f"/en/login?next={url}", {"email": world.emails["analyst"], "password": PASSWORD}
    )
    assert response.headers["Location"] == url
    response = post_form(client, url, {})
    assert response.status_code == 302
    account = client.get("/en/account").get_data(as_text=True)
    assert "Member, Forum B" in account and "Analyst, Test ICB" in account
