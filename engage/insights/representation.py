"""Who did we hear from? A survey's respondents by ethnic group against an area's
population, and how completely ethnic group was recorded.

Both count responses (not answers) with one GROUP BY each, from the responses and their
monitoring profiles."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from sqlalchemy import case, func, select

from engage.communities.categories import ETHNIC_GROUPS, NOT_STATED
from engage.communities.models import Baseline, PopulationCount
from engage.extensions import db
from engage.insights import stats
from engage.insights.results import Filters, Share, Shown
from engage.responses.models import Profile, Response

#: below this share of responses with ethnic group recorded, the panel warns
COMPLETENESS_TARGET = 0.8


# Representation -----------------------------------------------------------------------


@dataclass
class GroupRepresentation:
    code: str
    label: str
    #: respondents of this group, and their share of respondents whose group is recorded
    respondents: Share
    population: int
    population_share: float
    #: share of respondents / share of population (None when either is unknown or 0)
    ratio: float | None
    #: the group's interval lies below its population share
    under: bool
    #: the group's interval lies above its population share
    over: bool


@dataclass
class Representation:
    baseline: Baseline
    #: respondents whose ethnic group is recorded (the shares' denominator), as shown
    recorded: int | None
    groups: list[GroupRepresentation]

    @property
    def gaps(self) -> list[GroupRepresentation]:
        """The under-represented groups, the largest gap first."""
        under = [g for g in self.groups if g.under and g.respondents.value is not None]
        return sorted(under, key=lambda g: g.respondents.value - g.population_share)


def ethnic_group_counts(survey_id: int, filters: Filters | None = None) -> dict[str | None, int]:
    """Responses by ethnic group code (``not_stated``; None: not recorded)."""
    filters = filters or Filters()
    rows = db.session.execute(
        select(Profile.ethnic_group, func.count())
        .select_from(Response)
        .outerjoin(Profile, Profile.response_id == Response.id)
        .where(Response.survey_id == survey_id, *filters.response_clauses())
        .group_by(Profile.ethnic_group)
    )
    return {code: n for code, n in rows}


def population(baseline: Baseline) -> dict[str, int]:
    rows = db.session.execute(
        select(PopulationCount.ethnic_group, PopulationCount.count).where(
            PopulationCount.baseline_id == baseline.id
        )
    )
    return dict(rows.all())


def representation(
    survey_id: int,
    baseline: Baseline,
    *,
    filters: Filters | None = None,
    rule: stats.DisclosureRule | None = None,
) -> Representation:
    counts = ethnic_group_counts(survey_id, filters)
    people = population(baseline)
    people_total = sum(people.values())
    recorded = sum(n for code, n in counts.items() if code not in (None, NOT_STATED))
    shown = Shown(rule)
    groups = []
    for category in ETHNIC_GROUPS:
        x = counts.get(category.code, 0)
        share = shown.share(x, recorded)
        pop = people.get(category.code, 0)
        pop_share = pop / people_total if people_total else 0.0
        ratio = share.value / pop_share if share.value is not None and pop_share else None
        groups.append(
            GroupRepresentation(
                category.code,
                str(category.label),
                share,
                pop,
                pop_share,
                ratio,
                under=share.high is not None and share.high < pop_share,
                over=share.low is not None and share.low > pop_share,
            )
        )
    return Representation(baseline, shown.n(recorded)[0], groups)


# Completeness -------------------------------------------------------------------------

RECORDED, DECLINED, MISSING = "recorded", "not_stated", "missing"


@dataclass
class Tally:
    """Responses by whether their ethnic group was recorded."""

    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def share(self, status: str, shown: Shown) -> Share:
        return shown.share(self.counts.get(status, 0), self.total)


@dataclass
class Completeness:
    overall: Tally
    by_channel: dict[str, Tally]
    by_forum: dict[int | None, Tally]
    #: Monday of each week -> tally, in order
    by_week: dict[date, Tally]
    rule: stats.DisclosureRule | None = None

    def share(self, tally: Tally, status: str = RECORDED) -> Share:
        return tally.share(status, Shown(self.rule))

    def total(self, tally: Tally) -> int | None:
        return Shown(self.rule).n(tally.total)[0]

    def below_target(self, tally: Tally) -> bool:
        """Less than 80% recorded (judged on the true counts: the warning is about the
        data's quality, and says no more than the shares beside it)."""
        return tally.total > 0 and tally.counts.get(RECORDED, 0) < COMPLETENESS_TARGET * tally.total


def completeness(
    survey_id: int, *, filters: Filters | None = None, rule: stats.DisclosureRule | None = None
) -> Completeness:
    filters = filters or Filters()
    status = case(
        (Profile.ethnic_group.is_(None), MISSING),
        (Profile.ethnic_group == NOT_STATED, DECLINED),
        else_=RECORDED,
    )
    day = func.date(Response.submitted_at)
    rows = db.session.execute(
        select(Response.channel, Response.forum_id, day, status, func.count())
        .select_from(Response)
        .outerjoin(Profile, Profile.response_id == Response.id)
        .where(Response.survey_id == survey_id, *filters.response_clauses())
        .group_by(Response.channel, Response.forum_id, day, status)
    )
    result = Completeness(Tally(), defaultdict(Tally), defaultdict(Tally), {}, rule)
    weeks: dict[date, Tally] = defaultdict(Tally)
    for channel, forum_id, on, state, n in rows:
        channel = getattr(channel, "value", channel)
        result.overall.counts[state] += n
        result.by_channel[channel].counts[state] += n
        result.by_forum[forum_id].counts[state] += n
        on = on if isinstance(on, date) else date.fromisoformat(str(on)[:10])
        weeks[on - timedelta(days=on.weekday())].counts[state] += n
    result.by_week = dict(sorted(weeks.items()))
    return result
