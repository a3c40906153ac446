"""One answer's value, from what a person typed or a file held, to what is stored.

The respondent journey and the response import share these rules, so a value a
respondent could give imports, and an exported value imports back unchanged.

Values in a draft (and in :func:`parse`'s result) are JSON: an option code (str), a list
of codes, a number (int or float), text, or an ISO date string.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date
from typing import Any

from engage.communities.categories import postcode_district
from engage.consultations.models import Question, QuestionType
from engage.i18n import _l

TEXT_LIMITS = {QuestionType.short_text: 500, QuestionType.long_text: 10_000}
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")


class Problem(ValueError):
    """A value that cannot be taken; ``message`` is shown in the page's language."""

    def __init__(self, message: Any):
        super().__init__(str(message))
        self.message = message


def is_empty(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, list | tuple):
        return all(is_empty(r) for r in raw)
    return str(raw).strip() == ""


def parse(question: Question, raw: Any) -> Any:
    """The stored value of one answer, or None when it is empty.

    ``raw`` is a string, or a list of strings for a multiple choice (a file gives one
    string with codes separated by ``;``). Raises :class:`Problem`."""
    type_ = question.type
    if type_ == QuestionType.note or is_empty(raw):
        return None
    codes = {o.code for o in question.options}
    if type_ == QuestionType.multiple_choice:
        items = raw if isinstance(raw, list | tuple) else str(raw).split(";")
        chosen = []
        for item in (str(i).strip() for i in items):
            if not item:
                continue
            if item not in codes:
                raise Problem(_l("Select from the options shown"))
            if item not in chosen:
                chosen.append(item)
        # stored in the options' order, so the same choice always reads the same
        order = {o.code: o.position for o in question.options}
        return sorted(chosen, key=lambda c: order[c]) or None
    text = _one(raw)
    if type_.has_options:
        if text not in codes:
            raise Problem(_l("Select one of the options shown"))
        return text
    if type_ == QuestionType.scale:
        number = _number(text)
        if number is None or number != int(number) or not 0 <= number <= 10:
            raise Problem(_l("Choose a number from 0 to 10"))
        return int(number)
    if type_ == QuestionType.number:
        return _check_number(question, text)
    if type_ == QuestionType.date:
        return _date(text).isoformat()
    if type_ == QuestionType.postcode_district:
        district = postcode_district(text)
        if district is None:
            raise Problem(_l("Enter the first part of a postcode, like BL1 or M14"))
        return district
    limit = TEXT_LIMITS.get(type_, 500)
    if len(text) > limit:
        raise Problem(_l("Your answer must be %(limit)s characters or fewer", limit=limit))
    return text


def _one(raw: Any) -> str:
    if isinstance(raw, list | tuple):
        values = [str(r).strip() for r in raw if not is_empty(r)]
        if len(values) != 1:
            raise Problem(_l("Give one answer"))
        return values[0]
    return str(raw).strip()


_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
#: thousands separated by commas (or spaces) in groups of three: 1,000 or 12 345.5 (not
#: 0,012, which is a decimal comma)
_GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}([, ])\d{3}(\1\d{3})*(\.\d*)?")


def _number(text: str) -> float | None:
    """The number written, or None. A comma or space may only separate thousands: "7,5"
    (a decimal comma) or "7 5" is not a number, rather than 75. Digits of any script
    count (Urdu's ۱۲۳, Arabic's ١٢٣)."""
    if not text.isascii():
        text = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text)
    if "," in text or " " in text:
        if not _GROUPED.fullmatch(text):
            return None
        text = text.replace(",", "").replace(" ", "")
    elif not _NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _check_number(question: Question, text: str) -> int | float:
    settings = question.settings or {}
    value = _number(text)
    if value is None:
        if "," in text:
            raise Problem(_l("Enter a number with a full stop for decimals, like 7.5"))
        raise Problem(_l("Enter a number, like 3 or 12.5"))
    if settings.get("integer"):
        if value != int(value):
            raise Problem(_l("Enter a whole number, like 3"))
        value = int(value)
    low, high = settings.get("min"), settings.get("max")
    if low is not None and high is not None and not low <= value <= high:
        raise Problem(_l("Enter a number from %(low)s to %(high)s", low=low, high=high))
    if low is not None and value < low:
        raise Problem(_l("Enter a number of %(low)s or more", low=low))
    if high is not None and value > high:
        raise Problem(_l("Enter a number of %(high)s or less", high=high))
    if isinstance(value, float) and value == int(value) and abs(value) < 2**53:
        return int(value)
    return value


def _date(text: str) -> date:
    match = _DMY.match(text)
    try:
        if match:
            day, month, year = (int(g) for g in match.groups())
            return date(year, month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise Problem(_l("Enter a real date, like 27 3 2025 or 2025-03-27")) from None


EMPTY_COLUMNS = {"option_id": None, "number": None, "text": None, "date": None}


def columns(question: Question, value: Any) -> list[dict[str, Any]]:
    """The answer rows for a value, each with all of ``option_id``, ``number``, ``text``
    and ``date`` (so that a list of them can go to one executemany)."""
    if value is None:
        return []
    type_ = question.type
    if type_.has_options:
        ids = {o.code: o.id for o in question.options}
        codes = value if isinstance(value, list) else [value]
        # in the options' id order: the order their rows are checked and locked in, as
        # an author removing options locks them (engage.consultations.authoring), so the
        # two never wait for each other crosswise (a deadlock)
        return [{**EMPTY_COLUMNS, "option_id": i} for i in sorted(ids[c] for c in codes)]
    if type_ in {QuestionType.scale, QuestionType.number}:
        return [{**EMPTY_COLUMNS, "number": float(value)}]
    if type_ == QuestionType.date:
        return [{**EMPTY_COLUMNS, "date": date.fromisoformat(value)}]
    return [{**EMPTY_COLUMNS, "text": str(value)}]


def display(question: Question, value: Any) -> str:
    """The value as it is written in a file: codes joined with ``;``, numbers without a
    needless ``.0``, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, float):
        return str(int(value)) if value == int(value) and abs(value) < 2**53 else repr(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
