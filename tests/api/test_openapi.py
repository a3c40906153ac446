"""The OpenAPI 3.1 document: valid, with every path and the parameters' enums, and every
answer of the API valid against the schema it documents."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_spec
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.api.conftest import bearer

DIMENSIONS = [
    "ethnic_group",
    "ethnic_group_broad",
    "language",
    "age_band",
    "sex",
    "religion",
    "disability",
    "forum",
    "channel",
]
PATHS = {
    "/api/v1/consultations",
    "/api/v1/consultations/{slug}",
    "/api/v1/surveys/{slug}/results",
    "/api/v1/surveys/{slug}/representation",
    "/api/v1/surveys/{slug}/themes",
    "/api/v1/openapi.json",
}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()


def parameters(document, path: str) -> dict[str, dict]:
    found = {}
    for p in document["paths"][path]["get"]["parameters"]:
        if "$ref" in p:
            p = document["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
        found[p["name"]] = p
    return found


def test_the_document_is_valid_openapi_3_1_with_every_path(document):
    assert document["openapi"].startswith("3.1")
    validate_spec(document)
    assert set(document["paths"]) == PATHS


def test_by_and_cross_list_exactly_the_dimensions(document):
    results = parameters(document, "/api/v1/surveys/{slug}/results")
    assert results["by"]["required"] is True
    assert results["by"]["schema"]["enum"] == DIMENSIONS
    assert results["cross"]["schema"]["enum"] == DIMENSIONS
    assert {"from", "to", "channel", "forum", "answer", "lang"} <= set(results)
    assert results["from"]["schema"]["format"] == "date"
    assert "area" in parameters(document, "/api/v1/surveys/{slug}/representation")


def test_the_bearer_scheme_is_described(document):
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    assert {"bearer": []} in document["security"]


def validator(document, path: str, status: int) -> Draft202012Validator:
    schema = document["paths"][path]["get"]["responses"][str(status)]["content"][
        "application/json"
    ]["schema"]
    registry = Registry().with_resource(
        "urn:engage-api", Resource.from_contents(document, default_specification=DRAFT202012)
    )
    return Draft202012Validator(
        {"$ref": "urn:engage-api" + schema["$ref"]},
        registry=registry,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


CASES = [
    ("/api/v1/consultations", "/api/v1/consultations?lang=ur", 200),
    ("/api/v1/consultations/{slug}", "/api/v1/consultations/test-consultation", 200),
    ("/api/v1/consultations/{slug}", "/api/v1/consultations/no-such", 404),
    ("/api/v1/surveys/{slug}/results", "/api/v1/surveys/test-survey/results?by=ethnic_group", 200),
    (
        "/api/v1/surveys/{slug}/results",
        "/api/v1/surveys/test-survey/results?by=forum&cross=channel&from=2025-01-01",
        200,
    ),
    (
        "/api/v1/surveys/{slug}/results",
        "/api/v1/surveys/test-survey/results?by=sex&answer=visit_type:phone",
        200,
    ),
    ("/api/v1/surveys/{slug}/results", "/api/v1/surveys/test-survey/results?by=x", 400),
    ("/api/v1/surveys/{slug}/results", "/api/v1/surveys/nope/results?by=sex", 404),
    (
        "/api/v1/surveys/{slug}/representation",
        "/api/v1/surveys/test-survey/representation?area=E08000001",
        200,
    ),
    (
        "/api/v1/surveys/{slug}/representation",
        "/api/v1/surveys/test-survey/representation",
        400,
    ),
]


@pytest.mark.parametrize("token", [False, True])
def test_every_answer_matches_its_schema(client, answered, token_for, document, token):
    headers = bearer(token_for("analyst")) if token else {}
    for path, url, status in CASES:
        response = client.get(url, headers=headers)
        assert response.status_code == status, url
        errors = list(validator(document, path, status).iter_errors(response.get_json()))
        assert not errors, f"{url}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_a_401_matches_its_schema(client, world, document):
    response = client.get("/api/v1/consultations", headers=bearer("eng_wrong"))
    assert response.status_code == 401
    validator(document, "/api/v1/consultations", 401).validate(response.get_json())


def test_the_schema_would_catch_a_wrong_answer(client, answered, document):
    """The check above means something: a field the document does not name fails it."""
    body = client.get("/api/v1/surveys/test-survey/results?by=sex").get_json()
    body["questions"][0]["groups"][0]["percent"] = 12.5
    check = validator(document, "/api/v1/surveys/{slug}/results", 200)
    assert not check.is_valid(body)
