"""A question page made from kept markup (engage.responses.views._kept_page) is the page
the template makes, byte for byte, whatever the answers, the language and the page."""

from __future__ import annotations

import re

import pytest

from engage.responses import views
from tests.conftest import CSRF_RE
from tests.responses.journey import GOOD_PAGES, answer_pages, post, start

#: answers that change what the pages show: a hidden question (skip logic), typed text
#: that must be escaped, a multiple choice in another order
TRICKY_PAGES = [
    {"experience": "good"},
    {"services": ["hospital", "gp"]},
    {"visit_type": "phone", "respect": "agree", "recommend": "0", "visits": "3"},
    {"summary": 'It was "late" & <b>rude</b>', "area": "M14"},
]


def _pages(client, locale: str, count: int = 4) -> list[str]:
    return [
        client.get(f"/{locale}/surveys/test-survey/page/{n}").get_data(as_text=True)
        for n in range(1, count + 1)
    ]


def _same_token(html: str) -> str:
    # the signed CSRF token carries the second it was signed in
    return CSRF_RE.sub('name="csrf_token" type="hidden" value="TOKEN"', html)


@pytest.mark.parametrize("locale", ["en", "ur"])
@pytest.mark.parametrize("answers", [None, GOOD_PAGES, TRICKY_PAGES], ids=["new", "good", "odd"])
def test_a_kept_page_is_the_rendered_page(client, world, monkeypatch, locale, answers):
    first = start(client, locale=locale)
    if answers is not None:
        answer_pages(client, first, answers)
    kept = _pages(client, locale)  # made, and kept
    again = _pages(client, locale)  # from what was kept
    monkeypatch.setattr(views, "_kept_page", lambda *args: None)
    rendered = _pages(client, locale)
    for number, (one, two, three) in enumerate(zip(kept, again, rendered, strict=True), 1):
        assert 'name="csrf_token"' in three, number
        assert _same_token(one) == _same_token(two) == _same_token(three), number
    if answers is TRICKY_PAGES:
        assert "It was &#34;late&#34; &amp; &lt;b&gt;rude&lt;/b&gt;" in again[3]


def test_a_page_with_a_message_or_an_error_is_not_kept(client, world):
    first = start(client)
    response = post(client, first.replace("/page/1", "/page/3"), {"visits": "lots"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and html.startswith("<!DOCTYPE html>")
    assert re.search(r"<title>Error: ", html)
    again = client.get("/en/surveys/test-survey/page/3").get_data(as_text=True)
    assert "There is a problem" not in again and "<title>Error: " not in again
