"""A per-process cache of a survey's structure, for the respondent journey.

Every page of the journey needs the survey with its sections, questions, options and
consultation: loading and building those ORM objects was most of a request's database
work. :func:`journey_survey` keeps an immutable snapshot of them per survey, and checks it
is current with ONE cheap query a request (the survey's and its consultation's
``updated_at`` and status). The snapshot has the ORM objects' attribute names, so
templates, :mod:`engage.consultations.logic`, :mod:`engage.responses.values` and
:mod:`engage.responses.service` take either.

The version changes whenever the structure does: ``updated_at`` is bumped on every UPDATE
of a survey or consultation row (its ``onupdate``), and the ``before_flush`` listener below
bumps the survey's when one of its sections, questions or options is added, changed or
deleted through the ORM (the builder, the authoring services and the XLSForm import all
do). A change made with plain SQL must bump ``surveys.updated_at`` itself.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from engage.consultations.models import (
    Consultation,
    ConsultationStatus,
    Option,
    Question,
    QuestionType,
    Section,
    Survey,
    SurveyStatus,
)
from engage.extensions import db
from engage.sqltypes import utcnow

#: surveys kept per process; the least recently used goes first
MAX_SURVEYS = 64
EXTENSION = "engage.survey_cache"


class FrozenDict(dict):
    """A dict that cannot be changed (still a dict: ``.get``, ``in``, JSON, Jinja)."""

    __slots__ = ()

    def _readonly(self, *_args, **_kwargs):
        raise TypeError("a survey snapshot cannot be changed")

    __setitem__ = __delitem__ = __ior__ = _readonly
    clear = pop = popitem = setdefault = update = _readonly

    def __hash__(self):  # noqa: D105 - dicts are not hashable; these are read-only
        return hash(tuple(sorted(self.items(), key=repr)))


def freeze(value: Any) -> Any:
    """JSON from a row, read-only all the way down: mappings and lists become
    :class:`FrozenDict` and tuples."""
    if isinstance(value, dict):
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(freeze(v) for v in value)
    return value


@dataclass(frozen=True, eq=False)
class OptionSnapshot:
    id: int
    question_id: int
    code: str
    position: int
    label: FrozenDict


@dataclass(frozen=True, eq=False)
class QuestionSnapshot:
    id: int
    survey_id: int
    section_id: int
    key: str
    type: QuestionType
    position: int
    required: bool
    label: FrozenDict
    hint: FrozenDict
    show_if: FrozenDict | None
    settings: FrozenDict
    options: tuple[OptionSnapshot, ...]
    #: set once the section is made
    section: SectionSnapshot = field(init=False, repr=False)

    def __repr__(self) -> str:
        return f"<QuestionSnapshot {self.key}>"


@dataclass(frozen=True, eq=False)
class SectionSnapshot:
    id: int
    survey_id: int
    position: int
    title: FrozenDict
    questions: tuple[QuestionSnapshot, ...]


@dataclass(frozen=True, eq=False)
class ConsultationSnapshot:
    id: int
    slug: str
    organisation_id: int
    title: FrozenDict
    summary: FrozenDict
    status: ConsultationStatus
    opens_on: date | None
    closes_on: date | None
    languages: tuple[str, ...]
    updated_at: datetime


@dataclass(frozen=True, eq=False)
class SurveySnapshot:
    id: int
    slug: str
    consultation_id: int
    title: FrozenDict
    intro: FrozenDict
    consent_text: FrozenDict
    status: SurveyStatus
    monitoring_enabled: bool
    monitoring_keys: tuple[str, ...]
    updated_at: datetime
    consultation: ConsultationSnapshot
    sections: tuple[SectionSnapshot, ...]
    #: every question, in order (sections' order, then their own)
    questions: tuple[QuestionSnapshot, ...]
    #: the journey's pages (engage.responses.service.survey_pages), worked out once
    pages: tuple[tuple[QuestionSnapshot, ...], ...]
    #: markup made from this snapshot, kept by whoever makes it (it goes with the snapshot
    #: when the survey changes): see engage.responses.views
    rendered: dict = field(default_factory=dict, init=False, repr=False)

    @property
    def languages(self) -> tuple[str, ...]:
        return self.consultation.languages

    @property
    def version(self) -> tuple:
        return version_of(
            self.updated_at, self.status, self.consultation.updated_at, self.consultation.status
        )

    def __repr__(self) -> str:
        return f"<SurveySnapshot {self.slug}>"


def version_of(survey_updated, survey_status, consultation_updated, consultation_status):
    return (survey_updated, str(survey_status), consultation_updated, str(consultation_status))


def snapshot(survey: Survey) -> SurveySnapshot:
    """The survey (loaded with its sections, questions, options and consultation) as an
    immutable snapshot."""
    from engage.consultations import logic

    c = survey.consultation
    consultation = ConsultationSnapshot(
        id=c.id,
        slug=c.slug,
        organisation_id=c.organisation_id,
        title=freeze(c.title or {}),
        summary=freeze(c.summary or {}),
        status=c.status,
        opens_on=c.opens_on,
        closes_on=c.closes_on,
        languages=tuple(c.languages or ()),
        updated_at=c.updated_at,
    )
    sections = []
    for s in survey.sections:
        questions = []
        for q in s.questions:
            options = tuple(
                OptionSnapshot(
                    id=o.id,
                    question_id=o.question_id,
                    code=o.code,
                    position=o.position,
                    label=freeze(o.label or {}),
                )
                for o in q.options
            )
            questions.append(
                QuestionSnapshot(
                    id=q.id,
                    survey_id=q.survey_id,
                    section_id=q.section_id,
                    key=q.key,
                    type=q.type,
                    position=q.position,
                    required=q.required,
                    label=freeze(q.label or {}),
                    hint=freeze(q.hint or {}),
                    show_if=freeze(q.show_if) if q.show_if else None,
                    settings=freeze(q.settings or {}),
                    options=options,
                )
            )
        section = SectionSnapshot(
            id=s.id,
            survey_id=s.survey_id,
            position=s.position,
            title=freeze(s.title or {}),
            questions=tuple(questions),
        )
        for q in questions:
            object.__setattr__(q, "section", section)
        sections.append(section)
    sections_t = tuple(sections)
    return SurveySnapshot(
        id=survey.id,
        slug=survey.slug,
        consultation_id=survey.consultation_id,
        title=freeze(survey.title or {}),
        intro=freeze(survey.intro or {}),
        consent_text=freeze(survey.consent_text or {}),
        status=survey.status,
        monitoring_enabled=survey.monitoring_enabled,
        monitoring_keys=tuple(survey.monitoring_keys or ()),
        updated_at=survey.updated_at,
        consultation=consultation,
        sections=sections_t,
        questions=tuple(q for s in sections_t for q in s.questions),
        pages=tuple(tuple(page) for page in logic.pages(sections_t) if any(q.type for q in page)),
    )


# The cache ---------------------------------------------------------------------------


class SurveyCache:
    """{survey id: (version, snapshot)}, least recently used first; and {slug: survey id}
    as last seen, a guess that lets a caller look up the respondent's draft (kept by
    survey id) in the same query as the version (see :func:`version_statement`)."""

    def __init__(self, size: int = MAX_SURVEYS):
        self.size = size
        self.entries: OrderedDict[int, tuple[tuple, SurveySnapshot]] = OrderedDict()
        self.ids: dict[str, int] = {}
        self.lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, survey_id: int, version: tuple) -> SurveySnapshot | None:
        with self.lock:
            entry = self.entries.get(survey_id)
            if entry is None or entry[0] != version:
                self.misses += 1
                return None
            self.entries.move_to_end(survey_id)
            self.hits += 1
            return entry[1]

    def put(self, survey: SurveySnapshot) -> None:
        with self.lock:
            self.entries[survey.id] = (survey.version, survey)
            self.entries.move_to_end(survey.id)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
            if len(self.ids) >= 4 * self.size:
                self.ids.clear()
            self.ids[survey.slug] = survey.id

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()
            self.ids.clear()


def survey_cache() -> SurveyCache:
    """The app's cache (one app per worker process)."""
    cache = current_app.extensions.get(EXTENSION)
    if cache is None:
        cache = current_app.extensions.setdefault(EXTENSION, SurveyCache())
    return cache


#: the survey id and the version columns, in the order :func:`version_of` takes them
_version_columns: tuple | None = None


def version_statement():
    """SELECT the survey's id and version columns, joined to its consultation; the caller
    adds ``WHERE surveys.slug = ...`` (and may add columns and joins)."""
    global _version_columns
    if _version_columns is None:
        _version_columns = (
            Survey.id,
            Survey.updated_at,
            Survey.status,
            Consultation.updated_at,
            Consultation.status,
        )
    return select(*_version_columns).join(Consultation, Consultation.id == Survey.consultation_id)


_by_slug = None


def _version_by_slug():
    """The version query for one slug, built once (building a statement costs more than
    running this one on a warm cache)."""
    global _by_slug
    if _by_slug is None:
        _by_slug = version_statement().where(Survey.slug == bindparam("slug"))
    return _by_slug


def guessed_id(slug: str) -> int | None:
    """The id the survey with this slug had when last loaded in this process (slugs
    can change: callers check it against what their query returns)."""
    return survey_cache().ids.get(slug)


def cached_survey(slug: str, version_row) -> SurveySnapshot | None:
    """The survey from the cache when ``version_row`` (id and version, as
    :func:`version_statement` selects them) matches what is kept, else loaded and kept."""
    survey_id, *version = version_row[:5]
    cache = survey_cache()
    cached = cache.get(survey_id, version_of(*version))
    if cached is not None:
        if cache.ids.get(slug) != survey_id:
            cache.ids[slug] = survey_id
        return cached
    from engage.consultations.service import get_survey

    survey = get_survey(slug)
    if survey is None:
        return None
    # the version of what was loaded (it may be newer than the row read just before)
    result = snapshot(survey)
    cache.put(result)
    return result


def journey_survey(slug: str) -> SurveySnapshot | None:
    """The survey with this slug as the journey shows it, or None: from the cache when
    its version (one query) has not changed, else loaded and kept."""
    row = db.session.execute(_version_by_slug(), {"slug": slug}).first()
    if row is None:
        return None
    return cached_survey(slug, row)


# Keeping the version current ---------------------------------------------------------------


def _survey_ids(session: Session, obj: Any) -> set[int]:
    """The surveys whose structure ``obj`` (a section, question or option) is part of."""
    if isinstance(obj, Section | Question):
        survey_id = obj.survey_id
        if survey_id is None and obj.survey is not None:
            survey_id = obj.survey.id
        return {survey_id} if survey_id is not None else set()
    if isinstance(obj, Option):
        question = obj.question
        if question is None and obj.question_id is not None:
            question = session.get(Question, obj.question_id)
        return _survey_ids(session, question) if question is not None else set()
    return set()


@event.listens_for(Session, "before_flush")
def _bump_survey_versions(session: Session, _flush_context, _instances) -> None:
    """A survey whose sections, questions or options change gets a new ``updated_at``, so
    that the journey's cached snapshot of it is replaced."""
    changed = [
        obj
        for obj in (*session.new, *session.dirty, *session.deleted)
        if isinstance(obj, Section | Question | Option)
    ]
    if not changed:
        return
    with session.no_autoflush:
        ids: set[int] = set()
        for obj in changed:
            if obj in session.dirty and not session.is_modified(obj):
                continue
            ids |= _survey_ids(session, obj)
        if not ids:
            return
        now = utcnow()
        for survey_id in ids:
            survey = session.get(Survey, survey_id)
            if survey is not None and survey not in session.deleted:
                survey.updated_at = now
