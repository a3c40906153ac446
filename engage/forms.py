"""The base form every Engage form derives from."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm
from wtforms import TextAreaField

#: NUL and the other C0 controls except tab, newline and carriage return: PostgreSQL
#: refuses NUL in text, and none of them belongs in anything a person types
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")
#: a one-line field keeps no line breaks either (they would break an email header)
_LINE_BREAK = re.compile(r"[\t\r\n\x85\u2028\u2029]+")


def clean_text(value):
    """Without control characters, and with every line break as ``\\n``."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\x85", "\n")
    return _CONTROL.sub("", value)


def clean_line(value):
    return _LINE_BREAK.sub(" ", clean_text(value)) if isinstance(value, str) else value


class Form(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            multiline = issubclass(unbound_field.field_class, TextAreaField)
            filters = unbound_field.kwargs.get("filters", ())
            cleaner = clean_text if multiline else clean_line
            unbound_field.kwargs["filters"] = [cleaner, *filters]
            return unbound_field.bind(form=form, **options)
