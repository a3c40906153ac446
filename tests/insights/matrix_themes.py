"""Rows of the route x role matrix (tests/accounts/test_permissions.py) for themes: a
published survey's themes are public (through disclosure control), on the page and in
the API; a draft's only for its authors and admins (the API knows callers by bearer
token only, so a signed-in browser gets the public answer there)."""

from __future__ import annotations

from tests.roles import AD, AN, C, everyone

MATRIX: list = [
    ("themes.themes_page", "GET", "/en/surveys/test-survey/themes", None, everyone(200)),
    (
        "themes.themes_page",
        "GET",
        "/en/surveys/draft-survey/themes",
        None,
        {**everyone(404), AN: 200, C: 200, AD: 200},
    ),
    ("themes.themes_page", "GET", "/en/surveys/no-such-survey/themes", None, everyone(404)),
    (
        "themes.themes_page",
        "GET",
        "/en/surveys/test-survey/themes?by=nonsense",
        None,
        everyone(400),
    ),
    (
        "api.survey_themes",
        "GET",
        "/api/v1/surveys/test-survey/themes?by=ethnic_group",
        None,
        everyone(200),
    ),
    (
        "api.survey_themes",
        "GET",
        "/api/v1/surveys/draft-survey/themes?by=ethnic_group",
        None,
        everyone(404),
    ),
    ("api.survey_themes", "GET", "/api/v1/surveys/test-survey/themes", None, everyone(400)),
]
