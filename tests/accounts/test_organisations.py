from __future__ import annotations

from engage.accounts import service
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
