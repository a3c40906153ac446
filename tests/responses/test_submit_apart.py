"""The submit as it runs in production, with real commits: the draft read and the
response written each apart from the session's transaction (on PostgreSQL, everything a
submission writes is one statement, its own transaction). The tests' usual app keeps
everything on one connection, so these tests have an app of their own."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from engage.consultations import authoring
from engage.consultations.service import get_survey
from engage.extensions import db
from engage.responses import service
from engage.responses.models import Answer, Channel, Draft, Profile, Response
from tests.responses.journey import (
    GOOD_ANSWERS,
    answer_about_you,
    answer_pages,
    changing_draft,
    start,
    token_of,
)
from tests.responses.test_journey import _answers

SUBMIT = "/en/surveys/test-survey/submit"


def _ready(app):
    client = app.test_client()
    answer_pages(client, start(client))
    answer_about_you(client)
    return client


def _token(client) -> str:
    return token_of(client.get("/en/withdraw").get_data(as_text=True))


def test_a_submission_written_apart_is_stored_whole_and_shown(committed_app):
    app = committed_app()
    client = _ready(app)
    sent = client.post(SUBMIT, data={"csrf_token": _token(client)})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/done")
    with app.app_context():
        stored = db.session.scalars(select(Response)).one()
        assert stored.channel == Channel.online and stored.locale == "en"
        rows = db.session.scalars(select(Answer).where(Answer.response_id == stored.id)).all()
        # every answer row carries the response's groups, for results by community
        assert {(a.ethnic_group, a.language, a.channel) for a in rows} == {
            ("asian_pakistani", "ur", Channel.online)
        }
        profile = db.session.get(Profile, stored.id)
        assert (profile.ethnic_group, profile.sex, profile.postcode_district) == (
            "asian_pakistani",
            "female",
            "BL1",
        )
        draft = db.session.scalars(select(Draft)).one()
        assert (draft.response_id, draft.reference) == (stored.id, stored.reference)
        assert draft.answers == {} and draft.profile == {}
        reference = stored.reference
    assert _answers(app, stored.id) == GOOD_ANSWERS
    done = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert f"{reference[:5]}-{reference[5:]}" in done

    again = client.post(SUBMIT, data={"csrf_token": _token(client)})  # a reload
    assert again.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_the_same_answers_sent_twice_at_once_are_one_response(committed_app):
    app = committed_app()
    first = _ready(app)
    second = app.test_client()  # the same browser: a double click, two tabs
    for cookie in first._cookies.values():
        second.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    tokens = [_token(first), _token(second)]
    together = threading.Barrier(2)
    statuses: dict[int, int] = {}

    def send(i, client):
        together.wait()
        statuses[i] = client.post(SUBMIT, data={"csrf_token": tokens[i]}).status_code

    threads = [threading.Thread(target=send, args=(i, c)) for i, c in enumerate([first, second])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert statuses == {0: 303, 1: 303}
    with app.app_context():
        stored = db.session.scalars(select(Response)).one()
        count = select(func.count()).select_from(Answer).where(Answer.response_id == stored.id)
        assert db.session.scalar(count) == 11  # the services question has two rows
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 11
        assert db.session.scalars(select(Draft)).one().reference == stored.reference


def test_answers_changed_in_another_tab_while_sending_are_sent_once_as_changed(
    committed_app, monkeypatch
):
    """The draft changes (another tab saves) after the submit read it and before it
    writes: nothing of the first try may stay written; the second try sends the draft
    as it now is, once."""
    app = committed_app()
    client = _ready(app)
    tries = changing_draft(monkeypatch, times=1, committed=True)
    sent = client.post(SUBMIT, data={"csrf_token": _token(client)})
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/done")
    assert tries == [True, True]  # both tries apart from the session
    with app.app_context():
        stored = db.session.scalars(select(Response)).one()
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 11
        assert db.session.scalar(select(func.count()).select_from(Profile)) == 1
        assert db.session.scalars(select(Draft)).one().response_id == stored.id
    assert _answers(app, stored.id) == {**GOOD_ANSWERS, "summary": "Changed in another tab"}


def _deleting_before_each_write(app, monkeypatch, keys: list[str]) -> list[str]:
    """Before each of the submit's writes, an author deletes the next of ``keys`` (a
    question nobody had answered yet), in a request of their own; returns those deleted."""
    real = service.write_submission
    deleted: list[str] = []

    def delete_question(key):
        with app.app_context():
            survey = get_survey("test-survey")  # as the builder loads it
            authoring.delete_question(next(q for q in survey.questions if q.key == key))
            db.session.commit()
        deleted.append(key)

    def delete_then_write(prepared, **kwargs):
        if len(deleted) < len(keys):
            builder = threading.Thread(target=delete_question, args=(keys[len(deleted)],))
            builder.start()
            builder.join(timeout=30)
        return real(prepared, **kwargs)

    monkeypatch.setattr(service, "write_submission", delete_then_write)
    return deleted


def test_a_question_deleted_while_the_answers_are_sent_is_left_out_not_a_500(
    committed_app, monkeypatch
):
    """An author deletes a question after the submit read the survey and before it
    writes: the answer to it cannot be stored (its question is gone), so the submit
    reads the survey again and sends the rest."""
    app = committed_app()
    client = _ready(app)
    deleted = _deleting_before_each_write(app, monkeypatch, ["summary"])
    sent = client.post(SUBMIT, data={"csrf_token": _token(client)})
    assert deleted == ["summary"]
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/done")
    with app.app_context():
        stored = db.session.scalars(select(Response)).one()
    assert _answers(app, stored.id) == {k: v for k, v in GOOD_ANSWERS.items() if k != "summary"}


def test_a_survey_changing_at_every_try_says_so_and_writes_nothing(
    committed_app, monkeypatch, database_url
):
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite: the last try holds the write lock from its read: nothing between")
    app = committed_app()
    client = _ready(app)
    keys = ["summary", "area", "visits"]  # answered, and no other question depends on them
    deleted = _deleting_before_each_write(app, monkeypatch, keys)
    sent = client.post(SUBMIT, data={"csrf_token": _token(client)})
    assert deleted == keys
    assert sent.status_code == 303 and sent.headers["Location"].endswith("/check")
    check = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "The survey was changed while your answers were being sent" in check
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 0
