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


def as_list(value) -> list:
    """The chosen codes of an answer: a multiple choice's list, else [the value]."""
    return value if isinstance(value, list) else [value]


def scale_item(number: int, value) -> dict:
    return {
        "value": str(number),
        "text": str(number),
        "checked": value is not None and str(value) == str(number),
    }


def error_item(item: tuple) -> dict:
    """An error summary entry from (field name, message), linking to the field."""
    key, message = item
    return {"text": str(message), "href": f"#{key}" if key else "#maincontent"}


def category_item(category, value) -> dict:
    """A radio item for a community category (engage.communities.categories)."""
    return {"value": category.code, "text": str(category.label), "checked": category.code == value}


def option_labels(value, question, t) -> str:
    """The labels of the options chosen, as a list in the page's language ("a، b")."""
    from babel.lists import format_list
    from flask_babel import get_locale

    codes = value if isinstance(value, list) else [value]
    labels = {o.code: t(o.label).text for o in question.options}
    return format_list([labels.get(str(c), str(c)) for c in codes], locale=get_locale())


def iso_date(value) -> str:
    """An ISO date (as answers keep them) in the page's language."""
    from datetime import date

    try:
        return format_date(date.fromisoformat(str(value)), "long")
    except ValueError:
        return str(value)


def monitoring_label(value, key: str) -> str:
    from engage.communities.categories import DIMENSION_BY_KEY, ETHNIC_GROUPS

    if value in (None, ""):
        return ""
    if key == "ethnic_group":
        for category in ETHNIC_GROUPS:
            if category.code == value:
                return str(category.label)
    dimension = DIMENSION_BY_KEY.get(key)
    if dimension is not None and (dimension.kind == "choice" or value == "not_stated"):
        return dimension.label(value) or str(value)
    return str(value)


def init_app(app: Flask) -> None:
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.add_template_filter(select_item, "engage_select_item")
    app.add_template_filter(option_item, "engage_option_item")
    app.add_template_filter(scale_item, "engage_scale_item")
    app.add_template_filter(as_list, "engage_as_list")
    app.add_template_filter(error_item, "engage_error_item")
    app.add_template_filter(category_item, "engage_category_item")
    app.add_template_filter(option_labels, "engage_option_labels")
    app.add_template_filter(monitoring_label, "engage_monitoring_label")
    app.add_template_filter(iso_date, "engage_iso_date")
    app.add_template_filter(lambda d: format_date(d, "medium") if d else "", "date")
    app.add_template_filter(lambda d: format_datetime(d, "medium") if d else "", "datetime")
