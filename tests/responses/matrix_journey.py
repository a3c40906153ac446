"""Rows of the route x role matrix (tests/accounts/test_permissions.py) for this area:
(endpoint, method, url, form data or None, {role: status}).

Without a draft in the session every journey page goes back to the start page."""

from __future__ import annotations

from tests.roles import AD, AN, OH, C, H, everyone, only

S = "/en/surveys/test-survey"
MATRIX: list = [
    ("survey.start", "GET", S, None, everyone(200)),
    ("survey.start", "POST", S, {}, everyone(400)),
    ("survey.start", "GET", "/en/surveys/draft-survey", None, everyone(404)),
    ("survey.page", "GET", f"{S}/page/1", None, everyone(302)),
    ("survey.page", "POST", f"{S}/page/1", {}, everyone(302)),
    ("survey.page", "GET", f"{S}/page/99999", None, everyone(404)),
    ("survey.about_you", "GET", f"{S}/about-you", None, everyone(302)),
    ("survey.about_you", "POST", f"{S}/about-you", {}, everyone(302)),
    ("survey.ethnic_group", "GET", f"{S}/about-you/ethnic-group", None, everyone(302)),
    ("survey.ethnic_group", "POST", f"{S}/about-you/ethnic-group", {}, everyone(302)),
    (
        "survey.ethnic_group_detail",
        "GET",
        f"{S}/about-you/ethnic-group/detail",
        None,
        everyone(302),
    ),
    (
        "survey.ethnic_group_detail",
        "POST",
        f"{S}/about-you/ethnic-group/detail",
        {},
        everyone(302),
    ),
    ("survey.about_you_more", "GET", f"{S}/about-you/more", None, everyone(302)),
    ("survey.about_you_more", "POST", f"{S}/about-you/more", {}, everyone(302)),
    ("survey.check", "GET", f"{S}/check", None, everyone(302)),
    ("survey.submit", "POST", f"{S}/submit", {}, everyone(302)),
    ("survey.done", "GET", f"{S}/done", None, everyone(302)),
    ("survey.save", "GET", f"{S}/save", None, everyone(302)),
    ("survey.save", "POST", f"{S}/save", {}, everyone(302)),
    ("survey.resume", "GET", f"{S}/resume/not-a-token", None, everyone(404)),
    ("survey.my_answers", "GET", f"{S}/my-answers.txt", None, everyone(404)),
    ("survey.withdraw", "GET", "/en/withdraw", None, everyone(200)),
    ("survey.withdraw", "POST", "/en/withdraw", {}, everyone(400)),
    (
        "survey.enter",
        "GET",
        f"{S}/enter",
        None,
        only({H: 200, OH: 200, AN: 200, C: 200, AD: 200}),
    ),
    (
        "survey.enter",
        "POST",
        f"{S}/enter",
        {},
        only({H: 400, OH: 400, AN: 400, C: 400, AD: 400}),
    ),
]
