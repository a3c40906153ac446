"""Response import and export: every column, all-or-nothing rejection with row and
column named, formula neutralisation, and round trips through CSV and XLSX."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import delete, func, select, update

from engage.consultations.service import get_survey
from engage.extensions import db
from engage.insights import pipeline
from engage.insights.models import TextAnalysis
from engage.responses import service, transfer
from engage.responses.models import Answer, Channel, Profile, Response, Sentiment
from tests.factories import make_survey

HEADER = (
    "experience,why_poor,why_poor__themes,why_poor__sentiment,why_poor__language,services,"
    "visit_type,respect,recommend,visits,visit_date,summary,area,ethnic_group,language,"
    "age_band,postcode_district,channel,submitted_at,locale,forum"
)
GOOD = (
    HEADER
    + "\n"
    + "poor,Waited three hours,waiting;Staff,negative,en,gp;hospital,in_person,agree,7,3,"
    "27/03/2025,Too slow,BL1 4AA,asian_pakistani,ur,25_34,BL1,paper,2025-03-27T14:30:00,ur,"
    "forum-a\n"
    + "very_good,,,,,pharmacy,phone,strongly_agree,10,0,2025-01-02,,,J,pa,,,,,,\n"
    + "good,,,,,,,,,,,,,Z,,,,event,2025-02-01T09:00:00+01:00,,\n"
    + "neither,,,,,,,,,,,,,99,,,,,,,\n"
)


def write(tmp_path, text: str, name: str = "responses.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def counts() -> tuple[int, int, int]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(m)) for m in (Response, Answer, Profile)
    )


@pytest.fixture
def survey(world, ctx):
    return get_survey(world.survey)


def test_a_good_file_imports_every_kind_of_column(survey, tmp_path):
    result = transfer.import_responses(survey, write(tmp_path, GOOD))
    db.session.commit()
    assert result.count == 4
    responses = db.session.scalars(
        select(Response).where(Response.survey_id == survey.id).order_by(Response.id)
    ).all()
    assert len(responses) == 4
    first, second, third, fourth = responses
    assert first.channel == Channel.paper
    assert first.submitted_at == datetime(2025, 3, 27, 14, 30, tzinfo=UTC)
    assert first.locale == "ur"
    assert first.forum_id is not None
    assert first.submission_key is None and first.entered_by_id is None
    assert len(first.reference) == 10
    assert set(first.reference) <= set(service.REFERENCE_ALPHABET)
    assert len({r.reference for r in responses}) == 4
    assert second.channel == Channel.imported and second.locale == "en"
    assert third.submitted_at == datetime(2025, 2, 1, 8, 0, tzinfo=UTC)

    by_key = {q.id: q.key for q in survey.questions}
    answers = {}
    for a in first.answers:
        answers.setdefault(by_key[a.question_id], []).append(a)
    codes = {o.id: o.code for q in survey.questions for o in q.options}
    assert [codes[a.option_id] for a in answers["services"]] == ["gp", "hospital"]
    assert codes[answers["experience"][0].option_id] == "poor"
    why = answers["why_poor"][0]
    assert why.text == "Waited three hours"
    assert why.coded_themes == "waiting;staff"
    assert why.coded_sentiment == Sentiment.negative
    assert why.text_language == "en"
    assert answers["recommend"][0].number == 7
    assert answers["visits"][0].number == 3
    assert answers["visit_date"][0].date == date(2025, 3, 27)
    assert answers["area"][0].text == "BL1"
    assert first.profile.ethnic_group == "asian_pakistani"
    assert first.profile.language == "ur"
    assert first.profile.postcode_district == "BL1"
    assert second.profile.ethnic_group == "asian_pakistani"  # NHS code J
    assert third.profile.ethnic_group == "not_stated"  # NHS code Z
    assert fourth.profile is None  # NHS 99: not known, so nothing to keep


@pytest.mark.parametrize(
    ("text", "row", "column", "words"),
    [
        (GOOD.replace("gp;hospital", "gp;dentist"), 2, "services", "Select from the options"),
        (GOOD.replace(",forum\n", ",forum,colour\n"), 1, "colour", "no question"),
        (GOOD.replace(",7,3,", ",7,three,"), 2, "visits", "Enter a number"),
        (GOOD.replace("2025-01-02", "2025-02-30"), 3, "visit_date", "real date"),
        (GOOD.replace(",Z,", ",X,"), 4, "ethnic_group", "NHS ethnic category"),
        (GOOD.replace(",event,", ",fax,"), 4, "channel", "Use one of"),
        (GOOD.replace("T09:00:00+01:00", " at nine"), 4, "submitted_at", "date and time"),
        (GOOD.replace(",ur,forum-a", ",xx,forum-a"), 2, "locale", "language of this site"),
        (GOOD.replace("forum-a", "test-icb"), 2, "forum", "no forum"),
        (GOOD.replace("waiting;Staff", "waiting;St aff"), 2, "why_poor__themes", "Theme codes"),
        (GOOD.replace(",negative,", ",angry,"), 2, "why_poor__sentiment", "positive, neutral"),
        (GOOD.replace(",negative,en,", ",negative,English,"), 2, "why_poor__language", "code"),
        (GOOD.replace(",10,0,", ",11,0,"), 3, "recommend", "0 to 10"),
        (GOOD.replace("BL1 4AA", "nowhere"), 2, "area", "postcode"),
    ],
)
def test_a_bad_file_is_rejected_naming_row_and_column_and_nothing_is_written(
    survey, tmp_path, text, row, column, words
):
    before = counts()
    with pytest.raises(transfer.ImportRejected) as caught:
        transfer.import_responses(survey, write(tmp_path, text))
    errors = caught.value.errors
    assert (errors[0].row, errors[0].column) == (row, column), errors
    assert words in str(errors[0].message)
    assert f"Row {row}, column {column}:" in errors[0].text()
    assert counts() == before


def test_a_bad_row_deep_in_a_long_file_rejects_it_before_any_batch_is_written(survey, tmp_path):
    lines = [HEADER] + [
        "good,,,,,gp,phone,agree,5,1,2025-01-01,fine,,A,en,,,,,," for _ in range(3000)
    ]
    lines[2500] = lines[2500].replace(",5,1,", ",5,-4,")  # spreadsheet row 2,501
    before = counts()
    with pytest.raises(transfer.ImportRejected) as caught:
        transfer.import_responses(survey, write(tmp_path, "\n".join(lines)), batch_size=500)
    assert [(e.row, e.column) for e in caught.value.errors] == [(2501, "visits")]
    assert counts() == before


def test_several_problems_are_listed_up_to_a_limit(survey, tmp_path):
    lines = [HEADER] + ["good,,,,,xx,,,,,,,,,,,,,,," for _ in range(50)]
    with pytest.raises(transfer.ImportRejected) as caught:
        transfer.import_responses(survey, write(tmp_path, "\n".join(lines)))
    assert len(caught.value.errors) == transfer.MAX_ERRORS
    assert caught.value.more
    assert [e.row for e in caught.value.errors[:3]] == [2, 3, 4]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (HEADER.encode() + b"\n", "no responses"),
        (b"summary\nCaf\xe9 au lait\n", "not UTF-8"),
        (b"colour,shape\nred,round\n", "no question"),
    ],
)
def test_files_that_cannot_be_imported(survey, tmp_path, content, words):
    before = counts()
    with pytest.raises(transfer.ImportRejected) as caught:
        transfer.import_responses(survey, write(tmp_path, content))
    assert words in caught.value.errors[0].text()
    assert counts() == before


def test_only_some_columns_and_a_byte_order_mark(survey, tmp_path):
    path = write(tmp_path, "\ufeffsummary,experience\r\nOK,good\r\n,\r\n")
    assert transfer.import_responses(survey, path).count == 1


def test_an_xlsx_file_imports_with_numbers_and_dates_as_cells(survey, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["experience", "recommend", "visits", "visit_date", "services", "ethnic_group"])
    sheet.append(["good", 9, 12.0, datetime(2025, 3, 1), "gp;pharmacy", "H"])
    sheet.append(["poor", None, None, None, None, None])
    path = tmp_path / "responses.xlsx"
    workbook.save(path)
    assert transfer.import_responses(survey, path).count == 2
    response = db.session.scalars(
        select(Response).where(Response.survey_id == survey.id).order_by(Response.id)
    ).first()
    assert response.profile.ethnic_group == "asian_indian"
    assert sorted(a.number for a in response.answers if a.number is not None) == [9, 12]
    assert [a.date for a in response.answers if a.date] == [date(2025, 3, 1)]


def test_a_bad_xlsx_is_rejected(survey, tmp_path):
    workbook = Workbook()
    workbook.active.append(["experience", "visits"])
    workbook.active.append(["good", 101])
    path = tmp_path / "responses.xlsx"
    workbook.save(path)
    with pytest.raises(transfer.ImportRejected) as caught:
        transfer.import_responses(survey, path)
    assert (caught.value.errors[0].row, caught.value.errors[0].column) == (2, "visits")
    with pytest.raises(transfer.ImportRejected) as caught:
        transfer.import_responses(survey, write(tmp_path, b"not a zip", "broken.xlsx"))
    assert "Excel workbook" in caught.value.errors[0].text()


def test_progress_is_reported_while_checking_and_importing(survey, tmp_path):
    calls = []
    lines = [HEADER] + ["good,,,,,,,,,,,,,,,,,,,," for _ in range(12)]
    transfer.import_responses(
        survey,
        write(tmp_path, "\n".join(lines)),
        progress=lambda done, total, stage: calls.append((stage, done, total)),
        batch_size=5,
    )
    assert calls[-1] == ("import", 12, 12)
    assert ("import", 5, 12) in calls and ("import", 10, 12) in calls
    assert any(stage == "check" for stage, *_ in calls)


# Export ---------------------------------------------------------------------------------


def export_text(survey) -> str:
    return "".join(transfer.iter_csv(survey))


def test_export_neutralises_formulas_but_not_numbers(survey):
    summary = next(q for q in survey.questions if q.key == "summary")
    visits = next(q for q in survey.questions if q.key == "visits")
    texts = ["=1+1", "+x", "-x", "@x", "\tx", "\rx", "'quoted", "-3", "plain"]
    for text in texts:
        response = Response(survey_id=survey.id, reference=service.new_reference())
        db.session.add(response)
        db.session.flush()
        db.session.add(Answer(response_id=response.id, question_id=summary.id, text=text))
    response = Response(survey_id=survey.id, reference=service.new_reference())
    db.session.add(response)
    db.session.flush()
    db.session.add(Answer(response_id=response.id, question_id=visits.id, number=-3))
    db.session.flush()
    rows = list(csv.DictReader(io.StringIO(export_text(survey))))
    assert [r["summary"] for r in rows[:-1]] == [
        "'=1+1",
        "'+x",
        "'-x",
        "'@x",
        "'\tx",
        "'\rx",
        "''quoted",
        "-3",
        "plain",
    ]
    assert rows[-1]["visits"] == "-3"


def test_export_columns_follow_the_contract(survey):
    header = next(csv.reader(io.StringIO(export_text(survey))))
    assert header[:6] == [
        "experience",
        "why_poor",
        "why_poor__themes",
        "why_poor__sentiment",
        "why_poor__language",
        "services",
    ]
    assert "note" not in header
    assert header[-4:] == ["channel", "submitted_at", "locale", "forum"]
    assert header[-15:-4] == transfer.MONITORING_KEYS


def tricky_file(tmp_path):
    """GOOD plus answers a spreadsheet would run, quotes, commas and line breaks."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["experience", "why_poor", "summary", "visits"])
    writer.writeheader()
    writer.writerow({"experience": "poor", "why_poor": '=HYPERLINK("x")', "visits": "-0"})
    writer.writerow({"experience": "good", "why_poor": "line one\nline two", "summary": "'q"})
    writer.writerow({"summary": '\u202eاردو, and "so"', "visits": "+4"})
    # an apostrophe typed at the start stays (only the export's own is taken off)
    writer.writerow({"experience": "good", "why_poor": "'Tis the season", "summary": "''"})
    return write(tmp_path, buffer.getvalue(), "tricky.csv")


def test_csv_round_trip_is_exact(survey, tmp_path):
    transfer.import_responses(survey, write(tmp_path, GOOD))
    transfer.import_responses(survey, tricky_file(tmp_path))
    first = export_text(survey)
    path = write(tmp_path, first, "export.csv")
    copy = make_survey(slug="copy-survey")
    db.session.flush()
    copy = get_survey("copy-survey")
    transfer.import_responses(copy, path)
    second = export_text(copy)
    assert second == first
    assert "'=HYPERLINK" in first
    # the typed apostrophes came in as they were typed, and survive the round trip
    stored = set(db.session.scalars(select(Answer.text).where(Answer.text.like("'%"))))
    # ("''" reads as an exported "'": one apostrophe before another is the export's)
    assert stored == {"'Tis the season", "'q", "'"}
    # and importing the same export again after deleting the responses gives it again
    db.session.execute(delete(Response).where(Response.survey_id == survey.id))
    transfer.import_responses(survey, path)
    assert export_text(survey) == first


def test_export_gives_the_coding_else_the_pipelines_suggestions_and_round_trips(survey, tmp_path):
    rows = [
        # coded by an analyst (from the file): the coding is exported as it is
        {"why_poor": "Waited three hours", "why_poor__themes": "waiting;staff"},
        # coded as raising no theme: stays empty, though the keywords would suggest one
        {"why_poor": "No interpreter was booked", "why_poor__themes": ";"},
        # not coded: the pipeline's suggestions, sentiment and the language it found
        {"why_poor": "The interpreter never came and the nurse was rude"},
        {"why_poor": "ترجمان نہیں آیا اور مجھے ڈاکٹر کی بات سمجھ نہیں آئی۔"},
    ]
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["experience", *rows[0]])
    writer.writeheader()
    writer.writerows({"experience": "poor", **row} for row in rows)
    transfer.import_responses(survey, write(tmp_path, buffer.getvalue()))
    db.session.execute(
        update(Answer).where(Answer.text == "No interpreter was booked").values(coded_themes="")
    )
    pipeline.analyse_survey(survey)
    exported = list(csv.DictReader(io.StringIO(export_text(survey))))
    coding = [
        (r["why_poor__themes"], r["why_poor__sentiment"], r["why_poor__language"]) for r in exported
    ]
    analysed = dict(
        db.session.execute(
            select(Answer.text, TextAnalysis).join(
                TextAnalysis, TextAnalysis.answer_id == Answer.id
            )
        ).all()
    )
    suggested = analysed[rows[2]["why_poor"]]
    assert suggested.themes and suggested.sentiment is not None
    assert analysed[rows[1]["why_poor"]].themes  # the keywords' suggestion, not exported

    def sentiment(row):  # nobody coded a sentiment: the suggested one, column by column
        return analysed[row["why_poor"]].sentiment.value

    assert coding == [
        ("waiting;staff", sentiment(rows[0]), "en"),
        ("", sentiment(rows[1]), "en"),
        (";".join(c for c, _ in suggested.themes), sentiment(rows[2]), "en"),
        ("", "", "ur"),  # awaiting a translation: no themes, not scored
    ]
    # imported, the export is coding: exporting that survey gives the same file
    first = export_text(survey)
    make_survey(slug="copy-survey")
    db.session.flush()
    transfer.import_responses(get_survey("copy-survey"), write(tmp_path, first, "export.csv"))
    assert export_text(get_survey("copy-survey")) == first


def test_xlsx_round_trip_and_numbers_stay_numbers(survey, tmp_path):
    transfer.import_responses(survey, write(tmp_path, GOOD))
    path = tmp_path / "export.xlsx"
    assert transfer.write_xlsx(survey, path) == 4
    sheet = load_workbook(path).active
    header = [c.value for c in sheet[1]]
    row = {h: c.value for h, c in zip(header, sheet[2], strict=True)}
    assert row["recommend"] == 7 and isinstance(row["recommend"], int)
    assert row["services"] == "gp;hospital"
    assert row["ethnic_group"] == "asian_pakistani"
    assert row["submitted_at"] == "2025-03-27T14:30:00+00:00"
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
    copy = make_survey(slug="copy-survey")
    db.session.flush()
    transfer.import_responses(get_survey(copy.slug), path)
    assert export_text(get_survey(copy.slug)) == export_text(survey)


def test_cli_import_and_export(app, world, runner, tmp_path):
    path = write(tmp_path, GOOD)
    result = runner.invoke(args=["import-responses", world.survey, str(path), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Imported 4 responses" in result.output
    out = tmp_path / "out.csv"
    result = runner.invoke(args=["export-responses", world.survey, "--format", "csv", "-o", out])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert len(rows) == 4 and rows[0]["services"] == "gp;hospital"
    out = tmp_path / "out.xlsx"
    result = runner.invoke(args=["export-responses", world.survey, "--format", "xlsx", "-o", out])
    assert result.exit_code == 0, result.output
    assert load_workbook(out).active.max_row == 5


def test_cli_rejects_a_bad_file_with_a_non_zero_exit_and_writes_nothing(
    app, world, runner, tmp_path
):
    with app.app_context():
        before = counts()
    result = runner.invoke(
        args=["import-responses", world.survey, str(write(tmp_path, GOOD.replace(",Z,", ",X,")))]
    )
    assert result.exit_code == 1
    assert "Row 4, column ethnic_group:" in result.output
    assert "nothing was written" in result.output
    with app.app_context():
        assert counts() == before
    result = runner.invoke(args=["import-responses", "no-such-survey", str(tmp_path / "x.csv")])
    assert result.exit_code != 0


def test_cli_import_shows_progress_bars(app, world, runner, tmp_path):
    lines = [HEADER] + ["good,,,,,gp,,,,,,,,,,,,,,," for _ in range(30)]
    result = runner.invoke(
        args=["import-responses", world.survey, str(write(tmp_path, "\n".join(lines)))]
    )
    assert result.exit_code == 0, result.output
    assert "Checking the file" in result.output
    assert "Importing responses" in result.output
    assert "Imported 30 responses" in result.output


def test_worker_needs_redis(runner):
    result = runner.invoke(args=["worker", "--burst"])
    assert result.exit_code != 0
    assert "ENGAGE_REDIS_URL" in result.output
