"""Languages in the URL, the switcher, direction, and complete catalogs."""

from __future__ import annotations

import re

import pytest

from engage import i18n_tools


@pytest.mark.parametrize(
    ("accept", "cookie", "expected"),
    [
        ("ur,en;q=0.5", None, "/ur/"),
        ("ur-PK", None, "/ur/"),
        ("en-GB,en;q=0.9", None, "/en/"),
        ("fr", None, "/en/"),
        ("en", "ur", "/ur/"),
        ("ur", "en", "/en/"),
        ("ur", "xx", "/ur/"),
    ],
)
def test_root_redirects_by_cookie_then_accept_language(client, accept, cookie, expected):
    if cookie:
        client.set_cookie("engage_locale", cookie)
    response = client.get("/", headers={"Accept-Language": accept})
    assert response.status_code == 302
    assert response.headers["Location"] == expected


def test_visiting_a_language_remembers_it_for_next_time(client):
    client.get("/ur/forums")
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.headers["Location"] == "/ur/"


@pytest.mark.parametrize(("locale", "direction"), [("en", "ltr"), ("ur", "rtl")])
def test_html_lang_and_dir(client, locale, direction):
    page = client.get(f"/{locale}/").get_data(as_text=True)
    assert f'<html lang="{locale}" dir="{direction}">' in page


def test_rtl_pages_use_the_mirrored_stylesheet(client):
    assert "nhsuk-frontend.rtl.min.css" in client.get("/ur/").get_data(as_text=True)
    assert "nhsuk-frontend.rtl.min.css" not in client.get("/en/").get_data(as_text=True)
    css = client.get("/static/nhsuk/nhsuk-frontend.rtl.min.css")
    assert css.status_code == 200
    css.close()


def test_switcher_names_languages_in_their_own_script_and_keeps_the_page(client, world):
    page = client.get("/en/forums/forum-a?tab=about").get_data(as_text=True)
    switcher = page.split('class="engage-languages"')[1].split("</nav>")[0]
    assert 'href="/ur/forums/forum-a?tab=about" lang="ur" hreflang="ur">اردو</a>' in switcher
    assert 'aria-current="true">English</a>' in switcher


def test_unknown_locale_is_not_found(client):
    assert client.get("/xx/forums").status_code == 404


def test_urdu_pages_are_in_urdu(client):
    page = client.get("/ur/login").get_data(as_text=True)
    main = page.split('id="maincontent"')[1]
    assert re.search(r"[\u0600-\u06FF]{3,}", main), "no Urdu text on the Urdu login page"
    assert "Sign in" not in main


def test_dates_are_formatted_for_the_locale(app):
    from datetime import UTC, datetime

    with app.test_request_context("/ur/"):
        from flask import g, render_template_string

        g.locale = "ur"
        text = render_template_string("{{ d | date }}", d=datetime(2026, 3, 1, tzinfo=UTC))
    assert "2026" in text and "March" not in text


def test_catalogs_are_complete_compiled_and_the_template_is_current():
    assert i18n_tools.check() == []


def test_a_mistyped_locale_keeps_the_visitors_language(client):
    client.set_cookie("engage_locale", "ur")
    response = client.get("/xx/forums")
    assert response.status_code == 404
    assert 'lang="ur"' in response.get_data(as_text=True)
    assert "engage_locale=" not in response.headers.get("Set-Cookie", "")


def test_switcher_after_a_form_post_goes_back_to_the_form_page(client, world):
    from tests.conftest import login, post_form

    login(client, world.emails["analyst"])
    response = post_form(
        client,
        "/en/account/tokens",
        {"token-name": "x"},
        token_from="/en/account",
        headers={"Referer": "http://localhost/en/account"},
    )
    assert 'href="/ur/account"' in response.get_data(as_text=True)


def test_urdu_field_errors_say_error_in_urdu_to_screen_readers(client):
    from tests.conftest import post_form

    page = post_form(client, "/ur/login", {"email": "", "password": ""}).get_data(as_text=True)
    assert '<span class="nhsuk-u-visually-hidden">Error: </span>' not in page
    assert '<span class="nhsuk-u-visually-hidden">خرابی: </span>' in page
