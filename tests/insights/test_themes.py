"""Themes by community: counts per respondent with analysts' codes winning over
suggestions, shares with Wilson intervals, mean sentiment, the flag on a group raising a
theme more than the rest, disclosure control, quotes (redacted, never from a suppressed
cell in public) and emerging phrases. Expected figures are worked out here from the
people the test made."""

from __future__ import annotations

import csv
import statistics
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from engage.consultations.models import ConsultationStatus
from engage.consultations.service import get_survey
from engage.extensions import db
from engage.i18n import theme_label
from engage.insights import codebook, pipeline, text, themes
from engage.insights.access import disclosure_rule
from engage.insights.models import TextAnalysis
from engage.responses import transfer
from engage.responses.models import Answer, Sentiment
from tests.api.expected import newcombe_pp, published, wilson_pct

INTERPRETER = "No interpreter was booked for my mother."
WITH_PHONE = "No interpreter was booked, call me on 07700 900123."
URDU = "ترجمان نہیں آیا۔ مجھ سے fatima@example.org پر رابطہ کریں"
URDU_IN_ENGLISH = "The interpreter did not come. Write to me at fatima@example.org please."
KIND = "Lovely kind nurse."
WAIT = "Long wait for an appointment."
LATE = "The interpreter was late."
AGAIN = "No interpreter came again."
QUEUE = "The pharmacy queue was far too long."
QUEUE_AND_WAIT = "Long wait in the pharmacy queue for an appointment"
RECEPTION = "Kind staff at the reception desk"

#: what the codebook's keywords find in each answer
KEYWORD_THEME = {
    INTERPRETER: "interpreters",
    WITH_PHONE: "interpreters",
    URDU: "interpreters",
    LATE: "interpreters",
    AGAIN: "interpreters",
    KIND: "kindness",
    RECEPTION: "kindness",
    WAIT: "waiting",
    QUEUE_AND_WAIT: "waiting",
}

CODEBOOK = [
    codebook.Theme("access", "Access", None, "Getting care"),
    codebook.Theme("waiting", "Waiting", "access", "Waits", ("wait", "appointment")),
    codebook.Theme("interpreters", "Interpreters", "access", "Language", ("interpreter",)),
    codebook.Theme("kindness", "Kindness", None, "Kind staff", ("kind", "caring")),
    codebook.Theme("parking", "Parking", None, "Parking", ("parking", "car park")),
]


@dataclass(frozen=True)
class Person:
    ethnic_group: str
    summary: str
    #: the themes this person raised: their analyst's codes, else what the keywords find
    raised: frozenset[str]
    coded: str = ""
    why_poor: str = ""

    @property
    def answers(self) -> list[str]:
        return [t for t in (self.summary, self.why_poor) if t]


def _n(count: int, group: str, summary: str, raised: set[str], **kw) -> list[Person]:
    return [Person(group, summary, frozenset(raised), **kw) for _ in range(count)]


def people() -> list[Person]:
    """71 people answered free text; 4 more answered none."""
    return [
        # Pakistani: 14 of 20 raise interpreters (one in Urdu, translated later)
        *_n(12, "asian_pakistani", INTERPRETER, {"interpreters"}),
        *_n(1, "asian_pakistani", WITH_PHONE, {"interpreters"}),
        *_n(1, "asian_pakistani", URDU, {"interpreters"}),
        *_n(6, "asian_pakistani", KIND, {"kindness"}),
        *_n(4, "asian_pakistani", "", set()),
        # White British: 3 of 30 raise interpreters, 2 of them in two answers
        *_n(2, "white_british", INTERPRETER, {"interpreters"}, why_poor=AGAIN),
        *_n(1, "white_british", INTERPRETER, {"interpreters"}),
        *_n(15, "white_british", WAIT, {"waiting"}),
        *_n(12, "white_british", KIND, {"kindness"}),
        *_n(5, "black_african", WAIT, {"waiting"}),
        # an analyst coded these as parking: the keywords' "interpreter" does not count
        *_n(10, "asian_indian", LATE, {"parking"}, coded="parking"),
        # ethnic group not recorded; three answers no theme covers
        *_n(3, "", QUEUE, set()),
        *_n(1, "", QUEUE_AND_WAIT, {"waiting"}),
        *_n(2, "", RECEPTION, {"kindness"}),
    ]


COLUMNS = ["experience", "why_poor", "summary", "summary__themes", "ethnic_group"]


def load(survey_slug: str, path) -> list[Person]:
    """Imports :func:`people` into the survey, with the codebook above, analyses them,
    adds the Urdu answer's translation and analyses again (the caller is in an app
    context; this commits)."""
    rows = people()
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for p in rows:
            experience = "poor" if p.why_poor else "good"
            writer.writerow([experience, p.why_poor, p.summary, p.coded, p.ethnic_group])
    survey = get_survey(survey_slug)
    pipeline.save_codebook(CODEBOOK, survey=survey)
    transfer.import_responses(survey, path)
    pipeline.analyse_survey(survey)
    urdu = db.session.scalar(
        select(TextAnalysis)
        .join(Answer, Answer.id == TextAnalysis.answer_id)
        .where(Answer.text == URDU)
    )
    urdu.translation = URDU_IN_ENGLISH
    pipeline.analyse_survey(survey)
    db.session.commit()
    return rows


@pytest.fixture
def themed(app, world, tmp_path):
    """The world's open survey with :func:`people`'s answers, analysed."""
    with app.app_context():
        return load(world.survey, tmp_path / "themed.csv")


@pytest.fixture
def survey(themed, ctx):
    return get_survey("test-survey")


# Expected figures, from the people --------------------------------------------------------


def answered(rows: list[Person], group: str | None = "any") -> list[Person]:
    return [p for p in rows if p.answers and (group == "any" or (p.ethnic_group or None) == group)]


def raised(rows: list[Person], theme: str, group: str | None = "any") -> int:
    return sum(1 for p in answered(rows, group) if theme in p.raised)


def english(answer: str) -> str:
    return URDU_IN_ENGLISH if answer == URDU else answer


#: an answer's sentiment as the mean counts it
SCORE = {"positive": 1, "neutral": 0, "negative": -1}


def mean_sentiment(rows: list[Person], theme: str, group: str | None = "any") -> float:
    """The mean of +1, 0, -1 for the lexicon's label of each answer raising the theme
    (the English of it); nobody's sentiment is coded in the fixture."""
    values = []
    for p in answered(rows, group):
        if theme not in p.raised:
            continue
        for answer in p.answers:
            if p.coded or KEYWORD_THEME.get(answer) == theme:
                values.append(SCORE[text.sentiment(english(answer)).label.value])
    return statistics.fmean(values)


def test_keywords_suggested_what_the_test_expects(survey):
    """The fixture's premise: the pipeline suggested each answer's theme by keywords."""
    found = dict(
        db.session.execute(
            select(Answer.text, TextAnalysis.themes).join(
                TextAnalysis, TextAnalysis.answer_id == Answer.id
            )
        ).all()
    )
    for answer, theme in KEYWORD_THEME.items():
        assert [c for c, _s in found[answer]] == [theme], answer
    assert found[QUEUE] == []


def test_counts_shares_and_intervals_as_counted(survey, themed):
    figures = themes.themes_by(survey, "ethnic_group")
    everyone = len(answered(themed))
    assert figures.respondents.n == everyone == 71
    assert [t.code for t in figures.themes] == ["waiting", "kindness", "interpreters", "parking"]
    for t in figures.themes:
        x = raised(themed, t.code)
        low, high = wilson_pct(x, everyone)
        assert t.overall.count == x
        assert t.overall.pct == pytest.approx(100 * x / everyone)
        assert t.overall.pct_low == pytest.approx(low, abs=0.01)
        assert t.overall.pct_high == pytest.approx(high, abs=0.01)
        for cell in t.groups:
            n = len(answered(themed, cell.group.code))
            assert cell.raw_n == n
            assert cell.share.count == raised(themed, t.code, cell.group.code)
    interpreters = figures.theme("interpreters")
    # each White British person counted once, though two said it twice
    assert interpreters.cell("white_british").share.count == 3
    # analysts' parking wins over the keywords' interpreters for the Indian answers
    assert interpreters.cell("asian_indian").share.count == 0
    assert figures.theme("parking").cell("asian_indian").share.count == 10
    assert figures.theme("access") is None  # nobody raised it
    assert figures.theme("waiting").category == "Access"


def test_mean_sentiment_of_english_and_translated_answers(survey, themed):
    figures = themes.themes_by(survey, "ethnic_group")
    for t in figures.themes:
        assert t.sentiment == pytest.approx(mean_sentiment(themed, t.code), abs=1e-9)
    interpreters = figures.theme("interpreters")
    pakistani = interpreters.cell("asian_pakistani").sentiment
    assert pakistani == pytest.approx(mean_sentiment(themed, "interpreters", "asian_pakistani"))
    assert figures.theme("kindness").sentiment == 1.0  # "Lovely kind nurse." and the like


def test_an_analysts_sentiment_wins_over_the_suggestion_and_counts_untranslated_text(
    survey, themed
):
    kindness = themes.themes_by(survey, "ethnic_group").theme("kindness")
    assert kindness.cell("asian_pakistani").sentiment == 1.0
    # an analyst reads three of the six Pakistani "Lovely kind nurse." answers as negative
    # (sarcasm the lexicon cannot see)
    answers = db.session.scalars(
        select(Answer).where(Answer.text == KIND, Answer.ethnic_group == "asian_pakistani")
    ).all()
    for answer in answers[:3]:
        answer.coded_sentiment = Sentiment.negative
    db.session.flush()
    cell = themes.themes_by(survey, "ethnic_group").theme("kindness").cell("asian_pakistani")
    assert cell.share.count == 6 and cell.sentiment == 0.0
    # the Urdu answer as it is before anyone translates it: no suggestion at all; an
    # analyst who reads Urdu codes it
    urdu = db.session.scalar(select(Answer).where(Answer.text == URDU))
    analysis = db.session.get(TextAnalysis, urdu.id)
    analysis.translation, analysis.sentiment, analysis.themes = None, None, []
    urdu.coded_themes, urdu.coded_sentiment = "interpreters", Sentiment.negative
    db.session.flush()
    interpreters = themes.themes_by(survey, "ethnic_group").theme("interpreters")
    cell = interpreters.cell("asian_pakistani")
    assert cell.share.count == 14
    assert [text.sentiment(a).label.value for a in (INTERPRETER, WITH_PHONE)] == ["neutral"] * 2
    assert cell.sentiment == pytest.approx(-1 / 14)


def test_a_group_raising_a_theme_more_than_the_rest_is_flagged(survey, themed):
    figures = themes.themes_by(survey, "ethnic_group")
    everyone = len(answered(themed))
    interpreters = figures.theme("interpreters")
    for cell in interpreters.groups:
        n = len(answered(themed, cell.group.code))
        if not n:
            assert not cell.flagged
            continue
        x = raised(themed, "interpreters", cell.group.code)
        value, low, high = newcombe_pp(x, n, raised(themed, "interpreters") - x, everyone - n)
        assert cell.flagged is (low > 0), cell.group.code
        assert 100 * cell.difference.low == pytest.approx(low, abs=0.1)
    assert [c.group.code for c in interpreters.flagged] == ["asian_pakistani"]
    assert [c.group.code for c in figures.theme("parking").flagged] == ["asian_indian"]
    assert not figures.theme("kindness").cell("white_british").flagged


def test_the_public_see_rounded_counts_and_no_small_cells(survey, themed):
    rule = disclosure_rule()
    figures = themes.themes_by(survey, "ethnic_group", rule=rule)
    everyone = len(answered(themed))
    assert figures.public and figures.respondents.n == published(everyone) == 70
    # ranked by the counts as shown: waiting and kindness both 20, in codebook order
    assert [t.code for t in figures.themes] == ["waiting", "kindness", "interpreters", "parking"]
    for t in figures.themes:
        shown = published(raised(themed, t.code))
        assert t.overall.count == shown
        low, high = wilson_pct(shown, 70)
        assert t.overall.pct == pytest.approx(100 * shown / 70)
        assert t.overall.pct_low == pytest.approx(low, abs=0.01)
        for cell in t.groups:
            count = published(raised(themed, t.code, cell.group.code))
            n = published(len(answered(themed, cell.group.code)))
            assert cell.share.count == count
            assert cell.share.suppressed is (count is None)
            if count is None or n is None:
                assert cell.share.value is None and cell.sentiment is None and not cell.flagged
    interpreters = figures.theme("interpreters")
    assert interpreters.cell("white_british").share.suppressed  # 3 people
    assert interpreters.cell("asian_pakistani").share.count == 15  # 14 people
    # the rest is worked out from what is shown: 15 of everyone's 15, so 0 of 50
    _value, low, _high = newcombe_pp(15, 20, 0, 50)
    assert low > 0 and interpreters.cell("asian_pakistani").flagged
    waiting = figures.theme("waiting")
    assert waiting.cell("black_african").share.suppressed  # 5 people, in a group of 5


def test_quotes_are_redacted_analyst_coded_first_varied_and_distinct(survey, themed):
    figures = themes.themes_by(survey, "ethnic_group")
    found = themes.quotes(survey, figures, "interpreters", limit=100)
    distinct = {a for p in themed if "interpreters" in p.raised for a in p.answers}
    assert len(found) == len(distinct) == 4  # each text once
    assert {found[0].group.code, found[1].group.code} == {"asian_pakistani", "white_british"}
    texts = [q.text for q in found]
    assert all("07700" not in t and "fatima@" not in t for t in texts)
    phone = next(q for q in found if q.text.startswith("No interpreter was booked,"))
    assert "[phone]" in phone.text
    urdu = next(q for q in found if q.language == "ur")
    assert urdu.text.startswith("ترجمان") and "[email]" in urdu.text
    assert urdu.translation == URDU_IN_ENGLISH.replace("fatima@example.org", "[email]")
    assert len(themes.quotes(survey, figures, "interpreters", limit=2)) == 2
    # parking: every answer coded by an analyst
    parking = themes.quotes(survey, figures, "parking")
    assert [(q.text, q.coded) for q in parking] == [(LATE, True)]
    # kindness from the group whose ethnic group was not recorded only
    only = themes.quotes(survey, figures, "kindness", group=None)
    assert [q.text for q in only] == [RECEPTION]


def test_public_quotes_never_come_from_a_suppressed_cell(survey, themed):
    public = themes.themes_by(survey, "ethnic_group", rule=disclosure_rule())
    found = themes.quotes(survey, public, "interpreters", limit=100)
    assert found and {q.group.code for q in found} == {"asian_pakistani"}
    assert themes.quotes(survey, public, "interpreters", group="white_british") == []
    assert themes.quotes(survey, public, "waiting", group="black_african") == []
    # analysts may quote them
    counted = themes.themes_by(survey, "ethnic_group")
    assert themes.quotes(survey, counted, "waiting", group="black_african")


def test_no_public_quotes_while_the_survey_is_not_published(survey, themed):
    survey.consultation.status = ConsultationStatus.draft
    public = themes.themes_by(survey, "ethnic_group", rule=disclosure_rule())
    assert themes.quotes(survey, public, "interpreters") == []


def test_emerging_phrases_come_only_from_answers_no_theme_covers(survey, themed):
    found = themes.emerging_themes(survey)
    by_phrase = {e.phrase: e for e in found}
    queue = by_phrase["pharmacy queue"]
    uncovered = sum(1 for p in answered(themed) if not p.raised and QUEUE in p.answers)
    assert queue.answers == uncovered == 3  # not the fourth, which waiting covers
    assert queue.examples == (QUEUE,)  # three answers, one text
    assert "reception desk" not in by_phrase  # only in answers with a theme
    assert "interpreter" not in by_phrase


def test_grouped_by_another_dimension_and_filtered(survey, themed):
    figures = themes.themes_by(survey, "channel")
    # the import's channel: everyone in one group
    (imported,) = [g for g in figures.groups if g.raw_n]
    assert imported.raw_n == len(answered(themed))
    from engage.insights.results import Filters

    none = themes.themes_by(survey, "ethnic_group", filters=Filters(channel="phone"))
    assert none.respondents.n == 0 and none.themes == []


def test_one_statement_for_the_figures(survey, themed, count_queries):
    themes.themes_by(survey, "ethnic_group")  # warm: the codebook's names
    with count_queries() as queries:
        themes.themes_by(survey, "ethnic_group")
    assert len(queries) == 2  # the answers, and the codebook's names


def test_answer_themes_analysts_win():
    assert themes.answer_themes("a;b", [["c", 0.9]]) == {"a": None, "b": None}
    assert themes.answer_themes("", [["c", 0.9]]) == {}  # coded: no theme at all
    assert themes.answer_themes(None, [["c", 0.9], ["d", 0.5]]) == {"c": 0.9, "d": 0.5}
    assert themes.answer_themes(None, None) == {}


# The page -----------------------------------------------------------------------------------


class Cells(HTMLParser):
    """The cells of the tables of a page, by the table's id of its caption: rows of
    (tag, scope, class, text)."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: dict[str, list[list[tuple[str, str, str, str]]]] = {}
        self._rows: list | None = None
        self._cell: list | None = None
        self._caption: str | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "br" and self._cell is not None:
            self._cell[3] += " "
        elif tag == "table":
            self._rows = []
        elif tag == "caption" and self._rows is not None:
            self._caption = attrs.get("id", "")
        elif tag == "tr" and self._rows is not None:
            self._rows.append([])
        elif tag in {"th", "td"} and self._rows is not None:
            self._cell = [tag, attrs.get("scope") or "", attrs.get("class") or "", ""]

    def handle_endtag(self, tag):
        if tag in {"th", "td"} and self._cell is not None:
            self._cell[3] = " ".join(self._cell[3].split())
            self._rows[-1].append(tuple(self._cell))
            self._cell = None
        elif tag == "table" and self._rows is not None:
            self.tables[self._caption or str(len(self.tables))] = self._rows
            self._rows = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[3] += data


def page(client, query: str = "", locale: str = "en"):
    response = client.get(f"/{locale}/surveys/test-survey/themes{query}")
    return response, response.get_data(as_text=True)


def test_the_public_page_ranks_themes_and_hides_small_cells(client, themed):
    response, html = page(client)
    assert response.status_code == 200
    ranked = Cells(html).tables["ranked-caption"]
    assert [row[0][3] for row in ranked[1:]] == [
        "Waiting Access",
        "Kindness",
        "Interpreters Access",
        "Parking",
    ]
    interpreters = ranked[3]
    assert interpreters[1][3] == "15" and interpreters[2][3] == "21%"  # 15 of 70
    assert interpreters[5][3] == "Pakistani"  # raised it more than the rest
    assert "Emerging themes" not in html
    assert "fewer than 8" in html


def test_the_heat_table_has_headers_and_writes_every_value(client, themed, login_as):
    login_as("analyst")
    _response, html = page(client)
    heat = Cells(html).tables["heat-caption"]
    head = heat[0]
    assert head[0][:2] == ("th", "col")
    assert all(cell[0] == "th" and cell[1] == "col" for cell in head)
    labels = [cell[3] for cell in head[1:]]
    assert labels == [
        "Indian 10 people",
        "Pakistani 20 people",
        "African 5 people",
        "English, Welsh, Scottish, Northern Irish or British 30 people",
        "Not recorded 6 people",
    ]  # only the groups with someone in them, in the Census order
    for row in heat[1:]:
        assert row[0][:2] == ("th", "row")
        for cell in row[1:]:
            assert cell[0] == "td" and "engage-heat__cell--" in cell[2]
            assert cell[3]  # the value is written, never the colour alone
    interpreters = next(r for r in heat if r[0][3] == "Interpreters")
    pakistani = interpreters[
        1 + next(i for i, c in enumerate(head[1:]) if c[3].startswith("Pakistani"))
    ]
    assert pakistani[3] == "70% ▲ significantly more than everyone else"
    assert "engage-heat__cell--4" in pakistani[2]


def test_quotes_on_the_public_page(client, themed):
    _response, html = page(client, "?theme=waiting")
    assert WAIT in html
    assert QUEUE_AND_WAIT not in html  # not recorded: 1 person raised waiting
    _response, html = page(client, "?theme=interpreters&group=white_british")
    assert "No answers can be quoted from this group" in html
    assert INTERPRETER not in html
    _response, html = page(client, "?theme=interpreters&group=asian_pakistani")
    assert "[phone]" in html and "07700" not in html and "fatima@" not in html
    assert URDU_IN_ENGLISH.replace("fatima@example.org", "[email]") in html


def test_analysts_see_emerging_themes_and_every_quote(client, themed, login_as):
    login_as("analyst")
    _response, html = page(client, "?theme=waiting&group=not_recorded")
    assert QUEUE_AND_WAIT in html
    emerging = Cells(html).tables["emerging-caption"]
    assert emerging[1][0][3] == "pharmacy queue" and emerging[1][1][3] == "3"
    assert "reception desk" not in html


@pytest.mark.parametrize(
    "query, parameter",
    [("?by=nonsense", "by"), ("?theme=nope", "theme"), ("?group=nope", "group")],
)
def test_bad_parameters_get_a_message_not_an_error(client, themed, query, parameter):
    response, html = page(client, query)
    assert response.status_code == 400
    assert f'href="#{parameter}"' in html and "There is a problem" in html


def test_the_default_codebooks_theme_names_are_in_the_pages_language(app, client, themed):
    """ "Parking" is a theme of the default codebook (in the catalog); "Kindness" is this
    survey's own and stays as its author wrote it."""
    _response, html = page(client, locale="ur")
    assert "پارکنگ" in html and "Parking" not in html
    assert "Kindness" in html
    _response, html = page(client)
    assert "Parking" in html and "پارکنگ" not in html
    with app.test_request_context("/ur/"), force_locale("ur"):
        assert theme_label("Interpreters & language support") == "ترجمان اور زبان سے متعلق مدد"
        assert theme_label("Kindness") == "Kindness" and theme_label("") == ""


def test_the_page_in_urdu_and_for_drafts(client, world, login_as):
    response, html = page(client, locale="ur")
    assert response.status_code == 200 and 'dir="rtl"' in html
    assert "No themes yet" in html or "ابھی" in html
    assert client.get("/en/surveys/draft-survey/themes").status_code == 404
    login_as("analyst")
    assert client.get("/en/surveys/draft-survey/themes").status_code == 200
