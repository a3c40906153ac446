"""The text pipeline over a survey: language routing, sentiment on English only, the
translation queue, keyword themes, learning from coded answers, redaction, all or nothing,
the commands, and the job inline and on RQ."""

from __future__ import annotations

import csv
import threading

import pytest
from sqlalchemy import select

from engage import jobs
from engage.accounts.models import Organisation
from engage.consultations.models import ConsultationStatus, Question
from engage.consultations.service import get_survey
from engage.extensions import db
from engage.insights import codebook, pipeline, text
from engage.insights.coding_views import JOB_KIND
from engage.insights.models import TextAnalysis
from engage.responses import transfer
from engage.responses.models import Answer
from tests.factories import make_consultation, make_survey
from tests.responses.test_jobs import (  # noqa: F401 - fixtures
    REDIS_URL,
    redis_queue,
    run_worker,
)

URDU = "ترجمان نہیں آیا اور مجھے ڈاکٹر کی بات سمجھ نہیں آئی۔"
ANSWERS = [
    "The interpreter never turned up so I could not understand the doctor.",
    "Reception staff were rude and unhelpful on the phone.",
    "Lovely nurse, very kind and caring, thank you.",
    "Call me on 07700 900123 or write to fatima@example.org about it.",
    URDU,
]


def write_csv(path, rows: list[dict[str, str]]):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def survey(world, ctx, tmp_path):
    made = make_survey(make_consultation(status=ConsultationStatus.open), slug="text-survey")
    db.session.commit()
    rows = [{"experience": "good", "summary": text} for text in ANSWERS]
    transfer.import_responses(made, write_csv(tmp_path / "t.csv", rows))
    db.session.commit()
    return get_survey("text-survey")


def analyses(survey) -> dict[str, TextAnalysis]:
    rows = db.session.execute(
        select(Answer.text, TextAnalysis)
        .join(TextAnalysis, TextAnalysis.answer_id == Answer.id)
        .join(Question, Question.id == Answer.question_id)
        .where(Question.survey_id == survey.id)
        .order_by(Answer.id)
    ).all()
    return {text: analysis for text, analysis in rows}


def test_english_is_scored_and_other_languages_wait_for_a_translation(survey):
    run = pipeline.analyse_survey(survey)
    db.session.commit()
    assert run.analysed == 5 and run.awaiting_translation == 1
    found = analyses(survey)
    kind = found[ANSWERS[2]]
    assert (kind.language, kind.sentiment.value) == ("en", "positive") and kind.polarity > 0
    assert found[ANSWERS[1]].sentiment.value == "negative"
    assert "reception staff" in found[ANSWERS[1]].noun_phrases
    urdu = found[URDU]
    assert urdu.language == "ur"
    assert urdu.sentiment is None and urdu.polarity is None  # not scored
    assert urdu.themes == [] and urdu.noun_phrases == []


def test_a_translation_is_analysed_and_the_original_kept(survey):
    pipeline.analyse_survey(survey)
    analysis = analyses(survey)[URDU]
    analysis.translation = "The interpreter did not come and I did not understand the doctor."
    db.session.commit()
    run = pipeline.analyse_survey(survey)
    db.session.commit()
    assert run.awaiting_translation == 0
    again = analyses(survey)[URDU]
    assert again.language == "ur"  # the original's
    assert again.translation.startswith("The interpreter")  # kept across runs
    assert again.redacted == URDU
    assert "interpreters_language_support" in [code for code, _ in again.themes]


def test_keywords_suggest_themes_and_quotes_are_redacted(survey):
    pipeline.analyse_survey(survey)
    found = analyses(survey)
    codes = [code for code, _score in found[ANSWERS[0]].themes]
    assert codes[0] == "interpreters_language_support"
    assert found[ANSWERS[0]].suggested_by == "keywords"
    quoted = found[ANSWERS[3]].redacted
    assert "07700" not in quoted and "fatima@" not in quoted
    assert "[phone]" in quoted and "[email]" in quoted
    # the answer itself is kept as it was given
    assert db.session.scalar(select(Answer.text).where(Answer.text.like("Call me%")))


def test_a_failed_run_keeps_the_previous_analyses(survey):
    pipeline.analyse_survey(survey)
    db.session.commit()
    before = {t: a.themes for t, a in analyses(survey).items()}

    def fail(done, total, **_kw):
        if done:
            raise RuntimeError("the worker died")

    with pytest.raises(RuntimeError):
        pipeline.analyse_survey(survey, progress=fail)
    db.session.rollback()
    assert {t: a.themes for t, a in analyses(survey).items()} == before


def _comparable(survey) -> dict[str, tuple]:
    return {
        text: (a.language, a.polarity, a.sentiment, a.noun_phrases, a.themes, a.redacted)
        for text, a in analyses(survey).items()
    }


@pytest.mark.parametrize("start", ["fork", "spawn"])
def test_two_processes_analyse_exactly_as_one_does(survey, monkeypatch, start):
    pipeline.analyse_survey(survey, workers=1)
    db.session.commit()
    alone = _comparable(survey)
    # batches of two answers, so that both processes get some
    monkeypatch.setattr(pipeline, "BATCH", 2)
    # whatever threads earlier tests left (an RQ worker's listener lingers a minute)
    monkeypatch.setattr(pipeline, "_forkable", lambda: start == "fork")
    assert pipeline._workers(len(ANSWERS), 2) == (2, start)
    seen: list[int] = []
    run = pipeline.analyse_survey(
        survey, workers=2, progress=lambda done, total, **_: seen.append(done)
    )
    db.session.commit()
    assert run.analysed == 5 and run.awaiting_translation == 1
    assert seen == [0, 2, 4, 5]
    assert _comparable(survey) == alone


def test_a_process_with_another_thread_spawns_rather_than_forks(ctx):
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not pipeline._forkable()
        assert pipeline._workers(pipeline.PARALLEL_FROM, None)[1] == "spawn"
    finally:
        stop.set()
        other.join()


COMPLAINTS = [
    "Waited {} weeks for an appointment",
    "No appointments for {} days again",
    "Could not book an appointment for {} weeks",
    "The appointment system made me wait {} days",
    "Appointment delayed by {} weeks",
]
PRAISE = [
    "The nurse was {} kind to my mother",
    "Doctor listened and was {} caring",
    "Staff were {} friendly and respectful",
    "Such {} kind and gentle staff",
    "Caring and {} compassionate nurses",
]


def _coded_rows() -> list[dict[str, str]]:
    """Sixty answers coded waiting (negative) or kindness (positive)."""
    rows = []
    for i in range(30):
        rows.append(
            {
                "summary": COMPLAINTS[i % 5].format(i + 2),
                "summary__themes": "waiting",
                "summary__sentiment": "negative",
            }
        )
        rows.append(
            {
                "summary": PRAISE[i % 5].format(["very", "so", "really"][i % 3]),
                "summary__themes": "kindness",
                "summary__sentiment": "positive",
            }
        )
    return rows


UNCODED = "Waited weeks and weeks for an appointment"


def _import(survey, rows, path):
    transfer.import_responses(survey, write_csv(path, rows))
    db.session.commit()


def test_enough_coded_answers_train_a_model_that_suggests(world, ctx, tmp_path):
    made = make_survey(make_consultation(status=ConsultationStatus.open), slug="coded-survey")
    db.session.commit()
    rows = [*_coded_rows(), {"summary": UNCODED, "summary__themes": "", "summary__sentiment": ""}]
    _import(made, rows, tmp_path / "coded.csv")
    run = pipeline.analyse_survey(get_survey("coded-survey"))
    assert run.learned_from == 60 and run.learned_scope == "survey"  # the last is not coded
    uncoded = analyses(made)[UNCODED]
    assert uncoded.suggested_by == "model"
    assert uncoded.themes[0][0] == "waiting"
    # the lexicon finds no opinion in it; the model learned the analysts' "negative"
    assert text.sentiment(UNCODED).label.value == "neutral"
    assert uncoded.sentiment.value == "negative" and uncoded.sentiment_by == "model"
    assert pipeline.SENTIMENT_CONFIDENT <= uncoded.sentiment_confidence <= 1
    coded = analyses(made)[rows[0]["summary"]]
    assert coded.sentiment_by in ("model", "lexicon")


def test_a_new_survey_learns_from_its_organisations_coded_answers(world, ctx, tmp_path):
    coded = make_survey(make_consultation(status=ConsultationStatus.open), slug="coded-before")
    fresh = make_survey(make_consultation(status=ConsultationStatus.open), slug="fresh-survey")
    elsewhere = make_survey(
        make_consultation("forum-a", status=ConsultationStatus.open), slug="other-org-survey"
    )
    # the organisation's codebook has the two themes; the earlier survey also used a code
    # of its own, which means nothing to the fresh survey
    icb = db.session.scalar(select(Organisation).where(Organisation.slug == "test-icb"))
    pipeline.save_codebook(
        [
            codebook.Theme("waiting", "Waiting", None, ""),
            codebook.Theme("kindness", "Kind", None, ""),
        ],
        organisation=icb,
    )
    db.session.commit()
    rows = _coded_rows()
    for row in rows[:10]:
        row["summary__themes"] += ";its_own_code"
    rows.append({"summary": "Only its own code", "summary__themes": "its_own_code"})
    _import(coded, rows, tmp_path / "coded.csv")
    borrowed, scope = pipeline.coded_examples(get_survey("fresh-survey"))
    assert scope == "organisation" and len(borrowed) == 60
    assert {c for r in borrowed for c in r.coded_themes.split(";")} == {"waiting", "kindness"}
    for made in (fresh, elsewhere):
        _import(
            made, [{"summary": UNCODED}, {"summary": PRAISE[0].format("so")}], tmp_path / "new.csv"
        )
    run = pipeline.analyse_survey(get_survey("fresh-survey"))
    assert run.learned_from == 60 and run.learned_scope == "organisation"
    found = analyses(fresh)[UNCODED]
    assert found.suggested_by == "model" and found.themes[0][0] == "waiting"
    assert found.sentiment.value == "negative" and found.sentiment_by == "model"
    # another organisation's survey does not learn from this one's coding
    run = pipeline.analyse_survey(get_survey("other-org-survey"))
    assert run.learned_from == 0 and run.learned_scope is None
    assert analyses(elsewhere)[UNCODED].sentiment_by == "lexicon"


def test_engage_analyse_and_import_codebook(survey, runner, tmp_path):
    result = runner.invoke(args=["analyse", "text-survey", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Analysed 5 answers" in result.output and "1 await" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("code,name,parent,description,keywords\nqueue,,,Waiting,wait\n")
    result = runner.invoke(args=["import-codebook", str(bad), "--survey", "text-survey"])
    assert result.exit_code != 0 and "Row 2" in result.output
    good = tmp_path / "good.csv"
    good.write_text(
        "code,name,parent,description,keywords\n"
        "reception,Reception,,Front desk,rude;reception staff\n"
    )
    result = runner.invoke(args=["import-codebook", str(good), "--survey", "text-survey"])
    assert result.exit_code == 0, result.output
    runner.invoke(args=["analyse", "text-survey", "--quiet"])
    assert [c for c, _ in analyses(survey)[ANSWERS[1]].themes] == ["reception"]
    assert analyses(survey)[ANSWERS[0]].themes == []  # no interpreter theme in this codebook


def test_engage_analyse_waits_for_a_run_started_from_the_site(app, survey, runner):
    job_id = "d" * 32
    key = f"{JOB_KIND}:text-survey"
    assert jobs._claim(app, key, job_id) is None
    jobs._write(app, job_id, {"state": "running", "done": 0, "total": 5, **jobs._process()})
    result = runner.invoke(args=["analyse", "text-survey", "--quiet"])
    assert result.exit_code != 0 and "being analysed already" in result.output
    assert analyses(survey) == {}
    jobs._write(app, job_id, {"state": "done", "done": 5, "total": 5, **jobs._process()})
    result = runner.invoke(args=["analyse", "text-survey", "--quiet"])
    assert result.exit_code == 0 and len(analyses(survey)) == 5


def test_import_codebook_without_a_survey_replaces_the_sites_default(survey, runner, tmp_path):
    default = tmp_path / "default.csv"
    default.write_text(
        "code,name,parent,description,keywords\n"
        "staff,Staff,,People who work here,rude;nurse\n"
        "language,Language,,Understanding and being understood,interpreter\n"
    )
    result = runner.invoke(args=["import-codebook", str(default)])
    assert result.exit_code == 0, result.output
    assert "Imported 2 themes as the site's default codebook" in result.output
    assert [t.code for t in pipeline.codebook_for(survey)] == ["staff", "language"]
    runner.invoke(args=["analyse", "text-survey", "--quiet"])
    found = analyses(survey)
    assert [c for c, _ in found[ANSWERS[0]].themes] == ["language"]
    assert [c for c, _ in found[ANSWERS[2]].themes] == ["staff"]
    # a survey's own codebook still comes first
    own = tmp_path / "own.csv"
    own.write_text("code,name,parent,description,keywords\nkind,Kind,,Kindness,kind\n")
    runner.invoke(args=["import-codebook", str(own), "--survey", "text-survey"])
    assert [t.code for t in pipeline.codebook_for(survey)] == ["kind"]


def test_the_job_runs_inline_and_on_rq(committed_app, redis_queue, tmp_path):  # noqa: F811
    for config in ({"JOBS_INLINE": True}, {"REDIS_URL": REDIS_URL, "JOBS_QUEUE": redis_queue}):
        app = committed_app(**config)
        with app.app_context():
            made = get_survey("test-survey")
            rows = [{"summary": text} for text in ANSWERS]
            transfer.import_responses(made, write_csv(tmp_path / "j.csv", rows))
            db.session.commit()
            job_id = jobs.enqueue("engage.insights.pipeline.analyse_job", "test-survey")
            db.session.remove()
            if "REDIS_URL" in config:
                run_worker(app)
            state = jobs.status(job_id)
            assert state["state"] == "done", state
            assert state["result"] == {"analysed": 5, "awaiting_translation": 1}
            assert db.session.scalar(select(db.func.count()).select_from(TextAnalysis)) == 5
