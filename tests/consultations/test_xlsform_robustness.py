"""XLSForm import: forms that used to lose part of themselves, crash the page, or open
more than was asked. Each case goes through the command or the upload page."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook

from engage.consultations import service, xlsform
from engage.consultations.models import ConsultationStatus, SurveyStatus
from engage.extensions import db
from tests.conftest import login
from tests.consultations.test_xlsform import (
    counts,
    import_survey,
    make_xlsx,
    survey_from_output,
    upload,
)

DRAFT = ("--consultation", "draft-consultation")


def workbook(sheets: dict[str, list[list]]) -> bytes:
    """An .xlsx of the given sheets (the first row of each is its header)."""
    book = Workbook()
    for index, (title, rows) in enumerate(sheets.items()):
        sheet = book.active if index == 0 else book.create_sheet(title)
        sheet.title = title
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def with_long_cell(data: bytes, marker: str, text: str) -> bytes:
    """The workbook with ``marker`` replaced by ``text`` in its XML (openpyxl cuts what it
    writes to 32,767 characters; other programs may not)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info).replace(marker.encode(), text.encode()))
    return out.getvalue()


def refused(runner, tmp_path, app, data: bytes, *args: str, name: str = "form.xlsx") -> str:
    """Import through the command; assert it was refused with nothing made; its output."""
    with app.app_context():
        before = counts()
    result = import_survey(runner, tmp_path, data, *(args or DRAFT), name=name)
    assert result.exit_code == 1, result.output
    assert "nothing was created" in result.output
    with app.app_context():
        assert counts() == before
    return result.output


def imported(runner, tmp_path, app, data: bytes, *args: str, name: str = "form.xlsx"):
    result = import_survey(runner, tmp_path, data, *(args or DRAFT), name=name)
    assert result.exit_code == 0, result.output
    return result


# Nothing is left out ---------------------------------------------------------------


def test_rows_after_a_long_run_of_empty_rows_are_imported(app, runner, world, tmp_path):
    data = workbook(
        {
            "survey": [
                ["type", "name", "label"],
                ["text", "a", "A?"],
                *[[]] * 61,
                ["text", "b", "B?"],
            ]
        }
    )
    result = imported(runner, tmp_path, app, data)
    with app.app_context():
        survey = survey_from_output(result)
        assert [q.key for q in survey.questions] == ["a", "b"]


def test_columns_after_a_long_run_of_empty_headings_are_imported(app, runner, world, tmp_path):
    header = ["type", "name", "label", *[None] * 22, "required", "relevant"]
    data = workbook(
        {
            "survey": [
                header,
                ["text", "a", "A?"],
                ["text", "b", "B?", *[None] * 22, "yes", "${a} != ''"],
            ]
        }
    )
    result = imported(runner, tmp_path, app, data)
    with app.app_context():
        b = survey_from_output(result).questions[1]
        assert b.required
        assert b.show_if == {"q": "a", "op": "answered"}


def test_a_cell_under_no_heading_is_refused(app, runner, world, tmp_path):
    data = workbook({"survey": [["type", "name", "label"], ["text", "a", "A?", None, "yes"]]})
    output = refused(runner, tmp_path, app, data)
    assert "survey sheet, row 2, column E: This cell is in a column without a heading" in output


def test_a_heading_that_differs_only_in_case_is_refused(app, runner, world, tmp_path):
    data = workbook({"survey": [["type", "name", "label", "Label"], ["text", "a", "A?", "B?"]]})
    output = refused(runner, tmp_path, app, data)
    assert (
        "survey sheet, row 1, column Label: This column gives the same thing as column label"
        in (output)
    )


def test_a_second_settings_row_is_refused(app, runner, world, tmp_path):
    data = make_xlsx(settings=[["Clinic survey", "", "clinic"], ["Other title"]])
    output = refused(runner, tmp_path, app, data)
    assert "settings sheet, row 3: The settings sheet takes one row" in output


def test_an_unclosed_quote_in_a_csv_is_refused_at_its_row(app, runner, world, tmp_path):
    data = b'survey\n,type,name,label\n,text,a,"A?\n,integer,b,B?\n,text,c,C?\n'
    output = refused(runner, tmp_path, app, data, name="form.csv")
    assert "survey sheet, row 3: A quote opened in this row (line 3 of the file) is never" in (
        output
    )


def test_a_quote_that_swallows_rows_of_a_csv_is_refused(app, runner, world, tmp_path):
    data = b'survey\n,type,name,label\n,text,a,"A?\n,integer,b,B?\n,text,c,C?"\n'
    output = refused(runner, tmp_path, app, data, name="form.csv")
    assert "survey sheet, row 3, column label: This cell runs over several lines" in output


# Limits --------------------------------------------------------------------------------


def test_a_condition_nested_too_deeply_is_refused_not_a_crash(app, client, world):
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(client, world.emails["analyst"])
    with app.app_context():
        before = counts()
    deep = "(" * 330 + "${a} = 'x'" + ")" * 330
    nots = "not(" * 330 + "${a} = 'x'" + ")" * 330
    data = workbook(
        {
            "survey": [
                ["type", "name", "label", "relevant"],
                ["text", "a", "A?"],
                ["text", "b", "B?", deep],
                ["text", "c", "C?", nots],
            ]
        }
    )
    response = upload(client, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for row in (3, 4):
        assert f"survey sheet, row {row}, column relevant: The condition is nested too deeply" in (
            html
        )
    with app.app_context():
        assert counts() == before


def test_nesting_within_the_limit_is_understood():
    condition = xlsform.parse_relevant("(" * 50 + "${a} = 'x'" + ")" * 50)
    assert condition == {"q": "a", "op": "eq", "value": "x"}


def test_a_cell_longer_than_excel_allows_is_refused(app, runner, world, tmp_path):
    data = workbook({"survey": [["type", "name", "label"], ["text", "a", "LONG"]]})
    data = with_long_cell(data, "LONG", "x" * 40_000)
    output = refused(runner, tmp_path, app, data)
    assert "survey sheet, row 2, column label: The cell has more than 32767 characters" in output
    out = io.StringIO()
    csv.writer(out).writerows([["survey"], ["", "type", "name", "label"], ["", "text", "a"]])
    text = out.getvalue() + ',text,b,"' + "y" * 200_000 + '"\n'
    output = refused(runner, tmp_path, app, text.encode(), name="form.csv")
    assert "survey sheet, row 4, column label: The cell has more than 32767 characters" in output


def test_a_workbook_that_unpacks_too_large_is_refused(app, runner, world, tmp_path, monkeypatch):
    monkeypatch.setattr(xlsform, "MAX_UNPACKED_BYTES", 1024 * 1024)
    rows = [["text", f"a{i}", f"{i}" + "x" * 30_000] for i in range(40)]
    data = workbook({"survey": [["type", "name", "label"], *rows]})
    assert len(data) < 100_000  # it packs small
    output = refused(runner, tmp_path, app, data)
    assert "The file unpacks to more than 1 MB" in output


def test_a_sheet_the_import_does_not_read_does_not_block_it(app, runner, world, tmp_path):
    data = workbook(
        {
            "survey": [["type", "name", "label"], ["text", "a", "A?"]],
            "lookup": [["code"], *[[i] for i in range(3000)]],
        }
    )
    result = imported(runner, tmp_path, app, data)
    with app.app_context():
        assert [q.key for q in survey_from_output(result).questions] == ["a"]


# Messages that name the place --------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "shown"), [(2024, "2024"), (True, "TRUE"), (3.5, "3.5")], ids=str
)
def test_a_heading_that_is_not_text_is_named(app, runner, world, tmp_path, heading, shown):
    data = workbook({"survey": [["type", "name", "label", heading], ["text", "a", "A?", "x"]]})
    output = refused(runner, tmp_path, app, data)
    assert "survey sheet, row 1, column D: A column heading must be a word" in output
    assert shown in output


@pytest.mark.parametrize(
    ("type_", "message"),
    [
        ("select_one yes no", "'yes no' is not a list name: a list name is one word"),
        ("select_one", "Name the choice list after select_one, as in select_one yes_no."),
        ("select_multiple", "Name the choice list after select_multiple"),
    ],
)
def test_a_select_without_a_usable_list_name(app, runner, world, tmp_path, type_, message):
    data = make_xlsx(survey=[[type_, "a", "A?", "اے؟"]])
    output = refused(runner, tmp_path, app, data)
    assert f"survey sheet, row 2, column type: {message}" in output


def test_conditions_that_can_never_hold_are_refused(app, runner, world, tmp_path):
    data = make_xlsx(
        survey=[
            ["note", "intro", "Hi", "ہیلو"],
            ["select_one yes_no", "a", "A?", "اے؟"],
            ["date", "d", "D?", "ڈی؟"],
            ["integer", "n", "N?", "این؟"],
            ["text", "q1", "Q1", "کیو1", "", "", "", "${intro} = 'x'"],
            ["text", "q2", "Q2", "کیو2", "", "", "", "${a} > 3"],
            ["text", "q3", "Q3", "کیو3", "", "", "", "${d} > 3"],
            ["text", "q4", "Q4", "کیو4", "", "", "", "${n} = 'many'"],
            ["text", "q5", "Q5", "کیو5", "", "", "", "${n} >= 3 and selected(${a}, 'yes')"],
        ]
    )
    output = refused(runner, tmp_path, app, data)
    assert "row 6, column relevant: intro is information with no answer." in output
    assert "row 7, column relevant: a is not answered with a number, so > cannot" in output
    assert "row 8, column relevant: d is not answered with a number, so > cannot" in output
    assert "row 9, column relevant: n is answered with a number: compare it with a" in output
    assert "row 10" not in output


def test_a_title_in_a_language_the_consultation_does_not_offer(app, runner, world, tmp_path):
    data = workbook(
        {
            "survey": [["type", "name", "label::English (en)"], ["text", "a", "A?"]],
            "settings": [["form_title", "default_language"], ["Titre", "fr"]],
        }
    )
    output = refused(runner, tmp_path, app, data)
    assert (
        "settings sheet, row 1, column form_title: The language fr is not one of this "
        "consultation's languages (en, ur)." in output
    )


# Opening -----------------------------------------------------------------------------


def test_open_opens_only_the_imported_survey(app, runner, world, tmp_path):
    result = imported(runner, tmp_path, app, make_xlsx(), *DRAFT, "--open")
    with app.app_context():
        survey = survey_from_output(result)
        assert survey.status == SurveyStatus.open
        assert survey.consultation.status == ConsultationStatus.open
        # the consultation's other survey, a draft, stays one
        assert service.get_survey("draft-survey").status == SurveyStatus.draft


def test_open_opens_a_survey_not_yet_translated_and_says_so(app, runner, world, tmp_path):
    # as the builder: untranslated texts show in English, and the author is told
    data = make_xlsx(survey=[["text", "a", "A?"]], choices=[], settings=[])
    result = imported(runner, tmp_path, app, data, *DRAFT, "--open")
    assert "% translated into" in result.output and "will show in English" in result.output
    with app.app_context():
        assert survey_from_output(result).status == SurveyStatus.open


def test_open_refuses_a_survey_of_notes_alone(app, client, world):
    login(client, world.emails["analyst"])
    with app.app_context():
        before = counts()
    data = make_xlsx(survey=[["note", "intro", "Hello", "ہیلو"]], choices=[])
    response = upload(client, data, open_now="y")
    assert response.status_code == 400
    assert "The survey “Clinic survey” has no questions." in response.get_data(as_text=True)
    with app.app_context():
        assert counts() == before
        assert service.get_consultation("draft-consultation").status == ConsultationStatus.draft


@pytest.mark.parametrize("status", [ConsultationStatus.closed, ConsultationStatus.reported])
def test_open_does_not_reopen_a_closed_consultation(app, runner, world, tmp_path, status):
    with app.app_context():
        consultation = service.get_consultation("test-consultation")
        service.set_status(consultation, ConsultationStatus.closed, actor=None)
        service.set_status(consultation, status, actor=None)
        db.session.commit()
    output = refused(
        runner, tmp_path, app, make_xlsx(), "--consultation", "test-consultation", "--open"
    )
    assert f"The consultation is {status.value}: an import does not reopen it." in output
    with app.app_context():
        consultation = service.get_consultation("test-consultation")
        assert consultation.status == status
        assert service.get_survey("test-survey").status != SurveyStatus.open
