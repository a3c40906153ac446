"""An analyst writes an insight report without JavaScript, publishes it, and finds it in
the evidence library; the report, its form and the library are axe-clean in English and
Urdu, and the report prints without the site around it."""

from __future__ import annotations

import csv

import pytest

from engage.consultations.service import get_consultation, get_survey
from engage.extensions import db
from engage.responses import transfer
from tests.browser.test_journeys import sign_in, sign_out

LOCALES = ["en", "ur"]
INTERPRETERS = "interpreters_language_support"
#: (ethnic group, theme codes, people): 20 Pakistani and 10 White British people raised
#: interpreters, 20 White British people raised staff manner
PEOPLE = [
    ("asian_pakistani", INTERPRETERS, 20),
    ("white_british", INTERPRETERS, 10),
    ("white_british", "staff_manner_personal_attributes", 20),
]


@pytest.fixture(scope="module")
def coded(live_server, tmp_path_factory):
    path = tmp_path_factory.mktemp("reports") / "coded.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["experience", "summary", "summary__themes", "ethnic_group"])
        for group, themes, n in PEOPLE:
            writer.writerows([["good", "A comment.", themes, group]] * n)
    with live_server.app_context():
        get_consultation(live_server.cast.consultation).area_code = "E08000001"
        transfer.import_responses(get_survey(live_server.cast.survey), path)
        db.session.commit()
    return live_server


def test_an_analyst_writes_and_publishes_a_report_found_in_the_library(
    nojs_page, page, coded, check_a11y
):
    cast = coded.cast
    # written and published without JavaScript
    sign_in(nojs_page, cast.emails["analyst"])
    nojs_page.goto(f"/en/consultations/{cast.consultation}/reports")
    nojs_page.get_by_role("link", name="Write a report").click()
    nojs_page.fill("#title", "Interpreters at the GP")
    nojs_page.fill("#summary", "People who need an interpreter often do not get one.")
    nojs_page.select_option("#key_themes-0-theme", INTERPRETERS)
    nojs_page.fill("#key_themes-0-you_said", "Nobody could speak to me in Urdu.")
    nojs_page.fill("#findings", "Pakistani respondents raised it most.")
    nojs_page.check("input[name=communities][value=asian_pakistani]")
    nojs_page.get_by_role("button", name="Save the draft").click()
    nojs_page.wait_for_load_state()
    assert nojs_page.url.endswith("/en/reports/interpreters-at-the-gp")
    main = nojs_page.locator("main").inner_text()
    assert "Raised by 30 of the 50 people who wrote a comment" in main
    nojs_page.get_by_role("button", name="Publish the report").click()
    nojs_page.wait_for_load_state()
    assert "The report is published" in nojs_page.locator("main").inner_text()

    # the public find it in the library, and it reads well in both languages
    nojs_page.goto("/en/evidence")
    nojs_page.fill("#q", "URDU")
    nojs_page.select_option("#community", "asian_pakistani")
    nojs_page.get_by_role("button", name="Search", exact=True).click()
    nojs_page.wait_for_load_state()
    assert "q=URDU" in nojs_page.url
    nojs_page.get_by_role("link", name="Interpreters at the GP").click()
    assert nojs_page.url.endswith("/en/reports/interpreters-at-the-gp")
    sign_out(nojs_page)
    for locale in LOCALES:
        response = page.goto(f"/{locale}/reports/interpreters-at-the-gp")
        assert response.status == 200
        assert page.locator("html").get_attribute("dir") == ("rtl" if locale == "ur" else "ltr")
        check_a11y(page, f"published report {locale}")
        page.goto(f"/{locale}/evidence?theme={INTERPRETERS}")
        assert page.get_by_role("link", name="Interpreters at the GP").count() == 1
        check_a11y(page, f"evidence library {locale}")
    assert page.console_errors == [], page.console_errors
    for locale in LOCALES:  # a 400, with the problem named
        page.goto(f"/{locale}/evidence?from=not-a-date")
        assert page.locator(".nhsuk-error-summary").count() == 1
        check_a11y(page, f"evidence library with a bad filter {locale}")


@pytest.mark.parametrize("locale", LOCALES)
def test_the_report_form_is_accessible_and_says_what_is_wrong(page, coded, check_a11y, locale):
    sign_in(page, coded.cast.emails["analyst"], locale=locale)
    page.goto(f"/{locale}/consultations/{coded.cast.consultation}/reports/new")
    check_a11y(page, f"new report form {locale}")
    page.select_option("#key_themes-0-theme", INTERPRETERS)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".nhsuk-error-summary li").count() == 3  # title, summary, you said
    check_a11y(page, f"new report form with errors {locale}")
    sign_out(page)


def test_a_report_prints_without_the_site_around_it(page, coded):
    sign_in(page, coded.cast.emails["analyst"])
    page.goto(f"/en/consultations/{coded.cast.consultation}/reports/new")
    page.fill("#title", "Print me")
    page.fill("#summary", "A summary.")
    page.select_option("#key_themes-0-theme", INTERPRETERS)
    page.fill("#key_themes-0-you_said", "No interpreter.")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.emulate_media(media="print")
    assert not page.locator("header.engage-header").is_visible()
    assert not page.locator(".engage-languages").is_visible()
    assert not page.get_by_role("button", name="Publish the report").is_visible()
    assert page.locator("table").first.is_visible()
    after = page.locator("main a[href^='/en/consultations/']").first.evaluate(
        "a => getComputedStyle(a, '::after').content"
    )
    assert f"/en/consultations/{coded.cast.consultation}" in after
    page.emulate_media(media="screen")
    assert page.locator("header.engage-header").is_visible()
    sign_out(page)
