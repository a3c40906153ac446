"""Every journey page, fed what people and scripts really send, with a draft in progress:
never a 500, and the page in the language asked for."""

from __future__ import annotations

import pytest

from tests.responses.journey import start, token_of
from tests.web.test_bad_input import PAYLOADS

JOURNEY_FIELDS = [
    "consent", "experience", "why_poor", "services", "visit_type", "respect", "recommend",
    "visits", "visit_date", "summary", "area", "ethnic_group_broad", "ethnic_group",
    "ethnic_group_other", "language", "religion", "age_band", "sex", "gender_identity",
    "sexual_orientation", "disability", "carer", "postcode_district", "email", "reference",
    "confirm", "save",
]  # fmt: skip
JOURNEY_PAYLOADS = {
    "empty": dict.fromkeys(JOURNEY_FIELDS, ""),
    "too long": dict.fromkeys(JOURNEY_FIELDS, "x" * 100_000),
    "lists": dict.fromkeys(JOURNEY_FIELDS, ["a", "b", "gp"]),
    "odd text": dict.fromkeys(JOURNEY_FIELDS, PAYLOADS["odd text"]["email"]),
    "numbers": dict.fromkeys(JOURNEY_FIELDS, "1e309"),
}
PAGES = [
    "page/1", "page/2", "page/3", "page/4", "about-you", "about-you/ethnic-group",
    "about-you/ethnic-group/detail", "about-you/more", "save", "submit",
]  # fmt: skip


@pytest.mark.parametrize("payload", list(JOURNEY_PAYLOADS))
def test_journey_pages_never_500(client, world, payload):
    start(client)
    token = token_of(client.get("/en/withdraw").get_data(as_text=True))
    for path in PAGES + ["../../withdraw"]:
        for locale in ("en", "ur"):
            url = f"/{locale}/surveys/test-survey/{path}"
            if path.startswith("../../"):
                url = f"/{locale}/withdraw"
            data = {**JOURNEY_PAYLOADS[payload], "csrf_token": token}
            response = client.post(url, data=data)
            body = response.get_data(as_text=True)
            assert response.status_code < 500, (url, response.status_code)
            assert "Traceback" not in body
            if response.status_code in (200, 400) and "<html" in body:
                assert f'lang="{locale}"' in body
            if payload == "odd text":
                assert "<script>'" not in body
