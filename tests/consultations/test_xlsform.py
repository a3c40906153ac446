"""XLSForm import: ``engage import-survey`` and the upload page."""

from __future__ import annotations

import csv
import io
import os

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from engage.consultations import service
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
from engage.consultations.xlsform import RelevantError, parse_relevant
from engage.extensions import db
from tests.conftest import login, post_form

SURVEY_HEADER = [
    "type",
    "name",
    "label::English (en)",
    "label::Urdu (ur)",
    "hint::English (en)",
    "hint::Urdu (ur)",
    "required",
    "relevant",
    "appearance",
]
GOOD_SURVEY = [
    ["start", "start"],
    ["note", "intro", "Welcome to the survey", "سروے میں خوش آمدید"],
    ["begin_group", "visit", "Your visit", "آپ کا دورہ"],
    [
        "select_one yes_no",
        "visited",
        "Did you visit the clinic?",
        "کیا آپ کلینک گئے؟",
        "Think of the last year",
        "پچھلے سال کے بارے میں سوچیں",
        "yes",
    ],
    [
        "select_multiple services",
        "services_used",
        "Which services did you use?",
        "آپ نے کون سی خدمات استعمال کیں؟",
        "",
        "",
        "",
        "${visited} = 'yes'",
    ],
    [
        "text",
        "why",
        "Why the GP?",
        "جی پی کیوں؟",
        "",
        "",
        "",
        "selected(${services_used}, 'gp') and not(${visited} = 'no')",
    ],
    ["end_group"],
    ["integer", "age", "How old are you?", "آپ کی عمر کیا ہے؟", "", "", "true"],
    ["decimal", "distance", "How far did you travel (miles)?", "آپ نے کتنا سفر کیا؟"],
    ["begin_group", "more", "More about you", "آپ کے بارے میں مزید"],
    [
        "text",
        "comments",
        "Anything else?",
        "کچھ اور؟",
        "",
        "",
        "no",
        "${age} >= 18 or ${why} != ''",
        "multiline",
    ],
    ["date", "visit_date", "When did you visit?", "آپ کب گئے؟", "", "", "", "${comments} = ''"],
    ["end_group"],
]
CHOICES_HEADER = ["list_name", "name", "label::English (en)", "label::Urdu (ur)"]
GOOD_CHOICES = [
    ["yes_no", "yes", "Yes", "ہاں"],
    ["yes_no", "no", "No", "نہیں"],
    ["services", "gp", "GP", "جی پی"],
    ["services", "pharmacy", "Pharmacy", "فارمیسی"],
    ["services", "a_and_e", "A&E", "ایمرجنسی"],
]
SETTINGS_HEADER = ["form_title", "form_title::Urdu (ur)", "form_id", "default_language"]
GOOD_SETTINGS = [["Clinic survey", "کلینک سروے", "clinic_survey_2024", "English (en)"]]


def make_xlsx(survey=None, choices=None, settings=None, *, survey_header=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    sheet.append(survey_header or SURVEY_HEADER)
    for row in GOOD_SURVEY if survey is None else survey:
        sheet.append(row)
    sheet = workbook.create_sheet("choices")
    sheet.append(CHOICES_HEADER)
    for row in GOOD_CHOICES if choices is None else choices:
        sheet.append(row)
    sheet = workbook.create_sheet("settings")
    sheet.append(SETTINGS_HEADER)
    for row in GOOD_SETTINGS if settings is None else settings:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def make_csv(survey=None, choices=None, settings=None) -> bytes:
    """pyxform's CSV layout: a row naming the sheet, then its header and rows, each
    after an empty first cell."""
    out = io.StringIO()
    writer = csv.writer(out)
    for name, header, rows in (
        ("survey", SURVEY_HEADER, GOOD_SURVEY if survey is None else survey),
        ("choices", CHOICES_HEADER, GOOD_CHOICES if choices is None else choices),
        ("settings", SETTINGS_HEADER, GOOD_SETTINGS if settings is None else settings),
    ):
        writer.writerow([name])
        writer.writerow(["", *header])
        for row in rows:
            writer.writerow(["", *row])
    return out.getvalue().encode("utf-8")


def counts() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Consultation, Survey, Section, Question, Option)
    )


def import_survey(runner, tmp_path, data: bytes, *args: str, name: str = "form.xlsx"):
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(args=["import-survey", str(path), *args])


def survey_from_output(result) -> Survey:
    slug = result.stdout.strip().splitlines()[-1]
    return service.get_survey(slug)


def assert_good_survey(survey: Survey) -> None:
    assert survey.slug == "clinic-survey-2024"
    assert survey.title == {"en": "Clinic survey", "ur": "کلینک سروے"}
    sections = survey.sections
    assert [s.title.get("en") for s in sections] == [None, "Your visit", None, "More about you"]
    assert sections[1].title["ur"] == "آپ کا دورہ"
    keys = [[q.key for q in s.questions] for s in sections]
    assert keys == [
        ["intro"],
        ["visited", "services_used", "why"],
        ["age", "distance"],
        ["comments", "visit_date"],
    ]
    q = {question.key: question for question in survey.questions}
    assert q["intro"].type == QuestionType.note
    assert q["visited"].type == QuestionType.single_choice
    assert q["visited"].required
    assert q["visited"].label == {"en": "Did you visit the clinic?", "ur": "کیا آپ کلینک گئے؟"}
    assert q["visited"].hint == {
        "en": "Think of the last year",
        "ur": "پچھلے سال کے بارے میں سوچیں",
    }
    assert [(o.code, o.label["ur"]) for o in q["visited"].options] == [
        ("yes", "ہاں"),
        ("no", "نہیں"),
    ]
    assert q["services_used"].type == QuestionType.multiple_choice
    assert [o.code for o in q["services_used"].options] == ["gp", "pharmacy", "a_and_e"]
    assert q["services_used"].options[2].label == {"en": "A&E", "ur": "ایمرجنسی"}
    assert q["why"].type == QuestionType.short_text
    assert q["age"].type == QuestionType.number
    assert q["age"].settings == {"integer": True}
    assert q["age"].required
    assert q["distance"].type == QuestionType.number
    assert not q["distance"].settings.get("integer")
    assert q["comments"].type == QuestionType.long_text
    assert not q["comments"].required
    assert q["visit_date"].type == QuestionType.date
    assert "start" not in q  # metadata is skipped
    assert q["services_used"].show_if == {"q": "visited", "op": "eq", "value": "yes"}
    assert q["why"].show_if == {
        "all": [
            {"q": "services_used", "op": "selected", "value": "gp"},
            {"not": {"q": "visited", "op": "eq", "value": "no"}},
        ]
    }
    assert q["comments"].show_if == {
        "any": [{"q": "age", "op": "ge", "value": 18}, {"q": "why", "op": "answered"}]
    }
    assert q["visit_date"].show_if == {"not": {"q": "comments", "op": "answered"}}


# The command -----------------------------------------------------------------------


def test_import_xlsx_into_an_existing_consultation(app, runner, world, tmp_path):
    result = import_survey(runner, tmp_path, make_xlsx(), "--consultation", "draft-consultation")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines()[-1] == "clinic-survey-2024"
    with app.app_context():
        survey = survey_from_output(result)
        assert survey.consultation.slug == "draft-consultation"
        assert survey.status == SurveyStatus.draft
        assert_good_survey(survey)


def test_import_csv(app, runner, world, tmp_path):
    result = import_survey(
        runner, tmp_path, make_csv(), "--consultation", "draft-consultation", name="form.csv"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert_good_survey(survey_from_output(result))


def test_the_same_form_id_twice_gets_a_new_slug(app, runner, world, tmp_path):
    first = import_survey(runner, tmp_path, make_xlsx(), "--consultation", "draft-consultation")
    second = import_survey(runner, tmp_path, make_xlsx(), "--consultation", "draft-consultation")
    assert first.exit_code == second.exit_code == 0, second.output
    assert second.stdout.strip().splitlines()[-1] == "clinic-survey-2024-2"


def test_open_opens_the_consultation_and_the_survey(app, runner, world, tmp_path):
    result = import_survey(
        runner, tmp_path, make_xlsx(), "--consultation", "draft-consultation", "--open"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        survey = survey_from_output(result)
        assert survey.status == SurveyStatus.open
        assert survey.consultation.status == ConsultationStatus.open
        assert service.is_open(survey)


def test_into_an_open_consultation_the_survey_is_a_draft_unless_open(app, runner, world, tmp_path):
    first = import_survey(runner, tmp_path, make_xlsx(), "--consultation", "test-consultation")
    second = import_survey(
        runner, tmp_path, make_xlsx(), "--consultation", "test-consultation", "--open"
    )
    assert first.exit_code == second.exit_code == 0, first.output + second.output
    with app.app_context():
        assert survey_from_output(first).status == SurveyStatus.draft
        assert survey_from_output(second).status == SurveyStatus.open


def test_an_unknown_slug_creates_a_draft_consultation(app, runner, world, tmp_path):
    result = import_survey(runner, tmp_path, make_xlsx(), "--consultation", "clinic-2024")
    assert result.exit_code == 0, result.output
    with app.app_context():
        consultation = service.get_consultation("clinic-2024")
        assert consultation.status == ConsultationStatus.draft
        assert consultation.organisation.slug == "test-icb"  # the one commissioner organisation
        assert consultation.languages == ["en", "ur"]
        assert consultation.title == {"en": "Clinic survey", "ur": "کلینک سروے"}
        assert survey_from_output(result).consultation_id == consultation.id


def test_org_names_the_owner_of_a_new_consultation(app, runner, world, tmp_path):
    result = import_survey(
        runner, tmp_path, make_xlsx(), "--consultation", "forum-survey", "--org", "forum-a"
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert service.get_consultation("forum-survey").organisation.slug == "forum-a"
    result = import_survey(
        runner, tmp_path, make_xlsx(), "--consultation", "other", "--org", "no-such-org"
    )
    assert result.exit_code != 0
    assert "no-such-org" in result.output


def test_a_bare_label_column_is_english(app, runner, world, tmp_path):
    data = make_xlsx(
        survey=[["text", "name_q", "Your name"], ["integer", "count_q", "How many?"]],
        choices=[],
        settings=[],
        survey_header=["type", "name", "label"],
    )
    result = import_survey(runner, tmp_path, data, "--consultation", "draft-consultation")
    assert result.exit_code == 0, result.output
    with app.app_context():
        survey = survey_from_output(result)
        assert [q.label for q in survey.questions] == [{"en": "Your name"}, {"en": "How many?"}]
        assert survey.title == survey.consultation.title  # no form_title: the consultation's


BAD_FORMS = {
    "unknown type": (
        {"survey": [["geopoint", "where", "Where are you?"]]},
        ["survey sheet, row 2, column type", "geopoint"],
    ),
    "missing list": (
        {"survey": [["select_one colours", "colour", "Favourite colour?"]]},
        ["survey sheet, row 2, column type", "colours"],
    ),
    "duplicate name": (
        {"survey": [["text", "a", "A?"], ["text", "b", "B?"], ["integer", "a", "Again?"]]},
        ["survey sheet, row 4, column name", "row 2"],
    ),
    "bad relevant": (
        {"survey": [["text", "a", "A?"], ["text", "b", "B?", "", "", "", "", "${a} ~ 'x'"]]},
        ["survey sheet, row 3, column relevant", "could not be understood"],
    ),
    "later question": (
        {"survey": [["text", "a", "A?", "", "", "", "", "${b} = 'x'"], ["text", "b", "B?"]]},
        ["survey sheet, row 2, column relevant", "b is asked later"],
    ),
    "missing label": (
        {"survey": [["text", "a", "A?"], ["text", "b", "", "بی؟"]]},
        ["survey sheet, row 3, column label::English (en)", "label in English"],
    ),
    "duplicate column": (
        {
            "survey": [["text", "a", "A?", "A!"]],
            "survey_header": ["type", "name", "label", "label"],
        },
        ["survey sheet, row 1, column label", "twice"],
    ),
    "constraint": (
        {
            "survey": [["integer", "a", "A?", ". > 0"]],
            "survey_header": ["type", "name", "label", "constraint"],
        },
        ["survey sheet, row 2, column constraint"],
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FORMS))
def test_a_bad_form_is_refused_and_nothing_is_created(app, runner, world, tmp_path, case):
    sheets, expected = BAD_FORMS[case]
    with app.app_context():
        before = counts()
    result = import_survey(
        runner, tmp_path, make_xlsx(**sheets), "--consultation", "new-consultation"
    )
    assert result.exit_code != 0
    for text in expected:
        assert text in result.output
    assert "nothing was created" in result.output
    with app.app_context():
        assert counts() == before
        assert service.get_consultation("new-consultation") is None


def test_every_problem_is_reported_at_once(app, runner, world, tmp_path):
    data = make_xlsx(
        survey=[
            ["rank", "r", "Rank these"],
            ["text", "ok", "Fine"],
            ["select_one nope", "s", "Pick"],
            ["text", "channel", "Reserved"],
        ],
        choices=[["yes_no", "yes", ""]],
    )
    result = import_survey(runner, tmp_path, data, "--consultation", "draft-consultation")
    assert result.exit_code != 0
    for where in (
        "survey sheet, row 2, column type",
        "survey sheet, row 4, column type",
        "survey sheet, row 5, column name",
        "choices sheet, row 2, column label::English (en)",
    ):
        assert where in result.output


def test_a_language_the_site_does_not_offer_is_refused(app, runner, world, tmp_path):
    header = [*SURVEY_HEADER[:3], "label::French (fr)"]
    data = make_xlsx(survey=[["text", "a", "A?", "Un ?"]], survey_header=header, choices=[])
    with app.app_context():
        before = counts()
    result = import_survey(runner, tmp_path, data, "--consultation", "draft-consultation")
    assert result.exit_code != 0
    assert "survey sheet, row 1, column label::French (fr)" in result.output
    assert "fr" in result.output
    with app.app_context():
        assert counts() == before


def test_a_language_the_consultation_does_not_offer_is_refused(app, runner, world, tmp_path):
    with app.app_context():
        from tests.factories import make_consultation

        make_consultation(slug="english-only", languages=["en"])
        db.session.commit()
    result = import_survey(runner, tmp_path, make_xlsx(), "--consultation", "english-only")
    assert result.exit_code != 0
    assert "column label::Urdu (ur)" in result.output


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (os.urandom(2048), "form.xlsx"),
        (os.urandom(2048), "form.csv"),
        (b"PK\x03\x04" + os.urandom(500), "form.xlsx"),
        (b"", "form.xlsx"),
        (b"a,b,c,d,e\n1,2,3,4,5\n", "form.csv"),
    ],
)
def test_not_an_xlsform_at_all(app, runner, world, tmp_path, data, name):
    with app.app_context():
        before = counts()
    result = import_survey(runner, tmp_path, data, "--consultation", "new-consultation", name=name)
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert "nothing was created" in result.output
    with app.app_context():
        assert counts() == before


def test_a_form_of_more_than_2000_rows_is_refused(app, runner, world, tmp_path):
    rows = [["text", f"q{n}", f"Question {n}"] for n in range(2001)]
    result = import_survey(runner, tmp_path, make_xlsx(survey=rows), "--consultation", "x-y")
    assert result.exit_code != 0
    assert "more than 2000 rows" in result.output


def test_a_csv_without_sheet_names_says_how_to_lay_it_out(app, runner, world, tmp_path):
    data = b"type,name,label\ntext,a,A?\ninteger,b,B?\n"
    result = import_survey(runner, tmp_path, data, "--consultation", "x-y", name="form.csv")
    assert result.exit_code != 0
    assert "a row whose first cell is survey starts that sheet" in result.output


def test_a_csv_of_too_many_rows_is_refused(app, runner, world, tmp_path):
    rows = [["text", f"q{n}", f"Question {n}"] for n in range(6100)]
    data = make_csv(survey=rows)
    result = import_survey(runner, tmp_path, data, "--consultation", "x-y", name="form.csv")
    assert result.exit_code != 0
    assert "more than 2000 rows" in result.output


def test_a_service_refusal_rolls_back_everything(app, runner, world, tmp_path):
    """A reported consultation cannot be opened: the whole import goes."""
    with app.app_context():
        consultation = service.get_consultation("test-consultation")
        service.set_status(consultation, ConsultationStatus.closed, actor=None)
        service.set_status(consultation, ConsultationStatus.reported, actor=None)
        db.session.commit()
        before = counts()
    result = import_survey(
        runner, tmp_path, make_xlsx(), "--consultation", "test-consultation", "--open"
    )
    assert result.exit_code != 0
    assert "reported" in result.output
    with app.app_context():
        assert counts() == before


# relevant expressions --------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "condition"),
    [
        ("${a} = 'x'", {"q": "a", "op": "eq", "value": "x"}),
        ('${a}="x y"', {"q": "a", "op": "eq", "value": "x y"}),
        ("${a} != 'x'", {"q": "a", "op": "ne", "value": "x"}),
        ("${n} > 3", {"q": "n", "op": "gt", "value": 3}),
        ("${n} <= 2.5", {"q": "n", "op": "le", "value": 2.5}),
        ("${n} < -1", {"q": "n", "op": "lt", "value": -1}),
        ("${n} = 4", {"q": "n", "op": "eq", "value": 4}),
        ("selected(${m}, 'gp')", {"q": "m", "op": "selected", "value": "gp"}),
        ("${a} != ''", {"q": "a", "op": "answered"}),
        ("${a} = ''", {"not": {"q": "a", "op": "answered"}}),
        ("not(${a} = 'x')", {"not": {"q": "a", "op": "eq", "value": "x"}}),
        (
            "${a} = 'x' and ${b} = 'y' and ${c} = 'z'",
            {
                "all": [
                    {"q": "a", "op": "eq", "value": "x"},
                    {"q": "b", "op": "eq", "value": "y"},
                    {"q": "c", "op": "eq", "value": "z"},
                ]
            },
        ),
        (
            "${a} = 'x' or ${b} = 'y' and ${c} = 'z'",
            {
                "any": [
                    {"q": "a", "op": "eq", "value": "x"},
                    {
                        "all": [
                            {"q": "b", "op": "eq", "value": "y"},
                            {"q": "c", "op": "eq", "value": "z"},
                        ]
                    },
                ]
            },
        ),
        (
            "(${a} = 'x' or ${b} = 'y') and not(selected(${m}, 'gp'))",
            {
                "all": [
                    {
                        "any": [
                            {"q": "a", "op": "eq", "value": "x"},
                            {"q": "b", "op": "eq", "value": "y"},
                        ]
                    },
                    {"not": {"q": "m", "op": "selected", "value": "gp"}},
                ]
            },
        ),
    ],
)
def test_parse_relevant(expression, condition):
    assert parse_relevant(expression) == condition


@pytest.mark.parametrize(
    "expression",
    [
        "",
        "${a}",
        "${a} == 'x'",
        "${a} = 'x' and",
        "${a} = 'x' xor ${b} = 'y'",
        "'x' = ${a}",
        "${a} > 'x'",
        "count-selected(${m}) > 1",
        "(${a} = 'x'",
        "${a} = 'x')",
        "not ${a} = 'x'",
        "selected(${m})",
        "${} = 'x'",
        "${a b} = 'x'",
        "${a} = 'unterminated",
        ". > 3",
    ],
)
def test_parse_relevant_refuses(expression):
    with pytest.raises(RelevantError):
        parse_relevant(expression)


# The upload page -------------------------------------------------------------------

URL = "/{locale}/consultations/draft-consultation/import-survey"


def upload(client, data: bytes, filename: str = "form.xlsx", locale: str = "en", **extra):
    url = URL.format(locale=locale)
    return post_form(
        client,
        url,
        {"file": (io.BytesIO(data), filename), **extra},
        content_type="multipart/form-data",
    )


def test_the_page_shows_the_upload_form(client, world):
    login(client, world.emails["analyst"])
    html = client.get(URL.format(locale="en")).get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html
    assert "Open it for responses now" in html


def test_an_analyst_uploads_a_good_form(app, client, world):
    login(client, world.emails["analyst"])
    response = upload(client, make_xlsx(), open_now="y")
    assert response.status_code == 302
    with app.app_context():
        survey = service.get_survey("clinic-survey-2024")
        assert survey is not None
        assert survey.consultation.slug == "draft-consultation"
        assert survey.status == SurveyStatus.open
        assert_good_survey(survey)
    assert "/surveys/clinic-survey-2024" in response.headers["Location"]  # the builder
    with client.session_transaction() as session:
        assert "has been imported with 8 questions" in session["_flashes"][0][1]


def test_a_bad_upload_lists_the_problems_and_creates_nothing(app, client, world):
    login(client, world.emails["commissioner"])
    with app.app_context():
        before = counts()
    data = make_xlsx(
        survey=[["text", "a", "A?"], ["text", "b", "B?", "", "", "", "", "${zz} = 'x'"]]
    )
    response = upload(client, data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert "survey sheet, row 3, column relevant" in html
    assert "There is no question named zz" in html
    with app.app_context():
        assert counts() == before


def test_an_upload_of_the_wrong_kind_of_file(app, client, world):
    login(client, world.emails["analyst"])
    response = upload(client, b"hello", filename="form.pdf")
    assert response.status_code == 400
    assert "must be an .xlsx or .csv file" in response.get_data(as_text=True)
    response = post_form(client, URL.format(locale="en"), {}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "Choose the XLSForm file to import" in response.get_data(as_text=True)
    response = upload(client, os.urandom(1000), filename="form.xlsx")
    assert response.status_code == 400
    assert "could not be read" in response.get_data(as_text=True)


def test_an_urdu_page_shows_the_problems_in_urdu_chrome(app, client, world):
    login(client, world.emails["analyst"])
    data = make_xlsx(survey=[["text", "a", ""]])
    response = upload(client, data, locale="ur")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert '<html lang="ur" dir="rtl">' in html
    from flask_babel import force_locale, gettext

    with app.test_request_context(), force_locale("ur"):
        where = gettext("%(sheet)s sheet, row %(row)s, column %(column)s: %(message)s")
    # the place is named in Urdu words around the sheet, row and column themselves
    expected = where.split("%(message)s")[0] % {
        "sheet": "survey",
        "row": 2,
        "column": "label::English (en)",
    }
    assert expected in html.replace("&#39;", "'")


def test_a_missing_consultation_is_404(client, world):
    login(client, world.emails["analyst"])
    assert client.get("/en/consultations/no-such/import-survey").status_code == 404
