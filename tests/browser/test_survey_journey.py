"""A respondent's journey through a survey in a real browser, in English and Urdu: from the
list of consultations to the reference on the confirmation page, with axe on every page;
without JavaScript; save and come back on another device; withdraw; a host entering a
paper form; and a cheap phone's screen.

The live server's world is shared by the tests of this module, so no test counts rows
another test may have added."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from flask_babel import force_locale

from engage.communities.categories import BROAD_ETHNIC_GROUPS, DIMENSION_BY_KEY, ETHNIC_GROUPS
from engage.consultations.service import get_consultation, get_survey
from engage.consultations.texts import text_in
from engage.i18n import _
from tests.browser.test_journeys import sign_in, sign_out

LOCALES = ["en", "ur"]
REFERENCE = re.compile(r"^[A-Z0-9]{5}-[A-Z0-9]{5}$")
WHY_POOR = "The wait was too long."
SUMMARY = "Slow but kind"
#: what Chromium logs when a form comes back with errors: the product answers it with 400
REJECTED = "Failed to load resource: the server responded with a status of 400 (BAD REQUEST)"


@dataclass
class Words:
    """What a person reading one language sees: the site's own strings (from the compiled
    catalogs) and the survey's texts (with the English fallback where there is no
    translation), so the tests click what is written on the screen."""

    app: object
    locale: str
    survey: dict = field(default_factory=dict)

    def __post_init__(self):
        with self.app.app_context(), force_locale(self.locale):
            survey = get_survey("test-survey")
            consultation = get_consultation("test-consultation")

            def t(texts):
                return text_in(texts, self.locale).text

            self.survey = {
                "title": t(survey.title),
                "consultation": t(consultation.title),
                "questions": {q.key: t(q.label) for q in survey.questions},
                "options": {
                    (q.key, o.code): t(o.label) for q in survey.questions for o in q.options
                },
            }
            self.broad = {c.code: str(c.label) for c in BROAD_ETHNIC_GROUPS}
            self.ethnic = {c.code: str(c.label) for c in ETHNIC_GROUPS}
            self.monitoring = {
                key: (str(d.question), {c.code: str(c.label) for c in d.categories})
                for key, d in DIMENSION_BY_KEY.items()
            }

    def __call__(self, message: str, **values) -> str:
        with self.app.app_context(), force_locale(self.locale):
            return _(message, **values)

    def question(self, key: str) -> str:
        return self.survey["questions"][key]

    def option(self, key: str, code: str) -> str:
        return self.survey["options"][(key, code)]


def assert_language(page, locale: str) -> None:
    html = page.locator("html")
    assert html.get_attribute("lang") == locale, page.url
    assert html.get_attribute("dir") == ("rtl" if locale == "ur" else "ltr"), page.url


def assert_no_console_errors(page, rejected: int = 0) -> None:
    """No script or resource errors, but the ``rejected`` forms sent back with errors."""
    assert page.console_errors == [REJECTED] * rejected, page.console_errors


def group(page, legend: str):
    """A fieldset, found by its legend as a screen reader announces it."""
    return page.get_by_role("group", name=legend)


def choose(page, legend: str, label: str) -> None:
    group(page, legend).get_by_label(label, exact=True).check()


def click_button(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).click()
    page.wait_for_load_state()


class Journey:
    """One respondent going through test-survey page by page; ``a11y`` (check_a11y or
    None) runs axe on each page, and every page's lang and dir are checked."""

    def __init__(self, page, words: Words, a11y=None, *, follow_links: bool = False):
        self.page = page
        self.w = words
        self.a11y = a11y
        self.follow_links = follow_links
        self.seen: list[str] = []
        self.rejected = 0  # forms sent with errors on purpose
        self.bad_titles: list[str] = []
        self.links_checked: set[str] = set()

    def arrived(self, label: str, url_part: str | None = None) -> None:
        page = self.page
        if url_part:
            assert url_part in page.url, (label, page.url)
        assert_language(page, self.w.locale)
        # every page of the journey has exactly one main heading
        assert page.locator("main h1").count() == 1, (label, page.url)
        # the tab's title, which a screen reader reads first, is text, not markup
        title = page.title()
        if "<" in title or ">" in title:
            self.bad_titles.append(f"{label}: {title}")
        if self.follow_links:
            self.links_work(label)
        if self.a11y:
            self.a11y(page, f"{label} ({self.w.locale})")
        self.seen.append(label)

    def links_work(self, label: str) -> None:
        """Every link of the page's content, its Back link and language switcher opens a
        page (fetched with this browser's cookies, so the journey's own pages too)."""
        page = self.page
        hrefs = page.eval_on_selector_all(
            "main a[href], .nhsuk-back-link a[href], .engage-languages a[href]",
            "links => links.map(a => a.href)",
        )
        origin = "/".join(page.url.split("/")[:3])
        for href in hrefs:
            href = href.split("#")[0]
            if not href.startswith(origin + "/") or href in self.links_checked:
                continue
            self.links_checked.add(href)
            status = page.request.get(href, max_redirects=5).status
            assert status == 200, f"{label}: the link {href} answers {status}"

    def open_from_the_consultations_list(self) -> None:
        page, w = self.page, self.w
        page.goto(f"/{w.locale}/consultations")
        self.arrived("consultations")
        page.get_by_role("link", name=w.survey["consultation"], exact=True).click()
        page.wait_for_load_state()
        self.arrived("consultation", "/consultations/test-consultation")
        page.get_by_role("link", name=w("Take part in the survey")).click()
        page.wait_for_load_state()
        self.arrived("start", "/surveys/test-survey")
        assert w.survey["title"] in page.locator("h1").inner_text()

    def start(self, *, try_without_consent: bool = True) -> None:
        page, w = self.page, self.w
        if try_without_consent:
            click_button(page, w("Start now"))
            self.rejected += 1
            summary = page.locator(".nhsuk-error-summary")
            assert summary.is_visible()
            assert w("Confirm that you agree to take part") in summary.inner_text()
            self.arrived("start with an error")
        page.get_by_label(w("I have read this and I agree to take part")).check()
        click_button(page, w("Start now"))

    def page_one(self, *, try_empty: bool = True) -> None:
        page, w = self.page, self.w
        self.arrived("page 1", "/page/1")
        legend = w.question("experience")
        # one question on the page: its legend is the page's heading
        assert page.locator("h1").inner_text().strip() == legend
        if try_empty:
            click_button(page, w("Continue"))
            self.rejected += 1
            summary = page.locator(".nhsuk-error-summary")
            assert summary.is_visible()
            assert w("There is a problem") in summary.inner_text()
            assert w("Select an answer to this question") in summary.inner_text()
            assert page.title().startswith(w("Error:"))
            self.arrived("page 1 with an error", "/page/1")
            # the summary's link takes you to the question (the script focuses its input)
            summary.get_by_role("link").first.click()
            assert page.evaluate("document.activeElement.name") == "experience"
        choose(page, legend, w.option("experience", "poor"))
        click_button(page, w("Continue"))

    def page_two(self) -> None:
        page, w = self.page, self.w
        self.arrived("page 2", "/page/2")
        # the skip logic: after a poor experience, this question appears
        why = page.get_by_label(w.question("why_poor"))
        assert why.is_visible()
        why.fill(WHY_POOR)
        services = w.question("services")
        for code in ("gp", "hospital"):
            group(page, services).get_by_label(w.option("services", code), exact=True).check()
        click_button(page, w("Continue"))

    def page_three(self, *, go_back_once: bool = True) -> None:
        page, w = self.page, self.w
        self.arrived("page 3", "/page/3")
        if go_back_once:
            page.get_by_role("link", name=w("Back"), exact=True).click()
            page.wait_for_load_state()
            assert page.url.endswith("/page/2")
            # what they said is still there
            assert page.get_by_label(w.question("why_poor")).input_value() == WHY_POOR
            services = group(page, w.question("services"))
            assert services.get_by_label(w.option("services", "gp"), exact=True).is_checked()
            assert services.get_by_label(w.option("services", "hospital"), exact=True).is_checked()
            assert not services.get_by_label(
                w.option("services", "pharmacy"), exact=True
            ).is_checked()
            click_button(page, w("Continue"))
            self.arrived("page 3 again", "/page/3")
        choose(page, w.question("visit_type"), w.option("visit_type", "in_person"))
        choose(page, w.question("respect"), w.option("respect", "agree"))
        choose(page, w.question("recommend"), "7")
        page.get_by_label(w.question("visits")).fill("12")
        page.get_by_label(w.question("visit_date")).fill("2025-03-27")
        click_button(page, w("Continue"))

    def page_four(self) -> None:
        page, w = self.page, self.w
        self.arrived("page 4", "/page/4")
        assert w.question("note") in page.locator("main").inner_text()
        page.get_by_label(w.question("summary")).fill(SUMMARY)
        page.get_by_label(w.question("area")).fill("bl1")
        click_button(page, w("Continue"))

    def about_you(self, consent: bool = True) -> None:
        page, w = self.page, self.w
        self.arrived("about you", "/about-you")
        legend = w("Will you answer some questions about yourself?")
        if not consent:
            choose(page, legend, w("No, skip these questions"))
            click_button(page, w("Continue"))
            return
        choose(page, legend, w("Yes, I will answer questions about myself"))
        click_button(page, w("Continue"))

        self.arrived("ethnic group", "/about-you/ethnic-group")
        choose(page, w("What is your ethnic group?"), w.broad["asian"])
        click_button(page, w("Continue"))

        self.arrived("ethnic group detail", "/about-you/ethnic-group/detail")
        detail = page.get_by_role("group").first
        detail.get_by_label(w.ethnic["asian_pakistani"], exact=True).check()
        click_button(page, w("Continue"))

        self.arrived("more about you", "/about-you/more")
        for key, code in [("language", "ur"), ("religion", "muslim"), ("age_band", "35_44")]:
            question, labels = w.monitoring[key]
            choose(page, question, labels[code])
        page.get_by_label(w.monitoring["postcode_district"][0]).fill("bl1")
        click_button(page, w("Continue"))

    def check_and_send(self, *, about_you: bool = True) -> str:
        page, w = self.page, self.w
        self.arrived("check your answers", "/check")
        answers = page.locator("main").inner_text()
        expected = [
            w.option("experience", "poor"),
            WHY_POOR,
            w.option("services", "gp"),
            w.option("services", "hospital"),
            w.option("visit_type", "in_person"),
            w.option("respect", "agree"),
            SUMMARY,
            "BL1",
        ]
        if about_you:
            expected += [w.ethnic["asian_pakistani"], w.monitoring["language"][1]["ur"]]
        for text in expected:
            assert text in answers, (text, answers)
        for number in ("7", "12"):
            assert page.locator("dd", has_text=re.compile(rf"^\s*{number}\s*$")).count() == 1
        assert "2025" in page.locator("#visit_date").inner_text()
        click_button(page, w("Send my answers"))
        return self.done()

    def done(self) -> str:
        page, w = self.page, self.w
        self.arrived("confirmation", "/surveys/test-survey/done")
        panel = page.locator(".nhsuk-panel")
        assert w("Thank you: your answers have been sent") in panel.inner_text()
        reference = panel.locator(".engage-reference").inner_text().strip()
        assert REFERENCE.match(reference), reference
        return reference

    def whole_way(self, *, a11y_errors: bool = True) -> str:
        self.open_from_the_consultations_list()
        self.start(try_without_consent=a11y_errors)
        self.page_one(try_empty=a11y_errors)
        self.page_two()
        self.page_three()
        self.page_four()
        self.about_you()
        return self.check_and_send()


# 1. The whole journey, with axe on every page ----------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_a_respondent_goes_from_the_consultations_to_a_reference(
    page, live_server, check_a11y, locale
):
    journey = Journey(page, Words(live_server, locale), check_a11y, follow_links=True)
    reference = journey.whole_way()
    assert journey.seen == [
        "consultations",
        "consultation",
        "start",
        "start with an error",
        "page 1",
        "page 1 with an error",
        "page 2",
        "page 3",
        "page 3 again",
        "page 4",
        "about you",
        "ethnic group",
        "ethnic group detail",
        "more about you",
        "check your answers",
        "confirmation",
    ]
    assert reference
    assert len(journey.links_checked) > 20  # every page's links were followed
    assert_no_console_errors(page, journey.rejected)

    # reloading the confirmation sends nothing again: the same reference
    page.reload()
    assert page.locator(".engage-reference").inner_text().strip() == reference

    assert journey.bad_titles == []  # a title never shows markup


# 2. Without JavaScript ----------------------------------------------------------------------------


@pytest.mark.parametrize("locale", ["ur", "en"])
def test_the_journey_can_be_completed_without_javascript(nojs_page, live_server, locale):
    journey = Journey(nojs_page, Words(live_server, locale))
    reference = journey.whole_way()
    assert REFERENCE.match(reference)


# 3. Save and come back later ----------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_save_and_come_back_later_on_another_device(page, browser, live_server, check_a11y, locale):
    w = Words(live_server, locale)
    journey = Journey(page, w, check_a11y)
    page.goto(f"/{locale}/surveys/test-survey")
    journey.start(try_without_consent=False)
    journey.page_one(try_empty=False)
    journey.arrived("page 2", "/page/2")
    page.get_by_label(w.question("why_poor")).fill(WHY_POOR)
    click_button(page, w("Save and come back later"))

    journey.arrived("saved", "/surveys/test-survey/save")
    assert w("Your answers have been saved") in page.locator("h1").inner_text()
    link = page.locator(".engage-token a")
    url = link.inner_text().strip()
    assert link.get_attribute("href") == url
    assert url.startswith(live_server.base_url + f"/{locale}/surveys/test-survey/resume/")
    assert_no_console_errors(page)

    other = browser.new_context(locale="en-GB")  # another device: none of the cookies
    try:
        elsewhere = other.new_page()
        elsewhere.goto(url)
        elsewhere.wait_for_load_state()
        assert elsewhere.url.endswith(f"/{locale}/surveys/test-survey/page/2"), elsewhere.url
        assert_language(elsewhere, locale)
        assert elsewhere.get_by_label(w.question("why_poor")).input_value() == WHY_POOR
        elsewhere.get_by_role("link", name=w("Back"), exact=True).click()
        elsewhere.wait_for_load_state()
        chosen = group(elsewhere, w.question("experience")).get_by_label(
            w.option("experience", "poor"), exact=True
        )
        assert chosen.is_checked()
    finally:
        other.close()


def test_changing_language_in_the_middle_keeps_the_answers(page, live_server):
    en, ur = Words(live_server, "en"), Words(live_server, "ur")
    journey = Journey(page, en)
    page.goto("/en/surveys/test-survey")
    journey.start(try_without_consent=False)
    journey.page_one(try_empty=False)
    journey.page_two()
    page.get_by_role("link", name=en("Back"), exact=True).click()
    page.wait_for_load_state()
    assert page.url.endswith("/en/surveys/test-survey/page/2")

    page.get_by_role("link", name="اردو").click()
    page.wait_for_url("**/ur/surveys/test-survey/page/2")
    assert_language(page, "ur")
    # what they said is kept
    assert page.locator("#why_poor").input_value() == WHY_POOR
    assert page.locator("input[name=services][value=hospital]").is_checked()
    # and the questions are now in Urdu
    questions_in = page.locator("form div[lang]").first.get_attribute("lang")
    if questions_in == "ur":
        assert page.get_by_label(ur.question("why_poor")).input_value() == WHY_POOR
        services = group(page, ur.question("services"))
        assert services.get_by_label(ur.option("services", "hospital"), exact=True).is_checked()
    click_button(page, ur("Continue"))
    assert page.url.endswith("/ur/surveys/test-survey/page/3")
    assert_language(page, "ur")
    assert_no_console_errors(page)
    assert questions_in == "ur"  # the survey follows the language they switched to


# 4. Withdraw ---------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", LOCALES)
def test_withdraw_with_the_reference_from_the_confirmation(page, live_server, check_a11y, locale):
    w = Words(live_server, locale)
    reference = Journey(page, w).whole_way(a11y_errors=False)

    page.get_by_role("link", name=w("Withdraw your response")).click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/{locale}/withdraw")
    assert_language(page, locale)
    check_a11y(page, f"withdraw ({locale})")
    reference_box = page.get_by_label(w("Your reference"))

    reference_box.fill("AAAAA-BBBBB")
    click_button(page, w("Continue"))
    summary = page.locator(".nhsuk-error-summary")
    assert w("There is no response with that reference. Check it and try again.") in (
        summary.inner_text()
    )
    check_a11y(page, f"withdraw with an error ({locale})")

    # as people copy it: lower case, with spaces around
    page.get_by_label(w("Your reference")).fill(f" {reference.lower()} ")
    click_button(page, w("Continue"))
    assert_language(page, locale)
    assert w("Are you sure you want to withdraw your response?") in page.locator("h1").inner_text()
    assert reference in page.locator("main").inner_text()
    check_a11y(page, f"withdraw confirm ({locale})")
    click_button(page, w("Yes, delete my answers"))

    assert_language(page, locale)
    assert w("Your response has been withdrawn") in page.locator("h1").inner_text()
    check_a11y(page, f"withdrawn ({locale})")

    # it has gone: the reference no longer finds anything
    page.goto(f"/{locale}/withdraw")
    page.get_by_label(w("Your reference")).fill(reference)
    click_button(page, w("Continue"))
    assert page.locator(".nhsuk-error-summary").is_visible()
    assert_no_console_errors(page, rejected=2)


# 5. A host enters a paper form ----------------------------------------------------------------


def test_a_host_enters_a_paper_form_in_urdu(page, live_server, check_a11y):
    en, ur = Words(live_server, "en"), Words(live_server, "ur")
    sign_in(page, live_server.cast.emails["host"])
    page.goto("/en/consultations/test-consultation")
    page.get_by_role("link", name=en("Enter a response for someone")).click()
    page.wait_for_load_state()
    assert page.url.endswith("/en/surveys/test-survey/enter")
    assert_language(page, "en")
    check_a11y(page, "enter")

    click_button(page, en("Start entering answers"))
    assert page.locator(".nhsuk-error-summary").is_visible()
    check_a11y(page, "enter with errors")

    choose(page, en("How were the answers given?"), en("Paper form"))
    page.get_by_label(en("Language the person answered in")).select_option(label="اردو")
    page.get_by_label(en("Forum (optional)")).select_option(label="Forum A")
    page.get_by_label(
        en("The person agreed to take part, and to me entering their answers")
    ).check()
    click_button(page, en("Start entering answers"))

    # the page is in the host's English; the questions in the person's Urdu
    assert page.url.endswith("/en/surveys/test-survey/page/1"), page.url
    assert_language(page, "en")
    assert page.locator("form [lang=ur][dir=rtl]").count() == 1
    check_a11y(page, "entering page 1")
    choose(page, ur.question("experience"), ur.option("experience", "very_good"))
    click_button(page, en("Continue"))

    assert page.url.endswith("/page/2")
    # no poor experience: the skip logic hides "What went wrong?"
    assert page.get_by_label(ur.question("why_poor")).count() == 0
    group(page, ur.question("services")).get_by_label(
        ur.option("services", "pharmacy"), exact=True
    ).check()
    click_button(page, en("Continue"))

    assert page.url.endswith("/page/3")
    check_a11y(page, "entering page 3")
    choose(page, ur.question("respect"), ur.option("respect", "strongly_agree"))
    choose(page, ur.question("recommend"), "10")
    click_button(page, en("Continue"))
    assert page.url.endswith("/page/4")
    click_button(page, en("Continue"))

    journey = Journey(page, en, check_a11y)
    journey.about_you(consent=False)
    journey.arrived("check (entered)", "/check")
    main = page.locator("main").inner_text()
    assert ur.option("experience", "very_good") in main
    assert ur.option("services", "pharmacy") in main
    click_button(page, en("Send my answers"))
    reference = journey.done()
    assert REFERENCE.match(reference)
    assert page.get_by_role("link", name=en("Enter another response")).is_visible()
    sign_out(page)
    assert_no_console_errors(page, rejected=1)


# 6. A cheap phone --------------------------------------------------------------------------------


def test_the_first_pages_fit_a_small_phone_screen_in_urdu(browser, live_server, check_a11y):
    width = 360
    context = browser.new_context(
        base_url=live_server.base_url,
        viewport={"width": width, "height": 640},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="ur-PK",
    )
    try:
        page = context.new_page()
        w = Words(live_server, "ur")

        def fits(label):
            assert_language(page, "ur")
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            assert scroll_width <= width + 2, (
                f"{label}: {scroll_width}px wide on a {width}px screen"
            )
            for button in page.locator("main button").all():
                assert button.is_visible(), label
                box = button.bounding_box()
                assert box["x"] >= -1 and box["x"] + box["width"] <= width + 1, (label, box)

        page.goto("/ur/consultations/test-consultation")
        fits("consultation")
        page.get_by_role("link", name=w("Take part in the survey")).click()
        page.wait_for_load_state()
        fits("start")
        page.get_by_label(w("I have read this and I agree to take part")).check()
        click_button(page, w("Start now"))
        assert page.url.endswith("/page/1")
        fits("page 1")
        choose(page, w.question("experience"), w.option("experience", "poor"))
        click_button(page, w("Continue"))
        fits("page 2")
        page.get_by_label(w.question("why_poor")).fill(WHY_POOR)
        click_button(page, w("Continue"))
        # the 0 to 10 scale: eleven radios in a row
        fits("page 3")
        check_a11y(page, "page 3 on a phone (ur)")
    finally:
        context.close()
