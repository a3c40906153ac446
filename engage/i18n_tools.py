"""The catalog workflow: extract -> update -> compile, and the check CI runs.

Runs from a source checkout (it needs ``babel.cfg`` and the sources beside it).
"""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"


def _pybabel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract(output: Path = POT) -> None:
    _pybabel(
        "extract",
        "-F",
        str(ROOT / "babel.cfg"),
        "-k",
        "_l",
        "--sort-output",
        "--no-location",
        "--project",
        "Engage",
        "--copyright-holder",
        "Engage contributors",
        "-o",
        str(output),
        str(ROOT),
    )


def extract_codebook(fileobj, keywords, comment_tags, options):
    """Babel's extraction method for the default codebook's CSV files (babel.cfg): each
    category's and theme's name, in the "theme" context, so that public pages show the
    shipped themes in the page's language (`engage.i18n.theme_label`)."""
    text = fileobj.read().decode("utf-8-sig")
    seen: set[str] = set()
    for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        for column in ("Category", "Sub-category", "name"):
            name = " ".join((row.get(column) or "").split())
            if name and name not in seen:
                seen.add(name)
                yield number, "pgettext", ("theme", name), ["A theme of the default codebook"]


def locales() -> list[str]:
    return sorted(p.parent.parent.name for p in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))


def update(new_locale: str | None = None) -> None:
    extract()
    if new_locale and new_locale not in locales():
        _pybabel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", new_locale)
    if locales():
        _pybabel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "--no-fuzzy-matching")
    _pybabel("compile", "-d", str(TRANSLATIONS), "--statistics")


def _ids(catalog) -> set:
    return {message.id for message in catalog if message.id}


def check() -> list[str]:
    """Every problem a release must not have, as sentences; empty when all is well."""
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "messages.pot"
        extract(fresh)
        with fresh.open("rb") as f:
            wanted = _ids(read_po(f))
    with POT.open("rb") as f:
        committed = _ids(read_po(f))
    if wanted != committed:
        problems.append(
            f"messages.pot is stale ({len(wanted - committed)} new, "
            f"{len(committed - wanted)} gone): run `engage translations update`"
        )
    for locale in locales():
        po_path = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        with po_path.open("rb") as f:
            catalog = read_po(f)
        missing = [m.id for m in catalog if m.id and not _translated(m)]
        fuzzy = [m.id for m in catalog if m.id and m.fuzzy]
        if _ids(catalog) != wanted:
            problems.append(f"{locale}: catalog does not match messages.pot")
        if missing:
            problems.append(f"{locale}: {len(missing)} untranslated, e.g. {_first(missing)!r}")
        if fuzzy:
            problems.append(f"{locale}: {len(fuzzy)} fuzzy, e.g. {_first(fuzzy)!r}")
        mo_path = po_path.with_suffix(".mo")
        if not mo_path.exists():
            problems.append(f"{locale}: messages.mo is missing: run `engage translations update`")
            continue
        with mo_path.open("rb") as f:
            compiled = read_mo(io.BytesIO(f.read()))
        if {_key(m.id): _key(m.string) for m in compiled if m.id} != {
            _key(m.id): _key(m.string) for m in catalog if m.id and _translated(m) and not m.fuzzy
        }:
            problems.append(f"{locale}: messages.mo is older than messages.po: run the update")
    return problems


def _key(value):
    return tuple(value) if isinstance(value, (tuple, list)) else value


def _translated(message) -> bool:
    if isinstance(message.string, (tuple, list)):
        return all(message.string)
    return bool(message.string)


def _first(ids):
    first = ids[0]
    return first[0] if isinstance(first, tuple) else first
