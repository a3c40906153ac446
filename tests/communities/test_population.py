"""``engage population load`` and the population figures it gives, against the shipped
Census file read independently here."""

from __future__ import annotations

from sqlalchemy import func, select

from engage.communities import population
from engage.communities.models import Baseline, PopulationCount
from engage.extensions import db
from tests.communities.census import census_rows

BOLTON = "E08000001"
PAKISTANI = "Asian, Asian British or Asian Welsh: Pakistani"
WHITE_BRITISH = "White: English, Welsh, Scottish, Northern Irish or British"


def local_authorities() -> dict[str, Baseline]:
    return {
        b.code: b
        for b in db.session.scalars(select(Baseline).where(Baseline.kind == "local_authority"))
    }


def counts_of(code: str) -> dict[str, int]:
    baseline = population.find_baseline(code)
    return {row.ethnic_group: row.count for row in baseline.counts}


def test_the_migration_loaded_every_local_authority(app):
    with app.app_context():
        assert set(local_authorities()) == set(census_rows())
        assert len(census_rows()) == 331


def test_load_restores_the_census_and_is_idempotent(app, runner, count_queries):
    rows = census_rows()
    with app.app_context():
        # a damaged copy: one area gone, one renamed, one count changed, one count missing
        db.session.delete(population.find_baseline("E06000001"))
        population.find_baseline("E06000002").name = "Somewhere else"
        bolton = population.find_baseline(BOLTON)
        next(r for r in bolton.counts if r.ethnic_group == "asian_pakistani").count = 1
        bolton.counts.remove(next(r for r in bolton.counts if r.ethnic_group == "white_roma"))
        population.add_baseline("P82001", "A GP practice", "Practice list", {"asian_indian": 5})
        db.session.commit()

    result = runner.invoke(args=["population", "load"])
    assert result.exit_code == 0, result.output
    assert "331 local authority areas" in result.output

    with app.app_context():
        areas = local_authorities()
        assert set(areas) == set(rows)
        assert areas["E06000001"].name == "Hartlepool"
        assert areas["E06000002"].name == "Middlesbrough"
        assert areas[BOLTON].source.startswith("Office for National Statistics, Census 2021")
        bolton = counts_of(BOLTON)
        assert bolton["asian_pakistani"] == int(rows[BOLTON][PAKISTANI]) == 27897
        assert bolton["white_roma"] == int(rows[BOLTON]["White: Roma"])
        assert sum(bolton.values()) == int(rows[BOLTON]["total"])
        # every area's counts add up to the file's total for it
        totals = dict(
            db.session.execute(
                select(Baseline.code, func.sum(PopulationCount.count))
                .join(PopulationCount)
                .where(Baseline.kind == "local_authority")
                .group_by(Baseline.code)
            ).all()
        )
        assert totals == {code: int(row["total"]) for code, row in rows.items()}
        # the admin's own baseline is left alone
        assert counts_of("P82001") == {"asian_indian": 5}
        count_rows = db.session.scalar(select(func.count()).select_from(PopulationCount))

    with count_queries() as statements:
        again = runner.invoke(args=["population", "load"])
    assert again.exit_code == 0, again.output
    assert statements  # it read the areas
    assert "331 local authority areas" in again.output
    writes = [
        s for s in statements if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert writes == []
    with app.app_context():
        assert len(local_authorities()) == 331
        assert db.session.scalar(select(func.count()).select_from(PopulationCount)) == count_rows


def test_population_shares_of_bolton(app):
    row = census_rows()[BOLTON]
    total = int(row["total"])
    with app.app_context():
        shares = population.population_shares(population.find_baseline(BOLTON))
    assert shares["asian_pakistani"][0] == int(row[PAKISTANI])
    # "Pakistani residents are 9% of Bolton"
    assert abs(shares["asian_pakistani"][1] - int(row[PAKISTANI]) / total) < 1e-12
    assert round(100 * shares["asian_pakistani"][1]) == 9
    assert abs(shares["white_british"][1] - int(row[WHITE_BRITISH]) / total) < 1e-12
    assert abs(sum(share for _count, share in shares.values()) - 1) < 1e-9
    assert "not_stated" not in shares and len(shares) == 19


def test_a_group_left_out_of_a_custom_baseline_counts_zero(app):
    with app.app_context():
        baseline = population.add_baseline(
            "ICB-1", "An ICB", "Somewhere", {"asian_pakistani": 30, "white_british": 70}
        )
        shares = population.population_shares(baseline)
    assert shares["asian_pakistani"] == (30, 0.3)
    assert shares["white_british"] == (70, 0.7)
    assert shares["black_african"] == (0, 0.0)


def test_choices_list_custom_baselines_first_then_areas_by_name(app):
    with app.app_context():
        population.add_baseline("ZZ-1", "Zeta practice", "List", {"asian_indian": 1})
        choices = population.baseline_choices()
    assert choices[0] == ("ZZ-1", "Zeta practice")
    names = [name for _code, name in choices[1:]]
    assert names == sorted(names, key=str.casefold) and len(names) == 331
    assert (BOLTON, "Bolton") in choices
