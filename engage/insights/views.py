"""The results page of a survey: monitoring completeness first, then who we heard from
against the area's population, then every question by community with charts and tables.

Analysts and commissioners of the consultation's organisation see the figures as
counted; everyone else sees a published survey's figures through disclosure control."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from babel.numbers import parse_pattern
from flask import Blueprint, abort, render_template, request
from flask_babel import format_date, get_locale
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select

from engage.accounts.models import Organisation, OrgKind
from engage.communities.models import Baseline
from engage.consultations.cache import QuestionSnapshot, journey_survey
from engage.consultations.models import QuestionType, Survey
from engage.consultations.texts import text_in
from engage.extensions import db
from engage.i18n import _, current_locale, text_direction
from engage.insights import charts, params
from engage.insights.access import published, rule_for
from engage.insights.groupings import GROUPINGS
from engage.insights.representation import completeness, representation
from engage.insights.results import (
    Cell,
    OptionCell,
    QuestionResult,
    data_version,
    results,
    results_cache,
)
from engage.responses.models import Channel

bp = Blueprint("insights", __name__, url_prefix="/<locale>/surveys")

LIKERT_SCALE = (1, 5)
#: questions whose answers' shares are also shown together, group by group
DISTRIBUTED = frozenset({QuestionType.likert, QuestionType.scale, QuestionType.fft})
SCALE = (0, 10)


@dataclass
class Row:
    """One group in an indicator's table and chart."""

    label: str
    n: int | None
    value: float | None
    low: float | None
    high: float | None
    suppressed: bool
    small: bool
    flagged: bool
    difference: Any = None


@dataclass
class Indicator:
    """One figure of a question shown by group: a share of an answer, or a mean."""

    id: str
    title: str
    percent: bool
    overall: float | None
    overall_n: int | None
    rows: list[Row] = field(default_factory=list)
    axis: tuple[float, float] = (0, 100)
    chart: Any = None


def _load(slug: str) -> tuple[Any, Survey]:
    snapshot = journey_survey(slug)
    if snapshot is None:
        abort(404)
    survey = db.session.get(Survey, snapshot.id)
    return snapshot, survey


def _text(texts) -> str:
    return str(text_in(texts, current_locale()))


def _share_row(label: str, cell: Cell, option: OptionCell) -> Row:
    share = option.share
    return Row(
        label,
        cell.n,
        share.pct,
        share.pct_low,
        share.pct_high,
        share.suppressed or cell.suppressed,
        cell.small,
        option.flagged,
        option.difference,
    )


def _mean_row(label: str, cell: Cell) -> Row:
    mean = cell.mean
    return Row(
        label,
        cell.n,
        mean.value if mean else None,
        mean.low if mean else None,
        mean.high if mean else None,
        cell.suppressed,
        cell.small,
        cell.mean_flagged,
    )


def indicators(result: QuestionResult, option_labels: dict[str, str]) -> list[Indicator]:
    """The figures shown for a question: FFT "very good or good"; the mean of Likert,
    scale and number questions (with the answers' shares for Likert and the scale); the
    share of each answer of a choice question."""
    question = result.question
    overall = result.overall
    shown: list[Indicator] = []
    prefix = f"q-{question.key}"
    if question.type == QuestionType.fft and overall.positive is not None:
        ind = Indicator(
            f"{prefix}-positive",
            _("Very good or good"),
            True,
            overall.positive.share.pct,
            overall.n,
        )
        ind.rows = [_share_row(c.group.label, c, c.positive) for c in result.groups if c.raw_n]
        shown.append(ind)
    if result.has_mean:
        if question.type == QuestionType.likert:
            title = _("Average score, from 1 (strongly disagree) to 5 (strongly agree)")
            axis = LIKERT_SCALE
        elif question.type == QuestionType.scale:
            title = _("Average score, from 0 to 10")
            axis = SCALE
        else:
            title = _("Average")
            axis = _number_axis(result)
        ind = Indicator(
            f"{prefix}-mean",
            title,
            False,
            overall.mean.value if overall.mean else None,
            overall.n,
            axis=axis,
        )
        ind.rows = [_mean_row(c.group.label, c) for c in result.groups if c.raw_n]
        shown.append(ind)
    if question.type in {QuestionType.single_choice, QuestionType.multiple_choice}:
        for index, option in enumerate(overall.options):
            ind = Indicator(
                f"{prefix}-{index}",
                option_labels.get(option.code, option.code),
                True,
                option.share.pct,
                overall.n,
            )
            ind.rows = [
                _share_row(c.group.label, c, c.options[index]) for c in result.groups if c.raw_n
            ]
            shown.append(ind)
    return shown


def _number_axis(result: QuestionResult) -> tuple[float, float]:
    highs = [c.mean.high for c in [result.overall, *result.groups] if c.mean and c.mean.high]
    top = max(highs, default=1.0)
    return (0, max(1.0, top * 1.1))


def _chart(ind: Indicator, question_label: str, rule, formatters: dict[str, Any]) -> Any:
    bars = [
        charts.Bar(
            row.label,
            None if row.suppressed else row.value,
            None if row.suppressed else row.low,
            None if row.suppressed else row.high,
            n=row.n,
            flagged=row.flagged,
            suppressed=row.suppressed,
        )
        for row in ind.rows
    ]
    fmt_value = formatters["fmt_value"]
    overall_text = fmt_value(ind.overall, ind.percent) if ind.overall is not None else ""
    return charts.bar_chart(
        bars,
        title=f"{question_label}: {ind.title}",
        description=_(
            "Bars show each group's value with its 95%% confidence interval; the line "
            "shows everyone (%(overall)s). The same figures are in the table below.",
            overall=overall_text,
        ),
        chart_id=ind.id,
        axis_min=ind.axis[0],
        axis_max=ind.axis[1],
        unit="%" if ind.percent else "",
        format_value=lambda v: fmt_value(v, ind.percent),
        format_count=formatters["fmt_count"],
        overall=ind.overall,
        overall_label=_("Everyone: %(value)s", value=overall_text) if overall_text else None,
        suppressed_text=_("fewer than %(n)s", n=rule.threshold) if rule else None,
        rtl=text_direction() == "rtl",
    )


def _option_labels(question: QuestionSnapshot) -> dict[str, str]:
    return {o.code: _text(o.label) for o in question.options}


@bp.get("/<slug>/results")
def results_page(slug: str):
    snapshot, survey = _load(slug)
    rule = rule_for(current_user, survey)
    if rule is not None and not published(survey):
        abort(404)
    problem = None
    try:
        query = params.parse(request.args, snapshot)
    except params.BadParameter as exc:
        problem = exc
        query = params.Query("ethnic_group", None, params.Filters())
    area_code = (request.args.get("area") or survey.consultation.area_code or "").strip()
    version = data_version(snapshot.id)
    # the page's sections, kept until a response is added or removed, or the survey changes
    key = (snapshot.id, snapshot.version, version, query, rule, current_locale(), area_code)
    sections = results_cache(PAGES_CACHE).get_or_make(
        key, lambda: _sections(snapshot, query, rule, version, area_code)
    )
    status = 400 if problem is not None else 200
    return (
        render_template(
            "insights/results.html",
            survey=survey,
            survey_title=_text(snapshot.title),
            query=query,
            problem=problem,
            rule=rule,
            sections=sections,
            groupings=GROUPINGS,
            channels=list(Channel),
            forums=_forums(),
            answer_choices=_answer_choices(snapshot),
            area_code=area_code,
            areas=_areas(),
        ),
        status,
    )


#: the name of the cache of the results page's rendered sections
PAGES_CACHE = "engage.results_pages"


def _sections(snapshot, query, rule, version, area_code: str) -> dict[str, Markup]:
    """The page's three heavy sections, rendered: completeness, representation and the
    questions (with their charts)."""
    formatters = _formatters()
    found = results(snapshot, query.groupings, filters=query.filters, rule=rule, version=version)
    questions = []
    for result in found.questions:
        label = _text(result.question.label)
        option_labels = _option_labels(result.question)
        shown = indicators(result, option_labels)
        for ind in shown:
            ind.chart = _chart(ind, label, rule, formatters)
        distribution = result.type in DISTRIBUTED
        questions.append((result, label, shown, option_labels if distribution else None))
    complete = completeness(snapshot.id, filters=query.filters, rule=rule)
    baseline = None
    if area_code:
        baseline = db.session.scalar(select(Baseline).where(Baseline.code == area_code))
    forums = _forums()
    channel_labels = {c.value: c.label for c in Channel}
    context = {
        **formatters,
        "rule": rule,
        "query": query,
        "groupings": GROUPINGS,
        "channel_labels": channel_labels,
        "forum_labels": {None: _("Not through a forum"), **{i: n for i, _s, n in forums}},
        "week_labels": _week_labels,
        "weak_channels": [
            channel_labels.get(c, c)
            for c, tally in complete.by_channel.items()
            if complete.below_target(tally)
        ],
        "completeness": complete,
        "representation": representation(snapshot.id, baseline, filters=query.filters, rule=rule)
        if baseline is not None
        else None,
        "questions": questions,
    }
    # rendered (and so escaped) by Jinja: safe to put in the page as it is
    return {
        name: Markup(render_template(f"insights/_{name}.html", **context))  # noqa: S704
        for name in ("completeness", "representation", "questions")
    }


def _formatters() -> dict[str, Any]:
    """Number formatting in the page's language, with each pattern parsed once (a page
    formats thousands of numbers)."""
    locale = get_locale()
    patterns = {d: parse_pattern("#,##0" + ("." + "0" * d if d else "")) for d in range(3)}

    def number(value: float, digits: int = 0) -> str:
        return patterns[digits].apply(value, locale)

    def fmt_pct(value: float, digits: int = 0) -> str:
        return f"{number(value, digits)}%"

    def fmt_points(value: float) -> str:
        points = 100 * value
        sign = "+" if points > 0.05 else ""
        return f"{sign}{number(points, 1)}"

    return {
        "fmt_pct": fmt_pct,
        "fmt_mean": lambda value, digits=1: number(value, digits),
        "fmt_count": number,
        "fmt_value": lambda v, percent: fmt_pct(v) if percent else number(v, 1),
        "fmt_points": fmt_points,
    }


def _week_labels(weeks) -> dict:
    return {monday: _("Week of %(date)s", date=format_date(monday, "medium")) for monday in weeks}


def _forums() -> list[tuple[int, str, str]]:
    return list(
        db.session.execute(
            select(Organisation.id, Organisation.slug, Organisation.name)
            .where(Organisation.kind == OrgKind.forum)
            .order_by(Organisation.name)
        )
    )


def _areas() -> list[tuple[str, str]]:
    return list(db.session.execute(select(Baseline.code, Baseline.name).order_by(Baseline.name)))


def _answer_choices(snapshot) -> list[tuple[str, str]]:
    choices = []
    for question in snapshot.questions:
        if not question.options:
            continue
        label = _text(question.label)
        for option in question.options:
            choices.append((f"{question.key}:{option.code}", f"{label}: {_text(option.label)}"))
    return choices
