"""The read-only JSON API: consultations, results by community and representation.

Who is calling comes from ``Authorization: Bearer <token>`` alone (no cookie, no
session). Without a token, the caller sees published consultations and surveys, with
every count through disclosure control; with one, what their role allows
(engage.insights.access). A bad parameter gets a 400 whose JSON names it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import refresh
from flask_login import current_user
from sqlalchemy import or_, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import selectinload

from engage.accounts.models import Organisation, User
from engage.accounts.permissions import author_organisations, can
from engage.accounts.service import user_for_api_token
from engage.api import openapi, serialise
from engage.communities.models import Baseline
from engage.communities.population import find_baseline
from engage.consultations.cache import SurveySnapshot, journey_survey
from engage.consultations.models import Consultation, ConsultationStatus, Survey, SurveyStatus
from engage.extensions import db
from engage.i18n import _, languages
from engage.insights import params
from engage.insights import representation as representation_
from engage.insights import results as results_
from engage.insights import themes as themes_
from engage.insights.access import disclosure_rule, published, rule_for
from engage.insights.stats import DisclosureRule

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: how long a shared cache may keep a public answer (seconds); token answers: never
PUBLIC_MAX_AGE = 60


class ApiError(Exception):
    """An answer other than 200, with a message in the caller's language and, for a bad
    parameter, the parameter's name."""

    def __init__(self, status: int, message: str, parameter: str | None = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.parameter = parameter


def bad(parameter: str, message: str) -> ApiError:
    return ApiError(400, message, parameter)


@bp.errorhandler(ApiError)
def api_error(error: ApiError):
    body: dict[str, Any] = {"message": error.message}
    if error.parameter is not None:
        body["parameter"] = error.parameter
    response = jsonify({"error": body})
    response.status_code = error.status
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="engage", error="invalid_token"'
    return response


@bp.before_request
def identify_caller() -> None:
    g.api_user = None
    _choose_language()
    g.api_user = _bearer_user()


@bp.after_request
def cache_headers(response):
    private = (
        g.get("api_user") is not None
        or response.status_code == 401
        or getattr(current_user, "is_authenticated", False)
    )
    if private:
        response.cache_control.private = True
        response.cache_control.no_store = True
    else:
        response.cache_control.public = True
        response.cache_control.max_age = PUBLIC_MAX_AGE
    response.vary.add("Authorization")
    return response


def _choose_language() -> None:
    """``lang=`` picks the language of texts, labels and messages (English by default);
    the locale cookie of the site's pages is left alone."""
    offered = languages()
    lang = (request.args.get("lang") or "").strip() or "en"
    g.locale = lang if lang in offered else "en"
    g.keep_locale_cookie = True
    refresh()  # in case anything translated before the locale was known
    if lang not in offered:
        raise bad("lang", _("Use one of these languages: %(codes)s.", codes=", ".join(offered)))


def _bearer_user() -> User | None:
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _sep, token = header.strip().partition(" ")
    token = token.strip()
    user = user_for_api_token(token) if scheme.lower() == "bearer" and token else None
    if user is None:
        db.session.rollback()
        raise ApiError(
            401,
            _(
                "The API token is not valid: it may be mistyped or revoked. Send it as "
                "'Authorization: Bearer <token>'."
            ),
        )
    try:  # when the token was last used, for its owner's account page
        db.session.commit()
    except OperationalError:  # a busy SQLite database: the date can wait, the answer not
        db.session.rollback()
    return user


# Consultations ---------------------------------------------------------------------------


@bp.get("/consultations")
def consultations():
    user = g.api_user
    return {
        "lang": g.locale,
        "consultations": [
            serialise.consultation(c, _visible_surveys(c, user), g.locale)
            for c in _visible_consultations(user)
        ],
    }


@bp.get("/consultations/<slug>")
def consultation(slug: str):
    c = db.session.scalar(
        select(Consultation)
        .where(Consultation.slug == slug)
        .options(selectinload(Consultation.surveys), selectinload(Consultation.organisation))
    )
    if c is None or (
        c.status == ConsultationStatus.draft and not can(g.api_user, "edit_consultation", c)
    ):
        raise ApiError(404, _("There is no consultation at this address."))
    return serialise.consultation(c, _visible_surveys(c, g.api_user), g.locale)


def _visible_consultations(user: User | None) -> list[Consultation]:
    """Published consultations, and the drafts of the organisations the user authors in;
    open ones first, then the newest."""
    statement = (
        select(Consultation)
        .options(selectinload(Consultation.surveys), selectinload(Consultation.organisation))
        .order_by(Consultation.created_at.desc(), Consultation.id.desc())
    )
    if user is None or not user.is_admin:
        visible = Consultation.status != ConsultationStatus.draft
        authored = [o.id for o in author_organisations(user)]
        if authored:
            visible = or_(visible, Consultation.organisation_id.in_(authored))
        statement = statement.where(visible)
    rows = db.session.scalars(statement).all()
    return sorted(rows, key=lambda c: c.status != ConsultationStatus.open)


def _visible_surveys(c: Consultation, user: User | None) -> list[Survey]:
    if can(user, "edit_consultation", c):
        return list(c.surveys)
    return [s for s in c.surveys if s.status != SurveyStatus.draft]


# Results and representation --------------------------------------------------------------


@bp.get("/surveys/<slug>/results")
def survey_results(slug: str):
    survey, rule = _survey_and_rule(slug)
    query, echo = _query(request.args, survey)
    keys = query.groupings
    found = results_.results(survey, keys, filters=query.filters, rule=rule)
    slugs = _forum_slugs(found) if "forum" in keys else {}
    return serialise.results(found, lang=g.locale, filters=echo, forum_slugs=slugs)


@bp.get("/surveys/<slug>/representation")
def survey_representation(slug: str):
    survey, rule = _survey_and_rule(slug)
    # representation is by ethnic group: by= and cross= do not apply
    args = {k: v for k, v in request.args.items() if k not in {"by", "cross"}}
    query, echo = _query({**args, "by": "ethnic_group"}, survey)
    baseline = _baseline(request.args.get("area"), survey)
    found = representation_.representation(survey.id, baseline, filters=query.filters, rule=rule)
    return serialise.representation(
        found, survey_slug=survey.slug, lang=g.locale, filters=echo, public=rule is not None
    )


@bp.get("/surveys/<slug>/themes")
def survey_themes(slug: str):
    survey, rule = _survey_and_rule(slug)
    # themes are by one grouping: cross= does not apply
    args = {k: v for k, v in request.args.items() if k != "cross"}
    query, echo = _query(args, survey)
    found = themes_.themes_by(
        db.session.get(Survey, survey.id), query.by, rule=rule, filters=query.filters
    )
    slugs = _slugs_of_forums(g.group.code for g in found.groups) if query.by == "forum" else {}
    return serialise.themes(
        found, survey_slug=survey.slug, lang=g.locale, filters=echo, forum_slugs=slugs
    )


def _survey_and_rule(slug: str) -> tuple[SurveySnapshot, DisclosureRule | None]:
    """The survey and the disclosure rule its figures go through for this caller (None:
    as counted). Drafts are not found for those who may not see them."""
    survey = journey_survey(slug)
    if survey is None:
        raise ApiError(404, _("There is no survey at this address."))
    if g.api_user is not None:
        rule = rule_for(g.api_user, db.session.get(Survey, survey.id))
        if rule is None:
            return survey, None
    if not published(survey):
        raise ApiError(404, _("There is no survey at this address."))
    return survey, disclosure_rule()


def _query(args: Mapping[str, str], survey: SurveySnapshot) -> tuple[params.Query, dict]:
    """The checked parameters, and the filters as the answer echoes them (null: not given)."""
    try:
        query = params.parse(args, survey, default_by=None)
    except params.BadParameter as exc:
        raise bad(exc.parameter, exc.message) from None
    filters = query.filters
    echo = {
        "from": filters.date_from.isoformat() if filters.date_from else None,
        "to": filters.date_to.isoformat() if filters.date_to else None,
        "channel": filters.channel,
        "forum": (args.get("forum") or "").strip() or None,
        "answer": (args.get("answer") or "").strip() or None,
    }
    return query, echo


def _baseline(area: str | None, survey: SurveySnapshot) -> Baseline:
    code = (area or "").strip() or db.session.scalar(
        select(Consultation.area_code).where(Consultation.id == survey.consultation_id)
    )
    if not code:
        raise bad(
            "area",
            _("Choose the area to compare with, as area=<code> (for example E08000001)."),
        )
    baseline = find_baseline(code)
    if baseline is None:
        raise bad("area", _("There are no population figures for the area %(code)s.", code=code))
    return baseline


def _forum_slugs(found: results_.Results) -> dict[str, str]:
    """Forum id (as results give it) -> slug, for the forums among the groups."""
    codes: list[str | None] = []
    for q in found.questions[:1]:
        for c in q.groups:
            codes.extend(c.group.code if isinstance(c.group.code, tuple) else (c.group.code,))
    return _slugs_of_forums(codes)


def _slugs_of_forums(codes) -> dict[str, str]:
    ids = {int(code) for code in codes if code is not None and code.isdigit()}
    if not ids:
        return {}
    rows = db.session.execute(
        select(Organisation.id, Organisation.slug).where(Organisation.id.in_(ids))
    )
    return {str(i): slug for i, slug in rows}


# The document ---------------------------------------------------------------------------


@bp.get("/openapi.json")
def openapi_document():
    return openapi.document(languages=list(current_app.config["LANGUAGES"]))
