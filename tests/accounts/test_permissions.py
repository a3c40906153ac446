"""Every route, every role: the status each must get. A new route fails
``test_every_route_is_in_the_matrix`` until it is added here."""

from __future__ import annotations

import pytest

from engage.accounts.models import OrgKind, Role
from engage.accounts.permissions import can, invitable_roles
from tests.api import matrix_api
from tests.communities import matrix_population
from tests.conftest import csrf_token, login, post_form
from tests.consultations import matrix_builder, matrix_public, matrix_xlsform
from tests.factories import ROLES
from tests.insights import (
    matrix_codebook,
    matrix_coding,
    matrix_reports,
    matrix_results,
    matrix_themes,
)
from tests.responses import matrix_data, matrix_journey
from tests.roles import AD, AN, OH, A, C, H, M, everyone, only, signed_in  # noqa: F401

# (endpoint, method, url, form data or None, {role: status})
MATRIX = [
    ("web.root", "GET", "/", None, everyone(302)),
    ("web.healthz", "GET", "/healthz", None, everyone(200)),
    ("web.theme_css", "GET", "/theme.css", None, everyone(200)),
    ("web.favicon", "GET", "/favicon.ico", None, everyone(301)),
    ("static", "GET", "/static/css/engage.css", None, everyone(200)),
    ("web.home", "GET", "/en/", None, everyone(200)),
    ("accounts.login", "GET", "/en/login", None, {**everyone(302), A: 200}),
    ("accounts.login", "POST", "/en/login", {}, {**everyone(302), A: 200}),
    ("accounts.logout", "POST", "/en/logout", {}, everyone(302)),
    ("accounts.forgot_password", "GET", "/en/password/forgot", None, everyone(200)),
    ("accounts.forgot_password", "POST", "/en/password/forgot", {}, everyone(200)),
    ("accounts.reset_password", "GET", "/en/password/reset/not-a-token", None, everyone(404)),
    ("accounts.reset_password", "POST", "/en/password/reset/not-a-token", {}, everyone(404)),
    ("accounts.accept_invitation", "GET", "/en/invitations/not-a-token", None, everyone(404)),
    ("accounts.accept_invitation", "POST", "/en/invitations/not-a-token", {}, everyone(404)),
    ("accounts.account", "GET", "/en/account", None, signed_in(200)),
    ("accounts.change_password", "POST", "/en/account/password", {}, signed_in(400)),
    ("accounts.create_token", "POST", "/en/account/tokens", {}, signed_in(200)),
    ("accounts.revoke_token", "POST", "/en/account/tokens/999999/revoke", {}, signed_in(404)),
    ("accounts.organisations", "GET", "/en/organisations", None, signed_in(200)),
    ("accounts.new_organisation", "GET", "/en/organisations/new", None, only({AD: 200})),
    ("accounts.new_organisation", "POST", "/en/organisations/new", {}, only({AD: 400})),
    (
        "accounts.organisation",
        "GET",
        "/en/organisations/forum-a",
        None,
        only({M: 200, H: 200, AD: 200}),
    ),
    (
        "accounts.organisation",
        "GET",
        "/en/organisations/test-icb",
        None,
        only({AN: 200, C: 200, AD: 200}),
    ),
    ("accounts.organisation", "GET", "/en/organisations/no-such-org", None, signed_in(404)),
    ("accounts.invite", "GET", "/en/organisations/forum-a/invite", None, only({H: 200, AD: 200})),
    ("accounts.invite", "GET", "/en/organisations/forum-b/invite", None, only({OH: 200, AD: 200})),
    ("accounts.invite", "GET", "/en/organisations/test-icb/invite", None, only({AD: 200})),
    ("accounts.invite", "POST", "/en/organisations/forum-a/invite", {}, only({H: 400, AD: 400})),
    (
        "accounts.withdraw_invitation",
        "POST",
        "/en/organisations/forum-a/invitations/999999/withdraw",
        {},
        only({H: 404, AD: 404}),
    ),
    (
        "accounts.revoke_token",
        "POST",
        "/en/account/tokens/99999999999999/revoke",
        {},
        everyone(404),  # past the largest id the URL matches nothing, on every database
    ),
    ("accounts.admin_users", "GET", "/en/admin/users", None, only({AD: 200})),
    (
        "accounts.set_user_active",
        "POST",
        "/en/admin/users/999999/deactivate",
        {},
        only({AD: 404}),
    ),
    ("discussions.forums", "GET", "/en/forums", None, everyone(200)),
    ("discussions.forum", "GET", "/en/forums/forum-a", None, everyone(200)),
    ("discussions.forum", "GET", "/en/forums/test-icb", None, everyone(404)),
    ("discussions.edit_forum", "GET", "/en/forums/forum-a/edit", None, only({H: 200, AD: 200})),
    (
        "discussions.edit_forum",
        "POST",
        "/en/forums/forum-a/edit",
        {"description": "We meet on Fridays."},
        only({H: 302, AD: 302}),
    ),
    ("discussions.edit_forum", "GET", "/en/forums/forum-b/edit", None, only({OH: 200, AD: 200})),
]

# each area keeps its own rows beside its tests
for _area in (matrix_public, matrix_builder, matrix_xlsform, matrix_journey, matrix_data):
    MATRIX.extend(_area.MATRIX)
MATRIX.extend(matrix_population.MATRIX)
MATRIX.extend(matrix_results.MATRIX)
MATRIX.extend(matrix_reports.MATRIX)
MATRIX.extend(matrix_coding.MATRIX)
MATRIX.extend(matrix_api.MATRIX)
MATRIX.extend(matrix_themes.MATRIX)
MATRIX.extend(matrix_codebook.MATRIX)


def test_every_route_is_in_the_matrix(app):
    covered = {(endpoint, method) for endpoint, method, *_ in MATRIX}
    for rule in app.url_map.iter_rules():
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            assert (rule.endpoint, method) in covered, f"{method} {rule.rule} is not in MATRIX"


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(app, world, role):
    client = app.test_client()
    if role != A:
        login(client, world.emails[role])
    failures = []
    for endpoint, method, url, data, expected in MATRIX:
        if method == "GET":
            response = client.get(url)
        else:
            form = dict(data or {})
            form["csrf_token"] = csrf_token(client)
            response = client.post(url, data=form)
        response.close()
        status = response.status_code
        if endpoint == "accounts.logout" and role != A:
            login(client, world.emails[role])
        if status != expected[role]:
            failures.append(f"{method} {url}: {status}, expected {expected[role]}")
    assert not failures, f"as {role}:\n" + "\n".join(failures)


def test_a_post_without_csrf_token_is_refused_in_the_page_language(client, world):
    login(client, world.emails["host"])
    response = client.post("/en/forums/forum-a/edit", data={"description": "x"})
    assert response.status_code == 400
    assert "the form timed out" in response.get_data(as_text=True)


def test_a_host_cannot_invite_to_another_forum_or_give_staff_roles(client, world):
    login(client, world.emails["host"])
    response = post_form(
        client,
        "/en/organisations/forum-a/invite",
        {"email": "new@example.org", "role": Role.analyst.value},
    )
    assert response.status_code == 400
    assert "Select one of the options shown" in response.get_data(as_text=True)
    response = client.post(
        "/en/organisations/forum-b/invite",
        data={"email": "new@example.org", "role": "member", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 403


def test_can_answers_by_role_and_by_object(ctx):
    from tests.factories import make_org, make_user

    forum = make_org(OrgKind.forum)
    other = make_org(OrgKind.forum)
    icb = make_org(OrgKind.commissioner)
    host = make_user(organisation=forum, role=Role.host)
    assert can(host, "edit_forum", forum)
    assert not can(host, "edit_forum", other)
    assert not can(host, "edit_forum", icb)
    assert invitable_roles(host, forum) == {Role.member, Role.host}
    assert invitable_roles(host, other) == frozenset()
    inactive = make_user(organisation=forum, role=Role.host)
    inactive.active = False
    assert not can(inactive, "edit_forum", forum)
    assert not can(None, "view_account")
