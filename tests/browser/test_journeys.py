"""Journeys a person clicks through, in English and Urdu, with axe on every page."""

from __future__ import annotations

import re

import pytest

from tests.factories import PASSWORD

LOCALES = ["en", "ur"]


def sign_in(page, email, password=PASSWORD, locale="en"):
    page.goto(f"/{locale}/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def sign_out(page):
    page.locator("header button[type=submit]").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("locale", LOCALES)
def test_public_pages_are_accessible(page, check_a11y, locale):
    for path in ["/", "/forums", "/forums/forum-a", "/login", "/password/forgot"]:
        page.goto(f"/{locale}{path}")
        html = page.locator("html")
        assert html.get_attribute("lang") == locale
        assert html.get_attribute("dir") == ("rtl" if locale == "ur" else "ltr")
        check_a11y(page, f"/{locale}{path}")
    assert page.console_errors == [], page.console_errors


def test_error_pages_are_accessible(page, check_a11y):
    for locale in LOCALES:
        response = page.goto(f"/{locale}/forums/no-such-forum")
        assert response.status == 404
        check_a11y(page)


def test_language_switcher_keeps_the_page_and_the_layout_mirrors(page):
    page.goto("/en/forums/forum-a")
    name_box = page.locator(".engage-header__name").bounding_box()
    nav_box = page.locator("header nav").bounding_box()
    assert name_box["x"] < nav_box["x"]  # left to right: name first, on the left

    page.get_by_role("link", name="اردو").click()
    page.wait_for_url("**/ur/forums/forum-a")
    assert page.locator("html").get_attribute("dir") == "rtl"
    name_box = page.locator(".engage-header__name").bounding_box()
    nav_box = page.locator("header nav").bounding_box()
    assert name_box["x"] > nav_box["x"]  # right to left: the name is now on the right
    assert page.locator("h1").inner_text() == "Forum A"

    page.get_by_role("link", name="English").click()
    page.wait_for_url("**/en/forums/forum-a")


def test_sign_in_with_the_wrong_password_shows_the_error_summary(page, live_server, check_a11y):
    for locale in LOCALES:
        sign_in(page, live_server.cast.emails["host"], "not the password", locale=locale)
        summary = page.locator(".nhsuk-error-summary")
        assert summary.is_visible()
        check_a11y(page, f"login error {locale}")
    page.goto("/en/login")
    page.locator("main button[type=submit]").click()
    assert "Enter your email address" in page.locator(".nhsuk-error-summary").inner_text()


@pytest.mark.parametrize("locale", LOCALES)
def test_signed_in_pages_are_accessible(page, live_server, check_a11y, locale):
    sign_in(page, live_server.cast.emails["admin"], locale=locale)
    for path in [
        "/account",
        "/organisations",
        "/organisations/forum-a",
        "/organisations/forum-a/invite",
        "/admin/users",
        "/forums/forum-a/edit",
    ]:
        response = page.goto(f"/{locale}{path}")
        assert response.status == 200, path
        check_a11y(page, f"/{locale}{path}")
    sign_out(page)
    assert page.console_errors == [], page.console_errors


def test_api_token_create_and_revoke(page, live_server, check_a11y):
    sign_in(page, live_server.cast.emails["analyst"])
    page.goto("/en/account")
    page.fill("#token-name", "board dashboard")
    page.get_by_role("button", name="Create a token").click()
    token = page.locator(".engage-token").inner_text().strip()
    assert token.startswith("eng_")
    check_a11y(page, "account with new token")
    page.get_by_role("button", name=re.compile("Revoke")).first.click()
    assert "The token has been revoked" in page.locator("main").inner_text()
    sign_out(page)


def test_invitation_journey_over_real_email(page, browser, live_server, smtp_server, check_a11y):
    live_server.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    try:
        sign_in(page, live_server.cast.emails["host"])
        page.goto("/en/organisations/forum-a")
        page.get_by_role("link", name="Invite someone").click()
        page.fill("#email", "browser.invitee@example.org")
        page.select_option("#role", "member")
        page.get_by_role("button", name="Send invitation").click()
        assert "Invitation sent to browser.invitee@example.org" in page.inner_text("main")
        sign_out(page)

        body = smtp_server.messages[-1].get_content()
        link = re.search(r"https?://\S+", body).group(0)
        invitee = browser.new_context().new_page()
        invitee.goto(link)
        check_a11y(invitee, "accept invitation")
        invitee.fill("#name", "Browser Invitee")
        invitee.fill("#password", "a long new password")
        invitee.fill("#confirm", "a long new password")
        invitee.get_by_role("button", name="Create your account").click()
        assert "Member, Forum A" in invitee.inner_text("main")
        invitee.context.close()
    finally:
        live_server.config["MAIL_SERVER"] = None


def test_password_reset_journey(page, live_server, smtp_server):
    live_server.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    try:
        page.goto("/ur/password/forgot")
        page.fill("#email", live_server.cast.emails["commissioner"])
        page.locator("main button[type=submit]").click()
        page.wait_for_load_state()
        link = re.search(r"https?://\S+", smtp_server.wait()[-1].get_content()).group(0)
        assert "/ur/password/reset/" in link
        page.goto(link)
        page.fill("#password", "reset in the browser")
        page.fill("#confirm", "reset in the browser")
        page.locator("main button[type=submit]").click()
        page.wait_for_url("**/ur/login")
        sign_in(page, live_server.cast.emails["commissioner"], "reset in the browser")
        assert page.url.endswith("/en/")
        sign_out(page)
    finally:
        live_server.config["MAIL_SERVER"] = None


def test_everything_works_without_javascript(nojs_page, live_server):
    page = nojs_page
    sign_in(page, live_server.cast.emails["other_host"])
    page.goto("/en/forums/forum-b/edit")
    page.fill("#description", "Edited without JavaScript.")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/en/forums/forum-b")
    assert "Edited without JavaScript." in page.inner_text("main")
    page.locator("header button[type=submit]").click()
    page.wait_for_load_state()
    assert page.get_by_role("link", name="Sign in").is_visible()


def test_admin_adds_an_organisation_and_manages_an_account(page, live_server, check_a11y):
    sign_in(page, live_server.cast.emails["admin"], locale="ur")
    page.goto("/ur/organisations/new")
    page.locator("main button[type=submit]").click()
    assert page.locator(".nhsuk-error-summary").is_visible()
    check_a11y(page, "new organisation with errors (ur)")
    page.fill("#name", "Oldham Bangladeshi Carers")
    page.fill("#slug", "oldham-carers")
    page.select_option("#kind", "vcs")
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/ur/organisations/oldham-carers")
    assert page.locator("h1").inner_text() == "Oldham Bangladeshi Carers"

    page.goto("/en/admin/users")
    member = live_server.cast.emails["member"]
    page.get_by_role("button", name=f"Deactivate {member}").click()
    assert f"{member} has been deactivated" in page.inner_text("main")
    check_a11y(page, "users after deactivation")
    page.get_by_role("button", name=f"Reactivate {member}").click()
    assert f"{member} can sign in again" in page.inner_text("main")
    sign_out(page)


def test_change_password_in_the_browser(page, live_server):
    email = live_server.cast.emails["other_host"]
    sign_in(page, email)
    page.goto("/en/account")
    page.fill("#pw-current_password", PASSWORD)
    page.fill("#pw-password", "changed in the browser")
    page.fill("#pw-confirm", "changed in the browser")
    page.get_by_role("button", name="Change password").click()
    assert "Your password has been changed" in page.inner_text("main")
    sign_out(page)
    sign_in(page, email, "changed in the browser")
    assert page.url.endswith("/en/")
    sign_out(page)
