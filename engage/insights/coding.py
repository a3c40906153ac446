"""Assisted coding and the translation queue: what the analyst's screens read and write.

An analyst codes a survey's free-text answers one at a time: the themes and sentiment
the text pipeline suggested are offered, and what the analyst accepts is written to the
answer (``coded_themes``, ``coded_sentiment``), where it always wins over suggestions
and is what the next analysis learns from. ``coded_themes`` of None is "not coded yet";
an empty string is "coded: no theme applies".

Answers in another language wait for an English translation, which an analyst of the
organisation, or a host for the answers that came through their forum, adds here; the
next analysis reads it (engage.insights.pipeline). The original is never changed.

The model's quality is measured by cross-validation on the coded answers and kept per
survey and coding in the process (it takes seconds on thousands of answers).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, case, cast, func, select
from sqlalchemy.sql import Select

from engage.accounts.models import Role
from engage.consultations.models import Question, Survey
from engage.extensions import db
from engage.i18n import _
from engage.insights import codebook, learning
from engage.insights.models import TextAnalysis
from engage.insights.pipeline import FREE_TEXT, codebook_for, coded_examples
from engage.insights.results import results_cache
from engage.responses.models import Answer, Sentiment

#: the longest ``Answer.coded_themes`` the column holds
CODED_MAX = 500
#: the longest translation kept
TRANSLATION_MAX = 20_000
#: the folds of the cross-validation shown on the coding screen
FOLDS = 5
QUALITY_CACHE = "engage.coding_quality"
#: the most coded answers the quality is measured on
QUALITY_SAMPLE = 1000
#: the quality is measured again after this many more (or fewer) coded answers, at least
REMEASURE_EVERY = 10
#: translations waiting shown on a page
QUEUE_PAGE = 20


class CodingProblem(ValueError):
    """Input the screens refuse: ``field`` names the form field, ``message`` says why in
    the user's language."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


class Status(enum.StrEnum):
    uncoded = "uncoded"
    coded = "coded"
    all = "all"


@dataclass(frozen=True)
class Filters:
    status: Status = Status.uncoded
    #: a question key
    question: str | None = None
    #: a suggested theme code
    theme: str | None = None
    #: a detected language (ISO 639-1)
    language: str | None = None

    def args(self) -> dict[str, str]:
        """As query arguments (the defaults left out)."""
        found = {
            "status": self.status.value if self.status != Status.uncoded else None,
            "question": self.question,
            "theme": self.theme,
            "language": self.language,
        }
        return {k: v for k, v in found.items() if v}


# Which answers ---------------------------------------------------------------------------


def free_text_questions(survey: Survey) -> list[Question]:
    return [q for section in survey.sections for q in section.questions if q.type in FREE_TEXT]


def _scoped(statement: Select, survey_id: int) -> Select:
    """The statement over the survey's free-text answers that have text, with their
    analyses (perhaps none)."""
    return (
        statement.select_from(Answer)
        .join(Question, Question.id == Answer.question_id)
        .outerjoin(TextAnalysis, TextAnalysis.answer_id == Answer.id)
        .where(
            Question.survey_id == survey_id,
            Question.type.in_(FREE_TEXT),
            Answer.text.is_not(None),
            Answer.text != "",
        )
    )


def _suggests(code: str):
    # themes are stored as JSON [["code", 0.8], ...]: the quoted code is in its text
    return cast(TextAnalysis.themes, String).contains(f'"{code}"', autoescape=True)


def _filtered(statement: Select, filters: Filters) -> Select:
    if filters.status == Status.uncoded:
        statement = statement.where(Answer.coded_themes.is_(None))
    elif filters.status == Status.coded:
        statement = statement.where(Answer.coded_themes.is_not(None))
    if filters.question:
        statement = statement.where(Question.key == filters.question)
    if filters.theme:
        statement = statement.where(_suggests(filters.theme))
    if filters.language:
        statement = statement.where(TextAnalysis.language == filters.language)
    return statement


def parse_filters(args: Mapping[str, str], survey: Survey, themes: Iterable[str]) -> Filters:
    """The coding screen's filters from query arguments; :class:`CodingProblem` naming
    the first that is not one of the choices offered."""
    raw = (args.get("status") or Status.uncoded.value).strip()
    try:
        status = Status(raw)
    except ValueError:
        raise CodingProblem(
            "status", _("Choose which answers to show: not coded yet, coded, or all.")
        ) from None
    question = (args.get("question") or "").strip() or None
    if question is not None and question not in {q.key for q in free_text_questions(survey)}:
        raise CodingProblem("question", _("Choose one of this survey's free-text questions."))
    theme = (args.get("theme") or "").strip() or None
    if theme is not None and theme not in set(themes):
        raise CodingProblem("theme", _("Choose one of the themes in this survey's codebook."))
    language = (args.get("language") or "").strip() or None
    if language is not None and language not in languages(survey):
        raise CodingProblem("language", _("Choose one of the languages found in the answers."))
    return Filters(status, question, theme, language)


def languages(survey: Survey) -> list[str]:
    """The languages the analysis found in the survey's answers, sorted."""
    found = db.session.scalars(
        _scoped(select(TextAnalysis.language).distinct(), survey.id).where(
            TextAnalysis.language.is_not(None)
        )
    )
    return sorted(found)


# The coding screen ----------------------------------------------------------------------


@dataclass
class Item:
    """One free-text answer as the coding screen shows it."""

    answer_id: int
    question_key: str
    question_label: dict[str, str]
    text: str
    #: the language the analysis found (None: not analysed, or too short to tell)
    language: str | None
    translation: str | None
    analysed: bool
    #: (code, confidence), most confident first
    suggested: list[tuple[str, float]]
    #: "model" or "keywords"
    suggested_by: str | None
    suggested_sentiment: Sentiment | None
    #: "model" (learned from the analysts' coding) or "lexicon" (the words used)
    sentiment_by: str | None
    #: the model's confidence in the sentiment it suggests (0 to 1)
    sentiment_confidence: float | None
    #: the analyst's codes; None when not coded yet
    coded_themes: list[str] | None
    coded_sentiment: Sentiment | None

    @property
    def coded(self) -> bool:
        return self.coded_themes is not None

    @property
    def chosen_themes(self) -> list[str]:
        """What the screen ticks: the analyst's codes, else the suggestions."""
        if self.coded_themes is not None:
            return self.coded_themes
        return [code for code, _confidence in self.suggested]

    @property
    def chosen_sentiment(self) -> Sentiment | None:
        return self.coded_sentiment if self.coded else self.suggested_sentiment


_ITEM_COLUMNS = (
    Answer.id,
    Answer.text,
    Answer.text_language,
    Answer.coded_themes,
    Answer.coded_sentiment,
    Question.key,
    Question.label,
    TextAnalysis.answer_id.label("analysis_id"),
    TextAnalysis.language,
    TextAnalysis.translation,
    TextAnalysis.themes,
    TextAnalysis.suggested_by,
    TextAnalysis.sentiment,
    TextAnalysis.sentiment_by,
    TextAnalysis.sentiment_confidence,
)


def split_codes(value: str | None) -> list[str] | None:
    if value is None:
        return None
    return [code for code in (c.strip() for c in value.split(";")) if code]


def _item(row: Any) -> Item:
    suggested = [(str(code), float(score)) for code, score in (row.themes or [])]
    return Item(
        answer_id=row.id,
        question_key=row.key,
        question_label=dict(row.label or {}),
        text=row.text,
        language=row.language if row.analysis_id is not None else row.text_language,
        translation=row.translation,
        analysed=row.analysis_id is not None,
        suggested=suggested,
        suggested_by=row.suggested_by,
        suggested_sentiment=row.sentiment,
        sentiment_by=row.sentiment_by,
        sentiment_confidence=row.sentiment_confidence,
        coded_themes=split_codes(row.coded_themes),
        coded_sentiment=row.coded_sentiment,
    )


def next_item(survey: Survey, filters: Filters, *, after: int | None = None) -> Item | None:
    """The first answer the filters match, in the order they came (after ``after``)."""
    statement = _filtered(_scoped(select(*_ITEM_COLUMNS), survey.id), filters)
    if after is not None:
        statement = statement.where(Answer.id > after)
    row = db.session.execute(statement.order_by(Answer.id).limit(1)).first()
    return None if row is None else _item(row)


def get_item(survey: Survey, answer_id: int) -> Item | None:
    """One of the survey's free-text answers, or None if it is not one."""
    statement = _scoped(select(*_ITEM_COLUMNS), survey.id).where(Answer.id == answer_id)
    row = db.session.execute(statement).first()
    return None if row is None else _item(row)


def count_matching(survey: Survey, filters: Filters) -> int:
    return db.session.scalar(_filtered(_scoped(select(func.count()), survey.id), filters)) or 0


def parse_answer_id(raw: str | None) -> int:
    """An answer id from a form; :class:`CodingProblem` if it is not one."""
    value = (raw or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        raise CodingProblem("answer_id", _("The answer to code was missing. Choose it again."))
    return int(value)


def save_coding(
    survey: Survey, answer_id: int, themes: Sequence[str], sentiment: str | None
) -> Answer:
    """The analyst's coding of one answer: theme codes (any in the survey's codebook,
    or already on the answer or among its suggestions) and a sentiment (or none)."""
    item = get_item(survey, answer_id)
    if item is None:
        raise CodingProblem(
            "answer_id",
            _("That answer is not one of this survey's free-text answers: it may have gone."),
        )
    allowed = {theme.code for theme in codebook_for(survey)}
    allowed.update(item.coded_themes or ())
    allowed.update(code for code, _confidence in item.suggested)
    codes = list(dict.fromkeys(code.strip() for code in themes if code.strip()))
    for code in codes:
        if code not in allowed:
            raise CodingProblem(
                "themes",
                _("“%(code)s” is not a theme in this survey's codebook.", code=code[:80]),
            )
    joined = ";".join(codes)
    if len(joined) > CODED_MAX:
        raise CodingProblem("themes", _("Choose fewer themes for one answer."))
    chosen = (sentiment or "").strip() or None
    if chosen is not None and chosen not in Sentiment.__members__:
        raise CodingProblem("sentiment", _("Choose positive, neutral or negative."))
    answer = db.session.get(Answer, answer_id)
    answer.coded_themes = joined
    answer.coded_sentiment = Sentiment(chosen) if chosen else None
    db.session.flush()
    return answer


# The text hub ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """The survey's free text at a glance."""

    answers: int
    analysed: int
    awaiting_translation: int
    translated: int
    coded: int
    by_model: int
    by_keywords: int
    last_run: datetime | None


def _waiting_translation():
    return (
        TextAnalysis.language.is_not(None)
        & (TextAnalysis.language != "en")
        & TextAnalysis.translation.is_(None)
    )


def overview(survey: Survey) -> Overview:
    def counted(condition):
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)

    row = db.session.execute(
        _scoped(
            select(
                func.count(Answer.id),
                func.count(TextAnalysis.answer_id),
                counted(_waiting_translation()),
                counted(TextAnalysis.translation.is_not(None)),
                func.count(Answer.coded_themes),
                counted(TextAnalysis.suggested_by == "model"),
                counted(TextAnalysis.suggested_by == "keywords"),
                func.max(TextAnalysis.analysed_at),
            ),
            survey.id,
        )
    ).one()
    return Overview(*(int(v) for v in row[:7]), last_run=row[7])


# The model's quality ----------------------------------------------------------------------


@dataclass(frozen=True)
class Quality:
    coded: int
    #: whether there are enough coded answers for the model to learn from
    enough: bool
    #: how many more coded answers the model needs at the least (0: enough of them)
    needed: int
    evaluation: learning.Evaluation | None = None
    #: how many answers were coded when the evaluation was made
    measured_at: int = 0
    #: whose coded answers the model learns from: "survey" or "organisation" (the
    #: survey's own are too few, those of all the organisation's surveys are enough)
    scope: str = "survey"


def _sample(rows: Sequence[Any], size: int) -> list[Any]:
    """At most ``size`` rows, evenly spread over all of them (the same ones each time)."""
    if len(rows) <= size:
        return list(rows)
    step = len(rows) / size
    return [rows[int(i * step)] for i in range(size)]


def _stale(measured_on: int, coded: int) -> bool:
    """Whether a measure made at ``measured_on`` coded answers is too old at ``coded``."""
    return abs(coded - measured_on) >= max(REMEASURE_EVERY, measured_on // 10)


def quality(survey: Survey) -> Quality:
    """How well a model trained on the survey's coded answers suggests their themes,
    by cross-validation (trained as the text pipeline trains it: on the translation
    where there is one, with the question as context).

    Cross-validation takes seconds, so it is kept per survey in this process and made
    again only once the number of coded answers has moved by :data:`REMEASURE_EVERY`
    or a tenth, and it measures at most :data:`QUALITY_SAMPLE` answers (spread over
    all of them): coding one more answer does not make the next page wait.

    When the survey's own coded answers are too few, the model learns from those of all
    the organisation's surveys (`pipeline.coded_examples`), and that is what is measured."""
    rows, scope = coded_examples(survey)
    labels = [set(split_codes(row.coded_themes) or ()) for row in rows]
    if not learning.enough(labels):
        return Quality(
            coded=len(rows),
            enough=False,
            needed=max(0, learning.MIN_ANSWERS - len(rows)),
        )
    cache = results_cache(QUALITY_CACHE)
    kept = cache.get(survey.id)
    if kept is None or _stale(kept[0], len(rows)):
        sample = _sample(rows, QUALITY_SAMPLE)
        sampled = [set(split_codes(row.coded_themes) or ()) for row in sample]
        if not learning.enough(sampled):
            sample, sampled = rows, labels
        evaluation = learning.cross_validate(
            [row.translation or row.text for row in sample],
            sampled,
            folds=min(FOLDS, len(sample)),
            sentiments=[r.coded_sentiment.value if r.coded_sentiment else None for r in sample],
            contexts=[row.key for row in sample],
        )
        kept = (len(rows), evaluation)
        cache.put(survey.id, kept)
    return Quality(
        coded=len(rows),
        enough=True,
        needed=0,
        evaluation=kept[1],
        measured_at=kept[0],
        scope=scope,
    )


def themes_by_category(
    themes: Sequence[codebook.Theme],
) -> list[tuple[codebook.Theme | None, list[codebook.Theme]]]:
    """The codebook as the screen groups it: each top-level theme with its children, in
    the codebook's order; top-level themes without children together, under None."""
    children: dict[str, list[codebook.Theme]] = {}
    for theme in themes:
        if theme.parent:
            children.setdefault(theme.parent, []).append(theme)
    codes = {theme.code for theme in themes}
    groups: list[tuple[codebook.Theme | None, list[codebook.Theme]]] = []
    alone: list[codebook.Theme] = []
    for theme in themes:
        if theme.parent and theme.parent in codes:
            continue
        if theme.code in children:
            groups.append((theme, children[theme.code]))
        else:
            alone.append(theme)
    if alone:
        groups.append((None, alone))
    return groups


# Translations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Untranslated:
    answer_id: int
    question_label: dict[str, str]
    text: str
    language: str
    translation: str | None


def hosted_forums(user: Any) -> set[int]:
    """The forums in which this user is a host."""
    return {m.organisation_id for m in getattr(user, "memberships", []) if m.role == Role.host}


def _translatable(survey: Survey, forums: set[int] | None) -> Select:
    statement = _scoped(
        select(
            Answer.id,
            Question.label,
            Answer.text,
            TextAnalysis.language,
            TextAnalysis.translation,
        ),
        survey.id,
    ).where(
        TextAnalysis.answer_id.is_not(None),
        TextAnalysis.language.is_not(None),
        TextAnalysis.language != "en",
    )
    if forums is not None:
        statement = statement.where(Answer.forum_id.in_(sorted(forums) or [-1]))
    return statement


def translation_queue(
    survey: Survey,
    *,
    forums: set[int] | None = None,
    translated: bool = False,
    after: int | None = None,
    limit: int = QUEUE_PAGE,
) -> list[Untranslated]:
    """Answers in another language waiting for an English translation (or, with
    ``translated``, those that have one). ``forums``: only the answers that came through
    these forums (a host's); None for every answer (an analyst's)."""
    statement = _translatable(survey, forums).where(
        TextAnalysis.translation.is_not(None) if translated else TextAnalysis.translation.is_(None)
    )
    if after is not None:
        statement = statement.where(Answer.id > after)
    rows = db.session.execute(statement.order_by(Answer.id).limit(limit))
    return [
        Untranslated(row.id, dict(row.label or {}), row.text, row.language, row.translation)
        for row in rows
    ]


def count_translation_queue(
    survey: Survey, *, forums: set[int] | None = None, translated: bool = False
) -> int:
    statement = _translatable(survey, forums).where(
        TextAnalysis.translation.is_not(None) if translated else TextAnalysis.translation.is_(None)
    )
    subquery = statement.subquery()
    return db.session.scalar(select(func.count()).select_from(subquery)) or 0


def save_translation(
    survey: Survey, answer_id: int, translation: str, *, forums: set[int] | None = None
) -> TextAnalysis:
    """Keeps an English translation of an answer in another language, for the next
    analysis; the original answer is unchanged. ``forums`` as for
    :func:`translation_queue`."""
    text = (translation or "").strip()
    if not text:
        raise CodingProblem("translation", _("Enter the English translation."))
    if len(text) > TRANSLATION_MAX:
        raise CodingProblem(
            "translation",
            _("The translation must be %(max)s characters or fewer.", max=TRANSLATION_MAX),
        )
    found = db.session.execute(_translatable(survey, forums).where(Answer.id == answer_id)).first()
    if found is None:
        raise CodingProblem(
            "answer_id",
            _("That answer is not one waiting for a translation that you may translate."),
        )
    analysis = db.session.get(TextAnalysis, answer_id)
    analysis.translation = text
    db.session.flush()
    return analysis
