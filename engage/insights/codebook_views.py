"""The codebook editor: the themes a survey (or an organisation) codes free text with.

A survey's analysts (and admins) see the codebook the survey uses and change it: edit,
add and delete themes, download it in the import format, upload a replacement, and
reset it to the one it inherited. An organisation's analysts do the same with their
organisation's codebook, which its surveys use unless they have their own. The first
change makes the survey's (or organisation's) own copy (engage.insights.codebook_edit).
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from engage.accounts import service as accounts
from engage.accounts.forms import ChoiceField, ConfirmForm, strip
from engage.accounts.models import Organisation
from engage.accounts.permissions import can, requires
from engage.consultations.models import Survey
from engage.consultations.service import survey_or_404, survey_title
from engage.extensions import db
from engage.forms import Form
from engage.i18n import _, _l, ngettext
from engage.insights import codebook, coding
from engage.insights import codebook_edit as edit
from engage.insights.codebook_edit import Scope, Source, ThemeProblem

bp = Blueprint("codebook", __name__, url_prefix="/<locale>")

#: a codebook file is a few hundred rows at most: anything near this size is not one
MAX_FILE_BYTES = 2 * 1024 * 1024
SURVEY = "/surveys/<slug>/codebook"
ORGANISATION = "/organisations/<slug>/codebook"
#: a theme's code in a web address (the codebook's own rule is checked after)
CODE = "<string(maxlength=64):code>"


# Forms ------------------------------------------------------------------------------------


def lower(value):
    return value.lower() if isinstance(value, str) else value


def one_line(value):
    return edit.clean_name(value) if isinstance(value, str) else value


def _check_keywords(form, field) -> None:
    if any(len(k) > codebook.KEYWORD_MAX for k in edit.keywords_from_text(field.data or "")):
        raise ValidationError(_("A keyword must be 100 characters or fewer"))


class ThemeForm(Form):
    name = StringField(
        _l("Name"),
        validators=[
            DataRequired(message=_l("Enter the theme's name")),
            Length(max=codebook.NAME_MAX, message=_l("A name must be 200 characters or fewer")),
        ],
        filters=[one_line],
    )
    parent = ChoiceField(
        _l("Under which theme"),
        description=_l(
            "A theme that groups others, like a category, is not under another theme. The "
            "results count each theme, and add up a category's themes."
        ),
        default="",
    )
    description = TextAreaField(
        _l("Description (optional)"),
        description=_l("What answers with this theme talk about, for whoever codes them."),
        validators=[
            Length(
                max=codebook.DESCRIPTION_MAX,
                message=_l("A description must be 4000 characters or fewer"),
            )
        ],
        filters=[strip],
    )
    keywords = TextAreaField(
        _l("Keywords (optional)"),
        description=_l(
            "Words and phrases that suggest the theme when an answer uses them, one a line "
            "(or separated by ;). Plurals and other forms of a word are found too: "
            "“interpreter” also finds “interpreters” and “interpreting”."
        ),
        validators=[
            Length(
                max=edit.KEYWORDS_TEXT_MAX,
                message=_l("Keywords must be 20,000 characters or fewer in all"),
            ),
            _check_keywords,
        ],
    )

    def set_parents(self, themes: Sequence[codebook.Theme], code: str | None) -> None:
        """The parents a theme may have: top-level themes other than itself; none when
        other themes are under it (two levels only)."""
        choices = [("", _("None: it is not under another theme"))]
        if code is None or not edit.children_of(themes, code):
            choices += [(t.code, t.name) for t in themes if not t.parent and t.code != code]
        self.parent.choices = choices


class NewThemeForm(ThemeForm):
    code = StringField(
        _l("Code (optional)"),
        description=_l(
            "How files and coded answers name the theme. It cannot be changed later. Up to "
            "64 lower-case letters, digits, dots, dashes and underscores, like "
            "hospital_parking. Leave it empty to make one from the name."
        ),
        validators=[
            Optional(),
            Regexp(
                codebook.THEME_CODE,
                message=_l(
                    "A code is up to 64 lower-case letters, digits, dots, dashes and underscores"
                ),
            ),
        ],
        filters=[strip, lower],
    )


class UploadForm(Form):
    file = FileField(
        _l("Codebook file"),
        description=_l(
            "A .csv file whose first row names the columns code, name, parent, description "
            "and keywords. Keywords are separated by ;. The file you download here is in "
            "this format."
        ),
        validators=[
            FileRequired(_l("Choose the codebook file to upload.")),
            FileAllowed(["csv"], _l("The file must be a .csv file.")),
        ],
    )


# Who may change which codebook --------------------------------------------------------------


def _survey_scope(slug: str, **_kwargs) -> Survey:
    return survey_or_404(slug)


def _analysts_organisation(slug: str, **_kwargs) -> Organisation:
    """The organisation, for a view of its codebook (404 when there is none); who may
    see and change it is ``can(user, "edit_codebook", organisation)``: its analysts and
    admins."""
    organisation = accounts.get_organisation(slug)
    if organisation is None:
        abort(404)
    return organisation


# Pages, whoever's codebook they change -----------------------------------------------------


def _link(scope: Scope, name: str, **kwargs) -> str:
    if scope.survey is not None:
        return url_for(f"codebook.{name}", slug=scope.survey.slug, **kwargs)
    return url_for(f"codebook.org_{name}", slug=scope.organisation.slug, **kwargs)


def _page(scope: Scope, code: str = "", status: int = 303):
    return redirect(_link(scope, "page", _anchor=f"theme-{code}" if code else None), status)


def _title(scope: Scope) -> str:
    return survey_title(scope.survey) if scope.survey is not None else scope.organisation.name


def _render(template: str, scope: Scope, status: int = 200, **context):
    return render_template(
        f"insights/codebook/{template}",
        scope=scope,
        caption=_title(scope),
        link=lambda name, **kw: _link(scope, name, **kw),
        source=edit.source(scope),
        inherited=edit.inherited_source(scope),
        Source=Source,
        number=format_decimal,
        **context,
    ), status


def _theme_or_404(themes: Sequence[codebook.Theme], code: str) -> codebook.Theme:
    found = next((t for t in themes if t.code == code), None)
    if found is None:
        abort(404)
    return found


def _show(scope: Scope):
    themes = edit.themes_of(scope)
    organisation = scope.organisation
    return _render(
        "page.html",
        scope,
        groups=coding.themes_by_category(themes),
        count=len(themes),
        organisation_link=(
            url_for("codebook.org_page", slug=organisation.slug)
            if scope.survey is not None and can(current_user, "edit_codebook", organisation)
            else None
        ),
    )


def _download(scope: Scope):
    name = scope.survey.slug if scope.survey is not None else scope.organisation.slug
    # with a byte-order mark, so that spreadsheets read the names as UTF-8; the import
    # reads it as well
    response = Response(
        "\ufeff" + codebook.codebook_csv(edit.themes_of(scope)),
        mimetype="text/csv; charset=utf-8",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{name}-codebook.csv"'
    response.cache_control.no_store = True
    return response


def _problem(form: Form, problem: ThemeProblem) -> None:
    field = getattr(form, problem.field, None) if problem.field else None
    if field is None:
        field = form.name
    field.errors = [*field.errors, str(problem.message)]


def _changed_message(scope: Scope, made_copy: bool, message: str) -> None:
    if made_copy:
        message += " " + (
            _("This survey now has its own codebook; the one it used before is unchanged.")
            if scope.survey is not None
            else _("Your organisation now has its own codebook; the site's is unchanged.")
        )
    flash(message, "success")


def _new_theme(scope: Scope, is_post: bool):
    themes = edit.themes_of(scope)
    form = NewThemeForm()
    form.set_parents(themes, None)
    if form.validate_on_submit():
        made_copy = edit.own_codebook(scope) is None
        try:
            added = edit.add_theme(
                scope,
                codebook.Theme(
                    form.code.data or "",
                    form.name.data,
                    form.parent.data or None,
                    form.description.data or "",
                    edit.keywords_from_text(form.keywords.data or ""),
                ),
            )
        except ThemeProblem as problem:
            db.session.rollback()
            _problem(form, problem)
        else:
            db.session.commit()
            _changed_message(
                scope,
                made_copy,
                _(
                    "“%(name)s” was added with the code %(code)s. The next analysis of the "
                    "free text will use it.",
                    name=added.name,
                    code=added.code,
                ),
            )
            return _page(scope, added.code)
    return _render("theme.html", scope, 400 if is_post else 200, form=form, theme=None)


def _edit_theme(scope: Scope, code: str, is_post: bool):
    themes = edit.themes_of(scope)
    theme = _theme_or_404(themes, code)
    form = ThemeForm(
        data=None
        if is_post
        else {
            "name": theme.name,
            "parent": theme.parent or "",
            "description": theme.description,
            "keywords": "\n".join(theme.keywords),
        }
    )
    form.set_parents(themes, theme.code)
    if form.validate_on_submit():
        made_copy = edit.own_codebook(scope) is None
        try:
            saved = edit.update_theme(
                scope,
                codebook.Theme(
                    theme.code,
                    form.name.data,
                    form.parent.data or None,
                    form.description.data or "",
                    edit.keywords_from_text(form.keywords.data or ""),
                ),
            )
        except ThemeProblem as problem:
            db.session.rollback()
            _problem(form, problem)
        else:
            db.session.commit()
            _changed_message(
                scope,
                made_copy,
                _(
                    "“%(name)s” was saved. The next analysis of the free text will use it.",
                    name=saved.name,
                ),
            )
            return _page(scope, saved.code)
    return _render(
        "theme.html",
        scope,
        400 if is_post else 200,
        form=form,
        theme=theme,
        children=edit.children_of(themes, theme.code),
    )


def _delete_theme(scope: Scope, code: str, is_post: bool):
    themes = edit.themes_of(scope)
    theme = _theme_or_404(themes, code)
    children = edit.children_of(themes, code)
    form = ConfirmForm()
    problem = None
    if is_post:
        if not form.validate_on_submit():
            abort(400)
        made_copy = edit.own_codebook(scope) is None
        try:
            edit.delete_theme(scope, code)
        except ThemeProblem as exc:
            db.session.rollback()
            problem = str(exc.message)
        else:
            db.session.commit()
            _changed_message(scope, made_copy, _("“%(name)s” was deleted.", name=theme.name))
            return _page(scope)
    coded = edit.coded_with(scope.survey, code) if scope.survey is not None else None
    return _render(
        "delete.html",
        scope,
        400 if is_post else 200,
        form=form,
        theme=theme,
        children=children,
        coded=coded,
        problem=problem,
    )


def _upload(scope: Scope, is_post: bool):
    form = UploadForm()
    problems: list[str] = []
    more = False
    if form.validate_on_submit():
        data = form.file.data.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            form.file.errors.append(_("The file must be smaller than 2 MB."))
        else:
            try:
                themes = codebook.read_codebook_csv(data)
            except codebook.CodebookRejected as rejected:
                problems = [problem.text() for problem in rejected.errors]
                more = rejected.more
                # each problem in the error summary, linking to the file to choose again
                form.file.errors = [*form.file.errors, *problems]
            else:
                edit.save(scope, themes)
                db.session.commit()
                flash(
                    ngettext(
                        "The codebook was replaced by the file's %(num)s theme.",
                        "The codebook was replaced by the file's %(num)s themes.",
                        len(themes),
                    )
                    + " "
                    + _("The next analysis of the free text will use it."),
                    "success",
                )
                return _page(scope)
        db.session.rollback()
    return _render(
        "upload.html",
        scope,
        400 if is_post else 200,
        form=form,
        problems=problems,
        more=more,
    )


def _reset(scope: Scope, is_post: bool):
    form = ConfirmForm()
    if is_post:
        if not form.validate_on_submit():
            abort(400)
        if edit.reset(scope):
            db.session.commit()
            flash(
                _("The codebook was reset. The next analysis of the free text will use it."),
                "success",
            )
        else:
            flash(_("There is no codebook of its own to reset."))
        return _page(scope)
    if edit.own_codebook(scope) is None:
        return _page(scope, status=302)
    return _render("reset.html", scope, form=form)


# Routes: a survey's codebook ----------------------------------------------------------------

GET_POST = ["GET", "POST"]


def _is_post() -> bool:
    return request.method == "POST"


@bp.get(SURVEY)
@requires("manage_responses", _survey_scope)
def page(slug: str, obj: Survey):
    return _show(Scope.of_survey(obj))


@bp.get(f"{SURVEY}.csv")
@requires("manage_responses", _survey_scope)
def download(slug: str, obj: Survey):
    return _download(Scope.of_survey(obj))


@bp.route(f"{SURVEY}/themes/new", methods=GET_POST)
@requires("manage_responses", _survey_scope)
def new_theme(slug: str, obj: Survey):
    return _new_theme(Scope.of_survey(obj), _is_post())


@bp.route(f"{SURVEY}/themes/{CODE}", methods=GET_POST)
@requires("manage_responses", _survey_scope)
def edit_theme(slug: str, code: str, obj: Survey):
    return _edit_theme(Scope.of_survey(obj), code, _is_post())


@bp.route(f"{SURVEY}/themes/{CODE}/delete", methods=GET_POST)
@requires("manage_responses", _survey_scope)
def delete_theme(slug: str, code: str, obj: Survey):
    return _delete_theme(Scope.of_survey(obj), code, _is_post())


@bp.route(f"{SURVEY}/upload", methods=GET_POST)
@requires("manage_responses", _survey_scope)
def upload(slug: str, obj: Survey):
    return _upload(Scope.of_survey(obj), _is_post())


@bp.route(f"{SURVEY}/reset", methods=GET_POST)
@requires("manage_responses", _survey_scope)
def reset(slug: str, obj: Survey):
    return _reset(Scope.of_survey(obj), _is_post())


# Routes: an organisation's codebook ----------------------------------------------------------


@bp.get(ORGANISATION)
@requires("edit_codebook", _analysts_organisation)
def org_page(slug: str, obj: Organisation):
    return _show(Scope.of_organisation(obj))


@bp.get(f"{ORGANISATION}.csv")
@requires("edit_codebook", _analysts_organisation)
def org_download(slug: str, obj: Organisation):
    return _download(Scope.of_organisation(obj))


@bp.route(f"{ORGANISATION}/themes/new", methods=GET_POST)
@requires("edit_codebook", _analysts_organisation)
def org_new_theme(slug: str, obj: Organisation):
    return _new_theme(Scope.of_organisation(obj), _is_post())


@bp.route(f"{ORGANISATION}/themes/{CODE}", methods=GET_POST)
@requires("edit_codebook", _analysts_organisation)
def org_edit_theme(slug: str, code: str, obj: Organisation):
    return _edit_theme(Scope.of_organisation(obj), code, _is_post())


@bp.route(f"{ORGANISATION}/themes/{CODE}/delete", methods=GET_POST)
@requires("edit_codebook", _analysts_organisation)
def org_delete_theme(slug: str, code: str, obj: Organisation):
    return _delete_theme(Scope.of_organisation(obj), code, _is_post())


@bp.route(f"{ORGANISATION}/upload", methods=GET_POST)
@requires("edit_codebook", _analysts_organisation)
def org_upload(slug: str, obj: Organisation):
    return _upload(Scope.of_organisation(obj), _is_post())


@bp.route(f"{ORGANISATION}/reset", methods=GET_POST)
@requires("edit_codebook", _analysts_organisation)
def org_reset(slug: str, obj: Organisation):
    return _reset(Scope.of_organisation(obj), _is_post())
