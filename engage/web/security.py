"""Security headers on every response, requests no database can take refused before
any view reads them, and the template context every page needs."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, abort, g, request, url_for
from flask_login import current_user
from werkzeug.datastructures import ImmutableMultiDict, MultiDict

from engage.accounts.permissions import can
from engage.i18n import current_locale, languages, text_direction
from engage.web import fragments

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


#: set on every response that has not set its own
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "same-origin"),
    ("Permissions-Policy", "geolocation=(), camera=(), microphone=()"),
)
HSTS = ("Strict-Transport-Security", "max-age=31536000")


def _without_nul(values: MultiDict) -> MultiDict | None:
    """``values`` with every NUL character taken out of names and values, or None when
    there was none."""
    pairs = list(values.items(multi=True))
    if not any("\x00" in key or "\x00" in value for key, value in pairs):
        return None
    return ImmutableMultiDict(
        (key.replace("\x00", ""), value.replace("\x00", "")) for key, value in pairs
    )


def init_app(app: Flask) -> None:
    @app.before_request
    def without_nul():
        # a NUL character cannot be stored in PostgreSQL's text, nor compared with it: a
        # slug, query value or form field holding one would make any query that used it
        # fail. No page's address has one (not found); in query and form values it is
        # taken out, as the forms' own filters do (engage.forms.clean_text)
        if "\x00" in request.path:
            abort(404)
        args = _without_nul(request.args)
        if args is not None:
            request.args = args
        if request.method == "POST":
            form = _without_nul(request.form)
            if form is not None:
                request.form = form

    @app.after_request
    def security_headers(response):
        headers = response.headers
        wanted = (
            SECURITY_HEADERS + (HSTS,) if app.config["SESSION_COOKIE_SECURE"] else SECURITY_HEADERS
        )
        # each header unless the response has it (as setdefault, in one pass over them)
        present = {key.lower() for key, _value in headers}
        headers.extend([(k, v) for k, v in wanted if k.lower() not in present])
        if current_user and getattr(current_user, "is_authenticated", False):
            # pages for a signed-in person may hold personal data
            response.cache_control.private = True
            response.cache_control.no_store = True
        return response

    #: {(endpoint or "static", locale or filename, script root): url} for the links every
    #: page has (they take no arguments but the locale); bounded by the app's endpoints
    kept_urls: dict[tuple, str] = {}

    def page_url(endpoint: str) -> str:
        """``url_for(endpoint)`` for an endpoint that takes only the locale, kept."""
        key = (endpoint, current_locale(), request.script_root)
        url = kept_urls.get(key)
        if url is None:
            url = url_for(endpoint)
            if len(kept_urls) < 1000:
                kept_urls[key] = url
        return url

    def static_url(filename: str) -> str:
        """``url_for("static", filename=filename)``, kept."""
        key = ("static", filename, request.script_root)
        url = kept_urls.get(key)
        if url is None:
            url = url_for("static", filename=filename)
            if len(kept_urls) < 1000:
                kept_urls[key] = url
        return url

    def user_can(action, obj=None):
        return can(current_user, action, obj)

    fragments.init_app(app)
    app.jinja_env.globals.update(
        page_url=page_url,
        static_url=static_url,
        text_direction=text_direction,
        switch_language_url=switch_language_url,
        can=user_can,
    )

    @app.context_processor
    def base_context():
        return {"locale": current_locale(), "text_dir": text_direction(), "languages": languages()}


def switch_language_url(code: str) -> str:
    """The current page in another language, with its query string.

    A page shown in answer to a form (a POST) has no address of its own to reload, so
    the switcher goes to the page the form was on, when that page is one of ours.
    """
    rule = request.url_rule
    if rule is not None and "locale" in rule.arguments and request.method == "GET":
        url = _this_page_in(code, rule)
        if request.query_string:
            url += "?" + request.query_string.decode("latin-1")
        return url
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host:
        parts = referrer.path.split("/", 2)
        if len(parts) == 3 and parts[1] in languages():
            return f"/{code}/{parts[2]}" + (f"?{referrer.query}" if referrer.query else "")
    return url_for("web.home", locale=code)


def _this_page_in(code: str, rule) -> str:
    """``url_for`` of this page's endpoint and arguments in the locale ``code``. Once one
    is built, the others are the same address with its first segment (the locale)
    changed, when the rule starts with it and the code needs no quoting."""
    built = g.get("_engage_page_url")
    if built is not None and rule.rule.startswith("/<locale>") and _plain(code):
        built_code, url = built
        prefix = f"{request.script_root}/{built_code}"
        rest = url[len(prefix) :]
        if url.startswith(prefix) and (rest == "" or rest.startswith("/")):
            return f"{request.script_root}/{code}{rest}"
    url = url_for(request.endpoint, **{**(request.view_args or {}), "locale": code})
    if _plain(code):
        g._engage_page_url = (code, url)
    return url


def _plain(code: str) -> bool:
    return code.isascii() and code.replace("_", "").replace("-", "").isalnum()
