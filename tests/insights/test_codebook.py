"""The codebook: the default themes, reading an organisation's codebook, keyword matching."""

import csv
import io
import re
from importlib import resources

import pytest

from engage.insights.codebook import (
    CodebookRejected,
    Theme,
    codebook_csv,
    default_codebook,
    match_keywords,
    read_codebook_csv,
)

#: the ten categories of NHS England's QDC framework v7, as published
QDC_CATEGORIES = [
    "General",
    "Staff",
    "Access to medical care & support",
    "Communication & involvement",
    "Mental health specifics",
    "Patient journey & service coordination",
    "Medication & pain",
    "Activities",
    "Environment, equipment & catering",
    "Service location, travel & transport",
]
EXTRA_THEMES = {
    "interpreters_language_support": "Interpreters & language support",
    "cultural_religious_needs": "Cultural & religious needs",
    "discrimination_racism": "Discrimination & racism",
    "digital_exclusion": "Digital exclusion",
}


def framework_rows() -> list[dict[str, str]]:
    path = resources.files("engage.insights").joinpath("data", "qdc_framework_v7.csv")
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_default_codebook_has_every_qdc_category_with_its_subcategories():
    themes = default_codebook()
    by_name = {t.name: t for t in themes}
    for category in QDC_CATEGORIES:
        assert by_name[category].parent is None
    rows = framework_rows()
    assert len(rows) == 33
    for row in rows:
        theme = by_name[row["Sub-category"].strip()]
        assert theme.parent == by_name[row["Category"].strip()].code
        assert theme.description.startswith(row["Sub-category description"].split()[0])


def test_default_codebook_adds_the_four_extra_themes_with_keywords():
    themes = {t.code: t for t in default_codebook()}
    for code, name in EXTRA_THEMES.items():
        theme = themes[code]
        assert theme.name == name
        assert theme.description
        assert len(theme.keywords) >= 10
        assert themes[theme.parent].parent is None
    assert "interpreter" in themes["interpreters_language_support"].keywords


def test_default_codes_are_unique_importable_and_every_subcategory_has_keywords():
    themes = default_codebook()
    codes = [t.code for t in themes]
    assert len(codes) == len(set(codes)) == 10 + 33 + 1 + 4
    assert all(re.fullmatch(r"[a-z0-9_.-]{1,64}", code) for code in codes)
    assert "staff_manner_personal_attributes" in codes
    leaves = [t for t in themes if t.parent is not None]
    # "Not assigned" is what no keyword can say
    assert [t.code for t in leaves if not t.keywords] == ["not_assigned"]
    assert all(k == k.lower() for t in themes for k in t.keywords)


def test_default_codebook_exports_and_reads_back_unchanged():
    themes = default_codebook()
    assert read_codebook_csv(codebook_csv(themes).encode("utf-8")) == themes


# Reading a codebook ------------------------------------------------------------------------


def test_an_export_never_runs_in_a_spreadsheet_and_reads_back_as_it_was():
    themes = [
        Theme("-minus", '=HYPERLINK("http://x")', None, "@SUM(A1)", ("+1 rude",)),
        Theme("quote", "'Cultural' needs", "-minus", "\tTabbed", ("'=x", "kind")),
    ]
    exported = codebook_csv(themes)
    rows = list(csv.reader(io.StringIO(exported)))[1:]
    # no cell starts with what a spreadsheet would run
    assert all(not cell.startswith(("=", "+", "-", "@", "\t")) for row in rows for cell in row)
    assert rows[0][1] == '\'=HYPERLINK("http://x")'
    # a spreadsheet shows one apostrophe less: the text as it was
    assert rows[1][1] == "''Cultural' needs"
    assert read_codebook_csv(exported.encode()) == themes


def test_reads_a_codebook_in_the_import_format(tmp_path):
    path = tmp_path / "codebook.csv"
    path.write_text(
        "\ufeffcode,name,parent,description,keywords\n"
        "access,Access,,,\n"
        "Parking,Parking,access,Spaces and costs,car park; Parking ;;blue badge\n"
        "\n"
        "transport,Getting there,ACCESS,,bus;taxi\n",
        encoding="utf-8",
    )
    themes = read_codebook_csv(path)
    assert themes == [
        Theme("access", "Access", None, "", ()),
        Theme(
            "parking",
            "Parking",
            "access",
            "Spaces and costs",
            ("car park", "parking", "blue badge"),
        ),
        Theme("transport", "Getting there", "access", "", ("bus", "taxi")),
    ]


def test_columns_may_come_in_any_order_and_only_code_and_name_are_needed():
    themes = read_codebook_csv(b"name,code\nFood,food\n")
    assert themes == [Theme("food", "Food", None, "", ())]


def problems(data: bytes) -> set[tuple[int | None, str]]:
    with pytest.raises(CodebookRejected) as caught:
        read_codebook_csv(data)
    return {(p.row, p.column) for p in caught.value.errors}


HEADER = b"code,name,parent,description,keywords\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"a,A,,,\nb,B,nowhere,,\n", {(3, "parent")}),
        (b"a,A,,,\nb,B,,,\na,Again,,,\n", {(4, "code")}),
        (b"a,,,,\n", {(2, "name")}),
        (b",Nameless,,,\n", {(2, "code")}),
        (b"a b,Spaces,,,\n", {(2, "code")}),
        (b"a,A,,,\nb,B,a,,\nc,C,b,,\n", {(4, "parent")}),
        (b"a,A,a,,\n", {(2, "parent")}),
        (b"a,A,,,,extra\n", {(2, "")}),
        (b'a,A,,,\nb,"B,,,\n', {(3, "")}),
        (b"a,A,,,\nb,Caf\xe9,,,\n", {(3, "")}),
    ],
    ids=[
        "unknown parent",
        "duplicate code",
        "empty name",
        "empty code",
        "bad code",
        "grandchild",
        "own parent",
        "extra cell",
        "bad quotes",
        "not utf-8",
    ],
)
def test_rejects_a_bad_row_naming_its_row_and_column(body, expected):
    assert problems(HEADER + body) == expected


def test_rejects_a_bad_header():
    assert problems(b"code,title\nx,X\n") == {(1, "title"), (1, "name")}
    assert problems(b"code,name,code\nx,X,y\n") == {(1, "code")}
    assert problems(b"") == {(1, "")}


def test_reports_every_bad_row_at_once_and_reads_nothing():
    data = HEADER + b"a,,,,\nb,B,zzz,,\nc,C,,,\nc,C2,,,\n"
    with pytest.raises(CodebookRejected) as caught:
        read_codebook_csv(data)
    rejected = caught.value
    assert [(p.row, p.column) for p in rejected.errors] == [(2, "name"), (5, "code"), (3, "parent")]
    assert "row 4" in str(rejected.errors[1].message).lower()
    assert str(rejected.errors[0]) == "Row 2, column name: Every theme needs a name"


def test_a_header_alone_is_no_codebook():
    with pytest.raises(CodebookRejected) as caught:
        read_codebook_csv(HEADER)
    assert [(p.row, p.column) for p in caught.value.errors] == [(None, "")]


# Keyword matching --------------------------------------------------------------------------


def codes(text: str, themes=None) -> list[str]:
    return [code for code, _ in match_keywords(text, themes or default_codebook())]


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("My husband needed an interpreter and none was booked.", "interpreters_language_support"),
        ("The INTERPRETERS were excellent.", "interpreters_language_support"),
        ("There was nowhere private to pray and no halal meals.", "cultural_religious_needs"),
        ("The receptionist made a racist remark about my accent.", "discrimination_racism"),
        ("I can't use the NHS App and I have no smartphone.", "digital_exclusion"),
        ("Couldn't find a space in the car park.", "parking"),
        ("We parked miles away.", "service_location"),
        ("The nurses were kind and caring.", "staff_manner_personal_attributes"),
        ("Waited three hours in A&E.", "timeliness_of_care"),
        ("They changed my medication without telling me.", "supplying_understanding_medication"),
        (
            "The ward was filthy and the toilets were dirty.",
            "cleanliness_tidiness_infection_control",
        ),
        ("Café food was overpriced.", "food_drink_provision_facilities"),
    ],
)
def test_finds_the_theme_a_sentence_is_about(text, theme):
    assert theme in codes(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "The weather was nice yesterday.",
        "My grandson plays football on Saturdays.",
        "Ok",
    ],
)
def test_finds_no_theme_in_unrelated_text(text):
    assert codes(text) == []


def test_a_phrase_is_taken_whole():
    # "waiting room" is the environment, not a wait
    assert codes("The waiting room was cramped.") == ["environment_facilities_equipment"]
    # "car park" is parking; "parked" meets "parking" through the stem
    assert "parking" in codes("I parked in the car park")


def test_scores_rise_with_the_evidence_and_come_best_first():
    one = dict(match_keywords("There was no interpreter.", default_codebook()))
    more = dict(
        match_keywords(
            "No interpreter, and the leaflet was not translated into Urdu.", default_codebook()
        )
    )
    assert 0 < one["interpreters_language_support"] < more["interpreters_language_support"] <= 1
    scores = [
        score
        for _, score in match_keywords("Rude staff and cold food, cold tea", default_codebook())
    ]
    assert scores == sorted(scores, reverse=True)


def test_an_organisations_own_keywords_are_matched():
    themes = read_codebook_csv(
        HEADER + b"buses,Bus services,,,number 42; bus stop\nother,Other,,,\n"
    )
    assert codes("The bus stops are too far from the clinic", themes) == ["buses"]
    assert codes("Took the number 42 home", themes) == ["buses"]
    assert codes("Lovely nurses", themes) == []
