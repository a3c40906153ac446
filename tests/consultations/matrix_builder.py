"""Rows of the route x role matrix (tests/accounts/test_permissions.py) for this area:
(endpoint, method, url, form data or None, {role: status}).

Authoring is for the analysts and commissioners of the owning organisation (test-icb)
and for admins. Question and section ids differ between databases, so rows that name
one use an id that does not exist: the survey is still checked first (403), then the
question is not found (404). tests/consultations/test_builder.py covers the real ones.
"""

from __future__ import annotations

from tests.roles import AD, AN, C, only

AUTHORS_200 = only({AN: 200, C: 200, AD: 200})
BUILD = "/en/surveys/test-survey/build"
DRAFT_BUILD = "/en/surveys/draft-survey/build"
NO_SUCH = "999999999"


def authors(status):
    return only({AN: status, C: status, AD: status})


MATRIX: list = [
    ("builder.consultations", "GET", "/en/manage/consultations", None, AUTHORS_200),
    ("builder.new_consultation", "GET", "/en/consultations/new", None, AUTHORS_200),
    ("builder.new_consultation", "POST", "/en/consultations/new", {}, authors(400)),
    (
        "builder.edit_consultation",
        "GET",
        "/en/consultations/test-consultation/edit",
        None,
        AUTHORS_200,
    ),
    (
        "builder.edit_consultation",
        "GET",
        "/en/consultations/no-such-consultation/edit",
        None,
        only({AN: 404, C: 404, AD: 404}, denied=404),
    ),
    (
        "builder.edit_consultation",
        "POST",
        "/en/consultations/draft-consultation/edit",
        {},
        authors(400),
    ),
    (
        "builder.set_status",
        "POST",
        "/en/consultations/draft-consultation/status",
        {},
        authors(400),
    ),
    (
        "builder.new_survey",
        "POST",
        "/en/consultations/draft-consultation/surveys/new",
        {"title": "Another survey"},
        authors(302),
    ),
    ("builder.survey", "GET", BUILD, None, AUTHORS_200),
    ("builder.survey", "GET", DRAFT_BUILD, None, AUTHORS_200),
    (
        "builder.new_question",
        "GET",
        f"{BUILD}/questions/new?type=single_choice",
        None,
        AUTHORS_200,
    ),
    ("builder.new_question", "GET", f"{BUILD}/questions/new?type=fft", None, AUTHORS_200),
    ("builder.new_question", "GET", f"{BUILD}/questions/new?type=nonsense", None, authors(302)),
    (
        "builder.new_question",
        "POST",
        f"{DRAFT_BUILD}/questions/new?type=short_text",
        {},
        authors(400),
    ),
    ("builder.edit_question", "GET", f"{BUILD}/questions/{NO_SUCH}", None, authors(404)),
    ("builder.edit_question", "POST", f"{BUILD}/questions/{NO_SUCH}", {}, authors(404)),
    ("builder.move_question", "POST", f"{BUILD}/questions/{NO_SUCH}/move", {}, authors(404)),
    ("builder.delete_question", "POST", f"{BUILD}/questions/{NO_SUCH}/delete", {}, authors(404)),
    ("builder.new_section", "POST", f"{DRAFT_BUILD}/sections/new", {}, authors(302)),
    ("builder.edit_section", "POST", f"{DRAFT_BUILD}/sections/{NO_SUCH}", {}, authors(404)),
    ("builder.settings", "GET", f"{BUILD}/settings", None, AUTHORS_200),
    ("builder.settings", "POST", f"{DRAFT_BUILD}/settings", {}, authors(400)),
    ("builder.translations", "GET", f"{BUILD}/translations/ur", None, AUTHORS_200),
    ("builder.translations", "GET", f"{BUILD}/translations/en", None, authors(404)),
    ("builder.translations", "POST", f"{DRAFT_BUILD}/translations/ur", {}, authors(302)),
    ("builder.export_po", "GET", f"{BUILD}/translations/ur.po", None, AUTHORS_200),
    ("builder.export_xlsx", "GET", f"{BUILD}/translations/ur.xlsx", None, AUTHORS_200),
    (
        "builder.import_translations",
        "POST",
        f"{DRAFT_BUILD}/translations/ur/import",
        {},
        authors(400),
    ),
    ("builder.preview", "GET", f"{BUILD}/preview?lang=ur", None, AUTHORS_200),
    ("builder.preview", "GET", f"{DRAFT_BUILD}/preview", None, AUTHORS_200),
]
