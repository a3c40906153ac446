"""Responses to and from files: ``engage import-responses``, ``engage export-responses``
and the upload and download pages.

The columns are the same both ways (DESIGN.md), so an export imports back unchanged:
question keys in survey order (each free-text question followed by ``K__themes``,
``K__sentiment`` and ``K__language``), the monitoring keys, then ``channel``,
``submitted_at``, ``locale`` and ``forum``.

An export's ``K__themes`` and ``K__sentiment`` are the analyst's coding where there is
one, else the text pipeline's suggestions, and ``K__language`` the language given on
import, else the one the pipeline found (DESIGN.md). Imported, they are coding: an
export of that survey is the same file again.

An import reads the file twice and never holds it in memory: the first pass checks every
row and writes nothing; the second inserts in batches with executemany, in the caller's
one transaction. A bad row rejects the whole file with :class:`ImportRejected`.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import func, insert, select, text
from sqlalchemy.exc import IntegrityError

from engage.accounts.models import Organisation, OrgKind
from engage.cells import neutralise, restore
from engage.communities.categories import (
    DIMENSION_BY_KEY,
    MONITORING_KEYS,
    UnknownCode,
    clean_monitoring_value,
)
from engage.consultations.models import Question, QuestionType, Survey
from engage.consultations.service import ordered_questions
from engage.extensions import db
from engage.forms import clean_text
from engage.i18n import _l
from engage.insights.codebook import THEME_CODE
from engage.insights.models import TextAnalysis
from engage.problems import RowProblem
from engage.responses import values
from engage.responses.models import (
    Answer,
    Channel,
    Profile,
    Response,
    Sentiment,
    group_values,
)
from engage.responses.service import new_references
from engage.sqltypes import utcnow

#: responses inserted per executemany
BATCH_SIZE = 5000
#: the first pass stops listing problems after this many
MAX_ERRORS = 20
META_COLUMNS = ["channel", "submitted_at", "locale", "forum"]
CODING_SUFFIXES = ("__themes", "__sentiment", "__language")
LANGUAGE_CODE = re.compile(r"^[a-z]{2,3}(-[A-Za-z]{2,4})?$")
#: how many distinct values of one column are remembered, already parsed
_MEMO_LIMIT = 5000
#: the longest CSV cell read (characters; Python's default is 131,072), so that a long
#: answer meets the answer's own length check, which names its column
CSV_FIELD_LIMIT = 16 * 1024 * 1024
#: a workbook whose parts unpack to more than this (bytes) is refused before it is opened:
#: openpyxl holds its shared strings and styles in memory, and a small file can unpack to
#: gigabytes. A larger set of responses imports as CSV, which is read as it streams.
MAX_XLSX_UNPACKED = 100 * 1024 * 1024
#: a response submitted later than this after the import is refused (clocks differ)
_FUTURE_ALLOWANCE = timedelta(days=1)

Progress = Callable[..., None]


# Results and problems ---------------------------------------------------------------------


#: a problem in the file: row, column and why (engage.problems)
RowError = RowProblem


class ImportRejected(Exception):
    """The file was not imported; nothing was written."""

    def __init__(self, errors: list[RowError], *, more: bool = False):
        super().__init__(f"{len(errors)} problem(s) in the file")
        self.errors = errors
        #: there were more problems than are listed
        self.more = more


@dataclass
class ImportResult:
    count: int


@dataclass
class Checked:
    """What the first pass found: the number of responses in a good file."""

    rows: int
    errors: list[RowError] = field(default_factory=list)
    more: bool = False


# Reading files -----------------------------------------------------------------------


class _Unreadable(Exception):
    def __init__(self, row: int, message: Any):
        self.row = row
        self.message = message


def is_xlsx(path: str | Path) -> bool:
    return str(path).lower().endswith((".xlsx", ".xlsm"))


class _Reader:
    """The rows of a CSV or XLSX file as lists of strings, and how far it has read."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self.size = max(Path(self.path).stat().st_size, 1)
        self._binary = None
        self._text = None
        self._workbook = None
        #: the workbook's file, opened here so that it is closed even when openpyxl fails
        self._xlsx_file = None
        self._max_row: int | None = None
        self.row = 0

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc) -> None:
        if self._text is not None:
            self._text.close()
        elif self._binary is not None:
            self._binary.close()
        if self._workbook is not None:
            self._workbook.close()
        if self._xlsx_file is not None:
            self._xlsx_file.close()

    def position(self) -> tuple[int, int]:
        """(done, total): bytes of a CSV, rows of a workbook."""
        if self._binary is not None:
            try:
                return min(self._binary.tell(), self.size), self.size
            except (OSError, ValueError):
                return self.size, self.size
        return self.row, max(self._max_row or self.row, self.row, 1)

    def rows(self) -> Iterator[list[str]]:
        if is_xlsx(self.path):
            yield from self._xlsx_rows()
        else:
            yield from self._csv_rows()

    def _csv_rows(self) -> Iterator[list[str]]:
        if csv.field_size_limit() < CSV_FIELD_LIMIT:
            csv.field_size_limit(CSV_FIELD_LIMIT)
        self._binary = open(self.path, "rb")  # noqa: SIM115 - closed by __exit__
        # strict UTF-8 (a byte-order mark is allowed): other encodings are refused with a row
        self._text = io.TextIOWrapper(
            self._binary, encoding="utf-8-sig", newline="", errors="strict"
        )
        # strict: a quote left open to the end of the file is an error, not one last cell
        # holding every row after it (and "a"b is not read as ab)
        reader = csv.reader(self._text, strict=True)
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                # the text is decoded a block ahead of the rows: find the row it is in
                row, message = _bad_byte_row(self.path)
                raise _Unreadable(row, message) from None
            except csv.Error as exc:
                raise _Unreadable(self.row + 1, _csv_problem(exc)) from None
            self.row += 1
            yield cells

    def _xlsx_rows(self) -> Iterator[list[str]]:
        from openpyxl import load_workbook

        unreadable = _l("The file could not be read as an Excel workbook")
        try:
            if unpacked_size(self.path) > MAX_XLSX_UNPACKED:
                raise _Unreadable(
                    1,
                    _l(
                        "The workbook is too large to read: it unpacks to more than "
                        "%(size)s MB. Save it as \u201cCSV UTF-8\u201d and upload that instead",
                        size=MAX_XLSX_UNPACKED // (1024 * 1024),
                    ),
                )
            self._xlsx_file = open(self.path, "rb")  # noqa: SIM115 - closed by __exit__
            self._workbook = load_workbook(self._xlsx_file, read_only=True, data_only=True)
            sheet = self._workbook.worksheets[0]
            # the declared size only shows progress: every row and cell there is is read
            self._max_row = sheet.max_row
            rows = _sheet_rows(self._workbook, sheet)
        except _Unreadable:
            raise
        except Exception:  # noqa: BLE001 - a damaged workbook can raise anything
            raise _Unreadable(1, unreadable) from None
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except Exception:  # noqa: BLE001 - a damaged workbook can raise anything
                raise _Unreadable(self.row + 1, unreadable) from None
            self.row += 1
            yield cells


def unpacked_size(path: str | Path) -> int:
    """What a workbook's parts add up to unpacked (bytes), as its zip directory says
    (Python's zipfile never gives more than that); the file's size if it is no zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return Path(path).stat().st_size


def _sheet_rows(workbook: Any, sheet: Any) -> Iterator[list[str]]:
    """Each row of the sheet as the text of its cells, up to its last cell that is not
    blank; a missing row is an empty list.

    openpyxl's read-only rows trust the sheet's declared size (a wrong <dimension> drops
    the rows and columns beyond it) and pad every row to its last cell (a stray cell in
    column XFD makes each row 16,384 cells): this reads the cells the sheet holds, with
    the parser openpyxl's own read-only rows use."""
    from openpyxl.worksheet._reader import WorkSheetParser

    with workbook._archive.open(sheet._worksheet_path) as source:
        parser = WorkSheetParser(
            source,
            sheet._shared_strings,
            data_only=True,
            epoch=workbook.epoch,
            date_formats=workbook._date_formats,
            timedelta_formats=workbook._timedelta_formats,
        )
        expected = 1
        for number, cells in parser.parse():
            if number < expected:
                raise ValueError(f"row {number} comes after row {expected - 1}")
            while expected < number:
                expected += 1
                yield []
            expected += 1
            row: list[str] = []
            for cell in cells:
                value = cell["value"]
                if value is None:
                    continue
                text_ = _cell_text(value)
                if not text_ or text_.isspace():
                    continue
                at = cell["column"] - 1
                if at >= len(row):
                    row.extend([""] * (at + 1 - len(row)))
                row[at] = text_
            yield row


def _csv_problem(exc: csv.Error) -> Any:
    if "field limit" in str(exc):
        return _l("A cell in this row is too long to read (check its quotes)")
    if "end of data" in str(exc):
        return _l(
            "A quote that opens in this row is not closed before the end of the file "
            "(check its quotes)"
        )
    return _l("The row could not be read as CSV (check its quotes)")


def _bad_byte_row(path: str) -> tuple[int, Any]:
    """Where a CSV file stops being UTF-8: (its row, the problem). The rows before it are
    read again (a row with its own problem before that one is reported instead)."""
    not_utf8 = _l(
        "The file is not UTF-8 text. Save it as \u201cCSV UTF-8\u201d and upload it again"
    )
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = None
    done = 0
    with open(path, "rb") as binary:
        while offset is None:
            chunk = binary.read(1 << 20)
            pending = len(decoder.getstate()[0])
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                offset = done - pending + exc.start
            if not chunk:
                break
            done += len(chunk)
    if offset is None:
        return 1, not_utf8
    with open(path, "rb") as binary:
        head = io.TextIOWrapper(
            io.BufferedReader(_Head(binary, offset)), encoding="utf-8-sig", newline=""
        )
        rows = 0
        try:
            # the row that holds the byte is the one a character put in its place is in
            for _cells in csv.reader(_with_marker(head), strict=True):
                rows += 1
        except csv.Error as exc:
            if "end of data" in str(exc):
                # cut at the byte, a quoted cell that goes on past it is left open: the
                # byte is the problem, in the row that cell began
                return rows + 1, not_utf8
            return rows + 1, _csv_problem(exc)
    return max(rows, 1), not_utf8


def _with_marker(lines: Iterator[str]) -> Iterator[str]:
    last = None
    for line in lines:
        if last is not None:
            yield last
        last = line
    if last is None or last.endswith(("\n", "\r")):
        if last is not None:
            yield last
        yield "x"
    else:
        yield last + "x"


class _Head(io.RawIOBase):
    """The first ``size`` bytes of a binary file."""

    def __init__(self, binary: Any, size: int):
        self.binary, self.left = binary, size

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.binary.read(min(len(buffer), self.left))
        buffer[: len(data)] = data
        self.left -= len(data)
        return len(data)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return values.display(None, value)
    if isinstance(value, datetime):
        if value.time() == time(0) and value.tzinfo is None:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


# Import --------------------------------------------------------------------------------

_BLANK_ANSWER = {
    "option_id": None,
    "number": None,
    "text": None,
    "date": None,
    "text_language": None,
    "coded_themes": None,
    "coded_sentiment": None,
}


class _Row:
    """One row being read: what becomes its response, answers and profile."""

    __slots__ = ("response", "answers", "profile", "coding")

    def __init__(self, defaults: dict[str, Any]):
        self.response = dict(defaults)
        self.answers: list[dict[str, Any]] = []
        self.profile: dict[str, Any] | None = None
        #: question id -> (column, {coded column: value}) for free text
        self.coding: dict[int, tuple[str, dict[str, Any]]] | None = None


class _Plan:
    """The file's columns, each with the function that reads its cells."""

    def __init__(self, survey: Survey, header: list[str], *, locales, forums, actor_id):
        self.survey = survey
        self.locales = set(locales)
        #: the latest time a response in the file may have been submitted
        self.latest = datetime.now(UTC) + _FUTURE_ALLOWANCE
        self.forums = forums
        self.defaults = {
            "survey_id": survey.id,
            "submission_key": None,
            "channel": Channel.imported,
            "locale": "en",
            "forum_id": None,
            "entered_by_id": actor_id,
            "submitted_at": None,
        }
        questions = {q.key: q for q in ordered_questions(survey) if q.type != QuestionType.note}
        errors: list[RowError] = []
        #: for each column of the file, in order: its name and the function that reads it
        self.readers: list[tuple[str, Callable[[str, _Row], None]]] = []
        seen: set[str] = set()
        for index, raw_name in enumerate(header):
            name = (raw_name or "").strip()
            if index == 0:
                name = name.lstrip("\ufeff")
            if not name:
                self.readers.append((_column_letter(index), self._no_name))
                continue
            if name in seen:
                errors.append(RowError(1, name, _l("This column appears more than once")))
                continue
            seen.add(name)
            reader = self._reader_for(name, questions)
            if reader is None:
                errors.append(
                    RowError(
                        1,
                        name,
                        _l("The survey has no question and the file no column by this name"),
                    )
                )
                continue
            self.readers.append((name, reader))
        if not errors and not any(r[1] != self._no_name for r in self.readers):
            errors.append(RowError(1, "", _l("The first row must name the columns")))
        self.width = len(header)
        self.errors = errors

    # which function reads a column
    def _reader_for(self, name: str, questions: dict[str, Question]):
        if name in questions:
            return self._question_reader(questions[name])
        for suffix in CODING_SUFFIXES:
            key = name.removesuffix(suffix)
            if key != name and key in questions and questions[key].type.is_free_text:
                return self._coding_reader(questions[key], suffix, name)
        if name in DIMENSION_BY_KEY:
            return self._monitoring_reader(name)
        return {
            "channel": self._channel,
            "submitted_at": self._submitted_at,
            "locale": self._locale,
            "forum": self._forum,
        }.get(name)

    def _question_reader(self, question: Question):
        memo: dict[str, tuple[dict[str, Any], ...]] = {}
        base = {**_BLANK_ANSWER, "question_id": question.id}
        if question.type.is_free_text:
            limit = values.TEXT_LIMITS[question.type]

            def read_text(raw: str, row: _Row) -> None:
                # values.parse's rule for free text (stripped, at most the limit), without
                # its general machinery: free text is rarely the same twice, so no memo
                text = clean_text(raw).strip()
                if not text:
                    return
                if len(text) > limit:
                    values.parse(question, text)  # raises its Problem
                row.answers.append({**base, "text": text})

            return read_text

        def read(raw: str, row: _Row) -> None:
            rows = memo.get(raw)
            if rows is None:
                value = values.parse(question, raw)
                rows = tuple({**base, **cols} for cols in values.columns(question, value))
                if len(memo) < _MEMO_LIMIT:
                    memo[raw] = rows
            row.answers.extend(rows)

        return read

    def _coding_reader(self, question: Question, suffix: str, name: str):
        qid = question.id

        def read(raw: str, row: _Row) -> None:
            value = raw.strip()
            if not value:
                return
            if suffix == "__themes":
                codes: list[str] = []
                for item in value.split(";"):
                    code = item.strip().lower()
                    if not code:
                        continue
                    if not THEME_CODE.match(code):
                        raise values.Problem(
                            _l(
                                "Theme codes are letters, digits, dots, dashes and underscores, "
                                "separated by ;"
                            )
                        )
                    if code not in codes:
                        codes.append(code)
                if not codes:
                    return
                joined = ";".join(codes)
                if len(joined) > 500:
                    raise values.Problem(_l("The theme codes must be 500 characters or fewer"))
                column, coded = "coded_themes", joined
            elif suffix == "__sentiment":
                try:
                    coded = Sentiment(value.lower())
                except ValueError:
                    raise values.Problem(
                        _l("Use positive, neutral or negative, or leave the cell empty")
                    ) from None
                column = "coded_sentiment"
            else:
                if not LANGUAGE_CODE.match(value):
                    raise values.Problem(_l("Use a language code, like ur or pa-IN"))
                column, coded = "text_language", value
            if row.coding is None:
                row.coding = {}
            row.coding.setdefault(qid, (name, {}))[1][column] = coded

        return read

    def _monitoring_reader(self, key: str):
        memo: dict[str, Any] = {}
        dimension = DIMENSION_BY_KEY[key]
        if key == "ethnic_group":
            problem = _l(
                "Use a Census 2021 ethnic group code, or an NHS ethnic category code "
                "(A to S, Z or 99)"
            )
        elif dimension.kind == "postcode_district":
            problem = _l("Enter the first part of a postcode, like BL1 or M14")
        else:
            problem = _l(
                "Use one of the codes: %(codes)s", codes=", ".join(sorted(dimension.codes()))
            )
        text = dimension.kind == "text"
        limit = Profile.__table__.c[key].type.length if text else None

        def read(raw: str, row: _Row) -> None:
            if raw in memo:
                value = memo[raw]
            else:
                given = clean_text(raw) if text else raw
                if limit is not None and len(given.strip()) > limit:
                    raise values.Problem(
                        _l("Your answer must be %(limit)s characters or fewer", limit=limit)
                    )
                try:
                    value = clean_monitoring_value(key, given)
                except UnknownCode:
                    raise values.Problem(problem) from None
                if len(memo) < _MEMO_LIMIT:
                    memo[raw] = value
            if value is not None:
                if row.profile is None:
                    row.profile = {}
                row.profile[key] = value

        return read

    def _channel(self, raw: str, row: _Row) -> None:
        value = raw.strip().lower()
        if not value:
            return
        try:
            row.response["channel"] = Channel(value)
        except ValueError:
            raise values.Problem(
                _l("Use one of: %(codes)s", codes=", ".join(c.value for c in Channel))
            ) from None

    def _submitted_at(self, raw: str, row: _Row) -> None:
        value = raw.strip()
        if not value:
            return
        try:
            when = datetime.fromisoformat(value)
        except ValueError:
            raise values.Problem(
                _l("Enter a date and time like 2025-03-27T14:30:00+00:00")
            ) from None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        future = _l("This date and time is in the future: no response was submitted then")
        try:
            when = when.astimezone(UTC)
        except (OverflowError, ValueError):
            # beyond the years 1 to 9999 in UTC
            raise values.Problem(
                future
                if when.year > 1
                else _l("Enter a date and time like 2025-03-27T14:30:00+00:00")
            ) from None
        if when > self.latest:
            raise values.Problem(future)
        row.response["submitted_at"] = when

    def _locale(self, raw: str, row: _Row) -> None:
        value = raw.strip()
        if not value:
            return
        if value not in self.locales:
            raise values.Problem(
                _l("Use a language of this site: %(codes)s", codes=", ".join(sorted(self.locales)))
            )
        row.response["locale"] = value

    def _forum(self, raw: str, row: _Row) -> None:
        value = raw.strip()
        if not value:
            return
        forum_id = self.forums.get(value)
        if forum_id is None:
            raise values.Problem(_l("There is no forum with this short name (slug)"))
        row.response["forum_id"] = forum_id

    @staticmethod
    def _no_name(raw: str, row: _Row) -> None:
        if raw.strip():
            raise values.Problem(_l("This column has no name in the first row"))

    # one row
    def read(self, number: int, cells: list[str], errors: list[RowError]) -> _Row | None:
        """The row read, or None (with its problems added to ``errors``)."""
        row = _Row(self.defaults)
        good = True
        count = len(cells)
        for raw, (name, reader) in zip(cells, self.readers, strict=False):
            if not raw:
                continue
            # a cell the export neutralised loses its apostrophe; "'tis" stays as it is
            raw = restore(raw)
            try:
                reader(raw, row)
            except values.Problem as problem:
                errors.append(RowError(number, name, problem.message))
                good = False
        if count > self.width:
            stray = next((i for i in range(self.width, count) if cells[i].strip()), None)
            if stray is not None:
                errors.append(
                    RowError(number, _column_letter(stray), _l("This cell has no column name"))
                )
                good = False
        if row.coding:
            for qid, (name, coded) in row.coding.items():
                for i, answer in enumerate(row.answers):
                    if answer["question_id"] == qid:
                        row.answers[i] = {**answer, **coded}
                        break
                else:
                    errors.append(RowError(number, name, _l("There is no answer here to code")))
                    good = False
        return row if good else None


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def _is_blank(cells: list[str]) -> bool:
    return not any(c.strip() for c in cells)


def _plan(survey: Survey, path: str | Path, actor_id: int | None) -> tuple[_Plan | None, Any]:
    forums = dict(
        db.session.execute(
            select(Organisation.slug, Organisation.id).where(Organisation.kind == OrgKind.forum)
        ).all()
    )
    with _Reader(path) as reader:
        try:
            header = next(reader.rows(), None)
        except _Unreadable as exc:
            raise ImportRejected([RowError(exc.row, "", exc.message)]) from None
    if header is None or _is_blank(header):
        raise ImportRejected([RowError(1, "", _l("The file is empty"))])
    plan = _Plan(
        survey,
        header,
        locales=current_app.config["LANGUAGES"],
        forums=forums,
        actor_id=actor_id,
    )
    if plan.errors:
        raise ImportRejected(plan.errors[:MAX_ERRORS], more=len(plan.errors) > MAX_ERRORS)
    return plan, header


def check_file(
    survey: Survey, path: str | Path, *, actor: Any = None, progress: Progress | None = None
) -> Checked:
    """The first pass: every row read and checked, nothing written.

    Raises :class:`ImportRejected` for a file that cannot be imported."""
    plan, _header = _plan(survey, path, getattr(actor, "id", None))
    errors: list[RowError] = []
    rows = 0
    more = False
    with _Reader(path) as reader:
        try:
            iterator = reader.rows()
            next(iterator)
            for number, cells in enumerate(iterator, start=2):
                if _is_blank(cells):
                    continue
                rows += 1
                if plan.read(number, cells, errors) is None and len(errors) > MAX_ERRORS:
                    more = True  # and perhaps others further on: the first ones are enough
                    break
                if progress is not None and not rows % 2000:
                    progress(*reader.position(), stage="check")
        except _Unreadable as exc:
            errors.append(RowError(exc.row, "", exc.message))
    if not errors and rows == 0:
        errors.append(RowError(2, "", _l("There are no responses in the file")))
    if errors:
        raise ImportRejected(errors[:MAX_ERRORS], more=more or len(errors) > MAX_ERRORS)
    if progress is not None:
        progress(*reader.position(), stage="check")
    return Checked(rows=rows)


def import_responses(
    survey: Survey,
    path: str | Path,
    *,
    actor: Any = None,
    progress: Progress | None = None,
    batch_size: int = BATCH_SIZE,
) -> ImportResult:
    """Check the whole file, then insert its responses in batches.

    ``actor`` (the user who uploaded it) is recorded as who entered them; ``progress`` is
    called as ``progress(done, total, stage=...)``: bytes (or workbook rows) while
    checking, responses while importing. Flushes; the caller commits once, or rolls back
    when this raises. Raises :class:`ImportRejected` (nothing written)."""
    checked = check_file(survey, path, actor=actor, progress=progress)
    plan, _header = _plan(survey, path, getattr(actor, "id", None))
    total = checked.rows
    done = 0
    batch: list[_Row] = []
    errors: list[RowError] = []
    now = utcnow()
    id_source = _Ids()
    if progress is not None:
        progress(0, total, stage="import")
    with _Reader(path) as reader:
        iterator = reader.rows()
        next(iterator)
        for number, cells in enumerate(iterator, start=2):
            if _is_blank(cells):
                continue
            row = plan.read(number, cells, errors)
            if row is None:
                # the file changed between the passes
                raise ImportRejected(errors[:MAX_ERRORS])
            batch.append(row)
            if len(batch) >= batch_size:
                _insert(batch, now, id_source)
                done += len(batch)
                batch = []
                if progress is not None:
                    progress(done, total, stage="import")
    if batch:
        _insert(batch, now, id_source)
        done += len(batch)
    if progress is not None:
        progress(done, total, stage="import")
    return ImportResult(count=done)


_RESPONSES = Response.__table__
_ANSWERS = Answer.__table__
_ANALYSES = TextAnalysis.__table__
_PROFILES = Profile.__table__
_INSERT_RESPONSES = insert(_RESPONSES).returning(_RESPONSES.c.id, sort_by_parameter_order=True)
_PROFILE_BLANK = dict.fromkeys(MONITORING_KEYS)


class _Ids:
    """Ids for new responses, so that they are inserted with a plain executemany (no
    RETURNING, which SQLite can only give in order one row at a time).

    PostgreSQL: taken from the table's sequence. SQLite: counted on from the largest id;
    SQLite has one writer at a time, and from the first insert this transaction is it
    (a writer slipping in before that makes the insert fail, never collide)."""

    def __init__(self):
        self.dialect = db.session.connection().dialect.name
        self.next: int | None = None

    def take(self, count: int) -> list[int] | None:
        if self.dialect == "postgresql":
            return list(
                db.session.scalars(
                    text(
                        "SELECT nextval(pg_get_serial_sequence('responses', 'id')) "
                        "FROM generate_series(1, :n)"
                    ),
                    {"n": count},
                )
            )
        if self.dialect == "sqlite":
            if self.next is None:
                self.next = (db.session.scalar(select(func.max(_RESPONSES.c.id))) or 0) + 1
            ids = list(range(self.next, self.next + count))
            self.next += count
            return ids
        return None  # elsewhere: RETURNING


def _insert(batch: list[_Row], now: datetime, id_source: _Ids) -> None:
    responses = []
    for row in batch:
        response = row.response
        if response["submitted_at"] is None:
            response["submitted_at"] = now
        responses.append(response)
    ids = id_source.take(len(responses))
    if ids is not None:
        for response, response_id in zip(responses, ids, strict=True):
            response["id"] = response_id
    for attempt in range(5):
        for response, reference in zip(responses, new_references(len(responses)), strict=True):
            response["reference"] = reference
        try:
            # a savepoint, so that a reference already taken costs one retry, not the import
            with db.session.begin_nested():
                if ids is None:
                    ids = db.session.execute(_INSERT_RESPONSES, responses).scalars().all()
                else:
                    db.session.execute(insert(_RESPONSES), responses)
            break
        except IntegrityError:
            if attempt == 4:
                raise
    answers = []
    profiles = []
    for response_id, row, response in zip(ids, batch, responses, strict=True):
        groups = group_values(response, row.profile)
        for answer in row.answers:
            answers.append({**answer, **groups, "response_id": response_id})
        if row.profile:
            profiles.append({**_PROFILE_BLANK, **row.profile, "response_id": response_id})
    if answers:
        db.session.execute(insert(_ANSWERS), answers)
    if profiles:
        db.session.execute(insert(_PROFILES), profiles)


def import_job(
    survey_slug: str, path: str, *, actor_id: int | None = None, locale: str = "en"
) -> dict[str, Any]:
    """The import as a background job (engage.jobs): commits once, and removes the
    uploaded file, unless the attempt failed and will be run again (it needs the file).
    A rejected file gives its problems in ``locale``."""
    from flask_babel import force_locale

    from engage import jobs
    from engage.accounts.models import User
    from engage.consultations.service import get_survey

    keep = False
    try:
        survey = get_survey(survey_slug)
        if survey is None:
            raise LookupError("the survey is gone")
        actor = db.session.get(User, actor_id) if actor_id is not None else None
        try:
            result = import_responses(survey, path, actor=actor, progress=jobs.report)
        except ImportRejected as rejected:
            db.session.rollback()
            with force_locale(locale):
                messages = [e.text() for e in rejected.errors]
            return {"count": 0, "errors": messages, "more": rejected.more}
        except BaseException:
            db.session.rollback()
            raise
        db.session.commit()
        return {"count": result.count, "errors": []}
    except BaseException:
        keep = jobs.will_retry()
        raise
    finally:
        if not keep:
            Path(path).unlink(missing_ok=True)


# Export --------------------------------------------------------------------------------


def export_header(survey: Survey) -> list[str]:
    header = []
    for question in ordered_questions(survey):
        if question.type == QuestionType.note:
            continue
        header.append(question.key)
        if question.type.is_free_text:
            header.extend(question.key + suffix for suffix in CODING_SUFFIXES)
    return [*header, *MONITORING_KEYS, *META_COLUMNS]


def export_rows(survey: Survey, *, chunk: int = 1000) -> Iterator[list[Any]]:
    """The header, then a row a response, oldest first. Cells are strings (neutralised)
    or, for numbers and the 0-10 scale, int or float. Reads ``chunk`` responses at a time
    (keyset pagination), so memory does not grow with the survey."""
    header = export_header(survey)
    yield header
    position = {name: i for i, name in enumerate(header)}
    questions = [q for q in ordered_questions(survey) if q.type != QuestionType.note]
    free_text = {q.id for q in questions if q.type.is_free_text}
    multiple = {q.id for q in questions if q.type == QuestionType.multiple_choice}
    column_of = {q.id: position[q.key] for q in questions}
    options = {o.id: (o.code, o.position) for q in questions for o in q.options}
    forum_slugs = dict(db.session.execute(select(Organisation.id, Organisation.slug)).all())
    question_ids = list(column_of)
    width = len(header)
    monitoring = [(position[k], getattr(_PROFILES.c, k)) for k in MONITORING_KEYS]
    channel_at, submitted_at, locale_at, forum_at = (position[k] for k in META_COLUMNS)

    last_id = 0
    while True:
        responses = db.session.execute(
            select(
                _RESPONSES.c.id,
                _RESPONSES.c.channel,
                _RESPONSES.c.submitted_at,
                _RESPONSES.c.locale,
                _RESPONSES.c.forum_id,
            )
            .where(_RESPONSES.c.survey_id == survey.id, _RESPONSES.c.id > last_id)
            .order_by(_RESPONSES.c.id)
            .limit(chunk)
        ).all()
        if not responses:
            return
        low, high = responses[0].id, responses[-1].id
        last_id = high
        cells: dict[int, list[Any]] = {}
        chosen: dict[tuple[int, int], list[tuple[int, str]]] = {}
        for r in responses:
            row: list[Any] = [""] * width
            row[channel_at] = r.channel.value if isinstance(r.channel, Channel) else r.channel
            row[submitted_at] = r.submitted_at.astimezone(UTC).isoformat()
            row[locale_at] = neutralise(r.locale or "")
            row[forum_at] = forum_slugs.get(r.forum_id, "") if r.forum_id else ""
            cells[r.id] = row
        answers = db.session.execute(
            select(
                _ANSWERS.c.response_id,
                _ANSWERS.c.question_id,
                _ANSWERS.c.option_id,
                _ANSWERS.c.number,
                _ANSWERS.c.text,
                _ANSWERS.c.date,
                _ANSWERS.c.text_language,
                _ANSWERS.c.coded_themes,
                _ANSWERS.c.coded_sentiment,
                _ANALYSES.c.themes,
                _ANALYSES.c.sentiment,
                _ANALYSES.c.language,
            )
            .outerjoin(_ANALYSES, _ANALYSES.c.answer_id == _ANSWERS.c.id)
            .where(
                _ANSWERS.c.response_id.between(low, high),
                _ANSWERS.c.question_id.in_(question_ids),
            )
            .order_by(_ANSWERS.c.response_id, _ANSWERS.c.id)
        )
        for a in answers:
            row = cells.get(a.response_id)
            if row is None:
                continue
            at = column_of[a.question_id]
            if a.option_id is not None:
                code, order = options.get(a.option_id, ("", 0))
                if a.question_id in multiple:
                    chosen.setdefault((a.response_id, at), []).append((order, code))
                else:
                    row[at] = neutralise(code)
            elif a.number is not None:
                number = a.number
                row[at] = int(number) if number == int(number) and abs(number) < 2**53 else number
            elif a.date is not None:
                row[at] = a.date.isoformat()
            elif a.text is not None:
                row[at] = neutralise(a.text)
            if a.question_id in free_text:
                themes, sentiment, language = _coding(a)
                row[at + 1] = neutralise(themes)
                row[at + 2] = sentiment
                row[at + 3] = neutralise(language)
        for (response_id, at), codes in chosen.items():
            cells[response_id][at] = neutralise(";".join(c for _o, c in sorted(codes)))
        profiles = db.session.execute(
            select(_PROFILES.c.response_id, *(c for _at, c in monitoring)).where(
                _PROFILES.c.response_id.between(low, high)
            )
        )
        for p in profiles:
            row = cells.get(p.response_id)
            if row is None:
                continue
            for (at, _column), value in zip(monitoring, p[1:], strict=True):
                if value is not None:
                    row[at] = neutralise(value)
        yield from cells.values()


def _coding(answer: Any) -> tuple[str, str, str]:
    """A free-text answer's ``K__themes``, ``K__sentiment`` and ``K__language``: the
    analyst's coding, else the pipeline's suggestions; the language given, else found."""
    if answer.coded_themes is not None:
        themes = answer.coded_themes
    else:
        themes = ";".join(str(code) for code, _confidence in answer.themes or ())
    sentiment = answer.coded_sentiment or answer.sentiment
    if isinstance(sentiment, Sentiment):
        sentiment = sentiment.value
    return themes, sentiment or "", answer.text_language or answer.language or ""


def _csv_cell(value: Any) -> str:
    if isinstance(value, float):
        return values.display(None, value)
    return str(value)


def iter_csv(survey: Survey) -> Iterator[str]:
    """The export as CSV text, a few hundred rows at a time (for a streamed download)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for n, row in enumerate(export_rows(survey), start=1):
        writer.writerow([_csv_cell(v) for v in row])
        if not n % 500:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(survey: Survey, path: str | Path) -> int:
    """The export written to ``path`` (UTF-8, no byte-order mark); the number of responses."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        for chunk in iter_csv(survey):
            f.write(chunk)
    return _count(survey)


def write_xlsx(survey: Survey, path: str | Path) -> int:
    """The export as a workbook: numbers as numbers, everything else as text that is
    never a formula. Written row by row (openpyxl's write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("responses")
    for row in export_rows(survey):
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
    workbook.save(str(path))
    return _count(survey)


def _count(survey: Survey) -> int:
    from sqlalchemy import func

    return db.session.scalar(
        select(func.count()).select_from(_RESPONSES).where(_RESPONSES.c.survey_id == survey.id)
    )


def survey_counts(survey: Survey) -> dict[Channel, int]:
    """Responses by channel, in the channels' order (for the overview page)."""
    from sqlalchemy import func

    rows = dict(
        db.session.execute(
            select(_RESPONSES.c.channel, func.count())
            .where(_RESPONSES.c.survey_id == survey.id)
            .group_by(_RESPONSES.c.channel)
        ).all()
    )
    return {channel: rows.get(channel, 0) for channel in Channel}
