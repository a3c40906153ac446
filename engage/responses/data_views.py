"""For analysts: a survey's responses, import from a file with progress, export."""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from pathlib import Path

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    send_file,
    url_for,
)
from flask_babel import format_decimal, ngettext
from flask_login import current_user
from flask_wtf.file import FileAllowed, FileField, FileRequired

from engage import jobs
from engage.accounts.permissions import requires
from engage.consultations.models import Survey
from engage.consultations.service import get_survey, survey_or_404, survey_title
from engage.extensions import db
from engage.forms import Form
from engage.i18n import _, _l, current_locale
from engage.responses import transfer

bp = Blueprint("response_data", __name__, url_prefix="/<locale>/surveys")
log = logging.getLogger(__name__)

#: files up to this size are checked while the person waits, so problems show at once;
#: bigger ones are checked by the job, with progress shown
INLINE_CHECK_BYTES = 2 * 1024 * 1024
JOB_ID = "<string(length=32):job_id>"


class ImportResponsesForm(Form):
    file = FileField(
        _l("File of responses"),
        description=_l(
            "A .csv (UTF-8) or .xlsx file with one row a response and a first row naming the "
            "columns by question key, as in an export of this survey."
        ),
        validators=[
            FileRequired(_l("Choose the file of responses to import.")),
            FileAllowed(["csv", "xlsx"], _l("The file must be a .csv or .xlsx file.")),
        ],
    )


@bp.get("/<slug>/responses")
@requires("view_responses", survey_or_404)
def overview(slug: str, obj: Survey):
    counts = transfer.survey_counts(obj)
    return render_template(
        "responses/data/overview.html",
        survey=obj,
        survey_title=survey_title(obj),
        counts=counts,
        total=sum(counts.values()),
    )


def _upload_path(upload) -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = ".xlsx" if (upload.filename or "").lower().endswith(".xlsx") else ".csv"
    return folder / f"responses-{secrets.token_hex(16)}{suffix}"


@bp.route("/<slug>/responses/import", methods=["GET", "POST"])
@requires("manage_responses", survey_or_404)
def import_form(slug: str, obj: Survey):
    form = ImportResponsesForm()
    problems: list[str] = []
    more = False
    if form.validate_on_submit():
        path = _upload_path(form.file.data)
        # the file holds personal data: it is removed whatever happens here, unless the
        # import job has it (the job removes it)
        handed_on = False
        try:
            form.file.data.save(str(path))
            rejected = None
            limit = current_app.config.get("IMPORT_CHECK_INLINE_BYTES", INLINE_CHECK_BYTES)
            if transfer.is_xlsx(path):
                # a workbook by what it unpacks to (a small file can take long to read);
                # one too large to read at all is refused at once
                size = transfer.unpacked_size(path)
                at_once = size <= limit or size > transfer.MAX_XLSX_UNPACKED
            else:
                at_once = path.stat().st_size <= limit
            if at_once:
                try:
                    transfer.check_file(obj, path, actor=current_user)
                except transfer.ImportRejected as exc:
                    rejected = exc
            if rejected is not None:
                problems = [e.text() for e in rejected.errors]
                more = rejected.more
            else:
                survey_slug, actor_id = obj.slug, current_user.id
                # end this request's transaction first: the job works in one of its own
                db.session.commit()
                job_id = jobs.enqueue(
                    "engage.responses.transfer.import_job",
                    survey_slug,
                    str(path),
                    actor_id=actor_id,
                    locale=current_locale(),
                    job_meta={"survey": survey_slug, "kind": "import-responses"},
                )
                handed_on = True
                return redirect(url_for(".import_status", slug=survey_slug, job_id=job_id), 303)
        finally:
            if not handed_on:
                path.unlink(missing_ok=True)
    status = 400 if form.is_submitted() else 200
    return (
        render_template(
            "responses/data/import.html",
            form=form,
            survey=obj,
            survey_title=survey_title(obj),
            problems=problems,
            more=more,
        ),
        status,
    )


def _job(slug: str, job_id: str) -> dict:
    state = jobs.status(job_id)
    if state is None or (state.get("meta") or {}).get("survey") != slug:
        abort(404)
    return state


def _progress(state: dict) -> dict:
    """What the status page and its JSON show."""
    result = state.get("result") or {}
    done, total = int(state.get("done") or 0), int(state.get("total") or 0)
    errors = list(result.get("errors") or []) if state["state"] == "done" else []
    if state["state"] == "queued":
        text = _("Waiting to start.")
    elif state["state"] == "failed":
        text = _("The import stopped with an error. Nothing was imported.")
    elif state["state"] == "done" and errors:
        text = _("The file was not imported, and nothing was written.")
    elif state["state"] == "done":
        count = int(result.get("count") or 0)
        text = ngettext("%(num)s response imported.", "%(num)s responses imported.", count) % {
            "num": format_decimal(count)
        }
        done = total = count
    elif state.get("stage") == "import":
        text = _(
            "%(done)s of %(total)s rows imported.",
            done=format_decimal(done),
            total=format_decimal(total),
        )
    else:
        percent = int(100 * done / total) if total else 0
        text = _("Checking the file: %(percent)s%% checked.", percent=percent)
    return {
        "state": state["state"],
        "stage": state.get("stage"),
        "done": done,
        "total": total,
        "text": text,
        "errors": errors,
        "more": bool(result.get("more")),
        "finished": state["state"] in {"done", "failed"},
    }


@bp.get(f"/<slug>/responses/import/{JOB_ID}")
@requires("manage_responses", survey_or_404)
def import_status(slug: str, job_id: str, obj: Survey):
    progress = _progress(_job(slug, job_id))
    return render_template(
        "responses/data/import_status.html",
        survey=obj,
        survey_title=survey_title(obj),
        job_id=job_id,
        progress=progress,
    )


@bp.get(f"/<slug>/responses/import/{JOB_ID}.json")
@requires("manage_responses", survey_or_404)
def import_status_json(slug: str, job_id: str, obj: Survey):
    response = jsonify(_progress(_job(slug, job_id)))
    response.cache_control.no_store = True
    return response


def _log_export(survey: Survey, fmt: str) -> None:
    # access to personal data: who and what, never any of the data
    log.info("export of survey %s by user %s (%s)", survey.slug, current_user.id, fmt)


def _stream_csv(app, slug: str):
    """The CSV, made while it is sent, a few hundred rows at a time. Each piece is made in
    an app context of its own, left before the piece is handed on, so a download never
    holds a context open between pieces (two downloads at once could otherwise pop each
    other's, as with stream_with_context)."""
    pieces = None
    while True:
        with app.app_context():
            if pieces is None:
                survey = get_survey(slug)
                if survey is None:
                    return
                pieces = transfer.iter_csv(survey)
            piece = next(pieces, None)
        if piece is None:
            return
        yield piece


@bp.get("/<slug>/responses/export.csv")
@requires("manage_responses", survey_or_404)
def export_csv(slug: str, obj: Survey):
    _log_export(obj, "csv")
    response = Response(
        _stream_csv(current_app._get_current_object(), obj.slug),
        mimetype="text/csv; charset=utf-8",
    )
    response.headers["Content-Disposition"] = f'attachment; filename="{obj.slug}-responses.csv"'
    response.cache_control.no_store = True
    return response


@bp.get("/<slug>/responses/export.xlsx")
@requires("manage_responses", survey_or_404)
def export_xlsx(slug: str, obj: Survey):
    _log_export(obj, "xlsx")
    folder = Path(current_app.instance_path) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=folder, suffix=".xlsx")
    os.close(fd)
    try:
        transfer.write_xlsx(obj, name)
        response = send_file(
            name,
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            as_attachment=True,
            download_name=f"{obj.slug}-responses.xlsx",
            max_age=0,
        )
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    response.call_on_close(lambda: Path(name).unlink(missing_ok=True))
    response.cache_control.no_store = True
    return response
