"""The codebook editor in a browser: an analyst changes a theme's keywords and sees them
listed, gets a clear message for a bad change, and deletes a theme without JavaScript;
every page axe-clean in English and Urdu."""

from __future__ import annotations

import pytest

from tests.browser.test_journeys import sign_in

CHILD = "staff_manner_personal_attributes"
LOCALES = ["en", "ur"]


def codebook(app, locale: str = "en") -> str:
    return f"/{locale}/surveys/{app.cast.survey}/codebook"


def test_an_analyst_edits_a_themes_keywords_and_sees_them_listed(page, live_server, check_a11y):
    sign_in(page, live_server.cast.emails["analyst"])
    page.goto(f"/en/surveys/{live_server.cast.survey}/text")
    page.get_by_role("link", name="Change the themes and their keywords (the codebook)").click()
    page.wait_for_load_state()
    assert page.locator("#codebook-source").inner_text() == "The site's default codebook"
    check_a11y(page, "codebook")

    row = page.locator(f"#theme-{CHILD}")
    row.get_by_role("link", name="Change Staff manner & personal attributes").click()
    page.wait_for_load_state()
    check_a11y(page, "change a theme")
    page.get_by_label("Keywords (optional)").fill("rude receptionist\nkind nurse; smiled")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the theme").click()

    assert page.url.endswith(f"{codebook(live_server)}#theme-{CHILD}")
    main = page.locator("main")
    assert "“Staff manner & personal attributes” was saved." in main.inner_text()
    assert page.locator("#codebook-source").inner_text() == "This survey's own codebook"
    keywords = page.locator(f"#theme-{CHILD} .engage-keywords")
    assert keywords.inner_text() == "rude receptionist; kind nurse; smiled"
    check_a11y(page, "codebook after the change")
    assert page.console_errors == [], page.console_errors

    # a bad change: the error summary, and the field's message
    page.goto(f"{codebook(live_server)}/themes/{CHILD}")
    page.get_by_label("Name").fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="Save the theme").click()
    summary = page.locator(".nhsuk-error-summary")
    assert "Enter the theme's name" in summary.inner_text()
    check_a11y(page, "a theme with a problem")  # answered 400: the form again


@pytest.mark.parametrize("locale", LOCALES)
def test_the_codebook_pages_are_accessible(page, live_server, check_a11y, locale):
    sign_in(page, live_server.cast.emails["analyst"], locale=locale)
    base = codebook(live_server, locale)
    for path in ("", "/themes/new", "/upload", f"/themes/{CHILD}/delete", "/themes/staff/delete"):
        response = page.goto(base + path)
        assert response.status == 200, path
        assert page.locator("html").get_attribute("dir") == ("rtl" if locale == "ur" else "ltr")
        check_a11y(page, f"{path or 'codebook'} {locale}")
    assert page.console_errors == [], page.console_errors


def test_an_analyst_adds_and_deletes_a_theme_without_javascript(
    nojs_page, page, live_server, check_a11y
):
    sign_in(nojs_page, live_server.cast.emails["analyst"])
    base = codebook(live_server)
    nojs_page.goto(f"{base}/themes/new")
    nojs_page.fill("#code", "hospital_parking")
    nojs_page.fill("#name", "Hospital parking")
    nojs_page.select_option("#parent", "service_location_travel_transport")
    nojs_page.fill("#keywords", "car park\nparking fees")
    nojs_page.locator("main form button[type=submit]").click()
    nojs_page.wait_for_load_state()
    added = nojs_page.locator("#theme-hospital_parking")
    assert added.locator(".engage-keywords").inner_text() == "car park; parking fees"
    nojs_page.goto(f"{base}/themes/hospital_parking/delete")
    nojs_page.locator("main form button[type=submit]").click()
    nojs_page.wait_for_load_state()
    assert "“Hospital parking” was deleted." in nojs_page.locator("main").inner_text()
    assert nojs_page.locator("#theme-hospital_parking").count() == 0
    # the survey has a codebook of its own by now: resetting it asks first
    sign_in(page, live_server.cast.emails["analyst"])
    assert page.goto(f"{base}/reset").status == 200
    check_a11y(page, "reset")
    page.get_by_role("button", name="Reset the codebook").click()
    page.wait_for_load_state()
    assert page.locator("#codebook-source").inner_text() == "The site's default codebook"
