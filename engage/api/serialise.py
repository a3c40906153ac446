"""Results, representation, themes and consultations as the API gives them: plain dicts of plain
values, in the names of the public contract (DESIGN.md, "JSON API").

Proportions, intervals and differences are percentages (0-100, differences in percentage
points) rounded to 2 decimals; means and their intervals are rounded to 3. A cell that
disclosure control hides has ``suppressed: true`` and null count, share and interval.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import url_for

from engage.consultations.cache import QuestionSnapshot
from engage.consultations.models import Consultation, QuestionType, Survey
from engage.consultations.texts import text_in
from engage.i18n import _
from engage.insights import stats
from engage.insights.representation import GroupRepresentation, Representation
from engage.insights.results import (
    COUNTED,
    MEAN_TYPES,
    SMALL_SAMPLE,
    Cell,
    OptionCell,
    QuestionResult,
    Results,
    Share,
)
from engage.insights.themes import ThemeCell, ThemeFigure, ThemeFigures

PCT_DIGITS = 2
MEAN_DIGITS = 3
RATIO_DIGITS = 2

#: a group's code as the API gives it: a code, None ("not recorded"), or two of them
GroupCode = str | None | list[str | None]


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def _pct(fraction: float | None) -> float | None:
    return None if fraction is None else round(100 * fraction, PCT_DIGITS)


def share(s: Share) -> dict[str, Any]:
    return {
        "count": s.count,
        "pct": _pct(s.value),
        "ci_low": _pct(s.low),
        "ci_high": _pct(s.high),
        "suppressed": s.suppressed,
    }


def difference(d: stats.Difference | None) -> dict[str, float] | None:
    if d is None:
        return None
    return {"value": _pct(d.value), "ci_low": _pct(d.low), "ci_high": _pct(d.high)}


def option(cell: OptionCell, label: str) -> dict[str, Any]:
    return {
        "code": cell.code,
        "label": label,
        **share(cell.share),
        "flagged": cell.flagged,
        "difference_from_rest": difference(cell.difference),
    }


def mean(m: stats.Mean | None) -> dict[str, float | None]:
    if m is None:
        return {"mean": None, "ci_low": None, "ci_high": None}
    return {
        "mean": _round(m.value, MEAN_DIGITS),
        "ci_low": _round(m.low, MEAN_DIGITS),
        "ci_high": _round(m.high, MEAN_DIGITS),
    }


def small_sample(cell: Cell, public: bool) -> bool:
    """Under 30 respondents. Public figures judge it from what they show (a suppressed
    group is small), so that the flag reveals nothing the rounded n does not."""
    if not public:
        return cell.small
    return cell.suppressed or (cell.n is not None and 0 < cell.n < SMALL_SAMPLE)


def cell(
    c: Cell,
    question: QuestionSnapshot,
    *,
    code: GroupCode,
    label: str,
    option_labels: Mapping[str, str],
    public: bool,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "group": code,
        "label": label,
        "n": c.n,
        "suppressed": c.suppressed,
        "small_sample": small_sample(c, public),
        "flagged": c.flagged,
    }
    if question.type in COUNTED:
        out["options"] = [option(o, option_labels.get(o.code, o.code)) for o in c.options]
    if question.type in MEAN_TYPES:
        out.update(mean(c.mean))
    if question.type == QuestionType.fft and c.positive is not None:
        out["positive"] = option(c.positive, _("Very good or good"))
    return out


def option_labels(question: QuestionSnapshot, lang: str) -> dict[str, str]:
    """Option code -> label in ``lang``; the 0-10 scale's options are its numbers."""
    if question.type == QuestionType.scale:
        return {str(v): str(v) for v in range(0, 11)}
    return {o.code: text_in(o.label, lang).text for o in question.options}


def question(
    result: QuestionResult,
    *,
    lang: str,
    public: bool,
    group_code: Callable[[Any], GroupCode],
) -> dict[str, Any]:
    q = result.question
    labels = option_labels(q, lang)
    common = {"option_labels": labels, "public": public}
    out: dict[str, Any] = {
        "key": q.key,
        "type": q.type.value,
        "label": text_in(q.label, lang).text,
    }
    if q.type in COUNTED:
        out["options"] = [{"code": code, "label": label} for code, label in labels.items()]
    out["overall"] = cell(result.overall, q, code="all", label=_("All respondents"), **common)
    out["groups"] = [
        cell(c, q, code=group_code(c.group.code), label=c.group.label, **common)
        for c in result.groups
    ]
    return out


def group_code_for(keys: Sequence[str], forum_slugs: Mapping[str, str]):
    """The API's code for a group: forums by their slug (the ``forum=`` filter takes it),
    every other group by its category code; crossed groups as a two-item list."""

    def one(code: str | None, key: str) -> str | None:
        if key == "forum" and code is not None:
            return forum_slugs.get(code, code)
        return code

    def group_code(code: Any) -> GroupCode:
        if isinstance(code, tuple):
            return [one(c, k) for c, k in zip(code, keys, strict=True)]
        return one(code, keys[0])

    return group_code


def results(
    r: Results,
    *,
    lang: str,
    filters: Mapping[str, Any],
    forum_slugs: Mapping[str, str],
) -> dict[str, Any]:
    keys = [r.grouping.key] + ([r.cross.key] if r.cross else [])
    group_code = group_code_for(keys, forum_slugs)
    return {
        "survey": r.survey.slug,
        "by": r.grouping.key,
        "cross": r.cross.key if r.cross else None,
        "filters": dict(filters),
        "lang": lang,
        "disclosure_control": r.public,
        "questions": [
            question(q, lang=lang, public=r.public, group_code=group_code) for q in r.questions
        ],
    }


# Themes ---------------------------------------------------------------------------------


def theme_share(s: Share) -> dict[str, Any]:
    """A theme's count and share as DESIGN.md names them (``share``, in per cent), with
    ``pct``, the same figure under the name the results use."""
    found = share(s)
    return {"count": found["count"], "share": found["pct"], **found}


def theme_cell(c: ThemeCell, code: GroupCode) -> dict[str, Any]:
    return {
        "group": code,
        "label": c.group.label,
        **theme_share(c.share),
        "flagged": c.flagged,
        "difference_from_rest": difference(c.difference),
        "mean_sentiment": _round(c.sentiment, MEAN_DIGITS),
    }


def theme(t: ThemeFigure, group_code: Callable[[Any], GroupCode]) -> dict[str, Any]:
    return {
        "code": t.code,
        "name": t.name,
        "category": t.category,
        **theme_share(t.overall),
        "mean_sentiment": _round(t.sentiment, MEAN_DIGITS),
        "groups": [theme_cell(c, group_code(c.group.code)) for c in t.groups],
    }


def themes(
    found: ThemeFigures,
    *,
    survey_slug: str,
    lang: str,
    filters: Mapping[str, Any],
    forum_slugs: Mapping[str, str],
) -> dict[str, Any]:
    group_code = group_code_for([found.grouping.key], forum_slugs)
    return {
        "survey": survey_slug,
        "by": found.grouping.key,
        "filters": dict(filters),
        "lang": lang,
        "disclosure_control": found.public,
        "respondents": found.respondents.n,
        "groups": [
            {
                "group": group_code(size.group.code),
                "label": size.group.label,
                "respondents": size.n,
                "suppressed": size.suppressed,
            }
            for size in found.groups
        ],
        "themes": [theme(t, group_code) for t in found.themes],
    }


# Representation -------------------------------------------------------------------------


def _flag(g: GroupRepresentation) -> str | None:
    if g.under:
        return "under"
    if g.over:
        return "over"
    return None


def represented_group(g: GroupRepresentation) -> dict[str, Any]:
    shown = g.respondents
    return {
        "group": g.code,
        "label": g.label,
        "respondents": shown.count,
        "share_of_respondents": _pct(shown.value),
        "ci_low": _pct(shown.low),
        "ci_high": _pct(shown.high),
        "population": g.population,
        "share_of_population": _pct(g.population_share),
        "ratio": _round(g.ratio, RATIO_DIGITS),
        "flag": _flag(g),
        "suppressed": shown.suppressed,
    }


def representation(
    rep: Representation,
    *,
    survey_slug: str,
    lang: str,
    filters: Mapping[str, Any],
    public: bool,
) -> dict[str, Any]:
    baseline = rep.baseline
    return {
        "survey": survey_slug,
        "area": {"code": baseline.code, "name": baseline.name, "source": baseline.source},
        "filters": dict(filters),
        "lang": lang,
        "disclosure_control": public,
        "recorded": rep.recorded,
        "groups": [represented_group(g) for g in rep.groups],
    }


# Consultations --------------------------------------------------------------------------


def survey_summary(survey: Survey, lang: str) -> dict[str, Any]:
    return {
        "slug": survey.slug,
        "title": text_in(survey.title, lang).text,
        "status": survey.status.value,
        "urls": {
            "page": url_for("survey.start", locale=lang, slug=survey.slug, _external=True),
            "results": url_for("api.survey_results", slug=survey.slug, _external=True),
            "representation": url_for(
                "api.survey_representation", slug=survey.slug, _external=True
            ),
        },
    }


def consultation(c: Consultation, surveys: Sequence[Survey], lang: str) -> dict[str, Any]:
    return {
        "slug": c.slug,
        "title": text_in(c.title, lang).text,
        "summary": text_in(c.summary, lang).text,
        "status": c.status.value,
        "service_area": c.service_area.value,
        "stage": c.stage.value,
        "opens_on": c.opens_on.isoformat() if c.opens_on else None,
        "closes_on": c.closes_on.isoformat() if c.closes_on else None,
        "languages": list(c.languages or []),
        "surveys": [survey_summary(s, lang) for s in surveys],
        "urls": {
            "page": url_for("consultations.detail", locale=lang, slug=c.slug, _external=True),
            "api": url_for("api.consultation", slug=c.slug, _external=True),
        },
    }
