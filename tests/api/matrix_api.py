"""Rows of the route x role matrix (tests/accounts/test_permissions.py) for the JSON API:
(endpoint, method, url, form data or None, {role: status}).

The API knows its callers by bearer token only: a signed-in browser session gets what the
public gets (tokens per role are tested in tests/api)."""

from __future__ import annotations

from tests.roles import everyone

MATRIX: list = [
    ("api.consultations", "GET", "/api/v1/consultations", None, everyone(200)),
    ("api.consultation", "GET", "/api/v1/consultations/test-consultation", None, everyone(200)),
    ("api.consultation", "GET", "/api/v1/consultations/draft-consultation", None, everyone(404)),
    (
        "api.survey_results",
        "GET",
        "/api/v1/surveys/test-survey/results?by=ethnic_group",
        None,
        everyone(200),
    ),
    (
        "api.survey_results",
        "GET",
        "/api/v1/surveys/draft-survey/results?by=ethnic_group",
        None,
        everyone(404),
    ),
    (
        "api.survey_representation",
        "GET",
        "/api/v1/surveys/test-survey/representation?area=E08000001",
        None,
        everyone(200),
    ),
    ("api.openapi_document", "GET", "/api/v1/openapi.json", None, everyone(200)),
]
