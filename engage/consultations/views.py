"""Public pages: the list of consultations and a page per consultation, in every
language the consultation is offered in."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template
from flask_login import current_user

from engage.accounts.permissions import can
from engage.consultations import service
from engage.consultations.models import ConsultationStatus
from engage.consultations.texts import text_in

bp = Blueprint("consultations", __name__, url_prefix="/<locale>/consultations")


def _t(texts):
    return text_in(texts, g.locale)


@bp.get("")
def index():
    consultations = service.list_public_consultations()
    here = [c for c in consultations if g.locale in c.languages]
    elsewhere = [c for c in consultations if g.locale not in c.languages]
    return render_template(
        "consultations/index.html",
        consultations=here,
        elsewhere=elsewhere,
        t=_t,
        is_open=service.is_open,
    )


@bp.get("/<slug>")
def detail(slug: str):
    consultation = service.get_consultation(slug)
    if consultation is None:
        abort(404)
    if consultation.status == ConsultationStatus.draft and not can(
        current_user, "edit_consultation", consultation
    ):
        abort(404)
    return render_template(
        "consultations/detail.html",
        consultation=consultation,
        offered=g.locale in consultation.languages,
        t=_t,
        is_open=service.is_open,
    )
