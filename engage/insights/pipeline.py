"""The text pipeline over a survey's free-text answers: language, sentiment (English),
noun phrases, redaction, and suggested themes, written to ``answer_analyses``.

Themes are suggested by a model trained on the analysts' coded answers of the survey
when there are enough of them (engage.insights.learning), else by the codebook's
keywords. Text in another language is analysed through its English translation once a
host or analyst has added one; until then it waits in the translation queue, with its
language and its redacted text. Analysts' own coding is never changed here.

A run replaces the survey's analyses in the caller's transaction: a run that fails
leaves the previous analyses as they were, never half of a new one."""

from __future__ import annotations

import gc
import multiprocessing as mp
import threading
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import delete, select

from engage import bulk
from engage.accounts.models import Organisation
from engage.consultations.models import Consultation, Question, QuestionType, Survey
from engage.extensions import db
from engage.insights import codebook, learning, text
from engage.insights.models import Codebook, TextAnalysis, Theme
from engage.responses.models import Answer
from engage.sqltypes import utcnow

FREE_TEXT = (QuestionType.short_text, QuestionType.long_text)
DEFAULT_NAME = "NHS England patient experience (QDC v7) with Engage's themes"
#: answers analysed together: one task for a worker process, one progress step
BATCH = 2000
#: from this many answers the text is analysed by `TEXT_WORKERS` processes: forked ones
#: start at once and pay from a few thousand answers; spawned ones load the language
#: model each (about 3 s) first
PARALLEL_FROM = 3000
PARALLEL_FROM_SPAWNED = 15000
#: a learned theme is suggested from this confidence up; below it, the keywords suggest
CONFIDENT = 0.3
#: a learned sentiment is suggested from this confidence up (of three classes); below
#: it, the lexicon's
SENTIMENT_CONFIDENT = 0.5
#: what a run is as a background job (engage.jobs)
JOB_KIND = "analyse-text"

Progress = Callable[..., None]


# Codebooks ------------------------------------------------------------------------------


def default_codebook_row() -> Codebook:
    """The site's default codebook, made from the shipped one the first time it is needed."""
    found = db.session.scalar(
        select(Codebook).where(Codebook.organisation_id.is_(None), Codebook.survey_id.is_(None))
    )
    if found is None:
        found = Codebook(name=DEFAULT_NAME)
        db.session.add(found)
        _fill(found, codebook.default_codebook())
        db.session.flush()
    return found


def save_codebook(
    themes: list[codebook.Theme],
    *,
    survey: Survey | None = None,
    organisation: Organisation | None = None,
) -> Codebook:
    """Replaces the themes of the survey's own codebook, or of the organisation's (either
    made if there is none), or of the site's default with neither."""
    if survey is not None:
        row = db.session.scalar(select(Codebook).where(Codebook.survey_id == survey.id))
        if row is None:
            row = Codebook(name=f"{survey.slug}", survey_id=survey.id)
            db.session.add(row)
    elif organisation is not None:
        row = db.session.scalar(
            select(Codebook).where(
                Codebook.organisation_id == organisation.id, Codebook.survey_id.is_(None)
            )
        )
        if row is None:
            row = Codebook(name=organisation.name[:200], organisation_id=organisation.id)
            db.session.add(row)
    else:
        row = default_codebook_row()
    row.themes.clear()
    db.session.flush()
    _fill(row, themes)
    db.session.flush()
    return row


def theme_row(theme: codebook.Theme, position: int) -> Theme:
    """The stored row of a codebook's theme, at its place in the codebook."""
    return Theme(
        code=theme.code,
        name=theme.name,
        parent=theme.parent,
        description=theme.description,
        keywords=list(theme.keywords),
        position=position,
    )


def codebook_themes(row: Codebook) -> list[codebook.Theme]:
    """A stored codebook's themes, in its order."""
    return [
        codebook.Theme(t.code, t.name, t.parent, t.description, tuple(t.keywords))
        for t in row.themes
    ]


def _fill(row: Codebook, themes: list[codebook.Theme]) -> None:
    for position, theme in enumerate(themes):
        row.themes.append(theme_row(theme, position))


def codebook_for(survey: Survey) -> list[codebook.Theme]:
    """The survey's own codebook, else its organisation's, else the site's default."""
    organisation_id = survey.consultation.organisation_id
    candidates = db.session.scalars(
        select(Codebook).where(
            (Codebook.survey_id == survey.id)
            | ((Codebook.organisation_id == organisation_id) & Codebook.survey_id.is_(None))
        )
    ).all()
    chosen = sorted(candidates, key=lambda c: c.survey_id is None)
    return codebook_themes(chosen[0] if chosen else default_codebook_row())


# The run --------------------------------------------------------------------------------


@dataclass
class Run:
    analysed: int = 0
    #: answers in another language with no English translation yet
    awaiting_translation: int = 0
    by_model: int = 0
    by_keywords: int = 0
    #: how many coded answers the model learned from (0: keywords only)
    learned_from: int = 0
    #: "survey" (its own coded answers) or "organisation" (those of all its surveys)
    learned_scope: str | None = None
    languages: dict[str, int] = field(default_factory=dict)


def _free_text_answers(survey: Survey):
    """The ids of the survey's answers to free-text questions, as a subquery."""
    return (
        select(Answer.id)
        .join(Question, Question.id == Answer.question_id)
        .where(Question.survey_id == survey.id, Question.type.in_(FREE_TEXT))
    )


#: a coded answer as `coded_examples` gives it (the columns of `_free_text`)
_Example = namedtuple("_Example", "id text coded_themes coded_sentiment key translation")


def _free_text(*where):
    """The free-text answers with text that ``where`` chooses: each one's id, text,
    analysts' codes, question key and translation, in the order they came."""
    return (
        select(
            Answer.id,
            Answer.text,
            Answer.coded_themes,
            Answer.coded_sentiment,
            Question.key,
            TextAnalysis.translation,
        )
        .join(Question, Question.id == Answer.question_id)
        .outerjoin(TextAnalysis, TextAnalysis.answer_id == Answer.id)
        .where(Question.type.in_(FREE_TEXT), Answer.text.is_not(None), Answer.text != "", *where)
        .order_by(Answer.id)
    )


def _answers(survey: Survey) -> list[tuple]:
    return list(db.session.execute(_free_text(Question.survey_id == survey.id)))


def _codes(coded_themes: str) -> list[str]:
    """An analyst's theme codes, as stored (";"-joined; "" is coded with no theme)."""
    return [code for code in coded_themes.split(";") if code]


def _labels(rows: Sequence[Any]) -> list[set[str]]:
    return [set(_codes(r.coded_themes)) for r in rows]


def coded_examples(survey: Survey, rows: Sequence[Any] | None = None) -> tuple[list, str]:
    """The coded answers a model of the survey learns from, and whose they are: the
    survey's own ("survey") when they are enough (`learning.enough`), else together with
    those of every other survey of its organisation ("organisation"), so that a new
    survey of an organisation whose analysts have coded before gets learned suggestions
    at once. Each row has ``text``, ``coded_themes``, ``coded_sentiment``, ``key`` (the
    question) and ``translation``. ``rows``: the survey's answers, if already read."""
    own = [r for r in (_answers(survey) if rows is None else rows) if r.coded_themes is not None]
    if learning.enough(_labels(own)):
        return own, "survey"
    others = db.session.execute(
        _free_text(
            Answer.coded_themes.is_not(None),
            Question.survey_id.in_(
                select(Survey.id)
                .join(Consultation, Consultation.id == Survey.consultation_id)
                .where(
                    Consultation.organisation_id == survey.consultation.organisation_id,
                    Survey.id != survey.id,
                )
            ),
        )
    ).all()
    # only the themes of this survey's codebook: another survey's own codes mean nothing here
    codes = {t.code for t in codebook_for(survey)}
    borrowed = []
    for row in others:
        kept = [code for code in _codes(row.coded_themes) if code in codes]
        if kept:
            borrowed.append(_Example(*row)._replace(coded_themes=";".join(kept)))
    return [*own, *borrowed], "organisation"


def _model(survey: Survey, rows: list[tuple]) -> tuple[learning.Model | None, str | None]:
    coded, scope = coded_examples(survey, rows)
    labels = _labels(coded)
    if not coded or not learning.enough(labels):
        return None, None
    sentiments = [r.coded_sentiment.value if r.coded_sentiment else None for r in coded]
    model = learning.train(
        [r.translation or r.text for r in coded], labels, sentiments, [r.key for r in coded]
    )
    return model, scope


def analyse_survey(
    survey: Survey, *, progress: Progress | None = None, workers: int | None = None
) -> Run:
    """Analyses every free-text answer of the survey (the caller commits).

    The text work is spread over ``workers`` processes (default: the ``TEXT_WORKERS``
    setting, from `PARALLEL_FROM` answers up); this process reads, suggests themes and
    writes, in order, while they work on the next batches."""
    rows = _answers(survey)
    themes = codebook_for(survey)
    model, scope = _model(survey, rows)
    run = Run(learned_from=model.trained_on if model else 0, learned_scope=scope)
    total = len(rows)
    if progress is not None:
        progress(0, total, stage="analyse")
    batches = [rows[start : start + BATCH] for start in range(0, total, BATCH)]
    # the old analyses go first, in this transaction: a failed run brings them back
    db.session.execute(
        delete(TextAnalysis).where(TextAnalysis.answer_id.in_(_free_text_answers(survey)))
    )
    done = 0
    # each batch is written while the worker processes analyse the next ones
    for batch, analysed in zip(batches, _analysed(batches, themes, workers), strict=True):
        bulk.insert_rows(
            db.session.connection(), TextAnalysis.__table__, _suggest(batch, analysed, model, run)
        )
        done += len(batch)
        if progress is not None:
            progress(done, total, stage="analyse")
    db.session.flush()
    return run


def _workers(total: int, workers: int | None) -> tuple[int, str]:
    """How many processes analyse the text, and how they start.

    Forked processes share the language model and word lists this one has loaded, and
    start at once; they are only safe where this process runs no other thread (the
    command line, an RQ work horse). Elsewhere (a job on a web worker's thread) they
    are spawned, and each loads the model itself (about 3 s), which pays only on
    larger surveys."""
    forkable = _forkable()
    method = "fork" if forkable else "spawn"
    if workers is None:
        configured = int(current_app.config.get("TEXT_WORKERS") or 1)
        enough = total >= (PARALLEL_FROM if forkable else PARALLEL_FROM_SPAWNED)
        workers = configured if enough else 1
    return max(1, min(workers, len(range(0, total, BATCH)) or 1)), method


def _forkable() -> bool:
    """This process may fork: it runs no other thread (whose locks a child would inherit
    held), and the platform forks."""
    return threading.active_count() == 1 and "fork" in mp.get_all_start_methods()


def _analysed(batches: list[list], themes, workers: int | None) -> Iterator[list[Analysed]]:
    """The text analysis of each batch, in order: here, or in a pool of processes."""
    pairs = [[(r.text, r.translation or None) for r in batch] for batch in batches]
    count, method = _workers(sum(map(len, batches)), workers)
    if count == 1:
        yield from (analyse_texts(p, themes) for p in pairs)
        return
    if method == "fork":
        text.warm_up()
    with ProcessPoolExecutor(count, mp_context=mp.get_context(method)) as pool:
        if method == "fork":
            # what the workers inherit is left out of their garbage collections: a
            # collection touches every object it looks at, and a page touched is copied
            gc.freeze()
        try:
            results = pool.map(analyse_texts, pairs, [themes] * len(pairs))  # workers start
        finally:
            gc.unfreeze()
        yield from results


#: one answer's text analysis (`text.Analysed`) and its keyword themes, if it is readable
Analysed = tuple[text.Analysed, list[tuple[str, float]]]


def analyse_texts(
    pairs: list[tuple[str, str | None]], themes: list[codebook.Theme]
) -> list[Analysed]:
    """What a worker process does with a batch of (original, translation or None): the
    text analysis, and the codebook's keyword themes of the text read in English (the
    translation, else the redacted original when it is English)."""
    matcher = codebook.KeywordMatcher(themes)
    found = []
    for (_original, translation), analysed in zip(pairs, text.analyse_pairs(pairs), strict=True):
        language, redacted = analysed[0], analysed[4]
        readable = translation or (redacted if language == "en" else None)
        found.append((analysed, matcher.match(readable) if readable else []))
    return found


def _suggest(batch, analysed: list[Analysed], model, run: Run) -> list[dict]:
    """The rows written for a batch: its analysis, and themes suggested by the model
    where it is confident, else by the codebook's keywords; the sentiment likewise
    suggested by the model where it is confident, else the lexicon's."""
    readable = [
        found[0] == "en" or bool(row.translation)
        for row, (found, _) in zip(batch, analysed, strict=True)
    ]
    english = [
        row.translation or found[4]
        for row, (found, _), ok in zip(batch, analysed, readable, strict=True)
        if ok
    ]
    # the question each answer is to, as the model learned it
    contexts = [row.key for row, ok in zip(batch, readable, strict=True) if ok]
    suggestions = iter(model.suggest(english, contexts) if model is not None and english else [])
    written = []
    now = utcnow()
    for row, (found, keywords), ok in zip(batch, analysed, readable, strict=True):
        language, polarity, label, phrases, redacted = found
        run.analysed += 1
        run.languages[language or "unknown"] = run.languages.get(language or "unknown", 0) + 1
        suggested: list = []
        by = None
        sentiment = {
            "sentiment": label,
            "sentiment_by": "lexicon" if label else None,
            "sentiment_confidence": None,
        }
        if ok:
            suggestion = next(suggestions) if model is not None else None
            if (
                suggestion
                and suggestion.sentiment
                and (suggestion.sentiment_confidence >= SENTIMENT_CONFIDENT)
            ):
                sentiment = {
                    "sentiment": suggestion.sentiment,
                    "sentiment_by": "model",
                    "sentiment_confidence": suggestion.sentiment_confidence,
                }
            confident = [
                list(t) for t in (suggestion.themes if suggestion else []) if t[1] >= CONFIDENT
            ]
            if confident:
                suggested, by = confident, "model"
                run.by_model += 1
            elif keywords:
                suggested, by = [[code, round(score, 3)] for code, score in keywords], "keywords"
                run.by_keywords += 1
        else:
            run.awaiting_translation += 1
        written.append(
            {
                "answer_id": row.id,
                "language": language,
                "polarity": polarity,
                **sentiment,
                "noun_phrases": phrases,
                "themes": suggested,
                "suggested_by": by,
                "redacted": redacted,
                "translation": row.translation or None,
                "analysed_at": now,
            }
        )
    return written


def run_key(survey_slug: str) -> str:
    """The job key that lets one run analyse a survey at a time: the site's button and
    `engage analyse` take it, and a translation waits while it is held."""
    return f"{JOB_KIND}:{survey_slug}"


def analyse_job(survey_slug: str) -> dict:
    """The run as a background job (engage.jobs): all of it in one transaction."""
    from engage import jobs
    from engage.consultations.service import get_survey

    survey = get_survey(survey_slug)
    if survey is None:
        return {"error": "no such survey"}
    try:
        run = analyse_survey(survey, progress=jobs.report)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return {"analysed": run.analysed, "awaiting_translation": run.awaiting_translation}
