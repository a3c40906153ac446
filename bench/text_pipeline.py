"""Benchmark: the text pipeline on many comments against TextBlob's sentiment alone.

    python bench/text_pipeline.py [--comments 100000] [--database-url URL] [--workers 2]
        [--json FILE]

In one run, on one database (emptied first: give PostgreSQL a throwaway database):

1. a survey with one long-text question gets ``--comments`` responses whose answers are
   the Friends and Family Test comments of ``../shared/data/fft_comments_phase1_labelled.csv``
   (10,334 real comments, 110 characters on average), in order and again until there are
   enough, loaded by Core executemany;
2. **(a)** TextBlob's sentiment alone, ``TextBlob(text).sentiment`` on every one of those
   comments, in this process, one core: the issue's yardstick;
3. **(b)** ``engage analyse SLUG --quiet`` as a user runs it: a new process that starts
   the app, reads the answers, detects each one's language, redacts it, parses English
   (sentiment and noun phrases), suggests themes from the codebook and writes every
   analysis in one transaction, with ``ENGAGE_TEXT_WORKERS`` processes (``--workers``).
   Its memory is sampled every 0.1 s, the command and all its child processes added
   together, as PSS (each shared page divided among the processes that share it: the
   memory the run really takes) and as RSS (shared pages counted in every process: an
   upper bound), and the peaks reported;
4. the analyses are counted: one for every answer.

Throughput ratio (b)/(a) = time (a) / time (b); target ≥ 0.5. Memory target: < 1 GB.
The command's own start-up (Python, the app, the language model: 3-4 s) is inside (b).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchdb import reset

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SLUG = "bench-text"
SECRET = "bench-secret-key-not-for-production"
DATA = ROOT.parent / "shared" / "data" / "fft_comments_phase1_labelled.csv"
#: responses per executemany batch
BATCH = 5000


def comments(path: Path, count: int) -> list[str]:
    with path.open(encoding="utf-8", newline="") as handle:
        found = [row["feedback"].strip() for row in csv.DictReader(handle)]
    found = [text for text in found if text]
    return [found[i % len(found)] for i in range(count)]


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


def build(texts: list[str]) -> None:
    """The survey and its answers, one response each."""
    from sqlalchemy import insert

    from engage.accounts import service as accounts
    from engage.accounts.models import OrgKind
    from engage.consultations import service
    from engage.consultations.models import ConsultationStatus, QuestionType
    from engage.extensions import db
    from engage.responses.models import Answer, Channel, Response, group_values
    from engage.responses.service import new_references

    icb = accounts.create_organisation(
        slug="bench-icb", name="Bench ICB", kind=OrgKind.commissioner
    )
    consultation = service.create_consultation(
        actor=None, organisation=icb, title={"en": "Your care"}, languages=["en"], slug="bench"
    )
    service.set_status(consultation, ConsultationStatus.open, actor=None)
    survey = service.create_survey(consultation, actor=None, slug=SLUG)
    section = service.add_section(survey, title={"en": "Your care"})
    question = service.add_question(
        survey,
        key="experience",
        type=QuestionType.long_text,
        label={"en": "Tell us about your experience"},
        section=section,
    )
    db.session.commit()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for first in range(0, len(texts), BATCH):
        chunk = texts[first : first + BATCH]
        ids = range(first + 1, first + len(chunk) + 1)
        responses = [
            {
                "id": response_id,
                "survey_id": survey.id,
                "reference": reference,
                "channel": Channel.online,
                "locale": "en",
                "submitted_at": start + timedelta(seconds=response_id),
            }
            for response_id, reference in zip(ids, new_references(len(ids)), strict=True)
        ]
        answers = [
            {
                "response_id": response["id"],
                "question_id": question.id,
                "text": text,
                **group_values(response, None),
            }
            for response, text in zip(responses, chunk, strict=True)
        ]
        db.session.execute(insert(Response.__table__), responses)
        db.session.execute(insert(Answer.__table__), answers)
    db.session.commit()


def textblob_alone(texts: list[str]) -> float:
    from textblob import TextBlob

    _ = TextBlob("warm up").sentiment
    started = time.perf_counter()
    for text in texts:
        _ = TextBlob(text).sentiment
    return time.perf_counter() - started


def _tree_memory(pid: int) -> tuple[int, int]:
    """Memory of a process and its descendants, in bytes: resident (RSS, shared pages
    counted in every process) and proportional (PSS, shared pages divided among the
    processes sharing them), each added up over the processes."""
    rss = pss = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/smaps_rollup", encoding="ascii") as f:
                for line in f:
                    if line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
                    elif line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children", encoding="ascii") as f:
                    stack.extend(int(child) for child in f.read().split())
        except (OSError, ValueError):
            continue
    return rss, pss


def run_command(url: str, instance: str, workers: int) -> tuple[float, int, int]:
    """``engage analyse`` in a new process: its wall time and peak memory (whole tree),
    as RSS and as PSS."""
    env = {
        **os.environ,
        "ENGAGE_DATABASE_URL": url,
        "ENGAGE_SECRET_KEY": SECRET,
        "ENGAGE_INSTANCE_PATH": instance,
        "ENGAGE_TEXT_WORKERS": str(workers),
    }
    env.pop("ENGAGE_REDIS_URL", None)
    peak_rss = peak_pss = 0
    started = time.perf_counter()
    process = subprocess.Popen(
        [str(Path(sys.executable).with_name("engage")), "analyse", SLUG, "--quiet"], env=env
    )
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        while not stop.is_set():
            rss, pss = _tree_memory(process.pid)
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            stop.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    code = process.wait()
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    if code:
        raise SystemExit(f"engage analyse failed ({code})")
    return elapsed, peak_rss, peak_pss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--comments", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        url = args.database_url or f"sqlite:///{workdir}/bench.sqlite"
        database = "SQLite" if url.startswith("sqlite") else "PostgreSQL"
        instance = os.path.join(workdir, "instance")
        reset(url)
        texts = comments(args.data, args.comments)
        app = make_app(url, instance)
        from flask_migrate import upgrade
        from sqlalchemy import func, select

        from engage.extensions import db
        from engage.insights.models import TextAnalysis

        with app.app_context():
            upgrade()
            build(texts)
            db.session.remove()
            db.engine.dispose()
        a = textblob_alone(texts)
        b, peak, peak_pss = run_command(url, instance, args.workers)
        with app.app_context():
            analysed = db.session.scalar(select(func.count()).select_from(TextAnalysis))
            db.session.remove()
        assert analysed == len(texts), f"{analysed} analyses for {len(texts)} answers"
        figures = {
            "database": database,
            "comments": len(texts),
            "workers": args.workers,
            "textblob_seconds": round(a, 2),
            "pipeline_seconds": round(b, 2),
            "throughput_ratio": round(a / b, 3),
            "peak_rss_mb": round(peak / 2**20),
            "peak_pss_mb": round(peak_pss / 2**20),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        }
        print(
            "| database | comments | (a) TextBlob sentiment alone | (b) `engage analyse` "
            "| throughput (b)/(a), target ≥ 0.5 | peak memory (PSS; RSS), target < 1 GB |\n"
            "|---|--:|--:|--:|--:|--:|\n"
            f"| {database} | {len(texts):,} | {a:.1f} s ({len(texts) / a:,.0f}/s) "
            f"| {b:.1f} s ({len(texts) / b:,.0f}/s) | {a / b:.2f} "
            f"| {peak_pss / 2**20:,.0f} MB; {peak / 2**20:,.0f} MB |"
        )
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
