"""One analysis of a survey at a time: a second press of "Analyse" while a run is queued
or going shows that run instead of starting another, on a thread and on RQ; a run that
ended (or whose server stopped) no longer holds the survey."""

from __future__ import annotations

import subprocess
import sys
import threading
import uuid

import pytest

from engage import jobs
from engage.consultations.service import get_survey
from engage.extensions import db
from engage.responses import transfer
from tests.conftest import csrf_token, login
from tests.insights.test_pipeline import ANSWERS, write_csv
from tests.responses.test_jobs import (  # noqa: F401 - fixtures
    REDIS_URL,
    redis_queue,
    run_worker,
    wait_for,
)

RELEASE = threading.Event()
HUB = "/en/surveys/test-survey/text"


def wait_for_release():
    """A job that runs until the test lets it finish."""
    RELEASE.wait(30)
    return {"released": True}


@pytest.fixture
def key():
    made = f"test:{uuid.uuid4().hex}"
    yield made
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    connection.delete(f"engage:job-key:{made}")
    connection.close()


def test_a_running_job_holds_its_key_until_it_ends(committed_app, key):  # noqa: F811
    app = committed_app()
    RELEASE.clear()
    with app.app_context():
        first, started = jobs.enqueue_once(
            "tests.insights.test_analyse_once.wait_for_release", unique=key
        )
        assert started
        again, started_again = jobs.enqueue_once(
            "tests.insights.test_analyse_once.wait_for_release", unique=key
        )
        assert (again, started_again) == (first, False)
        # another key is not held
        other, started_other = jobs.enqueue_once(
            "tests.responses.test_jobs.count_to", 2, unique=f"{key}:other"
        )
        assert started_other and other != first
        RELEASE.set()
        assert wait_for(first)["result"] == {"released": True}
        after, started_after = jobs.enqueue_once(
            "tests.responses.test_jobs.count_to", 3, unique=key
        )
        assert started_after and after != first
        assert wait_for(after)["result"] == {"count": 3}


def test_a_job_whose_server_stopped_does_not_hold_its_key(committed_app, key):  # noqa: F811
    app = committed_app()
    ended = subprocess.Popen(
        [sys.executable, "-c", "pass"]
    )  # a process that has ended: its pid is free
    ended.wait()
    with app.app_context():
        stale = "a" * 32
        # the status a server left when it stopped in the middle of a run
        jobs._write(app, stale, {"state": "running", "done": 5, "total": 9, "pid": ended.pid})
        assert jobs._claim(app, key, stale) is None
        job_id, started = jobs.enqueue_once("tests.responses.test_jobs.count_to", 2, unique=key)
        assert started and job_id != stale
        assert wait_for(job_id)["state"] == "done"


def test_on_rq_a_queued_job_holds_its_key_until_a_worker_ends_it(
    committed_app,  # noqa: F811
    redis_queue,  # noqa: F811
    key,
):
    app = committed_app(REDIS_URL=REDIS_URL, JOBS_QUEUE=redis_queue)
    with app.app_context():
        first, started = jobs.enqueue_once("tests.responses.test_jobs.count_to", 2, unique=key)
        again, started_again = jobs.enqueue_once(
            "tests.responses.test_jobs.count_to", 2, unique=key
        )
        assert started and (again, started_again) == (first, False)
        run_worker(app)
        assert jobs.status(first)["state"] == "done"
        after, started_after = jobs.enqueue_once(
            "tests.responses.test_jobs.count_to", 2, unique=key
        )
        assert started_after and after != first


def test_pressing_analyse_twice_shows_the_run_already_going(
    committed_app,  # noqa: F811
    redis_queue,  # noqa: F811
    tmp_path,
):
    # on RQ with no worker yet, the first run stays queued
    app = committed_app(REDIS_URL=REDIS_URL, JOBS_QUEUE=redis_queue)
    with app.app_context():
        survey = get_survey("test-survey")
        transfer.import_responses(
            survey, write_csv(tmp_path / "a.csv", [{"summary": t} for t in ANSWERS])
        )
        db.session.commit()
    client = app.test_client()
    login(client, "analyst@example.org")

    def press():
        token = csrf_token(client, HUB)
        return client.post(f"{HUB}/analyse", data={"csrf_token": token})

    first = press()
    second = press()
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == first.headers["Location"]
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "already being analysed" in page
    with app.app_context():
        run_worker(app)
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert "5 answers analysed." in page
    third = press()
    assert third.headers["Location"] != first.headers["Location"]
    with app.app_context():
        run_worker(app)
        jobs._queue(app).connection.delete("engage:job-key:analyse-text:test-survey")
