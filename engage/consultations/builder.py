"""Authoring: consultations, the survey builder, translations side by side, preview."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_login import current_user
from markupsafe import Markup
from werkzeug.routing import BuildError

from engage.accounts import service as accounts
from engage.accounts.permissions import author_organisations, requires
from engage.consultations import authoring, logic, service
from engage.consultations import translation_files as files
from engage.consultations.forms import (
    MONITORING_CHOICE_KEYS,
    ConfirmForm,
    ConsultationForm,
    ImportTranslationsForm,
    QuestionForm,
    SectionForm,
    StatusForm,
    SurveyForm,
    SurveySettingsForm,
)
from engage.consultations.models import (
    STATUS_TRANSITIONS,
    Consultation,
    ConsultationStatus,
    Question,
    QuestionType,
    Survey,
)
from engage.consultations.service import SurveyError
from engage.consultations.texts import SOURCE_LOCALE, completeness, text_in, translatable_texts
from engage.extensions import db
from engage.forms import clean_text
from engage.i18n import _, _l, current_locale, languages, text_direction

bp = Blueprint("builder", __name__, url_prefix="/<locale>")

#: the words of the status buttons
STATUS_ACTIONS = {
    ConsultationStatus.open: _l("Open for responses"),
    ConsultationStatus.closed: _l("Close"),
    ConsultationStatus.reported: _l("Mark as reported"),
}


#: what each translatable text is (engage.consultations.texts names them in English)
WHAT_LABELS = {
    "Consultation title": _l("Consultation title"),
    "Consultation summary": _l("Consultation summary"),
    "Consultation page": _l("Consultation page"),
    "Survey title": _l("Survey title"),
    "Survey introduction": _l("Survey introduction"),
    "Consent and privacy notice": _l("Consent and privacy notice"),
    "Section title": _l("Section title"),
    "Question": _l("Question"),
    "Hint": _l("Hint"),
    "Scale label": _l("Scale label"),
    "Option": _l("Answer"),
}


#: the section choice of a survey that has none yet
NEW_SECTION = "new"


def what_label(what: str) -> str:
    return str(WHAT_LABELS.get(what, what))


def _load_consultation(slug: str, **_kwargs) -> Consultation:
    consultation = service.get_consultation(slug)
    if consultation is None:
        abort(404)
    return consultation


def _question(survey: Survey, question_id: int) -> Question:
    question = next((q for q in survey.questions if q.id == question_id), None)
    if question is None:
        abort(404)
    return question


def optional_url(endpoint: str, **values) -> str | None:
    """A link to a page another part of Engage provides, if it exists yet."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return None


# Consultations ---------------------------------------------------------------------


@bp.get("/manage/consultations")
@requires("create_consultation")
def consultations():
    rows = authoring.editable_consultations(current_user)
    return render_template("consultations/builder/consultations.html", consultations=rows)


def _consultation_form(consultation: Consultation | None = None) -> ConsultationForm:
    organisations = author_organisations(current_user)
    if consultation is not None and consultation.organisation not in organisations:
        organisations = [consultation.organisation, *organisations]
    if consultation is None or request.method == "POST":
        form = ConsultationForm(organisations)
    else:
        form = ConsultationForm(
            organisations,
            data={
                "title": consultation.title.get(SOURCE_LOCALE, ""),
                "summary": consultation.summary.get(SOURCE_LOCALE, ""),
                "body": consultation.body.get(SOURCE_LOCALE, ""),
                "organisation": consultation.organisation.slug,
                "service_area": consultation.service_area.value,
                "stage": consultation.stage.value,
                "opens_on": consultation.opens_on,
                "closes_on": consultation.closes_on,
                "languages": [c for c in consultation.languages if c != SOURCE_LOCALE],
                "target_communities": list(consultation.target_communities or []),
                "area_code": consultation.area_code or "",
            },
        )
    if request.method == "GET" and consultation is None and len(organisations) == 1:
        form.organisation.data = organisations[0].slug
    return form


@bp.route("/consultations/new", methods=["GET", "POST"])
@requires("create_consultation")
def new_consultation():
    form = _consultation_form()
    error = None
    if form.validate_on_submit():
        organisation = accounts.get_organisation(form.organisation.data)
        try:
            consultation = service.create_consultation(
                actor=current_user,
                organisation=organisation,
                title=form.title.data,
                summary=form.summary.data or "",
                body=form.body.data or "",
                service_area=form.service_area.data,
                stage=form.stage.data,
                languages=[SOURCE_LOCALE, *(form.languages.data or [])],
                opens_on=form.opens_on.data,
                closes_on=form.closes_on.data,
                target_communities=form.target_communities.data or [],
            )
            authoring.set_area(consultation, form.area_code.data)
            service.create_survey(consultation, actor=current_user)
        except SurveyError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("The consultation has been created as a draft."), "success")
            return redirect(url_for(".edit_consultation", slug=consultation.slug))
    status = 400 if form.is_submitted() else 200
    return render_template(
        "consultations/builder/new_consultation.html", form=form, form_error=error
    ), status


def _render_edit(
    consultation, form, status_form=None, status_error=None, code=200, form_error=None
):
    allowed = sorted(STATUS_TRANSITIONS[consultation.status], key=list(ConsultationStatus).index)
    return render_template(
        "consultations/builder/edit_consultation.html",
        consultation=consultation,
        form=form,
        status_form=status_form or StatusForm(),
        status_error=status_error,
        form_error=form_error,
        survey_form=SurveyForm(),
        transitions=[
            (
                s,
                _("Reopen")
                if s == ConsultationStatus.open and consultation.status != ConsultationStatus.draft
                else str(STATUS_ACTIONS[s]),
            )
            for s in allowed
        ],
        warnings=authoring.publishing_warnings(consultation),
        public_url=optional_url("consultations.detail", slug=consultation.slug),
    ), code


@bp.route("/consultations/<slug>/edit", methods=["GET", "POST"])
@requires("edit_consultation", _load_consultation)
def edit_consultation(slug: str, obj: Consultation):
    form = _consultation_form(obj)
    error = None
    if form.validate_on_submit():
        organisation = accounts.get_organisation(form.organisation.data)
        try:
            authoring.update_consultation(
                obj,
                actor=current_user,
                organisation=organisation,
                title=form.title.data,
                summary=form.summary.data or "",
                body=form.body.data or "",
                service_area=form.service_area.data,
                stage=form.stage.data,
                opens_on=form.opens_on.data,
                closes_on=form.closes_on.data,
                languages=[SOURCE_LOCALE, *(form.languages.data or [])],
                target_communities=form.target_communities.data or [],
                area_code=form.area_code.data,
            )
        except SurveyError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("The consultation has been saved."), "success")
            return redirect(url_for(".edit_consultation", slug=obj.slug))
    return _render_edit(obj, form, form_error=error, code=400 if form.is_submitted() else 200)


@bp.post("/consultations/<slug>/status")
@requires("edit_consultation", _load_consultation)
def set_status(slug: str, obj: Consultation):
    form = StatusForm()
    if not form.validate_on_submit():
        return _render_edit(obj, _consultation_form(obj), form, _("Select a status"), 400)
    status = ConsultationStatus(form.status.data)
    if status == obj.status:
        return _render_edit(
            obj,
            _consultation_form(obj),
            form,
            _("The consultation is already %(status)s.", status=status.label.lower()),
            400,
        )
    if status not in STATUS_TRANSITIONS[obj.status]:
        message = _(
            "A consultation that is %(current)s cannot become %(new)s.",
            current=obj.status.label.lower(),
            new=status.label.lower(),
        )
        return _render_edit(obj, _consultation_form(obj), form, message, 400)
    opening = status == ConsultationStatus.open and not form.confirm.data
    if opening and authoring.publishing_warnings(obj):
        message = _("Read the warnings, then tick the box to open it anyway.")
        return _render_edit(obj, _consultation_form(obj), form, message, 400)
    try:
        service.set_status(obj, status, actor=current_user)
    except SurveyError as exc:
        db.session.rollback()
        return _render_edit(obj, _consultation_form(obj), form, str(exc), 400)
    db.session.commit()
    flash(_("The consultation is now %(status)s.", status=status.label.lower()), "success")
    return redirect(url_for(".edit_consultation", slug=obj.slug))


@bp.post("/consultations/<slug>/surveys/new")
@requires("edit_consultation", _load_consultation)
def new_survey(slug: str, obj: Consultation):
    form = SurveyForm()
    if not form.validate_on_submit():
        return _render_edit(obj, _consultation_form(obj), code=400)
    survey = service.create_survey(obj, actor=current_user, title=form.title.data or None)
    db.session.commit()
    flash(_("The survey has been added."), "success")
    return redirect(url_for(".survey", slug=survey.slug))


# The builder -----------------------------------------------------------------------


def _builder_context(survey: Survey) -> dict:
    consultation = survey.consultation
    labels = {q.key: q.key for q in survey.questions}
    others = [code for code in consultation.languages if code != SOURCE_LOCALE]
    figures = completeness(survey, consultation.languages)
    return {
        "survey": survey,
        "consultation": consultation,
        "questions": service.ordered_questions(survey),
        "describe": lambda c: logic.describe(c, labels),
        "responses": authoring.response_count(survey),
        "answered": authoring.answered_question_ids(survey),
        "completeness": {
            code: (*figures[code], authoring.percent(*figures[code])) for code in others
        },
        "language_names": languages(),
        "question_types": authoring.BUILDER_TYPES,
        "section_form": SectionForm(),
        "confirm_form": ConfirmForm(),
        "xlsform_url": optional_url("xlsform.import_survey", slug=consultation.slug),
        "responses_url": optional_url("response_data.overview", slug=survey.slug),
    }


@bp.get("/surveys/<slug>/build")
@requires("edit_survey", service.survey_or_404)
def survey(slug: str, obj: Survey):
    return render_template("consultations/builder/survey.html", **_builder_context(obj))


def _section_choices(survey: Survey) -> list[tuple[str, str]]:
    if not survey.sections:
        # the first question makes the first section
        return [(NEW_SECTION, _("Section %(number)s", number=1))]
    return [
        (
            str(s.id),
            s.title.get(SOURCE_LOCALE) or _("Section %(number)s", number=index),
        )
        for index, s in enumerate(survey.sections, start=1)
    ]


def _question_form(survey: Survey, question: Question | None, type_: QuestionType):
    if question is None:
        before = service.ordered_questions(survey)
    else:
        before = authoring.questions_before(survey, question.section, question)
    others = [
        (q.key, f"{q.key}: {q.label.get(SOURCE_LOCALE, '')}"[:120])
        for q in before
        if q.type != QuestionType.note
    ]
    known = {q.key for q in survey.questions if q is not question}
    form = QuestionForm(_section_choices(survey), others, known)
    if request.method == "GET":
        if question is None:
            form.section.data = str(survey.sections[-1].id) if survey.sections else NEW_SECTION
            if type_ == QuestionType.fft:
                form.label.data = str(service.FFT_QUESTION)
            form.integer.data = False
        else:
            settings = question.settings or {}
            simple = authoring.simple_condition(question.show_if) or {}
            form.process(
                data={
                    "label": question.label.get(SOURCE_LOCALE, ""),
                    "key": question.key,
                    "hint": question.hint.get(SOURCE_LOCALE, ""),
                    "required": question.required,
                    "section": str(question.section_id),
                    "options": authoring.format_options(question),
                    "minimum": "" if settings.get("min") is None else str(settings["min"]),
                    "maximum": "" if settings.get("max") is None else str(settings["max"]),
                    "integer": bool(settings.get("integer")),
                    "condition_question": simple.get("q", ""),
                    "condition_op": simple.get("op", "eq"),
                    "condition_value": "" if "value" not in simple else str(simple["value"]),
                }
            )
    return form


def _render_question(survey, form, type_, question=None, error=None, code=200):
    context = _builder_context(survey)
    return render_template(
        "consultations/builder/question.html",
        form=form,
        type=type_,
        question=question,
        form_error=error,
        complex_condition=(
            question is not None
            and question.show_if
            and authoring.simple_condition(question.show_if) is None
        ),
        locked=context["responses"] > 0,
        options_editable=type_ in authoring.EDITABLE_OPTION_TYPES,
        standard_options=service.standard_options(type_) if question is None else None,
        **context,
    ), code


def _form_values(form: QuestionForm, survey: Survey, type_: QuestionType):
    section = next((s for s in survey.sections if str(s.id) == form.section.data), None)
    if section is None and form.section.data == NEW_SECTION and not survey.sections:
        section = service.add_section(survey)
    if section is None:
        raise SurveyError(_("Select a section"))
    options = None
    if type_ in authoring.EDITABLE_OPTION_TYPES:
        options = authoring.parse_options(form.options.data or "")
    settings = None
    if type_ == QuestionType.number:
        settings = authoring.number_settings(
            form.minimum.data, form.maximum.data, form.integer.data
        )
    condition = (form.condition_question.data, form.condition_op.data, form.condition_value.data)
    return section, options, settings, condition


@bp.route("/surveys/<slug>/build/questions/new", methods=["GET", "POST"])
@requires("edit_survey", service.survey_or_404)
def new_question(slug: str, obj: Survey):
    try:
        type_ = QuestionType(request.args.get("type", ""))
    except ValueError:
        type_ = None
    if type_ not in authoring.BUILDER_TYPES:
        flash(_("Choose the type of question to add."), "error")
        return redirect(url_for(".survey", slug=obj.slug))
    form = _question_form(obj, None, type_)
    if type_ == QuestionType.fft:
        form.label.validators = []
    error = None
    if form.validate_on_submit():
        try:
            section, options, settings, condition = _form_values(form, obj, type_)
            question = authoring.create_question(
                obj,
                type=type_,
                key=form.key.data,
                label=form.label.data or "",
                hint=form.hint.data or "",
                required=form.required.data,
                section=section,
                options=options,
                settings=settings,
                condition=condition,
            )
        except SurveyError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("The question %(key)s has been added.", key=question.key), "success")
            return redirect(url_for(".survey", slug=obj.slug) + f"#question-{question.id}")
    code = 400 if form.is_submitted() else 200
    return _render_question(obj, form, type_, error=error, code=code)


@bp.route("/surveys/<slug>/build/questions/<int:question_id>", methods=["GET", "POST"])
@requires("edit_survey", service.survey_or_404)
def edit_question(slug: str, obj: Survey, question_id: int):
    question = _question(obj, question_id)
    form = _question_form(obj, question, question.type)
    if question.type == QuestionType.fft:
        form.label.validators = []
    error = None
    if form.validate_on_submit():
        try:
            section, options, settings, condition = _form_values(form, obj, question.type)
            complex_kept = question.show_if and authoring.simple_condition(question.show_if) is None
            authoring.update_question(
                question,
                key=form.key.data,
                label=form.label.data or "",
                hint=form.hint.data or "",
                required=form.required.data,
                section=section,
                options=options,
                settings=settings,
                condition=None if complex_kept else condition,
                remove_condition=bool(form.remove_condition.data),
            )
        except SurveyError as exc:
            db.session.rollback()
            error = str(exc)
            question = _question(service.survey_or_404(slug), question_id)
            obj = question.survey
        else:
            db.session.commit()
            flash(_("The question %(key)s has been saved.", key=question.key), "success")
            return redirect(url_for(".survey", slug=obj.slug) + f"#question-{question.id}")
    code = 400 if form.is_submitted() else 200
    return _render_question(obj, form, question.type, question, error=error, code=code)


@bp.post("/surveys/<slug>/build/questions/<int:question_id>/move")
@requires("edit_survey", service.survey_or_404)
def move_question(slug: str, obj: Survey, question_id: int):
    question = _question(obj, question_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        authoring.move_question(question, request.form.get("direction", ""))
    except SurveyError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        flash(_("The question %(key)s has been moved.", key=question.key), "success")
    return redirect(url_for(".survey", slug=obj.slug) + f"#question-{question_id}")


@bp.post("/surveys/<slug>/build/questions/<int:question_id>/delete")
@requires("edit_survey", service.survey_or_404)
def delete_question(slug: str, obj: Survey, question_id: int):
    question = _question(obj, question_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    key = question.key
    try:
        authoring.delete_question(question)
    except SurveyError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for(".survey", slug=obj.slug) + f"#question-{question_id}")
    db.session.commit()
    flash(_("The question %(key)s has been deleted.", key=key), "success")
    return redirect(url_for(".survey", slug=obj.slug))


@bp.post("/surveys/<slug>/build/sections/new")
@requires("edit_survey", service.survey_or_404)
def new_section(slug: str, obj: Survey):
    form = SectionForm()
    if not form.validate_on_submit():
        flash(form.title.errors[0] if form.title.errors else _("Enter a title"), "error")
        return redirect(url_for(".survey", slug=obj.slug))
    service.add_section(obj, title=form.title.data or "")
    db.session.commit()
    flash(_("The section has been added."), "success")
    return redirect(url_for(".survey", slug=obj.slug))


@bp.post("/surveys/<slug>/build/sections/<int:section_id>")
@requires("edit_survey", service.survey_or_404)
def edit_section(slug: str, obj: Survey, section_id: int):
    section = next((s for s in obj.sections if s.id == section_id), None)
    if section is None:
        abort(404)
    form = SectionForm()
    if not form.validate_on_submit():
        flash(form.title.errors[0] if form.title.errors else _("Enter a title"), "error")
        return redirect(url_for(".survey", slug=obj.slug))
    authoring.rename_section(section, form.title.data or "")
    db.session.commit()
    flash(_("The section title has been saved."), "success")
    return redirect(url_for(".survey", slug=obj.slug) + f"#section-{section.id}")


@bp.route("/surveys/<slug>/build/settings", methods=["GET", "POST"])
@requires("edit_survey", service.survey_or_404)
def settings(slug: str, obj: Survey):
    if request.method == "POST":
        form = SurveySettingsForm()
    else:
        form = SurveySettingsForm(
            data={
                "title": obj.title.get(SOURCE_LOCALE, ""),
                "intro": obj.intro.get(SOURCE_LOCALE, ""),
                "consent_text": obj.consent_text.get(SOURCE_LOCALE, ""),
                "monitoring_enabled": obj.monitoring_enabled,
                "monitoring_keys": [k for k in obj.monitoring_keys if k in MONITORING_CHOICE_KEYS],
            }
        )
    error = None
    if form.validate_on_submit():
        try:
            authoring.update_settings(
                obj,
                title=form.title.data,
                intro=form.intro.data or "",
                consent_text=form.consent_text.data or "",
                monitoring_enabled=form.monitoring_enabled.data,
                monitoring_keys=form.monitoring_keys.data or [],
            )
        except SurveyError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            db.session.commit()
            flash(_("The survey settings have been saved."), "success")
            return redirect(url_for(".survey", slug=obj.slug))
    code = 400 if form.is_submitted() else 200
    return render_template(
        "consultations/builder/settings.html", form=form, survey=obj, form_error=error
    ), code


# Translations ----------------------------------------------------------------------


def _target_language(survey: Survey, lang: str) -> str:
    if lang == SOURCE_LOCALE or lang not in survey.consultation.languages:
        abort(404)
    return lang


def _render_translations(survey, lang, form=None, import_form=None, error=None, code=200):
    done, total = completeness(survey, [lang])[lang]
    rows = [
        (text_id, what, texts)
        for text_id, what, texts in translatable_texts(survey)
        if (texts.get(SOURCE_LOCALE) or "").strip()
    ]
    return render_template(
        "consultations/builder/translations.html",
        survey=survey,
        what_label=what_label,
        lang=lang,
        lang_name=languages().get(lang, lang),
        lang_dir=text_direction(lang),
        rows=rows,
        done=done,
        total=total,
        percent=authoring.percent(done, total),
        form=form or ConfirmForm(),
        import_form=import_form or ImportTranslationsForm(),
        form_error=error,
    ), code


@bp.route("/surveys/<slug>/build/translations/<lang>", methods=["GET", "POST"])
@requires("edit_survey", service.survey_or_404)
def translations(slug: str, obj: Survey, lang: str):
    lang = _target_language(obj, lang)
    form = ConfirmForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            return _render_translations(obj, lang, form, code=400)
        values = {
            key.removeprefix("t:"): clean_text(value)
            for key, value in request.form.items()
            if key.startswith("t:") and isinstance(value, str) and len(value) <= 20000
        }
        too_long = [key for key, value in request.form.items() if len(value) > 20000]
        if too_long:
            error = _("A translation must be 20000 characters or fewer.")
            return _render_translations(obj, lang, form, error=error, code=400)
        try:
            changed = authoring.set_translations(obj, lang, values)
        except SurveyError as exc:
            db.session.rollback()
            return _render_translations(obj, lang, form, error=str(exc), code=400)
        db.session.commit()
        flash(_("Translations saved: %(count)s changed.", count=changed), "success")
        return redirect(url_for(".translations", slug=obj.slug, lang=lang))
    return _render_translations(obj, lang, form)


@bp.get("/surveys/<slug>/build/translations/<lang>.po")
@requires("edit_survey", service.survey_or_404)
def export_po(slug: str, obj: Survey, lang: str):
    lang = _target_language(obj, lang)
    return _download(
        files.export_po(obj, lang), f"{obj.slug}-{lang}.po", "text/x-gettext-translation"
    )


@bp.get("/surveys/<slug>/build/translations/<lang>.xlsx")
@requires("edit_survey", service.survey_or_404)
def export_xlsx(slug: str, obj: Survey, lang: str):
    lang = _target_language(obj, lang)
    return _download(
        files.export_xlsx(obj, lang),
        f"{obj.slug}-{lang}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _download(data: bytes, filename: str, mimetype: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.post("/surveys/<slug>/build/translations/<lang>/import")
@requires("edit_survey", service.survey_or_404)
def import_translations(slug: str, obj: Survey, lang: str):
    lang = _target_language(obj, lang)
    form = ImportTranslationsForm()
    if not form.validate_on_submit():
        return _render_translations(obj, lang, import_form=form, code=400)
    upload = form.file.data
    name = (getattr(upload, "filename", "") or "").lower()
    if not upload or not name:
        error = _("Choose a .po or .xlsx file to import.")
        return _render_translations(obj, lang, import_form=form, error=error, code=400)
    data = upload.read()
    try:
        if name.endswith(".po"):
            result = files.import_po(obj, lang, data)
        elif name.endswith(".xlsx"):
            result = files.import_xlsx(obj, lang, data)
        else:
            raise files.TranslationFileError(_("The file must be a .po or .xlsx file."))
    except SurveyError as exc:
        db.session.rollback()
        return _render_translations(obj, lang, import_form=form, error=str(exc), code=400)
    db.session.commit()
    flash(
        _(
            "Translations imported: %(updated)s changed, %(unchanged)s already the same.",
            updated=result.updated,
            unchanged=result.unchanged,
        ),
        "success",
    )
    if result.needs_review:
        flash(
            _(
                "Not imported, because the English has changed since the file was made: "
                "%(ids)s. Check these and translate them again.",
                ids=", ".join(result.needs_review[:30]),
            ),
            "warning",
        )
    if result.unknown:
        flash(
            _(
                "Ignored, because this survey has no such text: %(ids)s.",
                ids=", ".join(result.unknown[:30]),
            ),
            "warning",
        )
    return redirect(url_for(".translations", slug=obj.slug, lang=lang))


# Preview ---------------------------------------------------------------------------


@bp.get("/surveys/<slug>/build/preview")
@requires("edit_survey", service.survey_or_404)
def preview(slug: str, obj: Survey):
    offered = obj.consultation.languages
    lang = request.args.get("lang") or SOURCE_LOCALE
    if lang not in offered:
        lang = SOURCE_LOCALE

    def t(texts):
        return text_in(texts, lang)

    pages = logic.pages(obj.sections)
    section_of = {}
    for page in pages:
        section_of[id(page)] = page[0].section
    labels = {q.key: q.key for q in obj.questions}
    fallbacks = sum(
        1
        for _id, _what, texts in translatable_texts(obj)
        if (texts.get(SOURCE_LOCALE) or "").strip() and not (texts.get(lang) or "").strip()
    )
    chrome = {
        "chrome_locale": current_locale(),
        "chrome_dir": text_direction(),
        "shown_if_label": _("Shown only if:"),
    }
    # the survey speaks the respondent's language, chrome and all; the page around it is
    # in the analyst's
    with force_locale(lang):
        # an autoescaped template's output is already safe HTML
        survey_html = Markup(  # noqa: S704
            render_template(
                "consultations/builder/_preview_survey.html",
                survey=obj,
                pages=pages,
                t=t,
                describe=lambda c: logic.describe(c, labels),
                **chrome,
            )
        )
    return render_template(
        "consultations/builder/preview.html",
        survey=obj,
        lang=lang,
        lang_dir=text_direction(lang),
        offered=offered,
        language_names=languages(),
        survey_html=survey_html,
        fallbacks=fallbacks if lang != SOURCE_LOCALE else 0,
    )
