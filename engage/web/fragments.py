"""``{% call kept(key) %}…{% endcall %}``: a template fragment made once per key and kept.

Every page repeats the same head, header and footer: a dozen translated strings and
links, which cost more to make than the rest of a survey page. A fragment inside
``kept`` is made the first time its key is seen and the same markup is used after
that. The key must name everything the fragment depends on (the locale, the
configuration it shows); the script root (the URLs' prefix) is added to it. A key
that is ``none`` (or false) keeps nothing: the fragment is made each time, e.g. for a
signed-in person, whose header has their own links and a CSRF token.

A plain ``call`` block rather than a tag of its own, so that Babel's extraction reads
these templates as it is. The markup is kept per app, at most :data:`MAX_KEPT`
fragments.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import Flask, has_request_context, request
from markupsafe import Markup

MAX_KEPT = 500


def init_app(app: Flask) -> None:
    kept_fragments: dict[tuple, Markup | str] = {}

    def kept(key: Hashable, caller: Callable[[], Markup | str]) -> Markup | str:
        """The fragment ``caller`` makes, made once per ``key``; made each time for a
        false ``key``."""
        if not key:
            return caller()
        full_key = (request.script_root if has_request_context() else "", key)
        markup = kept_fragments.get(full_key)
        if markup is None:
            markup = caller()
            if len(kept_fragments) < MAX_KEPT:
                kept_fragments[full_key] = markup
        return markup

    app.jinja_env.globals["kept"] = kept
