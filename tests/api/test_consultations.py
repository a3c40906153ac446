"""GET /api/v1/consultations and /api/v1/consultations/<slug>."""

from __future__ import annotations

import pytest

from engage.consultations.models import SurveyStatus
from engage.consultations.service import get_consultation
from engage.extensions import db
from tests.api.conftest import bearer
from tests.factories import make_survey


def slugs(body) -> list[str]:
    return [c["slug"] for c in body["consultations"]]


def test_the_public_list_has_published_consultations_with_their_fields(client, world):
    response = client.get("/api/v1/consultations")
    assert response.status_code == 200
    assert "public" in response.headers["Cache-Control"]
    body = response.get_json()
    assert slugs(body) == ["test-consultation"]
    (c,) = body["consultations"]
    assert c["title"] == "Test consultation"
    assert c["summary"] == "What we want to hear about."
    assert c["status"] == "open"
    assert c["service_area"] == "maternity" and c["stage"] == "strategic_planning"
    assert c["opens_on"] is None and c["closes_on"] is None
    assert c["languages"] == ["en", "ur"]
    assert c["surveys"][0]["slug"] == "test-survey"
    assert c["surveys"][0]["title"] == "Test survey"
    assert c["surveys"][0]["status"] == "open"
    assert c["urls"]["page"].endswith("/en/consultations/test-consultation")
    assert c["urls"]["api"].endswith("/api/v1/consultations/test-consultation")
    assert c["surveys"][0]["urls"]["results"].endswith("/api/v1/surveys/test-survey/results")


def test_titles_in_the_language_asked_for(client, world):
    body = client.get("/api/v1/consultations?lang=ur").get_json()
    (c,) = body["consultations"]
    assert c["title"] == "آزمائشی مشاورت"
    assert c["surveys"][0]["title"] == "آزمائشی سروے"
    # no Urdu summary: the English
    assert c["summary"] == "What we want to hear about."
    assert c["urls"]["page"].endswith("/ur/consultations/test-consultation")


@pytest.mark.parametrize(
    ("role", "drafts"),
    [
        ("analyst", True),
        ("commissioner", True),
        ("admin", True),
        ("host", False),
        ("member", False),
    ],
)
def test_a_token_shows_the_drafts_its_user_may_see(client, world, token_for, role, drafts):
    response = client.get("/api/v1/consultations", headers=bearer(token_for(role)))
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    listed = slugs(response.get_json())
    assert ("draft-consultation" in listed) is drafts
    assert "test-consultation" in listed
    detail = client.get("/api/v1/consultations/draft-consultation", headers=bearer(token_for(role)))
    assert detail.status_code == (200 if drafts else 404)


def test_a_draft_survey_of_an_open_consultation_is_listed_only_for_its_authors(
    app, client, world, token_for
):
    with app.app_context():
        later = make_survey(
            get_consultation(world.consultation), slug="later-survey", every_type=False
        )
        later.status = SurveyStatus.draft  # being written while the consultation is open
        db.session.commit()
    public = client.get("/api/v1/consultations/test-consultation").get_json()
    assert [s["slug"] for s in public["surveys"]] == ["test-survey"]
    assert client.get("/api/v1/surveys/later-survey/results?by=sex").status_code == 404
    analyst = client.get(
        "/api/v1/consultations/test-consultation", headers=bearer(token_for("analyst"))
    ).get_json()
    assert [s["slug"] for s in analyst["surveys"]] == ["test-survey", "later-survey"]
    assert [s["status"] for s in analyst["surveys"]] == ["open", "draft"]
