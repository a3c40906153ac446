"""Bad parameters get a 400 whose JSON names the parameter; unknown surveys a 404; bad
tokens a 401 asking for a bearer token. Never a 500, never an HTML page."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.accounts import service as accounts
from engage.accounts.models import ApiToken
from engage.extensions import db
from tests.api.conftest import bearer

RESULTS = "/api/v1/surveys/test-survey/results"
REPRESENTATION = "/api/v1/surveys/test-survey/representation"


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("", "by"),
        ("by=", "by"),
        ("by=postcode", "by"),
        ("by=Ethnic_Group", "by"),
        ("by=ethnic_group&cross=colour", "cross"),
        ("by=ethnic_group&cross=ethnic_group", "cross"),
        ("by=sex&from=2025-13-01", "from"),
        ("by=sex&from=31/03/2025", "from"),
        ("by=sex&to=yesterday", "to"),
        ("by=sex&from=2025-04-01&to=2025-03-31", "from"),
        ("by=sex&channel=fax", "channel"),
        ("by=sex&forum=no-such-forum", "forum"),
        ("by=sex&forum=test-icb", "forum"),  # an organisation, but not a forum
        ("by=sex&answer=visit_type", "answer"),
        ("by=sex&answer=:phone", "answer"),
        ("by=sex&answer=no_such_question:phone", "answer"),
        ("by=sex&answer=visit_type:bus", "answer"),
        ("by=sex&answer=summary:anything", "answer"),  # free text has no options
        ("by=sex&lang=xx", "lang"),
    ],
)
def test_a_bad_results_parameter_is_named(client, world, query, parameter):
    response = client.get(f"{RESULTS}?{query}")
    assert response.status_code == 400, response.get_data(as_text=True)
    assert response.is_json
    error = response.get_json()["error"]
    assert error["parameter"] == parameter
    assert isinstance(error["message"], str) and len(error["message"]) > 10


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("", "area"),  # the consultation has no area of its own
        ("area=NOWHERE", "area"),
        ("area=E08000001&from=2025-02-30", "from"),
        ("area=E08000001&channel=pigeon", "channel"),
    ],
)
def test_a_bad_representation_parameter_is_named(client, world, query, parameter):
    response = client.get(f"{REPRESENTATION}?{query}")
    assert response.status_code == 400
    assert response.get_json()["error"]["parameter"] == parameter


def test_the_message_is_in_the_language_asked_for_or_english(client, world):
    response = client.get(f"{RESULTS}?by=colour&lang=ur")
    assert response.status_code == 400
    assert "ethnic_group" in response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/surveys/no-such-survey/results?by=sex",
        "/api/v1/surveys/no-such-survey/representation?area=E08000001",
        "/api/v1/consultations/no-such-consultation",
        "/api/v1/consultations/draft-consultation",
    ],
)
def test_unknown_or_unpublished_things_are_a_json_404(client, world, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.is_json
    assert response.get_json()["error"]["message"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer eng_not-a-real-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "eng_no-scheme",
    ],
)
def test_a_bad_token_is_refused_with_a_bearer_challenge(client, world, header):
    response = client.get("/api/v1/consultations", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "no-store" in response.headers["Cache-Control"]
    assert response.get_json()["error"]["message"]


def test_a_revoked_token_stops_working(app, client, world, token_for):
    token = token_for("analyst")
    url = f"/api/v1/surveys/{world.draft_survey}/results?by=sex"
    assert client.get(url, headers=bearer(token)).status_code == 200
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.prefix == token[:10]))
        assert row.last_used_at is not None  # shown on the account page
        accounts.revoke_api_token(row)
        db.session.commit()
    assert client.get(url, headers=bearer(token)).status_code == 401


def test_no_cookie_is_set_by_the_api(client, world, token_for):
    for headers in ({}, bearer(token_for("analyst"))):
        response = client.get("/api/v1/consultations?lang=ur", headers=headers)
        assert response.status_code == 200
        assert "Set-Cookie" not in response.headers
