from __future__ import annotations

from engage.accounts import service
from engage.extensions import db
from tests.conftest import csrf_token, login, post_form


def test_admin_adds_an_organisation(app, client, world):
    login(client, world.emails["admin"])
    response = post_form(
        client,
        "/en/organisations/new",
        {"name": "Bolton Somali Health Group", "slug": "bolton-somali", "kind": "vcs"},
    )
    assert response.headers["Location"] == "/en/organisations/bolton-somali"
    page = client.get("/en/organisations/bolton-somali").get_data(as_text=True)
    assert "Bolton Somali Health Group" in page
    assert "Voluntary, community or faith group" in page
    with app.app_context():
        assert service.get_organisation("bolton-somali").kind.value == "vcs"


def test_organisation_form_rejects_bad_input_clearly(client, world):
    login(client, world.emails["admin"])
    cases = [
        ({"name": "", "slug": "", "kind": ""}, "Enter the name of the organisation"),
        ({"name": "X", "slug": "Has Spaces!", "kind": "vcs"}, "Use only lower-case letters"),
        ({"name": "X", "slug": "forum-a", "kind": "vcs"}, "already uses that short name"),
        ({"name": "X", "slug": "new", "kind": "vcs"}, "already uses that short name"),
        ({"name": "X", "slug": "ok-slug", "kind": "hospital"}, "Select one of the options"),
        ({"name": "x" * 201, "slug": "ok-slug", "kind": "vcs"}, "200 characters or fewer"),
    ]
    for data, message in cases:
        response = post_form(client, "/en/organisations/new", data)
        assert response.status_code == 400, data
        assert message in response.get_data(as_text=True), data


def test_members_see_each_others_names_but_not_email_addresses(client, world):
    login(client, world.emails["member"])
    page = client.get("/en/organisations/forum-a").get_data(as_text=True)
    assert "Forum host" in page
    assert world.emails["host"] not in page
    client.post("/en/logout", data={"csrf_token": csrf_token(client)})
    login(client, world.emails["host"])
    assert world.emails["member"] in client.get("/en/organisations/forum-a").get_data(as_text=True)


def test_admin_deactivates_an_account_which_ends_its_sessions_and_tokens(app, client, world):
    host = app.test_client()
    login(host, world.emails["host"])
    with app.app_context():
        user = service.get_user_by_email(world.emails["host"])
        _row, token = service.create_api_token(user, "script")
        db.session.commit()
    login(client, world.emails["admin"])
    url = f"/en/admin/users/{world.ids['host']}/deactivate"
    response = post_form(client, url, {}, token_from="/en/admin/users")
    assert response.status_code == 302
    assert "has been deactivated" in client.get("/en/admin/users").get_data(as_text=True)
    assert host.get("/en/account").status_code == 302
    with app.app_context():
        assert service.user_for_api_token(token) is None
    response = post_form(
        host, "/en/login", {"email": world.emails["host"], "password": "correct horse battery"}
    )
    assert "The email address or password is not right" in response.get_data(as_text=True)

    post_form(
        client, f"/en/admin/users/{world.ids['host']}/activate", {}, token_from="/en/admin/users"
    )
    login(host, world.emails["host"])


def test_admin_cannot_deactivate_themselves(client, world):
    login(client, world.emails["admin"])
    url = f"/en/admin/users/{world.ids['admin']}/deactivate"
    post_form(client, url, {}, token_from="/en/admin/users")
    assert "You cannot deactivate your own account" in client.get("/en/admin/users").get_data(
        as_text=True
    )
    assert client.get("/en/account").status_code == 200
