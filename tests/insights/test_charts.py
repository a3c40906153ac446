"""Bar charts of results by community: what a reader, a screen reader and a browser get.

Expected positions come from the geometry documented in engage/insights/charts.py: a
viewBox 320 wide, the value scale from x = 4 (axis_min) to x = 264 (axis_max), values
right-aligned at x = 316, and every x mirrored (320 - x) right to left.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from markupsafe import Markup

from engage import create_app
from engage.insights.charts import Bar, bar_chart, plain_formatter
from tests.conftest import base_config

SVG = "{http://www.w3.org/2000/svg}"
SCALE_START, SCALE_END, WIDTH = 4, 264, 320
STATIC = Path(__file__).resolve().parents[2] / "engage" / "static"

ETHNIC_GROUPS = [
    Bar("Pakistani", 45, 30, 60, n=23, flagged=True),
    Bar("Indian", 62, 55, 69, n=140),
    Bar("Bangladeshi", None, n=12, suppressed=True),
    Bar("Prefer not to say", 10, n=60),
    Bar("Not recorded", 80, 70, 88, n=35, flagged=True),
]


def chart(bars=ETHNIC_GROUPS, **options) -> Markup:
    options = {
        "title": "Were you treated with respect?",
        "description": "Percentage answering yes, by ethnic group.",
        "chart_id": "q1",
        "overall": 52,
        "suppressed_text": "fewer than 8",
        **options,
    }
    return bar_chart(bars, **options)


def parse(svg: Markup) -> ET.Element:
    # fails unless the SVG is well-formed XML; the input is our own output, not a stranger's
    return ET.fromstring(str(svg))  # noqa: S314


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [el for el in root.iter() if name in (el.get("class") or "").split()]


def texts(root: ET.Element) -> list[str]:
    return [el.text for el in root.iter(f"{SVG}text")]


def text_element(root: ET.Element, content: str) -> ET.Element:
    [element] = [el for el in root.iter(f"{SVG}text") if el.text == content]
    return element


def scale_x(value: float, low: float = 0, high: float = 100) -> float:
    return SCALE_START + (SCALE_END - SCALE_START) * (value - low) / (high - low)


def test_the_svg_is_an_image_named_by_its_title_and_description():
    root = parse(chart())

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title.text == "Were you treated with respect?"
    assert desc.text == "Percentage answering yes, by ethnic group."
    assert root.get("aria-labelledby").split() == [title.get("id"), desc.get("id")]
    # the title comes first, as screen readers and the SVG accessibility spec expect
    assert list(root)[:2] == [title, desc]


def test_two_charts_on_a_page_have_different_ids():
    first, second = parse(chart(chart_id="q1")), parse(chart(chart_id="q2"))

    ids = [el.get("id") for root in (first, second) for el in root.iter() if el.get("id")]
    assert len(ids) == 4
    assert len(set(ids)) == 4


def test_a_chart_id_that_is_not_a_plain_id_is_refused():
    with pytest.raises(ValueError):
        chart(chart_id='q1" onload="alert(1)')


def test_it_scales_by_its_viewbox_and_has_no_inline_style_or_script():
    svg = chart()
    root = parse(svg)

    assert root.get("viewBox").split()[:3] == ["0", "0", "320"]
    assert not [el for el in root.iter() if el.get("style") is not None]
    assert not [el for el in root.iter() if el.tag in (f"{SVG}style", f"{SVG}script")]
    assert "<style" not in svg
    assert "<script" not in svg
    assert not [name for el in root.iter() for name in el.attrib if name.startswith("on")]


def test_one_bar_per_shown_group_as_long_as_its_value():
    root = parse(chart())

    bars = by_class(root, "engage-chart__bar")
    # Bangladeshi is suppressed: four bars for five groups, in order
    assert [float(bar.get("width")) for bar in bars] == pytest.approx(
        [(SCALE_END - SCALE_START) * v / 100 for v in (45, 62, 10, 80)]
    )
    assert all(float(bar.get("x")) == SCALE_START for bar in bars)
    widths = [float(bar.get("width")) for bar in bars]
    assert widths[1] / widths[0] == pytest.approx(62 / 45)


def test_a_mean_on_a_scale_from_one_to_five_starts_its_bars_at_one():
    bars = [Bar("Pakistani", 3.4, 2.9, 3.9, n=80), Bar("Indian", 5, n=50)]
    root = parse(chart(bars, axis_min=1, axis_max=5, unit="", overall=4.1))

    widths = [float(bar.get("width")) for bar in by_class(root, "engage-chart__bar")]
    assert widths == pytest.approx([260 * 2.4 / 4, 260])
    assert "3.4" in texts(root)
    assert "Overall: 4.1" in texts(root)
    assert {"1.0", "2.0", "3.0", "4.0", "5.0"} <= set(texts(root))  # the axis


def test_whiskers_only_where_an_interval_is_given_and_they_span_it():
    root = parse(chart())

    whiskers = by_class(root, "engage-chart__whisker")
    # Pakistani and Not recorded have intervals; Indian too; the others have none
    assert len(whiskers) == 3
    ends = []
    for whisker in whiskers:
        [ink] = by_class(whisker, "engage-chart__whisker-line")
        xs = [float(x) for x in re.findall(r"M ([\d.]+)", ink.get("d"))]
        ends += [min(xs), max(xs)]
    assert ends == pytest.approx([scale_x(x) for x in (30, 60, 55, 69, 70, 88)])


def test_a_suppressed_group_shows_the_text_and_no_bar_value_or_interval():
    bars = [Bar("Bangladeshi", 37.5, 10, 70, n=40, suppressed=True)]
    root = parse(chart(bars, suppressed_text="fewer than 8"))

    assert by_class(root, "engage-chart__bar") == []
    assert by_class(root, "engage-chart__whisker") == []
    assert "fewer than 8" in texts(root)
    assert not [t for t in texts(root) if t.startswith(("37", "38"))]


def test_the_suppression_text_is_the_one_given():
    bars = [Bar("Bangladeshi", None, suppressed=True)]
    root = parse(chart(bars, suppressed_text="fewer than 10"))

    assert "fewer than 10" in texts(root)


def test_labels_carry_n_and_small_samples_are_marked_in_words():
    root = parse(chart())
    shown = texts(root)

    assert "Pakistani (n = 23)" in shown
    assert "Indian (n = 140)" in shown
    # Pakistani (23) and nobody else with a value: Not recorded has 35, and a
    # suppressed group needs no caution about a value it does not show
    assert shown.count("Small sample") == 1


def test_flagged_groups_have_a_shape_and_words_not_colour_alone():
    root = parse(chart())

    assert len(by_class(root, "engage-chart__flag")) == 2
    shown = texts(root)
    assert "Lower than overall" in shown  # Pakistani, 45 against 52
    assert "Higher than overall" in shown  # Not recorded, 80 against 52
    flagged_values = {t.text for t in by_class(root, "engage-chart__value--flagged")}
    assert flagged_values == {"45%", "80%"}


def test_the_overall_value_is_a_labelled_line_across_the_rows():
    root = parse(chart())

    lines = by_class(root, "engage-chart__overall")
    assert len(lines) == 1
    assert float(lines[0].get("x1")) == pytest.approx(scale_x(52))
    assert float(lines[0].get("x2")) == pytest.approx(scale_x(52))
    bar_tops = [float(bar.get("y")) for bar in by_class(root, "engage-chart__bar")]
    assert float(lines[0].get("y1")) < min(bar_tops)
    assert float(lines[0].get("y2")) > max(bar_tops)
    assert "Overall: 52%" in texts(root)


def test_an_overall_label_can_be_given():
    root = parse(chart(overall_label="All respondents: 52%"))

    assert "All respondents: 52%" in texts(root)
    assert "Overall: 52%" not in texts(root)


def test_no_overall_value_no_line():
    root = parse(chart(overall=None))

    assert by_class(root, "engage-chart__overall") == []
    assert not [t for t in texts(root) if t.startswith("Overall")]


def test_right_to_left_bars_grow_from_the_right_with_labels_on_the_right():
    bars = [Bar("پاکستانی", 45, 30, 60, n=23), Bar("ہندوستانی", 10, n=140)]
    root = parse(chart(bars, rtl=True))

    assert root.get("direction") == "rtl"
    for bar in by_class(root, "engage-chart__bar"):
        left, width = float(bar.get("x")), float(bar.get("width"))
        assert left + width == pytest.approx(WIDTH - SCALE_START)
        assert left > WIDTH / 2
    label = text_element(root, "پاکستانی (n = 23)")
    assert float(label.get("x")) == WIDTH - SCALE_START
    assert label.get("text-anchor") in (None, "start")  # start is the right, right to left
    assert float(text_element(root, "45%").get("x")) < WIDTH / 2
    [ink] = by_class(root, "engage-chart__whisker-line")
    xs = {round(float(x), 2) for x in re.findall(r"M ([\d.]+)", ink.get("d"))}
    assert xs == {round(WIDTH - scale_x(30), 2), round(WIDTH - scale_x(60), 2)}


def test_left_to_right_labels_are_on_the_left():
    root = parse(chart())

    assert root.get("direction") == "ltr"
    assert float(text_element(root, "Pakistani (n = 23)").get("x")) == SCALE_START
    assert float(text_element(root, "45%").get("x")) > WIDTH / 2


def test_text_people_wrote_is_escaped():
    hostile = '<script>alert(1)</script> & "q"'
    bars = [Bar(hostile, 50, n=40, note="<b>note</b>")]
    svg = chart(bars, title="<title>", description="</desc><script>")

    assert "<script" not in svg
    assert "<b>" not in svg
    assert "&lt;script&gt;" in svg
    root = parse(svg)
    label = " ".join(el.text for el in by_class(root, "engage-chart__label"))
    assert label == f"{hostile} (n = 40)"  # shown exactly as typed
    assert "<b>note</b>" in texts(root)
    assert root.find(f"{SVG}title").text == "<title>"
    assert root.find(f"{SVG}desc").text == "</desc><script>"


def test_long_labels_are_wrapped_to_fit_a_phone():
    label = "Any other Black, Black British or Caribbean background"
    root = parse(chart([Bar(label, 40, n=120)]))

    lines = [el.text for el in by_class(root, "engage-chart__label")]
    assert len(lines) > 1
    assert " ".join(lines) == f"{label} (n = 120)"
    # at 15 units a character averages well over 7 units: 40 characters would not fit
    assert all(len(line) < 40 for line in lines)


def test_percentages_show_whole_numbers_and_means_one_decimal():
    assert plain_formatter("%")(44.5) == "45%"
    assert plain_formatter("%")(0) == "0%"
    assert plain_formatter("")(3.45) == "3.5"
    assert plain_formatter("")(4) == "4.0"


def test_a_page_may_pass_its_own_number_formats():
    def arabic_percent(value):
        return f"{round(value)}٪"

    bars = [Bar("Pakistani", 45, n=1234)]
    root = parse(chart(bars, format_value=arabic_percent, format_count="{:,}".format))

    assert "45٪" in texts(root)
    assert "Pakistani (n = 1,234)" in texts(root)


def test_values_beyond_the_axis_stay_inside_the_chart():
    root = parse(chart([Bar("Pakistani", 120, 90, 140, n=80)]))

    [bar] = by_class(root, "engage-chart__bar")
    assert float(bar.get("width")) == SCALE_END - SCALE_START


def test_an_empty_axis_is_refused():
    with pytest.raises(ValueError):
        chart(axis_min=5, axis_max=5)


def test_the_macro_puts_the_chart_in_a_figure_with_its_caption(tmp_path):
    app = create_app(base_config("sqlite://", tmp_path / "instance"))
    macros = app.jinja_env.get_template("insights/_chart.html").module

    html = str(macros.chart(chart(), caption="Were you treated with respect?"))

    assert re.search(r'<figure class="engage-chart">\s*<figcaption', html)
    assert "Were you treated with respect?</figcaption>" in html
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html  # drawn, not escaped
    escaped = str(macros.chart("<svg onload=alert(1)>"))
    assert "&lt;svg" in escaped
