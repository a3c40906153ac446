"""For site admins: the population baselines that respondents are compared with."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_decimal

from engage.accounts.forms import ConfirmForm
from engage.accounts.permissions import requires
from engage.communities import population as service
from engage.communities.forms import BaselineForm
from engage.communities.models import Baseline
from engage.extensions import db
from engage.i18n import _, ngettext

bp = Blueprint("communities", __name__, url_prefix="/<locale>")

#: a population file has a row per ethnic group: anything near this size is not one
MAX_FILE_BYTES = 1024 * 1024


@bp.route("/admin/population", methods=["GET", "POST"])
@requires("admin")
def population():
    form = BaselineForm()
    problems: list[str] = []
    if form.validate_on_submit():
        data = form.file.data.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:
            form.file.errors.append(_("The file must be smaller than 1 MB."))
        else:
            try:
                counts = service.read_counts(data)
                baseline = service.add_baseline(
                    form.code.data, form.name.data, form.source.data, counts
                )
            except service.FileRejected as exc:
                problems = [str(problem) for problem in exc.problems]
            except service.BaselineError as exc:
                form.code.errors.append(str(exc))
            else:
                db.session.commit()
                flash(_("%(name)s has been added.", name=baseline.name), "success")
                return redirect(url_for(".population"))
        db.session.rollback()
    status = 400 if form.is_submitted() else 200
    return render_template(
        "communities/population.html",
        form=form,
        problems=problems,
        baselines=[(b, format_decimal(total)) for b, total in service.custom_baselines()],
        census_areas=service.census_area_count(),
        census_source=service.CENSUS_SOURCE,
        confirm_form=ConfirmForm(),
    ), status


@bp.post("/admin/population/<int(max=2147483647):baseline_id>/delete")
@requires("admin")
def delete_baseline(baseline_id: int):
    if not ConfirmForm().validate_on_submit():
        abort(400)
    baseline = db.get_or_404(Baseline, baseline_id)
    name = baseline.name
    try:
        cleared = service.delete_baseline(baseline)
    except service.BaselineError as exc:
        flash(str(exc), "error")
        return redirect(url_for(".population"))
    db.session.commit()
    message = _("%(name)s has been removed.", name=name)
    if cleared:
        message += " " + ngettext(
            "%(num)s consultation was compared with it and now has no area.",
            "%(num)s consultations were compared with it and now have no area.",
            cleared,
        )
    flash(message, "success")
    return redirect(url_for(".population"))
