"""Email through SMTP (``ENGAGE_MAIL_SERVER`` / ``_PORT`` / ``_SENDER``)."""

from __future__ import annotations

import logging
import smtplib
import threading
from contextlib import suppress
from email.message import EmailMessage

from flask import current_app, render_template, request, url_for

log = logging.getLogger(__name__)
_LOOPBACK = {"localhost", "127.0.0.1", "::1", "[::1]"}


class MailError(Exception):
    """The message could not be sent; the caller tells the user."""


class MailNotConfigured(MailError):
    pass


def external_url(endpoint: str, *, for_email: bool = True, **values) -> str:
    """An absolute link. From ``ENGAGE_BASE_URL`` when set; otherwise from the request's
    Host header, which anyone can set, so an emailed link takes it only on this machine
    itself. A link shown on screen to the person who asked may always use it."""
    path = url_for(endpoint, **values)
    base = current_app.config.get("BASE_URL")
    if base:
        return str(base).rstrip("/") + path
    if not for_email or request.host.rsplit(":", 1)[0] in _LOOPBACK or request.host in _LOOPBACK:
        return request.host_url.rstrip("/") + path
    log.warning("ENGAGE_BASE_URL is not set: no link can be emailed")
    raise MailNotConfigured()


def _message(to: str, subject: str, template: str, **context) -> EmailMessage:
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        raise MailNotConfigured()
    message = EmailMessage()
    try:
        message["From"] = config["MAIL_SENDER"]
        message["To"] = to
        message["Subject"] = subject
    except ValueError as exc:  # a line break in a header
        raise MailError() from exc
    message.set_content(render_template(f"emails/{template}.txt", **context))
    return message


def _deliver(config: dict, message: EmailMessage, template: str) -> None:
    try:
        with smtplib.SMTP(
            config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=config["MAIL_TIMEOUT"]
        ) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        # the address is personal data: log the failure, not the recipient
        log.warning("email %r could not be sent: %s", template, type(exc).__name__)
        raise MailError() from exc


def send(to: str, subject: str, template: str, **context) -> None:
    """Render ``templates/emails/<template>.txt`` and send it as plain text, now."""
    _deliver(current_app.config, _message(to, subject, template, **context), template)


def send_in_background(to: str, subject: str, template: str, **context) -> None:
    """Render now, deliver on a thread, so that the response takes the same time whether
    or not a message goes out (nothing to learn about which addresses have accounts)."""
    message = _message(to, subject, template, **context)
    config = {k: current_app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT", "MAIL_TIMEOUT")}

    def deliver():
        with suppress(MailError):  # already logged, without the address
            _deliver(config, message, template)

    threading.Thread(target=deliver, name="engage-mail", daemon=True).start()
