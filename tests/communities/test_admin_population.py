"""The admin page of population baselines: list, add from a CSV file, remove."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from babel.support import Translations
from sqlalchemy import func, select

from engage.communities.models import Baseline, PopulationCount
from engage.consultations import service as consultations
from engage.extensions import db
from engage.resources import resource_dir
from tests.conftest import csrf_token, login, post_form

URL = "/en/admin/population"
GOOD_FILE = (
    "ethnic_group,count\n"
    "asian_pakistani,1200\n"
    "J,0\n"  # NHS code J is Pakistani too: a second row for the group
)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", unescape(response.get_data(as_text=True)))


def upload(client, content: str | bytes, url: str = URL, **fields):
    data = {"code": "P82001", "name": "Northmoor Surgery", "source": "Practice list, 2025"}
    data.update(fields)
    raw = content.encode() if isinstance(content, str) else content
    data["file"] = (io.BytesIO(raw), "counts.csv")
    return post_form(client, url, data, token_from=URL, content_type="multipart/form-data")


def table_counts(app) -> tuple[int, int]:
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Baseline)),
            db.session.scalar(select(func.count()).select_from(PopulationCount)),
        )


@pytest.fixture
def admin(client, world):
    login(client, world.emails["admin"])
    return client


def test_the_page_says_how_many_census_areas_and_where_they_come_from(admin):
    page = text_of(admin.get(URL))
    assert "The Census 2021 counts of 331 local authority areas" in page
    assert "Source: Office for National Statistics, Census 2021" in page
    assert "None yet." in page
    # admins reach it from the menu
    assert 'href="/en/admin/population"' in admin.get("/en/").get_data(as_text=True)


def test_an_admin_adds_a_baseline_from_a_file_with_census_and_nhs_codes(app, admin):
    content = (
        "\ufeffEthnic_Group , Count\n"  # a byte-order mark and loose headings, as Excel saves
        "asian_pakistani,1200\n"
        "A, 2500 \n"  # NHS code A: white_british
        "\n"
        "black_african,0\n"
        "K,300\n"  # NHS code K: Bangladeshi
    )
    response = upload(admin, content)
    assert response.status_code == 302, text_of(response)[:3000]
    page = text_of(admin.get(URL))
    assert "Northmoor Surgery has been added." in page
    assert "P82001" in page and "Practice list, 2025" in page
    assert "4,000" in page  # its people in all
    with app.app_context():
        baseline = db.session.scalar(select(Baseline).where(Baseline.code == "P82001"))
        assert baseline.kind == "custom"
        assert baseline.name == "Northmoor Surgery"
        assert {r.ethnic_group: r.count for r in baseline.counts} == {
            "asian_pakistani": 1200,
            "white_british": 2500,
            "black_african": 0,
            "asian_bangladeshi": 300,
        }


def test_a_bad_file_names_every_problem_by_row_and_column_and_writes_nothing(app, admin):
    before = table_counts(app)
    content = (
        "ethnic_group,count\n"
        "asian_pakistani,1200\n"
        "martian,5\n"  # row 3: not a code
        "asian_indian,-4\n"  # row 4: negative
        "white_irish,12.5\n"  # row 5: not whole
        "J,7\n"  # row 6: Pakistani again (NHS code)
        "Z,10\n"  # row 7: prefer not to say is no population
        ",\n"  # blank: skipped
        "black_african,\n"  # row 9: no count
    )
    response = upload(admin, content)
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page
    assert "The population was not added, and nothing was written." in page
    for problem in [
        "Row 3, column ethnic_group: martian is not a Census 2021 ethnic group code",
        "Row 4, column count: Enter a whole number of people, 0 or more",
        "Row 5, column count: Enter a whole number of people, 0 or more",
        "Row 6, column ethnic_group: This ethnic group is already on row 2",
        "Row 7, column ethnic_group: A population has no “prefer not to say”",
        "Row 9, column count: Enter the number of people",
    ]:
        assert problem in page
    assert "Row 2" not in page
    assert table_counts(app) == before
    # what the admin typed is kept for the next try
    assert 'value="Northmoor Surgery"' in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("group,people\nA,1\n", "Row 1, column ethnic_group: The first row must name the columns"),
        ("ethnic_group,count\n", "The file has no counts"),
        ("ethnic_group,count\nA,0\n", "The file has no counts"),
        (b"ethnic_group,count\nA,1\n\xff\xfe\n", "The file is not UTF-8 text."),
        ("ethnic_group,count\nA,99999999999\n", "Row 2, column count: Enter a whole number"),
    ],
)
def test_files_that_are_not_population_files(app, admin, content, problem):
    before = table_counts(app)
    response = upload(admin, content)
    assert response.status_code == 400
    assert problem in text_of(response)
    assert table_counts(app) == before


def test_problems_are_in_the_admins_language(app, admin):
    catalog = Translations.load(str(resource_dir("translations")), ["ur"])
    expected = catalog.ugettext("Row %(row)s, column %(column)s: %(message)s") % {
        "row": 3,
        "column": "count",
        "message": "",
    }
    assert expected.startswith("قطار")  # the test's own check that Urdu was loaded
    response = upload(admin, "ethnic_group,count\nA,5\nB,lots\n", url="/ur/admin/population")
    assert response.status_code == 400
    assert expected in text_of(response)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "E08000001"}, "There is already a population with the code E08000001"),
        ({"code": "two words"}, "Use only letters, numbers, hyphens, full stops and underscores"),
        ({"name": ""}, "Enter a name"),
        ({"source": ""}, "Enter where the figures come from"),
    ],
)
def test_form_errors(app, admin, fields, message):
    before = table_counts(app)
    response = upload(admin, GOOD_FILE.replace("J,0\n", ""), **fields)
    assert response.status_code == 400
    assert message in text_of(response)
    assert table_counts(app) == before


def test_a_code_already_used_by_a_custom_baseline_is_refused(app, admin):
    assert upload(admin, "ethnic_group,count\nA,5\n").status_code == 302
    before = table_counts(app)
    response = upload(admin, "ethnic_group,count\nB,9\n", name="Another")
    assert response.status_code == 400
    assert "There is already a population with the code P82001" in text_of(response)
    assert table_counts(app) == before


def test_a_file_is_required(admin):
    response = post_form(admin, URL, {"code": "X1", "name": "X", "source": "Y"})
    assert response.status_code == 400
    assert "Choose the file of counts to upload." in text_of(response)


def test_an_admin_removes_a_custom_baseline_and_consultations_lose_it(app, admin):
    assert upload(admin, "ethnic_group,count\nA,5\n").status_code == 302
    with app.app_context():
        baseline_id = db.session.scalar(select(Baseline.id).where(Baseline.code == "P82001"))
        consultations.get_consultation("test-consultation").area_code = "P82001"
        db.session.commit()
    page = admin.get(URL).get_data(as_text=True)
    assert f"/en/admin/population/{baseline_id}/delete" in page
    response = post_form(admin, f"{URL}/{baseline_id}/delete", token_from=URL)
    assert response.status_code == 302
    page = text_of(admin.get(URL))
    assert "Northmoor Surgery has been removed." in page
    assert "1 consultation was compared with it and now has no area." in page
    with app.app_context():
        assert db.session.get(Baseline, baseline_id) is None
        rows = db.session.scalar(
            select(func.count())
            .select_from(PopulationCount)
            .where(PopulationCount.baseline_id == baseline_id)
        )
        assert rows == 0
        assert consultations.get_consultation("test-consultation").area_code is None


def test_census_areas_cannot_be_removed(app, admin):
    with app.app_context():
        bolton_id = db.session.scalar(select(Baseline.id).where(Baseline.code == "E08000001"))
    response = post_form(admin, f"{URL}/{bolton_id}/delete", token_from=URL)
    assert response.status_code == 302
    assert "The Census 2021 areas cannot be removed" in text_of(admin.get(URL))
    with app.app_context():
        assert db.session.get(Baseline, bolton_id) is not None


def test_removing_needs_the_csrf_token(app, admin):
    assert upload(admin, "ethnic_group,count\nA,5\n").status_code == 302
    with app.app_context():
        baseline_id = db.session.scalar(select(Baseline.id).where(Baseline.code == "P82001"))
    assert admin.post(f"{URL}/{baseline_id}/delete").status_code == 400
    with app.app_context():
        assert db.session.get(Baseline, baseline_id) is not None


@pytest.mark.parametrize("role", ["member", "host", "analyst", "commissioner"])
def test_only_site_admins(app, client, world, role):
    login(client, world.emails[role])
    assert client.get(URL).status_code == 403
    before = table_counts(app)
    response = client.post(
        URL,
        data={
            "code": "X1",
            "name": "X",
            "source": "Y",
            "file": (io.BytesIO(b"ethnic_group,count\nA,5\n"), "counts.csv"),
            "csrf_token": csrf_token(client),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 403
    assert table_counts(app) == before
    assert 'href="/en/admin/population"' not in client.get("/en/").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in(client, world):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/en/login" in response.headers["Location"]
