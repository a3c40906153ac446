"""A survey's texts for a translator, as a gettext ``.po`` file or an ``.xlsx`` sheet,
and the translated file read back.

Each text is named by its stable id (:func:`engage.consultations.texts.translatable_texts`):
the ``.po`` file's msgctxt, the sheet's first column. An import matches by id, checks that
the English the translator saw is still the English of the survey (when it is not, the
entry is not imported and is reported for review), warns about ids it does not know,
and refuses a file for another language or a file it cannot read, writing nothing.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from engage.consultations import authoring
from engage.consultations.models import Survey
from engage.consultations.service import SurveyError
from engage.consultations.texts import SOURCE_LOCALE, translatable_texts
from engage.i18n import _

SHEET_TITLE = "Translations"
#: a translator's sheet is small; anything far bigger is not one of ours
MAX_ROWS = 20000


class TranslationFileError(SurveyError):
    """A file that cannot be imported; nothing was written."""


@dataclass
class ImportResult:
    #: texts whose translation changed
    updated: int = 0
    #: texts in the file with a translation the same as the survey's already
    unchanged: int = 0
    #: ids whose English changed since the file was made (or marked fuzzy): not imported
    needs_review: list[str] = field(default_factory=list)
    #: ids the survey does not have: ignored
    unknown: list[str] = field(default_factory=list)


def _entries(survey: Survey, locale: str) -> list[tuple[str, str, str, str]]:
    """(id, what, English, translation) for every text that has English."""
    rows = []
    for text_id, what, texts in translatable_texts(survey):
        english = (texts.get(SOURCE_LOCALE) or "").strip()
        if english:
            rows.append((text_id, what, english, (texts.get(locale) or "").strip()))
    return rows


def _check_locale(survey: Survey, locale: str) -> None:
    if locale == SOURCE_LOCALE or locale not in survey.consultation.languages:
        raise TranslationFileError(_("This survey is not offered in that language."))


# .po --------------------------------------------------------------------------------


def export_po(survey: Survey, locale: str) -> bytes:
    _check_locale(survey, locale)
    catalog = Catalog(
        locale=locale,
        project=survey.slug,
        domain=survey.slug,
        charset="utf-8",
        fuzzy=False,
    )
    for text_id, what, english, translation in _entries(survey, locale):
        catalog.add(english, string=translation, context=text_id, auto_comments=[what])
    out = io.BytesIO()
    write_po(out, catalog, width=0, omit_header=False)
    return out.getvalue()


def _read_po(data: bytes):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise TranslationFileError(
            _("The file could not be read: it is not a .po file in UTF-8.")
        ) from None
    if "msgid" not in text:
        raise TranslationFileError(_("The file could not be read: it is not a .po file."))
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        # babel reads an unterminated string without complaint: a file cut short is broken
        if line and not line.startswith("#") and not (line.endswith('"') and '"' in line[:-1]):
            raise TranslationFileError(
                _(
                    "The file could not be read: line %(line)s is not valid in a .po file.",
                    line=number,
                )
            )
    try:
        return read_po(io.StringIO(text), abort_invalid=True)
    except Exception:  # babel raises several kinds for a broken file
        raise TranslationFileError(
            _("The file could not be read: it is not a valid .po file.")
        ) from None


def import_po(survey: Survey, locale: str, data: bytes) -> ImportResult:
    _check_locale(survey, locale)
    catalog = _read_po(data)
    file_locale = str(catalog.locale) if catalog.locale else ""
    _check_file_locale(file_locale, locale)
    rows = []
    for message in catalog:
        if not message.id or not message.context:
            continue
        english = message.id if isinstance(message.id, str) else message.id[0]
        translation = message.string if isinstance(message.string, str) else ""
        rows.append((message.context, english, translation, message.fuzzy))
    return _apply(survey, locale, rows)


# .xlsx ------------------------------------------------------------------------------


def _cell_text(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)


def export_xlsx(survey: Survey, locale: str) -> bytes:
    _check_locale(survey, locale)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    sheet.append(["id", "what", SOURCE_LOCALE, locale])
    for text_id, what, english, translation in _entries(survey, locale):
        sheet.append([text_id, what, None, None])
        row = sheet.max_row
        # set as text: a text starting with "=" stays text, never a formula
        for column, value in ((3, english), (4, translation)):
            cell = sheet.cell(row=row, column=column)
            cell.value = _cell_text(value) if value else None
            cell.data_type = "s"
    sheet.freeze_panes = "A2"
    for column, width in (("A", 28), ("B", 18), ("C", 60), ("D", 60)):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def import_xlsx(survey: Survey, locale: str, data: bytes) -> ImportResult:
    _check_locale(survey, locale)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a zip that is not a workbook, or not a zip at all
        raise TranslationFileError(
            _("The file could not be read: it is not an .xlsx workbook.")
        ) from None
    try:
        sheet = workbook[SHEET_TITLE] if SHEET_TITLE in workbook.sheetnames else workbook.active
        rows = []
        header = None
        for index, values in enumerate(sheet.iter_rows(values_only=True)):
            if index > MAX_ROWS:
                raise TranslationFileError(_("The file has too many rows."))
            cells = [("" if v is None else str(v)) for v in (list(values) + [None] * 4)[:4]]
            if header is None:
                header = [c.strip() for c in cells]
                continue
            text_id, _what, english, translation = cells
            if text_id.strip():
                rows.append((text_id.strip(), english, translation, False))
    except TranslationFileError:
        raise
    except Exception:
        raise TranslationFileError(
            _("The file could not be read: it is not an .xlsx workbook.")
        ) from None
    finally:
        workbook.close()
    if not header or header[0].lower() != "id" or header[2].lower() != SOURCE_LOCALE:
        raise TranslationFileError(
            _(
                "The first row must name the columns id, what, en and the language code, "
                "as in the exported file."
            )
        )
    _check_file_locale(header[3], locale)
    return _apply(survey, locale, rows)


# both --------------------------------------------------------------------------------


def _check_file_locale(file_locale: str, locale: str) -> None:
    file_locale = (file_locale or "").strip().replace("-", "_")
    if file_locale.split("_")[0].lower() != locale.lower():
        raise TranslationFileError(
            _(
                "This file is for the language “%(found)s”, not “%(expected)s”: "
                "nothing was imported.",
                found=file_locale or "?",
                expected=locale,
            )
        )


def _apply(survey: Survey, locale: str, rows) -> ImportResult:
    """Rows of (id, English in the file, translation, fuzzy)."""
    result = ImportResult()
    current = {text_id: english for text_id, _what, english, _t in _entries(survey, locale)}
    translated = {text_id: t for text_id, _what, _english, t in _entries(survey, locale)}
    values: dict[str, str] = {}
    for text_id, english, translation, fuzzy in rows:
        translation = (translation or "").strip()
        if text_id not in current:
            result.unknown.append(text_id)
            continue
        if not translation:
            continue
        if fuzzy or _normal(english) != _normal(current[text_id]):
            result.needs_review.append(text_id)
            continue
        if translation == translated[text_id]:
            result.unchanged += 1
            continue
        values[text_id] = translation
    result.updated = authoring.set_translations(survey, locale, values) if values else 0
    return result


def _normal(text: str) -> str:
    return " ".join((text or "").split())
