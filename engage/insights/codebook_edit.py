"""Changing a codebook from the browser: a survey's own, or an organisation's.

A survey codes its answers with its own codebook, else its organisation's, else the
site's default (:func:`engage.insights.pipeline.codebook_for`). The first change made
for a survey (or an organisation) without a codebook of its own copies the one it uses
and changes the copy: the codebook it inherited is never changed from there. Resetting
deletes the copy, and the inherited codebook is used again.

The rules are the import format's (:mod:`engage.insights.codebook`), so that a
codebook edited here downloads and uploads unchanged: codes are stable (given when a
theme is added, never changed, because coded answers and reports name them), a parent
is a theme of the same codebook without a parent of its own (two levels, so no cycles),
and a theme with themes under it is not deleted.

Like every service, these functions change the session and flush; the caller commits.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from engage.accounts.models import Organisation
from engage.consultations.models import Question, Survey
from engage.extensions import db
from engage.i18n import _l
from engage.insights import codebook, pipeline
from engage.insights.models import Codebook, Theme
from engage.responses.models import Answer

#: the longest keywords box accepted (one keyword a line): far more than any theme needs
KEYWORDS_TEXT_MAX = 20_000


class Source(enum.StrEnum):
    """Whose codebook a survey or an organisation uses."""

    own = "own"
    organisation = "organisation"
    default = "default"


@dataclass(frozen=True)
class Scope:
    """Whose codebook is edited: a survey's (``survey`` set), else an organisation's.
    ``organisation`` is always set: the survey's consultation's, for a survey."""

    organisation: Organisation
    survey: Survey | None = None

    @classmethod
    def of_survey(cls, survey: Survey) -> Scope:
        return cls(survey.consultation.organisation, survey)

    @classmethod
    def of_organisation(cls, organisation: Organisation) -> Scope:
        return cls(organisation)


class ThemeProblem(Exception):
    """A change that breaks a rule of the codebook: ``field`` names the form field
    (code, name, parent, description, keywords, or "" for the theme as a whole)."""

    def __init__(self, field: str, message: Any):
        super().__init__(str(message))
        self.field = field
        self.message = message


# Which codebook ---------------------------------------------------------------------------


def own_codebook(scope: Scope) -> Codebook | None:
    """The survey's, or the organisation's, own codebook (None: it uses another's)."""
    if scope.survey is not None:
        where = Codebook.survey_id == scope.survey.id
    else:
        where = (Codebook.organisation_id == scope.organisation.id) & Codebook.survey_id.is_(None)
    return db.session.scalar(select(Codebook).where(where))


def _organisation_codebook(organisation: Organisation) -> Codebook | None:
    return own_codebook(Scope.of_organisation(organisation))


def inherited_source(scope: Scope) -> Source:
    """The codebook used once the scope's own is reset: for a survey its organisation's
    (when there is one), else the site's default."""
    if scope.survey is not None and _organisation_codebook(scope.organisation) is not None:
        return Source.organisation
    return Source.default


def source(scope: Scope) -> Source:
    return Source.own if own_codebook(scope) is not None else inherited_source(scope)


def themes_of(scope: Scope) -> list[codebook.Theme]:
    """The themes the scope uses, in the codebook's order (for a survey, exactly what the
    pipeline and the coding screen use)."""
    if scope.survey is not None:
        return pipeline.codebook_for(scope.survey)
    row = _organisation_codebook(scope.organisation) or pipeline.default_codebook_row()
    return pipeline.codebook_themes(row)


def save(scope: Scope, themes: list[codebook.Theme]) -> Codebook:
    """Replaces the scope's own codebook with these themes (made if it has none)."""
    if scope.survey is not None:
        return pipeline.save_codebook(themes, survey=scope.survey)
    return pipeline.save_codebook(themes, organisation=scope.organisation)


def editable_codebook(scope: Scope) -> Codebook:
    """The scope's own codebook; the first change makes it, a copy of the one inherited."""
    return own_codebook(scope) or save(scope, themes_of(scope))


def reset(scope: Scope) -> bool:
    """Deletes the scope's own codebook, so that the inherited one is used again.
    False: it had none."""
    row = own_codebook(scope)
    if row is None:
        return False
    db.session.delete(row)
    db.session.flush()
    return True


# Checking a theme -------------------------------------------------------------------------


def keywords_from_text(text: str) -> tuple[str, ...]:
    """Keywords typed one a line, or separated by ";" (both may be mixed)."""
    return codebook.split_keywords(";".join(text.splitlines()))


def clean_name(name: str) -> str:
    """The name as the import reads it: spaces and line breaks run together."""
    return " ".join(name.split())


def check_theme(
    themes: Iterable[codebook.Theme],
    theme: codebook.Theme,
    *,
    new: bool,
) -> codebook.Theme:
    """``theme`` cleaned, once it fits the codebook ``themes`` (which, for a change, hold
    the theme as it was). Raises :class:`ThemeProblem` on the first rule broken."""
    existing = {t.code: t for t in themes}
    code = theme.code.strip().lower()
    name = clean_name(theme.name)
    description = theme.description.strip()
    parent = (theme.parent or "").strip().lower() or None
    keywords = codebook.split_keywords(";".join(theme.keywords))
    if new:
        if not codebook.THEME_CODE.match(code):
            raise ThemeProblem(
                "code",
                _l("A code is up to 64 lower-case letters, digits, dots, dashes and underscores"),
            )
        if code in existing:
            raise ThemeProblem("code", _l("Another theme in this codebook has this code"))
    elif code not in existing:
        raise ThemeProblem("", _l("This codebook has no theme with this code"))
    if not name:
        raise ThemeProblem("name", _l("Enter the theme's name"))
    if len(name) > codebook.NAME_MAX:
        raise ThemeProblem("name", _l("A name must be 200 characters or fewer"))
    if parent is not None:
        if parent == code:
            raise ThemeProblem("parent", _l("A theme cannot be its own parent"))
        if parent not in existing:
            raise ThemeProblem("parent", _l("No theme in this codebook has this code"))
        if existing[parent].parent:
            raise ThemeProblem(
                "parent", _l("The parent must be a theme without a parent of its own")
            )
        if any(t.parent == code for t in existing.values()):
            raise ThemeProblem(
                "parent",
                _l(
                    "This theme has themes under it, so it cannot go under another theme. "
                    "Move its themes first."
                ),
            )
    if len(description) > codebook.DESCRIPTION_MAX:
        raise ThemeProblem("description", _l("A description must be 4000 characters or fewer"))
    if any(len(k) > codebook.KEYWORD_MAX for k in keywords):
        raise ThemeProblem("keywords", _l("A keyword must be 100 characters or fewer"))
    return codebook.Theme(code, name, parent, description, keywords)


def unused_code(themes: Iterable[codebook.Theme], name: str) -> str:
    """A code for a new theme named ``name``: its name slugified, made unique with a
    number (``parking``, ``parking_2``...)."""
    taken = {t.code for t in themes}
    base = codebook.slugify(name)[:60] or "theme"
    code, number = base, 1
    while code in taken:
        number += 1
        code = f"{base}_{number}"
    return code


# Changing themes --------------------------------------------------------------------------


def _row(book: Codebook, code: str) -> Theme:
    for row in book.themes:
        if row.code == code:
            return row
    raise ThemeProblem("", _l("This codebook has no theme with this code"))


def add_theme(scope: Scope, theme: codebook.Theme) -> codebook.Theme:
    """Adds the theme at the end of the scope's own codebook (made on the first change).
    A theme without a code gets one from its name."""
    current = themes_of(scope)
    if not theme.code.strip():
        theme = codebook.Theme(
            unused_code(current, theme.name),
            theme.name,
            theme.parent,
            theme.description,
            theme.keywords,
        )
    checked = check_theme(current, theme, new=True)
    book = editable_codebook(scope)
    position = max((row.position for row in book.themes), default=-1) + 1
    book.themes.append(pipeline.theme_row(checked, position))
    db.session.flush()
    return checked


def update_theme(scope: Scope, theme: codebook.Theme) -> codebook.Theme:
    """Changes the name, parent, description and keywords of the theme with
    ``theme.code`` (the code itself never changes)."""
    checked = check_theme(themes_of(scope), theme, new=False)
    row = _row(editable_codebook(scope), checked.code)
    row.name = checked.name
    row.parent = checked.parent
    row.description = checked.description
    row.keywords = list(checked.keywords)
    db.session.flush()
    return checked


def children_of(themes: Iterable[codebook.Theme], code: str) -> list[codebook.Theme]:
    return [t for t in themes if t.parent == code]


def delete_theme(scope: Scope, code: str) -> codebook.Theme:
    """Deletes the theme. A theme with themes under it is refused: delete them, or move
    them under another theme, first."""
    current = themes_of(scope)
    found = next((t for t in current if t.code == code), None)
    if found is None:
        raise ThemeProblem("", _l("This codebook has no theme with this code"))
    children = children_of(current, code)
    if children:
        raise ThemeProblem(
            "",
            _l(
                "Other themes are under “%(name)s”. Delete them, or put them under another "
                "theme, before deleting it.",
                name=found.name,
            ),
        )
    book = editable_codebook(scope)
    book.themes.remove(_row(book, code))
    db.session.flush()
    return found


def coded_with(survey: Survey, code: str) -> int:
    """How many of the survey's answers an analyst coded with this theme."""
    rows = db.session.scalars(
        select(Answer.coded_themes)
        .join(Question, Question.id == Answer.question_id)
        .where(
            Question.survey_id == survey.id,
            Answer.coded_themes.is_not(None),
            Answer.coded_themes.contains(code, autoescape=True),
        )
    )
    return sum(1 for value in rows if code in (c.strip() for c in value.split(";")))
