"""Rows of the route x role matrix (tests/accounts/test_permissions.py) for the free-text
pages: analysing and coding are for the survey's analysts (and admins); translating also
for forum hosts, who see only the answers that came through their forum."""

from __future__ import annotations

from tests.roles import AD, AN, OH, H, only, signed_in

T = "/en/surveys/test-survey/text"
NO_JOB = "0" * 32
TRANSLATORS = {H: 200, OH: 200, AN: 200, AD: 200}

MATRIX: list = [
    ("coding.hub", "GET", T, None, only({AN: 200, AD: 200})),
    ("coding.hub", "GET", "/en/surveys/no-such-survey/text", None, signed_in(404)),
    # the test survey has no answers: nothing to analyse, back to the hub
    ("coding.analyse", "POST", f"{T}/analyse", {}, only({AN: 303, AD: 303})),
    ("coding.analyse_status", "GET", f"{T}/analyse/{NO_JOB}", None, only({AN: 404, AD: 404})),
    (
        "coding.analyse_status_json",
        "GET",
        f"{T}/analyse/{NO_JOB}.json",
        None,
        only({AN: 404, AD: 404}),
    ),
    ("coding.coding_page", "GET", "/en/surveys/test-survey/coding", None, only({AN: 200, AD: 200})),
    (
        "coding.coding_page",
        "GET",
        "/en/surveys/draft-survey/coding?status=weird",
        None,
        only({AN: 400, AD: 400}),
    ),
    ("coding.save_coding", "POST", "/en/surveys/test-survey/coding", {}, only({AN: 400, AD: 400})),
    ("coding.translations", "GET", f"{T}/translations", None, only(TRANSLATORS)),
    (
        "coding.translations",
        "GET",
        "/en/surveys/draft-survey/text/translations",
        None,
        only(TRANSLATORS),
    ),
    (
        "coding.save_translation",
        "POST",
        f"{T}/translations",
        {},
        only({H: 400, OH: 400, AN: 400, AD: 400}),
    ),
]
