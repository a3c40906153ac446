"""The query parameters of results pages and the results API, checked: ``by``, ``cross``,
``from``, ``to``, ``channel``, ``forum`` and ``answer`` (``question_key:option_code``).
A bad one raises :class:`BadParameter` naming it, with a message in the user's language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from engage.consultations.cache import SurveySnapshot
from engage.extensions import db
from engage.i18n import _
from engage.insights.groupings import GROUPINGS
from engage.insights.results import Filters
from engage.responses.models import Channel


class BadParameter(ValueError):
    def __init__(self, parameter: str, message: str):
        super().__init__(message)
        self.parameter = parameter
        self.message = message


@dataclass(frozen=True)
class Query:
    by: str
    cross: str | None
    filters: Filters

    @property
    def groupings(self) -> list[str]:
        return [self.by] if self.cross is None else [self.by, self.cross]


def parse(
    args: Mapping[str, str], survey: SurveySnapshot, *, default_by: str | None = "ethnic_group"
) -> Query:
    by = (args.get("by") or default_by or "").strip()
    if by not in GROUPINGS:
        raise BadParameter(
            "by", _("Choose what to group by: one of %(names)s.", names=", ".join(GROUPINGS))
        )
    cross = (args.get("cross") or "").strip() or None
    if cross is not None and cross not in GROUPINGS:
        raise BadParameter(
            "cross", _("Choose what to cross with: one of %(names)s.", names=", ".join(GROUPINGS))
        )
    if cross == by:
        raise BadParameter("cross", _("Cross the results with a different grouping."))
    date_from = _date(args, "from")
    date_to = _date(args, "to")
    if date_from and date_to and date_from > date_to:
        raise BadParameter("from", _("The start date must be on or before the end date."))
    return Query(
        by,
        cross,
        Filters(
            date_from=date_from,
            date_to=date_to,
            channel=_channel(args),
            forum_id=_forum(args),
            answer=_answer(args, survey),
        ),
    )


def _date(args: Mapping[str, str], name: str) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadParameter(
            name, _("Give the date as year-month-day, for example 2026-03-31.")
        ) from None


def _channel(args: Mapping[str, str]) -> str | None:
    value = (args.get("channel") or "").strip()
    if not value:
        return None
    if value not in {c.value for c in Channel}:
        raise BadParameter(
            "channel",
            _("Choose a channel: one of %(names)s.", names=", ".join(c.value for c in Channel)),
        )
    return value


def _forum(args: Mapping[str, str]) -> int | None:
    from engage.accounts.models import Organisation, OrgKind

    value = (args.get("forum") or "").strip()
    if not value:
        return None
    forum_id = db.session.scalar(
        select(Organisation.id).where(
            Organisation.slug == value, Organisation.kind == OrgKind.forum
        )
    )
    if forum_id is None:
        raise BadParameter("forum", _("There is no forum called %(slug)s.", slug=value))
    return forum_id


def _answer(args: Mapping[str, str], survey: SurveySnapshot) -> tuple[int, int] | None:
    value = (args.get("answer") or "").strip()
    if not value:
        return None
    key, _sep, code = value.partition(":")
    for question in survey.questions:
        if question.key == key:
            for option in question.options:
                if option.code == code:
                    return question.id, option.id
            break
    raise BadParameter(
        "answer",
        _(
            "Give an answer as question key and answer code, for example %(example)s: "
            "no question of this survey has that answer.",
            example="experience:very_good",
        ),
    )
