"""Rows of the route x role matrix (tests/accounts/test_permissions.py) for the codebook
editor: a survey's codebook is for the survey's analysts (and admins), an organisation's
for its own analysts (and admins). None of these rows changes anything: the forms sent
are empty or refused, and the test survey has no codebook of its own to reset."""

from __future__ import annotations

from tests.roles import AD, AN, only, signed_in

S = "/en/surveys/test-survey/codebook"
ORG = "/en/organisations/test-icb/codebook"
#: a forum: no analysts, so only admins
F = "/en/organisations/forum-a/codebook"
#: a theme of the default codebook, and a category with themes under it
CHILD = "staff_manner_personal_attributes"
PARENT = "staff"


def analysts(status):
    return only({AN: status, AD: status})


def admins(status):
    return only({AD: status})


def rows(prefix: str, name: str, allowed) -> list:
    return [
        (f"codebook.{name}page", "GET", prefix, None, allowed(200)),
        (f"codebook.{name}download", "GET", f"{prefix}.csv", None, allowed(200)),
        (f"codebook.{name}new_theme", "GET", f"{prefix}/themes/new", None, allowed(200)),
        # no name: the form again with the message
        (f"codebook.{name}new_theme", "POST", f"{prefix}/themes/new", {}, allowed(400)),
        (f"codebook.{name}edit_theme", "GET", f"{prefix}/themes/{CHILD}", None, allowed(200)),
        (f"codebook.{name}edit_theme", "GET", f"{prefix}/themes/no-such", None, allowed(404)),
        (f"codebook.{name}edit_theme", "POST", f"{prefix}/themes/{CHILD}", {}, allowed(400)),
        (
            f"codebook.{name}delete_theme",
            "GET",
            f"{prefix}/themes/{CHILD}/delete",
            None,
            allowed(200),
        ),
        # themes are under it: refused, nothing deleted
        (
            f"codebook.{name}delete_theme",
            "POST",
            f"{prefix}/themes/{PARENT}/delete",
            {},
            allowed(400),
        ),
        (f"codebook.{name}upload", "GET", f"{prefix}/upload", None, allowed(200)),
        (f"codebook.{name}upload", "POST", f"{prefix}/upload", {}, allowed(400)),
        # no codebook of its own: nothing to confirm, back to the codebook
        (f"codebook.{name}reset", "GET", f"{prefix}/reset", None, allowed(302)),
        (f"codebook.{name}reset", "POST", f"{prefix}/reset", {}, allowed(303)),
    ]


MATRIX: list = [
    *rows(S, "", analysts),
    ("codebook.page", "GET", "/en/surveys/no-such-survey/codebook", None, signed_in(404)),
    ("codebook.page", "GET", "/en/surveys/draft-survey/codebook", None, analysts(200)),
    *rows(ORG, "org_", analysts),
    ("codebook.org_page", "GET", F, None, admins(200)),
    ("codebook.org_upload", "POST", f"{F}/upload", {}, admins(400)),
    ("codebook.org_page", "GET", "/en/organisations/no-such-org/codebook", None, signed_in(404)),
]
