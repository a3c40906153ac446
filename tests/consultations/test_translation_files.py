"""A survey's texts out to a translator as .po or .xlsx, and back."""

from __future__ import annotations

import io
from html import unescape

import pytest
from babel.messages.pofile import read_po
from openpyxl import Workbook, load_workbook

from engage.consultations import service
from engage.consultations.texts import completeness
from engage.extensions import db
from tests.conftest import login, post_form

BUILD = "/en/surveys/test-survey/build"
PAGE = f"{BUILD}/translations/ur"


def urdu_of(app) -> dict[str, object]:
    """Every Urdu text of the survey and its consultation, by where it is."""
    with app.app_context():
        db.session.expire_all()
        survey = service.get_survey("test-survey")
        result = {"consultation.title": survey.consultation.title.get("ur")}
        result["survey.title"] = survey.title.get("ur")
        for section in survey.sections:
            result[f"section.{section.position}"] = section.title.get("ur")
        for q in survey.questions:
            result[q.key] = q.label.get("ur")
            for o in q.options:
                result[f"{q.key}.{o.code}"] = o.label.get("ur")
        return result


def clear_urdu(app) -> None:
    with app.app_context():
        survey = service.get_survey("test-survey")
        rows = [survey, survey.consultation, *survey.sections, *survey.questions]
        rows += [o for q in survey.questions for o in q.options]
        for row in rows:
            for attribute in ("title", "label", "summary", "hint"):
                if hasattr(row, attribute) and isinstance(getattr(row, attribute), dict):
                    setattr(
                        row,
                        attribute,
                        {k: v for k, v in getattr(row, attribute).items() if k != "ur"},
                    )
            settings = getattr(row, "settings", None)
            if settings:
                row.settings = {
                    k: ({c: t for c, t in v.items() if c != "ur"} if isinstance(v, dict) else v)
                    for k, v in settings.items()
                }
        db.session.commit()
        assert completeness(survey, ["ur"])["ur"][0] == 0


def upload(client, data: bytes, filename: str, url: str = f"{PAGE}/import"):
    return post_form(
        client,
        url,
        {"file": (io.BytesIO(data), filename)},
        token_from=PAGE,
        content_type="multipart/form-data",
    )


@pytest.fixture
def analyst(client, world):
    login(client, world.emails["analyst"])
    return client


def test_po_export_names_each_text_by_id_with_english_and_urdu(analyst):
    response = analyst.get(f"{BUILD}/translations/ur.po")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    catalog = read_po(io.BytesIO(response.data))
    assert str(catalog.locale) == "ur"
    by_id = {m.context: m for m in catalog if m.id}
    assert by_id["survey.title"].id == "Test survey"
    assert by_id["survey.title"].string == "آزمائشی سروے"
    assert by_id["why_poor.label"].string == "کیا غلط ہوا؟"
    assert by_id["summary.label"].id == "Sum it up in a few words"
    assert by_id["summary.label"].string == ""
    assert by_id["experience.option.very_good"].id == "Very good"


def test_xlsx_export_has_id_what_english_and_the_language(analyst):
    response = analyst.get(f"{BUILD}/translations/ur.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("id", "what", "en", "ur")
    by_id = {r[0]: r for r in rows[1:]}
    assert by_id["survey.title"][2:] == ("Test survey", "آزمائشی سروے")
    assert by_id["visit_type.option.phone"][1] == "Option"


@pytest.mark.parametrize(("extension", "kind"), [("po", "po"), ("xlsx", "xlsx")])
def test_export_then_import_restores_the_translations(app, analyst, extension, kind):
    before = urdu_of(app)
    exported = analyst.get(f"{BUILD}/translations/ur.{extension}").data
    clear_urdu(app)
    assert urdu_of(app)["survey.title"] is None
    response = upload(analyst, exported, f"translated.{extension}")
    assert response.status_code == 302, unescape(response.get_data(as_text=True))[:3000]
    assert urdu_of(app) == before
    page = unescape(analyst.get(PAGE).get_data(as_text=True))
    assert "Translations imported:" in page


def test_a_translated_po_file_fills_the_gaps(app, analyst):
    catalog = read_po(io.BytesIO(analyst.get(f"{BUILD}/translations/ur.po").data))
    for message in catalog:
        if message.id and not message.string:
            message.string = "ترجمہ"
    from babel.messages.pofile import write_po

    out = io.BytesIO()
    write_po(out, catalog)
    assert upload(analyst, out.getvalue(), "ur.po").status_code == 302
    with app.app_context():
        survey = service.get_survey("test-survey")
        done, total = completeness(survey, ["ur"])["ur"]
        assert done == total
        summary = next(q for q in survey.questions if q.key == "summary")
        assert summary.label["ur"] == "ترجمہ"
    assert "100% translated" in unescape(analyst.get(PAGE).get_data(as_text=True))


def sheet_bytes(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Translations"
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_changed_english_is_reported_for_review_and_unknown_ids_are_ignored(app, analyst):
    data = sheet_bytes(
        [
            ["id", "what", "en", "ur"],
            ["survey.title", "Survey title", "Test survey", "نیا عنوان"],
            ["summary.label", "Question", "An older wording", "پرانا ترجمہ"],
            ["no_such.label", "Question", "Gone", "غائب"],
        ]
    )
    response = upload(analyst, data, "ur.xlsx")
    assert response.status_code == 302
    page = unescape(analyst.get(PAGE).get_data(as_text=True))
    assert "Translations imported: 1 changed" in page
    assert "the English has changed since the file was made: summary.label" in page
    assert "Ignored, because this survey has no such text: no_such.label" in page
    texts = urdu_of(app)
    assert texts["survey.title"] == "نیا عنوان"
    assert texts["summary"] is None


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"\x89PNG\r\n\x1a\n not a po file", "ur.po", "The file could not be read"),
        (
            b'msgctxt "survey.title"\nmsgid "Test survey"\nmsgstr "x\n',
            "ur.po",
            "The file could not be read",
        ),
        (b"PK\x03\x04 truncated zip", "ur.xlsx", "The file could not be read"),
        (b"just some text", "ur.xlsx", "The file could not be read"),
        (b"id,what,en,ur\n", "ur.csv", "The file must be a .po or .xlsx file."),
    ],
)
def test_a_broken_file_is_refused_and_nothing_changes(app, analyst, data, filename, message):
    before = urdu_of(app)
    response = upload(analyst, data, filename)
    assert response.status_code == 400
    page = unescape(response.get_data(as_text=True))
    assert "There is a problem" in page and message in page
    assert urdu_of(app) == before


def test_a_file_for_another_language_is_refused(app, analyst):
    data = sheet_bytes(
        [["id", "what", "en", "ar"], ["survey.title", "Survey title", "Test survey", "استطلاع"]]
    )
    before = urdu_of(app)
    response = upload(analyst, data, "ar.xlsx")
    assert response.status_code == 400
    assert "This file is for the language “ar”, not “ur”" in unescape(
        response.get_data(as_text=True)
    )
    po = analyst.get(f"{BUILD}/translations/ur.po").data.replace(b"Language: ur", b"Language: ar")
    response = upload(analyst, po, "ar.po")
    assert response.status_code == 400
    assert urdu_of(app) == before


def test_no_file_is_a_clear_error(analyst):
    response = post_form(analyst, f"{PAGE}/import", {}, token_from=PAGE)
    assert response.status_code == 400
    assert "Choose a .po or .xlsx file to import." in unescape(response.get_data(as_text=True))


def test_a_text_starting_with_equals_stays_text_in_the_sheet(app, analyst):
    with app.app_context():
        survey = service.get_survey("test-survey")
        survey.title = {"en": '=HYPERLINK("http://x")', "ur": "=1+1"}
        db.session.commit()
    data = analyst.get(f"{BUILD}/translations/ur.xlsx").data
    sheet = load_workbook(io.BytesIO(data)).active
    row = next(r for r in sheet.iter_rows() if r[0].value == "survey.title")
    assert row[2].data_type == "s" and row[2].value == '=HYPERLINK("http://x")'
    assert row[3].data_type == "s"
