"""Security headers on every response, and the template context every page needs."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, request
from flask_login import current_user

from engage.accounts.permissions import can
from engage.i18n import current_locale, languages, text_direction

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if current_user and getattr(current_user, "is_authenticated", False):
            # pages for a signed-in person may hold personal data
            response.cache_control.private = True
            response.cache_control.no_store = True
        return response

    @app.context_processor
    def base_context():
        return {
            "locale": current_locale(),
            "text_dir": text_direction(),
            "text_direction": text_direction,
            "languages": languages(),
            "switch_language_url": switch_language_url,
            "can": lambda action, obj=None: can(current_user, action, obj),
        }


def switch_language_url(code: str) -> str:
    """The current page in another language, with its query string.

    A page shown in answer to a form (a POST) has no address of its own to reload, so
    the switcher goes to the page the form was on, when that page is one of ours.
    """
    from flask import url_for

    rule = request.url_rule
    if rule is not None and "locale" in rule.arguments and request.method == "GET":
        url = url_for(request.endpoint, **{**(request.view_args or {}), "locale": code})
        if request.query_string:
            url += "?" + request.query_string.decode("latin-1")
        return url
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host:
        parts = referrer.path.split("/", 2)
        if len(parts) == 3 and parts[1] in languages():
            return f"/{code}/{parts[2]}" + (f"?{referrer.query}" if referrer.query else "")
    return url_for("web.home", locale=code)
