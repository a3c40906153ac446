"""Spreadsheet cells that are shown and never run (CSV and XLSX exports), and read back.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a
formula to Excel and LibreOffice (OWASP's "CSV injection"); such text is written with a
leading apostrophe, which spreadsheets hide. Text that already starts with an apostrophe
gets one more, so that reading back takes exactly one off."""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def neutralise(text: str) -> str:
    """The text as a cell a spreadsheet shows and never runs. Plain numbers such as -3
    stay as they are."""
    if text and text.startswith(FORMULA_START) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def restore(cell: str) -> str:
    """A cell written by :func:`neutralise` as it was: the apostrophe it added is taken
    off (one before text a spreadsheet would run), any other text is left alone."""
    if cell.startswith("'") and cell[1:].startswith(FORMULA_START):
        return cell[1:]
    return cell
