"""Response import of awkward and damaged files, through the command line and the upload
page: every problem is a message naming the row (and column), nothing is written, the
upload is never a 500 and never leaves the file behind, and nothing in the file is
silently dropped or read as something else."""

from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from engage.extensions import db
from engage.responses import transfer, values
from engage.responses.models import Answer, Draft, Profile, Response
from tests.conftest import csrf_token, login
from tests.responses.journey import post, start

URL = "/{locale}/surveys/test-survey/responses/import"


@pytest.fixture
def app_config():
    # the job runs in the request, inside the test's transaction
    return {"JOBS_INLINE": True}


@pytest.fixture
def analyst(client, world):
    login(client, world.emails["analyst"])
    return client


def counts(app) -> tuple[int, int, int]:
    with app.app_context():
        return tuple(
            db.session.scalar(select(func.count()).select_from(m))
            for m in (Response, Answer, Profile)
        )


def upload(client, data: bytes, name: str = "responses.csv", locale: str = "en"):
    url = URL.format(locale=locale)
    return client.post(
        url,
        data={"csrf_token": csrf_token(client, url), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def cli(runner, world, tmp_path, data: bytes, name: str = "responses.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return runner.invoke(args=["import-responses", world.survey, str(path), "--quiet"])


def refused_both_ways(app, analyst, runner, world, tmp_path, data, name, expected):
    """The file is refused by the command line (exit 1) and at once by the upload page
    (400, not 500) with ``expected`` among its problems, and nothing is written."""
    before = counts(app)
    result = cli(runner, world, tmp_path, data, name)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "nothing was written" in result.output
    assert expected in result.output
    response = upload(analyst, data, name)
    assert response.status_code == 400
    assert expected in response.get_data(as_text=True).replace("&#34;", '"')
    assert counts(app) == before


def uploads_left(app) -> list[str]:
    folder = Path(app.instance_path) / "uploads"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def workbook(rows) -> bytes:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def rezip(data: bytes, part: str, edit) -> bytes:
    """The workbook with one part changed by ``edit(bytes) -> bytes``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as old, zipfile.ZipFile(out, "w") as new:
        for item in old.infolist():
            content = old.read(item.filename)
            new.writestr(item.filename, edit(content) if item.filename == part else content)
    return out.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
GOOD_BOOK = workbook([["experience", "visits"], ["good", 3]])


# 1. submitted_at far out or in the future ---------------------------------------------


@pytest.mark.parametrize(
    ("when", "words"),
    [
        ("9999-12-31T23:59:59-12:00", "This date and time is in the future"),
        ("0001-01-01T00:00:00+01:00", "Enter a date and time like"),
        ("2999-01-01T00:00:00", "This date and time is in the future"),
        ((datetime.now(UTC) + timedelta(days=3)).isoformat(), "This date and time is in the"),
    ],
)
def test_a_far_out_or_future_submitted_at_is_a_row_error(
    app, analyst, runner, world, tmp_path, when, words
):
    data = f"experience,submitted_at\ngood,2025-01-01T10:00:00\ngood,{when}\n".encode()
    refused_both_ways(
        app, analyst, runner, world, tmp_path, data, "r.csv", f"Row 3, column submitted_at: {words}"
    )


def test_a_submitted_at_a_few_hours_ahead_is_taken(app, runner, world, tmp_path):
    # another time zone's clock, or a clock a little fast: not the future
    soon = (datetime.now(UTC) + timedelta(hours=3)).replace(microsecond=0)
    data = f"experience,submitted_at\ngood,{soon.isoformat()}\n".encode()
    result = cli(runner, world, tmp_path, data)
    assert result.exit_code == 0, result.output
    with app.app_context():
        stored = db.session.scalar(select(Response.submitted_at))
    assert stored.replace(tzinfo=UTC) == soon


# 2. damaged workbooks -----------------------------------------------------------------


def _chartsheet_first() -> bytes:
    book = Workbook()
    book.create_chartsheet("chart", 0)
    book["Sheet"].append(["experience"])
    book["Sheet"].append(["good"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


DAMAGED = {
    "workbook.xml": rezip(GOOD_BOOK, "xl/workbook.xml", lambda c: b"<workbook><oops"),
    "styles.xml": rezip(GOOD_BOOK, "xl/styles.xml", lambda c: b"<styleSheet><x"),
    "content types": rezip(GOOD_BOOK, "[Content_Types].xml", lambda c: b"garbage"),
    "workbook rels": rezip(GOOD_BOOK, "xl/_rels/workbook.xml.rels", lambda c: b"<Relation"),
    "dimension": rezip(
        GOOD_BOOK, SHEET, lambda c: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="ZZZZZ"', c)
    ),
    "chartsheet": _chartsheet_first(),
    "a cell": rezip(GOOD_BOOK, SHEET, lambda c: c.replace(b"<v>3</v>", b"<v>abc</v>")),
}


@pytest.mark.parametrize("damage", list(DAMAGED))
def test_a_damaged_workbook_is_refused_as_unreadable_not_a_crash(
    app, analyst, runner, world, tmp_path, damage
):
    refused_both_ways(
        app,
        analyst,
        runner,
        world,
        tmp_path,
        DAMAGED[damage],
        "r.xlsx",
        "could not be read as an Excel workbook",
    )
    assert uploads_left(app) == []


# 3. the uploaded file never stays behind ----------------------------------------------


def test_the_uploaded_file_is_removed_when_checking_it_fails_unexpectedly(
    app, analyst, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug while checking")

    monkeypatch.setattr(transfer, "check_file", broken)
    assert upload(analyst, b"experience\ngood\n").status_code == 500
    assert uploads_left(app) == []  # it holds personal data


def test_an_uploaded_file_is_removed_after_a_refusal_and_after_an_import(app, analyst):
    assert upload(analyst, b"experience\nsuperb\n").status_code == 400
    assert upload(analyst, b"experience\ngood\n").status_code == 303
    assert uploads_left(app) == []


# 4. a wrong declared sheet size -------------------------------------------------------


def test_a_workbook_declaring_too_small_a_sheet_imports_every_row_and_column(
    app, runner, world, tmp_path
):
    rows = [["experience", "visits", "summary"], ["good", 3, "kind"], ["poor", 4, "slow"]]
    data = rezip(
        workbook(rows),
        SHEET,
        lambda c: re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B2"', c),
    )
    result = cli(runner, world, tmp_path, data, "r.xlsx")
    assert result.exit_code == 0, result.output
    assert "Imported 2 responses" in result.output
    with app.app_context():
        texts = db.session.scalars(
            select(Answer.text).where(Answer.text.is_not(None)).order_by(Answer.id)
        ).all()
    assert texts == ["kind", "slow"]  # column C, and row 3, beyond the declared A1:B2


# 5. an unclosed quote -----------------------------------------------------------------


def test_an_unclosed_quote_is_refused_naming_the_row_it_opens_in(
    app, analyst, runner, world, tmp_path
):
    data = b'experience,summary\ngood,fine\ngood,"oops\ngood,fine\npoor,bad\nvery_good,great\n'
    refused_both_ways(
        app, analyst, runner, world, tmp_path, data, "r.csv", "Row 3: A quote that opens"
    )


def test_a_quoted_cell_over_several_lines_still_imports(app, runner, world, tmp_path):
    data = b'experience,summary\ngood,"first line\nsecond line"\npoor,bad\n'
    result = cli(runner, world, tmp_path, data)
    assert result.exit_code == 0, result.output
    assert "Imported 2 responses" in result.output


# 6. a decimal comma -------------------------------------------------------------------


def test_a_decimal_comma_is_refused_not_read_as_another_number(
    app, analyst, runner, world, tmp_path
):
    data = b'visits,recommend\n"7,5","1,0"\n'
    refused_both_ways(
        app,
        analyst,
        runner,
        world,
        tmp_path,
        data,
        "r.csv",
        "Row 2, column visits: Enter a number with a full stop for decimals, like 7.5",
    )
    result = cli(runner, world, tmp_path, data)
    assert "Row 2, column recommend: Choose a number from 0 to 10" in result.output


def test_commas_between_thousands_are_still_read(app, runner, world, tmp_path):
    # "1,000" is a thousand (too many visits), not 1; "0,012" has a decimal comma
    result = cli(runner, world, tmp_path, b'visits\n"1,000"\n"0,012"\n')
    assert "Row 2, column visits: Enter a number from 0 to 100" in result.output
    assert "Row 3, column visits: Enter a number with a full stop for decimals" in result.output
    assert counts(app) == (0, 0, 0)


def test_a_respondent_typing_a_decimal_comma_is_asked_again(app, client, world):
    post(client, start(client), {"experience": "good"})
    page = "/en/surveys/test-survey/page/3"
    response = post(client, page, {"visits": "7,5", "recommend": "1,0"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter a number with a full stop for decimals, like 7.5" in html
    assert "Choose a number from 0 to 10" in html
    assert 'value="7,5"' in html  # what they typed is kept for them to correct


def test_numbers_written_in_urdu_or_arabic_digits_are_read(app, client, world):
    post(client, start(client), {"experience": "good"})
    page = "/en/surveys/test-survey/page/3"
    response = post(client, page, {"visits": "\u06f1\u06f2", "recommend": "\u0667"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    with app.app_context():
        answers = db.session.scalars(select(Draft)).one().answers
    assert (float(answers["visits"]), float(answers["recommend"])) == (12, 7)
    # thousands grouped in those digits too (the survey's number has a maximum of 100)
    assert values._number("\u06f1,\u06f2\u06f3\u06f4") == 1234
    assert values._number("\u0661,\u0660\u0660\u0660") == 1000
    assert values._number("\u0667,\u0665") is None  # a decimal comma, as 7,5


# 7. workbooks that unpack to far more than they weigh ---------------------------------


def test_a_workbook_that_unpacks_to_too_much_is_refused_before_it_is_opened(
    app, analyst, runner, world, tmp_path
):
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(GOOD_BOOK)) as old,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as new,
    ):
        for item in old.infolist():
            content = old.read(item.filename)
            if item.filename != "xl/styles.xml":
                new.writestr(item.filename, content)
                continue
            # openpyxl reads the styles (and shared strings) whole, before any row
            head, tail = content.rsplit(b"</styleSheet>", 1)
            with new.open(item.filename, "w", force_zip64=True) as part:
                part.write(head)
                padding = b" " * (1 << 20)
                for _ in range(transfer.MAX_XLSX_UNPACKED // len(padding) + 1):
                    part.write(padding)
                part.write(b"</styleSheet>" + tail)
    data = out.getvalue()
    assert len(data) < 2 * 1024 * 1024
    refused_both_ways(
        app, analyst, runner, world, tmp_path, data, "r.xlsx", "Save it as “CSV UTF-8”"
    )


def test_a_stray_cell_far_to_the_right_neither_slows_the_import_nor_goes_unseen(
    app, runner, world, tmp_path
):
    def import_taking(book) -> float:
        path = tmp_path / "r.xlsx"
        book.save(path)
        began = time.perf_counter()
        result = runner.invoke(args=["import-responses", world.survey, str(path), "--quiet"])
        assert result.exit_code == 0, result.output
        assert "Imported 3000 responses" in result.output
        return time.perf_counter() - began

    plain, padded = Workbook(), Workbook()
    for book in (plain, padded):
        book.active.append(["experience", "visits"])
        for row in range(2, 3002):
            book.active.cell(row, 1, "good")
            book.active.cell(row, 2, 3)
    for row in range(2, 3002):
        padded.active.cell(row, 16384, " ")  # column XFD: blank, but the row reaches it
    # each row was read as 16,384 cells: twenty times as long
    assert import_taking(padded) < 5 * import_taking(plain) + 1

    padded.active.cell(5, 16384, "stray")
    padded.save(tmp_path / "r.xlsx")
    result = runner.invoke(
        args=["import-responses", world.survey, str(tmp_path / "r.xlsx"), "--quiet"]
    )
    assert result.exit_code == 1
    assert "Row 5, column XFD: This cell has no column name" in result.output


# 8. long cells, a byte that is not UTF-8, a long ethnic group description -------------


def test_a_cell_beyond_the_csv_readers_default_limit_gets_the_length_check(
    app, analyst, runner, world, tmp_path
):
    data = b"experience,why_poor\ngood,fine\npoor," + b"x" * 200_000 + b"\n"
    refused_both_ways(
        app,
        analyst,
        runner,
        world,
        tmp_path,
        data,
        "r.csv",
        "Row 3, column why_poor: Your answer must be 10000 characters or fewer",
    )


def test_a_byte_that_is_not_utf8_is_reported_on_its_own_row(app, analyst, runner, world, tmp_path):
    data = b"summary\n" + b"ok\n" * 5 + b'"two\nlines"\n' + b"ok\n" * 3000 + b"Caf\xe9\n"
    refused_both_ways(
        app, analyst, runner, world, tmp_path, data, "r.csv", "Row 3008: The file is not UTF-8"
    )


def test_a_byte_that_is_not_utf8_in_a_cell_of_several_lines_is_reported_as_such(
    app, analyst, runner, world, tmp_path
):
    data = b'experience,why_poor\npoor,"two\nlines, caf\xe9"\ngood,\n'
    refused_both_ways(
        app, analyst, runner, world, tmp_path, data, "r.csv", "Row 2: The file is not UTF-8"
    )


def test_a_long_ethnic_group_description_is_refused_not_cut(app, analyst, runner, world, tmp_path):
    data = b"experience,ethnic_group,ethnic_group_other\ngood,other_any,fine\n"
    data += b"good,other_any," + b"x" * 201 + b"\n"
    refused_both_ways(
        app,
        analyst,
        runner,
        world,
        tmp_path,
        data,
        "r.csv",
        "Row 3, column ethnic_group_other: Your answer must be 200 characters or fewer",
    )
