"""Template filters: dates and numbers through Babel, in the page's locale."""

from __future__ import annotations

from flask import Flask
from flask_babel import format_date, format_datetime


def select_item(choice: tuple[str, str], selected_value: str | None) -> dict:
    value, text = choice
    return {"value": value, "text": str(text), "selected": value == selected_value}


def option_item(option, t, value) -> dict:
    """A radio or checkbox item for a survey option, its label in the page's language."""
    chosen = value if isinstance(value, list) else [value]
    return {
        "value": option.code,
        "html": t(option.label).__html__(),
        "checked": option.code in chosen,
    }


def scale_item(number: int, value) -> dict:
    return {
        "value": str(number),
        "text": str(number),
        "checked": value is not None and str(value) == str(number),
    }


def init_app(app: Flask) -> None:
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.add_template_filter(select_item, "engage_select_item")
    app.add_template_filter(option_item, "engage_option_item")
    app.add_template_filter(scale_item, "engage_scale_item")
    app.add_template_filter(lambda d: format_date(d, "medium") if d else "", "date")
    app.add_template_filter(lambda d: format_datetime(d, "medium") if d else "", "datetime")
