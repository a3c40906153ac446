"""Keep secrets out of access logs: invitation and password-reset links carry a token."""

from __future__ import annotations

import logging
import re

_TOKEN_PATH = re.compile(r"(/(?:password/reset|invitations|resume)/)[^/\s?\"']+")


def redact(text: str) -> str:
    return _TOKEN_PATH.sub(r"\1[token]", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = ()
        return True


def install_werkzeug_filter() -> None:
    """The development server (``engage demo``) logs every request line."""
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, RedactTokens) for f in logger.filters):
        logger.addFilter(RedactTokens())


def gunicorn_logger_class():
    from gunicorn.glogging import Logger

    class RedactingLogger(Logger):
        def atoms(self, resp, req, environ, request_time):
            atoms = super().atoms(resp, req, environ, request_time)
            for key in ("r", "U"):
                if isinstance(atoms.get(key), str):
                    atoms[key] = redact(atoms[key])
            return atoms

    return RedactingLogger
