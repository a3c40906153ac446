"""Rows of the route x role matrix (tests/accounts/test_permissions.py) for results:
a published survey's results are public (through disclosure control); a draft's only
for its authors and admins."""

from __future__ import annotations

from tests.roles import AD, AN, C, everyone

MATRIX: list = [
    ("insights.results_page", "GET", "/en/surveys/test-survey/results", None, everyone(200)),
    (
        "insights.results_page",
        "GET",
        "/en/surveys/draft-survey/results",
        None,
        {**everyone(404), AN: 200, C: 200, AD: 200},
    ),
    ("insights.results_page", "GET", "/en/surveys/no-such-survey/results", None, everyone(404)),
    (
        "insights.results_page",
        "GET",
        "/en/surveys/test-survey/results?by=nonsense",
        None,
        everyone(400),
    ),
]
