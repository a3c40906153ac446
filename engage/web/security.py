"""Security headers on every response, and the template context every page needs."""

from __future__ import annotations

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
            "languages": languages(),
            "switch_language_url": switch_language_url,
            "can": lambda action, obj=None: can(current_user, action, obj),
        }


def switch_language_url(code: str) -> str:
    """The current page in another language, with its query string."""
    from flask import url_for

    endpoint = request.endpoint
    if not endpoint or request.url_rule is None or "locale" not in request.url_rule.arguments:
        return url_for("web.home", locale=code)
    args = dict(request.view_args or {})
    args["locale"] = code
    url = url_for(endpoint, **args)
    if request.query_string:
        url += "?" + request.query_string.decode("latin-1")
    return url
