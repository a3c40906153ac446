"""GET /api/v1/surveys/<slug>/themes: per theme the count, share with its interval, mean
sentiment and per-group counts, checked against the people the test made; disclosure
control for the public; errors naming the parameter; answers valid against the schema."""

from __future__ import annotations

import pytest

from tests.api.conftest import bearer
from tests.api.expected import newcombe_pp, published, wilson_pct
from tests.api.test_openapi import validator
from tests.insights.test_themes import answered, mean_sentiment, raised, themed  # noqa: F401

URL = "/api/v1/surveys/test-survey/themes"
PATH = "/api/v1/surveys/{slug}/themes"


@pytest.fixture
def document(client):
    return client.get("/api/v1/openapi.json").get_json()


def theme(body: dict, code: str) -> dict:
    return next(t for t in body["themes"] if t["code"] == code)


def group(t: dict, code) -> dict:
    return next(g for g in t["groups"] if g["group"] == code)


def test_an_analyst_sees_every_theme_as_counted(client, themed, token_for, document):  # noqa: F811
    response = client.get(f"{URL}?by=ethnic_group", headers=bearer(token_for("analyst")))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    body = response.get_json()
    validator(document, PATH, 200).validate(body)
    everyone = len(answered(themed))
    assert body["survey"] == "test-survey" and body["by"] == "ethnic_group"
    assert body["disclosure_control"] is False and body["respondents"] == everyone
    assert [t["code"] for t in body["themes"]] == ["waiting", "kindness", "interpreters", "parking"]
    for t in body["themes"]:
        x = raised(themed, t["code"])
        low, high = wilson_pct(x, everyone)
        assert t["count"] == x and t["share"] == t["pct"] == round(100 * x / everyone, 2)
        assert t["ci_low"] == pytest.approx(low, abs=0.05)
        assert t["ci_high"] == pytest.approx(high, abs=0.05)
        assert t["mean_sentiment"] == pytest.approx(mean_sentiment(themed, t["code"]), abs=0.001)
        for g in t["groups"]:
            assert g["count"] == raised(themed, t["code"], g["group"])
            assert g["suppressed"] is False
            assert g["share"] == g["pct"]
    interpreters = theme(body, "interpreters")
    assert interpreters["name"] == "Interpreters" and interpreters["category"] == "Access"
    pakistani = group(interpreters, "asian_pakistani")
    value, low, high = newcombe_pp(14, 20, 3, everyone - 20)
    assert pakistani["flagged"] is True
    assert pakistani["difference_from_rest"]["value"] == pytest.approx(value, abs=0.01)
    assert pakistani["difference_from_rest"]["ci_low"] == pytest.approx(low, abs=0.1)
    assert group(interpreters, "white_british")["flagged"] is False
    assert group(interpreters, "asian_indian")["count"] == 0  # analysts coded parking
    sizes = {g["group"]: g["respondents"] for g in body["groups"]}
    assert sizes["asian_pakistani"] == 20 and sizes[None] == 6 and sizes["asian_chinese"] == 0


def test_the_public_see_rounded_counts_and_suppressed_cells(client, themed, document):  # noqa: F811
    response = client.get(f"{URL}?by=ethnic_group")
    assert response.status_code == 200
    cache = response.headers["Cache-Control"]
    assert "public" in cache and "max-age" in cache
    body = response.get_json()
    validator(document, PATH, 200).validate(body)
    assert body["disclosure_control"] is True and body["respondents"] == 70
    for t in body["themes"]:
        assert t["count"] == published(raised(themed, t["code"]))
        for g in t["groups"]:
            shown = published(raised(themed, t["code"], g["group"]))
            assert g["count"] == shown and g["suppressed"] is (shown is None)
            if shown is None:
                assert g["share"] is g["pct"] is None
                assert g["mean_sentiment"] is None and not g["flagged"]
    waiting = theme(body, "waiting")
    assert group(waiting, "black_african")["suppressed"] is True  # 5 people
    interpreters = theme(body, "interpreters")
    assert group(interpreters, "asian_pakistani")["count"] == 15
    assert group(interpreters, "white_british")["suppressed"] is True  # 3 people
    african = next(g for g in body["groups"] if g["group"] == "black_african")
    assert african == {**african, "respondents": None, "suppressed": True}


def test_other_groupings_and_filters(client, themed, document):  # noqa: F811
    for query in ("by=channel", "by=forum", "by=sex&from=2020-01-01", "by=age_band&channel=phone"):
        response = client.get(f"{URL}?{query}")
        assert response.status_code == 200, query
        validator(document, PATH, 200).validate(response.get_json())
    body = client.get(f"{URL}?by=ethnic_group&channel=phone").get_json()
    assert body["themes"] == [] and body["filters"]["channel"] == "phone"


@pytest.mark.parametrize(
    "query, parameter",
    [
        ("", "by"),
        ("?by=nonsense", "by"),
        ("?by=sex&from=yesterday", "from"),
        ("?by=sex&channel=pigeon", "channel"),
        ("?by=sex&forum=no-such-forum", "forum"),
        ("?by=sex&lang=xx", "lang"),
    ],
)
def test_bad_parameters_are_named(client, themed, document, query, parameter):  # noqa: F811
    response = client.get(f"{URL}{query}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"]["parameter"] == parameter and body["error"]["message"]
    validator(document, PATH, 400).validate(body)


def test_drafts_are_not_found_except_by_their_authors(client, world, token_for):
    draft = "/api/v1/surveys/draft-survey/themes?by=sex"
    assert client.get(draft).status_code == 404
    assert client.get("/api/v1/surveys/nope/themes?by=sex").status_code == 404
    response = client.get(draft, headers=bearer(token_for("analyst")))
    assert response.status_code == 200 and response.get_json()["themes"] == []


def test_the_document_lists_the_path_with_the_by_enum(document):
    parameters = document["paths"][PATH]["get"]["parameters"]
    names = [p["$ref"].rsplit("/", 1)[1] for p in parameters]
    assert {"slug", "by", "from", "to", "channel", "forum", "answer", "lang"} <= set(names)
    by = document["components"]["parameters"]["by"]
    assert by["required"] is True and "ethnic_group_broad" in by["schema"]["enum"]
