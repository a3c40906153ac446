"""The themes page, public and for an analyst, in English and Urdu: axe-clean, its heat
table readable as a table (headers for every row and column, a value in every cell), and
its quote filters working without JavaScript."""

from __future__ import annotations

import pytest

from tests.browser.test_journeys import sign_in, sign_out
from tests.insights.test_themes import AGAIN, INTERPRETER, QUEUE_AND_WAIT, load

LOCALES = ["en", "ur"]


@pytest.fixture(scope="module")
def themed(live_server, tmp_path_factory):
    with live_server.app_context():
        load(live_server.cast.survey, tmp_path_factory.mktemp("themes") / "themed.csv")
    return live_server


def check_heat_table(page) -> None:
    heat = page.locator("table.engage-heat")
    assert heat.count() == 1
    assert heat.locator("caption").inner_text().strip()
    columns = heat.locator("thead th[scope=col]")
    assert columns.count() >= 3  # the theme column and at least two groups
    rows = heat.locator("tbody tr")
    assert rows.count() == 4
    for i in range(rows.count()):
        row = rows.nth(i)
        assert row.locator("th[scope=row]").count() == 1
        cells = row.locator("td")
        assert cells.count() == columns.count() - 1
        for j in range(cells.count()):
            assert cells.nth(j).inner_text().strip()  # a value, not only a shade


@pytest.mark.parametrize("locale", LOCALES)
def test_the_public_themes_page_is_accessible(page, themed, check_a11y, locale):
    response = page.goto(f"/{locale}/surveys/{themed.cast.survey}/themes")
    assert response.status == 200
    assert page.locator("html").get_attribute("dir") == ("rtl" if locale == "ur" else "ltr")
    check_heat_table(page)
    main = page.locator("main").inner_text()
    assert QUEUE_AND_WAIT not in main  # one person in a group not recorded: not quoted
    check_a11y(page, f"public themes {locale}")
    assert page.console_errors == [], page.console_errors


@pytest.mark.parametrize("locale", LOCALES)
def test_an_analyst_filters_quotes_without_javascript(nojs_page, page, themed, check_a11y, locale):
    sign_in(nojs_page, themed.cast.emails["analyst"], locale=locale)
    nojs_page.goto(f"/{locale}/surveys/{themed.cast.survey}/themes")
    nojs_page.select_option("#theme", "interpreters")
    nojs_page.select_option("#group", "white_british")
    nojs_page.locator("#quotes button[type=submit]").click()
    nojs_page.wait_for_load_state()
    assert "theme=interpreters" in nojs_page.url and "group=white_british" in nojs_page.url
    quoted = [t.strip() for t in nojs_page.locator("#quotes blockquote").all_inner_texts()]
    assert sorted(quoted) == sorted([AGAIN, INTERPRETER])  # each text once
    assert nojs_page.locator("#emerging-title").count() == 1
    # axe needs script: the same view, in a browser with it
    sign_in(page, themed.cast.emails["analyst"], locale=locale)
    page.goto(nojs_page.url)
    check_heat_table(page)
    check_a11y(page, f"analyst themes {locale}")
    sign_out(page)
