"""Invitations and password resets, read from a real local SMTP server."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engage.accounts import service
from engage.accounts.models import Invitation, Role
from engage.extensions import db
from engage.sqltypes import utcnow
from tests.conftest import csrf_token, login, post_form
from tests.factories import PASSWORD, make_invitation

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
    assert "You have been invited to join Forum A, with the role: Forum host" in page
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
        invitation, token = make_invitation("late@example.org")
        invitation.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = client.get(f"/en/invitations/{token}")
    assert response.status_code == 410
    assert "This invitation has expired" in response.get_data(as_text=True)


def test_invitation_form_validation(app, client, world):
    with app.app_context():
        _inv, token = make_invitation("v@example.org")
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
    link = _link(mail_app.wait()[0])
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


def test_reset_when_the_mail_server_is_down_looks_the_same(app, client, world):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there
    known = post_form(client, "/en/password/forgot", {"email": world.emails["host"]})
    unknown = post_form(client, "/en/password/forgot", {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 200
    assert "Check your email" in known.get_data(as_text=True)


def test_emailed_links_never_come_from_the_host_header(mail_app, app, world):
    import time

    from tests.conftest import CSRF_RE

    client = app.test_client()
    evil = {"Host": "evil.example"}

    def ask_for_reset():
        page = client.get("/en/password/forgot", headers=evil).get_data(as_text=True)
        token = CSRF_RE.search(page).group(1)
        data = {"email": world.emails["host"], "csrf_token": token}
        response = client.post("/en/password/forgot", data=data, headers=evil)
        assert "Check your email" in response.get_data(as_text=True)

    ask_for_reset()
    time.sleep(0.5)
    assert mail_app.messages == []  # no ENGAGE_BASE_URL: no link goes out for a foreign host
    app.config["BASE_URL"] = "https://engage.northmoor.example"
    ask_for_reset()
    body = mail_app.wait()[0].get_content()
    assert "https://engage.northmoor.example/en/password/reset/" in body
    assert "evil.example" not in body


def test_an_invitation_lapses_when_its_inviter_may_no_longer_give_the_role(app, client, world):
    with app.app_context():
        org = service.get_organisation("forum-a")
        host = service.get_user_by_email(world.emails["host"])
        _inv, token = service.invite(
            actor=host, email="cohost@example.org", organisation=org, role=Role.host, days=3
        )
        service.set_membership(host, org, Role.member)  # the host steps down
        db.session.commit()
    response = client.get(f"/en/invitations/{token}")
    assert response.status_code == 404
    assert "This invitation is not valid" in response.get_data(as_text=True)


def test_accepting_one_invitation_voids_the_older_ones(app, client, world):
    with app.app_context():
        _old, old_token = make_invitation("twice@example.org", role=Role.host)
        _new, new_token = make_invitation("twice@example.org")
        db.session.commit()
    data = {"name": "T", "password": "long enough pass", "confirm": "long enough pass"}
    assert post_form(client, f"/en/invitations/{new_token}", data).status_code == 302
    client.post("/en/logout", data={"csrf_token": csrf_token(client)})
    assert client.get(f"/en/invitations/{old_token}").status_code == 404


def test_a_pending_invitation_can_be_withdrawn(app, client, world):
    with app.app_context():
        invitation, token = make_invitation("maybe@example.org")
        db.session.commit()
        invitation_id = invitation.id
    login(client, world.emails["host"])
    page = client.get("/en/organisations/forum-a").get_data(as_text=True)
    assert "maybe@example.org" in page
    url = f"/en/organisations/forum-a/invitations/{invitation_id}/withdraw"
    response = post_form(client, url, {}, token_from="/en/organisations/forum-a")
    assert response.status_code == 302
    assert "has been withdrawn" in client.get("/en/organisations/forum-a").get_data(as_text=True)
    assert client.get(f"/en/invitations/{token}").status_code == 404


def test_plain_text_email_is_not_html_escaped_and_odd_names_do_not_break_it(
    mail_app, app, client, world
):
    with app.app_context():
        org = service.get_organisation("forum-a")
        org.name = "Women's Circle \u0085 & Friends"  # as if typed before cleaning existed
        db.session.commit()
    login(client, world.emails["admin"])
    response = post_form(
        client, "/en/organisations/forum-a/invite", {"email": "q@example.org", "role": "member"}
    )
    assert response.status_code in (200, 302)
    if mail_app.messages:
        body = mail_app.messages[0].get_content()
        assert "&#39;" not in body and "&amp;" not in body


def test_plain_text_email_keeps_apostrophes(mail_app, app, client, world):
    with app.app_context():
        service.get_organisation("forum-a").name = "Women's Circle & Friends"
        db.session.commit()
    login(client, world.emails["admin"])
    post_form(
        client, "/en/organisations/forum-a/invite", {"email": "q@example.org", "role": "member"}
    )
    body = mail_app.messages[0].get_content()
    assert "Women's Circle & Friends" in body


def test_the_second_of_two_racing_submits_is_told_the_invitation_is_used(app, world):
    with app.app_context():
        invitation, token = make_invitation("double@example.org")
        db.session.commit()
        found = service.find_invitation(token)  # both submits found it valid ...
        service.accept_invitation(found, name="A", password="long enough pass")
        db.session.commit()
        with pytest.raises(service.TokenInvalid):  # ... only the first takes it
            service.join_with_invitation(
                invitation, service.get_user_by_email("double@example.org")
            )
        db.session.rollback()


def test_someone_with_an_account_accepts_by_signing_in_not_by_setting_a_password(
    app, client, world
):
    with app.app_context():
        _inv, token = make_invitation(world.emails["analyst"], "forum-b")
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
