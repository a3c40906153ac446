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


@pytest.mark.parametrize("role", ["anonymous", "host", "admin"])
@pytest.mark.parametrize("payload", list(PAYLOADS))
def test_bad_input_never_500s(app, world, role, payload):
    client = app.test_client()
    if role != "anonymous":
        login(client, world.emails[role])
    for url in POST_URLS:
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
