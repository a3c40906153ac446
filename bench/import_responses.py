"""Benchmark: ``engage import-responses`` against a plain executemany of the same rows.

    python bench/import_responses.py --rows 1000000 [--database-url URL]

Builds a survey like the demo's (15 questions of every type, monitoring), writes a CSV of
``--rows`` responses (deterministic random data), then in one run measures:

1. the baseline: the same responses, answers and profiles, already prepared (parsed,
   with ids), inserted with plain Core ``executemany`` and committed; only the database
   calls are timed;
2. the import: ``engage.responses.transfer.import_responses`` on the file (both passes,
   every check, batches, the commit), in a child process whose own peak memory (VmHWM,
   the whole process, interpreter included) is reported.

The target (the issue): import time < 2 x baseline, peak memory < 300 MB.

THE DATABASE IS EMPTIED AND MIGRATED FIRST. The default is a new SQLite file in a
temporary folder; give --database-url only for a throwaway database.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchdb import reset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SURVEY = "bench-survey"
ETHNIC = [
    "asian_bangladeshi",
    "asian_indian",
    "asian_pakistani",
    "black_african",
    "black_caribbean",
    "white_british",
    "white_other",
    "mixed_other",
    "other_arab",
    "not_stated",
    "J",
    "K",
    "H",
    "A",
    "Z",
    "99",
]
WORDS = [
    *["the", "wait", "was", "long", "and", "staff", "were", "kind", "but", "the"],
    *["receptionist", "could", "not", "find", "an", "interpreter", "so", "my"],
    *["daughter", "translated", "for", "me", "again", "appointments", "by", "phone"],
    *["are", "hard", "when", "english", "is", "not", "your", "first", "language"],
    *["clinic", "parking", "letters", "leaflets", "urdu", "punjabi"],
]
THEMES = ["waiting", "interpreters", "staff", "access.phone", "information", "parking"]


def make_app(url: str, instance: str):
    from engage import create_app

    return create_app(
        {
            "DATABASE_URL": url,
            "SECRET_KEY": "bench",
            "INSTANCE_PATH": instance,
            "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
        }
    )


def build_survey() -> None:
    from engage.accounts import service as accounts
    from engage.accounts.models import OrgKind
    from engage.consultations import service
    from engage.extensions import db

    icb = accounts.create_organisation(
        slug="bench-icb", name="Bench ICB", kind=OrgKind.commissioner
    )
    accounts.create_organisation(slug="bench-forum", name="Bench forum", kind=OrgKind.forum)
    consultation = service.create_consultation(
        actor=None,
        organisation=icb,
        title={"en": "Bench"},
        languages=["en", "ur"],
        slug="bench",
    )
    survey = service.create_survey(consultation, actor=None, slug=SURVEY)
    section = service.add_section(survey, title={"en": "All"})

    def add(key, type_, **kw):
        service.add_question(survey, key=key, type=type_, section=section, **kw)

    add("experience", "fft")
    add("respect", "likert", label={"en": "Respect"})
    add("listened", "likert", label={"en": "Listened"})
    opts = [(c, {"en": c}) for c in ("gp", "pharmacy", "hospital", "dentist", "111", "walk_in")]
    add("services", "multiple_choice", label={"en": "Services"}, options=opts)
    barriers = [(c, {"en": c}) for c in ("language", "transport", "times", "cost", "none")]
    add("barriers", "multiple_choice", label={"en": "Barriers"}, options=barriers)
    add("visit_type", "single_choice", label={"en": "Visit"}, options=opts[:3])
    add(
        "booked",
        "single_choice",
        label={"en": "Booked"},
        options=[("yes", {"en": "Yes"}), ("no", {"en": "No"})],
    )
    add("recommend", "scale", label={"en": "Recommend"})
    add(
        "visits", "number", label={"en": "Visits"}, settings={"integer": True, "min": 0, "max": 100}
    )
    add("visit_date", "date", label={"en": "Date"})
    add("area", "postcode_district", label={"en": "Area"})
    add("note", "note", label={"en": "A note"})
    add("summary", "short_text", label={"en": "Summary"})
    add("what_went_well", "long_text", label={"en": "Well"})
    add("what_to_change", "long_text", label={"en": "Change"})
    db.session.commit()


def write_csv(path: str, rows: int, seed: int = 2025) -> None:
    from engage.consultations.service import get_survey
    from engage.responses.transfer import export_header

    header = export_header(get_survey(SURVEY))
    rng = random.Random(seed)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    fft = ["very_good", "good", "neither", "poor", "very_poor", "dont_know"]
    likert = ["strongly_agree", "agree", "neither", "disagree", "strongly_disagree"]
    services = ["gp", "pharmacy", "hospital", "dentist", "111", "walk_in"]
    barriers = ["language", "transport", "times", "cost", "none"]

    def text(n):
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, n)))

    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        for i in range(rows):
            row = {
                "experience": rng.choice(fft),
                "respect": rng.choice(likert),
                "listened": rng.choice(likert) if rng.random() < 0.9 else "",
                "services": ";".join(rng.sample(services, rng.randint(1, 3))),
                "barriers": ";".join(rng.sample(barriers, rng.randint(0, 2))),
                "visit_type": rng.choice(services[:3]),
                "booked": rng.choice(["yes", "no", ""]),
                "recommend": str(rng.randint(0, 10)),
                "visits": str(rng.randint(0, 20)),
                "visit_date": f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/2024",
                "area": rng.choice(["BL1", "BL2 3AB", "M14", "OL1", "bb1 1aa", ""]),
                "summary": text(8) if rng.random() < 0.6 else "",
                "what_went_well": text(40) if rng.random() < 0.5 else "",
                "what_to_change": text(40) if rng.random() < 0.5 else "",
                "ethnic_group": rng.choice(ETHNIC),
                "language": rng.choice(["en", "ur", "pa", "bn", "so", ""]),
                "religion": rng.choice(["muslim", "christian", "sikh", "no_religion", ""]),
                "age_band": rng.choice(["16_24", "25_34", "35_44", "45_54", "65_74", ""]),
                "sex": rng.choice(["female", "male", "not_stated", ""]),
                "disability": rng.choice(["yes_a_lot", "no", ""]),
                "postcode_district": rng.choice(["BL1", "M14", ""]),
                "channel": rng.choice(["online", "paper", "event", ""]),
                "submitted_at": (start + timedelta(seconds=i * 17)).isoformat(),
                "locale": rng.choice(["en", "ur"]),
                "forum": "bench-forum" if rng.random() < 0.2 else "",
            }
            if row["what_to_change"] and rng.random() < 0.5:
                row["what_to_change__themes"] = ";".join(rng.sample(THEMES, 2))
                row["what_to_change__sentiment"] = rng.choice(["positive", "neutral", "negative"])
                row["what_to_change__language"] = "en"
            writer.writerow(row)


def baseline(path: str, batch_size: int) -> tuple[float, float]:
    """Seconds (wall clock, and CPU of this process) of plain executemany and the commit
    for the file's rows, prepared beforehand outside the timing."""
    from sqlalchemy import func, insert, select

    from engage.consultations.service import get_survey
    from engage.extensions import db
    from engage.responses import transfer
    from engage.responses.models import Answer, Profile, Response
    from engage.responses.service import new_references

    survey = get_survey(SURVEY)
    plan, _ = transfer._plan(survey, path, None)
    next_id = (db.session.scalar(select(func.max(Response.id))) or 0) + 1
    now = datetime.now(UTC)
    elapsed = cpu = 0.0
    blank_profile = dict.fromkeys(transfer.MONITORING_KEYS)

    def flush(batch):
        nonlocal next_id, elapsed, cpu
        responses, answers, profiles = [], [], []
        for row, reference in zip(batch, new_references(len(batch)), strict=True):
            response = {**row.response, "id": next_id, "reference": reference}
            response["submitted_at"] = response["submitted_at"] or now
            responses.append(response)
            answers.extend({**a, "response_id": next_id} for a in row.answers)
            if row.profile:
                profiles.append({**blank_profile, **row.profile, "response_id": next_id})
            next_id += 1
        started, started_cpu = time.perf_counter(), time.process_time()
        db.session.execute(insert(Response.__table__), responses)
        db.session.execute(insert(Answer.__table__), answers)
        if profiles:
            db.session.execute(insert(Profile.__table__), profiles)
        elapsed += time.perf_counter() - started
        cpu += time.process_time() - started_cpu

    errors: list = []
    batch = []
    with transfer._Reader(path) as reader:
        rows = reader.rows()
        next(rows)
        for number, cells in enumerate(rows, start=2):
            batch.append(plan.read(number, cells, errors))
            if len(batch) >= batch_size:
                flush(batch)
                batch = []
    if batch:
        flush(batch)
    started, started_cpu = time.perf_counter(), time.process_time()
    db.session.commit()
    elapsed += time.perf_counter() - started
    cpu += time.process_time() - started_cpu
    assert not errors, errors[:3]
    return elapsed, cpu


def empty_tables(url: str) -> None:
    from sqlalchemy import text

    from engage.extensions import db

    if url.startswith("sqlite"):
        for table in ("answers", "response_profiles", "responses"):
            db.session.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed names
        db.session.commit()
    else:
        db.session.execute(text("TRUNCATE answers, response_profiles, responses CASCADE"))
        db.session.commit()
    db.session.remove()
    raw = db.engine.raw_connection()
    try:
        if not url.startswith("sqlite"):
            raw.driver_connection.autocommit = True
        cursor = raw.cursor()
        cursor.execute("VACUUM" if url.startswith("sqlite") else "VACUUM ANALYZE")
        if url.startswith("sqlite"):
            # VACUUM wrote the whole file into the WAL: fold it back, or the import's
            # process would start by indexing it (and count that memory as its own)
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        cursor.close()
    finally:
        raw.close()


def _peak_rss_kb() -> int:
    """This process's own peak resident memory. Not ``ru_maxrss``: on Linux that survives
    exec, so a child started by a big parent reports the parent's size at the fork."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def child_import(url: str, instance: str, path: str, batch_size: int) -> None:
    """Run in a child process: the import alone, with its peak memory."""
    from sqlalchemy import func, select

    from engage.consultations.service import get_survey
    from engage.extensions import db
    from engage.responses import transfer
    from engage.responses.models import Response

    app = make_app(url, instance)
    with app.app_context():
        survey = get_survey(SURVEY)
        started, started_cpu = time.perf_counter(), time.process_time()
        result = transfer.import_responses(survey, path, batch_size=batch_size)
        db.session.commit()
        seconds = time.perf_counter() - started
        cpu = time.process_time() - started_cpu
        stored = db.session.scalar(select(func.count()).select_from(Response))
    peak_kb = _peak_rss_kb()
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu": cpu,
                "count": result.count,
                "stored": stored,
                "peak_kb": peak_kb,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", help="emptied first! default: a new SQLite file")
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--workdir", help="where the CSV and SQLite file go (default: TMPDIR)")
    parser.add_argument("--keep", action="store_true", help="keep the CSV and SQLite file")
    parser.add_argument(
        "--child", nargs=3, metavar=("URL", "INSTANCE", "FILE"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child_import(*args.child, args.batch_size)
        return

    workdir = tempfile.mkdtemp(prefix="engage-bench-", dir=args.workdir)
    url = args.database_url or f"sqlite:///{workdir}/bench.sqlite"
    instance = os.path.join(workdir, "instance")
    path = os.path.join(workdir, "responses.csv")
    reset(url)
    app = make_app(url, instance)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        build_survey()
        started = time.perf_counter()
        write_csv(path, args.rows)
        print(
            f"{args.rows:,} rows, {os.path.getsize(path) / 1e6:.0f} MB of CSV "
            f"(written in {time.perf_counter() - started:.0f} s); database {url.split(':')[0]}",
            flush=True,
        )
        base, base_cpu = baseline(path, args.batch_size)
        from sqlalchemy import func, select

        from engage.extensions import db
        from engage.responses.models import Answer

        answers = db.session.scalar(select(func.count()).select_from(Answer))
        print(
            f"baseline executemany: {base:.1f} s, CPU {base_cpu:.1f} s ({answers:,} answer rows)",
            flush=True,
        )
        empty_tables(url)
        db.engine.dispose()

    command = [sys.executable, __file__, "--child", url, instance, path]
    command += ["--batch-size", str(args.batch_size)]
    try:
        output = subprocess.run(command, check=True, capture_output=True, text=True).stdout  # noqa: S603
    finally:
        if not args.keep:
            Path(path).unlink(missing_ok=True)
    child = json.loads(output.strip().splitlines()[-1])
    assert child["count"] == child["stored"] == args.rows, child
    ratio = child["seconds"] / base
    peak = child["peak_kb"] / 1024
    print(f"import-responses:     {child['seconds']:.1f} s, CPU {child['cpu']:.1f} s")
    print(f"ratio import/baseline: {ratio:.2f}  (target < 2)")
    print(f"ratio of CPU seconds:  {child['cpu'] / base_cpu:.2f}")
    print(f"peak memory of the import process: {peak:.0f} MB  (target < 300)")
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
