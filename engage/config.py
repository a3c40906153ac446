"""Defaults only. The environment (``ENGAGE_*``) overrides every one of them."""

from __future__ import annotations


class Config:
    #: ``None`` means an SQLite file in the instance folder (see create_app)
    DATABASE_URL: str | None = None
    #: ``None`` means a random key kept in the instance folder
    SECRET_KEY: str | None = None
    #: a pooled database connection unused for this many seconds is checked before use
    #: (one empty statement), so that one the server dropped meanwhile (a restart, a
    #: failover) is replaced rather than failing a request (engage.pool)
    DATABASE_PING_AFTER: float = 30
    #: when set, background jobs run on RQ and rate limits are kept in Redis
    REDIS_URL: str | None = None

    #: the site's address as people reach it, e.g. https://engage.example.org; emailed
    #: links use it (never the request's Host header)
    BASE_URL: str | None = None
    #: how many reverse proxies stand in front (their X-Forwarded-* headers are trusted)
    PROXY_COUNT: int = 0

    MAIL_SERVER: str | None = None
    MAIL_PORT: int = 25
    MAIL_SENDER: str = "Engage <no-reply@engage.invalid>"
    MAIL_TIMEOUT: int = 10

    #: name and colours shown in the header; no NHS logo by default
    ORG_NAME: str = "Engage"
    ORG_COLOUR: str = "#005eb8"
    ORG_COLOUR_TEXT: str = "#ffffff"

    #: locale code -> name in its own script; the first is the default
    LANGUAGES: dict[str, str] = {"en": "English", "ur": "اردو"}  # noqa: RUF001

    INVITATION_DAYS: int = 14
    #: how long answers saved part-way through a survey (and the resume link) are kept
    DRAFT_DAYS: int = 30
    #: attempts to withdraw a response by its reference, from one address
    WITHDRAW_LIMIT: str = "10 per hour"

    #: disclosure control on public results: counts below this show as "fewer than N"...
    DISCLOSURE_THRESHOLD: int = 8
    #: ...and every other count is rounded to the nearest multiple of this
    DISCLOSURE_ROUNDING: int = 5

    #: the RQ queue jobs go to when REDIS_URL is set (``engage worker`` takes from it)
    JOBS_QUEUE: str = "engage"
    #: run jobs inside the request that starts them (tests); otherwise on a thread or RQ
    JOBS_INLINE: bool = False
    #: processes that analyse free text in a large run of the text pipeline (both cores
    #: of a small server); 1 keeps it in the process that runs the job
    TEXT_WORKERS: int = 2
    #: an uploaded response file up to this size is checked while the person waits;
    #: a larger one is checked by the import job, which shows its progress
    IMPORT_CHECK_INLINE_BYTES: int = 2 * 1024 * 1024
    PASSWORD_RESET_HOURS: int = 2
    PASSWORD_MIN_LENGTH: int = 10
    #: failed logins allowed before the form is throttled
    #: from one address, for one account: the tight limit
    LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS: str = "5 per 15 minutes"
    #: from one address, whatever the account
    LOGIN_LIMIT_PER_ADDRESS: str = "20 per 15 minutes"
    #: for one account from anywhere: high, so nobody can lock a named person out cheaply
    LOGIN_LIMIT_PER_ACCOUNT: str = "50 per hour"

    SESSION_COOKIE_SECURE: bool = True
    SESSION_COOKIE_HTTPONLY: bool = True
    SESSION_COOKIE_SAMESITE: str = "Lax"
    SESSION_COOKIE_NAME: str = "engage_session"
    PERMANENT_SESSION_LIFETIME: int = 60 * 60 * 12
    WTF_CSRF_TIME_LIMIT: int | None = 60 * 60 * 12

    SQLALCHEMY_TRACK_MODIFICATIONS: bool = False
    MAX_CONTENT_LENGTH: int = 64 * 1024 * 1024
    #: the upload of responses to import may be larger: a million rows of a wide survey
    #: (written to a temporary file as it arrives, never held in memory)
    IMPORT_MAX_CONTENT_LENGTH: int = 2 * 1024 * 1024 * 1024

    #: gunicorn settings for ``engage serve``
    BIND: str = "127.0.0.1:8000"
    WORKERS: int = 2
