"""A job that dies is run again, and never leaves half its writes: on RQ a work horse
killed mid-run (by `engage worker`, on the real Redis) is retried and the job's rows are
there once; a job that raises every time ends failed after its retries. Without Redis,
a job whose process ended shows as failed, not as running for ever."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engage import jobs
from engage.consultations.service import get_survey
from engage.extensions import db
from engage.responses import transfer
from tests.responses.test_jobs import (  # noqa: F401 - fixtures
    CSV,
    REDIS_URL,
    redis_queue,
    responses_of,
    run_worker,
    wait_for,
)

ROOT = Path(__file__).resolve().parents[2]
#: a web process with a job on a thread: it prints the job's id, then waits to be killed
SERVER = """
import sys, time
from engage import create_app, jobs
from tests.conftest import base_config
app = create_app(base_config(sys.argv[1], sys.argv[2]))
with app.app_context():
    print(jobs.enqueue("tests.responses.test_job_retry.sleep", 60), flush=True)
time.sleep(60)
"""


def import_dying_first_time(slug: str, path: str, marker: str) -> dict:
    """The import job, except that its first attempt, with its rows written but not
    committed, leaves its pid and row count in ``marker`` and waits to be killed."""
    if not os.path.exists(marker):
        written = transfer.import_responses(get_survey(slug), path).count
        db.session.flush()
        Path(f"{marker}.tmp").write_text(f"{os.getpid()} {written}", encoding="ascii")
        os.replace(f"{marker}.tmp", marker)
        time.sleep(60)
    return transfer.import_job(slug, path)


def explode_counting(attempts: str) -> None:
    """A job that fails every time, with personal data in its exception; each attempt
    adds a line to ``attempts``."""
    with open(attempts, "a", encoding="ascii") as f:
        f.write("attempt\n")
    raise RuntimeError("Jane Doe, 12 Acacia Avenue")


def import_noting_the_file(slug: str, path: str, notes: str) -> dict:
    """The import job, noting at each attempt whether its uploaded file is still there."""
    with open(notes, "a", encoding="ascii") as f:
        f.write(f"{os.path.exists(path)}\n")
    return transfer.import_job(slug, path)


def sleep(seconds: float) -> None:
    time.sleep(seconds)


def wait_until(check, seconds: float = 30, what: str = "") -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def engage_worker(database_url: str, instance: Path, queue: str, log: Path) -> subprocess.Popen:
    """`engage worker --burst` in a process of its own, configured as in production."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ENGAGE_")}
    env.update(
        ENGAGE_DATABASE_URL=database_url,
        ENGAGE_INSTANCE_PATH=str(instance),
        ENGAGE_SECRET_KEY="test-secret-key",
        ENGAGE_REDIS_URL=REDIS_URL,
        ENGAGE_JOBS_QUEUE=queue,
    )
    command = "from engage.cli import main; main()"
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", command, "worker", "--burst"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def test_a_killed_work_horse_is_run_again_and_its_rows_are_written_once(
    committed_app,  # noqa: F811
    redis_queue,  # noqa: F811
    database_url,
    tmp_path,
):
    app = committed_app(REDIS_URL=REDIS_URL, JOBS_QUEUE=redis_queue)
    upload = tmp_path / "upload.csv"
    upload.write_text(CSV, encoding="utf-8")
    marker = tmp_path / "first-attempt"
    log = tmp_path / "worker.log"
    with app.app_context():
        job_id = jobs.enqueue(
            "tests.responses.test_job_retry.import_dying_first_time",
            "test-survey",
            str(upload),
            str(marker),
            job_meta={"survey": "test-survey"},
        )
        db.session.remove()
        worker = engage_worker(database_url, Path(app.instance_path), redis_queue, log)
        try:
            wait_until(marker.exists, what="the first attempt")
            horse, written = map(int, marker.read_text(encoding="ascii").split())
            assert written == 3  # three rows were written, not yet committed
            assert jobs.status(job_id)["state"] == "running"
            os.kill(horse, signal.SIGKILL)
            assert worker.wait(60) == 0, log.read_text()
        finally:
            worker.kill()
            worker.wait()
        state = jobs.status(job_id)
        assert state["state"] == "done", (state, log.read_text())
        assert state["result"] == {"count": 3, "errors": []}
        assert "Work-horse terminated unexpectedly" in log.read_text()
        # the killed attempt's rows are gone; the second attempt's are there, once
        assert responses_of("test-survey") == 3
        assert not upload.exists()


def test_a_job_that_always_fails_is_retried_then_failed(
    committed_app,  # noqa: F811
    redis_queue,  # noqa: F811
    tmp_path,
):
    from rq import SimpleWorker

    app = committed_app(REDIS_URL=REDIS_URL, JOBS_QUEUE=redis_queue)
    attempts = tmp_path / "attempts"
    with app.app_context():
        job_id = jobs.enqueue("tests.responses.test_job_retry.explode_counting", str(attempts))
        queue = jobs._queue(app)
        SimpleWorker([queue], connection=queue.connection).work(burst=True, max_jobs=1)
        # one attempt failed, another is due: the status page says it waits to start
        state = jobs.status(job_id)
        assert (state["state"], state["message"]) == ("queued", None)
        assert attempts.read_text(encoding="ascii").count("attempt") == 1
        run_worker(app)
        state = jobs.status(job_id)
        assert (state["state"], state["message"]) == ("failed", jobs.FAILED_MESSAGE)
        assert "Jane" not in str(state)
        assert attempts.read_text(encoding="ascii").count("attempt") == 1 + jobs.RETRIES


def test_a_failed_import_keeps_its_file_for_the_next_attempt_and_not_after_the_last(
    committed_app,  # noqa: F811
    redis_queue,  # noqa: F811
    tmp_path,
):
    app = committed_app(REDIS_URL=REDIS_URL, JOBS_QUEUE=redis_queue)
    upload, notes = tmp_path / "upload.csv", tmp_path / "notes"
    upload.write_text(CSV, encoding="utf-8")
    with app.app_context():
        # the survey is gone by the time the job runs: every attempt fails
        job_id = jobs.enqueue(
            "tests.responses.test_job_retry.import_noting_the_file",
            "no-such-survey",
            str(upload),
            str(notes),
        )
        run_worker(app)
        assert jobs.status(job_id)["state"] == "failed"
    # each retry found the file; the last attempt removed it
    assert notes.read_text(encoding="ascii").split() == ["True"] * (1 + jobs.RETRIES)
    assert not upload.exists()


def test_a_thread_job_whose_process_ended_is_failed_not_running(
    committed_app,  # noqa: F811
    database_url,
):
    app = committed_app()
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, database_url, app.instance_path],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        job_id = server.stdout.readline().strip()
        with app.app_context():
            wait_until(
                lambda: (jobs.status(job_id) or {}).get("state") == "running",
                what="the job to start",
            )
            server.kill()  # the server stops in the middle of the job
            server.wait()
            state = jobs.status(job_id)
            assert (state["state"], state["message"]) == ("failed", jobs.INTERRUPTED_MESSAGE)
            # and stays so, whichever process takes the pid next
            saved = json.loads(jobs._path(app, job_id).read_text(encoding="utf-8"))
            assert saved["state"] == "failed"
    finally:
        server.kill()
        server.wait()
        server.stdout.close()


@pytest.mark.skipif(jobs._started(os.getpid()) is None, reason="no /proc to tell")
def test_a_thread_job_whose_pid_was_taken_again_is_failed(committed_app):  # noqa: F811
    app = committed_app()
    with app.app_context():
        ours, reused = "b" * 32, "c" * 32
        jobs._write(app, ours, {"state": "running", "meta": {}, **jobs._process()})
        # this process's pid, recorded by a process that started at another time
        jobs._write(
            app, reused, {"state": "running", "meta": {}, **jobs._process(), "started": "x:1"}
        )
        assert jobs.status(ours)["state"] == "running"
        assert jobs.status(reused)["state"] == "failed"
