"""Results by community: every question of a survey, broken down by one grouping (or two
crossed), with intervals, flags and the difference from the rest of the respondents.

All counting happens in the database: each answer row carries its response's groups
(engage.responses.models.GROUP_COLUMNS), so a grouping is a GROUP BY over the answers
alone, an index scan of that grouping's covering index. At most three statements run
however many questions, options and groups there are; Python only folds the grouped
rows (a few per group and option) into the figures.

Analysts see the figures as counted. Public pages and the public API pass a
:class:`~engage.insights.stats.DisclosureRule`: every count shown is rounded or
suppressed by it and every share and interval comes from the rounded counts, the same
way in every view, so that two views cannot be subtracted to uncover a hidden count.
"""

from __future__ import annotations

import threading
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, func, select

from engage.consultations.cache import QuestionSnapshot, SurveySnapshot
from engage.consultations.models import QuestionType
from engage.extensions import db
from engage.insights import stats
from engage.insights.groupings import GROUPINGS, Group, Grouping
from engage.responses.models import Answer, Response, grouped_answers
from engage.sqltypes import UTC, after_day

#: below this many respondents a group carries the "small sample" caution
SMALL_SAMPLE = 30
#: the FFT answers that count as positive (NHS England's "percentage positive")
FFT_POSITIVE = frozenset({"very_good", "good"})

CHOICE = frozenset({QuestionType.single_choice, QuestionType.multiple_choice})
COUNTED = frozenset(
    {
        QuestionType.single_choice,
        QuestionType.multiple_choice,
        QuestionType.likert,
        QuestionType.fft,
        QuestionType.scale,
    }
)
RESULT_TYPES = COUNTED | {QuestionType.number}

_A = Answer.__table__


# Filters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    """Which responses count; every filter is applied in SQL."""

    date_from: date | None = None
    #: the last day included
    date_to: date | None = None
    channel: str | None = None
    forum_id: int | None = None
    #: (question id, option id): only the responses that gave this answer
    answer: tuple[int, int] | None = None

    def clauses(self, answers=_A) -> list:
        clauses = []
        if self.channel is not None:
            clauses.append(answers.c.channel == self.channel)
        if self.forum_id is not None:
            clauses.append(answers.c.forum_id == self.forum_id)
        if self.date_from is not None or self.date_to is not None:
            clauses.append(answers.c.response_id.in_(self.responses_between()))
        if self.answer is not None:
            chosen = _A.alias("chosen")
            question_id, option_id = self.answer
            clauses.append(
                answers.c.response_id.in_(
                    select(chosen.c.response_id).where(
                        chosen.c.question_id == question_id, chosen.c.option_id == option_id
                    )
                )
            )
        return clauses

    def response_clauses(self) -> list:
        """The same filters on the responses table (representation, completeness)."""
        clauses = []
        if self.channel is not None:
            clauses.append(Response.channel == self.channel)
        if self.forum_id is not None:
            clauses.append(Response.forum_id == self.forum_id)
        clauses.extend(self._date_clauses())
        if self.answer is not None:
            question_id, option_id = self.answer
            clauses.append(
                Response.id.in_(
                    select(_A.c.response_id).where(
                        _A.c.question_id == question_id, _A.c.option_id == option_id
                    )
                )
            )
        return clauses

    def responses_between(self):
        return select(Response.id).where(*self._date_clauses())

    def _date_clauses(self) -> list:
        clauses = []
        if self.date_from is not None:
            clauses.append(Response.submitted_at >= datetime.combine(self.date_from, time(), UTC))
        end = after_day(self.date_to) if self.date_to is not None else None
        if end is not None:
            clauses.append(Response.submitted_at < end)
        return clauses

    @property
    def active(self) -> bool:
        return self != Filters()


# Figures -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    """A count out of a group's n, as shown: with disclosure control, ``count`` is the
    rounded count (None when suppressed) and the share and interval come from it."""

    count: int | None
    value: float | None
    low: float | None
    high: float | None
    suppressed: bool = False

    @property
    def pct(self) -> float | None:
        return None if self.value is None else 100 * self.value

    @property
    def pct_low(self) -> float | None:
        return None if self.low is None else 100 * self.low

    @property
    def pct_high(self) -> float | None:
        return None if self.high is None else 100 * self.high


@dataclass
class OptionCell:
    code: str
    share: Share
    #: the true count (never shown with disclosure control)
    raw: int = 0
    #: the overall share lies outside this group's interval
    flagged: bool = False
    #: this group's share minus the rest's, with Newcombe's interval
    difference: stats.Difference | None = None


@dataclass
class Cell:
    """One group's answers to one question."""

    group: Group
    #: respondents who answered, as shown (None: suppressed)
    n: int | None
    #: the true number of respondents (never shown with disclosure control)
    raw_n: int
    suppressed: bool = False
    options: list[OptionCell] = field(default_factory=list)
    mean: stats.Mean | None = None
    #: FFT: the share answering "very good" or "good"
    positive: OptionCell | None = None
    #: the overall mean lies outside this group's interval
    mean_flagged: bool = False

    @property
    def small(self) -> bool:
        """Fewer than 30 people, judged on the n as shown (a suppressed group already
        says "fewer than 8")."""
        return self.n is not None and 0 < self.n < SMALL_SAMPLE

    @property
    def flagged(self) -> bool:
        if self.positive is not None:
            return self.positive.flagged
        return self.mean_flagged or any(o.flagged for o in self.options)


@dataclass
class QuestionResult:
    question: QuestionSnapshot
    overall: Cell
    groups: list[Cell]

    @property
    def type(self) -> QuestionType:
        return self.question.type

    @property
    def has_mean(self) -> bool:
        return self.question.type in MEAN_TYPES


MEAN_TYPES = frozenset({QuestionType.likert, QuestionType.scale, QuestionType.number})


@dataclass
class Results:
    survey: SurveySnapshot
    grouping: Grouping
    cross: Grouping | None
    filters: Filters
    public: bool
    questions: list[QuestionResult]


# Counting ------------------------------------------------------------------------------


@dataclass
class _Counts:
    """The grouped rows of the three statements, keyed by (question id, group key)."""

    options: dict[tuple[int, Any], dict[Any, int]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(int))
    )
    sums: dict[tuple[int, Any], list[float]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0.0, 0.0])
    )
    respondents: dict[tuple[int, Any], int] = field(default_factory=lambda: defaultdict(int))
    present: set = field(default_factory=set)


def count(
    survey: SurveySnapshot,
    columns: Sequence[str],
    filters: Filters,
) -> list[tuple[str, list[tuple]]]:
    """The grouped rows for every question with results: what is cached. Three
    statements at most: counts by option (and by value on the 0-10 scale), count/sum/sum of
    squares of numbers, and respondents of multiple-choice questions."""
    by_type: dict[str, list[int]] = {"counted": [], "number": [], "multiple": []}
    for question in survey.questions:
        if question.type in COUNTED:
            by_type["counted"].append(question.id)
        if question.type == QuestionType.number:
            by_type["number"].append(question.id)
        if question.type == QuestionType.multiple_choice:
            by_type["multiple"].append(question.id)
    groups = [_A.c[c] for c in columns]
    # an option or a number: the answers the covering indexes hold (text is never counted)
    where = [grouped_answers(), *filters.clauses()]
    out: list[tuple[str, list[tuple]]] = []
    if by_type["counted"]:
        keys = [_A.c.question_id, *groups, _A.c.option_id, _A.c.number]
        statement = (
            select(*keys, func.count())
            .where(_A.c.question_id.in_(bindparam("ids", expanding=True)), *where)
            .group_by(*keys)
        )
        out.append(("counted", _rows(statement, by_type["counted"])))
    if by_type["number"]:
        keys = [_A.c.question_id, *groups]
        statement = (
            select(
                *keys,
                func.count(_A.c.number),
                func.sum(_A.c.number),
                func.sum(_A.c.number * _A.c.number),
            )
            .where(_A.c.question_id.in_(bindparam("ids", expanding=True)), *where)
            .group_by(*keys)
        )
        out.append(("number", _rows(statement, by_type["number"])))
    if by_type["multiple"]:
        keys = [_A.c.question_id, *groups]
        statement = (
            select(*keys, func.count(_A.c.response_id.distinct()))
            .where(_A.c.question_id.in_(bindparam("ids", expanding=True)), *where)
            .group_by(*keys)
        )
        out.append(("multiple", _rows(statement, by_type["multiple"])))
    return out


def _rows(statement, ids: list[int]) -> list[tuple]:
    return [tuple(row) for row in db.session.execute(statement, {"ids": ids})]


def _fold(rows: list[tuple[str, list[tuple]]], groupings: Sequence[Grouping]) -> _Counts:
    width = len(groupings)
    counts = _Counts()

    def key_of(row: tuple) -> Any:
        codes = tuple(g.code_of(v) for g, v in zip(groupings, row[1 : 1 + width], strict=True))
        return codes[0] if width == 1 else codes

    for kind, table in rows:
        for row in table:
            question_id, group = row[0], key_of(row)
            counts.present.add(group)
            if kind == "counted":
                option_id, number, n = row[1 + width :]
                counts.options[question_id, group][
                    option_id if option_id is not None else number
                ] += n
            elif kind == "number":
                n, total, total_sq = row[1 + width :]
                sums = counts.sums[question_id, group]
                sums[0] += n
                sums[1] += total or 0.0
                sums[2] += total_sq or 0.0
            else:
                counts.respondents[question_id, group] += row[1 + width]
    return counts


# Assembling ----------------------------------------------------------------------------


class Shown:
    """Counts and shares as shown: as counted, or through a disclosure rule."""

    def __init__(self, rule: stats.DisclosureRule | None):
        self.rule = rule

    def n(self, n: int) -> tuple[int | None, bool]:
        if self.rule is None:
            return n, False
        shown = self.rule.count(n)
        return shown.value, shown.suppressed

    def share(self, x: int, n: int) -> Share:
        if self.rule is None:
            p = stats.proportion(x, n)
            return Share(x, p.value, p.low, p.high)
        p = self.rule.proportion(x, n)
        return Share(p.count.value, p.value, p.low, p.high, suppressed=p.count.suppressed)

    def difference(self, x1: int, n1: int, x2: int, n2: int) -> stats.Difference | None:
        if self.rule is not None:
            counts = [self.rule.count(c) for c in (x1, n1, x2, n2)]
            if any(c.suppressed for c in counts):
                return None
            x1, n1, x2, n2 = (c.value for c in counts)
        return stats.newcombe(x1, n1, x2, n2)


def _scores(question: QuestionSnapshot) -> dict[int, float]:
    """Likert options scored 5 (the first, "strongly agree") down to 1."""
    options = question.options
    return {o.id: float(len(options) - i) for i, o in enumerate(options)}


def _option_values(question: QuestionSnapshot) -> list[tuple[Any, str]]:
    """(key in the counts, the option's code) in the order the options are shown."""
    if question.type == QuestionType.scale:
        return [(float(v), str(v)) for v in range(0, 11)]
    return [(o.id, o.code) for o in question.options]


def _cell(
    question: QuestionSnapshot,
    group: Group,
    counted: dict[Any, int],
    sums: list[float] | None,
    respondents: int | None,
    shown: Shown,
) -> Cell:
    if question.type == QuestionType.number:
        raw_n = int(sums[0]) if sums else 0
    elif question.type == QuestionType.multiple_choice:
        raw_n = respondents or 0
    else:
        raw_n = sum(counted.values())
    n, suppressed = shown.n(raw_n)
    cell = Cell(group, n, raw_n, suppressed=suppressed)
    if question.type in COUNTED:
        for key, code in _option_values(question):
            x = counted.get(key, 0)
            cell.options.append(OptionCell(code, shown.share(x, raw_n), x))
    if question.type == QuestionType.fft:
        positive_ids = {o.id for o in question.options if o.code in FFT_POSITIVE}
        x = sum(c for k, c in counted.items() if k in positive_ids)
        cell.positive = OptionCell("positive", shown.share(x, raw_n), x)
    if question.type in MEAN_TYPES and not suppressed:
        if question.type == QuestionType.number:
            cell.mean = stats.mean_interval(raw_n, sums[1], sums[2]) if sums else None
        elif question.type == QuestionType.likert:
            scores = _scores(question)
            cell.mean = stats.mean_from_counts(
                {scores[k]: c for k, c in counted.items() if k in scores}
            )
        else:
            cell.mean = stats.mean_from_counts(counted)
    return cell


def _compare(overall: Cell, cell: Cell, shown: Shown) -> None:
    """Flags and differences of a group against everyone (Fingertips) and the rest."""
    for mine, all_ in zip(cell.options, overall.options, strict=True):
        mine.flagged = not mine.share.suppressed and stats.outside(all_.share.value, mine.share)
        mine.difference = _rest(mine, all_, cell, overall, shown)
    if cell.positive is not None and overall.positive is not None:
        mine, all_ = cell.positive, overall.positive
        mine.flagged = not mine.share.suppressed and stats.outside(all_.share.value, mine.share)
        mine.difference = _rest(mine, all_, cell, overall, shown)
    if cell.mean is not None and overall.mean is not None:
        cell.mean_flagged = stats.outside(overall.mean.value, cell.mean)


def _rest(mine: OptionCell, all_: OptionCell, cell: Cell, overall: Cell, shown: Shown):
    return shown.difference(mine.raw, cell.raw_n, all_.raw - mine.raw, overall.raw_n - cell.raw_n)


def assemble(
    survey: SurveySnapshot,
    groupings: Sequence[Grouping],
    counts: _Counts,
    *,
    rule: stats.DisclosureRule | None,
    forums: dict[int, str],
    filters: Filters,
) -> Results:
    shown = Shown(rule)
    group_lists = [
        g.groups(_present(counts, i, len(groupings)), forums) for i, g in enumerate(groupings)
    ]
    if len(groupings) == 1:
        groups = group_lists[0]
    else:
        groups = [
            Group((a.code, b.code), f"{a.label} · {b.label}")
            for a in group_lists[0]
            for b in group_lists[1]
            if (a.code, b.code) in counts.present
        ]
    questions = []
    for question in survey.questions:
        if question.type not in RESULT_TYPES:
            continue
        cells = []
        total_counted: dict[Any, int] = defaultdict(int)
        total_sums = [0, 0.0, 0.0]
        total_respondents = 0
        for group in groups:
            key = (question.id, group.code)
            counted = counts.options.get(key, {})
            sums = counts.sums.get(key)
            respondents = counts.respondents.get(key, 0)
            for k, c in counted.items():
                total_counted[k] += c
            if sums:
                total_sums = [a + b for a, b in zip(total_sums, sums, strict=True)]
            total_respondents += respondents
            cells.append(_cell(question, group, counted, sums, respondents, shown))
        overall = _cell(
            question, Group("all", ""), total_counted, total_sums, total_respondents, shown
        )
        for cell in cells:
            _compare(overall, cell, shown)
        questions.append(QuestionResult(question, overall, cells))
    return Results(
        survey,
        groupings[0],
        groupings[1] if len(groupings) > 1 else None,
        filters,
        rule is not None,
        questions,
    )


def _present(counts: _Counts, index: int, width: int) -> set:
    if width == 1:
        return set(counts.present)
    return {key[index] for key in counts.present}


# Cache and entry point -----------------------------------------------------------------


class _ResultsCache:
    """Grouped rows per (survey, data version, columns, filters), per worker process: a
    new, withdrawn or imported response changes the data version, so it is never stale."""

    def __init__(self, size: int = 128):
        self.size = size
        self.entries: OrderedDict[tuple, list] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: tuple):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def put(self, key: tuple, value) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()

    def get_or_make(self, key: tuple, make):
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value


def results_cache(name: str = "engage.results_cache") -> _ResultsCache:
    """The app's cache of grouped rows (or, by ``name``, another one kept the same way,
    such as the results page's rendered sections)."""
    cache = current_app.extensions.get(name)
    if cache is None:
        cache = current_app.extensions.setdefault(name, _ResultsCache())
    return cache


def clear_results_caches() -> None:
    """Empties every cache of results (grouped rows, rendered pages) of this process."""
    for cache in list(current_app.extensions.values()):
        if isinstance(cache, _ResultsCache):
            cache.clear()


def data_version(survey_id: int) -> tuple:
    """Changes whenever a response of the survey is added or removed."""
    row = db.session.execute(
        select(func.count(), func.max(Response.id)).where(Response.survey_id == survey_id)
    ).one()
    return tuple(row)


def results(
    survey: SurveySnapshot,
    by: str | Sequence[str],
    *,
    filters: Filters | None = None,
    rule: stats.DisclosureRule | None = None,
    forums: dict[int, str] | None = None,
    cache: bool = True,
    version: tuple | None = None,
) -> Results:
    """Every question with results (choices, Likert, FFT, scale, number), by one grouping
    or two crossed. ``rule``: disclosure control (public pages and API). ``version``: the
    survey's :func:`data_version`, when the caller has it already."""
    filters = filters or Filters()
    keys = [by] if isinstance(by, str) else list(by)
    groupings = [GROUPINGS[k] for k in keys]
    columns = [g.column for g in groupings]
    rows = None
    key = None
    if cache:
        version = version or data_version(survey.id)
        key = (survey.id, survey.version, version, tuple(columns), filters)
        rows = results_cache().get(key)
    if rows is None:
        rows = count(survey, columns, filters)
        if key is not None:
            results_cache().put(key, rows)
    counts = _fold(rows, groupings)
    if forums is None:
        forums = forum_names(counts, groupings)
    return assemble(survey, groupings, counts, rule=rule, forums=forums, filters=filters)


def forum_names(counts: _Counts, groupings: Iterable[Grouping]) -> dict[int, str]:
    if not any(g.key == "forum" for g in groupings):
        return {}
    from engage.accounts.models import Organisation

    ids = set()
    for key in counts.present:
        for value in key if isinstance(key, tuple) else (key,):
            if value is not None and str(value).isdigit():
                ids.add(int(value))
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
        ).all()
    )
