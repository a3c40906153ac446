"""The authors' pages (consultations, the builder, translations, preview, XLSForm upload,
responses import and export) in English and Urdu: every one loads, is axe-clean, and the
builder can be driven by a person with a browser."""

from __future__ import annotations

import pytest

from tests.browser.test_journeys import sign_in, sign_out

LOCALES = ["en", "ur"]
PAGES = [
    "/manage/consultations",
    "/consultations/new",
    "/consultations/draft-consultation/edit",
    "/consultations/draft-consultation/import-survey",
    "/surveys/test-survey/build",
    "/surveys/test-survey/build/settings",
    "/surveys/test-survey/build/questions/new?type=single_choice",
    "/surveys/test-survey/build/questions/new?type=scale",
    "/surveys/test-survey/build/translations/ur",
    "/surveys/test-survey/build/preview?lang=ur",
    "/surveys/test-survey/build/preview?lang=en",
    "/surveys/test-survey/responses",
    "/surveys/test-survey/responses/import",
    "/surveys/test-survey/enter",
]


@pytest.mark.parametrize("locale", LOCALES)
def test_authoring_pages_are_accessible(page, live_server, check_a11y, locale):
    sign_in(page, live_server.cast.emails["analyst"], locale=locale)
    for path in PAGES:
        response = page.goto(f"/{locale}{path}")
        assert response.status == 200, path
        html = page.locator("html")
        assert html.get_attribute("lang") == locale
        assert html.get_attribute("dir") == ("rtl" if locale == "ur" else "ltr")
        assert page.locator("h1").count() == 1, path
        check_a11y(page, f"/{locale}{path}")
    assert page.console_errors == [], page.console_errors
    sign_out(page)


def test_an_analyst_adds_a_question_with_a_condition_and_previews_it(page, live_server, check_a11y):
    sign_in(page, live_server.cast.emails["analyst"])
    page.goto("/en/surveys/draft-survey/build/questions/new?type=single_choice")
    page.fill("#key", "transport")
    page.fill("#label", "How did you travel?")
    page.fill("#options", "bus: By bus\ncar: By car")
    page.locator("main button[type=submit]").first.click()
    page.wait_for_load_state()
    assert "How did you travel?" in page.locator("main").inner_text()

    page.goto("/en/surveys/draft-survey/build/questions/new?type=long_text")
    page.fill("#key", "bus_story")
    page.fill("#label", "Tell us about the bus")
    page.select_option("#condition_question", "transport")
    page.select_option("#condition_op", "eq")
    page.fill("#condition_value", "bus")
    page.locator("main button[type=submit]").first.click()
    page.wait_for_load_state()
    main = page.locator("main").inner_text()
    assert "Tell us about the bus" in main
    check_a11y(page, "builder with a condition")

    page.goto("/en/surveys/draft-survey/build/preview?lang=ur")
    preview = page.locator("main").inner_text()
    assert "How did you travel?" in preview  # no Urdu yet: the English, marked
    assert page.locator(".engage-fallback").count() >= 1
    check_a11y(page, "preview in Urdu with fallbacks")
    sign_out(page)
