"""Insight reports: writing one (analysts and commissioners of the consultation's
organisation), publishing it (which freezes its figures), reading it (public once
published, else only for its authors), its tables as CSV, and the evidence library."""

from __future__ import annotations

from typing import Any

from babel.numbers import parse_pattern
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_login import current_user
from wtforms import FieldList, FormField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from engage.accounts.forms import ChoiceField, strip
from engage.accounts.permissions import can, requires
from engage.consultations.forms import MultiChoiceField
from engage.consultations.models import Consultation, ConsultationStatus
from engage.consultations.service import get_consultation
from engage.consultations.texts import text_in
from engage.extensions import db
from engage.forms import Form
from engage.i18n import _, _l, current_locale, theme_label
from engage.insights import reports
from engage.insights.access import disclosure_rule
from engage.insights.models import InsightReport, ReportStatus

bp = Blueprint("reports", __name__, url_prefix="/<locale>")

#: empty key-theme rows offered below the filled ones (without JavaScript, a form cannot
#: grow: save to get more)
SPARE_THEME_ROWS = 3


# Forms ------------------------------------------------------------------------------------


class KeyThemeForm(Form):
    """One key theme. Both parts empty: the row is skipped."""

    class Meta:
        csrf = False  # a part of ReportForm, which carries the token

    theme = ChoiceField(_l("Theme"), default="")
    you_said = TextAreaField(
        _l("You said"),
        description=_l("What people told us about this theme, in their own terms."),
        validators=[Length(max=2000, message=_l("Text must be 2000 characters or fewer"))],
    )

    @property
    def empty(self) -> bool:
        return not self.theme.data and not (self.you_said.data or "").strip()


class ReportForm(Form):
    class Meta:
        def bind_field(self, form, unbound_field, options):
            # FieldList and FormField take no filters: their fields have them
            if issubclass(unbound_field.field_class, (FieldList, FormField)):
                return unbound_field.bind(form=form, **options)
            return Form.Meta.bind_field(self, form, unbound_field, options)

    title = StringField(
        _l("Title"),
        validators=[
            DataRequired(message=_l("Enter a title")),
            Length(max=300, message=_l("Title must be 300 characters or fewer")),
        ],
        filters=[strip],
    )
    summary = TextAreaField(
        _l("Summary"),
        description=_l("The report in a few sentences: what we heard and what should change."),
        validators=[
            DataRequired(message=_l("Enter a summary")),
            Length(max=5000, message=_l("Text must be 5000 characters or fewer")),
        ],
    )
    key_themes = FieldList(
        FormField(KeyThemeForm), min_entries=1, max_entries=reports.MAX_KEY_THEMES
    )
    findings = TextAreaField(
        _l("Findings by community"),
        description=_l("What each community told us, and where they differ."),
        validators=[Length(max=20000, message=_l("Text must be 20000 characters or fewer"))],
    )
    limitations = TextAreaField(
        _l("Limitations"),
        description=_l("Who the figures may leave out, and how far they can be trusted."),
        validators=[Length(max=10000, message=_l("Text must be 10000 characters or fewer"))],
    )
    recommendations = TextAreaField(
        _l("Recommendations"),
        validators=[Length(max=10000, message=_l("Text must be 10000 characters or fewer"))],
    )
    communities = MultiChoiceField(
        _l("Communities this report speaks to"),
        description=_l("So that people find the report in the evidence library."),
    )

    def __init__(self, themes, *args, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("Choose a theme")), *_theme_choices(themes)]
        for entry in self.key_themes:
            entry.form.theme.choices = choices
        self.communities.choices = reports.community_choices()

    def validate_key_themes(self, field):
        seen: set[str] = set()
        for entry in field:
            row = entry.form
            if row.empty:
                continue
            if not row.theme.data:
                row.theme.errors.append(_("Choose the theme this statement is about"))
            elif not (row.you_said.data or "").strip():
                row.you_said.errors.append(_("Write what people said about this theme"))
            elif row.theme.data in seen:
                row.theme.errors.append(_("Each theme can be a key theme only once"))
            seen.add(row.theme.data)
        if any(entry.form.theme.errors or entry.form.you_said.errors for entry in field):
            # the rows' own messages are what the page shows (form_errors)
            raise ValidationError(_("Check the key themes"))

    def fields(self) -> reports.ReportFields:
        return reports.ReportFields(
            title=self.title.data or "",
            summary=self.summary.data or "",
            findings=self.findings.data or "",
            limitations=self.limitations.data or "",
            recommendations=self.recommendations.data or "",
            communities=list(self.communities.data or []),
            key_themes=[
                (e.form.theme.data, e.form.you_said.data.strip())
                for e in self.key_themes
                if not e.form.empty
            ],
        )


def _theme_choices(themes) -> list[tuple[str, str]]:
    """Every theme of the codebook; a sub-theme named with its category."""
    names = {t.code: theme_label(t.name) for t in themes}
    return [
        (t.code, f"{names.get(t.parent, t.parent)}: {names[t.code]}" if t.parent else names[t.code])
        for t in themes
    ]


def form_errors(form: Form) -> list[dict[str, str]]:
    """The error summary's entries, each linking to its field (key-theme rows too)."""
    items = []
    for f in form:
        if f.name == "key_themes":
            for entry in f:
                for sub in entry.form:
                    items.extend({"text": str(e), "href": f"#{sub.id}"} for e in sub.errors)
        elif f.errors:
            items.extend({"text": str(e), "href": f"#{f.id}"} for e in f.errors)
    return items


def _report_form(consultation: Consultation, report: InsightReport | None) -> ReportForm:
    themes = reports.report_codebook(consultation)
    if request.method == "POST":
        return ReportForm(themes)
    if report is None:
        data: dict[str, Any] = {
            "communities": list(consultation.target_communities or []),
            "key_themes": [],
        }
    else:
        data = {
            "title": report.title,
            "summary": report.summary,
            "findings": report.findings,
            "limitations": report.limitations,
            "recommendations": report.recommendations,
            "communities": list(report.communities or []),
            "key_themes": [
                {"theme": k.theme_code, "you_said": k.you_said} for k in report.key_themes
            ],
        }
    form = ReportForm(themes, data=data)
    while len(form.key_themes) < len(data["key_themes"]) + SPARE_THEME_ROWS and (
        len(form.key_themes) < reports.MAX_KEY_THEMES
    ):
        form.key_themes.append_entry()
    choices = [("", _("Choose a theme")), *_theme_choices(themes)]
    for entry in form.key_themes:
        entry.form.theme.choices = choices
    return form


# Loading ----------------------------------------------------------------------------------


def _load_consultation(slug: str, **_kwargs) -> Consultation:
    consultation = get_consultation(slug) if reports.SLUG.fullmatch(slug) else None
    if consultation is None:
        abort(404)
    return consultation


def _load_report(slug: str, **_kwargs) -> InsightReport:
    report = reports.get_report(slug)
    if report is None:
        abort(404)
    return report


def _readable(slug: str) -> InsightReport:
    """A published report, or a draft for the people who may edit it (for everyone else
    a draft does not exist)."""
    report = _load_report(slug)
    if report.status != ReportStatus.published and not can(current_user, "edit_report", report):
        abort(404)
    return report


def _title(texts) -> str:
    return str(text_in(texts, current_locale()) or "")


# Writing ----------------------------------------------------------------------------------


def _render_form(consultation, form, report=None, error=None, code=200):
    items = form_errors(form)
    if error:
        items.insert(0, {"text": error, "href": "#maincontent"})
    return render_template(
        "insights/reports/edit.html",
        consultation=consultation,
        consultation_title=_title(consultation.title),
        report=report,
        form=form,
        errors=items,
        survey=reports.report_survey(consultation),
    ), code


@bp.route("/consultations/<slug>/reports/new", methods=["GET", "POST"])
@requires("edit_report", _load_consultation)
def new(slug: str, obj: Consultation):
    form = _report_form(obj, None)
    error = None
    if form.validate_on_submit():
        try:
            report = reports.create_report(obj, form.fields(), actor=current_user)
        except reports.ReportError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("The report has been saved as a draft."), "success")
            return redirect(url_for(".report", slug=report.slug))
    return _render_form(obj, form, error=error, code=400 if form.is_submitted() else 200)


@bp.route("/reports/<slug>/edit", methods=["GET", "POST"])
@requires("edit_report", _load_report)
def edit(slug: str, obj: InsightReport):
    consultation = reports.consultation_of(obj)
    if obj.status == ReportStatus.published:
        return _locked(obj, 409 if request.method == "POST" else 200)
    form = _report_form(consultation, obj)
    error = None
    if form.validate_on_submit():
        try:
            reports.update_report(obj, form.fields(), actor=current_user)
        except reports.ReportError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("The report has been saved."), "success")
            return redirect(url_for(".report", slug=obj.slug))
    return _render_form(consultation, form, obj, error, 400 if form.is_submitted() else 200)


def _locked(report: InsightReport, code: int):
    return render_template("insights/reports/locked.html", report=report), code


class PublishForm(Form):
    pass


@bp.post("/reports/<slug>/publish")
@requires("edit_report", _load_report)
def publish(slug: str, obj: InsightReport):
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    if obj.status == ReportStatus.published:
        return _locked(obj, 409)
    try:
        reports.publish(obj, actor=current_user, rule=disclosure_rule())
    except reports.ReportError as exc:
        db.session.rollback()
        return _render_report(obj, problem=str(exc), code=400)
    db.session.commit()
    flash(_("The report is published. Its figures are now fixed."), "success")
    return redirect(url_for(".report", slug=obj.slug))


# Reading ----------------------------------------------------------------------------------


def formatters() -> dict[str, Any]:
    """Numbers in the page's language (each pattern parsed once)."""
    locale = get_locale()
    patterns = {d: parse_pattern("#,##0" + ("." + "0" * d if d else "")) for d in range(3)}

    def number(value: float | None, digits: int = 0) -> str:
        return "–" if value is None else patterns[digits].apply(value, locale)

    return {
        "fmt_count": number,
        "fmt_pct": lambda value, digits=0: "–" if value is None else f"{number(value, digits)}%",
        "fmt_number": number,
    }


def _figures(report: InsightReport) -> dict[str, Any]:
    """Published: the frozen figures. A draft: what publishing now would freeze."""
    if report.status == ReportStatus.published and report.frozen is not None:
        return report.frozen
    return reports.figures(report, disclosure_rule())


def _render_report(report: InsightReport, *, problem: str | None = None, code: int = 200):
    consultation = reports.consultation_of(report)
    found = _figures(report)
    editable = report.status != ReportStatus.published and can(current_user, "edit_report", report)
    return render_template(
        "insights/reports/report.html",
        report=report,
        consultation=consultation,
        consultation_title=_title(consultation.title),
        consultation_public=consultation.status != ConsultationStatus.draft,
        organisation=consultation.organisation,
        figures=found,
        survey_title=_title(found["survey"]["title"]) if found.get("survey") else "",
        rule=found.get("rule"),
        editable=editable,
        problem=problem,
        group_label=reports.group_label,
        channel_label=reports.channel_label,
        tables=reports.TABLES,
        publish_form=PublishForm(),
        **formatters(),
    ), code


@bp.get("/reports/<slug>")
def report(slug: str):
    return _render_report(_readable(slug))


#: the tables' names, for the route's "any" converter
_TABLE_NAMES = ", ".join(f'"{name}"' for name in reports.TABLES)


@bp.get(f"/reports/<slug>/<any({_TABLE_NAMES}):table>.csv")
def table_csv(slug: str, table: str):
    found = _readable(slug)
    response = Response(
        reports.table_csv(_figures(found), table), mimetype="text/csv; charset=utf-8"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{found.slug}-{table}.csv"'
    if found.status != ReportStatus.published:
        response.cache_control.no_store = True
    return response


@bp.get("/consultations/<slug>/reports")
def consultation_reports(slug: str):
    consultation = _load_consultation(slug)
    authors = can(current_user, "edit_report", consultation)
    if consultation.status == ConsultationStatus.draft and not authors:
        abort(404)
    return render_template(
        "insights/reports/consultation_reports.html",
        consultation=consultation,
        consultation_title=_title(consultation.title),
        reports=reports.reports_of(consultation, drafts=authors),
        authors=authors,
    )


# The evidence library ---------------------------------------------------------------------


@bp.get("/evidence")
def library():
    query, problems = reports.parse_library_query(request.args)
    found = reports.search_library(query)
    return render_template(
        "insights/reports/library.html",
        query=query,
        problem_items=[
            {"text": p.message, "href": "#" + ("q" if p.parameter == "page" else p.parameter)}
            for p in problems
        ],
        bad={p.parameter: p.message for p in problems},
        found=found,
        choices=reports.library_choices(),
        args=request.args,
        page_url_for=lambda page: url_for(".library", **{**request.args.to_dict(), "page": page}),
    ), (400 if problems else 200)
