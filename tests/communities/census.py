"""The shipped Census file read with the csv module alone, to check the code against."""

from __future__ import annotations

import csv
from pathlib import Path

import engage

CENSUS_CSV = (
    Path(engage.__file__).parent
    / "communities"
    / "data"
    / "census2021_ts021_ethnic_group_ltla21_EW.csv"
)


def census_rows() -> dict[str, dict[str, str]]:
    """Area code -> the file's row, by heading."""
    with CENSUS_CSV.open(encoding="utf-8", newline="") as handle:
        return {row["ltla21_code"]: row for row in csv.DictReader(handle)}
