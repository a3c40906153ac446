"""Rows of the route x role matrix (tests/accounts/test_permissions.py) for this area:
(endpoint, method, url, form data or None, {role: status}).

Responses are seen by the survey's authors (analyst, commissioner); import and export,
which hold every respondent's answers and monitoring data, only by its analyst."""

from __future__ import annotations

from tests.roles import AD, AN, C, only, signed_in

S = "/en/surveys/test-survey/responses"
NO_JOB = "0" * 32

MATRIX: list = [
    ("response_data.overview", "GET", S, None, only({AN: 200, C: 200, AD: 200})),
    (
        "response_data.overview",
        "GET",
        "/en/surveys/no-such-survey/responses",
        None,
        signed_in(404),
    ),
    ("response_data.import_form", "GET", f"{S}/import", None, only({AN: 200, AD: 200})),
    ("response_data.import_form", "POST", f"{S}/import", {}, only({AN: 400, AD: 400})),
    ("response_data.import_status", "GET", f"{S}/import/{NO_JOB}", None, only({AN: 404, AD: 404})),
    (
        "response_data.import_status_json",
        "GET",
        f"{S}/import/{NO_JOB}.json",
        None,
        only({AN: 404, AD: 404}),
    ),
    ("response_data.export_csv", "GET", f"{S}/export.csv", None, only({AN: 200, AD: 200})),
    ("response_data.export_xlsx", "GET", f"{S}/export.xlsx", None, only({AN: 200, AD: 200})),
    (
        "response_data.export_csv",
        "GET",
        "/en/surveys/draft-survey/responses/export.csv",
        None,
        only({AN: 200, AD: 200}),
    ),
]
