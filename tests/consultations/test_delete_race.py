"""An author deletes a question, or removes an answer option, at the moment a respondent's
answer to it is being written: the answer is never deleted with it. The count of
answers that allows the deletion and the deletion itself are one step that a submit
cannot come between (PostgreSQL: the rows are locked; SQLite: the write lock)."""

from __future__ import annotations

import re
import threading
import time
from html import unescape

from sqlalchemy import create_engine, func, select

from engage.consultations.models import Option, Question
from engage.extensions import db
from engage.responses.models import Answer, Response
from tests.conftest import CSRF_RE, csrf_token, login

BUILD = "/en/surveys/test-survey/build"


def _ids(app) -> tuple[int, int, int]:
    with app.app_context():
        question = db.session.scalars(select(Question).where(Question.key == "summary")).one()
        visit = db.session.scalars(select(Question).where(Question.key == "visit_type")).one()
        option = db.session.scalars(
            select(Option).where(Option.question_id == visit.id, Option.code == "phone")
        ).one()
        return question.survey_id, question.id, option.id


def _sending(database_url, survey_id: int, answer: dict):
    """A submit's transaction on a connection of its own: its response and one answer
    written, not yet committed. Returns (connection, commit)."""
    engine = create_engine(database_url)
    connection = engine.connect()
    if database_url.startswith("sqlite"):
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
    transaction = connection.begin()
    response_id = connection.execute(
        Response.__table__.insert().returning(Response.__table__.c.id),
        {"survey_id": survey_id, "reference": "RACE000001", "channel": "online", "locale": "en"},
    ).scalar_one()
    connection.execute(Answer.__table__.insert(), {"response_id": response_id, **answer})

    def commit():
        transaction.commit()
        connection.close()
        engine.dispose()

    return commit


def _while_sending(app, database_url, answer_of, builder_request):
    """The builder's request sent while a submit writing ``answer_of(ids)`` is still
    open; the submit commits a moment later. Returns the builder's response."""
    survey_id, question_id, option_id = _ids(app)
    commit = _sending(database_url, survey_id, answer_of(question_id, option_id))
    outcome: dict = {}

    def author():
        outcome["response"] = builder_request(question_id, option_id)

    thread = threading.Thread(target=author)
    thread.start()
    time.sleep(0.5)  # the author's request is waiting, or has counted the answers
    commit()
    thread.join(timeout=30)
    return outcome["response"]


def _answers(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Answer))


def test_a_question_answered_while_it_is_deleted_keeps_the_answer(committed_app, database_url):
    app = committed_app()
    client = app.test_client()
    login(client, "analyst@example.org")
    token = csrf_token(client, BUILD)

    def delete(question_id, _option_id):
        return client.post(
            f"{BUILD}/questions/{question_id}/delete",
            data={"csrf_token": token, "confirm": "y"},
            follow_redirects=True,
        )

    page = _while_sending(
        app,
        database_url,
        lambda question_id, _o: {"question_id": question_id, "text": "Sent just now"},
        delete,
    )
    assert page.status_code == 200
    assert "This question has answers in responses: it cannot be deleted." in page.get_data(
        as_text=True
    )
    assert _answers(app) == 1
    with app.app_context():
        assert db.session.scalar(select(Question).where(Question.key == "summary")) is not None


def test_an_option_chosen_while_it_is_removed_keeps_the_answer(committed_app, database_url):
    app = committed_app()
    client = app.test_client()
    login(client, "analyst@example.org")
    with app.app_context():
        visit_id = db.session.scalars(select(Question.id).where(Question.key == "visit_type"))
        url = f"{BUILD}/questions/{visit_id.one()}"
    form = client.get(url).get_data(as_text=True)
    section = re.search(r'<option value="([^"]+)"[^>]*selected', form).group(1)
    token = CSRF_RE.search(form).group(1)
    data = {
        "csrf_token": token,
        "key": "visit_type",
        "label": "How did you visit?",
        "section": section,
        "options": "in_person: In person\nvideo: Video",  # "phone" goes
    }

    def remove_phone(_question_id, _option_id):
        return client.post(url, data=data)

    def chose_phone(_question_id, option_id):
        with app.app_context():
            question_id = db.session.get(Option, option_id).question_id
        return {"question_id": question_id, "option_id": option_id}

    page = _while_sending(app, database_url, chose_phone, remove_phone)
    assert page.status_code == 400
    assert "The answer phone has been chosen in responses" in unescape(page.get_data(as_text=True))
    assert _answers(app) == 1
    with app.app_context():
        assert db.session.scalar(select(Option).where(Option.code == "phone")) is not None


def test_options_chosen_in_any_order_are_written_in_the_order_authors_lock_them(app, client, world):
    """A multiple choice's rows go in the options' id order, the order an author's
    removal locks them in: a submit and a removal never wait on each other crosswise."""
    from engage.consultations.service import get_survey
    from tests.responses.journey import GOOD_PAGES, answer_about_you, answer_pages, start
    from tests.responses.journey import submit as send

    with app.app_context():  # the author put the options in another order than made
        services = next(q for q in get_survey("test-survey").questions if q.key == "services")
        for option in services.options:
            option.position = len(services.options) - option.position
        db.session.commit()
    pages = [dict(p) for p in GOOD_PAGES]
    pages[1]["services"] = ["hospital", "gp"]
    answer_pages(client, start(client), pages)
    answer_about_you(client)
    assert send(client).status_code == 303
    with app.app_context():
        services = db.session.scalars(select(Question).where(Question.key == "services")).one()
        rows = db.session.scalars(
            select(Answer.option_id).where(Answer.question_id == services.id).order_by(Answer.id)
        ).all()
        by_code = {o.code: o.id for o in services.options}
    assert sorted(rows) == rows and set(rows) == {by_code["gp"], by_code["hospital"]}
