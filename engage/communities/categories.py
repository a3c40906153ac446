"""The dimensions responses are grouped by, with stable codes and translated labels.

Ethnic group follows the Census 2021 categories for England and Wales (DESIGN.md), with
``not_stated`` for "prefer not to say"; imports also take the NHS Data Dictionary ethnic
category codes. Every other monitoring question is asked in the words of the Census or
NHS equality monitoring, with "Prefer not to say" on every one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from engage.i18n import _l

NOT_STATED = "not_stated"
#: the respondent did not answer and did not decline (no row, or NHS code 99 "not known")
MISSING = None


@dataclass(frozen=True)
class Category:
    code: str
    label: object  # a lazy string
    #: for ethnic groups: the broad group's code
    broad: str | None = None
    nhs: str | None = None


BROAD_ETHNIC_GROUPS = [
    Category("asian", _l("Asian, Asian British or Asian Welsh")),
    Category("black", _l("Black, Black British, Black Welsh, Caribbean or African")),
    Category("mixed", _l("Mixed or multiple ethnic groups")),
    Category("white", _l("White")),
    Category("other", _l("Other ethnic group")),
]

ETHNIC_GROUPS = [
    Category("asian_bangladeshi", _l("Bangladeshi"), "asian", "K"),
    Category("asian_chinese", _l("Chinese"), "asian", "R"),
    Category("asian_indian", _l("Indian"), "asian", "H"),
    Category("asian_pakistani", _l("Pakistani"), "asian", "J"),
    Category("asian_other", _l("Any other Asian background"), "asian", "L"),
    Category("black_african", _l("African"), "black", "N"),
    Category("black_caribbean", _l("Caribbean"), "black", "M"),
    Category(
        "black_other", _l("Any other Black, Black British or Caribbean background"), "black", "P"
    ),
    Category("mixed_white_asian", _l("White and Asian"), "mixed", "F"),
    Category("mixed_white_black_african", _l("White and Black African"), "mixed", "E"),
    Category("mixed_white_black_caribbean", _l("White and Black Caribbean"), "mixed", "D"),
    Category("mixed_other", _l("Any other Mixed or multiple ethnic background"), "mixed", "G"),
    Category(
        "white_british",
        _l("English, Welsh, Scottish, Northern Irish or British"),
        "white",
        "A",
    ),
    Category("white_irish", _l("Irish"), "white", "B"),
    Category("white_gypsy_traveller", _l("Gypsy or Irish Traveller"), "white", "C"),
    Category("white_roma", _l("Roma"), "white", "C"),
    Category("white_other", _l("Any other White background"), "white", "C"),
    Category("other_arab", _l("Arab"), "other", "S"),
    Category("other_any", _l("Any other ethnic group"), "other", "S"),
]
ETHNIC_GROUP_CODES = frozenset(c.code for c in ETHNIC_GROUPS) | {NOT_STATED}
BROAD_OF = {c.code: c.broad for c in ETHNIC_GROUPS}

#: NHS Data Dictionary ethnic category -> Census 2021 code. C and S cover several Census
#: groups and map to the "any other" one; 99 is "not known", which is missing, not declined.
NHS_ETHNIC_CODES: dict[str, str | None] = {
    "A": "white_british",
    "B": "white_irish",
    "C": "white_other",
    "D": "mixed_white_black_caribbean",
    "E": "mixed_white_black_african",
    "F": "mixed_white_asian",
    "G": "mixed_other",
    "H": "asian_indian",
    "J": "asian_pakistani",
    "K": "asian_bangladeshi",
    "L": "asian_other",
    "M": "black_caribbean",
    "N": "black_african",
    "P": "black_other",
    "R": "asian_chinese",
    "S": "other_any",
    "Z": NOT_STATED,
    "99": MISSING,
}


class UnknownCode(ValueError):
    pass


def ethnic_group_from_code(value: str) -> str | None:
    """A Census 2021 code (or ``not_stated``) from a Census or NHS code; ``None`` for 99.

    Raises :class:`UnknownCode` for anything else."""
    value = value.strip()
    if value in ETHNIC_GROUP_CODES:
        return value
    if value.upper() in NHS_ETHNIC_CODES:
        return NHS_ETHNIC_CODES[value.upper()]
    if value.lower() in ETHNIC_GROUP_CODES:
        return value.lower()
    raise UnknownCode(value)


@dataclass(frozen=True)
class Dimension:
    """A monitoring question: its key (the import/export column and ``by=`` value)."""

    key: str
    question: object
    #: why it is asked, in plain words, shown under the question
    reason: object
    categories: list[Category] = field(default_factory=list)
    #: "choice" (one category), "text" (free description), "postcode_district"
    kind: str = "choice"

    def codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.categories) | {NOT_STATED}

    def label(self, code: str | None) -> str:
        for c in self.categories:
            if c.code == code:
                return str(c.label)
        return str(PREFER_NOT_TO_SAY) if code == NOT_STATED else ""


PREFER_NOT_TO_SAY = _l("Prefer not to say")

LANGUAGES = [
    Category("en", _l("English")),
    Category("ur", _l("Urdu")),
    Category("pa", _l("Punjabi")),
    Category("bn", _l("Bengali")),
    Category("syl", _l("Sylheti")),
    Category("gu", _l("Gujarati")),
    Category("ar", _l("Arabic")),
    Category("so", _l("Somali")),
    Category("pl", _l("Polish")),
    Category("ro", _l("Romanian")),
    Category("zh", _l("Chinese")),
    Category("ku", _l("Kurdish")),
    Category("fa", _l("Persian (Farsi)")),
    Category("ps", _l("Pashto")),
    Category("ti", _l("Tigrinya")),
    Category("bsl", _l("British Sign Language")),
    Category("other", _l("Another language")),
]

DIMENSIONS = [
    Dimension(
        "ethnic_group",
        _l("What is your ethnic group?"),
        _l(
            "We ask so that we can see whether every community is being heard, and whether "
            "services work as well for some groups as for others."
        ),
        ETHNIC_GROUPS,
    ),
    Dimension(
        "ethnic_group_other",
        _l("Describe your ethnic group (optional)"),
        _l("Only if none of the groups describes you."),
        kind="text",
    ),
    Dimension(
        "language",
        _l("What is your main language?"),
        _l("We ask so that we know which languages to offer information and interpreters in."),
        LANGUAGES,
    ),
    Dimension(
        "religion",
        _l("What is your religion?"),
        _l("We ask because faith can shape what people need from health services."),
        [
            Category("no_religion", _l("No religion")),
            Category("christian", _l("Christian")),
            Category("buddhist", _l("Buddhist")),
            Category("hindu", _l("Hindu")),
            Category("jewish", _l("Jewish")),
            Category("muslim", _l("Muslim")),
            Category("sikh", _l("Sikh")),
            Category("other", _l("Any other religion")),
        ],
    ),
    Dimension(
        "age_band",
        _l("How old are you?"),
        _l("We ask so that we can see whether younger and older people are being heard."),
        [
            Category("under_16", _l("Under 16")),
            Category("16_24", _l("16 to 24")),
            Category("25_34", _l("25 to 34")),
            Category("35_44", _l("35 to 44")),
            Category("45_54", _l("45 to 54")),
            Category("55_64", _l("55 to 64")),
            Category("65_74", _l("65 to 74")),
            Category("75_plus", _l("75 or over")),
        ],
    ),
    Dimension(
        "sex",
        _l("What is your sex?"),
        _l("We ask so that we can compare what women and men tell us."),
        [Category("female", _l("Female")), Category("male", _l("Male"))],
    ),
    Dimension(
        "gender_identity",
        _l("Is the gender you identify with the same as your sex registered at birth?"),
        _l("We ask so that we can check that trans people are heard and treated fairly."),
        [Category("yes", _l("Yes")), Category("no", _l("No"))],
    ),
    Dimension(
        "sexual_orientation",
        _l("Which of the following best describes your sexual orientation?"),
        _l("We ask so that we can check that services treat everyone fairly."),
        [
            Category("straight", _l("Straight or heterosexual")),
            Category("gay_lesbian", _l("Gay or lesbian")),
            Category("bisexual", _l("Bisexual")),
            Category("other", _l("Another sexual orientation")),
        ],
    ),
    Dimension(
        "disability",
        _l(
            "Are your day-to-day activities limited because of a health problem or disability "
            "which has lasted, or is expected to last, at least 12 months?"
        ),
        _l("We ask so that we can see whether services work for disabled people."),
        [
            Category("yes_a_lot", _l("Yes, limited a lot")),
            Category("yes_a_little", _l("Yes, limited a little")),
            Category("no", _l("No")),
        ],
    ),
    Dimension(
        "carer",
        _l(
            "Do you look after, or give any help or support to, anyone because they have "
            "long-term physical or mental health conditions or illnesses, or problems related "
            "to old age?"
        ),
        _l("We ask so that we hear from unpaid carers, who often go unheard."),
        [Category("yes", _l("Yes")), Category("no", _l("No"))],
    ),
    Dimension(
        "postcode_district",
        _l("What is the first part of your postcode?"),
        _l(
            "For example BL1 or M14. We ask for the first part only, so that we can see which "
            "areas we heard from without knowing where you live."
        ),
        kind="postcode_district",
    ),
]
DIMENSION_BY_KEY = {d.key: d for d in DIMENSIONS}
#: the monitoring columns of imports and exports, in order
MONITORING_KEYS = [d.key for d in DIMENSIONS]

#: a UK postcode district (the outward code): A9, A99, AA9, AA99, A9A, AA9A
POSTCODE_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][0-9A-Z]?$")


def postcode_district(value: str) -> str | None:
    """The outward code of a postcode or district, upper-cased; ``None`` if it is not one.

    A full postcode is cut to its district, so the inward part is never stored."""
    text = re.sub(r"\s+", " ", value.strip().upper())
    if not text:
        return None
    outward = text.split(" ")[0]
    if (
        " " not in text
        and len(text) >= 5
        and re.match(r"^[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}$", text)
    ):
        outward = text[:-3]
    return outward if POSTCODE_DISTRICT.match(outward) else None


def clean_monitoring_value(key: str, value: str | None) -> str | None:
    """The stored form of one monitoring answer. Raises :class:`UnknownCode`."""
    if value is None or str(value).strip() == "":
        return None
    value = str(value).strip()
    dimension = DIMENSION_BY_KEY[key]
    if key == "ethnic_group":
        return ethnic_group_from_code(value)
    if dimension.kind == "text":
        return value[:200]
    if dimension.kind == "postcode_district":
        if value.lower() == NOT_STATED:
            return NOT_STATED
        district = postcode_district(value)
        if district is None:
            raise UnknownCode(value)
        return district
    if value in dimension.codes():
        return value
    raise UnknownCode(value)
