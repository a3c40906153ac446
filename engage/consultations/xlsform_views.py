"""Upload an XLSForm to make a survey in a consultation."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from werkzeug.routing import BuildError
from wtforms import BooleanField

from engage.accounts.permissions import requires
from engage.consultations import service, xlsform
from engage.consultations.models import Consultation
from engage.consultations.texts import text_in
from engage.extensions import db
from engage.forms import Form
from engage.i18n import _, _l, current_locale

bp = Blueprint("xlsform", __name__, url_prefix="/<locale>")

#: at most this many problems are listed on the page (the count says how many in all)
SHOWN_PROBLEMS = 50


class ImportSurveyForm(Form):
    file = FileField(
        _l("XLSForm file"),
        description=_l(
            "An .xlsx workbook with survey, choices and settings sheets, or the same sheets "
            "in a .csv file. Label and hint columns name their language, as in "
            "label::Urdu (ur)."
        ),
        validators=[
            FileRequired(_l("Choose the XLSForm file to import.")),
            FileAllowed(["xlsx", "csv"], _l("The file must be an .xlsx or .csv file.")),
        ],
    )
    open_now = BooleanField(_l("Open it for responses now"))


def _load_consultation(slug: str, **_kwargs) -> Consultation:
    consultation = service.get_consultation(slug)
    if consultation is None:
        abort(404)
    return consultation


def _after_import_url(survey) -> str:
    try:
        return url_for("builder.survey", slug=survey.slug)
    # the builder's survey page not there (i18n's url_defaults raises KeyError for it)
    except (BuildError, KeyError):
        return url_for("consultations.detail", slug=survey.consultation.slug)


@bp.route("/consultations/<slug>/import-survey", methods=["GET", "POST"])
@requires("edit_consultation", _load_consultation)
def import_survey(slug: str, obj: Consultation):
    form = ImportSurveyForm()
    problems: list[str] = []
    if form.validate_on_submit():
        upload = form.file.data
        try:
            parsed = xlsform.parse_form(
                upload.read(), upload.filename or "", allowed_languages=obj.languages
            )
            result = xlsform.create_from_form(
                parsed, actor=current_user, consultation=obj, open_now=form.open_now.data
            )
        except xlsform.XLSFormErrors as exc:
            db.session.rollback()
            problems = [str(p) for p in exc.problems]
        except service.SurveyError as exc:
            db.session.rollback()
            problems = [_("The survey could not be made: %(reason)s", reason=str(exc))]
        else:
            db.session.commit()
            flash(
                _(
                    "The survey %(title)s has been imported with %(count)s questions.",
                    title=str(text_in(result.survey.title, current_locale())) or result.survey.slug,
                    count=len(result.survey.questions),
                ),
                "success",
            )
            if form.open_now.data:
                for gap in xlsform.translation_gaps(result.survey):  # as the builder warns
                    flash(str(gap), "info")
            return redirect(_after_import_url(result.survey))
    status = 400 if form.is_submitted() else 200
    return (
        render_template(
            "consultations/import_survey.html",
            form=form,
            consultation=obj,
            consultation_title=text_in(obj.title, current_locale()),
            problems=problems[:SHOWN_PROBLEMS],
            problem_count=len(problems),
        ),
        status,
    )
