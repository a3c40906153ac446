"""A NUL character in a path, a query value or a form field: PostgreSQL's text cannot
hold one, so every query using it would fail. Dealt with before any view reads it, the
same on both databases: a path with one is not found; from query and form values it is
taken out, and what is left is checked as usual."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engage.extensions import db
from engage.responses.models import Draft
from tests.conftest import login
from tests.responses.journey import post, start, token_of


@pytest.mark.parametrize(
    "path",
    [
        "/en/surveys/a%00b",
        "/en/surveys/a%00b/page/1",
        "/ur/consultations/a%00b",
        "/en/forums/a%00b",
        "/api/v1/surveys/a%00b/results?by=ethnic_group",
    ],
)
def test_a_path_with_a_nul_is_not_found(client, world, path):
    assert client.get(path).status_code == 404


def test_a_query_value_with_a_nul_is_checked_without_it(client, world):
    api = client.get("/api/v1/surveys/test-survey/results?by=ethnic_group&forum=no%00such")
    assert api.status_code == 400 and api.is_json
    error = api.get_json()["error"]
    assert error["parameter"] == "forum" and "nosuch" in error["message"]
    assert client.get("/api/v1/surveys/test-survey/results?by=eth%00nic_group").status_code == 200
    login(client, world.emails["analyst"])
    page = client.get("/ur/surveys/test-survey/results?by=ethnic_group&forum=forum%00-a")
    assert page.status_code == 200 and 'lang="ur"' in page.get_data(as_text=True)


def test_a_nul_typed_into_an_answer_is_taken_out(app, client, world):
    first = start(client)
    assert post(client, first, {"experience": "poor"}).status_code == 302
    second = first.replace("/page/1", "/page/2")
    assert post(client, second, {"why_poor": "too\x00 slow"}).status_code == 302
    with app.app_context():
        answers = db.session.scalars(select(Draft)).one().answers
    assert answers["why_poor"] == "too slow"


def test_a_share_link_with_a_nul_is_read_without_it(app, client, world):
    page = client.get("/en/surveys/test-survey?forum=forum-a")
    token = token_of(page.get_data(as_text=True))
    sent = client.post(
        "/en/surveys/test-survey?forum=forum%00-a", data={"csrf_token": token, "consent": "y"}
    )
    assert sent.status_code == 302
    with app.app_context():
        draft = db.session.scalars(select(Draft)).one()
        assert draft.forum_id is not None  # forum-a's
