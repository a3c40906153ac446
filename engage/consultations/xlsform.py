"""XLSForm import: a survey from an XLSForm workbook (.xlsx) or its CSV form.

A workbook is read here with openpyxl, every row and column of its ``survey``, ``choices``
and ``settings`` sheets to the last (pyxform's ``xlsx_to_dict`` stops after 60 empty rows
or 20 empty headings, which silently dropped the rest of a form); row numbers are those
the spreadsheet shows, and other sheets are not read. A CSV follows pyxform's CSV layout
(the first column names the sheet, ``survey``, ``choices``, ``settings``, and the rest of
the row is that sheet's header or data), read strictly so that a quote never closed is
refused rather than swallowing the rows after it. A cell may hold at most
:data:`MAX_CELL_CHARS` characters, a workbook unpack to at most :data:`MAX_UNPACKED_BYTES`.

The import runs in two steps. :func:`parse_form` reads and checks the whole form and
collects *every* problem it finds, each naming the sheet, row and column
(:class:`XLSFormError`); nothing touches the database. :func:`create_from_form` then makes
the consultation (when needed), the survey, its sections, questions and options through
:mod:`engage.consultations.service`, inside a SAVEPOINT, so that a refusal from the
service leaves nothing behind.

Mapping: ``select_one L`` -> single choice, ``select_multiple L`` -> multiple choice
(options from list ``L`` of the choices sheet), ``text`` -> short text (long text with
``appearance`` ``multiline``), ``integer`` -> number (whole), ``decimal`` -> number,
``date``, ``note``; each top-level group is a section (questions between groups get
sections of their own; nested groups flatten into their section, their ``relevant``
applying to every question inside); ``relevant`` -> ``show_if`` (see
:func:`parse_relevant`).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app

from engage.consultations import authoring, logic, service
from engage.consultations.models import (
    Consultation,
    ConsultationStatus,
    QuestionType,
    Survey,
    SurveyStatus,
)
from engage.consultations.texts import SOURCE_LOCALE
from engage.extensions import db
from engage.i18n import _l

#: the most data rows a sheet may have
MAX_ROWS = 2000
#: the most characters in one cell (Excel's own limit)
MAX_CELL_CHARS = 32_767
#: the most an .xlsx may unpack to (all its parts together), or a .csv may be
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
#: how deeply brackets and not() may nest in a relevant expression
MAX_NESTING = 50
SURVEY, CHOICES, SETTINGS = "survey", "choices", "settings"
SHEETS = (SURVEY, CHOICES, SETTINGS)

#: XLSForm metadata types: they ask the respondent nothing, so they are skipped
METADATA_TYPES = frozenset(
    {
        "start",
        "end",
        "today",
        "deviceid",
        "imei",
        "username",
        "email",
        "phonenumber",
        "simserial",
        "subscriberid",
        "audit",
    }
)
SIMPLE_TYPES = {
    "text": QuestionType.short_text,
    "string": QuestionType.short_text,
    "integer": QuestionType.number,
    "int": QuestionType.number,
    "decimal": QuestionType.number,
    "date": QuestionType.date,
    "note": QuestionType.note,
}
SELECT_RE = re.compile(
    r"^(select_one|select one|select1|select_multiple|select multiple|select all that apply)"
    r"\s+(\S+)(\s+or_other)?$"
)
#: a select type, whatever follows it: to say what is wrong with the list name
SELECT_PREFIX_RE = re.compile(
    r"^(select_one|select one|select1|select_multiple|select multiple|select all that apply)"
    r"(\s+.*)?$"
)
BEGIN_GROUP = {"begin_group", "begin group"}
END_GROUP = {"end_group", "end group"}
#: column aliases pyxform accepts, to the names used here
COLUMN_ALIASES = {
    "list name": "list_name",
    "relevance": "relevant",
    "caption": "label",
    "calculation": "calculate",
}
#: columns whose content Engage cannot honour: a form using them is refused
REFUSED_COLUMNS = ("constraint", "calculate", "choice_filter", "repeat_count")
YES = {"yes", "true", "true()", "1"}
NO = {"no", "false", "false()", "0", ""}
LANGUAGE_RE = re.compile(r"\(\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*)\s*\)\s*$")
LANGUAGE_NAMES = {"english": "en", "urdu": "ur"}


# Problems -------------------------------------------------------------------------


class XLSFormError(ValueError):
    """One problem with the form. ``message`` is translatable (a lazy string), the
    sheet and column names are the form's own words."""

    def __init__(
        self,
        message: Any,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.sheet = sheet
        self.row = row
        self.column = column

    def __str__(self) -> str:
        kw = {"sheet": self.sheet, "row": self.row, "column": self.column}
        kw["message"] = str(self.message)
        if self.sheet and self.row and self.column:
            return str(_l("%(sheet)s sheet, row %(row)s, column %(column)s: %(message)s", **kw))
        if self.sheet and self.row:
            return str(_l("%(sheet)s sheet, row %(row)s: %(message)s", **kw))
        if self.sheet and self.column:
            return str(_l("%(sheet)s sheet, column %(column)s: %(message)s", **kw))
        if self.sheet:
            return str(_l("%(sheet)s sheet: %(message)s", **kw))
        return kw["message"]


class XLSFormErrors(ValueError):
    """Every problem found in a form; nothing was created."""

    def __init__(self, problems: Iterable[XLSFormError]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


# Reading the file ------------------------------------------------------------------


@dataclass
class Sheet:
    name: str
    #: the column headers as written, in order
    headers: list[str]
    #: (row number as the spreadsheet shows it, {header: text}), empty rows left out
    rows: list[tuple[int, dict[str, str]]]
    #: the row of the column headers
    header_row: int = 1


def read_sheets(data: bytes, filename: str = "") -> dict[str, Sheet]:
    """The form's sheets by lower-case name; raises :class:`XLSFormErrors`."""
    if not data or not data.strip():
        raise XLSFormErrors([XLSFormError(_l("The file is empty."))])
    name = (filename or "").lower()
    is_xlsx = data[:4] == b"PK\x03\x04" or name.endswith((".xlsx", ".xlsm"))
    sheets = _read_xlsx(data) if is_xlsx else _read_csv(data)
    if SURVEY not in sheets:
        if is_xlsx:
            message = _l("This is not an XLSForm: it has no sheet named %(name)s.", name=SURVEY)
        else:
            message = _l(
                "This is not an XLSForm: it has no sheet named %(name)s. In a CSV file, a row "
                "whose first cell is %(name)s starts that sheet, and its header and rows follow "
                "with an empty first cell.",
                name=SURVEY,
            )
        raise XLSFormErrors([XLSFormError(message)])
    return sheets


def _not_readable() -> XLSFormErrors:
    return XLSFormErrors(
        [XLSFormError(_l("This file could not be read as an XLSForm (.xlsx or .csv)."))]
    )


def _too_many_rows(sheet: str | None) -> XLSFormError:
    return XLSFormError(
        _l("The form has more than %(max)s rows: split it into smaller forms.", max=MAX_ROWS),
        sheet,
    )


def _too_long(sheet: str | None, row: int, column: str | None) -> XLSFormError:
    return XLSFormError(
        _l(
            "The cell has more than %(max)s characters, more than a spreadsheet cell can hold.",
            max=MAX_CELL_CHARS,
        ),
        sheet,
        row,
        column,
    )


def _no_heading(sheet: str, row: int, column: str) -> XLSFormError:
    return XLSFormError(
        _l("This cell is in a column without a heading: give the column one, or empty the cell."),
        sheet,
        row,
        column,
    )


def _check_headers(
    sheet: str, values: Iterable[Any], problems: list, *, row: int = 1, first_column: int = 1
) -> list[str | None]:
    """A sheet's column headings, whitespace tidied: "" for an empty heading, None for one
    that cannot be a heading (reported in ``problems``)."""
    from openpyxl.utils import get_column_letter

    headers: list[str | None] = []
    seen: set[str] = set()
    for index, value in enumerate(values, start=first_column):
        letter = get_column_letter(index)
        if value is None or (isinstance(value, str) and not value.strip()):
            headers.append("")
            continue
        if not isinstance(value, str):
            problems.append(
                XLSFormError(
                    _l(
                        "A column heading must be a word such as type, name or label, "
                        "not %(value)s.",
                        value=repr(value) if not isinstance(value, bool) else str(value).upper(),
                    ),
                    sheet,
                    row,
                    letter,
                )
            )
            headers.append(None)
            continue
        if len(value) > MAX_CELL_CHARS:
            problems.append(_too_long(sheet, row, letter))
            headers.append(None)
            continue
        name = re.sub(r"\s+", " ", value.strip())
        if name in seen:
            problems.append(XLSFormError(_l("This column is there twice."), sheet, row, name))
        seen.add(name)
        headers.append(name)
    return headers


def _sheet_name(title: str, titles: list[str]) -> str | None:
    """The XLSForm sheet a worksheet is (``survey``, ``choices``, ``settings``), or None
    for a sheet the import does not read. A workbook of one sheet is its survey, as in
    pyxform."""
    name = title.strip().lower()
    if name in SHEETS:
        return name
    return SURVEY if len(titles) == 1 else None


def _read_xlsx(data: bytes) -> dict[str, Sheet]:
    """Every row of the survey, choices and settings sheets, to the last (pyxform's reader
    stops after a run of empty rows or columns, which would drop the rest of a form)."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter
    from pyxform.xls2json_backends import xlsx_value_to_str

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _not_readable() from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise XLSFormErrors(
            [
                XLSFormError(
                    _l(
                        "The file unpacks to more than %(max)s MB, far more than a form "
                        "needs: save the survey, choices and settings sheets on their own.",
                        max=MAX_UNPACKED_BYTES // (1024 * 1024),
                    )
                )
            ]
        )
    sheets: dict[str, Sheet] = {}
    problems: list[XLSFormError] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # openpyxl warns about styles it does not know
        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # any malformed upload is "not readable"
            raise _not_readable() from exc
        try:
            titles = [worksheet.title for worksheet in workbook.worksheets]
            for worksheet in workbook.worksheets:
                key = _sheet_name(worksheet.title, titles)
                if key is None:
                    continue  # a sheet of the author's own (lookups, notes): not read
                if key in sheets:
                    problems.append(
                        XLSFormError(
                            _l("There are two sheets named %(name)s.", name=key), worksheet.title
                        )
                    )
                    continue
                # the size the file declares may be wrong (read-only openpyxl trusts it):
                # read what is there
                worksheet.reset_dimensions()
                rows = worksheet.iter_rows(values_only=True)
                headers = _check_headers(key, next(rows, ()), problems)
                sheet = sheets[key] = Sheet(key, [h or "" for h in headers], [])
                unnamed: set[int] = set()
                for number, values in enumerate(rows, start=2):
                    row: dict[str, str] = {}
                    for index, value in enumerate(values):
                        if value is None:
                            continue
                        header = headers[index] if index < len(headers) else ""
                        if isinstance(value, str):
                            if len(value) > MAX_CELL_CHARS:
                                problems.append(
                                    _too_long(key, number, header or get_column_letter(index + 1))
                                )
                                continue
                            value = value.strip()
                            if not value:
                                continue
                        if header is None:
                            continue  # under a heading already refused
                        if not header:
                            if index not in unnamed:
                                unnamed.add(index)
                                problems.append(
                                    _no_heading(key, number, get_column_letter(index + 1))
                                )
                            continue
                        row[header] = xlsx_value_to_str(value)
                    if row:
                        if len(sheet.rows) >= MAX_ROWS:
                            problems.append(_too_many_rows(key))
                            break
                        sheet.rows.append((number, row))
        except Exception as exc:  # a part of the workbook openpyxl cannot parse
            raise _not_readable() from exc
        finally:
            workbook.close()
    if problems:
        raise XLSFormErrors(problems)
    return sheets


#: ``csv`` module errors that mean a quoted cell never ends, or ends wrongly
_CSV_EOF = "unexpected end of data"
_CSV_TOO_LARGE = "field larger than field limit"


def _read_csv(data: bytes) -> dict[str, Sheet]:
    from openpyxl.utils import get_column_letter

    if len(data) > MAX_UNPACKED_BYTES:
        raise XLSFormErrors(
            [
                XLSFormError(
                    _l(
                        "The file is larger than %(max)s MB, far more than a form needs.",
                        max=MAX_UNPACKED_BYTES // (1024 * 1024),
                    )
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise XLSFormErrors(
            [XLSFormError(_l("This file is neither an .xlsx workbook nor UTF-8 CSV text."))]
        ) from exc
    if "\x00" in text:
        raise _not_readable()
    sheets: dict[str, Sheet] = {}
    current: Sheet | None = None
    problems: list[XLSFormError] = []
    headers: list[str | None] = []
    unnamed: set[int] = set()
    limit = 3 * MAX_ROWS + 10  # three sheets and their headers
    # any cell the file can hold is read, and one too long is named with its column
    # (the limit is the process's: the response import raises it too)
    if csv.field_size_limit() < MAX_UNPACKED_BYTES:
        csv.field_size_limit(MAX_UNPACKED_BYTES)
    # strict: a quote that is never closed is an error, not the rest of the file in a cell
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number = 0
    while True:
        number += 1
        line = reader.line_num + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            sheet_name = current.name if current else None
            if _CSV_TOO_LARGE in str(exc):
                problems.append(_too_long(sheet_name, number, None))
            elif _CSV_EOF in str(exc):
                problems.append(
                    XLSFormError(
                        _l(
                            "A quote opened in this row (line %(line)s of the file) is never "
                            "closed, so the rest of the file would be read as one cell.",
                            line=line,
                        ),
                        sheet_name,
                        number,
                    )
                )
            else:
                problems.append(
                    XLSFormError(
                        _l(
                            "The quotes in this row (line %(line)s of the file) are not as CSV "
                            "writes them: a cell that starts with a quote ends with one, and a "
                            "quote inside it is written twice.",
                            line=line,
                        ),
                        sheet_name,
                        number,
                    )
                )
            break
        if number > limit:
            raise XLSFormErrors([_too_many_rows(None)])
        if not record:
            continue
        first = record[0].strip()
        if first:
            current = sheets.setdefault(first.lower(), Sheet(first.lower(), [], []))
            current.headers, headers, unnamed = [], [], set()
        content = record[1:]
        if current is None or not any(value.strip() for value in content):
            continue
        if not current.headers:
            headers = _check_headers(current.name, content, problems, row=number, first_column=2)
            current.headers = [h or "" for h in headers]
            current.header_row = number
            continue
        row = {}
        for index, value in enumerate(content):
            header = headers[index] if index < len(headers) else ""
            column = header or get_column_letter(index + 2)
            if len(value) > MAX_CELL_CHARS:
                problems.append(_too_long(current.name, number, column))
                continue
            value = value.strip()
            if not value or header is None:
                continue
            if not header:
                if index not in unnamed:
                    unnamed.add(index)
                    problems.append(_no_heading(current.name, number, column))
                continue
            if re.search(r"\n\s*,", value):
                # a quote not closed where it should be has swallowed the rows after it
                problems.append(
                    XLSFormError(
                        _l(
                            "This cell runs over several lines that look like rows of the "
                            "form: a quote in it is probably not closed where it should be."
                        ),
                        current.name,
                        number,
                        column,
                    )
                )
            row[header] = value
        if row:
            current.rows.append((number, row))
    if problems:
        raise XLSFormErrors(problems)
    return sheets


# Columns ------------------------------------------------------------------------------


@dataclass
class Columns:
    """A sheet's columns: plain ones by their canonical name, translated ones by language."""

    plain: dict[str, str] = field(default_factory=dict)
    #: base name -> {locale: header}
    translated: dict[str, dict[str, str]] = field(default_factory=dict)


def _canonical(name: str) -> str:
    name = re.sub(r"\s+", " ", name.strip().lower())
    return COLUMN_ALIASES.get(name, name)


def language_of(spec: str) -> str | None:
    """``English (en)`` -> ``en``; ``English`` -> ``en``; None when it names no code."""
    match = LANGUAGE_RE.search(spec)
    if match:
        return match.group(1).replace("_", "-").lower()
    spec = spec.strip().lower()
    if re.fullmatch(r"[a-z]{2,3}", spec):
        return spec
    return LANGUAGE_NAMES.get(spec)


def read_columns(
    sheet: Sheet, translatable: set[str], default_language: str, problems: list
) -> Columns:
    columns = Columns()
    #: (canonical name, locale or "") -> the header that gives it
    taken: dict[tuple[str, str], str] = {}
    for header in sheet.headers:
        if not header:
            continue
        base, sep, spec = header.partition("::")
        base = _canonical(base)
        if sep and base not in translatable:
            continue  # media::image::English (en) and the like: ignored
        locale = ""
        if base in translatable:
            locale = language_of(spec) if sep else default_language
        if locale is None:
            problems.append(
                XLSFormError(
                    _l(
                        "Name the language with its code, as in %(example)s.",
                        example="label::Urdu (ur)",
                    ),
                    sheet.name,
                    sheet.header_row,
                    header,
                )
            )
            continue
        other = taken.setdefault((base, locale), header)
        if other != header:
            # Label after label, relevance after relevant, label after label::English (en)
            problems.append(
                XLSFormError(
                    _l(
                        "This column gives the same thing as column %(other)s: keep only one "
                        "of them.",
                        other=other,
                    ),
                    sheet.name,
                    sheet.header_row,
                    header,
                )
            )
            continue
        if locale:
            columns.translated.setdefault(base, {})[locale] = header
        else:
            columns.plain[base] = header
    return columns


def _texts(row: Mapping[str, str], headers: Mapping[str, str] | None) -> dict[str, str]:
    return {
        locale: row[header].strip()
        for locale, header in (headers or {}).items()
        if (row.get(header) or "").strip()
    }


# The parsed form ---------------------------------------------------------------------


@dataclass
class ParsedQuestion:
    row: int
    key: str
    type: QuestionType
    label: dict[str, str]
    hint: dict[str, str]
    required: bool
    show_if: dict[str, Any] | None
    settings: dict[str, Any]
    options: list[tuple[str, dict[str, str]]] | None = None


@dataclass
class ParsedSection:
    title: dict[str, str]
    questions: list[ParsedQuestion] = field(default_factory=list)


@dataclass
class ParsedForm:
    title: dict[str, str]
    form_id: str
    languages: list[str]
    sections: list[ParsedSection]
    #: things skipped on the way (metadata fields): for the author's information
    notes: list[str] = field(default_factory=list)

    @property
    def questions(self) -> list[ParsedQuestion]:
        return [q for s in self.sections for q in s.questions]


def parse_form(
    data: bytes, filename: str = "", *, allowed_languages: Iterable[str] | None = None
) -> ParsedForm:
    """Read and check the whole form; raise :class:`XLSFormErrors` with every problem.

    ``allowed_languages``: the languages the form may use (the consultation's); by
    default the site's."""
    sheets = read_sheets(data, filename)
    allowed = list(allowed_languages or current_app.config["LANGUAGES"])
    problems: list[XLSFormError] = []

    settings = _read_settings(sheets.get(SETTINGS), problems)
    default_language = settings.get("default_language") or SOURCE_LOCALE
    survey_columns = read_columns(sheets[SURVEY], {"label", "hint"}, default_language, problems)
    choices = sheets.get(CHOICES)
    choice_columns = (
        read_columns(choices, {"label"}, default_language, problems) if choices else Columns()
    )

    languages: set[str] = {SOURCE_LOCALE}
    for sheet, columns in ((sheets[SURVEY], survey_columns), (choices, choice_columns)):
        for by_locale in columns.translated.values():
            for locale, header in by_locale.items():
                if locale not in allowed:
                    problems.append(
                        _language_problem(locale, allowed, sheet.name, sheet.header_row, header)
                    )
                languages.add(locale)
    # every title, a bare form_title too (it is in the settings' default_language)
    for locale, header in settings.get("title_columns", {}).items():
        if locale not in allowed:
            problems.append(
                _language_problem(locale, allowed, SETTINGS, sheets[SETTINGS].header_row, header)
            )
        languages.add(locale)

    lists = _read_choices(choices, choice_columns, problems)
    sections = _read_survey(sheets[SURVEY], survey_columns, lists, problems, notes := [])
    if not any(s.questions for s in sections) and not problems:
        problems.append(XLSFormError(_l("The form has no questions."), SURVEY))
    if problems:
        raise XLSFormErrors(problems)
    ordered = [code for code in allowed if code in languages]
    return ParsedForm(
        title=settings.get("title", {}),
        form_id=settings.get("form_id", ""),
        languages=ordered,
        sections=sections,
        notes=notes,
    )


def _language_problem(
    locale: str, allowed: list[str], sheet: str, row: int, header: str
) -> XLSFormError:
    return XLSFormError(
        _l(
            "The language %(code)s is not one of this consultation's languages (%(allowed)s).",
            code=locale,
            allowed=", ".join(allowed),
        ),
        sheet,
        row,
        header,
    )


def _read_settings(sheet: Sheet | None, problems: list) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if sheet is None or not sheet.rows:
        return result
    number, row = sheet.rows[0]
    for extra, _row in sheet.rows[1:2]:
        problems.append(
            XLSFormError(
                _l(
                    "The settings sheet takes one row under its headings; this one would be "
                    "ignored: move what it says into row %(row)s.",
                    row=number,
                ),
                SETTINGS,
                extra,
            )
        )
    by_name = {}
    for header in sheet.headers:
        if header:
            base, sep, spec = header.partition("::")
            by_name[(_canonical(base), spec.strip() if sep else "")] = header
    default = by_name.get(("default_language", ""))
    locale = SOURCE_LOCALE
    if default and row.get(default):
        locale = language_of(row[default]) or ""
        if not locale:
            problems.append(
                XLSFormError(
                    _l("Name the language with its code, as in %(example)s.", example="Urdu (ur)"),
                    SETTINGS,
                    number,
                    default,
                )
            )
            locale = SOURCE_LOCALE
        result["default_language"] = locale
    titles, title_columns = {}, {}
    for (base, spec), header in by_name.items():
        if base not in {"form_title", "set_form_title"} or not (row.get(header) or "").strip():
            continue
        code = language_of(spec) if spec else locale
        if code is None:
            problems.append(
                XLSFormError(
                    _l(
                        "Name the language with its code, as in %(example)s.",
                        example="form_title::Urdu (ur)",
                    ),
                    SETTINGS,
                    sheet.header_row,
                    header,
                )
            )
            continue
        if spec or code not in titles:
            titles[code] = row[header].strip()
            title_columns[code] = header
    result["title"], result["title_columns"] = titles, title_columns
    form_id = by_name.get(("form_id", "")) or by_name.get(("set_form_id", ""))
    if form_id and row.get(form_id):
        result["form_id"] = row[form_id].strip()
    return result


def _read_choices(
    sheet: Sheet | None, columns: Columns, problems: list
) -> dict[str, list[tuple[str, dict[str, str], int]]]:
    """list name -> [(code, labels, row)]."""
    lists: dict[str, list[tuple[str, dict[str, str], int]]] = {}
    if sheet is None:
        return lists
    list_col = columns.plain.get("list_name")
    name_col = columns.plain.get("name") or columns.plain.get("value")
    if sheet.rows and (list_col is None or name_col is None):
        missing = "list_name" if list_col is None else "name"
        problems.append(
            XLSFormError(_l("The sheet needs a column %(name)s.", name=missing), CHOICES, 1)
        )
        return lists
    label_cols = columns.translated.get("label", {})
    for number, row in sheet.rows:
        list_name = (row.get(list_col) or "").strip()
        code = (row.get(name_col) or "").strip()
        if not list_name:
            problems.append(
                XLSFormError(_l("Give the name of the list."), CHOICES, number, list_col)
            )
            continue
        if not service.CODE_RE.match(code):
            problems.append(
                XLSFormError(
                    _l(
                        "%(code)s is not a choice name: use letters, digits, _ . - (at most 64).",
                        code=repr(code) if code else "''",
                    ),
                    CHOICES,
                    number,
                    name_col,
                )
            )
            continue
        entries = lists.setdefault(list_name, [])
        earlier = next((r for c, _t, r in entries if c == code), None)
        if earlier is not None:
            problems.append(
                XLSFormError(
                    _l(
                        "The choice %(code)s is already in the list %(list)s (row %(row)s).",
                        code=code,
                        list=list_name,
                        row=earlier,
                    ),
                    CHOICES,
                    number,
                    name_col,
                )
            )
            continue
        labels = _texts(row, label_cols)
        if not labels.get(SOURCE_LOCALE):
            problems.append(
                XLSFormError(
                    _l("The choice needs a label in English."),
                    CHOICES,
                    number,
                    label_cols.get(SOURCE_LOCALE, "label"),
                )
            )
        entries.append((code, labels, number))
    return lists


def _read_survey(
    sheet: Sheet,
    columns: Columns,
    lists: Mapping[str, list[tuple[str, dict[str, str], int]]],
    problems: list,
    notes: list,
) -> list[ParsedSection]:
    type_col = columns.plain.get("type")
    name_col = columns.plain.get("name")
    if type_col is None or name_col is None:
        missing = "type" if type_col is None else "name"
        problems.append(
            XLSFormError(_l("The sheet needs a column %(name)s.", name=missing), SURVEY, 1)
        )
        return []
    label_cols = columns.translated.get("label", {})
    hint_cols = columns.translated.get("hint", {})
    label_col = label_cols.get(SOURCE_LOCALE, "label")
    plain = columns.plain

    # every question's row and type, so that a reference to a later one is named as such
    all_keys: dict[str, int] = {}
    for number, row in sheet.rows:
        name = (row.get(name_col) or "").strip()
        if name and name not in all_keys:
            all_keys[name] = number

    sections: list[ParsedSection] = []
    #: open groups: (row, condition or None)
    groups: list[tuple[int, dict[str, Any] | None]] = []
    loose: ParsedSection | None = None  # the section of questions outside groups
    seen: dict[str, ParsedQuestion] = {}
    seen_rows: dict[str, int] = {}

    def cell(row: Mapping[str, str], name: str) -> str:
        header = plain.get(name)
        return (row.get(header) or "").strip() if header else ""

    for number, row in sheet.rows:
        raw_type = re.sub(r"\s+", " ", (row.get(type_col) or "").strip())
        kind = raw_type.lower()
        name = (row.get(name_col) or "").strip()
        if not kind:
            problems.append(XLSFormError(_l("The row has no type."), SURVEY, number, type_col))
            continue
        for refused in REFUSED_COLUMNS:
            if cell(row, refused):
                problems.append(
                    XLSFormError(
                        _l("Engage cannot take %(column)s: remove it.", column=refused),
                        SURVEY,
                        number,
                        plain[refused],
                    )
                )
        condition = None
        if cell(row, "relevant"):
            condition = _relevant(
                cell(row, "relevant"), number, plain["relevant"], seen, all_keys, lists, problems
            )

        if kind in BEGIN_GROUP:
            if not groups:
                title = _texts(row, label_cols)
                sections.append(ParsedSection(title=title))
                loose = None
            groups.append((number, condition))
            continue
        if kind in END_GROUP:
            if not groups:
                problems.append(
                    XLSFormError(
                        _l("end_group without a begin_group before it."), SURVEY, number, type_col
                    )
                )
            else:
                groups.pop()
            continue
        if kind in METADATA_TYPES:
            notes.append(f"survey sheet, row {number}: {raw_type} skipped (metadata)")
            continue

        settings: dict[str, Any] = {}
        options = None
        select = SELECT_RE.match(kind)
        if select:
            raw_list = raw_type.split()[-2 if select.group(3) else -1]
            if select.group(3):
                problems.append(
                    XLSFormError(
                        _l(
                            "or_other is not supported: add an 'other' choice and a text "
                            "question shown when it is selected."
                        ),
                        SURVEY,
                        number,
                        type_col,
                    )
                )
            type_ = (
                QuestionType.single_choice
                if select.group(1) in {"select_one", "select one", "select1"}
                else QuestionType.multiple_choice
            )
            if raw_list not in lists:
                problems.append(
                    XLSFormError(
                        _l(
                            "There is no list %(list)s in the choices sheet.",
                            list=raw_list,
                        ),
                        SURVEY,
                        number,
                        type_col,
                    )
                )
                options = []
            else:
                options = [(code, labels) for code, labels, _row in lists[raw_list]]
        elif kind in SIMPLE_TYPES:
            type_ = SIMPLE_TYPES[kind]
            if type_ == QuestionType.short_text and "multiline" in cell(row, "appearance").lower():
                type_ = QuestionType.long_text
            if kind in {"integer", "int"}:
                settings["integer"] = True
        elif prefix := SELECT_PREFIX_RE.match(kind):
            rest = raw_type[len(prefix.group(1)) :].strip()
            if not rest:
                message = _l(
                    "Name the choice list after %(type)s, as in %(example)s.",
                    type=raw_type,
                    example=raw_type + " yes_no",
                )
            else:
                message = _l(
                    "%(name)s is not a list name: a list name is one word with no spaces, "
                    "as in %(example)s.",
                    name=repr(rest),
                    example="yes_no",
                )
            problems.append(XLSFormError(message, SURVEY, number, type_col))
            continue
        else:
            problems.append(
                XLSFormError(
                    _l(
                        "Engage cannot take questions of type %(type)s. It takes select_one, "
                        "select_multiple, text, integer, decimal, date, note, begin_group "
                        "and end_group.",
                        type=raw_type,
                    ),
                    SURVEY,
                    number,
                    type_col,
                )
            )
            continue

        # the key
        if not name:
            problems.append(
                XLSFormError(_l("The question needs a name."), SURVEY, number, name_col)
            )
            continue
        if not service.KEY_RE.match(name):
            problems.append(
                XLSFormError(
                    _l(
                        "%(name)s is not a question name: use letters, digits and "
                        "underscores, starting with a letter (at most 64).",
                        name=name,
                    ),
                    SURVEY,
                    number,
                    name_col,
                )
            )
            continue
        if name in service.RESERVED_KEYS or "__" in name:
            problems.append(
                XLSFormError(
                    _l("%(name)s is reserved in Engage: choose another name.", name=name),
                    SURVEY,
                    number,
                    name_col,
                )
            )
            continue
        if name in seen_rows:
            problems.append(
                XLSFormError(
                    _l(
                        "There is already a question %(name)s (row %(row)s).",
                        name=name,
                        row=seen_rows[name],
                    ),
                    SURVEY,
                    number,
                    name_col,
                )
            )
            continue
        seen_rows[name] = number

        label = _texts(row, label_cols)
        if not label.get(SOURCE_LOCALE):
            problems.append(
                XLSFormError(
                    _l("The question needs a label in English."), SURVEY, number, label_col
                )
            )
        required_text = cell(row, "required").lower()
        if required_text not in YES | NO:
            problems.append(
                XLSFormError(
                    _l("Write yes or no (Engage cannot take a condition here)."),
                    SURVEY,
                    number,
                    plain["required"],
                )
            )

        conditions = [c for _row, c in groups if c] + ([condition] if condition else [])
        show_if = None
        if len(conditions) == 1:
            show_if = conditions[0]
        elif conditions:
            show_if = {"all": conditions}
        question = ParsedQuestion(
            row=number,
            key=name,
            type=type_,
            label=label,
            hint=_texts(row, hint_cols),
            required=required_text in YES and type_ != QuestionType.note,
            show_if=show_if,
            settings=settings,
            options=options,
        )
        if not groups:
            if loose is None:
                loose = ParsedSection(title={})
                sections.append(loose)
            loose.questions.append(question)
        else:
            sections[-1].questions.append(question)
        seen[name] = question

    for number, _condition in groups:
        problems.append(
            XLSFormError(_l("begin_group without an end_group after it."), SURVEY, number, type_col)
        )
    return [s for s in sections if s.questions]


def _relevant(
    expression: str,
    number: int,
    column: str,
    earlier: Mapping[str, ParsedQuestion],
    all_keys: Mapping[str, int],
    lists: Mapping[str, Any],
    problems: list,
) -> dict[str, Any] | None:
    try:
        condition = parse_relevant(expression)
    except RelevantError as exc:
        problems.append(XLSFormError(exc.message, SURVEY, number, column))
        return None
    ok = True
    for comparison in _comparisons(condition):
        key = comparison["q"]
        if key not in earlier:
            ok = False
            if all_keys.get(key) == number:
                message = _l("A condition cannot read its own question (%(name)s).", name=key)
            elif key in all_keys and all_keys[key] > number:
                message = _l(
                    "%(name)s is asked later in the form (row %(row)s): a condition can only "
                    "read earlier questions.",
                    name=key,
                    row=all_keys[key],
                )
            elif key in all_keys:
                message = _l("%(name)s is not a question that can be read here.", name=key)
            else:
                message = _l("There is no question named %(name)s.", name=key)
            problems.append(XLSFormError(message, SURVEY, number, column))
            continue
        question = earlier[key]
        problem = _unanswerable(comparison, question)
        if problem is not None:
            ok = False
            problems.append(XLSFormError(problem, SURVEY, number, column))
            continue
        if (
            question.options is not None
            and comparison["op"] in {"eq", "ne", "selected"}
            and str(comparison.get("value")) not in {code for code, _t in question.options}
            and question.options
        ):
            ok = False
            problems.append(
                XLSFormError(
                    _l(
                        "%(value)s is not one of the choices of %(name)s.",
                        value=repr(comparison.get("value")),
                        name=key,
                    ),
                    SURVEY,
                    number,
                    column,
                )
            )
    if not ok:
        return None
    try:
        logic.validate(condition, earlier.keys())
    except logic.ConditionError as exc:
        problems.append(XLSFormError(str(exc), SURVEY, number, column))
        return None
    return condition


def _unanswerable(comparison: Mapping[str, Any], question: ParsedQuestion) -> Any:
    """Why the comparison can never be true of the question's answer, as the builder
    refuses it (:func:`engage.consultations.authoring.build_condition`); None if it can."""
    key, op, value = question.key, comparison["op"], comparison.get("value")
    if question.type == QuestionType.note:
        return _l("%(key)s is information with no answer.", key=key)
    numeric = question.type in authoring.NUMERIC_TYPES
    if op in {"gt", "ge", "lt", "le"} and not numeric:
        return _l(
            "%(name)s is not answered with a number, so %(op)s cannot compare it.",
            name=key,
            op={"gt": ">", "ge": ">=", "lt": "<", "le": "<="}[op],
        )
    if op in {"eq", "ne"} and numeric and value not in (None, ""):
        try:
            float(value)
        except (TypeError, ValueError):
            return _l(
                "%(name)s is answered with a number: compare it with a number, not %(value)s.",
                name=key,
                value=repr(value),
            )
    return None


def _comparisons(condition: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    if "all" in condition or "any" in condition:
        for part in condition.get("all") or condition.get("any"):
            yield from _comparisons(part)
    elif "not" in condition:
        yield from _comparisons(condition["not"])
    else:
        yield condition


# relevant expressions -------------------------------------------------------------------


class RelevantError(ValueError):
    def __init__(self, message: Any):
        super().__init__(str(message))
        self.message = message


TOKEN_RE = re.compile(
    r"""\s*(?:
        (?P<ref>\$\{\s*(?P<refname>[^}\s]*)\s*\})
      | (?P<string>'[^']*'|"[^"]*")
      | (?P<number>-?\d+(?:\.\d+)?)
      | (?P<op>!=|>=|<=|=|>|<)
      | (?P<punct>[(),])
      | (?P<word>[A-Za-z_][A-Za-z0-9_-]*)
    )""",
    re.VERBOSE,
)
OPS = {"=": "eq", "!=": "ne", ">": "gt", ">=": "ge", "<": "lt", "<=": "le"}


def _tokens(expression: str) -> list[tuple[str, Any, str, int]]:
    """(kind, value, text, offset) tuples; ``kind`` is ref, string, number, op, punct or word."""
    tokens, position = [], 0
    expression = expression.rstrip()
    while position < len(expression):
        match = TOKEN_RE.match(expression, position)
        if not match:
            raise RelevantError(
                _l(
                    "This condition could not be understood at %(text)s.",
                    text=repr(expression[position:].strip()[:30]),
                )
            )
        kind = match.lastgroup if match.lastgroup != "refname" else "ref"
        text = match.group(kind)
        if kind == "ref":
            value: Any = match.group("refname")
        elif kind == "string":
            value = text[1:-1]
        elif kind == "number":
            value = float(text) if "." in text else int(text)
        else:
            value = text
        tokens.append((kind, value, text, match.start(kind)))
        position = match.end()
    return tokens


def parse_relevant(expression: str) -> dict[str, Any]:
    """An XLSForm ``relevant`` expression as a ``show_if`` condition
    (:mod:`engage.consultations.logic`).

    Understood: ``${q} = 'x'``, ``!=``, ``>``, ``>=``, ``<``, ``<=`` (with a number),
    ``selected(${q}, 'x')``, ``${q} != ''`` (answered), ``${q} = ''`` (not answered),
    ``not(...)``, parentheses, ``and``, ``or``; strings in single or double quotes.
    Raises :class:`RelevantError` with what was not understood."""
    tokens = _tokens(expression)
    if not tokens:
        raise RelevantError(_l("The condition is empty."))
    parser = _Parser(tokens, expression)
    condition = parser.expression()
    if parser.position < len(tokens):
        raise parser.unexpected()
    return condition


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any, str, int]], expression: str):
        self.tokens = tokens
        self.expression_text = expression
        self.position = 0
        #: brackets and not() open around the current token
        self.depth = 0

    def peek(self) -> tuple[str, Any, str, int] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, Any, str, int]:
        token = self.peek()
        if token is None:
            raise RelevantError(_l("The condition ends too soon."))
        self.position += 1
        return token

    def is_word(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "word" and token[1].lower() == word

    def unexpected(self) -> RelevantError:
        token = self.peek()
        if token is None:
            return RelevantError(_l("The condition ends too soon."))
        rest = self.expression_text[token[3] :].strip()
        return RelevantError(
            _l("This condition could not be understood at %(text)s.", text=repr(rest[:30]))
        )

    def expect(self, kind: str, value: str | None = None) -> tuple[str, Any, str, int]:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            raise self.unexpected()
        return self.take()

    def expression(self) -> dict[str, Any]:
        parts = [self.conjunction()]
        while self.is_word("or"):
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else {"any": parts}

    def conjunction(self) -> dict[str, Any]:
        parts = [self.unary()]
        while self.is_word("and"):
            self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else {"all": parts}

    def nested(self) -> dict[str, Any]:
        """The expression inside a bracket just opened, and the bracket's close."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise RelevantError(_l("The condition is nested too deeply."))
        inner = self.expression()
        self.expect("punct", ")")
        self.depth -= 1
        return inner

    def unary(self) -> dict[str, Any]:
        if self.is_word("not"):
            self.take()
            self.expect("punct", "(")
            return {"not": self.nested()}
        token = self.peek()
        if token is not None and token[0] == "punct" and token[1] == "(":
            self.take()
            return self.nested()
        if self.is_word("selected"):
            self.take()
            self.expect("punct", "(")
            ref = self.expect("ref")[1]
            self.expect("punct", ",")
            kind, value, _text, _at = self.take()
            if kind not in {"string", "number"}:
                self.position -= 1
                raise self.unexpected()
            self.expect("punct", ")")
            return {"q": self._name(ref), "op": "selected", "value": str(value)}
        return self.comparison()

    def comparison(self) -> dict[str, Any]:
        token = self.peek()
        if token is None or token[0] != "ref":
            raise self.unexpected()
        name = self._name(self.take()[1])
        op_token = self.peek()
        if op_token is None or op_token[0] != "op":
            raise self.unexpected()
        op = OPS[self.take()[1]]
        value_token = self.peek()
        if value_token is None or value_token[0] not in {"string", "number"}:
            raise self.unexpected()
        kind, value, _text, _at = self.take()
        if op in {"gt", "ge", "lt", "le"}:
            if kind != "number":
                raise RelevantError(
                    _l("%(op)s compares with a number, not a text.", op=op_token[1])
                )
            return {"q": name, "op": op, "value": value}
        if kind == "string" and value == "":
            answered = {"q": name, "op": "answered"}
            return answered if op == "ne" else {"not": answered}
        return {"q": name, "op": op, "value": value}

    @staticmethod
    def _name(name: str) -> str:
        if not service.KEY_RE.match(name or ""):
            raise RelevantError(
                _l("%(ref)s does not name a question.", ref="${" + (name or "") + "}")
            )
        return name


# Creating the survey -------------------------------------------------------------------


#: the consultation statuses an import may open a survey in (a draft is opened with it)
OPENABLE = frozenset({ConsultationStatus.draft, ConsultationStatus.open})


def readiness_problems(survey: Survey) -> list[Any]:
    """Why the survey cannot open, in the builder's words: no questions, or a question the
    builder would refuse (engage.consultations.authoring)."""
    return [*authoring.no_questions(survey), *authoring.question_problems(survey)]


def translation_gaps(survey: Survey) -> list[Any]:
    """The languages the survey's own texts (those the form gave) are not all translated
    into, as the builder warns before opening: it opens, and they show in English."""
    return authoring.translation_warnings(survey, own=True)


@dataclass
class ImportResult:
    survey: Survey
    consultation: Consultation
    created_consultation: bool
    notes: list[str]


def create_from_form(
    form: ParsedForm,
    *,
    actor: Any,
    consultation: Consultation | None = None,
    consultation_slug: str | None = None,
    organisation: Any = None,
    open_now: bool = False,
) -> ImportResult:
    """Make the survey of a parsed form (and its consultation, as a draft, when
    ``consultation`` is None: ``consultation_slug`` and ``organisation`` are then needed).
    Everything is made in a SAVEPOINT: a :class:`service.SurveyError` leaves nothing.

    ``open_now`` opens this survey (and its consultation, if a draft; the consultation's
    other surveys stay as they are) once it passes the checks the builder makes before
    opening; otherwise :class:`XLSFormErrors` says why, and nothing is made. A closed or
    reported consultation is not reopened by an import."""
    if open_now and consultation is not None and consultation.status not in OPENABLE:
        raise XLSFormErrors(
            [
                XLSFormError(
                    _l(
                        "The consultation is %(status)s: an import does not reopen it. Import "
                        "the survey without opening it, or reopen the consultation first.",
                        status=consultation.status.label.lower(),
                    )
                )
            ]
        )
    with db.session.begin_nested():
        created = consultation is None
        if consultation is None:
            title = dict(form.title) or {
                SOURCE_LOCALE: (consultation_slug or "").replace("-", " ").capitalize()
            }
            if not title.get(SOURCE_LOCALE):
                title[SOURCE_LOCALE] = (consultation_slug or "").replace("-", " ").capitalize()
            consultation = service.create_consultation(
                actor=actor,
                organisation=organisation,
                title=title,
                slug=consultation_slug,
                languages=form.languages,
            )
        slug = None
        if form.form_id:
            slug = service.unique_slug(Survey, service.slugify(form.form_id))
        survey = service.create_survey(
            consultation, actor=actor, title=form.title or None, slug=slug
        )
        if not open_now:
            survey.status = SurveyStatus.draft
        for parsed_section in form.sections:
            section = service.add_section(survey, title=parsed_section.title)
            for q in parsed_section.questions:
                try:
                    service.add_question(
                        survey,
                        key=q.key,
                        type=q.type,
                        label=q.label,
                        hint=q.hint,
                        required=q.required,
                        section=section,
                        options=q.options,
                        show_if=q.show_if,
                        settings=q.settings,
                    )
                except service.SurveyError as exc:
                    raise XLSFormErrors([XLSFormError(str(exc), SURVEY, q.row)]) from exc
        if open_now:
            db.session.flush()
            not_ready = readiness_problems(survey)
            if not_ready:
                raise XLSFormErrors(XLSFormError(message) for message in not_ready)
            form.notes.extend(str(gap) for gap in translation_gaps(survey))
            if consultation.status != ConsultationStatus.open:
                service.set_status(
                    consultation, ConsultationStatus.open, actor=actor, opening=[survey]
                )
            survey.status = SurveyStatus.open
        db.session.flush()
    return ImportResult(survey, consultation, created, form.notes)
