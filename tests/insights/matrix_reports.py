"""Rows of the route x role matrix (tests/accounts/test_permissions.py) for insight
reports and the evidence library. The world has no report: the rows for a draft and a
published report, by role, are in tests/insights/test_reports.py (REPORT_MATRIX)."""

from __future__ import annotations

from tests.roles import AD, AN, C, everyone, only, signed_in

AUTHORS = {AN: 200, C: 200, AD: 200}

MATRIX: list = [
    (
        "reports.new",
        "GET",
        "/en/consultations/test-consultation/reports/new",
        None,
        only(AUTHORS),
    ),
    (
        "reports.new",
        "POST",
        "/en/consultations/test-consultation/reports/new",
        {},
        only({AN: 400, C: 400, AD: 400}),
    ),
    ("reports.new", "GET", "/en/consultations/no-such/reports/new", None, signed_in(404)),
    ("reports.edit", "GET", "/en/reports/no-such-report/edit", None, signed_in(404)),
    ("reports.edit", "POST", "/en/reports/no-such-report/edit", {}, signed_in(404)),
    ("reports.publish", "POST", "/en/reports/no-such-report/publish", {}, signed_in(404)),
    ("reports.report", "GET", "/en/reports/no-such-report", None, everyone(404)),
    (
        "reports.table_csv",
        "GET",
        "/en/reports/no-such-report/key-themes.csv",
        None,
        everyone(404),
    ),
    (
        "reports.consultation_reports",
        "GET",
        "/en/consultations/test-consultation/reports",
        None,
        everyone(200),
    ),
    (
        "reports.consultation_reports",
        "GET",
        "/en/consultations/draft-consultation/reports",
        None,
        {**everyone(404), **AUTHORS},
    ),
    ("reports.library", "GET", "/en/evidence", None, everyone(200)),
    ("reports.library", "GET", "/en/evidence?from=not-a-date", None, everyone(400)),
]
