"""Results by community: the numbers against values worked out here from the rows the
test writes, disclosure control at its edges, filters, the cache, and the query bound."""

from __future__ import annotations

import csv
import math
from importlib import resources

import pytest
from sqlalchemy import event

from engage.consultations.cache import journey_survey
from engage.consultations.models import ConsultationStatus
from engage.consultations.service import get_survey
from engage.extensions import db
from engage.insights.representation import completeness, representation
from engage.insights.results import Filters, results, results_cache
from engage.insights.stats import DisclosureRule
from engage.responses import transfer
from engage.responses.models import GROUP_COLUMNS
from tests.conftest import login
from tests.factories import make_consultation, make_survey

Z = 1.959963984540054

# ethnic group -> (responses, how many said "very good", "good", the rest "poor")
GROUPS = {
    "asian_pakistani": (13, 3, 2),
    "asian_indian": (12, 4, 6),
    "black_african": (7, 1, 5),
    "white_british": (40, 20, 15),
    "not_stated": (8, 2, 2),
    "": (1, 0, 1),
}


def textbook_wilson(x: int, n: int) -> tuple[float, float]:
    """Wilson (1927) score interval, written out."""
    p = x / n
    centre = p + Z * Z / (2 * n)
    spread = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n))
    return (centre - spread) / (1 + Z * Z / n), (centre + spread) / (1 + Z * Z / n)


def rows() -> list[dict[str, str]]:
    """One row a response: FFT by group as in GROUPS; Likert "agree" for Indian
    respondents and "disagree" for everyone else; paper responses carry no ethnic group
    except one, so the paper channel is below 80% recorded."""
    out = []
    for group, (n, very_good, good) in GROUPS.items():
        for i in range(n):
            answer = "very_good" if i < very_good else "good" if i < very_good + good else "poor"
            out.append(
                {
                    "experience": answer,
                    "respect": "agree" if group == "asian_indian" else "disagree",
                    "services": "gp;pharmacy" if i % 2 == 0 else "gp",
                    "visits": str(i % 4),
                    "ethnic_group": group,
                    "channel": "paper" if group in ("", "not_stated") and i < 5 else "online",
                    "submitted_at": f"2026-03-{1 + i % 20:02d}T10:00:00",
                }
            )
    return out


def write_csv(path, data: list[dict[str, str]]):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(data[0]))
        writer.writeheader()
        writer.writerows(data)
    return path


@pytest.fixture
def survey(world, ctx, tmp_path):
    consultation = make_consultation(status=ConsultationStatus.open, slug="results-test")
    consultation.area_code = "E08000001"
    made = make_survey(consultation, slug="results-survey")
    db.session.commit()
    transfer.import_responses(made, write_csv(tmp_path / "r.csv", rows()))
    db.session.commit()
    results_cache().clear()
    return get_survey("results-survey")


def by_group(result, key: str):
    question = next(q for q in result.questions if q.question.key == key)
    return question, {c.group.code: c for c in question.groups}


def test_counts_shares_and_wilson_intervals_match_the_rows(survey):
    result = results(journey_survey(survey.slug), "ethnic_group")
    question, cells = by_group(result, "experience")
    total = sum(n for n, _vg, _g in GROUPS.values())
    assert question.overall.n == total
    for group, (n, very_good, good) in GROUPS.items():
        cell = cells[group or None]
        assert cell.n == n
        positive = cell.positive.share
        assert positive.count == very_good + good
        low, high = textbook_wilson(very_good + good, n)
        assert positive.pct == pytest.approx(100 * (very_good + good) / n)
        assert positive.pct_low == pytest.approx(100 * low, abs=0.1)
        assert positive.pct_high == pytest.approx(100 * high, abs=0.1)
    # every category is listed, even with nobody in it
    assert cells["asian_bangladeshi"].n == 0
    assert cells["asian_pakistani"].small and not cells["white_british"].small


def test_a_group_is_flagged_when_everyone_lies_outside_its_interval(survey):
    result = results(journey_survey(survey.slug), "ethnic_group")
    _question, cells = by_group(result, "experience")
    overall = sum(vg + g for _n, vg, g in GROUPS.values()) / sum(n for n, *_ in GROUPS.values())
    for group, (n, very_good, good) in GROUPS.items():
        low, high = textbook_wilson(very_good + good, n)
        assert cells[group or None].positive.flagged == (not low <= overall <= high), group
    assert cells["asian_pakistani"].positive.flagged  # 5 of 13 against about 7 in 10


def test_difference_from_the_rest_is_newcombes_hybrid_score_interval(survey):
    result = results(journey_survey(survey.slug), "ethnic_group")
    _question, cells = by_group(result, "experience")
    x1, n1 = 5, 13
    x2 = sum(vg + g for _n, vg, g in GROUPS.values()) - x1
    n2 = sum(n for n, *_ in GROUPS.values()) - n1
    l1, u1 = textbook_wilson(x1, n1)
    l2, u2 = textbook_wilson(x2, n2)
    d = x1 / n1 - x2 / n2
    expected_low = d - math.sqrt((x1 / n1 - l1) ** 2 + (u2 - x2 / n2) ** 2)
    expected_high = d + math.sqrt((u1 - x1 / n1) ** 2 + (x2 / n2 - l2) ** 2)
    difference = cells["asian_pakistani"].positive.difference
    assert difference.value == pytest.approx(d)
    assert difference.low == pytest.approx(expected_low, abs=1e-4)
    assert difference.high == pytest.approx(expected_high, abs=1e-4)


def test_likert_means_multiple_choice_respondents_and_broad_groups(survey):
    result = results(journey_survey(survey.slug), "ethnic_group_broad")
    _q, cells = by_group(result, "respect")
    # Indian respondents "agree" (4 of 5) and the other Asian ones "disagree" (2)
    assert cells["asian"].n == 25
    assert cells["asian"].mean.value == pytest.approx((12 * 4 + 13 * 2) / 25)
    _q, services = by_group(result, "services")
    assert services["asian"].n == 25  # respondents, not ticks
    gp = next(o for o in services["asian"].options if o.code == "gp")
    pharmacy = next(o for o in services["asian"].options if o.code == "pharmacy")
    assert gp.share.count == 25 and gp.share.pct == pytest.approx(100)
    assert pharmacy.share.count == 7 + 6  # every other respondent, in each group


@pytest.mark.parametrize(
    ("group", "shown", "suppressed"),
    [
        ("asian_bangladeshi", 0, False),  # 0 stays 0
        (None, None, True),  # 1
        ("black_african", None, True),  # 7
        ("not_stated", 10, False),  # 8
        ("asian_indian", 10, False),  # 12
        ("asian_pakistani", 15, False),  # 13
    ],
)
def test_disclosure_control_rounds_and_suppresses(survey, group, shown, suppressed):
    result = results(journey_survey(survey.slug), "ethnic_group", rule=DisclosureRule())
    _q, cells = by_group(result, "experience")
    cell = cells[group]
    assert (cell.n, cell.suppressed) == (shown, suppressed)
    if suppressed:
        assert cell.positive.share.value is None and cell.positive.share.low is None
    if group == "asian_pakistani":
        # 5 of 13 is published as 5 of 15: 5 -> fewer than 8, so no share at all
        assert cell.positive.share.suppressed and cell.positive.share.pct is None
    if group == "asian_indian":
        # 10 of 12 positive is published as 10 of 10
        assert cell.positive.share.count == 10 and cell.positive.share.pct == 100


def test_filters_apply_in_the_database(survey):
    snapshot = journey_survey(survey.slug)
    paper = results(snapshot, "ethnic_group", filters=Filters(channel="paper"))
    _q, cells = by_group(paper, "experience")
    assert cells[None].n == 1 and cells["not_stated"].n == 5
    assert cells["white_british"].n == 0
    question = next(q for q in snapshot.questions if q.key == "experience")
    poor = next(o for o in question.options if o.code == "poor")
    only_poor = results(snapshot, "ethnic_group", filters=Filters(answer=(question.id, poor.id)))
    _q, cells = by_group(only_poor, "experience")
    assert cells["asian_pakistani"].n == 13 - 5
    from datetime import date

    first_days = results(
        snapshot,
        "ethnic_group",
        filters=Filters(date_from=date(2026, 3, 1), date_to=date(2026, 3, 2)),
    )
    _q, cells = by_group(first_days, "experience")
    # submitted on day 1 + i % 20: i = 0, 1, 20, 21, ... for 40 White British
    assert cells["white_british"].n == 4


def test_a_new_response_changes_cached_results(survey, tmp_path):
    snapshot = journey_survey(survey.slug)
    before = by_group(results(snapshot, "ethnic_group"), "experience")[1]
    assert results_cache().entries
    extra = [{**rows()[0], "ethnic_group": "asian_bangladeshi"}]
    transfer.import_responses(survey, write_csv(tmp_path / "one.csv", extra))
    db.session.commit()
    after = by_group(results(snapshot, "ethnic_group"), "experience")[1]
    assert before["asian_bangladeshi"].n == 0 and after["asian_bangladeshi"].n == 1


def test_representation_against_bolton(survey):
    from engage.communities.models import Baseline

    baseline = db.session.scalars(db.select(Baseline).where(Baseline.code == "E08000001")).one()
    shipped = resources.files("engage.communities").joinpath(
        "data", "census2021_ts021_ethnic_group_ltla21_EW.csv"
    )
    with shipped.open(encoding="utf-8") as handle:
        bolton = next(r for r in csv.DictReader(handle) if r["ltla21_code"] == "E08000001")
    pakistani = int(bolton["Asian, Asian British or Asian Welsh: Pakistani"]) / int(bolton["total"])
    found = representation(survey.id, baseline)
    recorded = 13 + 12 + 7 + 40
    assert found.recorded == recorded
    group = next(g for g in found.groups if g.code == "asian_pakistani")
    assert group.population_share == pytest.approx(pakistani, rel=1e-3)
    assert group.respondents.value == pytest.approx(13 / recorded)
    assert group.ratio == pytest.approx((13 / recorded) / pakistani)
    bangladeshi = next(g for g in found.groups if g.code == "asian_bangladeshi")
    # nobody of 72, where about 1 in 70 of Bolton is Bangladeshi: the interval reaches 0
    assert bangladeshi.respondents.count == 0
    assert bangladeshi.under == (bangladeshi.respondents.high < bangladeshi.population_share)


def test_completeness_by_channel_with_a_warning_below_80_percent(survey):
    found = completeness(survey.id)
    assert dict(found.overall.counts) == {"recorded": 72, "not_stated": 8, "missing": 1}
    assert not found.below_target(found.overall)
    paper = found.by_channel["paper"]
    assert dict(paper.counts) == {"not_stated": 5, "missing": 1}
    assert found.below_target(paper)


def test_the_page_leads_with_completeness_and_the_gap_and_hides_small_counts(survey, client, world):
    public = client.get("/en/surveys/results-survey/results").get_data(as_text=True)
    assert public.index("Do we know who answered?") < public.index("Who did we hear from?")
    assert "Below 80%" in public  # the paper channel
    assert "fewer than 8" in public
    # 40 of 70 (rounded) White British respondents against 69% of Bolton
    assert "Northern Irish or British residents are 69% of Bolton and 57% of respondents" in public
    login(client, world.emails["analyst"])
    analyst = client.get("/en/surveys/results-survey/results").get_data(as_text=True)
    assert "rounded to the nearest" in public and "rounded to the nearest" not in analyst
    # the Likert question's distribution: 12 Indian respondents, all "agree"
    distribution = analyst[analyst.index("Staff treated me with respect: percentage") :]
    indian = distribution[distribution.index(">Indian<") :][:400]
    assert ">12<" in indian and ">100%<" in indian
    urdu = client.get("/ur/surveys/results-survey/results?by=channel&cross=sex")
    assert urdu.status_code == 200
    assert 'dir="rtl"' in urdu.get_data(as_text=True)


def test_bad_parameters_get_a_message_not_an_error(survey, client):
    for query, words in [
        ("by=shoe_size", "Choose what to group by"),
        ("by=sex&cross=sex", "different grouping"),
        ("from=2026-02-30", "year-month-day"),
        ("from=2026-03-05&to=2026-03-01", "on or before"),
        ("channel=pigeon", "Choose a channel"),
        ("forum=nowhere", "no forum"),
        ("answer=experience:splendid", "question key and answer code"),
    ]:
        response = client.get(f"/en/surveys/results-survey/results?{query}")
        assert response.status_code == 400, query
        assert words in response.get_data(as_text=True), query


def _queries_for(client, url: str) -> int:
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_queries_for_a_results_page_do_not_grow_with_questions_options_or_groups(
    survey, client, world, tmp_path
):
    """One respondent in one group and a survey of every type, against 81 respondents in
    six groups (crossed: more) with ten more questions of eight answers each."""
    from engage.consultations import service as consultations

    small_consultation = make_consultation(status=ConsultationStatus.open)
    small_consultation.area_code = "E08000001"
    small = make_survey(small_consultation, slug="small-results")
    wide = survey
    for i in range(10):
        consultations.add_question(
            wide,
            key=f"extra_{i}",
            type="single_choice",
            label={"en": f"Extra question {i}"},
            options=[(f"o{j}", {"en": f"Answer {j}"}) for j in range(8)],
        )
    db.session.commit()
    transfer.import_responses(small, write_csv(tmp_path / "s.csv", rows()[:1]))
    db.session.commit()
    login(client, world.emails["admin"])
    for slug in ("small-results", "results-survey"):  # the surveys' structure, cached
        assert client.get(f"/en/surveys/{slug}/results?by=channel").status_code == 200
    few = _queries_for(client, "/en/surveys/small-results/results?by=sex")
    many = _queries_for(client, "/en/surveys/results-survey/results?by=ethnic_group")
    crossed = _queries_for(
        client, "/en/surveys/results-survey/results?by=ethnic_group&cross=channel"
    )
    assert few == many == crossed
    assert many <= 12


@pytest.mark.parametrize("by", ["ethnic_group", "language"])
def test_results_are_counted_from_the_covering_index_of_their_group(survey, by):
    """The counting statements say which answers they count in the words of the
    covering indexes' WHERE (which leaves free text out), so the database reads the
    group's own index, not the table: the speed of results rests on it."""
    statements: list[tuple] = []

    def keep(_conn, _cursor, statement, parameters, *_args):
        if "GROUP BY" in statement and "answers" in statement:
            statements.append((statement, parameters))

    results_cache().clear()
    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        results(journey_survey(survey.slug), by)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    assert statements
    connection = db.session.connection()
    postgresql = connection.dialect.name == "postgresql"
    explain = "EXPLAIN " if postgresql else "EXPLAIN QUERY PLAN "
    with connection.begin_nested() as savepoint:
        if postgresql:
            # a few rows without statistics: PostgreSQL would rather read the table or the
            # smaller index of questions and options; ruled out, it must still be able
            # to take the group's index (it cannot unless the WHERE implies the index's)
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            connection.exec_driver_sql("SET LOCAL enable_bitmapscan = off")
            connection.exec_driver_sql("DROP INDEX ix_answers_question_id_option_id")
            # nor another group's index, which holds the same question ids in front and,
            # without statistics, costs the same (the planner took ix_answers_by_sex once)
            for other in GROUP_COLUMNS:
                if other != by:
                    connection.exec_driver_sql(f"DROP INDEX ix_answers_by_{other}")
        for statement, parameters in statements:
            plan = " ".join(
                str(row[-1]) for row in connection.exec_driver_sql(explain + statement, parameters)
            )
            assert f"ix_answers_by_{by}" in plan, plan
        savepoint.rollback()
