"""Locales, locale selection, and the gettext functions every module imports."""

from __future__ import annotations

from types import SimpleNamespace

from flask import abort, current_app, g, request
from flask.globals import _cv_app
from flask_babel import LazyString, get_babel, get_translations, ngettext


def _translations():
    """flask_babel's ``get_translations()``, kept for the rest of the request.

    flask_babel looks up the context, the domain and the locale (and formats the
    locale's name) on every call: a page makes dozens. The result is kept next to the
    locale flask_babel keeps for the request and used while that locale is the same
    object, so ``refresh()`` and ``force_locale()`` are still obeyed.

    The first call of a request would ask the locale selector (:func:`current_locale`)
    and parse its answer; the locale and translations it led to are kept per locale
    code for the app, and set up for the request as flask_babel would."""
    app_ctx = _cv_app.get(None)
    if app_ctx is None:
        return get_translations()
    babel_ctx = app_ctx.g.__dict__.get("_flask_babel")
    locale = getattr(babel_ctx, "babel_locale", None)
    if locale is not None:
        kept = getattr(babel_ctx, "engage_translations", None)
        if kept is not None and kept[0] is locale:
            return kept[1]
    by_code = app_ctx.app.extensions.setdefault(KEPT_TRANSLATIONS, {})
    chosen = locale is None and not _other_domain(babel_ctx)
    if chosen:
        kept = by_code.get(current_locale())
        if kept is not None:
            if babel_ctx is None:
                babel_ctx = app_ctx.g._flask_babel = SimpleNamespace()
            babel_ctx.babel_locale = kept[0]
            babel_ctx.engage_translations = kept
            return kept[1]
    translations = get_translations()
    babel_ctx = app_ctx.g.__dict__.get("_flask_babel")
    locale = getattr(babel_ctx, "babel_locale", None)
    if locale is not None:
        babel_ctx.engage_translations = (locale, translations)
        if chosen and len(by_code) < 100:
            by_code[current_locale()] = (locale, translations)
    return translations


def _other_domain(babel_ctx) -> bool:
    """Whether the request uses a translation domain other than the app's."""
    domain = getattr(babel_ctx, "babel_domain", None)
    return domain is not None and domain is not get_babel().instance.domain_instance


def gettext(string: str, **variables) -> str:
    """flask_babel's ``gettext`` (the same result), with the request's translations kept."""
    translated = _translations().ugettext(string)
    return translated if not variables else translated % variables


def lazy_gettext(string: str, **variables) -> LazyString:
    return LazyString(gettext, string, **variables)


def theme_label(name: str | None) -> str | None:
    """A theme's or category's name in the page's language: those of the default
    codebook are in the catalog (context "theme", see `engage.i18n_tools`); others are
    as their authors wrote them."""
    return _translations().upgettext("theme", name) if name else name


_ = gettext
_l = lazy_gettext
__all__ = ["_", "_l", "ngettext", "RTL_LOCALES", "languages", "current_locale", "text_direction"]

#: scripts written right to left among the languages Engage may offer
RTL_LOCALES = frozenset({"ar", "ur", "fa", "ps", "he", "yi", "ckb"})
LOCALE_COOKIE = "engage_locale"
#: app.extensions key: {locale code: (babel Locale, translations)}, see _translations
KEPT_TRANSLATIONS = "engage.translations"


def languages() -> dict[str, str]:
    """Locale code -> language name in its own script, in display order."""
    return current_app.config["LANGUAGES"]


def default_locale() -> str:
    return next(iter(languages()))


def current_locale() -> str:
    return getattr(g, "locale", None) or default_locale()


def text_direction(locale: str | None = None) -> str:
    code = (locale or current_locale()).split("_")[0]
    return "rtl" if code in RTL_LOCALES else "ltr"


def preferred_locale() -> str:
    """For ``/``: the locale cookie, then Accept-Language, then the default."""
    offered = list(languages())
    cookie = request.cookies.get(LOCALE_COOKIE)
    if cookie in offered:
        return cookie
    return request.accept_languages.best_match(offered) or default_locale()


def init_app(app) -> None:
    """Every page URL starts with ``/<locale>``; this keeps it in ``g`` and in url_for.
    Templates translate with the request's kept translations (see :func:`_translations`)."""
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )
    app.jinja_env.filters["theme_label"] = theme_label

    @app.url_value_preprocessor
    def pull_locale(endpoint, values):
        if values and "locale" in values:
            g.locale = values.pop("locale")

    @app.url_defaults
    def add_locale(endpoint, values):
        if "locale" in values:
            return
        try:
            expects_locale = app.url_map.is_endpoint_expecting(endpoint, "locale")
        except KeyError:  # no such endpoint: let url_for raise its BuildError
            return
        if not expects_locale:
            return
        values["locale"] = current_locale()

    @app.before_request
    def reject_unknown_locale():
        locale = getattr(g, "locale", None)
        if locale is not None and locale not in languages():
            # the not-found page in the visitor's own language, which stays remembered
            g.locale = preferred_locale()
            g.keep_locale_cookie = True
            abort(404)

    @app.after_request
    def remember_locale(response):
        locale = getattr(g, "locale", None)
        if getattr(g, "keep_locale_cookie", False) or locale not in languages():
            return response
        if request.cookies.get(LOCALE_COOKIE) != locale:
            response.set_cookie(
                LOCALE_COOKIE,
                locale,
                max_age=60 * 60 * 24 * 365,
                secure=app.config["SESSION_COOKIE_SECURE"],
                httponly=True,
                samesite="Lax",
            )
        return response
