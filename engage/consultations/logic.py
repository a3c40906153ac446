"""Skip logic and pages, evaluated on the server.

A condition (``Question.show_if``) is JSON:

- ``{"q": KEY, "op": "eq" | "ne", "value": CODE_OR_TEXT}``: the answer equals / does not
- ``{"q": KEY, "op": "selected", "value": CODE}``: a multiple choice includes the code
  (for a single choice it is the same as ``eq``)
- ``{"q": KEY, "op": "answered"}``: any answer was given
- ``{"q": KEY, "op": "gt" | "ge" | "lt" | "le", "value": NUMBER}``: numbers and scales
- ``{"all": [COND, ...]}``, ``{"any": [COND, ...]}``, ``{"not": COND}``

Pages: each section is a page, except that a question whose condition reads a question
on the same page starts a new page, so a condition only ever reads earlier pages.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

Condition = Mapping[str, Any]

COMPARISONS = {"eq", "ne", "selected", "answered", "gt", "ge", "lt", "le"}


class ConditionError(ValueError):
    """A condition that is not well formed, or reads a question it may not."""


def keys_in(condition: Condition | None) -> set[str]:
    """Every question key a condition reads."""
    if not condition:
        return set()
    if "all" in condition or "any" in condition:
        return set().union(*(keys_in(c) for c in condition.get("all") or condition.get("any")))
    if "not" in condition:
        return keys_in(condition["not"])
    return {condition["q"]}


def validate(condition: Any, earlier_keys: Iterable[str]) -> None:
    """Raise :class:`ConditionError` unless ``condition`` is well formed and reads only
    questions in ``earlier_keys``."""
    earlier = set(earlier_keys)

    def check(c: Any) -> None:
        if not isinstance(c, Mapping):
            raise ConditionError("a condition must be an object")
        if "all" in c or "any" in c:
            parts = c.get("all") if "all" in c else c.get("any")
            if not isinstance(parts, list) or not parts:
                raise ConditionError("all/any need a list of conditions")
            for part in parts:
                check(part)
            return
        if "not" in c:
            check(c["not"])
            return
        if c.get("op") not in COMPARISONS or not isinstance(c.get("q"), str):
            raise ConditionError("a comparison needs q and a known op")
        if c["q"] not in earlier:
            raise ConditionError(f"{c['q']} is not an earlier question")
        if c["op"] in {"gt", "ge", "lt", "le"} and not isinstance(c.get("value"), int | float):
            raise ConditionError("a numeric comparison needs a number")
        if c["op"] != "answered" and "value" not in c:
            raise ConditionError("a comparison needs a value")

    check(condition)


def _is_answered(value: Any) -> bool:
    return value not in (None, "", [])


def evaluate(condition: Condition | None, answers: Mapping[str, Any]) -> bool:
    """Whether a question with this condition is shown, given the answers so far.
    An unanswered question makes a comparison false (and ``not`` of it true)."""
    if not condition:
        return True
    if "all" in condition:
        return all(evaluate(c, answers) for c in condition["all"])
    if "any" in condition:
        return any(evaluate(c, answers) for c in condition["any"])
    if "not" in condition:
        return not evaluate(condition["not"], answers)
    value = answers.get(condition["q"])
    op = condition["op"]
    if op == "answered":
        return _is_answered(value)
    if not _is_answered(value):
        return False
    target = condition.get("value")
    if op in {"eq", "ne", "selected"}:
        if isinstance(value, list):
            hit = str(target) in [str(v) for v in value]
            if op == "eq":
                return hit and len(value) == 1
            return not hit if op == "ne" else hit
        same = str(value) == str(target)
        if isinstance(value, int | float) and isinstance(target, int | float):
            same = float(value) == float(target)
        return not same if op == "ne" else same
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return {
        "gt": number > target,
        "ge": number >= target,
        "lt": number < target,
        "le": number <= target,
    }[op]


def pages(sections: Sequence[Any]) -> list[list[Any]]:
    """The survey's pages: lists of questions (objects with ``key`` and ``show_if``),
    in order. ``sections`` are objects with ``questions`` in order."""
    result: list[list[Any]] = []
    for section in sections:
        page: list[Any] = []
        on_page: set[str] = set()
        for question in section.questions:
            if page and keys_in(question.show_if) & on_page:
                result.append(page)
                page, on_page = [], set()
            page.append(question)
            on_page.add(question.key)
        if page:
            result.append(page)
    return result


def visible(page: Sequence[Any], answers: Mapping[str, Any]) -> list[Any]:
    return [q for q in page if evaluate(q.show_if, answers)]


def relevant_answers(sections: Sequence[Any], answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers to questions that are shown, given the answers before them: an
    answer to a question that a changed earlier answer now hides is dropped."""
    kept: dict[str, Any] = {}
    for page in pages(sections):
        for question in page:
            if evaluate(question.show_if, kept) and _is_answered(answers.get(question.key)):
                kept[question.key] = answers[question.key]
    return kept


def describe(condition: Condition | None, labels: Mapping[str, str] | None = None) -> str:
    """A condition in XLSForm's words (``${q} = 'x'``), for the builder and exports."""
    if not condition:
        return ""
    labels = labels or {}
    if "all" in condition:
        return " and ".join(_wrap(describe(c, labels)) for c in condition["all"])
    if "any" in condition:
        return " or ".join(_wrap(describe(c, labels)) for c in condition["any"])
    if "not" in condition:
        return f"not({describe(condition['not'], labels)})"
    ref = "${" + labels.get(condition["q"], condition["q"]) + "}"
    op = condition["op"]
    if op == "answered":
        return f"{ref} != ''"
    value = condition.get("value")
    literal = repr(value) if isinstance(value, int | float) else "'" + str(value) + "'"
    if op == "selected":
        return f"selected({ref}, {literal})"
    symbol = {"eq": "=", "ne": "!=", "gt": ">", "ge": ">=", "lt": "<", "le": "<="}[op]
    return f"{ref} {symbol} {literal}"


def _wrap(text: str) -> str:
    return f"({text})" if " and " in text or " or " in text else text
