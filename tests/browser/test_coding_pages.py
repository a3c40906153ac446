"""The analyst's free-text journey in a browser: analyse with the button and watch the
progress, code two answers with the keyboard alone, translate an answer; every page
axe-clean in English and Urdu, and the analysis started without JavaScript too."""

from __future__ import annotations

import csv

import pytest
from sqlalchemy import select

from engage.consultations.service import get_survey
from engage.extensions import db
from engage.responses import transfer
from engage.responses.models import Answer
from tests.browser.test_journeys import sign_in

LOCALES = ["en", "ur"]
URDU = "ترجمان نہیں آیا اور مجھے ڈاکٹر کی بات سمجھ نہیں آئی۔"
ANSWERS = [
    "The interpreter never turned up so I could not understand the doctor.",
    "Reception staff were rude and unhelpful on the phone.",
    "Lovely nurse, very kind and caring, thank you.",
    "There was nowhere to park and I nearly missed my appointment.",
    URDU,
]


@pytest.fixture(scope="module")
def with_answers(live_server, tmp_path_factory):
    path = tmp_path_factory.mktemp("coding") / "answers.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["experience", "summary"])
        writer.writerows(["good", text] for text in ANSWERS)
    with live_server.app_context():
        transfer.import_responses(get_survey(live_server.cast.survey), path)
        db.session.commit()
    return live_server


def coded(app) -> dict[str, str | None]:
    with app.app_context():
        rows = db.session.execute(select(Answer.text, Answer.coded_themes))
        return {text: themes for text, themes in rows if text in ANSWERS}


def analyse(page, survey: str, locale: str) -> None:
    page.goto(f"/{locale}/surveys/{survey}/text")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    # the page follows the job and shows the result when it ends
    page.wait_for_selector("main a[href$='/coding']", timeout=90_000)


def tab_to(page, script: str, limit: int = 120) -> None:
    """Presses Tab until the focused element passes the test ``script`` (a JS function
    of the element)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"({script})(document.activeElement)"):
            return
    raise AssertionError(f"Tab never reached {script}")


IS_THEME = "el => el && el.name === 'themes'"
IS_ACCEPT = "el => el && el.tagName === 'BUTTON' && el.value === 'accept'"


def test_an_analyst_analyses_and_codes_two_answers_with_the_keyboard(
    page, with_answers, check_a11y
):
    app, survey = with_answers, with_answers.cast.survey
    sign_in(page, app.cast.emails["analyst"])
    page.goto(f"/en/surveys/{survey}/text")
    check_a11y(page, "free text hub")
    analyse(page, survey, "en")
    assert "5 answers analysed." in page.locator("main").inner_text()
    check_a11y(page, "analysis status")

    page.goto(f"/en/surveys/{survey}/coding")
    check_a11y(page, "coding screen")
    assert page.locator("#answer-text").inner_text() == ANSWERS[0]
    # first answer: untick the first suggested theme, keep the rest, accept
    tab_to(page, IS_THEME)
    first_theme = page.evaluate("document.activeElement.value")
    assert page.evaluate("document.activeElement.checked")
    page.keyboard.press("Space")
    assert not page.evaluate("document.activeElement.checked")
    tab_to(page, IS_ACCEPT)
    # wait for the form's own navigation, not the page already loaded
    with page.expect_navigation():
        page.keyboard.press("Enter")
    main = page.locator("main").inner_text()
    assert "Your coding was saved." in main and "1 of 5 answers coded." in main
    assert page.locator("#answer-text").inner_text() == ANSWERS[1]
    # second answer: tick the first theme offered if it is not, then accept
    tab_to(page, IS_THEME)
    second_theme = page.evaluate("document.activeElement.value")
    if not page.evaluate("document.activeElement.checked"):
        page.keyboard.press("Space")
    tab_to(page, IS_ACCEPT)
    # wait for the form's own navigation, not the page already loaded
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "2 of 5 answers coded." in page.locator("main").inner_text()

    found = coded(app)
    assert first_theme not in (found[ANSWERS[0]] or "").split(";")
    assert found[ANSWERS[0]] is not None
    assert second_theme in found[ANSWERS[1]].split(";")
    assert found[ANSWERS[2]] is None


def test_the_pages_are_accessible_in_urdu_and_a_translation_is_added(
    page, with_answers, check_a11y
):
    app, survey = with_answers, with_answers.cast.survey
    sign_in(page, app.cast.emails["analyst"], locale="ur")
    analyse(page, survey, "ur")
    assert page.locator("html").get_attribute("dir") == "rtl"
    check_a11y(page, "analysis status ur")
    for path in ("text", "coding", "coding?language=ur", "text/translations"):
        page.goto(f"/ur/surveys/{survey}/{path}")
        assert page.locator("html").get_attribute("dir") == "rtl"
        check_a11y(page, f"{path} ur")
    page.goto(f"/en/surveys/{survey}/text/translations")
    check_a11y(page, "translation queue")
    original = page.locator("blockquote[lang=ur]")
    assert original.inner_text() == URDU
    page.locator("textarea[name=translation]").fill(
        "The interpreter did not come and I did not understand the doctor."
    )
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    assert "The next analysis of the free text will use it." in page.locator("main").inner_text()
    check_a11y(page, "translation queue after saving")


def test_the_analysis_starts_and_finishes_without_javascript(nojs_page, with_answers):
    app, survey = with_answers, with_answers.cast.survey
    sign_in(nojs_page, app.cast.emails["analyst"])
    nojs_page.goto(f"/en/surveys/{survey}/text")
    nojs_page.locator("main form button[type=submit]").click()
    nojs_page.wait_for_load_state()
    for _ in range(240):
        if "answers analysed." in nojs_page.locator("main").inner_text() and (
            nojs_page.locator("main a[href$='/coding']").count()
        ):
            break
        nojs_page.wait_for_timeout(250)
        nojs_page.reload()
    assert "5 answers analysed." in nojs_page.locator("main").inner_text()
