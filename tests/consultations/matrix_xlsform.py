"""Rows of the route x role matrix (tests/accounts/test_permissions.py) for this area:
(endpoint, method, url, form data or None, {role: status})."""

from __future__ import annotations

from tests.roles import AD, AN, C, only, signed_in

_URL = "/en/consultations/draft-consultation/import-survey"

MATRIX: list = [
    # the authors of the owning organisation (and admins); without a file the form is refused
    ("xlsform.import_survey", "GET", _URL, None, only({AN: 200, C: 200, AD: 200})),
    ("xlsform.import_survey", "POST", _URL, {}, only({AN: 400, C: 400, AD: 400})),
    (
        "xlsform.import_survey",
        "GET",
        "/en/consultations/no-such-consultation/import-survey",
        None,
        signed_in(404),
    ),
]
