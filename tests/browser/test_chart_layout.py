"""The chart in Chromium: it fits a phone without scrolling, prints in grey, and draws
right to left in Urdu (the chart's geometry is tested in tests/insights/test_charts.py).
Uses the session's browser (tests/browser/conftest.py)."""

from __future__ import annotations

import pytest
from markupsafe import Markup

from engage.insights.charts import Bar
from tests.insights.test_charts import ETHNIC_GROUPS, SCALE_START, STATIC, WIDTH, chart


def styled_page(svg: Markup, direction: str = "ltr") -> str:
    """A page like Engage's, with the NHS.UK styles and charts.css (inline: the page is
    set from a string, and this test is about layout, not CSP)."""
    nhsuk = "nhsuk-frontend.rtl.min.css" if direction == "rtl" else "nhsuk-frontend.min.css"
    css = (STATIC / "nhsuk" / nhsuk).read_text() + (STATIC / "css" / "charts.css").read_text()
    return (
        f'<!DOCTYPE html><html lang="en" dir="{direction}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{css}</style></head><body><div class='nhsuk-width-container'>"
        f'<main class="nhsuk-main-wrapper"><figure class="engage-chart">{svg}</figure>'
        "</main></div></body></html>"
    )


@pytest.mark.browser
def test_on_a_phone_the_chart_fits_without_scrolling_and_prints_in_grey(browser):
    long_label = Bar("Any other Black, Black British or Caribbean background", 97, 90, 99, n=120)
    page = browser.new_page(viewport={"width": 320, "height": 640})
    page.set_content(styled_page(chart([*ETHNIC_GROUPS, long_label])))

    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    svg_box = page.locator("svg").bounding_box()
    assert svg_box["x"] >= 0
    assert svg_box["x"] + svg_box["width"] <= 320
    # label text stays readable: 15 units scaled to the phone's column
    label_height = page.locator(".engage-chart__label").first.bounding_box()["height"]
    assert label_height >= 11
    fill = "el => getComputedStyle(el).fill"
    assert page.locator(".engage-chart__bar").first.evaluate(fill) == "rgb(0, 94, 184)"

    page.emulate_media(media="print")
    assert page.locator(".engage-chart__bar").first.evaluate(fill) == "rgb(187, 187, 187)"
    whisker = page.locator(".engage-chart__whisker-line").first
    assert whisker.evaluate("el => getComputedStyle(el).stroke") == "rgb(0, 0, 0)"
    page.close()


@pytest.mark.browser
def test_right_to_left_the_bars_are_drawn_on_the_right(browser):
    page = browser.new_page(viewport={"width": 320, "height": 640})
    page.set_content(styled_page(chart(rtl=True), "rtl"))

    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    svg_box = page.locator("svg").bounding_box()
    middle = svg_box["x"] + svg_box["width"] / 2
    right_edge = svg_box["x"] + svg_box["width"]
    scale = svg_box["width"] / WIDTH
    for box in [bar.bounding_box() for bar in page.locator(".engage-chart__bar").all()]:
        # every bar starts 4 units from the right edge and grows leftwards
        assert box["x"] + box["width"] == pytest.approx(right_edge - SCALE_START * scale, abs=1)
    label = page.locator(".engage-chart__label").first.bounding_box()
    assert label["x"] > middle  # the text runs leftwards from the right edge
    assert label["x"] + label["width"] <= svg_box["x"] + svg_box["width"] + 1
    page.close()
