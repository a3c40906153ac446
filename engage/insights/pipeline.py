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

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select

from engage.consultations.models import Question, QuestionType, Survey
from engage.extensions import db
from engage.insights import codebook, learning, text
from engage.insights.models import Codebook, TextAnalysis, Theme
from engage.responses.models import Answer
from engage.sqltypes import utcnow

FREE_TEXT = (QuestionType.short_text, QuestionType.long_text)
DEFAULT_NAME = "NHS England patient experience (QDC v7) with Engage's themes"
BATCH = 500
#: a learned theme is suggested from this confidence up; below it, the keywords suggest
CONFIDENT = 0.3

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


def save_codebook(themes: list[codebook.Theme], *, survey: Survey | None = None) -> Codebook:
    """Replaces the themes of the survey's own codebook (made if it has none), or of the
    site's default without a survey."""
    if survey is None:
        row = default_codebook_row()
    else:
        row = db.session.scalar(select(Codebook).where(Codebook.survey_id == survey.id))
        if row is None:
            row = Codebook(name=f"{survey.slug}", survey_id=survey.id)
            db.session.add(row)
    row.themes.clear()
    db.session.flush()
    _fill(row, themes)
    db.session.flush()
    return row


def _fill(row: Codebook, themes: list[codebook.Theme]) -> None:
    for position, theme in enumerate(themes):
        row.themes.append(
            Theme(
                code=theme.code,
                name=theme.name,
                parent=theme.parent,
                description=theme.description,
                keywords=list(theme.keywords),
                position=position,
            )
        )


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
    row = chosen[0] if chosen else default_codebook_row()
    return [
        codebook.Theme(t.code, t.name, t.parent, t.description, tuple(t.keywords))
        for t in row.themes
    ]


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
    languages: dict[str, int] = field(default_factory=dict)


def _answers(survey: Survey) -> list[tuple]:
    return list(
        db.session.execute(
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
            .where(
                Question.survey_id == survey.id,
                Question.type.in_(FREE_TEXT),
                Answer.text.is_not(None),
                Answer.text != "",
            )
            .order_by(Answer.id)
        )
    )


def _model(rows: list[tuple]) -> learning.Model | None:
    coded = [r for r in rows if r.coded_themes is not None]
    labels = [set(filter(None, r.coded_themes.split(";"))) for r in coded]
    if not coded or not learning.enough(labels):
        return None
    sentiments = [r.coded_sentiment.value if r.coded_sentiment else None for r in coded]
    return learning.train(
        [r.translation or r.text for r in coded], labels, sentiments, [r.key for r in coded]
    )


def analyse_survey(survey: Survey, *, progress: Progress | None = None) -> Run:
    """Analyses every free-text answer of the survey (the caller commits)."""
    rows = _answers(survey)
    themes = codebook_for(survey)
    model = _model(rows)
    run = Run(learned_from=model.trained_on if model else 0)
    total = len(rows)
    if progress is not None:
        progress(0, total, stage="analyse")
    written: list[dict] = []
    for start in range(0, total, BATCH):
        batch = rows[start : start + BATCH]
        written.extend(_analyse_batch(batch, themes, model, run))
        if progress is not None:
            progress(min(start + BATCH, total), total, stage="analyse")
    ids = [r.id for r in rows]
    for start in range(0, len(ids), BATCH):
        db.session.execute(
            delete(TextAnalysis).where(TextAnalysis.answer_id.in_(ids[start : start + BATCH]))
        )
    if written:
        db.session.execute(insert(TextAnalysis), written)
    db.session.flush()
    return run


def _analyse_batch(batch, themes, model, run: Run) -> list[dict]:
    found = []
    english = []
    contexts = []
    for row in batch:
        original = text.analyse(row.text)
        language = original.language
        if row.translation:
            # the original's language; its words through the English translation
            translated = text.analyse(row.translation)
            result = (language, translated.sentiment, translated.noun_phrases, row.translation)
        else:
            result = (language, original.sentiment, original.noun_phrases, None)
        found.append((row, original, result))
        if language == "en" or row.translation:
            english.append(row.translation or original.redacted.text)
            contexts.append(row.key)
    # the question each answer is to, as the model learned it
    suggestions = iter(model.suggest(english, contexts) if model is not None and english else [])
    written = []
    for row, original, (language, sentiment, phrases, translation) in found:
        run.analysed += 1
        run.languages[language or "unknown"] = run.languages.get(language or "unknown", 0) + 1
        readable = language == "en" or translation is not None
        suggested: list = []
        by = None
        if readable:
            suggestion = next(suggestions) if model is not None else None
            confident = [
                list(t) for t in (suggestion.themes if suggestion else []) if t[1] >= CONFIDENT
            ]
            if confident:
                suggested, by = confident, "model"
                run.by_model += 1
            else:
                matched = codebook.match_keywords(translation or original.redacted.text, themes)
                if matched:
                    suggested, by = [[code, round(score, 3)] for code, score in matched], "keywords"
                    run.by_keywords += 1
        else:
            run.awaiting_translation += 1
        written.append(
            {
                "answer_id": row.id,
                "language": language,
                "polarity": sentiment.polarity,
                "sentiment": sentiment.label.value if sentiment.label else None,
                "noun_phrases": phrases,
                "themes": suggested,
                "suggested_by": by,
                "redacted": original.redacted.text,
                "translation": translation,
                "analysed_at": utcnow(),
            }
        )
    return written


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
