"""Every form, fed what people and scripts really send: never a 500, never a traceback."""

from __future__ import annotations

import pytest

from tests.accounts.test_permissions import MATRIX
from tests.conftest import csrf_token, login

POST_URLS = sorted({url for _e, method, url, _d, _s in MATRIX if method == "POST"})
FIELDS = [
    "email",
    "password",
    "confirm",
    "name",
    "role",
    "description",
    "slug",
    "kind",
    "pw-current_password",
    "pw-password",
    "pw-confirm",
    "token-name",
]
PAYLOADS = {
    "empty": dict.fromkeys(FIELDS, ""),
    "too long": dict.fromkeys(FIELDS, "x" * 100_000),
    "wrong type": {**dict.fromkeys(FIELDS, ["a", "b"]), "role": "0", "kind": "-1"},
    "odd text": dict.fromkeys(FIELDS, "\u202e\u0000<script>'\"; DROP TABLE users;--اردو"),
}


def _live_token_urls(app) -> list[str]:
    """The reset and invitation forms behind links that really work."""
    from engage.accounts import service
    from engage.accounts.models import Role
    from engage.extensions import db

    with app.app_context():
        org = service.get_organisation("forum-a")
        _inv, invite = service.invite(
            actor=None, email="fresh@example.org", organisation=org, role=Role.member, days=1
        )
        user = service.get_user_by_email("member@example.org")
        reset = service.make_reset_token(user, app.config["SECRET_KEY"])
        db.session.commit()
    return [f"/en/invitations/{invite}", f"/en/password/reset/{reset}"]


@pytest.mark.parametrize("role", ["anonymous", "host", "admin"])
@pytest.mark.parametrize("payload", list(PAYLOADS))
def test_bad_input_never_500s(app, world, role, payload):
    client = app.test_client()
    if role != "anonymous":
        login(client, world.emails[role])
    for url in POST_URLS + _live_token_urls(app):
        if url.endswith("/logout"):
            continue
        for locale in ("en", "ur"):
            localised = url.replace("/en/", f"/{locale}/", 1)
            data = {**PAYLOADS[payload], "csrf_token": csrf_token(client)}
            response = client.post(localised, data=data)
            body = response.get_data(as_text=True)
            assert response.status_code < 500, (localised, response.status_code)
            assert "Traceback" not in body
            if response.status_code in (200, 400) and "<html" in body:
                assert f'lang="{locale}"' in body


@pytest.mark.parametrize(
    "path",
    [
        "/en/account/tokens/2147483648/revoke",
        "/en/admin/users/99999999999999999999/deactivate",
        "/en/organisations/forum-a/invitations/-1/withdraw",
        "/en/admin/users/1/explode",
    ],
)
def test_odd_ids_in_addresses_are_not_found(client, world, path):
    login(client, world.emails["admin"])
    response = client.post(path, data={"csrf_token": csrf_token(client)})
    assert response.status_code == 404
