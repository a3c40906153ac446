"""Insight reports and the evidence library.

An analyst writes a report on a consultation: a summary, key themes (each a "you said"
statement standing for a theme of the codebook), findings by community, who we heard
from and who we did not, limitations and recommendations. The figures it shows come
from the consultation's first survey that is not a draft, through disclosure control
(the report is for the public). Publishing computes them once and keeps them in
``InsightReport.frozen``: the published report is rendered from that alone, so it reads
the same however many responses arrive later, and it can no longer be edited.

The evidence library searches every published report by text (title, summary,
findings, "you said" statements) and filters by service area, community, theme,
organisation and date of publication; every condition is SQL that SQLite and
PostgreSQL run alike.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import String, and_, cast, func, or_, select
from sqlalchemy.orm import selectinload

from engage.accounts.models import Organisation
from engage.cells import neutralise
from engage.communities.categories import (
    BROAD_ETHNIC_GROUPS,
    BROAD_OF,
    ETHNIC_GROUPS,
    NOT_STATED,
    PREFER_NOT_TO_SAY,
)
from engage.communities.models import Baseline
from engage.consultations.models import (
    Consultation,
    ServiceArea,
    Survey,
    SurveyStatus,
)
from engage.consultations.service import slugify, unique_slug
from engage.extensions import db
from engage.forms import clean_line
from engage.i18n import _, theme_label
from engage.insights import codebook, pipeline, stats, themes
from engage.insights.groupings import NOT_RECORDED
from engage.insights.models import Codebook, InsightReport, ReportStatus, ReportTheme
from engage.insights.models import Theme as ThemeRow
from engage.insights.representation import DECLINED, MISSING, RECORDED, completeness
from engage.insights.representation import representation as representation_of
from engage.insights.results import Share, Shown
from engage.responses.models import CHANNEL_LABELS, Channel
from engage.sqltypes import UTC, after_day, utcnow

#: the version of the layout of ``InsightReport.frozen``
FROZEN_VERSION = 1
#: how many key themes a report may have
MAX_KEY_THEMES = 20
#: reports on one page of the evidence library
PAGE_SIZE = 20
#: words of a library search used (the rest are ignored)
MAX_SEARCH_WORDS = 10
MAX_SEARCH_LENGTH = 200

COMMUNITY_CODES = frozenset(c.code for c in BROAD_ETHNIC_GROUPS) | frozenset(
    c.code for c in ETHNIC_GROUPS
)


class ReportError(ValueError):
    """A report could not be saved or published; the message says why, in the user's
    language."""


class ReportLocked(ReportError):
    """The report is published: its text and figures no longer change."""


# Building and editing -------------------------------------------------------------------


@dataclass
class ReportFields:
    """What an analyst writes; ``key_themes`` is [(theme code, "you said"), ...] in order."""

    title: str
    summary: str = ""
    findings: str = ""
    limitations: str = ""
    recommendations: str = ""
    communities: list[str] = field(default_factory=list)
    key_themes: list[tuple[str, str]] = field(default_factory=list)


#: what report slugs are made of (anything else is no report, and never reaches SQL)
SLUG = re.compile(r"[a-z0-9][a-z0-9-]{0,79}")


def get_report(slug: str) -> InsightReport | None:
    if not SLUG.fullmatch(slug):
        return None
    return db.session.scalar(
        select(InsightReport)
        .where(InsightReport.slug == slug)
        .options(selectinload(InsightReport.key_themes))
    )


def consultation_of(report: InsightReport) -> Consultation:
    return db.session.get(Consultation, report.consultation_id)


def report_survey(consultation: Consultation) -> Survey | None:
    """The survey a report's figures come from: the consultation's first survey that is
    not a draft (None when every survey is)."""
    return next((s for s in consultation.surveys if s.status != SurveyStatus.draft), None)


def report_codebook(consultation: Consultation) -> list[codebook.Theme]:
    """The themes a report on this consultation may name: its survey's codebook (the
    survey's own, else the organisation's, else the site's default)."""
    survey = report_survey(consultation) or next(iter(consultation.surveys), None)
    if survey is not None:
        return pipeline.codebook_for(survey)
    row = pipeline.default_codebook_row()
    return [
        codebook.Theme(t.code, t.name, t.parent, t.description, tuple(t.keywords))
        for t in row.themes
    ]


def reports_of(consultation: Consultation, *, drafts: bool) -> list[InsightReport]:
    statement = select(InsightReport).where(InsightReport.consultation_id == consultation.id)
    if not drafts:
        statement = statement.where(InsightReport.status == ReportStatus.published)
    return list(db.session.scalars(statement.order_by(InsightReport.created_at.desc())))


def create_report(consultation: Consultation, fields: ReportFields, *, actor: Any) -> InsightReport:
    """A new draft report on the consultation (the caller commits)."""
    _check(fields, report_codebook(consultation))
    # a title with no Latin letters or digits (in Urdu, say) gets a plain "report" slug
    base = slugify(fields.title) if re.search(r"[A-Za-z0-9]", fields.title) else "report"
    report = InsightReport(
        slug=unique_slug(InsightReport, base),
        consultation_id=consultation.id,
        created_by_id=getattr(actor, "id", None),
        status=ReportStatus.draft,
    )
    db.session.add(report)
    _apply(report, fields)
    db.session.flush()
    return report


def update_report(report: InsightReport, fields: ReportFields, *, actor: Any) -> InsightReport:
    """Replaces a draft's text and key themes. A published report is locked."""
    if report.status == ReportStatus.published:
        raise ReportLocked(_("This report is published, so it can no longer be changed."))
    _check(fields, report_codebook(consultation_of(report)))
    _apply(report, fields)
    db.session.flush()
    return report


def _check(fields: ReportFields, book: Sequence[codebook.Theme]) -> None:
    if not fields.title.strip():
        raise ReportError(_("Enter a title"))
    known = {t.code for t in book}
    codes = [code for code, _said in fields.key_themes]
    if any(code not in known for code in codes):
        raise ReportError(_("Choose each key theme from the survey's codebook."))
    if len(set(codes)) != len(codes):
        raise ReportError(_("Each theme can be a key theme only once."))
    if len(codes) > MAX_KEY_THEMES:
        raise ReportError(_("A report has at most %(n)s key themes.", n=MAX_KEY_THEMES))
    if any(not said.strip() for _code, said in fields.key_themes):
        raise ReportError(_("Write what people said for every key theme."))
    if any(code not in COMMUNITY_CODES for code in fields.communities):
        raise ReportError(_("Select only the communities shown."))


def _apply(report: InsightReport, fields: ReportFields) -> None:
    report.title = fields.title.strip()
    report.summary = fields.summary
    report.findings = fields.findings
    report.limitations = fields.limitations
    report.recommendations = fields.recommendations
    report.communities = list(dict.fromkeys(fields.communities))
    report.key_themes.clear()
    db.session.flush()
    for position, (code, said) in enumerate(fields.key_themes):
        report.key_themes.append(ReportTheme(theme_code=code, you_said=said, position=position))


def publish(
    report: InsightReport,
    *,
    actor: Any,
    rule: stats.DisclosureRule,
    now: datetime | None = None,
) -> InsightReport:
    """Freezes the report's figures (through ``rule``) and publishes it."""
    if report.status == ReportStatus.published:
        raise ReportLocked(_("This report is already published."))
    if not report.key_themes:
        raise ReportError(_("Add at least one key theme before publishing the report."))
    now = now or utcnow()
    report.frozen = figures(report, rule, now=now)
    report.status = ReportStatus.published
    report.published_at = now
    db.session.flush()
    return report


# The figures ----------------------------------------------------------------------------


def _share(share: Share) -> dict[str, Any]:
    return {
        "count": share.count,
        "suppressed": share.suppressed,
        "pct": share.pct,
        "low": share.pct_low,
        "high": share.pct_high,
    }


def figures(
    report: InsightReport, rule: stats.DisclosureRule | None, *, now: datetime | None = None
) -> dict[str, Any]:
    """Everything the report shows that comes from the data, as JSON-serialisable values:
    what publishing keeps. Group labels are kept as codes (translated when shown); theme
    names as they were in the codebook."""
    consultation = consultation_of(report)
    survey = report_survey(consultation)
    names = {t.code: t.name for t in report_codebook(consultation)}
    key_themes = [(k.theme_code, k.you_said) for k in report.key_themes]
    out: dict[str, Any] = {
        "version": FROZEN_VERSION,
        "computed_at": (now or utcnow()).isoformat(),
        "rule": {"threshold": rule.threshold, "base": rule.base} if rule else None,
        "survey": None,
        "themes": [],
        "representation": None,
        "completeness": None,
    }
    if survey is not None:
        out["survey"] = {"slug": survey.slug, "title": dict(survey.title)}
        reach = theme_reach(survey, [code for code, _said in key_themes], rule)
        out["commenters"] = reach.commenters
        out["themes"] = [
            {
                "code": code,
                "name": names.get(code, code),
                "you_said": said,
                **reach.themes[code],
            }
            for code, said in key_themes
        ]
        out["completeness"] = _completeness(survey.id, rule)
        out["representation"] = _representation(survey.id, consultation.area_code, rule)
    else:
        out["themes"] = [
            {"code": code, "name": names.get(code, code), "you_said": s} for code, s in key_themes
        ]
    return out


def _completeness(survey_id: int, rule: stats.DisclosureRule | None) -> dict[str, Any]:
    found = completeness(survey_id, rule=rule)

    def scope(name: str, tally) -> dict[str, Any]:
        return {
            "scope": name,
            "responses": found.total(tally),
            "responses_suppressed": rule is not None and found.total(tally) is None,
            RECORDED: _share(found.share(tally, RECORDED)),
            DECLINED: _share(found.share(tally, DECLINED)),
            MISSING: _share(found.share(tally, MISSING)),
            "below_target": found.below_target(tally),
        }

    return {
        "overall": scope("all", found.overall),
        "by_channel": [scope(str(channel), tally) for channel, tally in found.by_channel.items()],
    }


def _representation(
    survey_id: int, area_code: str | None, rule: stats.DisclosureRule | None
) -> dict[str, Any] | None:
    if not area_code:
        return None
    baseline = db.session.scalar(select(Baseline).where(Baseline.code == area_code))
    if baseline is None:
        return None
    found = representation_of(survey_id, baseline, rule=rule)
    return {
        "area_code": baseline.code,
        "area": baseline.name,
        "source": baseline.source,
        "recorded": found.recorded,
        "rows": [
            {
                "code": g.code,
                **_share(g.respondents),
                "population_pct": 100 * g.population_share,
                "ratio": g.ratio,
                "under": g.under,
                "over": g.over,
            }
            for g in found.groups
        ],
    }


@dataclass
class Reach:
    #: people who wrote any free-text answer, as shown (None: suppressed)
    commenters: int | None
    #: theme code -> its figures (see :func:`theme_reach`)
    themes: dict[str, dict[str, Any]]


def theme_reach(survey: Survey, codes: Sequence[str], rule: stats.DisclosureRule | None) -> Reach:
    """How many people raised each theme, and in which communities, from the shared
    per-theme figures (engage.insights.themes): a person raises a theme when an analyst
    coded one of their free-text answers with it or, for an answer no analyst has coded,
    the text pipeline suggested it. The share is of the people who wrote any free-text
    answer; by ethnic group, of that group's, with ``more`` where the group raised it
    significantly more than everyone else. Groups where nobody raised it are left out."""
    found = themes.themes_by(survey, "ethnic_group", rule=rule)
    sizes = {size.group.code: size.n for size in found.groups}
    out: dict[str, dict[str, Any]] = {}
    for code in codes:
        figure = found.theme(code)
        if figure is None:  # nobody raised it
            none = Shown(rule).share(0, found.respondents.raw_n)
            out[code] = {**_share(none), "sentiment": None, "communities": []}
            continue
        out[code] = {
            **_share(figure.overall),
            "sentiment": figure.sentiment,
            "communities": [
                {
                    "code": cell.group.code,
                    **_share(cell.share),
                    "n": sizes.get(cell.group.code),
                    "more": cell.flagged,
                }
                for cell in figure.groups
                if cell.raw > 0
            ],
        }
    return Reach(found.respondents.n, out)


# Labels ----------------------------------------------------------------------------------


def group_label(code: str | None) -> str:
    """An ethnic group (broad or detailed), "prefer not to say" or "not recorded", in the
    page's language."""
    if code is None:
        return str(NOT_RECORDED)
    if code == NOT_STATED:
        return str(PREFER_NOT_TO_SAY)
    for category in ETHNIC_GROUPS:
        if category.code == code:
            return str(category.label)
    for category in BROAD_ETHNIC_GROUPS:
        if category.code == code:
            return _("%(group)s (all)", group=category.label)
    return code


def community_choices() -> list[tuple[str, str]]:
    """The communities a report can speak to: broad groups, then detailed ones."""
    return [(c.code, _("%(group)s (all)", group=c.label)) for c in BROAD_ETHNIC_GROUPS] + [
        (c.code, str(c.label)) for c in ETHNIC_GROUPS
    ]


def channel_label(code: str) -> str:
    try:
        return str(CHANNEL_LABELS[Channel(code)])
    except ValueError:
        return code


# CSV ------------------------------------------------------------------------------------

#: the tables a report exports, by the name in their address
TABLES = ("key-themes", "communities", "representation", "completeness")


def _number(value: float | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return f"{value:.{digits}f}"


def _count(value: int | None) -> str:
    return "" if value is None else str(value)


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _share_cells(share: Mapping[str, Any]) -> list[str]:
    return [
        _count(share.get("count")),
        _yes(bool(share.get("suppressed"))),
        _number(share.get("pct")),
        _number(share.get("low")),
        _number(share.get("high")),
    ]


SHARE_COLUMNS = ["people", "suppressed", "share_pct", "ci_low_pct", "ci_high_pct"]


def table_rows(frozen: Mapping[str, Any], name: str) -> list[list[str]]:
    """One of the report's tables as rows of text, the header first. Text that a
    spreadsheet would run as a formula is neutralised as in response exports; a
    suppressed count is empty with ``suppressed`` "yes"."""
    if name == "key-themes":
        rows = [["theme_code", "theme", "you_said", *SHARE_COLUMNS, "of_people_who_commented"]]
        for theme in frozen.get("themes", []):
            rows.append(
                [
                    theme["code"],
                    theme["name"],
                    theme["you_said"],
                    *_share_cells(theme),
                    _count(frozen.get("commenters")),
                ]
            )
    elif name == "communities":
        rows = [
            [
                "theme_code",
                "theme",
                "ethnic_group",
                "ethnic_group_label",
                *SHARE_COLUMNS,
                "of_people_who_commented",
                "raised_more_than_the_rest",
            ]
        ]
        for theme in frozen.get("themes", []):
            for group in theme.get("communities", []):
                rows.append(
                    [
                        theme["code"],
                        theme["name"],
                        group["code"] or "",
                        group_label(group["code"]),
                        *_share_cells(group),
                        _count(group.get("n")),
                        _yes(group.get("more", False)),
                    ]
                )
    elif name == "representation":
        rows = [
            [
                "ethnic_group",
                "ethnic_group_label",
                *SHARE_COLUMNS,
                "population_share_pct",
                "ratio",
                "under_represented",
                "over_represented",
            ]
        ]
        found = frozen.get("representation") or {"rows": []}
        for group in found["rows"]:
            rows.append(
                [
                    group["code"],
                    group_label(group["code"]),
                    *_share_cells(group),
                    _number(group["population_pct"]),
                    _number(group["ratio"], 2),
                    _yes(group["under"]),
                    _yes(group["over"]),
                ]
            )
    elif name == "completeness":
        rows = [
            [
                "scope",
                "responses",
                "recorded_pct",
                "prefer_not_to_say_pct",
                "missing_pct",
                "below_80_pct_recorded",
            ]
        ]
        found = frozen.get("completeness")
        if found:
            for scope in [found["overall"], *found["by_channel"]]:
                rows.append(
                    [
                        scope["scope"],
                        _count(scope["responses"]),
                        _number(scope[RECORDED]["pct"]),
                        _number(scope[DECLINED]["pct"]),
                        _number(scope[MISSING]["pct"]),
                        _yes(scope["below_target"]),
                    ]
                )
    else:
        raise KeyError(name)
    return [[neutralise(cell) for cell in row] for row in rows]


def table_csv(frozen: Mapping[str, Any], name: str) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(table_rows(frozen, name))
    return buffer.getvalue()


# The evidence library --------------------------------------------------------------------


class BadFilter(ValueError):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class LibraryQuery:
    text: str = ""
    service_area: str | None = None
    community: str | None = None
    theme: str | None = None
    organisation: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    page: int = 1


def parse_library_query(args: Mapping[str, str]) -> tuple[LibraryQuery, list[BadFilter]]:
    """The library's query from its GET form. A bad value is left out of the query and
    named in the problems, with a message in the user's language."""
    problems: list[BadFilter] = []
    values: dict[str, Any] = {}

    def arg(name: str) -> str:
        # without control characters: PostgreSQL refuses NUL in a query's text
        return clean_line(args.get(name) or "").strip()

    text = " ".join(arg("q").split())
    if len(text) > MAX_SEARCH_LENGTH:
        problems.append(
            BadFilter("q", _("Search for %(n)s characters or fewer.", n=MAX_SEARCH_LENGTH))
        )
    else:
        values["text"] = text
    if value := arg("service_area"):
        if value in {a.value for a in ServiceArea}:
            values["service_area"] = value
        else:
            problems.append(BadFilter("service_area", _("Choose a service area from the list.")))
    if value := arg("community"):
        if value in COMMUNITY_CODES:
            values["community"] = value
        else:
            problems.append(BadFilter("community", _("Choose a community from the list.")))
    if value := arg("theme"):
        if codebook.THEME_CODE.match(value):
            values["theme"] = value
        else:
            problems.append(BadFilter("theme", _("Choose a theme from the list.")))
    if value := arg("organisation"):
        exists = db.session.scalar(select(Organisation.id).where(Organisation.slug == value))
        if exists is not None:
            values["organisation"] = value
        else:
            problems.append(BadFilter("organisation", _("Choose an organisation from the list.")))
    for name, key in (("from", "date_from"), ("to", "date_to")):
        if value := arg(name):
            try:
                values[key] = date.fromisoformat(value)
            except ValueError:
                problems.append(
                    BadFilter(name, _("Give the date as year-month-day, for example 2026-03-31."))
                )
    start, end = values.get("date_from"), values.get("date_to")
    if start and end and start > end:
        problems.append(BadFilter("from", _("The start date must be on or before the end date.")))
        del values["date_from"], values["date_to"]
    if value := arg("page"):
        if value.isdigit() and 0 < int(value) < 100_000:
            values["page"] = int(value)
        else:
            problems.append(BadFilter("page", _("There is no such page of results.")))
    return LibraryQuery(**values), problems


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _community_clause(code: str):
    """Reports that speak to the community: the group itself; for a broad group, any of
    its detailed groups; for a detailed group, its broad group too. ``communities`` is a
    JSON list of codes, searched as text (codes are plain ASCII words in quotes)."""
    wanted = {code}
    if code in BROAD_OF:
        wanted.add(BROAD_OF[code])
    else:
        wanted |= {c for c, broad in BROAD_OF.items() if broad == code}
    text = cast(InsightReport.communities, String)
    return or_(*(text.like(_like(f'"{c}"'), escape="\\") for c in sorted(wanted)))


def _text_clause(word: str):
    pattern = _like(word)
    said = select(ReportTheme.report_id).where(ReportTheme.you_said.ilike(pattern, escape="\\"))
    return or_(
        InsightReport.title.ilike(pattern, escape="\\"),
        InsightReport.summary.ilike(pattern, escape="\\"),
        InsightReport.findings.ilike(pattern, escape="\\"),
        InsightReport.limitations.ilike(pattern, escape="\\"),
        InsightReport.recommendations.ilike(pattern, escape="\\"),
        InsightReport.id.in_(said),
    )


def _theme_clause(code: str):
    """Reports with the theme as a key theme, or one of its sub-themes (a category's
    code finds the reports on any theme in it)."""
    codes = {code} | _library_children(code)
    return InsightReport.id.in_(
        select(ReportTheme.report_id).where(ReportTheme.theme_code.in_(sorted(codes)))
    )


def _library_children(code: str) -> set[str]:
    """Sub-themes of ``code`` in the site's default codebook (the library spans many
    surveys; their codebooks share the default's codes)."""
    return {t.code for t in codebook.default_codebook() if t.parent == code}


def library_clauses(query: LibraryQuery) -> list:
    clauses: list = [InsightReport.status == ReportStatus.published]
    for word in query.text.split()[:MAX_SEARCH_WORDS]:
        clauses.append(_text_clause(word))
    if query.service_area:
        clauses.append(Consultation.service_area == ServiceArea(query.service_area))
    if query.organisation:
        clauses.append(Organisation.slug == query.organisation)
    if query.community:
        clauses.append(_community_clause(query.community))
    if query.theme:
        clauses.append(_theme_clause(query.theme))
    if query.date_from:
        clauses.append(InsightReport.published_at >= datetime.combine(query.date_from, time(), UTC))
    end = after_day(query.date_to) if query.date_to else None
    if end is not None:
        clauses.append(InsightReport.published_at < end)
    return clauses


@dataclass
class LibraryEntry:
    report: InsightReport
    organisation: str
    service_area: ServiceArea
    #: the key themes' names, as published
    themes: list[str]


@dataclass
class LibraryPage:
    entries: list[LibraryEntry]
    total: int
    page: int
    pages: int


def search_library(query: LibraryQuery, *, page_size: int | None = None) -> LibraryPage:
    """Published reports matching the query, newest first, one page of them."""
    page_size = page_size or PAGE_SIZE
    joined = (
        select(InsightReport, Organisation.name, Consultation.service_area)
        .join(Consultation, Consultation.id == InsightReport.consultation_id)
        .join(Organisation, Organisation.id == Consultation.organisation_id)
        .where(and_(*library_clauses(query)))
    )
    total = db.session.scalar(select(func.count()).select_from(joined.subquery())) or 0
    pages = max(1, math.ceil(total / page_size))
    page = min(query.page, pages)
    rows = db.session.execute(
        joined.order_by(InsightReport.published_at.desc(), InsightReport.id.desc())
        .limit(page_size)
        .offset((page - 1) * page_size)
    ).all()
    entries = [
        LibraryEntry(
            report,
            organisation,
            service_area,
            [t["name"] for t in (report.frozen or {}).get("themes", [])],
        )
        for report, organisation, service_area in rows
    ]
    return LibraryPage(entries, total, page, pages)


def theme_names(codes: Iterable[str]) -> dict[str, str]:
    """Names of theme codes from any codebook that has them (the site's default first),
    else the shipped default codebook's; a code no codebook knows stands for itself."""
    codes = set(codes)
    names = {t.code: t.name for t in codebook.default_codebook() if t.code in codes}
    rows = db.session.execute(
        select(ThemeRow.code, ThemeRow.name, Codebook.organisation_id, Codebook.survey_id)
        .join(Codebook, Codebook.id == ThemeRow.codebook_id)
        .where(ThemeRow.code.in_(sorted(codes)))
    )
    default_rows = {}
    for code, name, organisation_id, survey_id in rows:
        if organisation_id is None and survey_id is None:
            default_rows[code] = name
        else:
            names.setdefault(code, name)
    return {code: default_rows.get(code) or names.get(code) or code for code in codes}


def library_choices() -> dict[str, list[tuple[str, str]]]:
    """The choices of the library's filters: organisations and themes of the published
    reports (what a filter can find), and every service area and community."""
    organisations = db.session.execute(
        select(Organisation.slug, Organisation.name)
        .join(Consultation, Consultation.organisation_id == Organisation.id)
        .join(InsightReport, InsightReport.consultation_id == Consultation.id)
        .where(InsightReport.status == ReportStatus.published)
        .distinct()
        .order_by(Organisation.name)
    ).all()
    codes = set(
        db.session.scalars(
            select(ReportTheme.theme_code)
            .join(InsightReport, InsightReport.id == ReportTheme.report_id)
            .where(InsightReport.status == ReportStatus.published)
            .distinct()
        )
    )
    return {
        "service_area": [(a.value, a.label) for a in ServiceArea],
        "community": community_choices(),
        "theme": sorted(
            ((code, theme_label(name)) for code, name in theme_names(codes).items()),
            key=lambda item: item[1].lower(),
        ),
        "organisation": [(slug, name) for slug, name in organisations],
    }
