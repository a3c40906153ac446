"""Benchmark: results by ethnic group against the best hand-written GROUP BY.

    python bench/results_query.py [--responses 50000] [--repeat 5] [--database-url URL]
        [--profile]

One run, on one database:

1. the database is emptied and migrated; an open survey of 20 questions with results
   (FFT, Likert, 0-10 scale, single and multiple choice, number) is made with the
   services, and ``--responses`` responses (23.5 answer rows each: multiple-choice
   answers have a row per option) with a realistic spread of monitoring answers (large
   and very small ethnic groups, "prefer not to say", no answer, no monitoring at all)
   are written with Core ``executemany``, each answer carrying its response's groups
   exactly as ``engage.responses.models.group_values`` gives them; then ANALYZE
   (PostgreSQL: VACUUM ANALYZE, so that index-only scans see an all-visible table);
2. ``--repeat`` rounds, each measuring side by side:

   (a) the floor: one ``GROUP BY question_id, ethnic_group, option_id, number`` over the
       answers of the survey's questions, an index(-only) scan of the covering index
       ``ix_answers_by_ethnic_group``, run on the raw DBAPI connection, every row fetched
       (on PostgreSQL also held to the index-only scan with ``enable_seqscan`` off; the
       faster of the two is the floor);
   (b) the first, uncached results API call ``by=ethnic_group`` (an analyst's bearer
       token, through Flask's test client; the whole request);
   (c) the results page with all questions, uncached (a logged-in analyst; with the
       completeness panel and who we heard from against Bolton's Census figures);
   (d) the same page again, from the cache;
   (e) the floor's query with the group taken from ``response_profiles`` by a join
       instead of the group stored on the answer (why the group is stored).

   Before (b) and (c) the results cache is emptied, as a new response would make it.
   Until the API route or the page exists, (b) and (c) call
   ``engage.insights.results.results`` in a request context instead, and say so.

The targets (the issue): (b) <= 3 x (a); (c) <= 5 x (a). It prints the SQL statements
each request ran and a markdown table for bench/README.md. ``--profile`` adds a
cProfile of one uncached (b) and (c), and the time of each statement of (c) run
again alone.

THE DATABASE IS EMPTIED FIRST. The default is a new SQLite file in a temporary folder;
give --database-url only for a throwaway database.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import re
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchdb import reset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SLUG = "bench-results"
SECRET = "bench-secret-key-not-for-production"
ANALYST = "analyst@example.org"
PASSWORD = "bench password, not for production"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
#: the local authority the page compares respondents with (Bolton)
AREA = "E08000001"
API_PATH = "/api/v1/surveys/<slug>/results"
PAGE_PATH = "/<locale>/surveys/<slug>/results"
#: responses per executemany batch
BATCH = 2000

#: respondents' ethnic groups, weighted roughly as in a mixed northern town: a few large
#: groups, many small ones (Gypsy or Irish Traveller and Roma a handful in 50,000),
#: "prefer not to say" and no answer
ETHNIC = {
    "white_british": 560,
    "asian_pakistani": 95,
    "asian_indian": 60,
    "white_other": 35,
    "black_african": 30,
    "asian_bangladeshi": 20,
    "asian_other": 15,
    "black_caribbean": 10,
    "asian_chinese": 8,
    "mixed_white_asian": 8,
    "mixed_white_black_caribbean": 8,
    "white_irish": 6,
    "other_arab": 6,
    "mixed_other": 5,
    "other_any": 5,
    "mixed_white_black_african": 4,
    "black_other": 3,
    "white_gypsy_traveller": 0.5,
    "white_roma": 0.3,
    "not_stated": 45,
    None: 30,
}
LANGUAGE = {"en": 80, "ur": 6, "pa": 4, "bn": 2, "gu": 2, "pl": 2, "ar": 1, "so": 1, None: 6}
RELIGION = {
    "christian": 40,
    "no_religion": 30,
    "muslim": 14,
    "hindu": 3,
    "sikh": 1,
    "jewish": 0.5,
    "buddhist": 0.5,
    "other": 1,
    "not_stated": 4,
    None: 6,
}
AGE = {
    "16_24": 10,
    "25_34": 15,
    "35_44": 16,
    "45_54": 16,
    "55_64": 16,
    "65_74": 14,
    "75_plus": 9,
    "not_stated": 1,
    None: 3,
}
SEX = {"female": 56, "male": 40, "not_stated": 1, None: 3}
DISABILITY = {"no": 70, "yes_a_little": 12, "yes_a_lot": 8, "not_stated": 3, None: 7}
#: share of respondents who declined the monitoring questions: no profile at all
NO_PROFILE = 0.06
CHANNEL = {"online": 70, "paper": 15, "event": 8, "phone": 4, "interpreter": 3}
#: share of responses through each of three forums (the rest through no forum)
FORUMS = (0.12, 0.06, 0.02)
#: a question is left unanswered this often (none is required)
SKIP = 0.04


def _options(*codes: str) -> list[tuple[str, dict[str, str]]]:
    return [(code, {"en": code.replace("_", " ").capitalize()}) for code in codes]


#: (key, type, options, settings): 20 questions, every one with results
QUESTIONS: list[tuple[str, str, list | None, dict | None]] = [
    ("experience", "fft", None, None),
    ("experience_gp", "fft", None, None),
    ("respect", "likert", None, None),
    ("listened", "likert", None, None),
    ("involved", "likert", None, None),
    ("explained", "likert", None, None),
    ("dignity", "likert", None, None),
    ("trust", "likert", None, None),
    ("recommend", "scale", None, None),
    ("confidence", "scale", None, None),
    ("ease", "scale", None, None),
    ("visit_type", "single_choice", _options("in_person", "phone", "video"), None),
    ("booked", "single_choice", _options("yes", "no"), None),
    ("waited", "single_choice", _options("same_day", "days", "week", "weeks", "months"), None),
    ("interpreter", "single_choice", _options("yes", "no", "not_needed"), None),
    (
        "services",
        "multiple_choice",
        _options("gp", "pharmacy", "hospital", "dentist", "nhs111", "walk_in"),
        None,
    ),
    (
        "barriers",
        "multiple_choice",
        _options("language", "transport", "times", "cost", "none"),
        None,
    ),
    (
        "information",
        "multiple_choice",
        _options("website", "leaflet", "letter", "text", "phone", "friends", "forum"),
        None,
    ),
    ("visits", "number", None, {"integer": True, "min": 0, "max": 100}),
    ("wait_days", "number", None, {"integer": True, "min": 0, "max": 365}),
]


# Setup ------------------------------------------------------------------------------------


def make_app(url: str, instance: str):
    from engage import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": SECRET,
            "INSTANCE_PATH": instance,
            # the test client speaks plain HTTP
            "SESSION_COOKIE_SECURE": False,
            "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        }
    )


def build_survey() -> tuple[list[int], str]:
    """The open survey, three forums and an analyst; returns the forums' ids and the
    analyst's API token."""
    from engage.accounts import service as accounts
    from engage.accounts.models import OrgKind, Role
    from engage.consultations import service
    from engage.consultations.models import ConsultationStatus
    from engage.extensions import db

    icb = accounts.create_organisation(
        slug="bench-icb", name="Bench ICB", kind=OrgKind.commissioner
    )
    forums = [
        accounts.create_organisation(slug=f"forum-{n}", name=f"Forum {n}", kind=OrgKind.forum)
        for n in range(1, len(FORUMS) + 1)
    ]
    consultation = service.create_consultation(
        actor=None,
        organisation=icb,
        title={"en": "Your GP and hospital care"},
        languages=["en", "ur"],
        slug="bench",
    )
    # the page then shows who we heard from against Bolton's Census figures, as the demo's
    consultation.area_code = AREA
    service.set_status(consultation, ConsultationStatus.open, actor=None)
    survey = service.create_survey(consultation, actor=None, slug=SLUG)
    section = service.add_section(survey, title={"en": "Your care"})
    for key, type_, options, settings in QUESTIONS:
        service.add_question(
            survey,
            key=key,
            type=type_,
            label="" if type_ == "fft" else {"en": key.replace("_", " ").capitalize()},
            section=section,
            options=options,
            settings=settings,
        )
    analyst = accounts.create_user(
        ANALYST, password=PASSWORD, organisation=icb, role=Role.analyst, name="Bench analyst"
    )
    _, token = accounts.create_api_token(analyst, "bench")
    db.session.commit()
    return [f.id for f in forums], token


@dataclass
class _Question:
    id: int
    type: str
    #: option ids in order (choices, Likert, FFT)
    options: list[int]


def _questions() -> list[_Question]:
    from engage.consultations.service import get_survey

    survey = get_survey(SLUG)
    return [
        _Question(q.id, q.type.value, [o.id for o in q.options])
        for s in survey.sections
        for q in s.questions
    ]


class _Picker:
    """Weighted choices from a mapping value -> weight, fast for many draws."""

    def __init__(self, rng: random.Random, weights: dict):
        self.rng = rng
        self.values = list(weights)
        self.cum = list(_accumulate(weights.values()))

    def __call__(self):
        return self.rng.choices(self.values, cum_weights=self.cum)[0]


def _accumulate(values):
    total = 0.0
    for value in values:
        total += value
        yield total


def _answers(rng: random.Random, question: _Question) -> list[tuple[int | None, float | None]]:
    """(option id, number) rows for one respondent's answer: none when skipped, several
    for a multiple choice."""
    if rng.random() < SKIP:
        return []
    kind = question.type
    if kind == "multiple_choice":
        chosen = rng.sample(question.options, rng.randint(1, min(4, len(question.options))))
        return [(o, None) for o in chosen]
    if kind in ("fft", "likert"):
        # most answers positive, as in real returns; FFT has "don't know" last
        weights = [40, 30, 12, 8, 5, 5][: len(question.options)]
        return [(rng.choices(question.options, weights=weights)[0], None)]
    if kind == "single_choice":
        return [(rng.choice(question.options), None)]
    if kind == "scale":
        return [(None, float(min(10, max(0, round(rng.gauss(7, 2.2))))))]
    return [(None, float(min(100, int(rng.expovariate(0.25)))))]


def load_responses(count: int, forum_ids: list[int], seed: int = 2025) -> int:
    """``count`` responses with their answers and profiles, by Core executemany; returns
    the number of answer rows. The answers' indexes are dropped first and made again
    after (a sort each, much cheaper than growing ten B-trees row by row); the indexes
    measured are the model's, as the migrations make them."""
    from sqlalchemy import insert, select

    from engage.consultations.models import Survey
    from engage.extensions import db
    from engage.responses.models import Answer, Channel, Profile, Response, group_values
    from engage.responses.service import new_references

    rng = random.Random(seed)
    survey_id = db.session.scalar(select(Survey.id).where(Survey.slug == SLUG))
    questions = _questions()
    ethnic, language, religion = (_Picker(rng, w) for w in (ETHNIC, LANGUAGE, RELIGION))
    age, sex, disability = (_Picker(rng, w) for w in (AGE, SEX, DISABILITY))
    channel = _Picker(rng, {Channel(k): v for k, v in CHANNEL.items()})
    forum = _Picker(rng, {**dict(zip(forum_ids, FORUMS, strict=True)), None: 1 - sum(FORUMS)})
    start = datetime(2025, 1, 1, tzinfo=UTC)
    step = timedelta(days=180) / max(count, 1)
    answers_written = 0
    indexes = sorted(Answer.__table__.indexes, key=lambda i: i.name)
    for index in indexes:
        index.drop(db.session.connection())
    for first in range(1, count + 1, BATCH):
        ids = range(first, min(first + BATCH, count + 1))
        responses, profiles, answers = [], [], []
        for response_id, reference in zip(ids, new_references(len(ids)), strict=True):
            response = {
                "id": response_id,
                "survey_id": survey_id,
                "reference": reference,
                "channel": channel(),
                "locale": "ur" if rng.random() < 0.05 else "en",
                "forum_id": forum(),
                "submitted_at": start + step * response_id,
            }
            profile = None
            if rng.random() >= NO_PROFILE:
                profile = {
                    "ethnic_group": ethnic(),
                    "language": language(),
                    "religion": religion(),
                    "age_band": age(),
                    "sex": sex(),
                    "disability": disability(),
                }
                profiles.append({"response_id": response_id, **profile})
            responses.append(response)
            groups = group_values(response, profile)
            for question in questions:
                for option_id, number in _answers(rng, question):
                    answers.append(
                        {
                            "response_id": response_id,
                            "question_id": question.id,
                            "option_id": option_id,
                            "number": number,
                            **groups,
                        }
                    )
        db.session.execute(insert(Response.__table__), responses)
        db.session.execute(insert(Profile.__table__), profiles)
        db.session.execute(insert(Answer.__table__), answers)
        answers_written += len(answers)
    for index in indexes:
        index.create(db.session.connection())
    db.session.commit()
    return answers_written


def analyze(url: str) -> None:
    """Fresh planner statistics; on PostgreSQL also the visibility map, without which an
    index-only scan still visits the table."""
    from engage.extensions import db

    db.session.remove()
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        if url.startswith("sqlite"):
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        else:
            raw.driver_connection.autocommit = True
            cursor.execute("VACUUM ANALYZE")
            raw.driver_connection.autocommit = False
        cursor.close()
        raw.commit()
    finally:
        raw.close()


# The hand-written queries -----------------------------------------------------------------


#: the groups ``--by`` can take: those of the monitoring profile, so that (e) can join it
BY_CHOICES = ("ethnic_group", "language", "religion", "age_band", "sex", "disability")


def floor_sql(question_ids: list[int], by: str = "ethnic_group") -> str:
    """(a): the group stored on the answer, one covering index (which holds the answers
    with an option or a number: the WHERE says so in the index's own words)."""
    from engage.responses.models import GROUPED_ANSWERS

    ids = ", ".join(str(int(i)) for i in question_ids)
    return (
        f"SELECT question_id, {by}, option_id, number, count(*) FROM answers "
        f"WHERE question_id IN ({ids}) AND ({GROUPED_ANSWERS}) "
        f"GROUP BY question_id, {by}, option_id, number"
    )


def join_sql(question_ids: list[int], by: str = "ethnic_group") -> str:
    """(e): the group from the respondent's profile (none: no profile, "not recorded"),
    over the same answers as (a)."""
    from engage.responses.models import GROUPED_ANSWERS

    ids = ", ".join(str(int(i)) for i in question_ids)
    return (
        f"SELECT a.question_id, p.{by}, a.option_id, a.number, count(*) FROM answers a "
        "LEFT JOIN response_profiles p ON p.response_id = a.response_id "
        f"WHERE a.question_id IN ({ids}) "
        f"AND ({GROUPED_ANSWERS}) "
        f"GROUP BY a.question_id, p.{by}, a.option_id, a.number"
    )


#: PostgreSQL: the covering index's index-only scan, where the planner would rather read
#: the table (every answer in the database is one of the survey's, so it may)
INDEX_ONLY = ("SET LOCAL enable_seqscan = off", "SET LOCAL enable_bitmapscan = off")


def run_raw(raw, sql: str, setup: tuple[str, ...] = ()) -> list[tuple]:
    """Every row of ``sql`` on the DBAPI connection (``setup`` first, in the same
    transaction; the caller rolls back)."""
    cursor = raw.cursor()
    try:
        for statement in setup:
            cursor.execute(statement)
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def explain(raw, url: str, sql: str, setup: tuple[str, ...] = ()) -> str:
    if url.startswith("sqlite"):
        rows = run_raw(raw, "EXPLAIN QUERY PLAN " + sql)
        return "\n".join(str(r[-1]) for r in rows)
    rows = run_raw(raw, "EXPLAIN (ANALYZE, BUFFERS) " + sql, setup)
    raw.rollback()
    return "\n".join(r[0] for r in rows)


def _sorted(rows) -> list[tuple]:
    return sorted((tuple(r) for r in rows), key=lambda r: tuple((v is None, v or 0) for v in r))


# The requests -----------------------------------------------------------------------------


@dataclass
class Measure:
    label: str
    seconds: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def best(self) -> float:
        return min(self.seconds)


class StatementCounter:
    """Counts the SQL statements sent by the app's engine (before_cursor_execute); while
    ``kept`` is a list, also keeps each statement with its parameters."""

    def __init__(self, engine):
        from sqlalchemy import event

        self.count = 0
        self.kept: list[tuple[str, object]] | None = None
        event.listen(engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, _many) -> None:
        self.count += 1
        if self.kept is not None:
            self.kept.append((statement, parameters))

    @contextmanager
    def counting(self):
        box = [0]
        before = self.count
        try:
            yield box
        finally:
            box[0] = self.count - before


def has_route(app, rule: str) -> bool:
    return any(r.rule == rule for r in app.url_map.iter_rules())


def login(client) -> None:
    html = client.get("/en/login").get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the login page"
    response = client.post(
        "/en/login", data={"email": ANALYST, "password": PASSWORD, "csrf_token": match.group(1)}
    )
    assert response.status_code == 302, response.status_code


def make_calls(
    app, token: str, by: str = "ethnic_group"
) -> tuple[Callable[[], None], Callable[[], None], str, str]:
    """The (b) and (c) calls, and how each is made."""
    client = app.test_client()
    login(client)
    api_url = f"/api/v1/surveys/{SLUG}/results?by={by}"
    page_url = f"/en/surveys/{SLUG}/results?by={by}"

    def direct() -> None:
        from engage.consultations.cache import journey_survey
        from engage.extensions import db
        from engage.insights.results import results

        with app.test_request_context("/en/"):
            results(journey_survey(SLUG), by)
            db.session.remove()

    def get(url: str, **kw) -> Callable[[], None]:
        def call() -> None:
            response = client.get(url, **kw)
            assert response.status_code == 200, (url, response.status_code)
            response.get_data()

        return call

    if has_route(app, API_PATH):
        api, api_how = get(api_url, headers={"Authorization": f"Bearer {token}"}), "API call"
    else:
        api, api_how = direct, "results() (no API route yet)"
    if has_route(app, PAGE_PATH):
        page, page_how = get(page_url), "page"
    else:
        page, page_how = direct, "results() (no page yet)"
    return api, page, api_how, page_how


def clear_cache(app) -> None:
    from engage.insights.results import clear_results_caches

    with app.app_context():
        clear_results_caches()


def timed(measure: Measure, counter: StatementCounter, call: Callable[[], None]) -> None:
    with counter.counting() as statements:
        started = time.perf_counter()
        call()
        measure.seconds.append(time.perf_counter() - started)
    measure.statements.append(statements[0])


def statement_times(label: str, call: Callable[[], None], app, counter, raw) -> None:
    """Each statement of one uncached call, run again alone on the raw connection: where
    the database's share of the time goes."""
    clear_cache(app)
    counter.kept = []
    call()
    kept, counter.kept = counter.kept, None
    print(f"\n### The {len(kept)} statements of {label}, each run again alone\n")
    print("| ms | rows | statement |\n|--:|--:|---|")
    total = 0.0
    for statement, parameters in kept:
        cursor = raw.cursor()
        started = time.perf_counter()
        cursor.execute(statement, parameters)
        rows = cursor.fetchall() if cursor.description else []
        seconds = time.perf_counter() - started
        cursor.close()
        raw.rollback()
        total += seconds
        text = " ".join(statement.split())
        text = text if len(text) <= 150 else text[:147] + "..."
        print(f"| {1000 * seconds:.0f} | {len(rows):,} | `{text}` |")
    print(f"| {1000 * total:.0f} | | all |")


def profile(label: str, call: Callable[[], None], app) -> None:
    clear_cache(app)
    profiler = cProfile.Profile()
    profiler.enable()
    call()
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(30)
        print(f"\n### cProfile of {label}, by {order}\n\n```\n{out.getvalue().strip()}\n```")


# Main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--responses", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--database-url", help="emptied first! default: a new SQLite file")
    parser.add_argument("--workdir", help="where the SQLite file goes (default: TMPDIR)")
    parser.add_argument("--profile", action="store_true", help="cProfile one (b) and (c)")
    parser.add_argument(
        "--by", choices=BY_CHOICES, default="ethnic_group", help="the group of (a) to (e)"
    )
    parser.add_argument(
        "--one-group-index",
        action="store_true",
        help="what-if: the eight covering indexes replaced by one holding every group "
        "column (bench/submit_survey.py --one-group-index: what each submit saves)",
    )
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="engage-bench-", dir=args.workdir)
    try:
        run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def run(args: argparse.Namespace, workdir: str) -> None:
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite"
    database = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
    reset(url)
    app = make_app(url, os.path.join(workdir, "instance"))
    from flask_migrate import upgrade

    from engage.extensions import db

    with app.app_context():
        upgrade()
        forum_ids, token = build_survey()
        started = time.perf_counter()
        answers = load_responses(args.responses, forum_ids)
        loaded = time.perf_counter() - started
        if args.one_group_index:
            from benchdb import group_indexes_what_if

            db.session.remove()
            group_indexes_what_if(url, one=True)
        analyze(url)
        print(
            f"{database}: {args.responses:,} responses, {answers:,} answer rows "
            f"({answers / args.responses:.1f} a response), loaded in {loaded:.0f} s",
            flush=True,
        )
        question_ids = [q.id for q in _questions()]
        db.session.remove()
        engine = db.engine
    floor, join = floor_sql(question_ids, args.by), join_sql(question_ids, args.by)
    counter = StatementCounter(engine)
    raw = engine.raw_connection()
    # (a) as the planner runs it and, on PostgreSQL, held to the index-only scan ("i")
    floors = {"a": ()} if database == "SQLite" else {"a": (), "i": INDEX_ONLY}
    try:
        print(f"\n(a) {floor}\n\n```\n{explain(raw, url, floor)}\n```")
        if "i" in floors:
            plan = explain(raw, url, floor, INDEX_ONLY)
            print(f"\n(a) with {'; '.join(INDEX_ONLY)}\n\n```\n{plan}\n```")
        print(f"\n(e) {join}\n\n```\n{explain(raw, url, join)}\n```", flush=True)
        floor_rows = _sorted(run_raw(raw, floor))
        raw.rollback()
        for setup in floors.values():
            assert _sorted(run_raw(raw, floor, setup)) == floor_rows, "(a) disagrees with itself"
            raw.rollback()
        assert _sorted(run_raw(raw, join)) == floor_rows, "(a) and (e) disagree"
        raw.rollback()
        api, page, api_how, page_how = make_calls(app, token, args.by)
        # once each before timing: imports (scipy), templates, the survey snapshot
        clear_cache(app)
        api()
        clear_cache(app)
        page()
        measures = {k: Measure(k) for k in [*floors, *"bcde"]}

        def query(sql: str, setup: tuple[str, ...] = ()) -> Callable[[], None]:
            def call() -> None:
                run_raw(raw, sql, setup)
                raw.rollback()

            return call

        for _round in range(args.repeat):
            for key, setup in floors.items():
                timed(measures[key], counter, query(floor, setup))
            clear_cache(app)
            timed(measures["b"], counter, api)
            clear_cache(app)
            timed(measures["c"], counter, page)
            timed(measures["d"], counter, page)
            timed(measures["e"], counter, query(join))
        if args.profile:
            statement_times(f"(c) {page_how}", page, app, counter, raw)
            profile(f"(b) {api_how}", api, app)
            profile(f"(c) {page_how}", page, app)
    finally:
        raw.close()
    label = database if args.by == "ethnic_group" else f"{database}, by {args.by}"
    if args.one_group_index:
        label += " (what-if: one covering index)"
    report(label, answers, len(floor_rows), measures, api_how, page_how, args.repeat)


def report(database, answers, groups, m: dict[str, Measure], api_how, page_how, repeat) -> None:
    a = m["a"]
    if "i" in m:
        print(
            f"\n(a) as planned: {1000 * a.median:.0f} ms (best {1000 * a.best:.0f}); "
            f"held to the index-only scan: {1000 * m['i'].median:.0f} ms "
            f"(best {1000 * m['i'].best:.0f}); the faster is the floor"
        )
        a = min(a, m["i"], key=lambda x: x.median)

    def ms(x: Measure) -> str:
        return f"{1000 * x.median:.0f} ({1000 * x.best:.0f})"

    def ratio(x: Measure) -> str:
        return f"{x.median / a.median:.1f} ({x.best / a.best:.1f})"

    print(f"\n(a) returns {groups:,} grouped rows")
    print(f"(b) is the {api_how}; (c) the {page_how}; (d) the same, cached")
    for key in "bcd":
        print(f"SQL statements ({key}): {sorted(set(m[key].statements))}")
    b_ok = "met" if m["b"].median <= 3 * a.median else "MISSED"
    c_ok = "met" if m["c"].median <= 5 * a.median else "MISSED"
    print(f"b/a = {m['b'].median / a.median:.2f}: target <= 3 {b_ok}")
    print(f"c/a = {m['c'].median / a.median:.2f}: target <= 5 {c_ok}")
    print(f"\nms: median of {repeat} (best); ratios of medians (of bests)\n")
    b_name = "API" if api_how == "API call" else "results()"
    c_name = "page" if page_how == "page" else "results()"
    print(
        f"| database | answers | (a) GROUP BY, ms | (b) {b_name}, ms | b/a (≤ 3) "
        f"| (c) {c_name}, ms | c/a (≤ 5) | (d) cached {c_name}, ms | (e) join, ms | e/a "
        "| statements b / c / d |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    statements = " / ".join(str(max(m[k].statements)) for k in "bcd")
    print(
        f"| {database} | {answers:,} | {ms(a)} | {ms(m['b'])} | {ratio(m['b'])} "
        f"| {ms(m['c'])} | {ratio(m['c'])} | {ms(m['d'])} | {ms(m['e'])} | {ratio(m['e'])} "
        f"| {statements} |"
    )


if __name__ == "__main__":
    main()
