"""The themes page of a survey: themes ranked by how many people raised them, a heat
table of themes by community, representative quotes, and (for analysts) emerging themes.

Like the results page, analysts and commissioners of the consultation's organisation see
the figures as counted and everyone else a published survey's figures through
disclosure control, with quotes never taken from a suppressed cell."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_babel import format_decimal
from flask_login import current_user

from engage.consultations.cache import journey_survey
from engage.consultations.models import Survey
from engage.consultations.texts import text_in
from engage.extensions import db
from engage.i18n import _, current_locale
from engage.insights import params, themes
from engage.insights.access import published, rule_for
from engage.insights.groupings import GROUPINGS

bp = Blueprint("themes", __name__, url_prefix="/<locale>/surveys")

#: the ``group=`` value of the group whose answer to the grouping was not recorded
NOT_RECORDED = "not_recorded"
#: heat table shades: a cell's share (percent) at or above each bound takes that bucket
HEAT_BOUNDS = (0.0, 10.0, 25.0, 50.0)


def heat_bucket(pct: float | None, suppressed: bool) -> str:
    """The CSS modifier of a heat table cell: ``none`` (hidden or no one in the group),
    ``0`` (nobody raised it), then 1 (under 10%) to 4 (50% or more)."""
    if suppressed or pct is None:
        return "none"
    if pct == 0:
        return "0"
    return str(sum(1 for bound in HEAT_BOUNDS if pct >= bound))


def group_param(code: str | None) -> str:
    return NOT_RECORDED if code is None else code


@bp.get("/<slug>/themes")
def themes_page(slug: str):
    snapshot = journey_survey(slug)
    if snapshot is None:
        abort(404)
    survey = db.session.get(Survey, snapshot.id)
    rule = rule_for(current_user, survey)
    if rule is not None and not published(survey):
        abort(404)
    problem = None
    args = {k: v for k, v in request.args.items() if k != "cross"}
    try:
        query = params.parse(args, snapshot)
    except params.BadParameter as exc:
        problem = exc
        query = params.Query("ethnic_group", None, params.Filters())
    figures = themes.themes_by(survey, query.by, rule=rule, filters=query.filters)
    chosen, group, quote_problem = _quote_choice(figures)
    problem = problem or quote_problem
    emerging = None if rule is not None else themes.emerging_themes(survey, filters=query.filters)
    found = []
    if chosen is not None:
        found = themes.quotes(survey, figures, chosen.code, group=group, filters=query.filters)
    return (
        render_template(
            "insights/themes/page.html",
            survey=survey,
            survey_title=str(text_in(snapshot.title, current_locale())),
            query=query,
            problem=problem,
            rule=rule,
            figures=figures,
            shown_groups=[g for g in figures.groups if g.raw_n],
            chosen=chosen,
            chosen_group=group,
            quotes=found,
            quotable=themes.quotable_groups(chosen, figures.public),
            emerging=emerging,
            groupings=GROUPINGS,
            heat_bucket=heat_bucket,
            group_param=group_param,
            ANY=themes.ANY,
            **_formatters(),
        ),
        400 if problem is not None else 200,
    )


def _quote_choice(figures: themes.ThemeFigures):
    """The theme (default: the most raised) and group (default: any) to quote, from
    ``theme=`` and ``group=``; a code that is not there is a problem naming it."""
    problem = None
    code = (request.args.get("theme") or "").strip()
    chosen = figures.theme(code) if code else None
    if code and chosen is None:
        problem = params.BadParameter(
            "theme", _("No one raised a theme with the code %(code)s.", code=code)
        )
    if chosen is None:
        chosen = figures.themes[0] if figures.themes else None
    value = (request.args.get("group") or "").strip()
    group: Any = themes.ANY
    if value:
        codes = {group_param(g.group.code): g.group.code for g in figures.groups}
        if value in codes:
            group = codes[value]
        elif problem is None:
            problem = params.BadParameter(
                "group",
                _(
                    "There is no group %(code)s in %(grouping)s.",
                    code=value,
                    grouping=str(figures.grouping.label).lower(),
                ),
            )
    return chosen, group, problem


def _formatters() -> dict[str, Any]:
    def fmt_count(value: int) -> str:
        return format_decimal(value, "#,##0")

    def fmt_pct(value: float | None) -> str:
        return "–" if value is None else f"{format_decimal(value, '#,##0')}%"

    def fmt_sentiment(value: float | None) -> str:
        return "–" if value is None else format_decimal(value, "+0.00;-0.00")

    return {"fmt_count": fmt_count, "fmt_pct": fmt_pct, "fmt_sentiment": fmt_sentiment}
