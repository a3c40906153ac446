"""Rows of the route x role matrix (tests/accounts/test_permissions.py) for the population
baselines: (endpoint, method, url, form data or None, {role: status})."""

from __future__ import annotations

from tests.roles import AD, only

_URL = "/en/admin/population"

MATRIX: list = [
    # site admins only; without a file the form is refused
    ("communities.population", "GET", _URL, None, only({AD: 200})),
    ("communities.population", "POST", _URL, {}, only({AD: 400})),
    (
        "communities.delete_baseline",
        "POST",
        f"{_URL}/999999/delete",
        {},
        only({AD: 404}),
    ),
]
