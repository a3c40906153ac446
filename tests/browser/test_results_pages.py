"""The results page, public and for an analyst, in English and Urdu: it loads with real
responses, is axe-clean, works without JavaScript, and its charts carry their names."""

from __future__ import annotations

import csv

import pytest

from engage.consultations.service import get_survey
from engage.extensions import db
from engage.insights.results import results_cache
from engage.responses import transfer
from tests.browser.test_journeys import sign_in, sign_out

LOCALES = ["en", "ur"]
GROUPS = ["asian_pakistani"] * 13 + ["white_british"] * 30 + ["black_african"] * 5 + [""] * 4


@pytest.fixture(scope="module")
def with_responses(live_server, tmp_path_factory):
    path = tmp_path_factory.mktemp("results") / "responses.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["experience", "respect", "recommend", "ethnic_group", "channel"])
        for i, group in enumerate(GROUPS):
            writer.writerow(
                [
                    ["very_good", "good", "poor"][i % 3],
                    ["agree", "disagree"][i % 2],
                    str(i % 11),
                    group,
                    "paper" if group == "" else "online",
                ]
            )
    with live_server.app_context():
        survey = get_survey(live_server.cast.survey)
        survey.consultation.area_code = "E08000001"
        transfer.import_responses(survey, path)
        db.session.commit()
        results_cache().clear()
    return live_server


@pytest.mark.parametrize("locale", LOCALES)
def test_public_results_are_accessible_and_hide_small_counts(
    page, with_responses, check_a11y, locale
):
    survey = with_responses.cast.survey
    response = page.goto(f"/{locale}/surveys/{survey}/results")
    assert response.status == 200
    html = page.locator("html")
    assert html.get_attribute("dir") == ("rtl" if locale == "ur" else "ltr")
    charts = page.locator("svg[role=img]")
    assert charts.count() >= 3
    title_id = charts.first.get_attribute("aria-labelledby").split()[0]
    assert page.locator(f"[id='{title_id}']").count() == 1
    check_a11y(page, f"public results {locale}")
    if locale == "en":
        main = page.locator("main").inner_text()
        assert "fewer than 8" in main  # five African respondents
        assert "Below 80%" in main  # the paper channel records no ethnic group


@pytest.mark.parametrize("locale", LOCALES)
def test_an_analyst_groups_and_crosses_without_javascript(
    nojs_page, page, with_responses, check_a11y, locale
):
    sign_in(nojs_page, with_responses.cast.emails["analyst"], locale=locale)
    nojs_page.goto(f"/{locale}/surveys/{with_responses.cast.survey}/results")
    nojs_page.select_option("#by", "ethnic_group_broad")
    nojs_page.select_option("#cross", "channel")
    nojs_page.locator("main form button[type=submit]").last.click()
    nojs_page.wait_for_load_state()
    assert "by=ethnic_group_broad" in nojs_page.url and "cross=channel" in nojs_page.url
    if locale == "en":
        assert "fewer than 8" not in nojs_page.locator("main").inner_text()
    # axe needs script: the same view, in a browser with it
    sign_in(page, with_responses.cast.emails["analyst"], locale=locale)
    page.goto(nojs_page.url)
    check_a11y(page, f"crossed results {locale}")
    sign_out(page)
