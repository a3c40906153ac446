"""GET /api/v1/surveys/<slug>/representation: respondents by ethnic group against a
real local authority's Census 2021 population (Bolton, E08000001)."""

from __future__ import annotations

from collections import Counter

import pytest

from engage.consultations.service import get_consultation
from engage.extensions import db
from tests.api.conftest import bearer
from tests.api.expected import published, wilson_pct

URL = "/api/v1/surveys/test-survey/representation"
#: ONS Census 2021 TS021, Bolton (E08000001): usual residents
BOLTON = {
    "total": 295960,
    "asian_pakistani": 27897,
    "asian_indian": 26238,
    "white_british": 203486,
    "black_african": 9299,
    "asian_bangladeshi": 985,
}


def groups(body) -> dict:
    return {g["group"]: g for g in body["groups"]}


def expected_flag(low: float, high: float, population_pct: float) -> str | None:
    if high < population_pct:
        return "under"
    if low > population_pct:
        return "over"
    return None


def test_an_analyst_sees_shares_against_the_census(client, answered, token_for):
    response = client.get(f"{URL}?area=E08000001", headers=bearer(token_for("analyst")))
    assert response.status_code == 200
    body = response.get_json()
    assert body["area"]["code"] == "E08000001" and body["area"]["name"] == "Bolton"
    assert "Census 2021" in body["area"]["source"]
    assert body["disclosure_control"] is False
    counted = Counter(r.ethnic_group for r in answered if r.ethnic_group)
    recorded = sum(counted.values())
    assert body["recorded"] == recorded == 72
    by_code = groups(body)
    assert len(by_code) == 19  # every Census group, however few answered
    for code in ("asian_pakistani", "asian_indian", "white_british", "black_african"):
        g = by_code[code]
        x = counted[code]
        low, high = wilson_pct(x, recorded)
        population_pct = 100 * BOLTON[code] / BOLTON["total"]
        assert g["respondents"] == x
        assert g["share_of_respondents"] == round(100 * x / recorded, 2)
        assert g["ci_low"] == pytest.approx(low, abs=0.05)
        assert g["ci_high"] == pytest.approx(high, abs=0.05)
        assert g["population"] == BOLTON[code]
        assert g["share_of_population"] == pytest.approx(population_pct, abs=0.005)
        assert g["ratio"] == pytest.approx(
            (x / recorded) / (BOLTON[code] / BOLTON["total"]), abs=0.01
        )
        assert g["flag"] == expected_flag(low, high, population_pct)
    # the gaps a commissioner must not miss: no Indian respondents, too few White British
    assert by_code["asian_indian"]["flag"] == "under"
    assert by_code["white_british"]["flag"] == "under"
    assert by_code["asian_pakistani"]["label"] == "Pakistani"


def test_the_public_see_rounded_and_suppressed_counts(client, answered):
    response = client.get(f"{URL}?area=E08000001")
    assert response.status_code == 200
    body = response.get_json()
    assert body["disclosure_control"] is True
    assert body["recorded"] == published(72) == 70
    by_code = groups(body)
    pakistani = by_code["asian_pakistani"]
    assert pakistani["respondents"] == published(12) == 10
    low, high = wilson_pct(10, 70)
    assert pakistani["share_of_respondents"] == round(100 * 10 / 70, 2)
    assert pakistani["ci_low"] == pytest.approx(low, abs=0.05)
    bangladeshi = by_code["asian_bangladeshi"]
    assert bangladeshi["suppressed"] is True
    assert bangladeshi["respondents"] is None
    assert bangladeshi["share_of_respondents"] is None and bangladeshi["ci_low"] is None
    assert bangladeshi["ratio"] is None and bangladeshi["flag"] is None
    # the population is public either way
    assert bangladeshi["share_of_population"] == pytest.approx(
        100 * BOLTON["asian_bangladeshi"] / BOLTON["total"], abs=0.005
    )


def test_the_area_defaults_to_the_consultations_own(app, client, answered):
    with app.app_context():
        get_consultation("test-consultation").area_code = "E08000001"
        db.session.commit()
    body = client.get(URL).get_json()
    assert body["area"]["name"] == "Bolton"


def test_filters_apply_to_representation(client, answered, token_for):
    body = client.get(
        f"{URL}?area=E08000001&forum=forum-a", headers=bearer(token_for("analyst"))
    ).get_json()
    assert body["recorded"] == 12
    assert body["filters"]["forum"] == "forum-a"
    assert groups(body)["asian_pakistani"]["share_of_respondents"] == 100.0
