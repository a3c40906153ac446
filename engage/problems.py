"""A problem found in an uploaded file, told the way a spreadsheet user finds it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engage.i18n import _


@dataclass(frozen=True)
class RowProblem:
    """The row as a spreadsheet numbers it (the header is row 1; None: the whole file),
    the column's name ("" when it is the row), and why, as a lazy string in the reader's
    language."""

    row: int | None
    column: str
    message: Any

    def text(self) -> str:
        if self.row is None:
            return str(self.message)
        if self.column:
            return _(
                "Row %(row)s, column %(column)s: %(message)s",
                row=self.row,
                column=self.column,
                message=str(self.message),
            )
        return _("Row %(row)s: %(message)s", row=self.row, message=str(self.message))

    def __str__(self) -> str:
        return self.text()
