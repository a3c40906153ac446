"""Rows of the route x role matrix (tests/accounts/test_permissions.py) for this area:
(endpoint, method, url, form data or None, {role: status})."""

from __future__ import annotations

from tests.roles import AD, AN, C, everyone

MATRIX: list = [
    ("consultations.index", "GET", "/en/consultations", None, everyone(200)),
    ("consultations.detail", "GET", "/en/consultations/test-consultation", None, everyone(200)),
    ("consultations.detail", "GET", "/en/consultations/no-such", None, everyone(404)),
    (
        "consultations.detail",
        "GET",
        "/en/consultations/draft-consultation",
        None,
        {**everyone(404), AN: 200, C: 200, AD: 200},
    ),
]
