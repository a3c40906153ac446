"""What results are grouped by: the ``by=`` dimensions of the results API and pages,
their answer columns (engage.responses.models.GROUP_COLUMNS) and their groups in order."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from engage.communities.categories import (
    BROAD_ETHNIC_GROUPS,
    BROAD_OF,
    DIMENSION_BY_KEY,
    ETHNIC_GROUPS,
    NOT_STATED,
    PREFER_NOT_TO_SAY,
    Category,
)
from engage.i18n import _l
from engage.responses.models import CHANNEL_LABELS, Channel

#: the group of responses with no answer to the monitoring question (not asked, skipped)
NOT_RECORDED = _l("Not recorded")
NO_FORUM = _l("Not through a forum")


@dataclass(frozen=True)
class Group:
    """One group of a grouping; ``code`` is what the API gives (None: not recorded)."""

    code: str | None
    label: str


@dataclass(frozen=True)
class Grouping:
    key: str
    #: the answers' column (and the responses' or profiles' one of the same name)
    column: str
    label: object
    #: the categories in the order they are shown (without "prefer not to say")
    categories: tuple[Category, ...] = ()
    #: a stored value -> the group's code (broad ethnic group from the detailed one)
    fold: Callable[[str | None], str | None] | None = None
    #: monitoring questions can be declined ("prefer not to say") or not answered
    monitoring: bool = True

    def code_of(self, value) -> str | None:
        if value is not None and not isinstance(value, str):
            value = str(value.value) if hasattr(value, "value") else str(value)
        return self.fold(value) if self.fold else value

    def groups(self, present: Iterable[str | None], forums: dict[int, str]) -> list[Group]:
        """Every group in order: the categories (all of them, however few answered),
        then "prefer not to say" and "not recorded"; for forums, those present."""
        if self.key == "forum":
            ids = sorted(
                (p for p in present if p is not None), key=lambda i: forums.get(int(i), "")
            )
            return [Group(str(i), forums.get(int(i), str(i))) for i in ids] + [
                Group(None, str(NO_FORUM))
            ]
        groups = [Group(c.code, str(c.label)) for c in self.categories]
        if self.monitoring:
            groups.append(Group(NOT_STATED, str(PREFER_NOT_TO_SAY)))
            groups.append(Group(None, str(NOT_RECORDED)))
        return groups


def _broad(value: str | None) -> str | None:
    if value is None or value == NOT_STATED:
        return value
    return BROAD_OF.get(value, value)


def _dimension(key: str, label) -> Grouping:
    return Grouping(key, key, label, tuple(DIMENSION_BY_KEY[key].categories))


GROUPINGS: dict[str, Grouping] = {
    g.key: g
    for g in (
        Grouping("ethnic_group", "ethnic_group", _l("Ethnic group"), tuple(ETHNIC_GROUPS)),
        Grouping(
            "ethnic_group_broad",
            "ethnic_group",
            _l("Ethnic group (broad)"),
            tuple(BROAD_ETHNIC_GROUPS),
            fold=_broad,
        ),
        _dimension("language", _l("Main language")),
        _dimension("age_band", _l("Age")),
        _dimension("sex", _l("Sex")),
        _dimension("religion", _l("Religion")),
        _dimension("disability", _l("Disability")),
        Grouping("forum", "forum_id", _l("Forum"), monitoring=False),
        Grouping(
            "channel",
            "channel",
            _l("How the response was collected"),
            tuple(Category(c.value, CHANNEL_LABELS[c]) for c in Channel),
            monitoring=False,
        ),
    )
}
