"""Email through SMTP (``ENGAGE_MAIL_SERVER`` / ``_PORT`` / ``_SENDER``)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage

from flask import current_app, render_template

log = logging.getLogger(__name__)


class MailError(Exception):
    """The message could not be sent; the caller tells the user."""


class MailNotConfigured(MailError):
    pass


def send(to: str, subject: str, template: str, **context) -> None:
    """Render ``templates/emails/<template>.txt`` and send it as plain text."""
    config = current_app.config
    if not config.get("MAIL_SERVER"):
        raise MailNotConfigured()
    message = EmailMessage()
    message["From"] = config["MAIL_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(render_template(f"emails/{template}.txt", **context))
    try:
        with smtplib.SMTP(
            config["MAIL_SERVER"], int(config["MAIL_PORT"]), timeout=config["MAIL_TIMEOUT"]
        ) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        # the address is personal data: log the failure, not the recipient
        log.warning("email %r could not be sent: %s", template, type(exc).__name__)
        raise MailError() from exc
