"""Background jobs, both ways: on a thread of this process (status in the instance
folder), and on the real Redis at 127.0.0.1:6379 with an RQ worker.

A job opens its own database connection, so these tests commit their setup with an app
of their own (as the browser tests' live server does) and wipe the database after."""

from __future__ import annotations

import time
import uuid

import pytest
from sqlalchemy import func, select

from engage import jobs
from engage.extensions import db
from engage.responses.models import Response

REDIS_URL = "redis://127.0.0.1:6379/15"
CSV = "experience,services,ethnic_group\ngood,gp;pharmacy,K\npoor,,Z\nneither,hospital,99\n"


def explode():
    """A job that fails, with personal data in its exception."""
    raise RuntimeError("Jane Doe, 12 Acacia Avenue")


def count_to(n: int):
    for i in range(1, n + 1):
        jobs.report(i, n, stage="import")
    return {"count": n}


def wait_for(job_id: str, seconds: float = 30) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = jobs.status(job_id)
        if state and state["state"] in {"done", "failed"}:
            return state
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {jobs.status(job_id)}")


def responses_of(slug: str) -> int:
    from engage.consultations.service import get_survey

    survey = get_survey(slug)
    return db.session.scalar(
        select(func.count()).select_from(Response).where(Response.survey_id == survey.id)
    )


def test_an_import_runs_on_a_thread_and_reports_its_status(committed_app, tmp_path):
    app = committed_app()
    path = tmp_path / "upload.csv"
    path.write_text(CSV, encoding="utf-8")
    with app.app_context():
        job_id = jobs.enqueue(
            "engage.responses.transfer.import_job",
            "test-survey",
            str(path),
            job_meta={"survey": "test-survey"},
        )
        state = wait_for(job_id)
        assert state["state"] == "done", state
        assert state["result"] == {"count": 3, "errors": []}
        assert state["meta"] == {"survey": "test-survey"}
        assert (tmp_path / "instance" / "jobs" / f"{job_id}.json").exists()
        assert not path.exists()  # the upload is removed once imported
        assert responses_of("test-survey") == 3


def test_a_rejected_file_on_a_thread_writes_nothing(committed_app, tmp_path):
    app = committed_app()
    path = tmp_path / "upload.csv"
    path.write_text(CSV.replace(",Z\n", ",X\n"), encoding="utf-8")
    with app.app_context():
        job_id = jobs.enqueue("engage.responses.transfer.import_job", "test-survey", str(path))
        state = wait_for(job_id)
        assert state["state"] == "done"
        assert state["result"]["count"] == 0
        assert state["result"]["errors"][0].startswith("Row 3, column ethnic_group:")
        assert responses_of("test-survey") == 0


def test_a_failed_job_records_a_message_without_personal_data(committed_app):
    app = committed_app()
    with app.app_context():
        state = wait_for(jobs.enqueue("tests.responses.test_jobs.explode"))
        assert state["state"] == "failed"
        assert state["message"] == jobs.FAILED_MESSAGE
        assert "Jane" not in str(state)
        state = wait_for(jobs.enqueue("tests.responses.test_jobs.count_to", 7))
        assert (state["state"], state["done"], state["total"]) == ("done", 7, 7)
        assert jobs.status("f" * 32) is None
        assert jobs.status("../../etc/passwd") is None


@pytest.fixture
def redis_queue():
    import redis

    connection = redis.Redis.from_url(REDIS_URL)
    connection.ping()
    name = f"test-{uuid.uuid4().hex}"
    yield name
    from rq import Queue

    queue = Queue(name, connection=connection)
    for job_id in [*queue.job_ids, *queue.finished_job_registry.get_job_ids()]:
        connection.delete(f"rq:job:{job_id}")
    for job_id in queue.failed_job_registry.get_job_ids():
        connection.delete(f"rq:job:{job_id}")
    queue.delete(delete_jobs=True)
    connection.close()


def run_worker(app) -> None:
    from rq import SimpleWorker

    queue = jobs._queue(app)
    SimpleWorker([queue], connection=queue.connection).work(burst=True)


def test_an_import_runs_on_rq_with_redis(committed_app, redis_queue, tmp_path):
    app = committed_app(REDIS_URL=REDIS_URL, JOBS_QUEUE=redis_queue)
    path = tmp_path / "upload.csv"
    path.write_text(CSV, encoding="utf-8")
    with app.app_context():
        job_id = jobs.enqueue(
            "engage.responses.transfer.import_job",
            "test-survey",
            str(path),
            job_meta={"survey": "test-survey"},
        )
        assert jobs.status(job_id)["state"] == "queued"
        assert responses_of("test-survey") == 0
        db.session.remove()
        run_worker(app)
        state = jobs.status(job_id)
        assert state["state"] == "done", state
        assert state["result"] == {"count": 3, "errors": []}
        assert (state["done"], state["total"]) == (3, 3)
        assert state["meta"] == {"survey": "test-survey"}
        assert responses_of("test-survey") == 3
        assert not path.exists()


def test_a_failed_rq_job_is_failed_without_personal_data(committed_app, redis_queue):
    app = committed_app(REDIS_URL=REDIS_URL, JOBS_QUEUE=redis_queue)
    with app.app_context():
        failing = jobs.enqueue("tests.responses.test_jobs.explode")
        counting = jobs.enqueue("tests.responses.test_jobs.count_to", 4)
        run_worker(app)
        state = jobs.status(failing)
        assert state["state"] == "failed"
        assert "Jane" not in str(state)
        state = jobs.status(counting)
        assert (state["state"], state["done"], state["total"]) == ("done", 4, 4)
        assert state["result"] == {"count": 4}


def test_engage_worker_runs_queued_jobs(committed_app, redis_queue):
    app = committed_app(REDIS_URL=REDIS_URL, JOBS_QUEUE=redis_queue)
    with app.app_context():
        job_id = jobs.enqueue("tests.responses.test_jobs.count_to", 3)
    result = app.test_cli_runner().invoke(args=["worker", "--burst"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert jobs.status(job_id)["state"] == "done"
