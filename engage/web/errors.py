"""Error pages in the page's language; never a bare 500 for bad input."""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sqlalchemy_errors
from werkzeug.exceptions import HTTPException, InternalServerError

from engage.i18n import _l, languages, preferred_locale

log = logging.getLogger(__name__)

MESSAGES = {
    400: (
        _l("Sorry, there is a problem with that request"),
        _l("The page could not use what was sent. Go back and try again."),
    ),
    403: (
        _l("You do not have permission to see this page"),
        _l("If you think you should, ask an administrator of your organisation."),
    ),
    404: (
        _l("Page not found"),
        _l(
            "If you typed the web address, check it is correct. "
            "If you pasted the web address, check you copied the entire address."
        ),
    ),
    405: (_l("Sorry, that cannot be done here"), _l("Go back to the previous page and try again.")),
    413: (_l("The file is too large"), _l("Choose a smaller file and try again.")),
    429: (
        _l("Too many attempts"),
        _l(
            "You have tried too many times. Wait 15 minutes, then try again. "
            "If you have forgotten your password, you can reset it."
        ),
    ),
    500: (
        _l("Sorry, there is a problem with the service"),
        _l("Try again later. What you had already saved has not been lost."),
    ),
    503: (_l("Sorry, the service is unavailable"), _l("Try again later.")),
}
BUSY_MESSAGE = (
    _l("Sorry, the service is busy"),
    _l(
        "Nothing was changed. Wait a few seconds, then go back and try again. "
        "What you had already saved has not been lost."
    ),
)
UNAVAILABLE_MESSAGE = (
    MESSAGES[503][0],
    _l(
        "Wait a few seconds, then go back and try again. "
        "What you had already saved has not been lost."
    ),
)
#: seconds a client is asked to wait after a busy database (the Retry-After header)
BUSY_RETRY_AFTER = 5
CSRF_MESSAGE = (
    _l("Your session has expired"),
    _l("For your security, the form timed out. Go back, reload the page and try again."),
)


def render_error(code: int, title=None, message=None):
    if getattr(g, "locale", None) not in languages():
        g.locale = preferred_locale()
        g.keep_locale_cookie = True
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    if request.path.startswith("/api/"):
        # the API's own error shape (engage.api.views): {"error": {"message": ...}}
        return {"error": {"message": str(title or default_title)}}, code
    return (
        render_template(
            "errors/error.html",
            code=code,
            title=title or default_title,
            message=message or default_message,
        ),
        code,
    )


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, *CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(Exception)
    def unexpected_error(error):
        if isinstance(error, HTTPException):
            return http_error(error)
        from engage.extensions import db

        busy = database_busy(error)
        if busy or database_unavailable(error):
            # a load or a server that went away, not a fault: the transaction is rolled
            # back and the request can be sent again (a submit sent twice still stores
            # one response)
            log.warning(
                "database %s on %s %s",
                "busy" if busy else "unavailable",
                request.method,
                request.endpoint,
            )
            db.session.rollback()
            if "_login_user" not in g:
                # the page's header would load the signed-in user: from the database
                # that could not answer. Shown as signed out, this once
                from engage.extensions import login_manager

                g._login_user = login_manager.anonymous_user()
            response = render_error(503, *(BUSY_MESSAGE if busy else UNAVAILABLE_MESSAGE))
            return response[0], 503, {"Retry-After": str(BUSY_RETRY_AFTER)}
        log.exception("unhandled error on %s %s", request.method, request.endpoint)
        db.session.rollback()
        return render_error(InternalServerError.code)


def database_busy(error: BaseException) -> bool:
    """The database could not take the request in time: SQLite's write lock held past
    the wait (``engage.WRITE_LOCK_SECONDS``, or the busy timeout of a statement), or
    every pooled connection in use past the pool's timeout."""
    if isinstance(error, sqlalchemy_errors.TimeoutError):
        return True
    if isinstance(error, sqlalchemy_errors.OperationalError):
        error = error.orig
    if isinstance(error, sqlite3.OperationalError):
        from engage import sqlite_busy

        return sqlite_busy(error)
    return False


def database_unavailable(error: BaseException) -> bool:
    """The database server could not be reached, or the connection to it was lost during
    the request (a restart, a failover; engage.pool replaces such connections): as
    SQLAlchemy raises it (a connection it invalidated, or a connection that could not be
    made: no statement), or a server that said it is going away (SQLSTATE class 08, but
    not 08P01, a protocol violation: a bug; or 57P, a shutdown)."""
    if not isinstance(error, sqlalchemy_errors.DBAPIError):
        return False
    if error.connection_invalidated:
        return True
    if error.statement is None and isinstance(error, sqlalchemy_errors.OperationalError):
        return True  # the connection could not be made
    state = getattr(error.orig, "sqlstate", None) or ""
    return (state.startswith("08") and state != "08P01") or state.startswith("57P")
