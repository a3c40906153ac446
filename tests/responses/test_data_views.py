"""The responses pages: overview, upload with problems shown at once or a job with
progress, and the CSV and XLSX downloads."""

from __future__ import annotations

import csv
import io
import logging
import re
from html import escape

import pytest
from flask_babel import force_locale
from openpyxl import load_workbook
from sqlalchemy import func, select

from engage import jobs
from engage.extensions import db
from engage.i18n import _
from engage.responses.models import Channel, Response
from tests.conftest import csrf_token, login
from tests.responses.test_transfer import GOOD

S = "/en/surveys/test-survey/responses"


@pytest.fixture
def app_config():
    # the job runs in the request, inside the test's transaction
    return {"JOBS_INLINE": True}


@pytest.fixture
def analyst(client, world):
    login(client, world.emails["analyst"])
    return client


def upload(client, text: str | bytes, *, name: str = "responses.csv", locale: str = "en"):
    data = text.encode() if isinstance(text, str) else text
    url = f"/{locale}/surveys/test-survey/responses/import"
    return client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Response))


def test_a_good_file_is_imported_by_a_job_and_the_page_says_how_many(app, analyst, world):
    response = upload(analyst, GOOD)
    assert response.status_code == 303
    status_url = response.headers["Location"]
    assert re.search(r"/en/surveys/test-survey/responses/import/[0-9a-f]{32}$", status_url)
    page = analyst.get(status_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "4 responses imported." in html
    assert "See the responses" in html
    assert 'http-equiv="refresh"' not in html
    data = analyst.get(status_url + ".json").get_json()
    assert data["state"] == "done" and data["finished"] and data["done"] == 4
    with app.app_context():
        rows = db.session.scalars(select(Response)).all()
        assert len(rows) == 4
        assert {r.entered_by_id for r in rows} == {world.ids["analyst"]}
    overview = analyst.get(S).get_data(as_text=True)
    assert "4 responses so far." in overview
    assert "Import responses from a file" in overview


def test_a_bad_file_is_refused_at_once_with_row_and_column(app, analyst):
    before = count(app)
    response = upload(analyst, GOOD.replace(",Z,", ",X,"))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert "Row 4, column ethnic_group: Use a Census 2021 ethnic group code" in html
    assert "nothing was written" in html
    assert count(app) == before


def test_a_bad_file_is_refused_in_the_page_language(app, analyst):
    response = upload(analyst, GOOD.replace(",7,3,", ",7,three,"), locale="ur")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'lang="ur"' in html
    with app.test_request_context("/ur/"), force_locale("ur"):
        heading = _("There is a problem")
        problem = _(
            "Row %(row)s, column %(column)s: %(message)s",
            row=2,
            column="visits",
            message=_("Enter a number, like 3 or 12.5"),
        )
    assert escape(heading) in html
    assert escape(problem) in html


def test_a_large_file_is_checked_by_the_job_and_its_problems_shown(app, analyst):
    app.config["IMPORT_CHECK_INLINE_BYTES"] = 0
    response = upload(analyst, GOOD.replace("gp;hospital", "gp;dentist"))
    assert response.status_code == 303
    html = analyst.get(response.headers["Location"]).get_data(as_text=True)
    assert "The file was not imported, and nothing was written." in html
    assert "Row 2, column services: Select from the options shown" in html
    assert "Import a corrected file" in html
    assert count(app) == 0


@pytest.mark.parametrize(
    "app_config",
    [{"JOBS_INLINE": True, "MAX_CONTENT_LENGTH": 4096, "IMPORT_MAX_CONTENT_LENGTH": 200_000}],
)
def test_an_import_may_be_larger_than_any_other_request(app, analyst, world):
    lines = GOOD.splitlines(keepends=True)
    body = lines[0] + "".join(lines[2:4]) * 600  # about 50 KB: two rows, 600 times over
    response = upload(analyst, body)
    assert response.status_code == 303, response.status_code
    assert count(app) == 1200
    # any other request is held to MAX_CONTENT_LENGTH
    url = "/en/surveys/test-survey/coding"
    big = analyst.post(url, data={"csrf_token": csrf_token(analyst, S), "x": "y" * 5000})
    assert big.status_code == 413
    # and an import beyond its own limit is refused with a page that says why
    refused = upload(analyst, lines[0] + lines[2] * 5000)
    assert refused.status_code == 413
    assert "The file is too large" in refused.get_data(as_text=True)
    assert count(app) == 1200
    # someone not signed in gets no larger limit: the body is refused before it is read
    stranger = app.test_client()
    url = "/en/surveys/test-survey/responses/import"
    response = stranger.post(url, data={"file": (io.BytesIO(body.encode()), "r.csv")})
    assert response.status_code == 413


def test_no_file_or_a_wrong_kind_of_file(analyst):
    url = f"{S}/import"
    response = analyst.post(url, data={"csrf_token": csrf_token(analyst, url)})
    assert response.status_code == 400
    assert "Choose the file of responses to import." in response.get_data(as_text=True)
    response = upload(analyst, b"MZ\x90\x00", name="virus.exe")
    assert response.status_code == 400
    assert "The file must be a .csv or .xlsx file." in response.get_data(as_text=True)
    response = upload(analyst, b"\xff\xfe\x00garbage", name="responses.csv")
    assert response.status_code == 400
    assert "not UTF-8" in response.get_data(as_text=True)
    response = upload(analyst, b"not a workbook", name="responses.xlsx")
    assert response.status_code == 400
    assert "Excel workbook" in response.get_data(as_text=True)


def test_progress_page_while_the_job_runs(app, analyst):
    job_id = "a" * 32
    with app.app_context():
        jobs._write(
            app,
            job_id,
            {
                "state": "running",
                "stage": "import",
                "done": 12000,
                "total": 50000,
                "meta": {"survey": "test-survey"},
            },
        )
    html = analyst.get(f"{S}/import/{job_id}").get_data(as_text=True)
    assert "12,000 of 50,000 rows imported." in html
    assert '<progress id="import-progress"' in html and 'value="12000"' in html
    assert "Check progress" in html
    assert 'src="/static/js/import-progress.mjs"' in html
    assert 'http-equiv="refresh"' not in html
    data = analyst.get(f"{S}/import/{job_id}.json").get_json()
    assert data == {
        "state": "running",
        "stage": "import",
        "done": 12000,
        "total": 50000,
        "text": "12,000 of 50,000 rows imported.",
        "errors": [],
        "more": False,
        "finished": False,
    }
    # a job of another survey is not found here
    assert analyst.get(f"/en/surveys/draft-survey/responses/import/{job_id}").status_code == 404


def test_csv_export_downloads_every_response_and_is_logged(app, analyst, world, caplog):
    upload(analyst, GOOD)
    with caplog.at_level(logging.INFO, logger="engage.responses.data_views"):
        response = analyst.get(f"{S}/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="test-survey-responses.csv"'
    )
    assert "no-store" in response.headers["Cache-Control"]
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == 4
    assert rows[0]["services"] == "gp;hospital"
    assert rows[0]["why_poor__themes"] == "waiting;staff"
    assert rows[0]["forum"] == "forum-a"
    assert {r["channel"] for r in rows} == {
        Channel.paper.value,
        Channel.imported.value,
        Channel.event.value,
    }
    assert f"export of survey test-survey by user {world.ids['analyst']}" in caplog.text
    assert "Waited" not in caplog.text


def test_xlsx_export_downloads(analyst):
    upload(analyst, GOOD)
    response = analyst.get(f"{S}/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "test-survey-responses.xlsx" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.max_row == 5
    assert sheet["A1"].value == "experience"
    response.close()


def test_a_commissioner_sees_the_counts_but_not_import_or_export(client, world):
    login(client, world.emails["commissioner"])
    html = client.get(S).get_data(as_text=True)
    assert "0 responses so far." in html
    assert "Import responses" not in html
    assert client.get(f"{S}/export.csv").status_code == 403


def test_a_long_csv_export_streams_in_pieces_with_every_response(app, analyst):
    lines = ["experience,summary"] + [f"good,answer {i}" for i in range(1234)]
    response = upload(analyst, "\n".join(lines))
    assert response.status_code == 303
    response = analyst.get(f"{S}/export.csv", buffered=False)
    pieces = list(response.response)
    response.close()
    assert len(pieces) > 2
    rows = list(csv.DictReader(io.StringIO(b"".join(pieces).decode("utf-8"))))
    assert [r["summary"] for r in rows] == [f"answer {i}" for i in range(1234)]
