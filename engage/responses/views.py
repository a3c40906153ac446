"""The respondent journey: consent, a page a section, the monitoring questions with their
own consent, check your answers, submit, save and resume, withdraw; and entry on
someone's behalf by a host or analyst.

It works without JavaScript and without an account. Nothing about the respondent (their
address, browser or account) is stored with a response.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    get_template_attribute,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from engage import mail
from engage.accounts.models import Organisation, OrgKind, Role
from engage.accounts.permissions import requires
from engage.communities.categories import (
    BROAD_ETHNIC_GROUPS,
    DIMENSION_BY_KEY,
    ETHNIC_GROUPS,
    NOT_STATED,
)
from engage.consultations import logic
from engage.consultations.cache import SurveySnapshot, journey_survey
from engage.consultations.models import Survey, SurveyStatus
from engage.consultations.service import get_survey, is_open
from engage.consultations.texts import text_in
from engage.extensions import csrf, db, limiter
from engage.i18n import _, languages
from engage.responses import service
from engage.responses.forms import (
    ConsentForm,
    EnterForm,
    MonitoringConsentForm,
    PageForm,
    SaveForm,
    WithdrawForm,
)
from engage.responses.models import ON_BEHALF_CHANNELS, Channel, Draft
from engage.sqltypes import utcnow
from engage.web.filters import monitoring_label, option_labels
from engage.web.signing import csrf_token

bp = Blueprint("survey", __name__, url_prefix="/<locale>")

#: the monitoring questions asked together on the last "about you" page
OTHER_MONITORING = [
    "language",
    "religion",
    "age_band",
    "sex",
    "gender_identity",
    "sexual_orientation",
    "disability",
    "carer",
    "postcode_district",
]


# Helpers ---------------------------------------------------------------------------------


def _load_survey(slug: str, **_kwargs) -> SurveySnapshot:
    """The survey as the journey shows it: a cached, read-only snapshot of its structure
    (engage.consultations.cache), checked to be current with one query."""
    survey = journey_survey(slug)
    if survey is None:
        abort(404)
    return survey


def _survey_and_draft(
    slug: str, read_only: bool | None = None, apart: bool | None = None
) -> tuple[SurveySnapshot, Draft | service.DraftRow | None]:
    """The published survey (as :func:`_load_survey`) and the respondent's draft of it
    (as :func:`_current_draft`), usually in one query. A GET only reads the draft: it is
    a :class:`~engage.responses.service.DraftRow` (``read_only``), read apart from the
    session's transaction (``apart``; a GET writes nothing)."""
    get = request.method in ("GET", "HEAD")
    survey, draft = service.find_survey_and_draft(
        slug,
        _drafts(),
        read_only=get if read_only is None else read_only,
        apart=get if apart is None else apart,
    )
    if survey is None:
        abort(404)
    return _published(survey), draft


def _load_orm_survey(slug: str, **_kwargs) -> Survey:
    """The survey's row, for the permission check of entry on someone's behalf."""
    survey = get_survey(slug)
    if survey is None:
        abort(404)
    return survey


def _published(survey: Survey) -> Survey:
    """Respondents see a survey once it has been opened; its authors may preview drafts."""
    if survey.status == SurveyStatus.draft:
        abort(404)
    return survey


def _t(survey_locale: str):
    return lambda texts: text_in(texts, survey_locale)


def _drafts() -> dict[str, str]:
    return session.get("drafts") or {}


def _remember(survey: Survey, token: str) -> None:
    drafts = dict(_drafts())
    drafts[str(survey.id)] = token
    session["drafts"] = drafts
    # kept when a phone closes the browser; the resume link covers longer breaks
    session.permanent = True


def _forget(survey: Survey) -> None:
    drafts = dict(_drafts())
    drafts.pop(str(survey.id), None)
    session["drafts"] = drafts


def _current_draft(survey: Survey) -> Draft | None:
    return service.find_draft(survey, _drafts().get(str(survey.id)))


def _survey_locale(survey: Survey, draft: Draft) -> str:
    """The language the survey's own texts are shown in: the page's, except when a host
    enters a response for someone in another language (the page is then the host's)."""
    if draft.entered_by_id is not None and draft.locale in survey.languages:
        return draft.locale
    return g.locale


def _offered(survey: Survey) -> bool:
    return g.locale in survey.languages


def _page_count(survey: Survey, draft: Draft, shown: list[int] | None = None) -> int:
    """Pages ahead as things stand: the shown question pages (``shown``, if the caller
    has them), the monitoring pages, and the check page."""
    if shown is None:
        shown = service.shown_pages(survey, draft.answers or {})
    return len(shown) + _monitoring_page_count(survey, draft) + 1


def _monitoring_page_count(survey: Survey, draft: Draft) -> int:
    keys = service.monitoring_keys(survey)
    if not keys:
        return 0
    if draft.monitoring_consent is False:
        return 1
    count = 1  # the consent page
    if "ethnic_group" in keys:
        count += 1 if (draft.profile or {}).get("ethnic_group_broad") == NOT_STATED else 2
    if any(k in keys for k in OTHER_MONITORING):
        count += 1
    return count


def _progress(survey: Survey, draft: Draft, step: int, shown: list[int] | None = None) -> dict:
    return {"step": step, "total": max(step, _page_count(survey, draft, shown))}


def _first_page_url(survey: Survey, draft: Draft) -> str:
    shown = service.shown_pages(survey, draft.answers or {})
    if shown:
        return url_for(".page", slug=survey.slug, number=shown[0] + 1)
    return _after_questions_url(survey)


def _after_questions_url(survey: Survey) -> str:
    if service.monitoring_keys(survey):
        return url_for(".about_you", slug=survey.slug)
    return url_for(".check", slug=survey.slug)


def _neighbour(
    survey: Survey, draft: Draft, index: int, step: int, shown: list[int] | None = None
) -> int | None:
    if shown is None:
        shown = service.shown_pages(survey, draft.answers or {})
    later = [i for i in shown if (i > index if step > 0 else i < index)]
    if not later:
        return None
    return later[0] if step > 0 else later[-1]


def _journey(slug: str, keep: Callable[[Survey, Draft], None] | None = None):
    """The survey and the respondent's draft, or a response that ends the request: the
    start page when there is no draft, the closed page when the survey has closed.

    ``keep``: what a POST keeps of the answers it brings when the survey has closed
    meanwhile, so that they are in the respondent's download too; nothing is dropped."""
    survey, draft = _survey_and_draft(slug)
    if draft is None:
        flash(_("Your answers were not found. They may have expired: start again."), "info")
        return survey, None, redirect(url_for(".start", slug=survey.slug))
    if draft.reference is not None:
        return survey, draft, redirect(url_for(".done", slug=survey.slug))
    if not is_open(survey):
        if keep is not None and request.method == "POST" and g.get("csrf_valid"):
            keep(survey, draft)
            db.session.commit()
        return survey, draft, _closed(survey, draft)
    return survey, draft, None


def _closed(survey: Survey, draft: Draft | None):
    has_answers = bool(draft and (draft.answers or draft.profile))
    return (
        render_template(
            "responses/closed.html", survey=survey, t=_t(g.locale), has_answers=has_answers
        ),
        410 if request.method == "POST" else 200,
    )


def _form_values(questions) -> dict:
    return {q.key: request.form.getlist(q.key) for q in questions}


# Start -------------------------------------------------------------------------------------


@bp.route("/surveys/<slug>", methods=["GET", "POST"])
def start(slug: str):
    survey, draft = _survey_and_draft(slug)
    if not _offered(survey):
        return render_template("responses/not_offered.html", survey=survey, t=_t("en")), 404
    if not is_open(survey):
        return _closed(survey, draft)
    if draft is not None and draft.reference is not None:
        draft = None  # they have finished; starting again is a new response
    form = ConsentForm()
    if form.validate_on_submit():
        forum = _share_forum(request.args.get("forum"))
        if draft is None or draft.entered_by_id is not None:
            draft, token = service.start_draft(
                survey,
                locale=g.locale,
                days=current_app.config["DRAFT_DAYS"],
                forum_id=forum.id if forum else None,
            )
            _remember(survey, token)
        db.session.commit()
        return redirect(_first_page_url(survey, draft))
    status = 400 if form.is_submitted() else 200
    return (
        render_template(
            "responses/start.html",
            survey=survey,
            t=_t(g.locale),
            form=form,
            draft=draft,
            resume_url=_resume_point(survey, draft) if draft else None,
        ),
        status,
    )


def _share_forum(slug: str | None) -> Organisation | None:
    """A forum's share link (?forum=slug) credits the response to that forum."""
    if not slug or len(slug) > 80:
        return None
    return db.session.scalar(
        select(Organisation).where(Organisation.slug == slug, Organisation.kind == OrgKind.forum)
    )


def _resume_point(survey: Survey, draft: Draft) -> str:
    """The first page still to answer, else the check page."""
    answers = draft.answers or {}
    pages = service.survey_pages(survey)
    for index in service.shown_pages(survey, answers):
        if any(q.key not in answers for q in logic.visible(pages[index], answers)):
            return url_for(".page", slug=survey.slug, number=index + 1)
    if service.monitoring_keys(survey) and draft.monitoring_consent is None:
        return url_for(".about_you", slug=survey.slug)
    return url_for(".check", slug=survey.slug)


# Question pages ------------------------------------------------------------------------------


@bp.route("/surveys/<slug>/page/<int(max=999):number>", methods=["GET", "POST"])
def page(slug: str, number: int):
    index = number - 1

    def keep(survey: Survey, draft: Draft) -> None:
        """The answers of this page that can be taken, required or not."""
        pages = service.survey_pages(survey)
        if 0 <= index < len(pages):
            questions = logic.visible(pages[index], draft.answers or {})
            taken, _errors = service.read_page(
                questions, _form_values(questions), check_required=False
            )
            service.save_page(draft, survey, {k: v for k, v in taken.items() if v is not None})

    survey, draft, stop = _journey(slug, keep)
    if stop is not None:
        return stop
    pages = service.survey_pages(survey)
    if not 0 <= index < len(pages):
        abort(404)
    answers = draft.answers or {}
    questions = logic.visible(pages[index], answers)
    if not questions:
        # a changed answer hides this page: go on to the next page that is shown
        following = _neighbour(survey, draft, index, +1)
        if following is None:
            return redirect(_after_questions_url(survey))
        return redirect(url_for(".page", slug=survey.slug, number=following + 1))
    # the form carries only the CSRF token: a GET shows the token and needs no form
    form = PageForm() if request.method == "POST" else None
    errors: dict = {}
    shown_values = {q.key: answers.get(q.key) for q in questions}
    if form is not None and form.validate_on_submit():
        saving = "save" in request.form
        posted = _form_values(questions)
        page_values, errors = service.read_page(questions, posted, check_required=not saving)
        if saving:
            service.save_page(draft, survey, page_values)
            db.session.commit()
            return redirect(url_for(".save", slug=survey.slug))
        if not errors:
            service.save_page(draft, survey, page_values)
            service.renew(draft, current_app.config["DRAFT_DAYS"])
            if draft.entered_by_id is None and g.locale in survey.languages:
                draft.locale = g.locale  # the language they are answering in now
            db.session.commit()
            following = _neighbour(survey, draft, index, +1)
            if following is None:
                return redirect(_after_questions_url(survey))
            return redirect(url_for(".page", slug=survey.slug, number=following + 1))
        # show what they typed, with the errors
        shown_values = {
            q.key: (posted[q.key] if q.type.value == "multiple_choice" else _first(posted[q.key]))
            for q in questions
        }
    elif form is not None:
        errors = {"": _("The form could not be used. Try again.")}
    shown = service.shown_pages(survey, answers)
    previous = _neighbour(survey, draft, index, -1, shown)
    back_url = (
        url_for(".page", slug=survey.slug, number=previous + 1)
        if previous is not None
        else url_for(".start", slug=survey.slug)
    )
    step = (shown.index(index) + 1) if index in shown else 1
    section = pages[index][0].section
    survey_locale = _survey_locale(survey, draft)
    t = _t(survey_locale)
    single = len(questions) == 1 and questions[0].type.value != "note"
    context = {
        "survey": survey,
        "t": t,
        "survey_locale": survey_locale,
        "questions": questions,
        "section": section,
        "values": shown_values,
        "errors": errors,
        "single": single,
        "form": form,
        "draft": draft,
    }
    filled = {
        "fields": _question_fields(
            survey, questions, t, survey_locale, shown_values, errors, single
        ),
        "back_url": back_url,
        "progress": _progress(survey, draft, step, shown),
        "csrf": csrf_token(),
    }
    if not errors:
        html = _kept_page(survey, index, context, filled)
        if html is not None:
            return html
    return render_template("responses/page.html", **context, **filled), 400 if errors else 200


#: a part of a kept page filled in each time (see _kept_page; a Unicode non-character)
_SLOT = "\ufdd0engage-slot-{}\ufdd0"
_FIELD_SLOT = Markup("\ufdd0engage-slot-field{}\ufdd0")
_SLOT_RE = re.compile("\ufdd0engage-slot-([a-z0-9_]+)\ufdd0")


def _kept_page(survey, index: int, context: dict, filled: dict) -> str | None:
    """The question page as ``render_template`` makes it, from markup kept with the
    survey's snapshot: the page is made once per page, questions shown and languages,
    with a stand-in for each of the parts that ``filled`` gives (each question's markup,
    the Back link, the progress, the CSRF token), and those go in their places each time.

    Only for what makes the same page every time: a GET of the page's own address
    without a query string (the language links), an error or a message to show, by
    someone not signed in (the header). None when not kept: render the template."""
    kept = getattr(survey, "rendered", None)
    if (
        kept is None
        or request.method != "GET"
        or request.query_string
        or "_flashes" in session
        or current_user.is_authenticated
    ):
        return None
    questions = context["questions"]
    key = (
        "page",
        index,
        tuple(q.id for q in questions),
        g.locale,
        context["survey_locale"],
        request.script_root,
    )
    parts = kept.get(key)
    if parts is None:
        stand_ins = {
            "fields": [_FIELD_SLOT.format(i) for i in range(len(filled["fields"]))],
            "back_url": _SLOT.format("back_url"),
            "progress": {"step": _SLOT.format("step"), "total": _SLOT.format("total")},
            "csrf": _SLOT.format("csrf"),
        }
        made = _SLOT_RE.split(render_template("responses/page.html", **context, **stand_ins))
        expected = {f"field{i}" for i in range(len(filled["fields"]))}
        expected |= {"back_url", "step", "total", "csrf"}
        names = made[1::2]
        # each stand-in once (a survey text holding one would break that): else not kept
        parts = (made[0::2], names) if sorted(names) == sorted(expected) else False
        if len(kept) < MAX_RENDERED:
            kept[key] = parts
    if parts is False:
        return None
    texts, names = parts
    fields = filled["fields"]
    progress = filled["progress"]
    values = {
        "back_url": str(escape(filled["back_url"])),
        "step": str(escape(progress["step"])),
        "total": str(escape(progress["total"])),
        "csrf": str(escape(filled["csrf"])),
    }
    out = [texts[0]]
    for name, text in zip(names, texts[1:], strict=True):
        out.append(str(fields[int(name[5:])]) if name.startswith("field") else values[name])
        out.append(text)
    return "".join(out)


#: question markups kept per survey snapshot (choices and scales: one per answer given)
MAX_RENDERED = 4000
#: stands for a typed answer in a text question's kept markup (a Unicode non-character)
_TYPED = "\ufdd0engage-typed-answer\ufdd0"


def _question_fields(survey, questions, t, survey_locale, values, errors, heading) -> list:
    """Each question's markup (the ``question_field`` macro), kept with the survey's
    snapshot and used again when made from the same question, languages and answer.

    Only markup without an error is kept. A choice or scale answer is part of what is
    kept (there are few of them); a typed answer is not: the markup is kept with a
    stand-in for it, and the answer, escaped, goes in its place each time."""
    macro = None
    kept = getattr(survey, "rendered", None)
    fields = []
    for q in questions:
        value, error = values.get(q.key), errors.get(q.key)
        key = typed = None
        if kept is not None and error is None:
            key, typed = _field_key(q, value)
            if key is not None:
                key = (q.id, survey_locale, g.locale, heading, key)
        if key is not None:
            parts = kept.get(key)
            if parts is None:
                macro = macro or get_template_attribute("responses/macros.html", "question_field")
                made = macro(q, t, _TYPED if typed is not None else value, None, heading=heading)
                parts = made.split(_TYPED) if typed is not None else [made]
                if typed is not None and len(parts) != 2:
                    parts = None  # the stand-in is also in a text (or not there): not kept
                elif len(kept) < MAX_RENDERED:
                    kept[key] = parts  # Markup.split gives Markup
            if parts is not None:
                fields.append(escape(typed).join(parts) if typed is not None else parts[0])
                continue
        macro = macro or get_template_attribute("responses/macros.html", "question_field")
        fields.append(macro(q, t, value, error, heading=heading))
    return fields


#: the answers a 0-10 scale's kept markup is kept for
_SCALE_VALUES = frozenset(range(11)) | frozenset(str(n) for n in range(11))


def _field_key(q, value) -> tuple[tuple | None, object]:
    """(what the kept markup depends on, or None to make it afresh; the typed answer to
    put in it, or None)."""
    kind = q.type.value
    if value is None or kind == "note":
        return ("none",), None
    if q.type.has_options or kind == "scale":
        codes = value if isinstance(value, list) else [value]
        if not all(isinstance(c, str | int) and not isinstance(c, bool) for c in codes):
            return None, None
        allowed = {o.code for o in q.options} if q.type.has_options else _SCALE_VALUES
        if not all(c in allowed for c in codes):
            return None, None
        if isinstance(value, list):
            return ("list", frozenset(codes)), None
        return ("one", type(value).__name__, value), None
    if value == "":
        return ("none",), None
    if isinstance(value, str) or (
        kind != "long_text" and isinstance(value, int | float) and not isinstance(value, bool)
    ):
        return ("typed",), value
    return None, None


def _first(items: list[str]) -> str | None:
    return items[0] if items else None


# About you: the monitoring questions ----------------------------------------------------------


def _about_you_step(survey: Survey, draft: Draft, offset: int) -> dict:
    shown = len(service.shown_pages(survey, draft.answers or {}))
    return _progress(survey, draft, shown + offset)


def _monitoring_or_404(survey: Survey) -> list[str]:
    keys = service.monitoring_keys(survey)
    if not keys:
        abort(404)
    return keys


def _about_you_journey(slug: str):
    """Like :func:`_journey`, for the pages after the monitoring consent: the survey, the
    draft, the monitoring keys asked, or a response that ends the request."""
    survey, draft, stop = _journey(slug)
    if stop is not None:
        return survey, draft, [], stop
    keys = _monitoring_or_404(survey)
    if draft.monitoring_consent is not True:
        return survey, draft, keys, redirect(url_for(".about_you", slug=survey.slug))
    return survey, draft, keys, None


@bp.route("/surveys/<slug>/about-you", methods=["GET", "POST"])
def about_you(slug: str):
    survey, draft, stop = _journey(slug)
    if stop is not None:
        return stop
    keys = _monitoring_or_404(survey)
    form = MonitoringConsentForm(
        data={"consent": {True: "yes", False: "no"}.get(draft.monitoring_consent)}
    )
    if form.validate_on_submit():
        consent = form.consent.data == "yes"
        service.set_monitoring_consent(draft, consent)
        db.session.commit()
        if not consent:
            return redirect(url_for(".check", slug=survey.slug))
        if "ethnic_group" in keys:
            return redirect(url_for(".ethnic_group", slug=survey.slug))
        return redirect(url_for(".about_you_more", slug=survey.slug))
    shown = service.shown_pages(survey, draft.answers or {})
    back_url = (
        url_for(".page", slug=survey.slug, number=shown[-1] + 1)
        if shown
        else url_for(".start", slug=survey.slug)
    )
    return (
        render_template(
            "responses/about_you.html",
            survey=survey,
            form=form,
            keys=keys,
            dimensions=DIMENSION_BY_KEY,
            back_url=back_url,
            progress=_about_you_step(survey, draft, 1),
            t=_t(g.locale),
        ),
        400 if form.is_submitted() and form.errors else 200,
    )


@bp.route("/surveys/<slug>/about-you/ethnic-group", methods=["GET", "POST"])
def ethnic_group(slug: str):
    survey, draft, keys, stop = _about_you_journey(slug)
    if stop is not None:
        return stop
    if "ethnic_group" not in keys:
        abort(404)
    form = PageForm()
    error = None
    choices = [b.code for b in BROAD_ETHNIC_GROUPS] + [NOT_STATED]
    chosen = (draft.profile or {}).get("ethnic_group_broad")
    if form.validate_on_submit():
        chosen = request.form.get("ethnic_group_broad") or None
        if chosen is not None and chosen not in choices:
            error = _("Select one of the options shown")
        else:
            service.set_broad_group(draft, chosen)
            db.session.commit()
            if chosen in (None, NOT_STATED):
                return redirect(_after_ethnic_group(survey, keys))
            return redirect(url_for(".ethnic_group_detail", slug=survey.slug))
    return (
        render_template(
            "responses/ethnic_group.html",
            survey=survey,
            form=form,
            broad_groups=BROAD_ETHNIC_GROUPS,
            chosen=chosen,
            error=error,
            reason=DIMENSION_BY_KEY["ethnic_group"].reason,
            back_url=url_for(".about_you", slug=survey.slug),
            progress=_about_you_step(survey, draft, 2),
            t=_t(g.locale),
        ),
        400 if error else 200,
    )


def _after_ethnic_group(survey: Survey, keys: list[str]) -> str:
    if any(k in keys for k in OTHER_MONITORING):
        return url_for(".about_you_more", slug=survey.slug)
    return url_for(".check", slug=survey.slug)


@bp.route("/surveys/<slug>/about-you/ethnic-group/detail", methods=["GET", "POST"])
def ethnic_group_detail(slug: str):
    survey, draft, keys, stop = _about_you_journey(slug)
    if stop is not None:
        return stop
    broad = (draft.profile or {}).get("ethnic_group_broad")
    if "ethnic_group" not in keys or broad in (None, NOT_STATED):
        return redirect(url_for(".ethnic_group", slug=survey.slug))
    groups = [c for c in ETHNIC_GROUPS if c.broad == broad]
    form = PageForm()
    errors: dict = {}
    profile = draft.profile or {}
    chosen, other = profile.get("ethnic_group"), profile.get("ethnic_group_other", "")
    if form.validate_on_submit():
        chosen = request.form.get("ethnic_group") or None
        other = (request.form.get("ethnic_group_other") or "").strip()
        if chosen is not None and chosen not in {c.code for c in groups} | {NOT_STATED}:
            errors["ethnic_group"] = _("Select one of the options shown")
        elif len(other) > 200:
            errors["ethnic_group_other"] = _("Your answer must be 200 characters or fewer")
        else:
            posted = {"ethnic_group": chosen}
            if "ethnic_group_other" in keys:
                posted["ethnic_group_other"] = other
            errors = service.save_monitoring(draft, posted)
            if not errors:
                db.session.commit()
                return redirect(_after_ethnic_group(survey, keys))
    return (
        render_template(
            "responses/ethnic_group_detail.html",
            survey=survey,
            form=form,
            broad=next(b for b in BROAD_ETHNIC_GROUPS if b.code == broad),
            groups=groups,
            chosen=chosen,
            other=other,
            ask_other="ethnic_group_other" in keys,
            errors=errors,
            back_url=url_for(".ethnic_group", slug=survey.slug),
            progress=_about_you_step(survey, draft, 3),
            t=_t(g.locale),
        ),
        400 if errors else 200,
    )


@bp.route("/surveys/<slug>/about-you/more", methods=["GET", "POST"])
def about_you_more(slug: str):
    survey, draft, keys, stop = _about_you_journey(slug)
    if stop is not None:
        return stop
    asked = [k for k in OTHER_MONITORING if k in keys]
    if not asked:
        return redirect(url_for(".check", slug=survey.slug))
    form = PageForm()
    errors: dict = {}
    shown = dict(draft.profile or {})
    if form.validate_on_submit():
        posted = {k: (request.form.get(k) or "").strip() for k in asked}
        # a text answer (the postcode district) has its own "Prefer not to say" box
        posted |= {k: NOT_STATED for k in asked if request.form.get(f"{k}_not_stated")}
        errors = service.save_monitoring(draft, posted)
        if not errors:
            db.session.commit()
            return redirect(url_for(".check", slug=survey.slug))
        shown.update(posted)
    profile = draft.profile or {}
    if "ethnic_group" not in keys:
        back_url, offset = url_for(".about_you", slug=survey.slug), 2
    elif profile.get("ethnic_group_broad") in (None, NOT_STATED):
        back_url, offset = url_for(".ethnic_group", slug=survey.slug), 3
    else:
        back_url, offset = url_for(".ethnic_group_detail", slug=survey.slug), 4
    return (
        render_template(
            "responses/about_you_more.html",
            survey=survey,
            form=form,
            dimensions=[DIMENSION_BY_KEY[k] for k in asked],
            values=shown,
            errors=errors,
            back_url=back_url,
            progress=_about_you_step(survey, draft, offset),
            t=_t(g.locale),
        ),
        400 if errors else 200,
    )


# Check and submit ------------------------------------------------------------------------------


@bp.route("/surveys/<slug>/check", methods=["GET"])
def check(slug: str):
    survey, draft, stop = _journey(slug)
    if stop is not None:
        return stop
    return _check_page(survey, draft)


def _check_page(survey: Survey, draft: Draft, errors: dict | None = None, status: int = 200):
    answers = draft.answers or {}
    pages = service.survey_pages(survey)
    rows = []
    for index in service.shown_pages(survey, answers):
        for question in logic.visible(pages[index], answers):
            if question.type.value != "note":
                rows.append((index + 1, question, answers.get(question.key)))
    keys = service.monitoring_keys(survey)
    if keys and draft.monitoring_consent is None:
        back_url = url_for(".about_you", slug=survey.slug)
    elif keys and draft.monitoring_consent:
        back_url = url_for(".about_you_more", slug=survey.slug)
    elif rows:
        back_url = url_for(".page", slug=survey.slug, number=rows[-1][0])
    else:
        back_url = url_for(".start", slug=survey.slug)
    return (
        render_template(
            "responses/check.html",
            survey=survey,
            rows=rows,
            profile=draft.profile or {},
            monitoring_keys=keys,
            monitoring_consent=draft.monitoring_consent,
            dimensions=DIMENSION_BY_KEY,
            errors=errors or {},
            form=PageForm(),
            back_url=back_url,
            progress=_progress(survey, draft, _page_count(survey, draft)),
            t=_t(_survey_locale(survey, draft)),
            survey_locale=_survey_locale(survey, draft),
        ),
        status,
    )


#: times a submit reads the draft again when it changed between the read and the writes
SUBMIT_ATTEMPTS = 3


@bp.post("/surveys/<slug>/submit")
def submit(slug: str):
    """Read and check the draft, then write the response in one transaction; the writes
    go ahead only if the draft is still as it was read, else it is read again. The draft
    is read outside the writes' transaction, so that on SQLite the write lock (one for
    the whole database) is held only while the rows are written, not while they are
    read and checked. The last attempt reads and writes in one transaction (on SQLite,
    with the write lock from the start). A draft still changing then (answers saved in another
    tab at that very moment, each time) is not submitted: the respondent sees the check
    page again with what is now saved, and nothing is written."""
    try:
        return _submit(slug)
    finally:
        g.pop("read_only_transaction", None)


def _submit(slug: str):
    for attempt in range(1, SUBMIT_ATTEMPTS + 1):
        last = attempt == SUBMIT_ATTEMPTS
        g.read_only_transaction = not last
        # read outside any transaction but the last attempt's: the writes check that the
        # draft is still as read
        survey, draft = _survey_and_draft(slug, read_only=True, apart=not last)
        if draft is None:
            flash(_("Your answers were not found. They may have expired: start again."), "info")
            return redirect(url_for(".start", slug=survey.slug))
        _check_csrf()
        try:
            if draft.response_id is not None and service.submitted_response(draft) is not None:
                break  # submitted before (a double click, a reload): its confirmation again
            prepared = service.prepare_submission(draft, survey)
        except service.SurveyClosed:
            db.session.rollback()
            return _closed(survey, draft)
        except service.Incomplete as incomplete:
            db.session.rollback()
            return _check_page(survey, draft, incomplete.errors, 400)
        if not last and db.engine.dialect.name == "sqlite":
            db.session.rollback()  # the reading ends; the writes take the write lock
        g.read_only_transaction = False
        try:
            # read apart from the session's transaction, written apart from it too
            service.write_submission(prepared, apart=not last)
            db.session.commit()
        except service.DraftChanged as changed:
            # the draft, or the survey (a question deleted by its author), changed since
            # they were read: read both again
            db.session.rollback()
            if last and service.submitted_response(draft) is not None:
                break  # submitted meanwhile by another request: its confirmation
            if last:
                flash(
                    _(
                        "The survey was changed while your answers were being sent, so they "
                        "were not sent. Check them and send them again."
                    )
                    if isinstance(changed, service.SurveyChanged)
                    else _(
                        "Your answers changed while they were being sent, so they were not "
                        "sent. Check them and send them again."
                    ),
                    "info",
                )
                return redirect(url_for(".check", slug=slug), code=303)
            continue
        except IntegrityError:
            # the same draft submitted at the same moment: the other request stored it
            db.session.rollback()
            if service.submitted_response(draft) is None:
                raise
        break
    # the view's own slug: the committed (expired) survey is not loaded again
    return redirect(url_for(".done", slug=slug), code=303)


def _check_csrf() -> None:
    """What ``PageForm().validate_on_submit()`` checks (the form has no other field): the
    CSRF token. CSRFProtect has checked it before the view (``g.csrf_valid``), so the
    form would only make a new token to throw away; when it has not, it is checked here
    and a bad token is a 400, as from CSRFProtect."""
    if g.get("csrf_valid") or not current_app.config["WTF_CSRF_ENABLED"]:
        return
    csrf.protect()


#: how long after the answers were sent the confirmation, with its reference, is shown
#: again (a reload, a double click); after that this browser forgets them, so that the
#: next person on a shared phone or library computer never sees the reference, which is
#: all a withdrawal needs
CONFIRMATION_SHOWN = timedelta(hours=1)


@bp.get("/surveys/<slug>/done")
def done(slug: str):
    survey, draft = _survey_and_draft(slug)
    if draft is None or draft.reference is None:
        return redirect(url_for(".start", slug=survey.slug))
    if draft.updated_at < utcnow() - CONFIRMATION_SHOWN:
        _forget(survey)
        return redirect(url_for(".start", slug=survey.slug))
    return render_template(
        "responses/done.html",
        survey=survey,
        reference=service.format_reference(draft.reference),
        on_behalf=draft.entered_by_id is not None,
        t=_t(g.locale),
    )


# Save and resume ----------------------------------------------------------------------------------


@bp.route("/surveys/<slug>/save", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"])
def save(slug: str):
    survey, draft, stop = _journey(slug)
    if stop is not None:
        return stop
    token = _drafts().get(str(survey.id))
    link = mail.external_url(".resume", slug=survey.slug, token=token, for_email=False)
    form = SaveForm()
    sent = False
    if form.validate_on_submit():
        try:
            # the address is used once, for this message, and not kept
            mail.send(
                form.email.data,
                _("Your link to finish the survey"),
                "resume_survey",
                link=mail.external_url(".resume", slug=survey.slug, token=token),
                title=text_in(survey.title, g.locale).text,
                days=current_app.config["DRAFT_DAYS"],
            )
            sent = True
        except mail.MailError:
            form.email.errors.append(
                _("The email could not be sent. Copy the link on this page instead.")
            )
    return (
        render_template(
            "responses/save.html",
            survey=survey,
            link=link,
            form=form,
            sent=sent,
            expires=draft.expires_at,
            continue_url=_resume_point(survey, draft),
            t=_t(g.locale),
        ),
        400 if form.errors else 200,
    )


@bp.get("/surveys/<slug>/resume/<token>")
def resume(slug: str, token: str):
    survey = _published(_load_survey(slug))
    draft = service.find_draft(survey, token)
    if draft is None:
        return render_template("responses/resume_problem.html", survey=survey, t=_t(g.locale)), 404
    if draft.reference is not None:
        # sent already: the link shows nothing of them (the reference lets one withdraw)
        flash(_("The answers of this link have been sent. Thank you for taking part."), "info")
        return redirect(url_for(".start", slug=survey.slug))
    _remember(survey, token)
    if not is_open(survey):
        return _closed(survey, draft)
    return redirect(_resume_point(survey, draft))


@bp.get("/surveys/<slug>/my-answers.txt")
def my_answers(slug: str):
    """The respondent's own answers as text: for a survey that closed before they sent it."""
    survey, draft = _survey_and_draft(slug)
    if draft is None:
        abort(404)
    body = render_template(
        "responses/my_answers.txt",
        survey=survey,
        rows=_answer_rows(survey, draft),
        t=_t(g.locale),
    )
    response = Response(body, mimetype="text/plain")
    response.headers["Content-Disposition"] = f'attachment; filename="{survey.slug}-answers.txt"'
    response.cache_control.no_store = True
    return response


def _answer_rows(survey: Survey, draft: Draft) -> list[tuple[str, str]]:
    t = _t(g.locale)
    rows = []
    answers = draft.answers or {}
    for page_questions in service.survey_pages(survey):
        for question in page_questions:
            if question.key in answers:
                rows.append(
                    (t(question.label).text, answer_text(question, answers[question.key], t))
                )
    for key, value in (draft.profile or {}).items():
        if key in DIMENSION_BY_KEY:
            label = monitoring_label(value, key)
            rows.append((str(DIMENSION_BY_KEY[key].question), label or str(value)))
    return rows


def answer_text(question, value, t) -> str:
    """An answer as the respondent would read it (the check page's words)."""
    if value is None:
        return ""
    if question.type.has_options:
        return option_labels(value, question, t)
    return str(value)


# Withdraw -----------------------------------------------------------------------------------------


@bp.route("/withdraw", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["WITHDRAW_LIMIT"], methods=["POST"])
def withdraw():
    form = WithdrawForm()
    error = None
    if form.validate_on_submit():
        response = service.find_by_reference(form.reference.data)
        if response is None:
            error = _("There is no response with that reference. Check it and try again.")
        elif form.confirm.data:
            service.withdraw(response)
            db.session.commit()
            return render_template("responses/withdrawn.html")
        else:
            return render_template(
                "responses/withdraw_confirm.html",
                form=form,
                reference=service.format_reference(response.reference),
            )
    if error:
        form.reference.errors.append(error)
    return (
        render_template("responses/withdraw.html", form=form),
        400 if form.is_submitted() else 200,
    )


# On someone's behalf ---------------------------------------------------------------------------


@bp.route("/surveys/<slug>/enter", methods=["GET", "POST"])
@requires("enter_responses", _load_orm_survey)
def enter(slug: str, obj: Survey):
    survey = obj
    if not is_open(survey):
        return _closed(survey, None)
    forums = _forums_for(current_user)
    form = EnterForm()
    form.channel.choices = [(c.value, c.label) for c in ON_BEHALF_CHANNELS]
    form.language.choices = [(code, languages()[code]) for code in survey.languages]
    form.forum.choices = [("", _("None"))] + [(f.slug, f.name) for f in forums]
    if form.validate_on_submit():
        forum = next((f for f in forums if f.slug == form.forum.data), None)
        draft, token = service.start_draft(
            survey,
            locale=form.language.data,
            days=current_app.config["DRAFT_DAYS"],
            channel=Channel(form.channel.data),
            forum_id=forum.id if forum else None,
            entered_by_id=current_user.id,
        )
        _remember(survey, token)
        db.session.commit()
        return redirect(_first_page_url(survey, draft))
    return (
        render_template("responses/enter.html", survey=survey, form=form, t=_t(g.locale)),
        400 if form.is_submitted() else 200,
    )


def _forums_for(user) -> list[Organisation]:
    """Hosts enter responses for their own forums; analysts and admins for any."""
    if user.is_admin or any(m.role in {Role.analyst, Role.commissioner} for m in user.memberships):
        return list(
            db.session.scalars(
                select(Organisation)
                .where(Organisation.kind == OrgKind.forum)
                .order_by(Organisation.name)
            )
        )
    return [
        m.organisation
        for m in user.memberships
        if m.role == Role.host and m.organisation.kind == OrgKind.forum
    ]
