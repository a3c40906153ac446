"""Consultation and survey operations. Each takes plain values, changes the session,
flushes, and never commits."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from engage.accounts.models import Organisation
from engage.communities.categories import MONITORING_KEYS
from engage.consultations import logic
from engage.consultations.models import (
    STATUS_TRANSITIONS,
    Consultation,
    ConsultationStatus,
    Option,
    Question,
    QuestionType,
    Section,
    ServiceArea,
    Stage,
    Survey,
    SurveyStatus,
)
from engage.consultations.texts import SOURCE_LOCALE
from engage.extensions import db
from engage.i18n import _l

KEY_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
CODE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
#: names a question key may not take: they are import/export columns or form fields
RESERVED_KEYS = frozenset(
    {"channel", "submitted_at", "locale", "forum", "reference", "csrf_token", "action"}
) | frozenset(MONITORING_KEYS)


class SurveyError(ValueError):
    """A change that cannot be made; the message is shown to the author."""


# Standard answer sets ------------------------------------------------------------

FFT_QUESTION = _l("Overall, how was your experience of our service?")
FFT_OPTIONS = [
    ("very_good", _l("Very good")),
    ("good", _l("Good")),
    ("neither", _l("Neither good nor poor")),
    ("poor", _l("Poor")),
    ("very_poor", _l("Very poor")),
    ("dont_know", _l("Don't know")),
]
LIKERT_OPTIONS = [
    ("strongly_agree", _l("Strongly agree")),
    ("agree", _l("Agree")),
    ("neither", _l("Neither agree nor disagree")),
    ("disagree", _l("Disagree")),
    ("strongly_disagree", _l("Strongly disagree")),
]
SCALE_LABELS = (_l("Not at all likely"), _l("Extremely likely"))


def in_every_language(text: Any) -> dict[str, str]:
    """A string of the catalogs in every language the site ships that has a translation
    of it (a language without one is left out, so the English shows, marked as English)."""
    with force_locale(SOURCE_LOCALE):
        source = str(text)
    result = {SOURCE_LOCALE: source}
    for locale in current_app.config["LANGUAGES"]:
        with force_locale(locale):
            translated = str(text)
        if locale != SOURCE_LOCALE and translated != source:
            result[locale] = translated
    return result


def standard_options(type_: QuestionType) -> list[tuple[str, dict[str, str]]]:
    table = {QuestionType.fft: FFT_OPTIONS, QuestionType.likert: LIKERT_OPTIONS}.get(type_, [])
    return [(code, in_every_language(label)) for code, label in table]


# Consultations ------------------------------------------------------------------


def slugify(text: str, max_length: int = 60) -> str:
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:max_length].strip("-") or "consultation"


#: slugs that are also fixed addresses (/consultations/new)
RESERVED_SLUGS = frozenset({"new", "manage"})


def unique_slug(model, base: str) -> str:
    slug, n = base, 2
    if slug in RESERVED_SLUGS:
        slug = f"{base}-{n}"
    while db.session.scalar(select(func.count()).where(model.slug == slug)):
        slug = f"{base[:70]}-{n}"
        n += 1
    return slug


def get_consultation(slug: str) -> Consultation | None:
    return db.session.scalar(select(Consultation).where(Consultation.slug == slug))


def get_survey(slug: str) -> Survey | None:
    return db.session.scalar(
        select(Survey)
        .where(Survey.slug == slug)
        .options(
            selectinload(Survey.sections)
            .selectinload(Section.questions)
            .selectinload(Question.options),
            selectinload(Survey.consultation),
        )
    )


def list_public_consultations(locale: str | None = None) -> list[Consultation]:
    """Consultations the public may read: not drafts; open ones first, then newest.
    With ``locale``, only those offered in that language."""
    rows = db.session.scalars(
        select(Consultation)
        .where(Consultation.status != ConsultationStatus.draft)
        .options(selectinload(Consultation.surveys), selectinload(Consultation.organisation))
        .order_by(Consultation.created_at.desc(), Consultation.id.desc())
    ).all()
    if locale:
        rows = [c for c in rows if locale in c.languages]
    return sorted(rows, key=lambda c: c.status != ConsultationStatus.open)


def check_languages(languages: Iterable[str]) -> list[str]:
    offered = list(current_app.config["LANGUAGES"])
    chosen = [code for code in offered if code in set(languages)]
    unknown = set(languages) - set(offered)
    if unknown:
        raise SurveyError(f"not a language of this site: {', '.join(sorted(unknown))}")
    if SOURCE_LOCALE not in chosen:
        chosen.insert(0, SOURCE_LOCALE)
    return chosen


def create_consultation(
    *,
    actor: Any,
    organisation: Organisation,
    title: str | Mapping[str, str],
    service_area: ServiceArea | str = ServiceArea.other,
    stage: Stage | str = Stage.strategic_planning,
    summary: str | Mapping[str, str] = "",
    body: str | Mapping[str, str] = "",
    slug: str | None = None,
    languages: Iterable[str] = (SOURCE_LOCALE,),
    opens_on: date | None = None,
    closes_on: date | None = None,
    target_communities: Iterable[str] = (),
) -> Consultation:
    titles = _texts(title)
    if not titles.get(SOURCE_LOCALE):
        raise SurveyError("a consultation needs an English title")
    if opens_on and closes_on and closes_on < opens_on:
        raise SurveyError("the closing date is before the opening date")
    slug = slug or unique_slug(Consultation, slugify(titles[SOURCE_LOCALE]))
    if get_consultation(slug) is not None or slug in RESERVED_SLUGS:
        raise SurveyError(f"there is already a consultation {slug}")
    consultation = Consultation(
        slug=slug,
        organisation_id=organisation.id,
        title=titles,
        summary=_texts(summary),
        body=_texts(body),
        service_area=ServiceArea(service_area),
        stage=Stage(stage),
        languages=check_languages(languages),
        opens_on=opens_on,
        closes_on=closes_on,
        target_communities=list(target_communities),
        status=ConsultationStatus.draft,
    )
    db.session.add(consultation)
    db.session.flush()
    return consultation


def set_status(
    consultation: Consultation,
    status: ConsultationStatus,
    *,
    actor: Any,
    opening: Iterable[Survey] | None = None,
) -> None:
    """The consultation's status, and its surveys': opening it opens its draft surveys
    (``opening``: only those of them); ending it closes its open ones."""
    status = ConsultationStatus(status)
    chosen = None if opening is None else {id(s) for s in opening}
    if status == consultation.status:
        return
    if status not in STATUS_TRANSITIONS[consultation.status]:
        raise SurveyError(
            f"a {consultation.status.value} consultation cannot become {status.value}"
        )
    consultation.status = status
    for survey in consultation.surveys:
        if status == ConsultationStatus.open and survey.status == SurveyStatus.draft:
            if chosen is None or id(survey) in chosen:
                survey.status = SurveyStatus.open
        elif status != ConsultationStatus.open and survey.status == SurveyStatus.open:
            survey.status = SurveyStatus.closed
    db.session.flush()


def is_open(survey: Survey, today: date | None = None) -> bool:
    """Whether the survey takes responses now."""
    consultation = survey.consultation
    today = today or date.today()
    if survey.status != SurveyStatus.open or consultation.status != ConsultationStatus.open:
        return False
    if consultation.opens_on and today < consultation.opens_on:
        return False
    return not (consultation.closes_on and today > consultation.closes_on)


# Surveys ---------------------------------------------------------------------------


def create_survey(
    consultation: Consultation,
    *,
    actor: Any,
    title: str | Mapping[str, str] | None = None,
    slug: str | None = None,
    intro: str | Mapping[str, str] = "",
    monitoring: bool = True,
) -> Survey:
    titles = _texts(title) if title else dict(consultation.title)
    slug = slug or unique_slug(Survey, slugify(titles.get(SOURCE_LOCALE) or consultation.slug))
    if db.session.scalar(select(func.count()).where(Survey.slug == slug)):
        raise SurveyError(f"there is already a survey {slug}")
    survey = Survey(
        slug=slug,
        consultation=consultation,
        title=titles,
        intro=_texts(intro),
        consent_text={},
        monitoring_enabled=monitoring,
        monitoring_keys=list(MONITORING_KEYS),
        status=SurveyStatus.open
        if consultation.status == ConsultationStatus.open
        else SurveyStatus.draft,
    )
    db.session.add(survey)
    db.session.flush()
    return survey


def add_section(survey: Survey, *, title: str | Mapping[str, str] = "") -> Section:
    position = max((s.position for s in survey.sections), default=-1) + 1
    section = Section(survey=survey, position=position, title=_texts(title))
    db.session.add(section)
    db.session.flush()
    return section


def ordered_questions(survey: Survey) -> list[Question]:
    return [q for section in survey.sections for q in section.questions]


def add_question(
    survey: Survey,
    *,
    key: str,
    type: QuestionType | str,
    label: str | Mapping[str, str] = "",
    hint: str | Mapping[str, str] = "",
    required: bool = False,
    section: Section | None = None,
    options: Iterable[tuple[str, str | Mapping[str, str]]] | None = None,
    show_if: Mapping[str, Any] | None = None,
    settings: Mapping[str, Any] | None = None,
) -> Question:
    """Add a question at the end of ``section`` (the last section, made if need be).

    Likert and Friends and Family Test questions get their standard answers (and the
    FFT its standard wording) in every language the site ships, unless options are given.
    """
    type_ = QuestionType(type)
    check_key(survey, key)
    if section is None:
        section = survey.sections[-1] if survey.sections else add_section(survey)
    labels = _texts(label)
    if type_ == QuestionType.fft and not labels.get(SOURCE_LOCALE):
        labels = in_every_language(FFT_QUESTION)
    if not labels.get(SOURCE_LOCALE):
        raise SurveyError(f"{key}: a question needs its English wording")
    if show_if:
        # the questions before this one: those of earlier sections and of its own
        earlier = [
            q.key for s in survey.sections if s.position <= section.position for q in s.questions
        ]
        try:
            logic.validate(show_if, earlier)
        except logic.ConditionError as exc:
            raise SurveyError(f"{key}: {exc}") from exc
    settings = dict(settings or {})
    if type_ == QuestionType.scale:
        settings.setdefault("min_label", in_every_language(SCALE_LABELS[0]))
        settings.setdefault("max_label", in_every_language(SCALE_LABELS[1]))
    position = max((q.position for q in section.questions), default=-1) + 1
    question = Question(
        survey=survey,
        section=section,
        position=position,
        key=key,
        type=type_,
        required=required and type_ != QuestionType.note,
        label=labels,
        hint=_texts(hint),
        show_if=dict(show_if) if show_if else None,
        settings=settings,
    )
    db.session.add(question)
    if options is None:
        option_rows = standard_options(type_)
    else:
        option_rows = [(code, _texts(text)) for code, text in options]
    for position, (code, texts) in enumerate(option_rows):
        add_option(question, code=code, label=texts, position=position)
    if type_.has_options and not option_rows and options is not None:
        raise SurveyError(f"{key}: a choice question needs at least one option")
    db.session.flush()
    return question


def check_key(survey: Survey, key: str, *, current: Question | None = None) -> None:
    if not KEY_RE.match(key or ""):
        raise SurveyError(
            f"{key!r}: a key is letters, digits and underscores, starting with a letter"
        )
    if key in RESERVED_KEYS or "__" in key:
        raise SurveyError(f"{key!r} is reserved: choose another key")
    for question in survey.questions:
        if question.key == key and question is not current:
            raise SurveyError(f"there is already a question {key}")


def add_option(
    question: Question, *, code: str, label: str | Mapping[str, str], position: int | None = None
) -> Option:
    if not CODE_RE.match(code or ""):
        raise SurveyError(
            f"{question.key}: {code!r} is not an option code (letters, digits, _ . -)"
        )
    if any(o.code == code for o in question.options):
        raise SurveyError(f"{question.key}: the option {code} is there twice")
    texts = _texts(label)
    if not texts.get(SOURCE_LOCALE):
        raise SurveyError(f"{question.key}: the option {code} needs its English wording")
    if position is None:
        position = max((o.position for o in question.options), default=-1) + 1
    option = Option(question=question, code=code, label=texts, position=position)
    db.session.add(option)
    return option


def _texts(value: str | Mapping[str, str] | None) -> dict[str, str]:
    """A plain string is English; a mapping is kept without empty entries."""
    if value is None:
        return {}
    if isinstance(value, str):
        return {SOURCE_LOCALE: value.strip()} if value.strip() else {}
    return {k: v.strip() for k, v in value.items() if isinstance(v, str) and v.strip()}


def survey_or_404(slug: str, **_kwargs) -> Survey:
    """The survey with this slug, for a view (a loader of ``requires``); 404 without one."""
    from flask import abort

    survey = get_survey(slug)
    if survey is None:
        abort(404)
    return survey


def survey_title(survey: Survey) -> str:
    """The survey's title in the page's language (its slug when it has none)."""
    from engage.consultations.texts import text_in
    from engage.i18n import current_locale

    return str(text_in(survey.title, current_locale()) or survey.slug)
