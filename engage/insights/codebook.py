"""The codebook: the themes free-text answers are coded with, and keyword matching.

The default codebook is NHS England's patient-experience Qualitative Data
Categorisation (QDC) framework, version 7 (25 September 2023): its categories become
parent themes and its sub-categories their children, with the framework's
descriptions. ``data/qdc_framework_v7.csv`` is a copy of the framework's
sub-categories table as published by the pxtextmining project (NHS England and
Nottinghamshire Healthcare NHS Foundation Trust, MIT licence,
https://github.com/The-Strategy-Unit/pxtextmining); its columns ``Category``,
``Sub-category``, ``Sub-category description`` and ``Examples`` are unchanged, and
Engage adds one column, ``Keywords``, written from each description and its examples.

``data/extra_themes.csv`` adds the themes engagement with diverse communities needs
and the framework lacks (interpreters and language support, cultural and religious
needs, discrimination and racism, digital exclusion) under a parent of their own. It
is in the import format (:func:`read_codebook_csv`).

A theme's code is stable: the framework's names slugified (``"Staff manner &
personal attributes"`` → ``staff_manner_personal_attributes``). Parent themes group
their children and carry no keywords of their own: matching codes at the
sub-category level, and views roll the counts up by parent.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import snowballstemmer

from engage.cells import neutralise, restore
from engage.i18n import _l
from engage.problems import RowProblem

#: the same rule as the ``K__themes`` import column
THEME_CODE = re.compile(r"^[a-z0-9_.-]{1,64}$")
COLUMNS = ("code", "name", "parent", "description", "keywords")
REQUIRED_COLUMNS = ("code", "name")
NAME_MAX = 200
DESCRIPTION_MAX = 4000
KEYWORD_MAX = 100
#: a file with more problems than this lists this many and says there are more
MAX_PROBLEMS = 50

QDC_FILE = "qdc_framework_v7.csv"
EXTRA_FILE = "extra_themes.csv"


@dataclass(frozen=True)
class Theme:
    code: str
    name: str
    #: the code of the parent theme; None for a top-level theme (a QDC category)
    parent: str | None
    description: str
    #: lower-case words and phrases whose presence suggests the theme
    keywords: tuple[str, ...] = ()


class CodebookRejected(Exception):
    """The codebook file was not read; nothing in it is used."""

    def __init__(self, errors: list[RowProblem], *, more: bool = False):
        super().__init__(f"{len(errors)} problem(s) in the codebook")
        self.errors = errors
        #: there were more problems than are listed
        self.more = more


# The default codebook ---------------------------------------------------------------------


def slugify(name: str) -> str:
    """A theme code from a name: ASCII lower case, words joined by underscores."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "_".join(re.findall(r"[a-z0-9]+", ascii_name.lower()))[:64]


def split_keywords(cell: str) -> tuple[str, ...]:
    """``"a; B ;;a"`` → ``("a", "b")``: trimmed, lower case, no blanks or repeats."""
    seen: dict[str, None] = {}
    for item in cell.split(";"):
        keyword = " ".join(item.split()).lower()
        if keyword:
            seen.setdefault(keyword, None)
    return tuple(seen)


#: phrases the framework quotes inside a description, as in "descriptions of staff as
#: 'friendly', 'helpful'"
_QUOTED = re.compile(r"['‘’]([A-Za-z][A-Za-z -]{1,40})['‘’]")


def derived_keywords(name: str, description: str) -> tuple[str, ...]:
    """Keywords for a framework sub-category that has no curated ``Keywords``: the
    parts of its name (split at "&", "," and "/") and the short phrases its
    description quotes. Curated lists are better; this keeps a future version of the
    framework usable until someone writes them."""
    parts = [p for p in re.split(r"[&,/]| and ", name) if p.strip()]
    quoted = [q for q in _QUOTED.findall(description) if len(q.split()) <= 3]
    return split_keywords(";".join(parts + quoted))


def _qdc_themes(text: str) -> list[Theme]:
    themes: dict[str, Theme] = {}
    for row in csv.DictReader(io.StringIO(text)):
        category = row["Category"].strip()
        parent = slugify(category)
        if parent not in themes:
            themes[parent] = Theme(parent, category, None, "")
        name = row["Sub-category"].strip()
        description = " ".join(row["Sub-category description"].split())
        keywords = split_keywords(row.get("Keywords") or "")
        if not keywords and name != "Not assigned":
            keywords = derived_keywords(name, description)
        code = slugify(name)
        if code in themes:
            raise ValueError(f"two themes of the framework have the code {code}")
        themes[code] = Theme(code, name, parent, description, keywords)
    return list(themes.values())


@functools.cache
def _default_codebook() -> tuple[Theme, ...]:
    data = resources.files("engage.insights").joinpath("data")
    qdc = _qdc_themes(data.joinpath(QDC_FILE).read_text(encoding="utf-8-sig"))
    extra = read_codebook_csv(data.joinpath(EXTRA_FILE).read_bytes())
    themes = qdc + extra
    codes = [t.code for t in themes]
    if len(set(codes)) != len(codes):
        raise ValueError("the extra themes reuse a code of the framework")
    return tuple(themes)


def default_codebook() -> list[Theme]:
    """The QDC framework v7 (categories, then their sub-categories) and the extra
    themes, in the order of the files."""
    return list(_default_codebook())


# Reading and writing the import format ------------------------------------------------------


class _Unreadable(Exception):
    def __init__(self, row: int, message: Any):
        self.row = row
        self.message = message


def _records(data: bytes) -> Iterator[list[str]]:
    """The file's CSV records. Strict UTF-8 (a byte-order mark is allowed): a file in
    another encoding is refused, naming the row of the first bad byte."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = data[: error.start].count(b"\n") + 1
        raise _Unreadable(row, _l("The file must be saved as UTF-8 (CSV UTF-8)")) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number = 0
    while True:
        try:
            record = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise _Unreadable(
                number + 1, _l("The row could not be read as CSV (check its quotes)")
            ) from None
        number += 1
        yield record


class _Problems:
    def __init__(self) -> None:
        self.found: list[RowProblem] = []
        self.more = False

    def add(self, row: int | None, column: str, message: Any) -> None:
        if len(self.found) < MAX_PROBLEMS:
            self.found.append(RowProblem(row, column, message))
        else:
            self.more = True

    def raise_if_any(self) -> None:
        if self.found:
            raise CodebookRejected(self.found, more=self.more)


def _header(record: list[str], problems: _Problems) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(record):
        name = cell.strip().lower()
        if not name:
            continue
        if name not in COLUMNS:
            problems.add(
                1, cell.strip(), _l("Unknown column: use code, name, parent, description, keywords")
            )
        elif name in columns:
            problems.add(1, name, _l("This column appears twice"))
        else:
            columns[name] = index
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            problems.add(1, name, _l("The file has no column with this name"))
    return columns


@dataclass
class _Row:
    number: int
    code: str
    name: str
    parent: str
    description: str
    keywords: tuple[str, ...]


def _read_row(
    number: int, record: list[str], width: int, columns: dict[str, int], problems: _Problems
) -> _Row | None:
    if any(cell.strip() for cell in record[width:]):
        problems.add(number, "", _l("This row has more cells than the header has columns"))
        return None

    def cell(name: str) -> str:
        index = columns.get(name)
        # as written, also when a download neutralised it for spreadsheets
        return restore(record[index].strip()) if index is not None and index < len(record) else ""

    code, name, parent = cell("code").lower(), " ".join(cell("name").split()), cell("parent")
    description = cell("description")
    keywords = split_keywords(cell("keywords"))
    ok = True
    if not code:
        problems.add(number, "code", _l("Every theme needs a code"))
        ok = False
    elif not THEME_CODE.match(code):
        problems.add(
            number,
            "code",
            _l("A code is up to 64 lower-case letters, digits, dots, dashes and underscores"),
        )
        ok = False
    if not name:
        problems.add(number, "name", _l("Every theme needs a name"))
        ok = False
    elif len(name) > NAME_MAX:
        problems.add(number, "name", _l("A name must be 200 characters or fewer"))
        ok = False
    if len(description) > DESCRIPTION_MAX:
        problems.add(number, "description", _l("A description must be 4000 characters or fewer"))
        ok = False
    if any(len(k) > KEYWORD_MAX for k in keywords):
        problems.add(number, "keywords", _l("A keyword must be 100 characters or fewer"))
        ok = False
    if not ok:
        return None
    return _Row(number, code, name, parent.lower(), description, keywords)


def _check_codes(rows: list[_Row], problems: _Problems) -> None:
    first_row: dict[str, int] = {}
    for row in rows:
        if row.code in first_row:
            problems.add(
                row.number,
                "code",
                _l("This code is already used on row %(row)s", row=first_row[row.code]),
            )
        else:
            first_row[row.code] = row.number
    parents = {row.code: row.parent for row in rows}
    for row in rows:
        if not row.parent:
            continue
        if row.parent == row.code:
            problems.add(row.number, "parent", _l("A theme cannot be its own parent"))
        elif row.parent not in parents:
            problems.add(row.number, "parent", _l("No theme in the file has this code"))
        elif parents[row.parent]:
            problems.add(
                row.number, "parent", _l("The parent must be a theme without a parent of its own")
            )


def read_codebook_csv(source: str | Path | bytes) -> list[Theme]:
    """Themes from a CSV file (a path, or its bytes) with the columns ``code, name,
    parent, description, keywords`` (keywords separated by ``;``); ``code`` and
    ``name`` are required, the others optional.

    Every row is checked before anything is returned: a bad file raises
    :class:`CodebookRejected` listing each problem with its row (the header is row 1)
    and column. Blank rows are skipped. Codes are lower-cased; a parent must be a
    top-level theme of the same file (two levels, like the QDC framework)."""
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    problems = _Problems()
    rows: list[_Row] = []
    try:
        records = _records(data)
        header = next(records, [])
        if not any(cell.strip() for cell in header):
            raise _Unreadable(1, _l("The first row must name the columns"))
        columns = _header(header, problems)
        problems.raise_if_any()
        for number, record in enumerate(records, start=2):
            if not any(cell.strip() for cell in record):
                continue
            row = _read_row(number, record, len(header), columns, problems)
            if row is not None:
                rows.append(row)
    except _Unreadable as error:
        problems.add(error.row, "", error.message)
        problems.raise_if_any()
    _check_codes(rows, problems)
    if not rows and not problems.found:
        problems.add(None, "", _l("The file has no themes"))
    problems.raise_if_any()
    return [Theme(r.code, r.name, r.parent or None, r.description, r.keywords) for r in rows]


def codebook_csv(themes: Iterable[Theme]) -> str:
    """The themes in the import format, so that an export reads back unchanged."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for theme in themes:
        cells = [theme.code, theme.name, theme.parent or "", theme.description]
        # shown by a spreadsheet, never run; the import reads them back as they were
        writer.writerow([neutralise(c) for c in [*cells, "; ".join(theme.keywords)]])
    return out.getvalue()


# Keyword matching -----------------------------------------------------------------------

#: a stemmer keeps state while it works: one per thread (jobs and requests run on threads)
_STEMMERS = threading.local()
#: apostrophes and the letters they join stay in one word ("didn't" → "didnt")
_APOSTROPHES = str.maketrans({"’": "", "‘": "", "'": "", "`": ""})
_WORD = re.compile(r"\w+")


@functools.lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:
        stemmer = _STEMMERS.english = snowballstemmer.stemmer("english")
    return stemmer.stemWord(word)


def normalise(text: str) -> list[str]:
    """The text as stemmed, lower-case word tokens: Unicode compatibility forms folded,
    accents and apostrophes dropped, "&" read as "and", each word reduced by the Snowball
    (Porter 2) English stemmer so that plurals and verb forms meet ("interpreters",
    "interpreting" → "interpret")."""
    folded = text.casefold()
    if not folded.isascii():
        folded = unicodedata.normalize("NFKD", folded)
        folded = "".join(c for c in folded if not unicodedata.combining(c))
    folded = folded.translate(_APOSTROPHES).replace("&", " and ")
    return [_stem(word) for word in _WORD.findall(folded)]


class KeywordMatcher:
    """The themes' keywords, compiled once for matching many texts.

    At each word the longest keyword phrase that starts there wins and its words are
    consumed ("car park" is parking, not also the "car" of another theme), then each
    theme's distinct matched keywords are weighed by their length in words. A theme's
    score is ``1 - 0.5 ** weight``: 0.5 for one word, 0.75 for a two-word phrase or two
    words, rising towards 1 — a rough confidence on the same scale as the model's."""

    def __init__(self, themes: Iterable[Theme]):
        #: first stemmed word → {phrase (stemmed words): codes of the themes that own it}
        self._index: dict[str, dict[tuple[str, ...], list[str]]] = {}
        self._longest = 1
        for theme in themes:
            for keyword in theme.keywords:
                phrase = tuple(normalise(keyword))
                if not phrase:
                    continue
                owners = self._index.setdefault(phrase[0], {}).setdefault(phrase, [])
                if theme.code not in owners:
                    owners.append(theme.code)
                self._longest = max(self._longest, len(phrase))

    def match(self, text: str) -> list[tuple[str, float]]:
        """``(code, score)`` for each theme whose keywords occur in ``text``, best first."""
        words = normalise(text)
        matched: dict[str, set[tuple[str, ...]]] = {}
        i = 0
        while i < len(words):
            phrase = self._longest_at(words, i)
            if phrase is None:
                i += 1
                continue
            for code in self._index[phrase[0]][phrase]:
                matched.setdefault(code, set()).add(phrase)
            i += len(phrase)
        scores = [
            (code, 1 - 0.5 ** sum(len(p) for p in phrases)) for code, phrases in matched.items()
        ]
        return sorted(scores, key=lambda item: (-item[1], item[0]))

    def _longest_at(self, words: list[str], i: int) -> tuple[str, ...] | None:
        candidates = self._index.get(words[i])
        if not candidates:
            return None
        for length in range(min(self._longest, len(words) - i), 0, -1):
            phrase = tuple(words[i : i + length])
            if phrase in candidates:
                return phrase
        return None


@functools.lru_cache(maxsize=8)
def _matcher(themes: tuple[Theme, ...]) -> KeywordMatcher:
    return KeywordMatcher(themes)


def match_keywords(text: str, themes: Sequence[Theme]) -> list[tuple[str, float]]:
    """``(code, score)`` for each theme whose keywords occur in ``text``, best first
    (see :class:`KeywordMatcher`; the compiled keywords of recent codebooks are kept)."""
    return _matcher(tuple(themes)).match(text)
