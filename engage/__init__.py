"""Engage: multilingual health engagement for commissioners and communities."""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from jinja2 import ChainableUndefined, ChoiceLoader, FileSystemLoader, PackageLoader

from engage.config import Config
from engage.resources import resource_dir

__version__ = "0.1.0"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    instance_path = os.environ.get("ENGAGE_INSTANCE_PATH") or str(Path.cwd() / "instance")
    if test_config and "INSTANCE_PATH" in test_config:
        instance_path = str(test_config["INSTANCE_PATH"])
    app = Flask(__name__, instance_path=instance_path, instance_relative_config=True)
    app.config.from_object(Config)
    if test_config is None:
        app.config.from_prefixed_env("ENGAGE")
    else:
        app.config.from_mapping(test_config)
    _finish_config(app)

    app.jinja_options = {
        # the NHS.UK macros read optional nested parameters
        "undefined": ChainableUndefined,
        "loader": ChoiceLoader(
            [
                FileSystemLoader(str(resource_dir("templates"))),
                PackageLoader("nhsuk_frontend_jinja"),
            ]
        ),
        # HTML is escaped everywhere (the NHS macros are .jinja files); plain-text
        # email bodies are not HTML and must not be
        "autoescape": lambda name: not (name or "").endswith(".txt"),
        "trim_blocks": True,
        "lstrip_blocks": True,
    }

    if app.config["PROXY_COUNT"]:
        # behind N reverse proxies: the client's address and scheme come from X-Forwarded-*
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)

    _init_extensions(app)
    _register_blueprints(app)

    from engage import cli

    cli.init_app(app)
    return app


def _finish_config(app: Flask) -> None:
    config = app.config
    # the environment is read as JSON: ENGAGE_SECRET_KEY=123 would arrive as a number
    for key in (
        "SECRET_KEY",
        "DATABASE_URL",
        "MAIL_SERVER",
        "MAIL_SENDER",
        "BASE_URL",
        "ORG_NAME",
        "ORG_COLOUR",
        "ORG_COLOUR_TEXT",
        "BIND",
        "REDIS_URL",
    ):
        if config.get(key) is not None and not isinstance(config[key], str):
            config[key] = str(config[key])
    if not config.get("DATABASE_URL"):
        os.makedirs(app.instance_path, exist_ok=True)
        config["DATABASE_URL"] = "sqlite:///" + os.path.join(app.instance_path, "engage.sqlite")
    config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"]
    # errors are logged without the values bound to SQL: they can be personal data
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"hide_parameters": True})
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret(app.instance_path)
    config["RATELIMIT_STORAGE_URI"] = config.get("REDIS_URL") or "memory://"
    # if Redis goes away, keep limiting in memory rather than failing the request
    config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    config["BABEL_TRANSLATION_DIRECTORIES"] = str(resource_dir("translations"))
    config["BABEL_DEFAULT_LOCALE"] = next(iter(config["LANGUAGES"]))
    config["MAIL_PORT"] = int(config["MAIL_PORT"])
    config["PROXY_COUNT"] = int(config.get("PROXY_COUNT") or 0)


def _instance_secret(instance_path: str) -> str:
    """A random key kept in the instance folder, made once, shared by every worker."""
    os.makedirs(instance_path, exist_ok=True)
    path = os.path.join(instance_path, "secret_key")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(48))
    with open(path) as f:
        return f.read().strip()


def _init_extensions(app: Flask) -> None:
    from engage import i18n
    from engage.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        _sqlite_pragmas(app)
    else:
        from engage import pool

        with app.app_context():
            pool.init_engine(db.engine, float(app.config["DATABASE_PING_AFTER"]))
    migrate.init_app(
        app, db, directory=str(resource_dir("migrations")), render_as_batch=True, compare_type=True
    )
    babel.init_app(app, locale_selector=i18n.current_locale)
    _larger_imports(app)  # before CSRFProtect, which reads the form
    csrf.init_app(app)
    limiter.init_app(app)
    _limit_in_views_only(app, limiter)
    login_manager.init_app(app)
    _anonymous_without_lookup(app, login_manager)
    i18n.init_app(app)

    _kept_key_csrf_token(app)

    from engage.web.sessions import SessionInterface

    app.session_interface = SessionInterface()


#: views that take files larger than MAX_CONTENT_LENGTH (up to IMPORT_MAX_CONTENT_LENGTH)
LARGE_UPLOADS = frozenset({"response_data.import_form"})


def _larger_imports(app: Flask) -> None:
    """A response import's upload may be larger than any other request's body: from a
    signed-in user only (the view checks the rest), so that nobody else can make the
    server take in gigabytes."""
    from flask import request
    from flask_login import current_user

    @app.before_request
    def larger_upload_limit():
        if (
            request.method == "POST"
            and request.endpoint in LARGE_UPLOADS
            and current_user.is_authenticated
        ):
            request.max_content_length = app.config["IMPORT_MAX_CONTENT_LENGTH"]


def _kept_key_csrf_token(app: Flask) -> None:
    """Templates' ``csrf_token()`` (a global and a context processor of Flask-WTF's): the
    same token, signed with less work (engage.web.signing)."""
    from engage.web.signing import csrf_token

    app.jinja_env.globals["csrf_token"] = csrf_token
    processors = app.template_context_processors[None]
    for i, processor in enumerate(processors):
        if getattr(processor, "__module__", None) == "flask_wtf.csrf":
            processors[i] = lambda: {"csrf_token": csrf_token}


def _anonymous_without_lookup(app: Flask, manager) -> None:
    """A visitor whose session names no user, without a remember-me cookie, is anonymous
    from the start of the request. Flask-Login would find that out at the first use of
    ``current_user``, after hashing the visitor's address and browser for its session
    protection (which protects a signed-in session: there is none). Not when a request
    or header loader could find a user another way."""
    from flask import g, request, session
    from flask_login.config import COOKIE_NAME

    @app.before_request
    def anonymous_visitor() -> None:
        if (
            manager._request_callback is None
            and manager._header_callback is None
            and "_user_id" not in session
            and app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) not in request.cookies
        ):
            g._login_user = manager.anonymous_user()


def _limit_in_views_only(app: Flask, limiter) -> None:
    """Flask-Limiter checks every request before its view for the application, default,
    blueprint and meta limits; a limit on a view (``@limiter.limit``) is checked by the
    view's own decorator. Engage sets only the latter, and the check before the view
    costs more than a bare page, so it is skipped while none of the former is set (as
    configured, ``RATELIMIT_DEFAULT`` and the like still take effect)."""
    funcs = app.before_request_funcs.setdefault(None, [])
    check = limiter._check_request_limit
    manager = getattr(limiter, "limit_manager", None)
    if check not in funcs or manager is None:
        return

    def check_request_limit() -> None:
        if (
            manager._application_limits
            or manager._default_limits
            or manager._blueprint_limits
            or limiter._meta_limits
            or limiter._in_memory_fallback
        ):
            check()

    funcs[funcs.index(check)] = check_request_limit

    # after the view, and at the end of the request, it has nothing to do where no limit
    # was checked (its state for the request, kept on the request context, was never made)
    from flask.globals import _cv_request

    def used() -> bool:
        ctx = _cv_request.get(None)
        return ctx is None or hasattr(ctx, "_limiter_request_context")

    after = app.after_request_funcs.setdefault(None, [])
    for i, func in enumerate(after):
        if getattr(func, "args", None) == (limiter,):  # partial(Limiter.__inject_headers, …)
            after[i] = lambda response, inject=func: inject(response) if used() else response
    teardown = app.teardown_request_funcs.setdefault(None, [])
    for i, func in enumerate(teardown):
        if getattr(func, "__self__", None) is limiter:  # Limiter.__release_context
            teardown[i] = lambda exc=None, release=func: release(exc) if used() else None


def _sqlite_pragmas(app: Flask) -> None:
    """Foreign keys on, and real transactions (savepoints) with the pysqlite driver."""
    from sqlalchemy import event

    from engage.extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # readers do not wait for a writer: several gunicorn workers on one file
        cursor.execute("PRAGMA journal_mode=WAL")
        # the log is copied into the database (and synced) every 10,000 pages (40 MB)
        # rather than 1,000: a response writes some 170 pages, mostly index pages that
        # the ones before wrote too, so fewer, larger copies write each page fewer times.
        # Every commit is still synced (synchronous stays FULL): nothing committed is lost
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        # a request that may write takes the write lock at once: a deferred transaction
        # that reads, then writes after another worker committed, fails at once with
        # "database is locked" (busy_timeout cannot help it); IMMEDIATE waits its turn
        # (on the DBAPI connection: exec_driver_sql costs as much as the page's query)
        dbapi_connection = conn.connection.dbapi_connection
        if _read_only_request():
            dbapi_connection.execute("BEGIN")
        else:
            _begin_immediate(dbapi_connection)


#: how long SQLite waits for a lock held by another connection
BUSY_TIMEOUT_MS = 5000
#: how long a write waits for the database's write lock before "database is locked"
WRITE_LOCK_SECONDS = 5.0
#: how often a waiting write tries again for the lock: often at first, then less
WRITE_LOCK_POLL = (0.0002, 0.002)
#: after this long waiting, the second, slower pace
WRITE_LOCK_POLL_FAST_FOR = 0.05


def _begin_immediate(dbapi_connection) -> None:
    """BEGIN IMMEDIATE, waiting for the write lock by trying again every 0.2 ms (every
    2 ms after the first 50 ms), for ``WRITE_LOCK_SECONDS`` at most; then "database is
    locked", as before.

    SQLite's own busy handler (busy_timeout) sleeps 1, 2, 5, 10 ms... between its tries,
    so a writer that finds the lock taken waits about 8 ms for a survey submit that
    holds it about 3: with two workers writing at once, the database was idle much of
    the time (bench/submit_survey.py: 135-170 submits a second, against 209-243 so).
    While it waits, the busy timeout is off; every other statement keeps it."""
    started = time.monotonic()
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    while True:
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
            break
        except sqlite3.OperationalError as error:
            waited = time.monotonic() - started
            if not sqlite_busy(error) or waited > WRITE_LOCK_SECONDS:
                # on a broken connection, the error that broke it is the one to see
                with contextlib.suppress(sqlite3.Error):
                    dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
                raise
        time.sleep(WRITE_LOCK_POLL[waited > WRITE_LOCK_POLL_FAST_FOR])
    dbapi_connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def sqlite_busy(error: sqlite3.OperationalError) -> bool:
    """SQLite could not take a lock another connection holds (SQLITE_BUSY: "database is
    locked"; not SQLITE_LOCKED, a conflict within one connection, which is a bug)."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF == sqlite3.SQLITE_BUSY
    return str(error) == "database is locked"


def _read_only_request() -> bool:
    """A GET (HEAD, OPTIONS) reads only; so does a request that set
    ``g.read_only_transaction`` for the transactions it begins while it is set (the
    survey submit reads and checks the draft before it writes)."""
    from flask import g, has_request_context, request

    if not has_request_context():
        return False
    return request.method in {"GET", "HEAD", "OPTIONS"} or g.get("read_only_transaction", False)


def _register_blueprints(app: Flask) -> None:
    # every domain's models, so that the metadata (and so the migrations) is complete
    import engage.communities.models
    import engage.consultations.models
    import engage.insights.models
    import engage.responses.models  # noqa: F401
    from engage.accounts.views import bp as accounts_bp
    from engage.api.views import bp as api_bp
    from engage.communities.views import bp as communities_bp
    from engage.consultations.builder import bp as builder_bp
    from engage.consultations.views import bp as consultations_bp
    from engage.consultations.xlsform_views import bp as xlsform_bp
    from engage.discussions.views import bp as discussions_bp
    from engage.insights.codebook_views import bp as codebook_bp
    from engage.insights.coding_views import bp as coding_bp
    from engage.insights.report_views import bp as reports_bp
    from engage.insights.theme_views import bp as themes_bp
    from engage.insights.views import bp as insights_bp
    from engage.responses.data_views import bp as response_data_bp
    from engage.responses.views import bp as survey_bp
    from engage.web import errors, filters, security
    from engage.web.views import bp as web_bp

    for bp in (
        web_bp,
        accounts_bp,
        discussions_bp,
        consultations_bp,
        builder_bp,
        xlsform_bp,
        survey_bp,
        response_data_bp,
        communities_bp,
        insights_bp,
        coding_bp,
        codebook_bp,
        reports_bp,
        themes_bp,
        api_bp,
    ):
        app.register_blueprint(bp)
    errors.init_app(app)
    filters.init_app(app)
    security.init_app(app)
