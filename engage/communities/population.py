"""Population baselines: the Census 2021 counts shipped with Engage, and the loading of
them (by the migration that creates the tables, and by ``engage population load``)."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources

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
