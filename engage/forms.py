"""The base form every Engage form derives from."""

from __future__ import annotations

import re

from flask_wtf import FlaskForm

#: NUL and the other C0 controls except tab, newline and carriage return: PostgreSQL
#: refuses NUL in text, and none of them belongs in anything a person types
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(value):
    return _CONTROL.sub("", value) if isinstance(value, str) else value


class Form(FlaskForm):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = unbound_field.kwargs.get("filters", ())
            unbound_field.kwargs["filters"] = [clean_text, *filters]
            return unbound_field.bind(form=form, **options)
