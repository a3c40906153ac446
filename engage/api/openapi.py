"""The OpenAPI 3.1 document of the API, served at ``/api/v1/openapi.json``.

Every response schema closes its objects (``additionalProperties: false``) so that the
tests, which validate real answers against it, catch a field the document does not
name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from engage import __version__
from engage.insights.groupings import GROUPINGS
from engage.responses.models import Channel

REF = "#/components/schemas/"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _object(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": properties,
        "required": list(properties),
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


PCT = _nullable(
    {"type": "number", "minimum": 0, "maximum": 100, "description": "a percentage, 0-100"}
)
COUNT = _nullable({"type": "integer", "minimum": 0})
NUMBER = _nullable({"type": "number"})
TEXT = {"type": "string"}
DATE = _nullable({"type": "string", "format": "date"})


def _schemas() -> dict[str, Any]:
    difference = _object(
        {
            "value": {"type": "number", "minimum": -100, "maximum": 100},
            "ci_low": {"type": "number", "minimum": -100, "maximum": 100},
            "ci_high": {"type": "number", "minimum": -100, "maximum": 100},
        },
        "This group's share minus the rest of the respondents', in percentage points, "
        "with Newcombe's hybrid score 95% interval.",
    )
    option_result = _object(
        {
            "code": TEXT,
            "label": TEXT,
            "count": {
                **COUNT,
                "description": "null when suppressed; rounded under disclosure control",
            },
            "pct": PCT,
            "ci_low": {**PCT, "description": "Wilson score 95% interval, lower limit"},
            "ci_high": {**PCT, "description": "Wilson score 95% interval, upper limit"},
            "suppressed": {"type": "boolean"},
            "flagged": {
                "type": "boolean",
                "description": "the overall share lies outside this group's interval",
            },
            "difference_from_rest": _nullable(_ref("Difference")),
        }
    )
    group_code = {
        "anyOf": [
            {"type": "string"},
            {"type": "null", "description": "not recorded"},
            {
                "type": "array",
                "items": {"type": ["string", "null"]},
                "minItems": 2,
                "maxItems": 2,
                "description": "crossed groups: (by, cross)",
            },
        ]
    }
    group_result = {
        "type": "object",
        "description": "One group's answers to one question. Choice, Likert, FFT and scale "
        "questions have options; Likert, scale and number questions a mean with its 95% "
        "interval (mean, ci_low, ci_high); FFT questions the positive share.",
        "properties": {
            "group": group_code,
            "label": TEXT,
            "n": {**COUNT, "description": "respondents who answered; null when suppressed"},
            "suppressed": {"type": "boolean"},
            "small_sample": {"type": "boolean", "description": "fewer than 30 respondents"},
            "flagged": {"type": "boolean"},
            "options": {"type": "array", "items": _ref("OptionResult")},
            "mean": NUMBER,
            "ci_low": NUMBER,
            "ci_high": NUMBER,
            "positive": _ref("OptionResult"),
        },
        "required": ["group", "label", "n", "suppressed", "small_sample", "flagged"],
        "additionalProperties": False,
    }
    question_result = {
        "type": "object",
        "properties": {
            "key": TEXT,
            "type": {
                "enum": ["single_choice", "multiple_choice", "likert", "fft", "scale", "number"]
            },
            "label": TEXT,
            "options": {
                "type": "array",
                "items": _object({"code": TEXT, "label": TEXT}),
            },
            "overall": _ref("GroupResult"),
            "groups": {"type": "array", "items": _ref("GroupResult")},
        },
        "required": ["key", "type", "label", "overall", "groups"],
        "additionalProperties": False,
    }
    filters = _object(
        {
            "from": DATE,
            "to": DATE,
            "channel": _nullable({"enum": [c.value for c in Channel]}),
            "forum": _nullable(TEXT),
            "answer": _nullable(TEXT),
        },
        "The filters applied, as given (null: not given).",
    )
    results = _object(
        {
            "survey": TEXT,
            "by": {"enum": list(GROUPINGS)},
            "cross": _nullable({"enum": list(GROUPINGS)}),
            "filters": _ref("Filters"),
            "lang": TEXT,
            "disclosure_control": {
                "type": "boolean",
                "description": "true: counts are rounded or suppressed (public callers)",
            },
            "questions": {"type": "array", "items": _ref("QuestionResult")},
        }
    )
    represented = _object(
        {
            "group": TEXT,
            "label": TEXT,
            "respondents": COUNT,
            "share_of_respondents": {
                **PCT,
                "description": "of respondents whose ethnic group is recorded",
            },
            "ci_low": PCT,
            "ci_high": PCT,
            "population": {"type": "integer", "minimum": 0},
            "share_of_population": PCT,
            "ratio": {
                **_nullable({"type": "number", "minimum": 0}),
                "description": "share of respondents / share of population",
            },
            "flag": {
                "enum": ["under", "over", None],
                "description": "under: the interval lies below the population share",
            },
            "suppressed": {"type": "boolean"},
        }
    )
    representation = _object(
        {
            "survey": TEXT,
            "area": _object({"code": TEXT, "name": TEXT, "source": TEXT}),
            "filters": _ref("Filters"),
            "lang": TEXT,
            "disclosure_control": {"type": "boolean"},
            "recorded": {
                **COUNT,
                "description": "respondents with their ethnic group recorded",
            },
            "groups": {"type": "array", "items": _ref("RepresentedGroup")},
        }
    )
    sentiment = _nullable(
        {
            "type": "number",
            "minimum": -1,
            "maximum": 1,
            "description": "mean sentiment of the answers raising the theme, each counting "
            "1 if positive, 0 if neutral, -1 if negative (the analyst's coding, else the "
            "suggestion): -1 (all negative) to 1 (all positive); null when none has a "
            "sentiment or the count is hidden",
        }
    )
    share = {
        "count": {
            **COUNT,
            "description": "respondents who raised the theme; null when suppressed, "
            "rounded under disclosure control",
        },
        "share": {
            **PCT,
            "description": "per cent of the respondents (of the group) who raised the "
            "theme; null when suppressed",
        },
        "pct": {**PCT, "description": "the same as share, as the results name it"},
        "ci_low": {**PCT, "description": "Wilson score 95% interval, lower limit"},
        "ci_high": {**PCT, "description": "Wilson score 95% interval, upper limit"},
        "suppressed": {"type": "boolean"},
    }
    theme_group = _object(
        {
            "group": group_code,
            "label": TEXT,
            **share,
            "flagged": {
                "type": "boolean",
                "description": "the group raises the theme significantly more than the "
                "rest: the difference's 95% interval lies above 0",
            },
            "difference_from_rest": _nullable(_ref("Difference")),
            "mean_sentiment": sentiment,
        },
        "One group's figures for one theme: the share is of the group's respondents who "
        "answered a free-text question.",
    )
    theme = _object(
        {
            "code": TEXT,
            "name": TEXT,
            "category": {**_nullable(TEXT), "description": "the theme's category"},
            **share,
            "mean_sentiment": sentiment,
            "groups": {"type": "array", "items": _ref("ThemeGroup")},
        },
        "A theme: the analyst's coding where an answer has it, else the pipeline's "
        "suggestions. The share is of respondents who answered a free-text question.",
    )
    themes = _object(
        {
            "survey": TEXT,
            "by": {"enum": list(GROUPINGS)},
            "filters": _ref("Filters"),
            "lang": TEXT,
            "disclosure_control": {"type": "boolean"},
            "respondents": {
                **COUNT,
                "description": "respondents who answered a free-text question",
            },
            "groups": {
                "type": "array",
                "items": _object(
                    {
                        "group": group_code,
                        "label": TEXT,
                        "respondents": COUNT,
                        "suppressed": {"type": "boolean"},
                    }
                ),
            },
            "themes": {
                "type": "array",
                "items": _ref("Theme"),
                "description": "most raised first",
            },
        }
    )
    survey_summary = _object(
        {
            "slug": TEXT,
            "title": TEXT,
            "status": {"enum": ["draft", "open", "closed"]},
            "urls": _object(
                {
                    "page": {"type": "string", "format": "uri"},
                    "results": {"type": "string", "format": "uri"},
                    "representation": {"type": "string", "format": "uri"},
                }
            ),
        }
    )
    consultation = _object(
        {
            "slug": TEXT,
            "title": TEXT,
            "summary": TEXT,
            "status": {"enum": ["draft", "open", "closed", "reported"]},
            "service_area": TEXT,
            "stage": TEXT,
            "opens_on": DATE,
            "closes_on": DATE,
            "languages": {"type": "array", "items": TEXT},
            "surveys": {"type": "array", "items": _ref("SurveySummary")},
            "urls": _object(
                {
                    "page": {"type": "string", "format": "uri"},
                    "api": {"type": "string", "format": "uri"},
                }
            ),
        }
    )
    error = _object(
        {
            "error": {
                "type": "object",
                "properties": {
                    "parameter": {
                        "type": "string",
                        "description": "the query parameter at fault (400 only)",
                    },
                    "message": TEXT,
                },
                "required": ["message"],
                "additionalProperties": False,
            }
        }
    )
    return {
        "Difference": difference,
        "OptionResult": option_result,
        "GroupResult": group_result,
        "QuestionResult": question_result,
        "Filters": filters,
        "Results": results,
        "ThemeGroup": theme_group,
        "Theme": theme,
        "Themes": themes,
        "RepresentedGroup": represented,
        "Representation": representation,
        "SurveySummary": survey_summary,
        "Consultation": consultation,
        "ConsultationList": _object(
            {"lang": TEXT, "consultations": {"type": "array", "items": _ref("Consultation")}}
        ),
        "Error": error,
    }


def _query(name: str, schema: dict[str, Any], description: str, required: bool = False):
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


def _parameters(languages: Sequence[str]) -> dict[str, Any]:
    dimensions = {"type": "string", "enum": list(GROUPINGS)}
    return {
        "slug": {"name": "slug", "in": "path", "required": True, "schema": TEXT},
        "lang": _query(
            "lang",
            {"type": "string", "enum": list(languages), "default": "en"},
            "The language of titles, questions and labels.",
        ),
        "by": _query("by", dimensions, "What the respondents are grouped by.", required=True),
        "cross": _query("cross", dimensions, "A second grouping crossed with by (not by)."),
        "from": _query(
            "from", {"type": "string", "format": "date"}, "Responses from this day (inclusive)."
        ),
        "to": _query(
            "to", {"type": "string", "format": "date"}, "Responses up to this day (inclusive)."
        ),
        "channel": _query(
            "channel",
            {"type": "string", "enum": [c.value for c in Channel]},
            "Only responses collected this way.",
        ),
        "forum": _query(
            "forum", {"type": "string"}, "Only responses through this forum (its slug)."
        ),
        "answer": _query(
            "answer",
            {"type": "string", "pattern": "^[^:]+:[^:]+$"},
            "Only respondents who gave this answer: <question key>:<option code>.",
        ),
        "area": _query(
            "area",
            {"type": "string"},
            "The population baseline's code (e.g. E08000001 for Bolton); defaults to the "
            "consultation's area.",
        ),
    }


def _param(name: str) -> dict[str, str]:
    return {"$ref": "#/components/parameters/" + name}


def _json(schema_name: str, description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref(schema_name)}},
    }


def _errors(*codes: int) -> dict[str, Any]:
    descriptions = {
        400: "A parameter is wrong; the error names it.",
        401: "The bearer token is not valid (mistyped or revoked).",
        404: "No such consultation or survey, or not published.",
    }
    return {str(code): _json("Error", descriptions[code]) for code in codes}


FILTERS = ["from", "to", "channel", "forum", "answer"]


def _paths() -> dict[str, Any]:
    return {
        "/api/v1/consultations": {
            "get": {
                "operationId": "listConsultations",
                "summary": "Consultations the caller may see",
                "description": "Published consultations; with a token, also the drafts of "
                "the organisations whose consultations the user authors.",
                "parameters": [_param("lang")],
                "responses": {
                    "200": _json("ConsultationList", "The consultations, open ones first."),
                    **_errors(400, 401),
                },
            }
        },
        "/api/v1/consultations/{slug}": {
            "get": {
                "operationId": "getConsultation",
                "summary": "One consultation and its surveys",
                "parameters": [_param("slug"), _param("lang")],
                "responses": {
                    "200": _json("Consultation", "The consultation."),
                    **_errors(400, 401, 404),
                },
            }
        },
        "/api/v1/surveys/{slug}/results": {
            "get": {
                "operationId": "getResults",
                "summary": "Results by community",
                "description": "Every question with results, per group: n; per option the "
                "count and percentage with its Wilson 95% interval; means with their 95% "
                "interval. Public callers get disclosure-controlled figures: counts 1-7 "
                "suppressed, others rounded to 5, percentages from the rounded counts.",
                "parameters": [
                    _param("slug"),
                    _param("by"),
                    _param("cross"),
                    *(_param(name) for name in FILTERS),
                    _param("lang"),
                ],
                "responses": {
                    "200": _json("Results", "The results."),
                    **_errors(400, 401, 404),
                },
            }
        },
        "/api/v1/surveys/{slug}/representation": {
            "get": {
                "operationId": "getRepresentation",
                "summary": "Respondents by ethnic group against an area's population",
                "parameters": [
                    _param("slug"),
                    _param("area"),
                    *(_param(name) for name in FILTERS),
                    _param("lang"),
                ],
                "responses": {
                    "200": _json("Representation", "Per ethnic group."),
                    **_errors(400, 401, 404),
                },
            }
        },
        "/api/v1/surveys/{slug}/themes": {
            "get": {
                "operationId": "getThemes",
                "summary": "Themes of the free-text answers, by community",
                "description": "Per theme: how many respondents raised it, the share of "
                "those who answered a free-text question with its Wilson 95% interval, "
                "mean sentiment, and the same per group, flagged where a group raises it "
                "significantly more than the rest. Public callers get disclosure-controlled "
                "figures, as for results.",
                "parameters": [
                    _param("slug"),
                    _param("by"),
                    *(_param(name) for name in FILTERS),
                    _param("lang"),
                ],
                "responses": {
                    "200": _json("Themes", "The themes, most raised first."),
                    **_errors(400, 401, 404),
                },
            }
        },
        "/api/v1/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    }


def document(*, languages: Sequence[str]) -> dict[str, Any]:
    """The OpenAPI document; ``languages``: the site's locales (the ``lang`` values)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Engage API",
            "version": __version__,
            "description": "Read-only JSON for published consultations and results by "
            "community. Without a token: published data, disclosure-controlled. With "
            "'Authorization: Bearer <token>' (made on the account page): what the user's "
            "role allows; an analyst of the organisation sees the figures as counted.",
        },
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "parameters": _parameters(languages),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token from the account page.",
                }
            },
        },
        # a token is optional: without one, the public view
        "security": [{}, {"bearer": []}],
    }
