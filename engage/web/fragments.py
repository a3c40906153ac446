"""``{% kept key %}…{% endkept %}``: a template fragment made once per key and kept.

Every page repeats the same head, header and footer: a dozen translated strings and
links, which cost more to make than the rest of a survey page. A fragment inside
``kept`` is made the first time its key is seen and the same markup is used after
that. The key must name everything the fragment depends on (the locale, the
configuration it shows); the script root (the URLs' prefix) is added to it. A key
that is ``none`` (or false) keeps nothing: the fragment is made each time, e.g. for a
signed-in person, whose header has their own links and a CSRF token.

As in the fragment cache example of Jinja's extension documentation; the markup is
kept per app (its Jinja environment), at most :data:`MAX_KEPT` fragments.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import has_request_context, request
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.parser import Parser
from markupsafe import Markup

MAX_KEPT = 500


class KeptFragments(Extension):
    tags = {"kept"}

    def __init__(self, environment):
        super().__init__(environment)
        environment.extend(kept_fragments={})

    def parse(self, parser: Parser) -> nodes.Node:
        lineno = next(parser.stream).lineno
        key = parser.parse_expression()
        body = parser.parse_statements(("name:endkept",), drop_needle=True)
        call = self.call_method("_kept", [key])
        return nodes.CallBlock(call, [], [], body).set_lineno(lineno)

    def _kept(self, key, caller: Callable[[], str]) -> Markup | str:
        if not key:
            return caller()
        root = request.script_root if has_request_context() else ""
        full_key = (root, key)
        kept: dict = self.environment.kept_fragments
        markup = kept.get(full_key)
        if markup is None:
            markup = caller()
            if len(kept) < MAX_KEPT:
                kept[full_key] = markup
        return markup
