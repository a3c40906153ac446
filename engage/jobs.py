"""Background jobs: on RQ when ``ENGAGE_REDIS_URL`` is set, else on a thread of this
process (or inline, in the request, when ``JOBS_INLINE`` is set: tests).

A job is a function named by its dotted path; it runs inside an app context and may
call :func:`report` to tell how far it is. :func:`status` gives, for a job id, a dict
``state`` (queued, running, done, failed), ``done``, ``total``, ``stage``, ``message``,
``result`` and ``meta`` (what the enqueuer attached, e.g. the survey it is for).

On RQ a job that raises, or whose work horse dies (killed, out of memory), is run
again up to :data:`RETRIES` times; it shows as queued meanwhile. A job's writes are
expected to be one transaction, so an attempt that dies leaves nothing behind.

Without Redis the status lives in ``<instance>/jobs/<id>.json``, written atomically,
so every worker process of this machine can read it, with the process that runs the
job: a job whose process ended (a server stopped mid-run) shows as failed, and is not
run again. A failed job records a fixed message, never the exception's text (it may
hold personal data); the traceback goes to the log.
"""

from __future__ import annotations

import contextvars
import hashlib
import importlib
import json
import logging
import os
import re
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context

log = logging.getLogger(__name__)

JOB_ID = re.compile(r"^[0-9a-f]{32}$")
FAILED_MESSAGE = "The job stopped with an error."
#: a local job whose process ended before the job did
INTERRUPTED_MESSAGE = "The job stopped: the process running it ended."
#: progress is saved at most this often (seconds), and always at the end
REPORT_INTERVAL = 0.5
#: a job on RQ is stopped after this long (seconds); its key is held no longer
JOB_TIMEOUT = 6 * 3600
#: a job on RQ that raises or whose work horse dies is run again this many times
RETRIES = 2
_PID = os.getpid()


class _Current:
    """The job running in this context: where its progress goes."""

    def __init__(self, save: Callable[[dict[str, Any]], None]):
        self.save = save
        self.last = 0.0


_current: contextvars.ContextVar[_Current | None] = contextvars.ContextVar(
    "engage_job", default=None
)


def _redis_url(app: Flask) -> str | None:
    return app.config.get("REDIS_URL") or None


def _queue(app: Flask):
    import redis
    from rq import Queue

    connection = redis.Redis.from_url(_redis_url(app))
    return Queue(app.config.get("JOBS_QUEUE", "engage"), connection=connection)


def _resolve(func_path: str) -> Callable[..., Any]:
    module, _, name = func_path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def enqueue(
    func_path: str,
    *args: Any,
    job_meta: dict[str, Any] | None = None,
    unique: str | None = None,
    **kwargs,
) -> str:
    """Start ``func_path(*args, **kwargs)`` in the background; its id.

    With ``unique`` (a key such as ``"analyse-text:<survey>"``), a job is started only if
    no job with the same key is queued or running; otherwise that job's id is returned
    and nothing new starts (see :func:`enqueue_once`)."""
    return enqueue_once(func_path, *args, job_meta=job_meta, unique=unique, **kwargs)[0]


def enqueue_once(
    func_path: str,
    *args: Any,
    job_meta: dict[str, Any] | None = None,
    unique: str | None = None,
    **kwargs,
) -> tuple[str, bool]:
    """As :func:`enqueue`; also whether this call started the job (False: a job with the
    same ``unique`` key was already queued or running, and its id is given)."""
    app = current_app._get_current_object()
    _resolve(func_path)  # fail now, in the caller, on a mistyped name
    job_id = secrets.token_hex(16)
    meta = dict(job_meta or {})
    if unique is not None:
        existing = _claim(app, unique, job_id)
        if existing is not None:
            return existing, False
    if _redis_url(app):
        from rq import Retry

        _queue(app).enqueue(
            run_in_app,
            func_path,
            args,
            kwargs,
            job_id=job_id,
            meta={"engage": meta, "done": 0, "total": 0, "stage": None},
            result_ttl=7 * 24 * 3600,
            failure_ttl=7 * 24 * 3600,
            job_timeout=JOB_TIMEOUT,
            # at once: a retry after an interval waits for a scheduler, which neither
            # `engage worker` nor a burst worker runs
            retry=Retry(max=RETRIES),
        )
        return job_id, True
    _purge(app)
    _write(app, job_id, {"state": "queued", "done": 0, "total": 0, "meta": meta, **_process()})
    if app.config.get("JOBS_INLINE"):
        _run_local(app, job_id, func_path, args, kwargs, meta)
    else:
        thread = threading.Thread(
            target=_run_local,
            args=(app, job_id, func_path, args, kwargs, meta),
            name=f"engage-job-{job_id[:8]}",
            daemon=True,
        )
        thread.start()
    return job_id, True


# One job at a time for a key --------------------------------------------------------------


def _active(app: Flask, job_id: str) -> bool:
    """The job is queued or running (:func:`status` tells a local job whose process
    ended as failed; one with no process recorded does not hold a key either)."""
    state = status(job_id) if JOB_ID.match(job_id) else None
    if state is None or state["state"] not in {"queued", "running"}:
        return False
    return bool(_redis_url(app)) or state.get("pid") is not None


def active_job(key: str) -> str | None:
    """The id of the queued or running job that holds ``key`` (see :func:`enqueue_once`),
    or None: for what must wait until it ends."""
    app = current_app._get_current_object()
    if _redis_url(app):
        raw = _queue(app).connection.get(_redis_key(key))
        holder = (raw or b"").decode("ascii", "replace")
    else:
        try:
            holder = _key_path(app, key).read_text(encoding="ascii").strip()
        except OSError:
            return None
    return holder if holder and _active(app, holder) else None


def _redis_key(key: str) -> str:
    return f"engage:job-key:{key}"


def _key_path(app: Flask, key: str) -> Path:
    name = hashlib.sha256(key.encode()).hexdigest()[:32]
    return Path(app.instance_path) / "jobs" / f"unique-{name}.lock"


def _claim(app: Flask, key: str, job_id: str) -> str | None:
    """Make ``job_id`` the job of ``key``; None when done, else the id of the active job
    that holds the key. Atomic: of two requests at once, one starts a job."""
    if _redis_url(app):
        return _claim_redis(app, key, job_id)
    path = _key_path(app, key)
    path.parent.mkdir(parents=True, exist_ok=True)
    for _attempt in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except FileExistsError:
            try:
                holder = path.read_text(encoding="ascii").strip()
            except OSError:
                continue
            if holder and _active(app, holder):
                return holder
            # the holder ended: take its place (whoever removes it first retries first)
            path.unlink(missing_ok=True)
            continue
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(job_id)
        return None
    raise RuntimeError("could not claim the job key")


def _claim_redis(app: Flask, key: str, job_id: str) -> str | None:
    import redis

    connection = _queue(app).connection
    name = _redis_key(key)
    for _attempt in range(3):
        if connection.set(name, job_id, nx=True, ex=JOB_TIMEOUT * (RETRIES + 1)):
            return None
        holder = (connection.get(name) or b"").decode("ascii", "replace")
        if holder and _active(app, holder):
            return holder
        with connection.pipeline() as pipe:
            try:
                pipe.watch(name)
                if (pipe.get(name) or b"").decode("ascii", "replace") == holder:
                    pipe.multi()
                    pipe.delete(name)
                    pipe.execute()
            except redis.WatchError:
                pass  # another request changed it first: look again
    raise RuntimeError("could not claim the job key")


def will_retry() -> bool:
    """From inside a job: whether, if it fails now, it will be run again (on RQ, with
    retries left); what a failing attempt keeps for the next one depends on it."""
    try:
        from rq import get_current_job
    except ImportError:  # pragma: no cover - rq is a dependency
        return False
    job = get_current_job()
    return bool(job is not None and (job.retries_left or 0) > 0)


def report(done: int, total: int, stage: str | None = None, **_ignored: Any) -> None:
    """From inside a job: how far it is. Cheap to call often (it saves twice a second)."""
    current = _current.get()
    if current is None:
        return
    now = time.monotonic()
    if done < total and now - current.last < REPORT_INTERVAL:
        return
    current.last = now
    current.save({"done": int(done), "total": int(total), "stage": stage})


def status(job_id: str) -> dict[str, Any] | None:
    """The job's state and progress, or None for an unknown id."""
    if not JOB_ID.match(job_id or ""):
        return None
    app = current_app._get_current_object()
    if _redis_url(app):
        return _rq_status(app, job_id)
    path = _path(app, job_id)
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    if data.get("state") in {"queued", "running"} and _ended(data):
        data.update(state="failed", message=INTERRUPTED_MESSAGE)
        # kept, so that a later process given the same pid does not bring it back
        _write(app, job_id, data)
    data.setdefault("message", None)
    data.setdefault("result", None)
    data.setdefault("stage", None)
    return data


# Local jobs (a thread, or inline) -------------------------------------------------------


def _path(app: Flask, job_id: str) -> Path:
    return Path(app.instance_path) / "jobs" / f"{job_id}.json"


def _process() -> dict[str, Any]:
    """This process, as a local job's status records it."""
    pid = os.getpid()
    return {"pid": pid, "host": socket.gethostname(), "started": _started(pid)}


def _started(pid: int) -> str | None:
    """When process ``pid`` started (the boot's id and the clock tick), so that a pid
    used again by a later process, or after a restart, is not taken for the first; None
    where there is no /proc to tell."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text(encoding="ascii").strip()
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
        # the 22nd field; the command name (2nd, in brackets) may hold spaces
        return f"{boot}:{stat.rpartition(')')[2].split()[19]}"
    except (OSError, IndexError):
        return None


def _ended(data: dict[str, Any]) -> bool:
    """The process a local job's status names has ended, so the job never will. Not
    known (no pid, another machine's process) counts as not ended."""
    pid = data.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    if data.get("host", socket.gethostname()) != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, another user's
    started = data.get("started")
    return started is not None and _started(pid) not in {None, started}


def _write(app: Flask, job_id: str, data: dict[str, Any]) -> None:
    path = _path(app, job_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".job-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _purge(app: Flask, days: int = 7) -> None:
    """Forget the status of jobs that ended more than ``days`` ago."""
    folder = Path(app.instance_path) / "jobs"
    cutoff = time.time() - days * 24 * 3600
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    for entry in entries:
        try:
            if entry.name.endswith(".json") and entry.stat().st_mtime < cutoff:
                os.unlink(entry.path)
        except OSError:
            pass


def _run_local(app, job_id, func_path, args, kwargs, meta) -> None:
    state = {
        "state": "running",
        "done": 0,
        "total": 0,
        "stage": None,
        "meta": meta,
        **_process(),
    }
    lock = threading.Lock()

    def save(progress: dict[str, Any]) -> None:
        with lock:
            state.update(progress)
            _write(app, job_id, state)

    save({})
    token = _current.set(_Current(save))
    try:
        with app.app_context():
            from engage.extensions import db

            try:
                result = _resolve(func_path)(*args, **kwargs)
            finally:
                db.session.remove()
    except Exception:
        log.exception("job %s (%s) failed", job_id, func_path)
        save({"state": "failed", "message": FAILED_MESSAGE})
    else:
        save({"state": "done", "result": result, "done": state["total"] or state["done"]})
    finally:
        _current.reset(token)


# RQ --------------------------------------------------------------------------------------


def run_in_app(func_path: str, args: tuple, kwargs: dict) -> Any:
    """What RQ runs: the job inside an app context (the worker's app, or a new one made
    from the environment), with progress saved in the RQ job's meta."""
    from rq import get_current_job

    from engage.extensions import db

    job = get_current_job()

    def save(progress: dict[str, Any]) -> None:
        if job is not None:
            job.meta.update(progress)
            job.save_meta()

    if has_app_context():
        app = current_app._get_current_object()
    else:
        from engage import create_app

        app = create_app()
    token = _current.set(_Current(save))
    try:
        with app.app_context():
            if os.getpid() != _PID:
                # a forked work horse must not share the parent's pooled connections
                db.engine.dispose(close=False)
            try:
                return _resolve(func_path)(*args, **kwargs)
            finally:
                db.session.remove()
    except Exception:
        log.exception("job %s (%s) failed", job.id if job else "?", func_path)
        raise
    finally:
        _current.reset(token)


_RQ_STATES = {
    "queued": "queued",
    "deferred": "queued",
    "scheduled": "queued",
    "started": "running",
    "finished": "done",
    "failed": "failed",
    "stopped": "failed",
    "canceled": "failed",
}


def _rq_status(app: Flask, job_id: str) -> dict[str, Any] | None:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    queue = _queue(app)
    try:
        job = Job.fetch(job_id, connection=queue.connection)
    except NoSuchJobError:
        return None
    state = _RQ_STATES.get(str(job.get_status(refresh=True).value), "queued")
    meta = job.get_meta(refresh=True) or {}
    result = job.return_value() if state == "done" else None
    done, total = meta.get("done", 0), meta.get("total", 0)
    stage = meta.get("stage")
    if state == "done":
        done = total or done
    elif state == "queued":
        done = total = 0  # not an earlier attempt's progress
        stage = None
    return {
        "state": state,
        "done": done,
        "total": total,
        "stage": stage,
        "message": FAILED_MESSAGE if state == "failed" else None,
        "result": result,
        "meta": meta.get("engage", {}),
    }


def worker(app: Flask, *, burst: bool = False, simple: bool = False) -> None:
    """Run an RQ worker on the app's queue (``engage worker``)."""
    from rq import SimpleWorker, Worker

    queue = _queue(app)
    cls = SimpleWorker if simple else Worker
    cls([queue], connection=queue.connection).work(burst=burst)
