from __future__ import annotations

import logging

from engage.logs import RedactTokens, redact


def test_tokens_in_links_are_redacted():
    line = '"GET /ur/password/reset/IjE0Ig.abc-_x HTTP/1.1" 200 and /en/invitations/s3cr3t?x=1'
    assert redact(line) == (
        '"GET /ur/password/reset/[token] HTTP/1.1" 200 and /en/invitations/[token]?x=1'
    )
    assert redact("/en/forums/forum-a") == "/en/forums/forum-a"


def test_log_filter_redacts_formatted_records():
    record = logging.LogRecord(
        "werkzeug", logging.INFO, __file__, 1, '"%s" %s', ("GET /en/invitations/abc", 200), None
    )
    RedactTokens().filter(record)
    assert record.getMessage() == '"GET /en/invitations/[token]" 200'
