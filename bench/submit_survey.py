"""Benchmark: submitting a 20-question survey through the real form, under gunicorn,
against a bare Flask app on the same database with the same server settings.

    python bench/submit_survey.py --database sqlite|postgresql [--requests 2000]
        [--concurrency 16] [--workers 2] [--duration 10] [--database-url URL]

One run, for one database:

1. setup (in process): the database is emptied and migrated, then an open consultation
   with a survey of exactly 20 questions (four pages of five: FFT, choices, multiple
   choice, Likert, scale, number, date, short and long text, postcode district, one
   question with skip logic) and monitoring; plus the bare app's table;
2. Engage runs under gunicorn as a subprocess (``--serve engage``: sync workers, the
   options of ``engage serve``, the app made in each worker; not ``engage serve`` itself,
   whose workers share the CLI's app context and so one ``flask.g``, which breaks CSRF);
   ``--walk`` respondents walk the journey over HTTP (start page, consent, the four
   question pages, the four "about you" pages) until their draft holds every answer; the
   rest are copies of those drafts with new tokens and the session cookie and CSRF token
   Flask would give them (``--walk-all`` walks everyone); as many copies again are made
   for the floor app (step 4);
3. Engage's survey page 2 (GET, with a respondent's cookie) is loaded with ``wrk`` for
   ``--duration`` seconds; then every prepared respondent's final ``POST .../submit`` is
   fired once, ``--concurrency`` at a time, by a thread pool of raw-socket clients
   (CSRF checked, answers re-validated, response + 20 answer rows + profile written in
   one transaction, 303 to the done page);
4. the server stops and the floor app (create_floor_app: the least any survey journey
   must do for the same two requests, with the same libraries and none of Engage's code:
   Flask's signed session, Flask-WTF's CSRF token, the draft read by its token; the
   submit writes the same rows as Engage's) is served and loaded the same way, with its
   own respondents; what it reaches is the most any implementation could;
5. the floor app stops and the bare app (below) is served by gunicorn with the same options:
   its GET renders a Jinja template whose body is the HTML of that Engage page (so the
   same size, with two variables), loaded by ``wrk`` the same way; its POST does one
   INSERT of one row through SQLAlchemy in the same database, fired the same number of
   times by the same client;
6. the rows are counted: every submitted draft must have become a response.

Targets (the issue): submit >= 40 % of the bare INSERT's requests per second; survey page
GET >= 50 % of the bare template GET's. The client runs on the same machine as the server
(and PostgreSQL): its CPU use is reported. THE DATABASE IS EMPTIED FIRST: SQLite uses a
new file in a temporary folder; PostgreSQL defaults to the database ``bench_web``.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SLUG = "bench-survey"
LOCALE = "en"
SECRET = "bench-secret-key-not-for-production"
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_web"
#: the page of the survey whose GET is measured (three Likert questions, a scale, long text)
GET_PAGE = 2
#: respondents submitted before the timing (first requests in each worker: imports, caches)
WARMUP = 40
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
BARE_TABLE = "bench_bare_rows"


# Setup ------------------------------------------------------------------------------------


def make_app(url: str, instance: str):
    from engage import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "INSTANCE_PATH": instance,
            "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        }
    )


def reset(url: str) -> None:
    from sqlalchemy import create_engine, text

    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(path + suffix):
                os.remove(path + suffix)
        return
    name = url.rsplit("/", 1)[1].split("?")[0]
    if name == "test":
        raise SystemExit("refusing to empty the database named test")
    admin = create_engine(url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if exists.scalar() is None:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def bare_table():
    from sqlalchemy import Column, DateTime, Integer, MetaData, Table, Text

    metadata = MetaData()
    return Table(
        BARE_TABLE,
        metadata,
        Column("id", Integer, primary_key=True),
        Column("created_at", DateTime(timezone=True), nullable=False),
        Column("body", Text, nullable=False),
    )


def build_survey() -> int:
    """An open survey of exactly 20 questions on four pages; returns the count."""
    from engage.accounts import service as accounts
    from engage.accounts.models import OrgKind
    from engage.consultations import service
    from engage.consultations.models import ConsultationStatus
    from engage.extensions import db

    icb = accounts.create_organisation(
        slug="bench-icb", name="Bench ICB", kind=OrgKind.commissioner
    )
    consultation = service.create_consultation(
        actor=None,
        organisation=icb,
        title={"en": "Your GP and hospital care", "ur": "آپ کی جی پی اور ہسپتال کی دیکھ بھال"},
        summary={"en": "Tell us about your last visit."},
        service_area="primary_care",
        languages=["en", "ur"],
        slug="bench",
    )
    service.set_status(consultation, ConsultationStatus.open, actor=None)
    survey = service.create_survey(
        consultation, actor=None, slug=SLUG, intro={"en": "It takes about ten minutes."}
    )
    yes_no = [("yes", {"en": "Yes", "ur": "ہاں"}), ("no", {"en": "No", "ur": "نہیں"})]
    services = [
        ("gp", {"en": "GP surgery"}),
        ("pharmacy", {"en": "Pharmacy"}),
        ("hospital", {"en": "Hospital"}),
        ("dentist", {"en": "Dentist"}),
        ("nhs111", {"en": "NHS 111"}),
        ("walk_in", {"en": "Walk-in centre"}),
    ]
    barriers = [
        ("language", {"en": "Language"}),
        ("transport", {"en": "Transport"}),
        ("times", {"en": "Opening times"}),
        ("cost", {"en": "Cost"}),
        ("none", {"en": "None of these"}),
    ]

    def section(title):
        return service.add_section(survey, title={"en": title})

    def add(sec, key, type_, label=None, **kw):
        service.add_question(
            survey, key=key, type=type_, section=sec, label={"en": label} if label else "", **kw
        )

    one = section("Your visit")
    add(one, "experience", "fft", required=True)
    add(one, "services", "multiple_choice", "Which services did you use?", options=services)
    add(
        one,
        "visit_type",
        "single_choice",
        "How did you see them?",
        options=[("in_person", {"en": "In person"}), ("phone", {"en": "By phone"})],
        required=True,
    )
    add(one, "booked", "single_choice", "Did you book ahead?", options=yes_no)
    add(one, "interpreter", "single_choice", "Did you need an interpreter?", options=yes_no)
    two = section("How it felt")
    add(
        two,
        "why_poor",
        "long_text",
        "What went wrong?",
        show_if={
            "any": [
                {"q": "experience", "op": "eq", "value": "poor"},
                {"q": "experience", "op": "eq", "value": "very_poor"},
            ]
        },
    )
    add(two, "respect", "likert", "Staff treated me with respect", required=True)
    add(two, "listened", "likert", "Staff listened to me")
    add(two, "involved", "likert", "I was involved in decisions about my care")
    add(two, "recommend", "scale", "How likely are you to recommend it?")
    three = section("Getting there")
    add(
        three,
        "visits",
        "number",
        "How many times did you visit this year?",
        settings={"integer": True, "min": 0, "max": 100},
    )
    add(three, "visit_date", "date", "When was your last visit?")
    add(
        three,
        "wait_days",
        "number",
        "How many days did you wait?",
        settings={"integer": True, "min": 0, "max": 365},
    )
    add(three, "barriers", "multiple_choice", "What made it hard?", options=barriers)
    add(three, "language_spoken", "short_text", "Which language did you speak?")
    four = section("Anything else")
    add(four, "summary", "short_text", "Sum it up in a few words")
    add(four, "went_well", "long_text", "What went well?")
    add(four, "to_change", "long_text", "What should change?")
    add(four, "area", "postcode_district", "Where was the service?")
    add(four, "contact", "single_choice", "May we contact you about this?", options=yes_no)
    db.session.commit()
    return len(service.ordered_questions(survey))


def setup(url: str, instance: str) -> None:
    from flask_migrate import upgrade

    reset(url)
    app = make_app(url, instance)
    with app.app_context():
        from engage.extensions import db

        upgrade()
        count = build_survey()
        assert count == 20, count
        # end the session's transaction (on SQLite it holds the write lock) before the DDL
        db.session.remove()
        bare_table().metadata.create_all(db.engine)
        db.engine.dispose()


# The bare app --------------------------------------------------------------------------------


def create_bare_app(url: str | None = None, templates: str | None = None):
    """A tiny Flask app: ``GET /page`` renders ``page.html``; ``POST /insert`` inserts one
    row through SQLAlchemy and redirects. Also usable as
    ``gunicorn 'bench.submit_survey:create_bare_app()'`` with BENCH_BARE_DATABASE_URL and
    BENCH_BARE_TEMPLATES set."""
    from datetime import UTC, datetime

    from flask import Flask, redirect, render_template, request

    url = url or os.environ["BENCH_BARE_DATABASE_URL"]
    templates = templates or os.environ["BENCH_BARE_TEMPLATES"]
    app = Flask("bare", template_folder=templates)
    engine = _bare_engine(url)  # the same connection settings as Engage's
    table = bare_table()

    @app.get("/page")
    def page():
        return render_template("page.html", title="Your GP and hospital care", csrf_token="x" * 91)

    @app.post("/insert")
    def insert():
        with engine.begin() as conn:
            conn.execute(
                table.insert().values(
                    created_at=datetime.now(UTC), body=request.form.get("csrf_token", "")
                )
            )
        return redirect("/done", code=303)

    return app


def _bare_engine(url: str):
    """An engine with Engage's SQLite connection settings (engage/__init__.py)."""
    from sqlalchemy import create_engine, event

    engine = create_engine(url, hide_parameters=True)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def on_connect(dbapi_connection, connection_record):
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA wal_autocheckpoint=10000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def on_begin(conn):
            conn.exec_driver_sql("BEGIN")

    return engine


def create_floor_app(url: str | None = None, templates: str | None = None):
    """The floor: the least a survey journey's page and submit must do, with the same
    libraries and nothing of Engage's own code. Flask's signed session (Engage's cookie,
    read with the same key), Flask-WTF's CSRF protection, and the draft read by the hash
    of the token the session holds. ``GET /page`` reads the draft (one Core SELECT) and
    renders the bare app's template with a CSRF token. ``POST /submit`` checks the CSRF
    token, reads the draft, and in one transaction writes what a submission writes to the
    same tables (a response row, 22 answer rows and a profile, copied from the first
    response Engage stored: no checking of answers, no survey, no monitoring logic) and
    marks the draft submitted; 303.

    No survey application can do less for the same request, so Engage's ratio to the
    bare app cannot pass the floor's: the floor tells what part of a target the stack
    itself takes. Also ``gunicorn 'bench.submit_survey:create_floor_app()'``."""
    import hashlib
    import secrets
    from datetime import UTC, datetime, timedelta

    from flask import Flask, abort, redirect, render_template, session
    from flask_wtf.csrf import CSRFProtect, generate_csrf
    from sqlalchemy import MetaData, bindparam, select

    url = url or os.environ["BENCH_BARE_DATABASE_URL"]
    templates = templates or os.environ["BENCH_BARE_TEMPLATES"]
    app = Flask("floor", template_folder=templates)
    app.config.update(
        SECRET_KEY=SECRET,
        SESSION_COOKIE_NAME="engage_session",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=12),
        WTF_CSRF_TIME_LIMIT=None,
    )
    CSRFProtect(app)
    engine = _bare_engine(url)
    metadata = MetaData()
    metadata.reflect(engine, only=["responses", "answers", "response_profiles", "response_drafts"])
    tables = metadata.tables
    drafts, responses = tables["response_drafts"], tables["responses"]
    answers, profiles = tables["answers"], tables["response_profiles"]
    find = select(drafts).where(drafts.c.token_hash == bindparam("h"))
    with engine.connect() as conn:
        first = conn.execute(select(responses.c.id).order_by(responses.c.id).limit(1)).scalar()
        answer_rows = [
            {k: v for k, v in row.items() if k not in ("id", "response_id")}
            for row in conn.execute(
                select(answers).where(answers.c.response_id == first)
            ).mappings()
        ]
        profile_row = {
            k: v
            for k, v in conn.execute(select(profiles).where(profiles.c.response_id == first))
            .mappings()
            .one()
            .items()
            if k not in ("id", "response_id")
        }

    def draft(conn):
        [token] = (session.get("drafts") or {"": ""}).values()
        digest = hashlib.sha256(token.encode()).hexdigest()
        row = conn.execute(find, {"h": digest}).mappings().first()
        if row is None:
            abort(404)
        return row

    @app.get("/page")
    def page():
        with engine.connect() as conn:
            row = draft(conn)
        return render_template("page.html", title=row["locale"], csrf_token=generate_csrf())

    @app.post("/submit")
    def submit():
        with engine.connect() as conn:  # read first: the write lock is taken by the INSERT
            row = draft(conn)
        with engine.begin() as conn:
            now = datetime.now(UTC)
            reference = secrets.token_hex(5).upper()
            response_id = conn.execute(
                responses.insert().returning(responses.c.id),
                {
                    "survey_id": row["survey_id"],
                    "reference": reference,
                    "submission_key": row["token_hash"],
                    "channel": row["channel"],
                    "locale": row["locale"],
                    "submitted_at": now,
                },
            ).scalar()
            conn.execute(answers.insert(), [{**a, "response_id": response_id} for a in answer_rows])
            conn.execute(profiles.insert(), {**profile_row, "response_id": response_id})
            conn.execute(
                drafts.update().where(drafts.c.id == row["id"]),
                {
                    "response_id": response_id,
                    "reference": reference,
                    "answers": {},
                    "profile": {},
                    "updated_at": now,
                },
            )
        return redirect("/done", code=303)

    return app


def gunicorn_options(bind: str, workers: int) -> dict:
    """The options ``engage serve`` gives gunicorn (engage/cli.py), for the bare app."""
    from engage.logs import gunicorn_logger_class

    return {
        "bind": bind,
        "workers": workers,
        "accesslog": "-",
        "access_log_format": '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss',
        "forwarded_allow_ips": "127.0.0.1",
        "logger_class": gunicorn_logger_class(),
    }


def immediate_writes(app) -> None:
    """What-if, never in the product: on SQLite, requests other than GET and HEAD start
    their transaction with BEGIN IMMEDIATE (it takes the write lock first, so a request
    that reads and then writes waits for the other writer instead of failing at once
    with "database is locked")."""
    from flask import has_request_context, request
    from sqlalchemy import event

    from engage.extensions import db

    with app.app_context():
        engine = db.engine
    for listener in list(engine.dispatch.begin):
        if getattr(listener, "__name__", "") == "on_begin":
            event.remove(engine, "begin", listener)

    @event.listens_for(engine, "begin")
    def on_begin(conn):
        write = has_request_context() and request.method not in ("GET", "HEAD")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def serve(which: str, url: str, templates: str, bind: str, workers: int) -> None:
    """gunicorn with ``engage serve``'s options; each worker makes its own app."""
    from gunicorn.app.base import BaseApplication

    options = gunicorn_options(bind, workers)

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            if which == "bare":
                return create_bare_app(url, templates)
            if which == "floor":
                return create_floor_app(url, templates)
            from engage import create_app

            app = create_app()  # configured by the ENGAGE_* environment
            if os.environ.get("BENCH_IMMEDIATE") and url.startswith("sqlite"):
                immediate_writes(app)
            return app

    sys.argv = [sys.argv[0]]
    Server().run()


# Servers -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def server_cpu(server: Server) -> float:
    """Seconds of CPU used so far by the server's worker processes (children of the
    gunicorn master)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == server.process.pid:  # ppid
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def measured(server: Server, load):
    """Run ``load()`` (which returns a Load) and add the server's CPU and the load average."""
    before = server_cpu(server)
    result = load()
    result.server_cpu = server_cpu(server) - before
    result.loadavg = os.getloadavg()[0]
    return result


def wait_ready(server: Server, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"the server stopped: see {server.log}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            conn.request("GET", path)
            status = conn.getresponse().status
            conn.close()
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server did not answer in {timeout} s: see {server.log}")


def clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if not k.startswith(("ENGAGE_", "BENCH_"))}


def start_server(
    which: str, url: str, instance: str, workers: int, workdir: str, immediate: bool = False
) -> Server:
    port = free_port()
    env = (
        clean_env()
        | {"BENCH_IMMEDIATE": "1" if immediate else ""}
        | {
            "ENGAGE_DATABASE_URL": url,
            "ENGAGE_SECRET_KEY": SECRET,
            "ENGAGE_SESSION_COOKIE_SECURE": "false",
            "ENGAGE_INSTANCE_PATH": instance,
        }
    )
    templates = os.path.join(workdir, "templates")
    command = [sys.executable, __file__, "--serve", which, url, templates, f"127.0.0.1:{port}"]
    command += ["--workers", str(workers)]
    log = Path(workdir) / f"{which}-server.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=out, cwd=workdir)  # noqa: S603
    server = Server(process, port, log)
    wait_ready(server, f"/{LOCALE}/surveys/{SLUG}" if which == "engage" else "/page")
    return server


# Respondents ---------------------------------------------------------------------------------


class Browser:
    """Just enough of a browser: cookies, forms, no redirects followed."""

    lock = threading.Lock()
    server_errors = 0

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None):
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.split(";", 1)[0].partition("=")
                self.cookies[name.strip()] = rest
            return response.status, response.headers.get("Location", ""), text
        finally:
            conn.close()

    def post(self, path: str, form: dict, token: str) -> str:
        for _attempt in range(100):
            status, location, text = self.request("POST", path, {**form, "csrf_token": token})
            if status != 500:
                break
            # SQLite: "database is locked" (see the report); preparing is not timed
            with Browser.lock:
                Browser.server_errors += 1
            time.sleep(random.uniform(0.01, 0.1))
        if status != 302:
            raise RuntimeError(f"POST {path}: {status}\n{text[-2000:]}")
        return location.removeprefix(f"http://127.0.0.1:{self.port}")


TEXT = (
    "the wait was long and staff were kind but the receptionist could not find an "
    "interpreter so my daughter translated for me again appointments by phone are hard "
    "when english is not your first language clinic parking letters leaflets"
)
WORDS = TEXT.split()


def answers_for(rng: random.Random) -> list[dict]:
    """Answers to the four question pages: all 20 questions answered."""

    def text(n):
        return " ".join(rng.choice(WORDS) for _ in range(n))

    likert = ["strongly_agree", "agree", "neither", "disagree", "strongly_disagree"]
    return [
        {
            "experience": rng.choice(["poor", "very_poor"]),  # so why_poor is shown
            "services": rng.sample(["gp", "pharmacy", "hospital", "dentist", "nhs111"], 2),
            "visit_type": rng.choice(["in_person", "phone"]),
            "booked": rng.choice(["yes", "no"]),
            "interpreter": rng.choice(["yes", "no"]),
        },
        {
            "why_poor": text(25),
            "respect": rng.choice(likert),
            "listened": rng.choice(likert),
            "involved": rng.choice(likert),
            "recommend": str(rng.randint(0, 10)),
        },
        {
            "visits": str(rng.randint(1, 20)),
            "visit_date": f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/2025",
            "wait_days": str(rng.randint(0, 60)),
            "barriers": rng.sample(["language", "transport", "times", "cost"], 2),
            "language_spoken": rng.choice(["Urdu", "Punjabi", "English", "Bengali"]),
        },
        {
            "summary": text(5),
            "went_well": text(30),
            "to_change": text(40),
            "area": rng.choice(["bl1 4aa", "M14", "OL1 1AA", "BB1"]),
            "contact": "no",
        },
    ]


@dataclass
class Respondent:
    cookie: str
    token: str


class TestBrowser(Browser):
    """The same, through Flask's test client (for --profile)."""

    def __init__(self, client):
        super().__init__(0)
        self.client = client

    def request(self, method: str, path: str, form: dict | None = None):
        response = self.client.open(path, method=method, data=form)
        return response.status_code, response.headers.get("Location", ""), response.text


def walk(port: int, seed: int, browser: Browser | None = None) -> Respondent:
    """The journey up to the check page, as a browser would; the draft then holds every
    answer and the monitoring answers."""
    rng = random.Random(seed)
    browser = browser or Browser(port)
    start = f"/{LOCALE}/surveys/{SLUG}"
    status, _, html = browser.request("GET", start)
    match = CSRF_RE.search(html)
    if status != 200 or not match:
        raise RuntimeError(f"GET {start}: {status}")
    token = match.group(1)
    url = browser.post(start, {"consent": "y"}, token)
    for page in answers_for(rng):
        url = browser.post(url, page, token)
    url = browser.post(url, {"consent": "yes"}, token)
    url = browser.post(url, {"ethnic_group_broad": "asian"}, token)
    group = rng.choice(["asian_pakistani", "asian_bangladeshi", "asian_indian"])
    url = browser.post(url, {"ethnic_group": group}, token)
    more = {
        "language": rng.choice(["ur", "pa", "bn", "en"]),
        "religion": rng.choice(["muslim", "sikh", "hindu", "no_religion"]),
        "age_band": rng.choice(["25_34", "35_44", "45_54"]),
        "sex": rng.choice(["female", "male"]),
        "disability": "no",
        "carer": rng.choice(["yes", "no"]),
        "postcode_district": "bl1",
    }
    url = browser.post(url, more, token)
    if not url.endswith("/check"):
        raise RuntimeError(f"the journey ended at {url}, not the check page")
    cookie = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    return Respondent(cookie, token)


def prepare(port: int, count: int, threads: int) -> list[Respondent]:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(lambda i: walk(port, 1000 + i), range(count)))


def copy_respondents(
    url: str, instance: str, walked: list[Respondent], count: int
) -> list[Respondent]:
    """``count`` more respondents at the check page, without walking: copies of the drafts
    that the walked respondents' answers made (the same answers, profile and consent, a new
    token), each with the session cookie and CSRF token that Flask and Flask-WTF would
    have given it (signed with the same key)."""
    import hashlib
    import secrets

    from itsdangerous import URLSafeTimedSerializer
    from sqlalchemy import insert, inspect, select

    from engage.extensions import db
    from engage.responses.models import Draft
    from engage.responses.service import token_digest

    app = make_app(url, instance)
    name = app.config["SESSION_COOKIE_NAME"]
    with app.app_context():
        sessions = app.session_interface.get_signing_serializer(app)
        csrf = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token")
        columns = [a.key for a in inspect(Draft).column_attrs if a.key not in ("id", "token_hash")]
        sources = []
        for respondent in walked:
            cookies = dict(c.split("=", 1) for c in respondent.cookie.split("; "))
            data = sessions.loads(cookies[name])
            [(survey_id, token)] = data["drafts"].items()
            draft = db.session.scalar(select(Draft).where(Draft.token_hash == token_digest(token)))
            sources.append((cookies, data, survey_id, {k: getattr(draft, k) for k in columns}))
        rows, copies = [], []
        for i in range(count):
            cookies, data, survey_id, values = sources[i % len(sources)]
            token = secrets.token_urlsafe(24)
            raw = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 - as Flask-WTF does
            rows.append({**values, "token_hash": token_digest(token)})
            session = {**data, "csrf_token": raw, "drafts": {survey_id: token}}
            cookie = {**cookies, name: sessions.dumps(session)}
            copies.append(
                Respondent("; ".join(f"{k}={v}" for k, v in cookie.items()), csrf.dumps(raw))
            )
        for start in range(0, len(rows), 1000):
            db.session.execute(insert(Draft), rows[start : start + 1000])
        db.session.commit()
        db.engine.dispose()
    return copies


# Load ---------------------------------------------------------------------------------------


def raw_post(path: str, port: int, cookie: str, body: str) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        f"Cookie: {cookie}",
        "Content-Type: application/x-www-form-urlencoded",
        f"Content-Length: {len(body.encode())}",
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()


@dataclass
class Load:
    requests: int
    seconds: float
    statuses: dict[int, int]
    client_cpu: float  # seconds of CPU the client used
    latencies: list[float] = field(default_factory=list)
    server_cpu: float = 0.0  # seconds of CPU the gunicorn workers used
    loadavg: float = 0.0  # the machine's 1-minute load average at the end

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    @property
    def errors(self) -> int:
        return sum(n for s, n in self.statuses.items() if not 200 <= s < 400)

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] * 1000


def fire(port: int, payloads: list[bytes], concurrency: int) -> Load:
    """Send each request once, ``concurrency`` at a time (one connection each, as
    gunicorn's sync workers close it), reading every response to its end."""
    statuses = [0] * len(payloads)
    latencies = [0.0] * len(payloads)
    counter = itertools.count()

    def one(payload: bytes) -> int:
        with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
            s.sendall(payload)
            chunks = []
            while chunk := s.recv(65536):
                chunks.append(chunk)
        head = b"".join(chunks)[:12]
        return int(head[9:12]) if head.startswith(b"HTTP/") else -1

    def worker():
        while (i := next(counter)) < len(payloads):
            started = time.perf_counter()
            try:
                statuses[i] = one(payloads[i])
            except OSError:
                statuses[i] = -1
            latencies[i] = time.perf_counter() - started

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    cpu = time.process_time()
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    counts: dict[int, int] = {}
    for s in statuses:
        counts[s] = counts.get(s, 0) + 1
    return Load(len(payloads), seconds, counts, cpu, latencies)


def wrk(url: str, cookie: str | None, concurrency: int, seconds: int) -> Load:
    """GET ``url`` for ``seconds`` with wrk (one thread, ``concurrency`` connections)."""
    command = ["wrk", "-t1", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "30s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    output = subprocess.run([*command, url], check=True, capture_output=True, text=True).stdout  # noqa: S603
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    total = re.search(r"(\d+) requests in ([\d.]+)(m?s)", output)
    if not total:
        raise RuntimeError(output)
    count = int(total.group(1))
    elapsed = float(total.group(2)) / (1000 if total.group(3) == "ms" else 1)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    statuses = {200: count - (int(bad.group(1)) if bad else 0)}
    if bad:
        statuses[0] = int(bad.group(1))
    if socket_errors:
        failed = sum(int(n) for n in re.findall(r"\w+ (\d+)", socket_errors.group(1)))
        if failed:
            statuses[-1] = failed
    return Load(count, elapsed, statuses, cpu)


def get_once(port: int, path: str, cookie: str | None = None) -> str:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = conn.getresponse()
    body = response.read().decode()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"GET {path}: {response.status}")
    return body


def bare_template(html: str, directory: str) -> int:
    """Engage's page as the bare app's template, with two variables; returns its size."""
    if any(mark in html for mark in ("{{", "{%", "{#")):
        html = html.replace("{", "{{ '{' }}")
    html = CSRF_RE.sub(lambda m: m.group(0).replace(m.group(1), "{{ csrf_token }}"), html)
    html = re.sub(r"<title>.*?</title>", "<title>{{ title }}</title>", html, count=1, flags=re.S)
    os.makedirs(directory, exist_ok=True)
    Path(directory, "page.html").write_text(html, encoding="utf-8")
    return len(html.encode())


# Checks -------------------------------------------------------------------------------------


def load_both(server: Server, label: str, post_path: str, viewer, posters, args, say):
    """The floor's or the bare app's loads, as Engage's: ``GET /page`` by wrk (with the
    viewer's cookie, if any), then each poster's POST once (the first WARMUP not timed).
    Returns (GET load, warm-up POST load, timed POST load)."""
    cookie = viewer.cookie if viewer is not None else None
    get_once(server.port, "/page", cookie)
    url = f"http://127.0.0.1:{server.port}/page"
    wrk(url, cookie, args.concurrency, 2)  # warm-up
    get = measured(server, lambda: wrk(url, cookie, args.concurrency, args.duration))
    say(f"{label} GET: {get.rps:.0f}/s")

    def posts(group):
        return [
            raw_post(post_path, server.port, p.cookie, urlencode({"csrf_token": p.token}))
            for p in group
        ]

    warm = fire(server.port, posts(posters[:WARMUP]), args.concurrency)
    payloads = posts(posters[WARMUP:])
    post = measured(server, lambda: fire(server.port, payloads, args.concurrency))
    say(f"{label} POST: {post.rps:.0f}/s")
    return get, warm, post


def counts(url: str, instance: str) -> dict[str, int]:
    from sqlalchemy import func, select, text

    from engage.extensions import db
    from engage.responses.models import Answer, Draft, Profile, Response

    app = make_app(url, instance)
    with app.app_context():

        def count(model, *where):
            return db.session.scalar(select(func.count()).select_from(model).where(*where))

        result = {
            "responses": count(Response),
            "answers": count(Answer),
            "profiles": count(Profile),
            "drafts": count(Draft),
            "drafts_submitted": count(
                Draft, Draft.response_id.is_not(None), Draft.reference.is_not(None)
            ),
            "bare_rows": db.session.scalar(text(f"SELECT count(*) FROM {BARE_TABLE}")),  # noqa: S608
        }
        db.engine.dispose()
    return result


def profile(count: int) -> None:
    """cProfile, in process (test client, SQLite): the survey page GET and the submit."""
    import cProfile
    import pstats

    from sqlalchemy import event

    from engage.extensions import db

    workdir = tempfile.mkdtemp(prefix="engage-bench-profile-")
    instance = os.path.join(workdir, "instance")
    url = f"sqlite:///{workdir}/bench.sqlite"
    setup(url, instance)
    app = make_app(url, instance)
    app.config["SESSION_COOKIE_SECURE"] = False
    browsers = [TestBrowser(app.test_client()) for _ in range(2 * count + 1)]
    tokens = [walk(0, 1000 + i, b).token for i, b in enumerate(browsers)]
    page = f"/{LOCALE}/surveys/{SLUG}/page/{GET_PAGE}"
    submit = f"/{LOCALE}/surveys/{SLUG}/submit"
    viewer = browsers.pop(0)
    tokens.pop(0)
    with app.app_context():
        engine = db.engine
    statements = [0]

    @event.listens_for(engine, "before_cursor_execute")
    def count_statement(*_args):
        statements[0] += 1

    def get():
        assert viewer.request("GET", page)[0] == 200

    def post():
        browser, token = browsers.pop(), tokens.pop()
        assert browser.request("POST", submit, {"csrf_token": token})[0] == 303

    for label, call in (("survey page GET", get), ("submit", post)):
        call()  # warm
        statements[0] = 0
        started = time.perf_counter()
        for _ in range(count):
            call()
        plain = (time.perf_counter() - started) / count * 1000
        per_request = statements[0] / count
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(count - 1):
            call()
        profiler.disable()
        print(
            f"\n## {label}: {plain:.1f} ms a request in process (no profiler), "
            f"{per_request:.0f} SQL statements"
        )
        stats = pstats.Stats(profiler, stream=sys.stdout)
        stats.sort_stats("cumulative").print_stats(
            r"engage/|templates/|nhsuk_frontend_jinja/.*macro|flask_wtf|session.py.*commit", 30
        )
    shutil.rmtree(workdir, ignore_errors=True)


# Main ---------------------------------------------------------------------------------------


def run(args) -> dict:
    workdir = tempfile.mkdtemp(prefix="engage-bench-web-")
    instance = os.path.join(workdir, "instance")
    url = (
        f"sqlite:///{workdir}/bench.sqlite"
        if args.database == "sqlite"
        else (args.database_url or PG_DEFAULT)
    )
    say = lambda text: print(text, file=sys.stderr, flush=True)  # noqa: E731
    say(f"workdir {workdir}; database {url.split('@')[-1]}")
    setup(url, instance)
    if args.without_group_indexes or args.one_group_index:
        from benchdb import group_indexes_what_if

        group_indexes_what_if(url, one=args.one_group_index)
    submit_path = f"/{LOCALE}/surveys/{SLUG}/submit"
    page_path = f"/{LOCALE}/surveys/{SLUG}/page/{GET_PAGE}"
    result: dict = {
        "database": args.database,
        "nproc": os.cpu_count(),
        "workers": args.workers,
        "requests": args.requests,
        "concurrency": args.concurrency,
        "get_seconds": args.duration,
        "immediate": bool(args.immediate and args.database == "sqlite"),
        "without_group_indexes": args.without_group_indexes and not args.one_group_index,
        "one_group_index": args.one_group_index,
        "walked": min(args.requests + WARMUP + 1, args.walk),
    }

    engage = start_server("engage", url, instance, args.workers, workdir, args.immediate)
    try:
        started = time.perf_counter()
        total = args.requests + WARMUP + 1
        walked = min(total, total if args.walk_all else args.walk)
        people = prepare(engage.port, walked, args.prepare_threads)
        people += copy_respondents(url, instance, people, total - walked)
        # the floor app's own respondents (copies too, made while the drafts hold answers)
        floor_people = copy_respondents(url, instance, people[:walked], total)
        say(
            f"{walked} respondents walked the journey, {total - walked} copied, in "
            f"{time.perf_counter() - started:.0f} s ({Browser.server_errors} retries after a 500)"
        )
        result["prepare_500s"] = Browser.server_errors
        viewer, warmup, people = people[0], people[1 : WARMUP + 1], people[WARMUP + 1 :]
        html = get_once(engage.port, page_path, viewer.cookie)
        result["page_bytes"] = len(html.encode())
        template_bytes = bare_template(html, os.path.join(workdir, "templates"))
        page_url = f"http://127.0.0.1:{engage.port}{page_path}"
        wrk(page_url, viewer.cookie, args.concurrency, 2)  # warm-up
        engage_get = measured(
            engage, lambda: wrk(page_url, viewer.cookie, args.concurrency, args.duration)
        )
        say(f"Engage GET page {GET_PAGE}: {engage_get.rps:.0f}/s")

        def submits(group):
            return [
                raw_post(submit_path, engage.port, p.cookie, urlencode({"csrf_token": p.token}))
                for p in group
            ]

        warm = fire(engage.port, submits(warmup), args.concurrency)
        payloads = submits(people)
        engage_post = measured(engage, lambda: fire(engage.port, payloads, args.concurrency))
        say(f"Engage submit: {engage_post.rps:.0f}/s")
        if warm.errors or set(engage_post.statuses) - {303}:
            say(f"unexpected statuses: warm-up {warm.statuses}, timed {engage_post.statuses}")
    finally:
        engage.stop()

    floor = start_server("floor", url, instance, args.workers, workdir, args.immediate)
    try:
        floor_get, floor_warm, floor_post = load_both(
            floor, "floor", "/submit", floor_people[0], floor_people[1:], args, say
        )
    finally:
        floor.stop()

    bare = start_server("bare", url, instance, args.workers, workdir, args.immediate)
    try:
        result["bare_page_bytes"] = len(get_once(bare.port, "/page").encode())
        result["template_bytes"] = template_bytes
        # the bare app reads no cookie; its POSTs carry the same cookies and bodies as Engage's
        bare_get, bare_warm, bare_post = load_both(
            bare, "bare", "/insert", None, [*warmup, *people], args, say
        )
    finally:
        bare.stop()

    stored = counts(url, instance)
    submitted = warm.statuses.get(303, 0) + engage_post.statuses.get(303, 0)
    floor_submitted = floor_warm.statuses.get(303, 0) + floor_post.statuses.get(303, 0)
    inserted = bare_warm.statuses.get(303, 0) + bare_post.statuses.get(303, 0)
    questions = 20
    result["rows"] = stored
    result["submits_answered_303"] = submitted
    result["floor_submitted"] = floor_submitted
    result["rows_ok"] = (
        stored["responses"] == submitted + floor_submitted
        and stored["drafts_submitted"] == submitted + floor_submitted
        and stored["drafts"] == 2 * (args.requests + WARMUP + 1)
        and stored["answers"] >= questions * (submitted + floor_submitted)
        and stored["profiles"] == submitted + floor_submitted
        and stored["bare_rows"] == inserted
        and floor_submitted == args.requests + WARMUP
    )
    for name, load in (
        ("engage_submit", engage_post),
        ("bare_insert", bare_post),
        ("engage_get", engage_get),
        ("bare_get", bare_get),
        ("floor_submit", floor_post),
        ("floor_get", floor_get),
    ):
        result[name] = {
            "requests": load.requests,
            "seconds": round(load.seconds, 2),
            "rps": round(load.rps, 1),
            "errors": load.errors,
            "statuses": load.statuses,
            "client_cpu_share": round(load.client_cpu / load.seconds / (os.cpu_count() or 1), 3),
            "server_cpu_ms": round(load.server_cpu / load.requests * 1000, 2),
            "loadavg": round(load.loadavg, 1),
        }
        if load.latencies:
            result[name]["p50_ms"] = round(load.percentile(50), 1)
            result[name]["p95_ms"] = round(load.percentile(95), 1)
    result["submit_ratio"] = round(engage_post.rps / bare_post.rps, 3)
    result["get_ratio"] = round(engage_get.rps / bare_get.rps, 3)
    result["floor_submit_ratio"] = round(floor_post.rps / bare_post.rps, 3)
    result["floor_get_ratio"] = round(floor_get.rps / bare_get.rps, 3)
    # what the ratios would be if the server's CPU were the only limit
    result["submit_cpu_ratio"] = round(
        bare_post.server_cpu / bare_post.requests / (engage_post.server_cpu / engage_post.requests),
        3,
    )
    result["get_cpu_ratio"] = round(
        bare_get.server_cpu / bare_get.requests / (engage_get.server_cpu / engage_get.requests), 3
    )
    shutil.rmtree(workdir, ignore_errors=True)
    return result


def table(result: dict) -> str:
    r = result
    db_name = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[r["database"]]
    if r.get("immediate"):
        db_name += " (what-if: BEGIN IMMEDIATE)"
    if r.get("without_group_indexes"):
        db_name += " (what-if: no covering indexes)"
    if r.get("one_group_index"):
        db_name += " (what-if: one covering index)"

    def row(label, key, target=None, ratio=None, cpu_ratio=None):
        load = r[key]
        extra = ""
        if ratio is not None:
            verdict = "met" if ratio >= target and not load["errors"] else "MISSED"
            extra = f"**{ratio:.2f}** (≥ {target:.2f}: {verdict}); by server CPU {cpu_ratio:.2f}"
        return (
            f"| {db_name} | {label} | {load['rps']:.0f} | {load['requests']} | "
            f"{load['errors']} | {load['server_cpu_ms']:.1f} | "
            f"{load['client_cpu_share'] * 100:.0f} % | {load['loadavg']:.1f} | {extra} |"
        )

    def floor_row(label, key):
        if key not in r:  # figures written before the floor was measured
            return ""
        ratio = r[f"{key}_ratio"]
        return row(label, key)[: -len(" |")] + f"floor / bare {ratio:.2f} |"

    lines = [
        f"gunicorn {r['workers']} sync workers for all apps, {r['concurrency']} concurrent "
        f"clients, nproc {r['nproc']} (clients, servers and database on the same machine); "
        f"survey page {r['page_bytes']:,} bytes, bare page {r['bare_page_bytes']:,} bytes; "
        f"GETs by wrk for {r['get_seconds']} s, POSTs (one per prepared respondent) by a "
        "Python thread pool.",
        "",
        "| database | request | req/s | requests | errors | server CPU ms/req "
        "| client CPU | load avg | Engage / bare |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
        row(
            "Engage: submit a 20-question survey",
            "engage_submit",
            0.40,
            r["submit_ratio"],
            r["submit_cpu_ratio"],
        ),
        row("bare Flask: one INSERT", "bare_insert"),
        floor_row("floor: CSRF, draft read, the same rows written", "floor_submit"),
        row("Engage: survey page GET", "engage_get", 0.50, r["get_ratio"], r["get_cpu_ratio"]),
        row("bare Flask: template of the same size", "bare_get"),
        floor_row("floor: session, draft read, CSRF token, the bare template", "floor_get"),
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--database-url", help=f"PostgreSQL, emptied first! [{PG_DEFAULT}]")
    parser.add_argument("--requests", type=int, default=2000, help="submits (and INSERTs)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers, both apps")
    parser.add_argument("--duration", type=int, default=10, help="seconds of each GET load")
    parser.add_argument("--prepare-threads", type=int, default=8)
    parser.add_argument(
        "--walk", type=int, default=100, help="respondents who walk the journey over HTTP"
    )
    parser.add_argument(
        "--walk-all",
        action="store_true",
        help="every respondent walks the journey (slow) instead of copies of --walk drafts",
    )
    parser.add_argument(
        "--immediate",
        action="store_true",
        help="what-if on SQLite: BEGIN IMMEDIATE for requests other than GET (both apps)",
    )
    parser.add_argument(
        "--without-group-indexes",
        action="store_true",
        help="what-if: drop the answers' covering indexes of results by community after "
        "the setup (what each submit writes to them is what the results are fast by)",
    )
    parser.add_argument(
        "--one-group-index",
        action="store_true",
        help="what-if: the eight covering indexes replaced by one holding every group "
        "column (bench/results_query.py --one-group-index: what results pay for it)",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument(
        "--serve", nargs=4, metavar=("APP", "URL", "TEMPLATES", "BIND"), help=argparse.SUPPRESS
    )
    parser.add_argument(
        "--profile", action="store_true", help="only cProfile the page GET and submit in process"
    )
    args = parser.parse_args()
    if args.profile:
        profile(30)
        return
    if args.serve:
        serve(*args.serve, args.workers)
        return
    if not 1 <= args.requests <= 20000 or not 1 <= args.concurrency <= 64:
        parser.error("--requests 1..20000, --concurrency 1..64")
    if not 1 <= args.duration <= 120:
        parser.error("--duration 1..120")
    if shutil.which("wrk") is None:
        parser.error("wrk is needed for the GET loads: apt-get install wrk")
    result = run(args)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    print(table(result))
    print()
    print(
        f"rows after the run: {result['rows']} ({'as expected' if result['rows_ok'] else 'WRONG'})"
    )
    if not result["rows_ok"] or any(
        result[k]["errors"]
        for k in (
            "engage_submit",
            "bare_insert",
            "engage_get",
            "bare_get",
            "floor_submit",
            "floor_get",
        )
    ):
        sys.exit(1)


if __name__ == "__main__":
    main()
