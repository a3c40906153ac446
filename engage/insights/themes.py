"""Themes by community: how many people raised each theme in their free-text answers,
the share with its interval and mean sentiment, the same by any grouping (with a flag
where a group raises a theme significantly more than the rest), representative quotes
and emerging themes.

An answer's themes are its analyst's coding (``Answer.coded_themes``) when there is
one, else the pipeline's suggestions (``TextAnalysis.themes``): analysts' codes always
win. The two are stored differently (a ";"-joined string, a JSON list), so instead of
unpacking both in SQL, which SQLite and PostgreSQL spell differently, one statement
reads the few columns needed of a survey's free-text answers (filtered in SQL) and
Python counts them per theme. Free text is a small part of a survey's answers (one or
two rows a respondent, against dozens of ticks), so this stays cheap.

A theme is counted once per respondent, however many of their answers raise it. The
share is of the respondents who answered any free-text question (of the group, for a
group's share), with its Wilson 95% interval. Mean sentiment is the mean of the answers
raising the theme that have a sentiment, each counting 1 if positive, 0 if neutral and
-1 if negative: from -1 (all negative) to 1 (all positive). An answer's sentiment is
its analyst's coding when there is one, else the suggested one (the model's, learned
from the coding, or the lexicon's for English and translated text): analysts' codes
win here too, and an answer in another language that an analyst coded counts.

Public pages and the API pass a :class:`~engage.insights.stats.DisclosureRule`: counts
are rounded or suppressed, shares and differences come from the rounded counts (as for
results), a suppressed cell has no sentiment and no flag, and no quote is taken from a
suppressed cell.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import select

from engage.consultations.models import Question, QuestionType, Survey
from engage.extensions import db
from engage.insights import codebook, stats
from engage.insights.access import published
from engage.insights.groupings import GROUPINGS, Group, Grouping
from engage.insights.models import Codebook, TextAnalysis
from engage.insights.models import Theme as ThemeRow
from engage.insights.results import Filters, Share, Shown
from engage.responses.models import Answer, Sentiment

FREE_TEXT = (QuestionType.short_text, QuestionType.long_text)
#: quotes shown for a theme, at most
QUOTES = 5
#: an emerging phrase needs at least this many uncovered answers
EMERGING_MINIMUM = 2

_A = Answer.__table__
_T = TextAnalysis.__table__
_Q = Question.__table__


# Theme names ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeName:
    code: str
    name: str
    #: the name of the category the theme belongs to (None: a category, or unknown)
    category: str | None
    position: int


def theme_names(survey: Survey) -> dict[str, ThemeName]:
    """Code -> name from the survey's codebook, then its organisation's, then the site's
    default (a code an import brought from elsewhere may be only in one of them). Read
    only: the default is not written to the database here."""
    organisation_id = survey.consultation.organisation_id
    rows = db.session.execute(
        select(
            ThemeRow.code,
            ThemeRow.name,
            ThemeRow.parent,
            ThemeRow.position,
            Codebook.survey_id,
            Codebook.organisation_id,
        )
        .join(Codebook, Codebook.id == ThemeRow.codebook_id)
        .where(
            (Codebook.survey_id == survey.id)
            | ((Codebook.organisation_id == organisation_id) & Codebook.survey_id.is_(None))
            | (Codebook.organisation_id.is_(None) & Codebook.survey_id.is_(None))
        )
    ).all()
    books: dict[int, list[tuple[str, str, str | None, int]]] = defaultdict(list)
    for code, name, parent, position, survey_id, org_id in rows:
        rank = 0 if survey_id is not None else 1 if org_id is not None else 2
        books[rank].append((code, name, parent, position))
    if 2 not in books:
        books[2] = [
            (t.code, t.name, t.parent, i) for i, t in enumerate(codebook.default_codebook())
        ]
    found: dict[str, ThemeName] = {}
    offset = 0
    for rank in sorted(books):
        entries = books[rank]
        names = {code: name for code, name, _p, _i in entries}
        for code, name, parent, position in entries:
            if code not in found:
                category = names.get(parent) if parent else None
                found[code] = ThemeName(code, name, category, offset + position)
        offset += 1 + max((e[3] for e in entries), default=0)
    return found


# Which themes an answer raises -------------------------------------------------------------


def answer_themes(coded: str | None, suggested: Sequence[Any] | None) -> dict[str, float | None]:
    """Theme code -> confidence of the answer's themes: the analyst's codes (confidence
    None) when the answer was coded, even to no theme at all, else the suggestions."""
    if coded is not None:
        return {c: None for c in (part.strip() for part in coded.split(";")) if c}
    found: dict[str, float | None] = {}
    for item in suggested or ():
        if isinstance(item, list | tuple) and item:
            code = str(item[0])
            confidence = float(item[1]) if len(item) > 1 and item[1] is not None else 0.0
            found.setdefault(code, confidence)
    return found


def _free_text(survey_id: int, columns: Iterable, filters: Filters, *, analysed: bool):
    """The statement over the survey's non-empty free-text answers, with their analysis
    (outer join; inner when ``analysed``), the filters applied in SQL."""
    join = _A.join(_Q, _Q.c.id == _A.c.question_id)
    join = join.join(_T, _T.c.answer_id == _A.c.id, isouter=not analysed)
    return (
        select(*columns)
        .select_from(join)
        .where(
            _Q.c.survey_id == survey_id,
            _Q.c.type.in_(FREE_TEXT),
            _A.c.text.is_not(None),
            _A.c.text != "",
            *filters.clauses(_A),
        )
        .order_by(_A.c.id)
    )


# Figures ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupSize:
    """Respondents of a group who answered any free-text question."""

    group: Group
    #: as shown: None when suppressed
    n: int | None
    raw_n: int
    suppressed: bool = False


@dataclass
class ThemeCell:
    """One group's figures for one theme."""

    group: Group
    share: Share
    #: the true count and group size (never shown with disclosure control)
    raw: int
    raw_n: int
    #: the group raises the theme significantly more than the rest of the respondents:
    #: Newcombe's interval for the difference lies entirely above 0
    flagged: bool = False
    difference: stats.Difference | None = None
    #: mean sentiment (-1 to 1) of the group's answers raising the theme (None: none has
    #: a sentiment, or hidden)
    sentiment: float | None = None


@dataclass
class ThemeFigure:
    code: str
    name: str
    category: str | None
    overall: Share
    raw: int
    sentiment: float | None
    groups: list[ThemeCell] = field(default_factory=list)

    @property
    def flagged(self) -> list[ThemeCell]:
        return [c for c in self.groups if c.flagged]

    def cell(self, group_code: str | None) -> ThemeCell | None:
        return next((c for c in self.groups if c.group.code == group_code), None)


@dataclass
class ThemeFigures:
    grouping: Grouping
    #: True: through disclosure control
    public: bool
    respondents: GroupSize
    groups: list[GroupSize]
    #: ranked by how many people raised them
    themes: list[ThemeFigure]

    def theme(self, code: str) -> ThemeFigure | None:
        return next((t for t in self.themes if t.code == code), None)


@dataclass
class _Tally:
    respondents: dict[Any, set[int]] = field(default_factory=lambda: defaultdict(set))
    raised: dict[str, dict[Any, set[int]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(set))
    )
    #: each raising answer's sentiment score (SENTIMENT_SCORE), by theme and group
    scores: dict[str, dict[Any, list[float]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )


#: an answer's sentiment as a number, for the mean
SENTIMENT_SCORE = {Sentiment.positive: 1.0, Sentiment.neutral: 0.0, Sentiment.negative: -1.0}


def answer_sentiment(coded: Sentiment | None, suggested: Sentiment | None) -> Sentiment | None:
    """An answer's sentiment: the analyst's coding, else the suggestion."""
    return coded if coded is not None else suggested


def _tally(rows: Iterable[tuple], grouping: Grouping) -> _Tally:
    tally = _Tally()
    for response_id, value, coded, suggested, coded_sentiment, suggested_sentiment in rows:
        group = grouping.code_of(value)
        tally.respondents[group].add(response_id)
        sentiment = answer_sentiment(coded_sentiment, suggested_sentiment)
        for code in answer_themes(coded, suggested):
            tally.raised[code][group].add(response_id)
            if sentiment is not None:
                tally.scores[code][group].append(SENTIMENT_SCORE[sentiment])
    return tally


def _mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return math.fsum(values) / len(values) if values else None


def themes_by(
    survey: Survey,
    by: str = "ethnic_group",
    *,
    rule: stats.DisclosureRule | None = None,
    filters: Filters | None = None,
) -> ThemeFigures:
    """Every theme raised in the survey's free text, ranked by reach, overall and by the
    ``by`` grouping (a key of GROUPINGS). ``rule``: disclosure control (public callers).
    One statement."""
    filters = filters or Filters()
    grouping = GROUPINGS[by]
    statement = _free_text(
        survey.id,
        [
            _A.c.response_id,
            _A.c[grouping.column],
            _A.c.coded_themes,
            _T.c.themes,
            _A.c.coded_sentiment,
            _T.c.sentiment,
        ],
        filters,
        analysed=False,
    )
    tally = _tally(db.session.execute(statement), grouping)
    return _assemble(tally, grouping, theme_names(survey), rule)


def _assemble(tally: _Tally, grouping: Grouping, names: dict[str, ThemeName], rule) -> ThemeFigures:
    shown = Shown(rule)
    forums = _forum_names(tally.respondents) if grouping.key == "forum" else {}
    groups = grouping.groups(tally.respondents, forums)
    everyone = _size(Group("all", ""), sum(map(len, tally.respondents.values())), shown)
    sizes = [_size(g, len(tally.respondents.get(g.code, ())), shown) for g in groups]
    figures = []
    for code, by_group in tally.raised.items():
        raw = sum(map(len, by_group.values()))
        overall = shown.share(raw, everyone.raw_n)
        hidden = rule is not None and overall.suppressed
        name = names.get(code)
        figure = ThemeFigure(
            code,
            name.name if name else code,
            name.category if name else None,
            overall,
            raw,
            None if hidden else _mean(v for vs in tally.scores[code].values() for v in vs),
        )
        for size in sizes:
            x = len(by_group.get(size.group.code, ()))
            cell = ThemeCell(size.group, shown.share(x, size.raw_n), x, size.raw_n)
            if rule is None or not (cell.share.suppressed or size.suppressed or hidden):
                cell.difference = _from_rest(cell, size, figure, everyone, public=rule is not None)
                cell.flagged = cell.difference is not None and cell.difference.low > 0
                cell.sentiment = _mean(tally.scores[code].get(size.group.code, ()))
            figure.groups.append(cell)
        figures.append(figure)
    figures.sort(key=_ranking(names, public=rule is not None))
    return ThemeFigures(grouping, rule is not None, everyone, sizes, figures)


def _size(group: Group, raw_n: int, shown: Shown) -> GroupSize:
    n, suppressed = shown.n(raw_n)
    return GroupSize(group, n, raw_n, suppressed)


def _from_rest(
    cell: ThemeCell, size: GroupSize, figure: ThemeFigure, everyone: GroupSize, *, public: bool
) -> stats.Difference | None:
    """The group's share minus the rest's, with Newcombe's interval. With disclosure
    control the rest is worked out from the counts as shown (everyone's minus the
    group's), so the flag says nothing that the published numbers do not."""
    if not public:
        x, n = cell.raw, size.raw_n
        return stats.newcombe(x, n, figure.raw - x, everyone.raw_n - n)
    x, n = cell.share.count, size.n
    if x is None or n is None or figure.overall.count is None or everyone.n is None:
        return None
    rest_n = everyone.n - n
    rest_x = min(max(figure.overall.count - x, 0), max(rest_n, 0))
    return stats.newcombe(x, n, rest_x, rest_n) if rest_n > 0 and n > 0 else None


def _ranking(names: dict[str, ThemeName], *, public: bool):
    """Most people first; the public order uses the counts as shown (suppressed last),
    so that it tells nothing the rounded counts do not; ties in codebook order."""

    def key(figure: ThemeFigure):
        name = names.get(figure.code)
        position = name.position if name else math.inf
        count = figure.overall.count if public else figure.raw
        return (count is None, -(count or 0), position, figure.code)

    return key


def _forum_names(present: Iterable[Any]) -> dict[int, str]:
    from engage.accounts.models import Organisation

    ids = {int(p) for p in present if p is not None and str(p).isdigit()}
    if not ids:
        return {}
    return dict(
        db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
        ).all()
    )


# Quotes -----------------------------------------------------------------------------------


class _Any:
    def __repr__(self) -> str:
        return "ANY"


#: quotes from any group
ANY: Any = _Any()


@dataclass(frozen=True)
class Quote:
    answer_id: int
    #: the answer with personal details replaced (never the answer as given)
    text: str
    language: str | None
    #: the English translation, redacted too (None: English, or not translated)
    translation: str | None
    group: Group
    #: an analyst coded the answer with the theme (else the pipeline suggested it)
    coded: bool
    confidence: float | None


def quotable_groups(figure: ThemeFigure | None, public: bool) -> list[Group]:
    """The groups a theme may be quoted from: with disclosure control, only those whose
    count for the theme is shown (not suppressed) and above 0."""
    if figure is None:
        return []
    return [c.group for c in figure.groups if c.raw > 0 and not (public and c.share.suppressed)]


def quotes(
    survey: Survey,
    figures: ThemeFigures,
    theme: str,
    *,
    group: str | None = ANY,
    filters: Filters | None = None,
    limit: int = QUOTES,
) -> list[Quote]:
    """A few representative answers raising ``theme``: analyst-coded ones first, then
    the most confident suggestions, taken in turn from each group so that one community
    does not fill the list (or only from ``group``, a group code; None is "not
    recorded"), each text once. Always the redacted text. With disclosure control
    (``figures.public``), none from a suppressed cell and none at all while the survey
    is not published."""
    if figures.public and not published(survey):
        return []
    groups = {g.code: g for g in quotable_groups(figures.theme(theme), figures.public)}
    if group is not ANY:
        groups = {group: groups[group]} if group in groups else {}
    if not groups:
        return []
    grouping = figures.grouping
    statement = _free_text(
        survey.id,
        [
            _A.c.id,
            _A.c[grouping.column],
            _A.c.coded_themes,
            _T.c.themes,
            _T.c.redacted,
            _T.c.translation,
            _T.c.language,
        ],
        filters or Filters(),
        analysed=True,
    ).where(_T.c.redacted != "")
    candidates: dict[Any, list[Quote]] = defaultdict(list)
    for answer_id, value, coded, suggested, redacted, translation, language in db.session.execute(
        statement
    ):
        code = grouping.code_of(value)
        found = answer_themes(coded, suggested)
        if code not in groups or theme not in found:
            continue
        candidates[code].append(
            Quote(
                answer_id,
                redacted,
                language,
                translation,
                groups[code],
                coded is not None,
                found[theme],
            )
        )
    chosen = _in_turn(candidates, limit)
    return [replace(q, translation=_redacted(q.translation)) for q in chosen]


def _redacted(translation: str | None) -> str | None:
    """A translation is typed by a host or analyst and may repeat the personal details
    the original had: it is redacted the same way before it is quoted."""
    if not translation:
        return None
    from engage.insights.text import redact

    return redact(translation).text


def _in_turn(candidates: dict[Any, list[Quote]], limit: int) -> list[Quote]:
    """Up to ``limit`` quotes, the best of each group in turn (groups ordered by their
    best), skipping a text already chosen: "No interpreter" five times says less than
    five different answers."""

    def score(q: Quote) -> tuple:
        return (not q.coded, -(q.confidence or 0.0), q.answer_id)

    ranked = sorted(
        (sorted(found, key=score) for found in candidates.values()), key=lambda q: score(q[0])
    )
    queues = [iter(found) for found in ranked]
    chosen: list[Quote] = []
    seen: set[str] = set()
    while queues and len(chosen) < limit:
        for queue in list(queues):
            quote = next((q for q in queue if _same(q.text) not in seen), None)
            if quote is None:
                queues.remove(queue)
                continue
            seen.add(_same(quote.text))
            chosen.append(quote)
            if len(chosen) == limit:
                break
    return chosen


def _same(text: str) -> str:
    return " ".join(text.casefold().split())


# Emerging themes --------------------------------------------------------------------------


@dataclass(frozen=True)
class EmergingTheme:
    phrase: str
    #: answers with no theme that contain the phrase
    answers: int
    #: a few of them, redacted, each text once
    examples: tuple[str, ...]


def emerging_themes(
    survey: Survey,
    *,
    filters: Filters | None = None,
    minimum: int = EMERGING_MINIMUM,
    limit: int = 15,
    examples: int = 3,
) -> list[EmergingTheme]:
    """The noun phrases most frequent among analysed answers that no theme covers
    (neither coded nor suggested), each with a few of those answers: for analysts, so
    that the codebook grows. Not for public pages."""
    statement = _free_text(
        survey.id,
        [_A.c.id, _A.c.coded_themes, _T.c.themes, _T.c.noun_phrases, _T.c.redacted],
        filters or Filters(),
        analysed=True,
    )
    counts: Counter[str] = Counter()
    found: dict[str, list[str]] = defaultdict(list)
    for _id, coded, suggested, phrases, redacted in db.session.execute(statement):
        if answer_themes(coded, suggested):
            continue
        for phrase in dict.fromkeys(p.strip().lower() for p in phrases or () if p.strip()):
            counts[phrase] += 1
            shown = found[phrase]
            if len(shown) < examples and redacted and _same(redacted) not in map(_same, shown):
                shown.append(redacted)
    ranked = sorted(
        (item for item in counts.items() if item[1] >= minimum), key=lambda i: (-i[1], i[0])
    )
    return [EmergingTheme(p, n, tuple(found[p])) for p, n in ranked[:limit]]
