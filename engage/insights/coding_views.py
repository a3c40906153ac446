"""For analysts: a survey's free text (analyse it, with progress), the assisted-coding
screen, and the translation queue (where hosts also translate their forum's answers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError
from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_decimal, format_percent, ngettext
from flask_login import current_user

from engage import jobs
from engage.accounts.permissions import can, requires
from engage.consultations.models import Survey
from engage.consultations.service import survey_or_404, survey_title
from engage.consultations.texts import text_in
from engage.extensions import db
from engage.i18n import _, _l, current_locale
from engage.insights import codebook, coding, learning, pipeline
from engage.insights.coding import CodingProblem, Filters, Item
from engage.insights.pipeline import codebook_for
from engage.responses.models import Sentiment

bp = Blueprint("coding", __name__, url_prefix="/<locale>/surveys")

JOB_ID = "<string(length=32):job_id>"
JOB_KIND = pipeline.JOB_KIND
SENTIMENT_LABELS = {
    Sentiment.positive: _l("Positive"),
    Sentiment.neutral: _l("Neutral"),
    Sentiment.negative: _l("Negative"),
}
STATUS_LABELS = {
    coding.Status.uncoded: _l("Not coded yet"),
    coding.Status.coded: _l("Coded"),
    coding.Status.all: _l("All answers"),
}
SUGGESTED_BY = {
    "model": _l("Suggested by the model learned from your coding"),
    "keywords": _l("Suggested by the codebook's keywords"),
}
#: the cross-validated micro F1 at and over which the screen calls the suggestions good,
#: and fair
GOOD_F1 = 0.75
FAIR_F1 = 0.5


def language_name(code: str | None) -> str:
    """A language's name in the page's language ("Urdu", "اردو"), or its code."""
    if not code:
        return _("Not known")
    try:
        return Locale.parse(code).get_display_name(current_locale()) or code
    except (ValueError, UnknownLocaleError):
        return code


def _percent(value: float | None) -> str:
    return "–" if value is None else format_percent(value, "#,##0%")


# The free text hub and the analysis --------------------------------------------------------


@bp.get("/<slug>/text")
@requires("manage_responses", survey_or_404)
def hub(slug: str, obj: Survey):
    return render_template(
        "insights/coding/hub.html",
        survey=obj,
        survey_title=survey_title(obj),
        overview=coding.overview(obj),
        number=format_decimal,
    )


@bp.post("/<slug>/text/analyse")
@requires("manage_responses", survey_or_404)
def analyse(slug: str, obj: Survey):
    if coding.overview(obj).answers == 0:
        flash(_("There are no free-text answers to analyse yet."))
        return redirect(url_for(".hub", slug=obj.slug), 303)
    survey_slug = obj.slug
    # end this request's transaction first: the job works in one of its own
    db.session.commit()
    job_id, started = jobs.enqueue_once(
        "engage.insights.pipeline.analyse_job",
        survey_slug,
        job_meta={"survey": survey_slug, "kind": JOB_KIND},
        # a second press (or a colleague's) while a run is going shows that run
        unique=pipeline.run_key(survey_slug),
    )
    if not started:
        flash(_("This survey's answers are already being analysed. Here is how far it is."))
    return redirect(url_for(".analyse_status", slug=survey_slug, job_id=job_id), 303)


def _job(slug: str, job_id: str) -> dict:
    state = jobs.status(job_id)
    meta = (state or {}).get("meta") or {}
    if state is None or meta.get("survey") != slug or meta.get("kind") != JOB_KIND:
        abort(404)
    return state


def _progress(state: dict) -> dict:
    """What the status page and its JSON show."""
    result = state.get("result") or {}
    done, total = int(state.get("done") or 0), int(state.get("total") or 0)
    finished = state["state"] in {"done", "failed"}
    if state["state"] == "queued":
        text = _("Waiting to start.")
    elif state["state"] == "failed" or result.get("error"):
        text = _("The analysis stopped with an error. The previous analysis is kept.")
    elif state["state"] == "done":
        count = int(result.get("analysed") or 0)
        waiting = int(result.get("awaiting_translation") or 0)
        text = ngettext("%(num)s answer analysed.", "%(num)s answers analysed.", count) % {
            "num": format_decimal(count)
        }
        if waiting:
            text += " " + ngettext(
                "%(num)s waits for an English translation.",
                "%(num)s wait for an English translation.",
                waiting,
            ) % {"num": format_decimal(waiting)}
        done = total = count
    else:
        text = _(
            "%(done)s of %(total)s answers analysed.",
            done=format_decimal(done),
            total=format_decimal(total),
        )
    return {
        "state": state["state"],
        "done": done,
        "total": total,
        "text": text,
        "finished": finished,
    }


@bp.get(f"/<slug>/text/analyse/{JOB_ID}")
@requires("manage_responses", survey_or_404)
def analyse_status(slug: str, job_id: str, obj: Survey):
    state = _job(slug, job_id)
    return render_template(
        "insights/coding/analyse_status.html",
        survey=obj,
        survey_title=survey_title(obj),
        job_id=job_id,
        progress=_progress(state),
        awaiting=int((state.get("result") or {}).get("awaiting_translation") or 0),
    )


@bp.get(f"/<slug>/text/analyse/{JOB_ID}.json")
@requires("manage_responses", survey_or_404)
def analyse_status_json(slug: str, job_id: str, obj: Survey):
    response = jsonify(_progress(_job(slug, job_id)))
    response.cache_control.no_store = True
    return response


# The coding screen ------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    """A theme's checkbox."""

    code: str
    name: str
    checked: bool
    confidence: str | None = None


def _int_arg(args: Mapping[str, str], name: str) -> int | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return coding.parse_answer_id(raw)
    except CodingProblem:
        raise CodingProblem(
            name, _("That link is not right: start again from the first answer.")
        ) from None


def _boxes(
    item: Item | None,
    themes: Sequence[codebook.Theme],
    chosen: Sequence[str] | None,
) -> tuple[list[Box], list[tuple[str | None, list[Box]]]]:
    """The answer's own themes (suggested, coded, or chosen on the form just sent) first,
    then the rest of the codebook by category."""
    if item is None:
        return [], []
    names = {theme.code: theme.name for theme in themes}
    ticked = set(item.chosen_themes if chosen is None else chosen)
    confidence = dict(item.suggested)
    first_codes = list(dict.fromkeys([*confidence, *(item.coded_themes or ()), *(chosen or ())]))
    first = [
        Box(
            code,
            names.get(code, code),
            code in ticked,
            _percent(confidence[code]) if code in confidence else None,
        )
        for code in first_codes
    ]
    shown = set(first_codes)
    groups = []
    for parent, children in coding.themes_by_category(themes):
        boxes = [
            Box(theme.code, theme.name, theme.code in ticked)
            for theme in ([parent] if parent else []) + children
            if theme.code not in shown
        ]
        if boxes:
            groups.append((parent.name if parent else None, boxes))
    return first, groups


def _trust(quality: coding.Quality) -> str | None:
    evaluation = quality.evaluation
    if evaluation is None:
        return None
    if evaluation.micro_f1 >= GOOD_F1:
        return _(
            "The suggestions mostly agree with your coding. Still read each answer: "
            "some themes are missed or added."
        )
    if evaluation.micro_f1 >= FAIR_F1:
        return _(
            "The suggestions are often right but also often miss or add a theme. Check "
            "every one, and keep coding: they improve as you code more answers."
        )
    return _(
        "The suggestions are often wrong. Treat them as hints only, and keep coding: "
        "they improve as you code more answers."
    )


def _render_coding(
    survey: Survey,
    themes: Sequence[codebook.Theme],
    filters: Filters,
    item: Item | None,
    *,
    after: int | None = None,
    problem: CodingProblem | None = None,
    chosen: Sequence[str] | None = None,
    sentiment: str | None = None,
):
    overview = coding.overview(survey)
    first, groups = _boxes(item, themes, chosen)
    if item is None:
        picked_sentiment = None
    elif chosen is not None:
        picked_sentiment = sentiment or None
    else:
        picked_sentiment = item.chosen_sentiment.value if item.chosen_sentiment else None
    quality = coding.quality(survey)
    status = 400 if problem else 200
    return (
        render_template(
            "insights/coding/coding.html",
            survey=survey,
            survey_title=survey_title(survey),
            overview=overview,
            matching=coding.count_matching(survey, filters),
            filters=filters,
            after=after,
            item=item,
            question_label=text_in(item.question_label, current_locale()) if item else None,
            first=first,
            groups=groups,
            more_open=any(box.checked for _name, boxes in groups for box in boxes),
            theme_names={theme.code: theme.name for theme in themes},
            number=format_decimal,
            picked_sentiment=picked_sentiment,
            sentiments=SENTIMENT_LABELS,
            statuses=STATUS_LABELS,
            suggested_by=SUGGESTED_BY,
            questions=[
                (q.key, text_in(q.label, current_locale()) or q.key)
                for q in coding.free_text_questions(survey)
            ],
            theme_groups=coding.themes_by_category(themes),
            answer_languages=[(code, language_name(code)) for code in coding.languages(survey)],
            language_name=language_name,
            percent=_percent,
            quality=quality,
            trust=_trust(quality),
            min_answers=learning.MIN_ANSWERS,
            min_per_theme=learning.MIN_PER_THEME,
            problem=problem,
        ),
        status,
    )


def _filters(args: Mapping[str, str], survey: Survey, themes) -> tuple[Filters, Any]:
    try:
        return coding.parse_filters(args, survey, [t.code for t in themes]), None
    except CodingProblem as exc:
        return Filters(), exc


@bp.get("/<slug>/coding")
@requires("manage_responses", survey_or_404)
def coding_page(slug: str, obj: Survey):
    themes = codebook_for(obj)
    filters, problem = _filters(request.args, obj, themes)
    try:
        after = _int_arg(request.args, "after")
        answer_id = _int_arg(request.args, "answer")
    except CodingProblem as exc:
        problem, after, answer_id = problem or exc, None, None
    item = None
    if answer_id is not None:
        item = coding.get_item(obj, answer_id)
        if item is None:
            problem = problem or CodingProblem(
                "answer", _("That answer is not one of this survey's free-text answers.")
            )
    if item is None:
        item = coding.next_item(obj, filters, after=after)
    return _render_coding(obj, themes, filters, item, after=after, problem=problem)


@bp.post("/<slug>/coding")
@requires("manage_responses", survey_or_404)
def save_coding(slug: str, obj: Survey):
    themes = codebook_for(obj)
    # the filters only say where to go next: a tampered one is dropped
    filters, _problem = _filters(request.form, obj, themes)
    try:
        answer_id = coding.parse_answer_id(request.form.get("answer_id"))
    except CodingProblem as exc:
        return _render_coding(obj, themes, filters, coding.next_item(obj, filters), problem=exc)
    if request.form.get("action") == "skip":
        return redirect(
            url_for(".coding_page", slug=obj.slug, after=answer_id, **filters.args()), 303
        )
    chosen = request.form.getlist("themes")
    sentiment = request.form.get("sentiment")
    try:
        coding.save_coding(obj, answer_id, chosen, sentiment)
    except CodingProblem as exc:
        db.session.rollback()
        item = coding.get_item(obj, answer_id)
        if item is None:
            return _render_coding(obj, themes, filters, coding.next_item(obj, filters), problem=exc)
        known = {t.code for t in themes} | set(item.chosen_themes) | dict(item.suggested).keys()
        return _render_coding(
            obj,
            themes,
            filters,
            item,
            problem=exc,
            chosen=[c for c in chosen if c in known],
            sentiment=sentiment if sentiment in Sentiment.__members__ else None,
        )
    db.session.commit()
    flash(_("Your coding was saved."))
    return redirect(url_for(".coding_page", slug=obj.slug, after=answer_id, **filters.args()), 303)


# The translation queue ---------------------------------------------------------------------


def _translator_forums(survey: Survey) -> set[int] | None:
    """None: every answer (the survey's analysts, admins); else the forums whose answers
    this host may translate."""
    if can(current_user, "manage_responses", survey):
        return None
    return coding.hosted_forums(current_user)


def _render_translations(
    survey: Survey,
    *,
    problem: CodingProblem | None = None,
    answer_id: int | None = None,
    typed: str | None = None,
):
    forums = _translator_forums(survey)
    translated = request.args.get("show") == "translated"
    try:
        after = _int_arg(request.args, "after")
    except CodingProblem as exc:
        problem, after = problem or exc, None
    items = coding.translation_queue(survey, forums=forums, translated=translated, after=after)
    total = coding.count_translation_queue(survey, forums=forums, translated=translated)
    return (
        render_template(
            "insights/coding/translations.html",
            survey=survey,
            survey_title=survey_title(survey),
            items=items,
            total=total,
            translated=translated,
            after=after,
            more=len(items) == coding.QUEUE_PAGE,
            all_answers=forums is None,
            language_name=language_name,
            label=lambda texts: text_in(texts, current_locale()),
            number=format_decimal,
            problem=problem,
            problem_answer=answer_id,
            typed=typed,
        ),
        400 if problem else 200,
    )


@bp.get("/<slug>/text/translations")
@requires("translate_answers", survey_or_404)
def translations(slug: str, obj: Survey):
    return _render_translations(obj)


@bp.post("/<slug>/text/translations")
@requires("translate_answers", survey_or_404)
def save_translation(slug: str, obj: Survey):
    typed = request.form.get("translation")
    try:
        answer_id = coding.parse_answer_id(request.form.get("answer_id"))
    except CodingProblem as exc:
        return _render_translations(obj, problem=exc)
    try:
        if jobs.active_job(pipeline.run_key(obj.slug)):
            # the run rewrites every analysis, translations included, as it read them
            raise CodingProblem(
                "translation",
                _(
                    "The free text is being analysed now. Save your translation when the "
                    "analysis has finished; it is kept in the box below."
                ),
            )
        coding.save_translation(obj, answer_id, typed or "", forums=_translator_forums(obj))
    except CodingProblem as exc:
        db.session.rollback()
        return _render_translations(obj, problem=exc, answer_id=answer_id, typed=typed)
    db.session.commit()
    flash(_("Translation saved. The next analysis of the free text will use it."))
    args = {"show": "translated"} if request.args.get("show") == "translated" else {}
    return redirect(url_for(".translations", slug=obj.slug, **args), 303)
