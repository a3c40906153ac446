"""GET /api/v1/surveys/<slug>/results: the figures, checked against counts of the
responses the test made and intervals worked out in the test."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.api.conftest import bearer
from tests.api.expected import (
    group,
    mean_ci,
    newcombe_pp,
    option,
    published,
    question,
    wilson_pct,
)

URL = "/api/v1/surveys/test-survey/results"
ETHNIC = ["white_british", "asian_pakistani", "black_african", "asian_bangladeshi", None]


def by_group(rows, attribute: str = "ethnic_group"):
    groups: dict = {}
    for r in rows:
        groups.setdefault(getattr(r, attribute) or None, []).append(r)
    return groups


def test_an_analyst_sees_every_group_as_counted_with_wilson_intervals(client, answered, token_for):
    response = client.get(f"{URL}?by=ethnic_group", headers=bearer(token_for("analyst")))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_json()
    assert body["survey"] == "test-survey" and body["by"] == "ethnic_group"
    assert body["cross"] is None and body["disclosure_control"] is False
    visit = question(body, "visit_type")
    assert visit["overall"]["n"] == len(answered)
    for code, rows in by_group(answered).items():
        g = group(visit, code)
        assert g["n"] == len(rows) and g["suppressed"] is False
        assert g["small_sample"] is (len(rows) < 30)
        counted = Counter(r.visit_type for r in rows)
        for choice in ("in_person", "phone"):
            o = option(g, choice)
            x = counted[choice]
            low, high = wilson_pct(x, len(rows))
            assert o["count"] == x
            assert o["pct"] == round(100 * x / len(rows), 2)
            assert o["ci_low"] == pytest.approx(low, abs=0.05)
            assert o["ci_high"] == pytest.approx(high, abs=0.05)
    # every category is there, however few answered: no Chinese respondents, n = 0
    chinese = group(visit, "asian_chinese")
    assert chinese["n"] == 0 and chinese["small_sample"] is False
    assert option(chinese, "in_person")["pct"] is None


def test_flags_and_the_difference_from_the_rest(client, answered, token_for):
    body = client.get(f"{URL}?by=ethnic_group", headers=bearer(token_for("analyst"))).get_json()
    visit = question(body, "visit_type")
    # all 13 Black African respondents came by phone: none in person, against 41 of 75
    african = group(visit, "black_african")
    assert african["flagged"] is True
    in_person = option(african, "in_person")
    assert in_person["flagged"] is True
    others_in_person = sum(1 for r in answered if r.visit_type == "in_person")
    value, low, high = newcombe_pp(0, 13, others_in_person, len(answered) - 13)
    difference = in_person["difference_from_rest"]
    assert difference["value"] == pytest.approx(value, abs=0.01)
    assert difference["ci_low"] == pytest.approx(low, abs=0.1)
    assert difference["ci_high"] == pytest.approx(high, abs=0.1)
    # White British are close to everyone: 25 of 40 in person
    assert option(group(visit, "white_british"), "in_person")["flagged"] is False


def test_means_of_numbers_and_likert_and_the_fft_positive_share(client, answered, token_for):
    body = client.get(f"{URL}?by=ethnic_group", headers=bearer(token_for("analyst"))).get_json()
    pakistani = [r for r in answered if r.ethnic_group == "asian_pakistani"]
    visits = group(question(body, "visits"), "asian_pakistani")
    mean, low, high = mean_ci([r.visits for r in pakistani])
    assert visits["n"] == 12
    assert visits["mean"] == pytest.approx(mean, abs=0.001)
    assert visits["ci_low"] == pytest.approx(low, abs=0.002)
    assert visits["ci_high"] == pytest.approx(high, abs=0.002)

    scores = {"strongly_agree": 5, "agree": 4, "neither": 3, "disagree": 2}
    british = [r for r in answered if r.ethnic_group == "white_british"]
    respect = group(question(body, "respect"), "white_british")
    mean, low, high = mean_ci([scores[r.respect] for r in british])
    assert respect["mean"] == pytest.approx(mean, abs=0.001)
    assert respect["ci_low"] == pytest.approx(low, abs=0.002)
    assert [o["code"] for o in respect["options"]][:2] == ["strongly_agree", "agree"]

    experience = group(question(body, "experience"), "white_british")
    positive = sum(1 for r in british if r.experience in {"very_good", "good"})
    low, high = wilson_pct(positive, len(british))
    assert experience["positive"]["count"] == positive
    assert experience["positive"]["pct"] == round(100 * positive / len(british), 2)
    assert experience["positive"]["ci_low"] == pytest.approx(low, abs=0.05)
    assert experience["positive"]["ci_high"] == pytest.approx(high, abs=0.05)

    # the 0-10 scale nobody answered: every option, no mean
    recommend = question(body, "recommend")
    assert recommend["type"] == "scale"
    assert [o["code"] for o in recommend["options"]] == [str(v) for v in range(11)]
    assert recommend["overall"]["n"] == 0 and recommend["overall"]["mean"] is None
    # free text, dates and notes have no results here
    keys = {q["key"] for q in body["questions"]}
    assert keys == {"experience", "services", "visit_type", "respect", "recommend", "visits"}


def test_the_public_see_rounded_counts_and_suppressed_small_cells(client, answered):
    response = client.get(f"{URL}?by=ethnic_group")
    assert response.status_code == 200
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age" in cache and "no-store" not in cache
    body = response.get_json()
    assert body["disclosure_control"] is True
    visit = question(body, "visit_type")
    for code, rows in by_group(answered).items():
        g = group(visit, code)
        shown_n = published(len(rows))
        assert g["n"] == shown_n
        assert g["suppressed"] is (shown_n is None)
        assert g["small_sample"] is (shown_n is None or 0 < shown_n < 30)
        counted = Counter(r.visit_type for r in rows)
        for choice in ("in_person", "phone"):
            o = option(g, choice)
            shown = published(counted[choice])
            assert o["count"] == shown
            if shown is None or shown_n is None:
                assert o["pct"] is None and o["ci_low"] is None and o["ci_high"] is None
                assert o["suppressed"] is (shown is None)
                continue
            low, high = wilson_pct(shown, shown_n)
            assert o["pct"] == round(100 * shown / shown_n, 2)
            assert o["ci_low"] == pytest.approx(low, abs=0.05)
            assert o["ci_high"] == pytest.approx(high, abs=0.05)

    # the edge cases by name: 7 hidden, 12 shown as 10, 13 as 15, 0 stays 0
    assert group(visit, "asian_bangladeshi")["n"] is None
    assert group(visit, "asian_bangladeshi")["suppressed"] is True
    assert group(visit, "asian_pakistani")["n"] == 10
    assert group(visit, "black_african")["n"] == 15
    assert group(visit, "asian_chinese")["n"] == 0
    assert option(group(visit, "asian_pakistani"), "phone")["suppressed"] is True
    # no mean for a hidden group
    assert group(question(body, "visits"), "asian_bangladeshi")["mean"] is None


def test_two_dimensions_crossed(client, answered, token_for):
    response = client.get(
        f"{URL}?by=ethnic_group&cross=channel", headers=bearer(token_for("analyst"))
    )
    assert response.status_code == 200
    body = response.get_json()
    assert body["cross"] == "channel"
    visit = question(body, "visit_type")
    expected = Counter((r.ethnic_group or None, r.channel) for r in answered)
    got = {tuple(g["group"]): g["n"] for g in visit["groups"]}
    assert got == dict(expected)
    paper = group(visit, ["white_british", "paper"])
    assert paper["label"].endswith("· Paper form")


@pytest.mark.parametrize(
    ("query", "keep"),
    [
        (
            "from=2025-03-01&to=2025-03-31",
            lambda r: "2025-03-01" <= r.submitted_at[:10] <= "2025-03-31",
        ),
        ("from=2025-04-01", lambda r: r.submitted_at[:10] >= "2025-04-01"),
        ("to=2025-02-10", lambda r: r.submitted_at[:10] <= "2025-02-10"),
        # the last day there is: a range with no end (not an overflow)
        ("from=2025-03-01&to=9999-12-31", lambda r: r.submitted_at[:10] >= "2025-03-01"),
        ("channel=paper", lambda r: r.channel == "paper"),
        ("forum=forum-a", lambda r: r.forum == "forum-a"),
        ("answer=visit_type:phone", lambda r: r.visit_type == "phone"),
        (
            "channel=online&answer=experience:good",
            lambda r: r.channel == "online" and r.experience == "good",
        ),
    ],
)
def test_filters_count_only_the_responses_they_describe(client, answered, token_for, query, keep):
    body = client.get(
        f"{URL}?by=ethnic_group&{query}", headers=bearer(token_for("analyst"))
    ).get_json()
    kept = [r for r in answered if keep(r)]
    visit = question(body, "visit_type")
    assert visit["overall"]["n"] == len(kept)
    for code, rows in by_group(kept).items():
        assert group(visit, code)["n"] == len(rows)
    for name, value in (p.split("=") for p in query.split("&")):
        assert body["filters"][name] == value


def test_by_forum_names_forums_by_their_slug(client, answered, token_for):
    body = client.get(f"{URL}?by=forum", headers=bearer(token_for("analyst"))).get_json()
    visit = question(body, "visit_type")
    assert {g["group"]: g["n"] for g in visit["groups"]} == {"forum-a": 12, None: 63}
    assert group(visit, "forum-a")["label"] == "Forum A"


def test_texts_and_labels_in_the_language_asked_for(client, answered):
    body = client.get(f"{URL}?by=ethnic_group_broad&lang=ur").get_json()
    assert body["lang"] == "ur"
    visit = question(body, "visit_type")
    assert visit["label"] == "آپ کیسے آئے؟"
    # no Urdu for this option: the English
    assert visit["options"][0] == {"code": "in_person", "label": "In person"}
    assert {g["group"] for g in visit["groups"]} >= {"asian", "white", "black", None}
    assert group(visit, "asian")["n"] == published(12 + 7)


@pytest.mark.parametrize(("role", "status"), [("analyst", 200), ("admin", 200), ("host", 404)])
def test_a_draft_survey_is_found_only_by_those_who_may_see_it(
    client, world, token_for, role, status
):
    url = f"/api/v1/surveys/{world.draft_survey}/results?by=sex"
    public = client.get(url)
    assert public.status_code == 404
    assert public.get_json()["error"]["message"]
    response = client.get(url, headers=bearer(token_for(role)))
    assert response.status_code == status
    if status == 200:
        assert response.get_json()["disclosure_control"] is False


def test_a_forum_host_with_a_token_sees_the_public_figures(client, answered, token_for):
    response = client.get(f"{URL}?by=ethnic_group", headers=bearer(token_for("host")))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_json()
    assert body["disclosure_control"] is True
    assert group(question(body, "visit_type"), "asian_pakistani")["n"] == 10
