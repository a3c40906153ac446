"""Population baselines: the Census 2021 counts shipped with Engage, and the loading of
them (by the migration that creates the tables, and by ``engage population load``)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from engage.communities.categories import (
    ETHNIC_GROUPS,
    NOT_STATED,
    UnknownCode,
    ethnic_group_from_code,
)
from engage.communities.models import Baseline, PopulationCount
from engage.extensions import db
from engage.i18n import _, _l
from engage.problems import RowProblem

#: ONS Census 2021 table TS021 (usual residents by ethnic group), lower-tier local
#: authorities of England and Wales; Open Government Licence v3.0
CENSUS_FILE = "census2021_ts021_ethnic_group_ltla21_EW.csv"
CENSUS_SOURCE = "Office for National Statistics, Census 2021 (TS021), Open Government Licence v3.0"
CENSUS_KIND = "local_authority"

#: the file's column headings -> Census 2021 ethnic group codes (categories.ETHNIC_GROUPS)
CENSUS_COLUMNS = {
    "Asian, Asian British or Asian Welsh: Bangladeshi": "asian_bangladeshi",
    "Asian, Asian British or Asian Welsh: Chinese": "asian_chinese",
    "Asian, Asian British or Asian Welsh: Indian": "asian_indian",
    "Asian, Asian British or Asian Welsh: Pakistani": "asian_pakistani",
    "Asian, Asian British or Asian Welsh: Other Asian": "asian_other",
    "Black, Black British, Black Welsh, Caribbean or African: African": "black_african",
    "Black, Black British, Black Welsh, Caribbean or African: Caribbean": "black_caribbean",
    "Black, Black British, Black Welsh, Caribbean or African: Other Black": "black_other",
    "Mixed or Multiple ethnic groups: White and Asian": "mixed_white_asian",
    "Mixed or Multiple ethnic groups: White and Black African": "mixed_white_black_african",
    "Mixed or Multiple ethnic groups: White and Black Caribbean": "mixed_white_black_caribbean",
    "Mixed or Multiple ethnic groups: Other Mixed or Multiple ethnic groups": "mixed_other",
    "White: English, Welsh, Scottish, Northern Irish or British": "white_british",
    "White: Irish": "white_irish",
    "White: Gypsy or Irish Traveller": "white_gypsy_traveller",
    "White: Roma": "white_roma",
    "White: Other White": "white_other",
    "Other ethnic group: Arab": "other_arab",
    "Other ethnic group: Any other ethnic group": "other_any",
}


@dataclass(frozen=True)
class Area:
    code: str
    name: str
    #: ethnic group code -> usual residents
    counts: dict[str, int]


def census_areas() -> Iterator[Area]:
    """The shipped Census 2021 file, one local authority at a time."""
    path = resources.files("engage.communities").joinpath("data", CENSUS_FILE)
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            counts = {code: int(row[heading]) for heading, code in CENSUS_COLUMNS.items()}
            yield Area(row["ltla21_code"], row["ltla21_name"], counts)


# Baselines in the database --------------------------------------------------------------

#: the kind of a baseline an admin added from a file
CUSTOM_KIND = "custom"
#: an area's code: as the API's ``area=`` takes it, so no spaces or slashes
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
#: the largest count a row can hold (a 32-bit integer column on every database)
MAX_COUNT = 2_147_483_647
#: a population file stops being checked after this many problems
MAX_PROBLEMS = 50


class BaselineError(ValueError):
    """A baseline that cannot be added or removed; the message is in the reader's language."""


#: a problem in a population file: row (None: the whole file), column and why
FileProblem = RowProblem


class FileRejected(Exception):
    """The population file has problems; nothing was written."""

    def __init__(self, problems: list[FileProblem]):
        super().__init__(f"{len(problems)} problem(s) in the file")
        self.problems = problems


def load_census() -> int:
    """Load the shipped Census counts: every local authority is added, or its name, source
    and counts are brought up to date. Running it again changes nothing. Returns how many
    areas the file has. Flushes; the caller commits."""
    existing = {
        baseline.code: baseline
        for baseline in db.session.scalars(
            select(Baseline)
            .where(Baseline.code.in_(census_codes()))
            .options(selectinload(Baseline.counts))
        )
    }
    areas = 0
    for area in census_areas():
        areas += 1
        baseline = existing.get(area.code)
        if baseline is None:
            baseline = Baseline(code=area.code)
            db.session.add(baseline)
        baseline.name = area.name
        baseline.kind = CENSUS_KIND
        baseline.source = CENSUS_SOURCE
        _set_counts(baseline, area.counts)
    db.session.flush()
    return areas


@cache
def census_codes() -> frozenset[str]:
    """The codes of the shipped file's local authorities."""
    return frozenset(area.code for area in census_areas())


def _set_counts(baseline: Baseline, counts: Mapping[str, int]) -> None:
    """Make the baseline's rows exactly ``counts``, changing only the rows that differ."""
    rows = {row.ethnic_group: row for row in baseline.counts}
    for code, count in counts.items():
        row = rows.pop(code, None)
        if row is None:
            baseline.counts.append(PopulationCount(ethnic_group=code, count=count))
        elif row.count != count:
            row.count = count
    for row in rows.values():
        baseline.counts.remove(row)


def find_baseline(code: str | None) -> Baseline | None:
    if not code or not code.strip():
        return None
    return db.session.scalar(select(Baseline).where(Baseline.code == code.strip()))


def census_area_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(Baseline).where(Baseline.kind == CENSUS_KIND)
    )


def custom_baselines() -> list[tuple[Baseline, int]]:
    """The baselines an admin added, by name, each with its total population."""
    rows = db.session.execute(
        select(Baseline, func.coalesce(func.sum(PopulationCount.count), 0))
        .outerjoin(PopulationCount)
        .where(Baseline.kind != CENSUS_KIND)
        .group_by(Baseline.id)
        .order_by(Baseline.name, Baseline.code)
    )
    return [(baseline, int(total)) for baseline, total in rows]


def baseline_choices() -> list[tuple[str, str]]:
    """(code, name) of every baseline for a select: the ones an admin added first (they
    are few, and the reason they were added), then the local authorities, each by name."""
    rows = db.session.execute(select(Baseline.code, Baseline.name, Baseline.kind)).all()
    # sorted here, not by the database, so that the order is the same on every database
    rows.sort(key=lambda row: (row.kind == CENSUS_KIND, row.name.casefold(), row.code))
    return [(code, name) for code, name, _kind in rows]


def population_shares(baseline: Baseline) -> dict[str, tuple[int, float]]:
    """Ethnic group code -> (people, share of the area's population from 0 to 1), for
    every Census group in the order of ``ETHNIC_GROUPS``; a group the baseline has no
    row for counts 0."""
    counts = {row.ethnic_group: row.count for row in baseline.counts}
    total = sum(counts.values())
    return {
        group.code: (counts.get(group.code, 0), counts.get(group.code, 0) / total if total else 0.0)
        for group in ETHNIC_GROUPS
    }


def add_baseline(code: str, name: str, source: str, counts: Mapping[str, int]) -> Baseline:
    """A custom baseline (a GP practice's list, an ICB) with ``counts`` by ethnic group code,
    as :func:`read_counts` returns them. Raises :class:`BaselineError` for a code already
    used or one that cannot be a code. Flushes; the caller commits."""
    code = code.strip()
    if not CODE_PATTERN.match(code):
        raise BaselineError(
            _("Use only letters, digits, hyphens, full stops and underscores, at most 40")
        )
    if find_baseline(code) is not None or code in census_codes():
        raise BaselineError(_("There is already a population with the code %(code)s", code=code))
    unknown = set(counts) - {group.code for group in ETHNIC_GROUPS}
    if unknown or any(count < 0 for count in counts.values()):
        raise BaselineError(_("The counts must be whole numbers of people by ethnic group"))
    baseline = Baseline(code=code, name=name.strip(), kind=CUSTOM_KIND, source=source.strip())
    baseline.counts = [PopulationCount(ethnic_group=g, count=n) for g, n in counts.items()]
    db.session.add(baseline)
    db.session.flush()
    return baseline


def delete_baseline(baseline: Baseline) -> int:
    """Remove a baseline an admin added; the Census ones stay. Consultations compared with
    it are no longer compared with any area (as a foreign key's ON DELETE SET NULL would).
    Returns how many consultations that was. Flushes; the caller commits."""
    from engage.consultations.models import Consultation

    if baseline.kind == CENSUS_KIND:
        raise BaselineError(_("The Census 2021 areas cannot be removed"))
    result = db.session.execute(
        update(Consultation)
        .where(Consultation.area_code == baseline.code)
        .values(area_code=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.delete(baseline)
    db.session.flush()
    return result.rowcount


# Population files -------------------------------------------------------------------------

GROUP_COLUMN = "ethnic_group"
COUNT_COLUMN = "count"
#: ASCII digits only, and no more than MAX_COUNT has
_WHOLE_NUMBER = re.compile(r"^[0-9]{1,10}$")


def read_counts(data: bytes) -> dict[str, int]:
    """Counts by Census ethnic group code from a CSV file with the columns ``ethnic_group``
    (a Census 2021 code or an NHS ethnic category code A to S) and ``count`` (people, a
    whole number). A group left out counts 0. Every problem is collected with its row and
    column; any problem raises :class:`FileRejected`."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileRejected(
            [
                FileProblem(
                    None,
                    "",
                    _l(
                        "The file is not UTF-8 text. Save it as \u201cCSV UTF-8\u201d "
                        "and upload it again"
                    ),
                )
            ]
        ) from None
    problems: list[FileProblem] = []
    counts: dict[str, int] = {}
    #: ethnic group code -> the row that gave it
    seen: dict[str, int] = {}
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader, [])]
        columns = _columns(header)
        for row_number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            _read_row(row_number, cells, columns, counts, seen, problems)
            if len(problems) >= MAX_PROBLEMS:
                break
    except csv.Error:
        problems.append(
            FileProblem(
                reader.line_num, "", _l("The row could not be read as CSV (check its quotes)")
            )
        )
    if not problems and not sum(counts.values()):
        problems.append(
            FileProblem(
                None,
                "",
                _l(
                    "The file has no counts: add a row for each ethnic group, with the "
                    "number of people"
                ),
            )
        )
    if problems:
        raise FileRejected(problems)
    return counts


def _columns(header: list[str]) -> dict[str, int]:
    missing = [name for name in (GROUP_COLUMN, COUNT_COLUMN) if name not in header]
    if missing:
        raise FileRejected(
            [
                FileProblem(
                    1,
                    name,
                    _l("The first row must name the columns ethnic_group and count"),
                )
                for name in missing
            ]
        )
    return {name: header.index(name) for name in (GROUP_COLUMN, COUNT_COLUMN)}


class _BadCell(Exception):
    def __init__(self, message: Any):
        self.message = message


def _read_row(
    row_number: int,
    cells: list[str],
    columns: Mapping[str, int],
    counts: dict[str, int],
    seen: dict[str, int],
    problems: list[FileProblem],
) -> None:
    """Check one row, adding its problems; a good row's count goes into ``counts``."""

    def cell(name: str) -> str:
        index = columns[name]
        return cells[index].strip() if index < len(cells) else ""

    group = count = None
    try:
        group = _group(cell(GROUP_COLUMN))
        if group in seen:
            raise _BadCell(_l("This ethnic group is already on row %(row)s", row=seen[group]))
    except _BadCell as bad:
        group = None
        problems.append(FileProblem(row_number, GROUP_COLUMN, bad.message))
    try:
        count = _count(cell(COUNT_COLUMN))
    except _BadCell as bad:
        problems.append(FileProblem(row_number, COUNT_COLUMN, bad.message))
    if group is not None and count is not None:
        seen[group] = row_number
        counts[group] = count


def _group(value: str) -> str:
    """The Census 2021 code of a Census or NHS code."""
    if not value:
        raise _BadCell(_l("Enter an ethnic group code"))
    try:
        code = ethnic_group_from_code(value)
    except UnknownCode:
        raise _BadCell(
            _l(
                "%(value)s is not a Census 2021 ethnic group code or an NHS ethnic category code",
                value=value[:40],
            )
        ) from None
    if code is None or code == NOT_STATED:
        raise _BadCell(
            _l(
                "A population has no \u201cprefer not to say\u201d or \u201cnot known\u201d: "
                "leave this row out"
            )
        )
    return code


def _count(value: str) -> int:
    if not value:
        raise _BadCell(_l("Enter the number of people, 0 or more"))
    if not _WHOLE_NUMBER.match(value) or int(value) > MAX_COUNT:
        raise _BadCell(_l("Enter a whole number of people, 0 or more, like 1250"))
    return int(value)
