"""Benchmark: assisted coding quality on real NHS patient comments.

    python bench/coding_quality.py [--data PATH] [--seed 42] [--folds 5] [--no-cv]
        [--explore] [--json FILE]

The data: 10,334 Friends and Family Test comments from three NHS trusts, each with one
category label (9 categories) and a criticality score, from the pxtextmining project
(``../shared/data/fft_comments_phase1_labelled.csv``). It is for developing and
measuring; the product never ships it.

Themes: the 9 categories, one per comment. Sentiment (3 classes) from criticality:

- criticality 2..5 → positive, −1..1 → neutral, −5..−2 → negative: ±1 are the mild
  comments ("Good care", "More timely appointments");
- no sentiment (left out of sentiment training and scoring): cells that are not a
  whole number from −5 to 5 (``-o``, ``NA``, ``-9`` …: 36 rows), and Trust B's 0, which
  is its default rather than a score (2,563 of its 3,307 comments, nearly all praise).

One run:

1. a stratified 80/20 split by category (``--seed``); side by side, on the same split:
   (a) the baseline, a plain TF-IDF + LinearSVC (scikit-learn defaults) for categories
   and the same for sentiment; (b) ``engage.insights.learning.train`` on the texts;
   (c) the same given each comment's question (trust and question: "what was good" or
   "what could be improved") as context, as the product can give a survey's question;
2. ``--folds``-fold cross-validation of (a), (b) and (c) on the same folds
   (``learning.fold_numbers``), and the per-category figures of (b);
3. the time ``learning.train`` takes on 2,000 of the comments (a stratified sample,
   with their sentiments, text only; the best of three, each from cold), about a large
   survey's coded answers;
4. ``--explore``: the well-known variants tried on the way to (b), each a scikit-learn
   pipeline on the same folds.

For categories it reports macro F1 (the mean of the categories' F1: small categories
count as much as large ones), micro F1 and exact match; with one category per comment
and one suggested, micro F1 and exact match both equal accuracy. For sentiment, 3-class
accuracy. The published anchor for this task (pxtextmining) is macro F1 0.64 for a
linear SVC and 0.71 for an ensemble with a transformer.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import VotingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import ComplementNB
from sklearn.pipeline import Pipeline, make_pipeline, make_union
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engage.insights import learning  # noqa: E402

#: a large survey's coded answers, for the training time
TIMED_ANSWERS = 2_000
DEFAULT_DATA = (
    Path(__file__).resolve().parent.parent.parent / "shared/data/fft_comments_phase1_labelled.csv"
)


@dataclass
class Comments:
    texts: list[str]
    categories: list[str]
    sentiments: list[str | None]
    questions: list[str]


def sentiment_of(criticality: str, organisation: str) -> str | None:
    """The mapping in the module docstring."""
    try:
        value = int(criticality)
    except ValueError:
        return None
    if not -5 <= value <= 5 or (organisation == "Trust B" and value == 0):
        return None
    if value >= 2:
        return "positive"
    return "negative" if value <= -2 else "neutral"


def load(path: Path) -> Comments:
    with path.open(encoding="utf-8", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["feedback"].strip()]
    return Comments(
        texts=[r["feedback"] for r in rows],
        categories=[r["label"] for r in rows],
        sentiments=[sentiment_of(r["criticality"], r["organization"]) for r in rows],
        questions=[r["question"] for r in rows],
    )


# Measuring -------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    macro_f1: float
    micro_f1: float
    exact_match: float
    sentiment_accuracy: float | None
    seconds: float


def pick(values: Sequence, rows) -> list:
    return [values[i] for i in rows]


def scores(truth: list[str], predicted: list[set[str]]) -> tuple[float, float, float]:
    """Macro F1, micro F1 and exact match of suggested sets against one category each."""
    classes = sorted(set(truth))
    flat = [next(iter(p)) if len(p) == 1 else "(several or none)" for p in predicted]
    macro = f1_score(truth, flat, labels=classes, average="macro", zero_division=0)
    micro = f1_score(truth, flat, labels=classes, average="micro", zero_division=0)
    exact = float(np.mean([p == {t} for t, p in zip(truth, predicted, strict=True)]))
    return float(macro), float(micro), exact


def sentiment_rows(data: Comments, rows) -> list[int]:
    return [i for i in rows if data.sentiments[i] is not None]


def baseline_pipeline() -> Pipeline:
    return make_pipeline(TfidfVectorizer(), LinearSVC())


def run_baseline(data: Comments, train_rows, test_rows) -> Result:
    start = time.perf_counter()
    model = baseline_pipeline().fit(pick(data.texts, train_rows), pick(data.categories, train_rows))
    predicted = [{c} for c in model.predict(pick(data.texts, test_rows))]
    s_train, s_test = sentiment_rows(data, train_rows), sentiment_rows(data, test_rows)
    sentiment = baseline_pipeline().fit(pick(data.texts, s_train), pick(data.sentiments, s_train))
    accuracy = accuracy_score(
        pick(data.sentiments, s_test), sentiment.predict(pick(data.texts, s_test))
    )
    seconds = time.perf_counter() - start
    return Result(
        "baseline", *scores(pick(data.categories, test_rows), predicted), float(accuracy), seconds
    )


def run_engage(data: Comments, train_rows, test_rows, *, with_question: bool) -> Result:
    contexts = data.questions if with_question else None
    start = time.perf_counter()
    model = learning.train(
        pick(data.texts, train_rows),
        [{c} for c in pick(data.categories, train_rows)],
        pick(data.sentiments, train_rows),
        None if contexts is None else pick(contexts, train_rows),
    )
    suggestions = model.suggest(
        pick(data.texts, test_rows), None if contexts is None else pick(contexts, test_rows)
    )
    seconds = time.perf_counter() - start
    predicted = [{code for code, _ in s.themes} for s in suggestions]
    pairs = [
        (data.sentiments[i], s.sentiment)
        for i, s in zip(test_rows, suggestions, strict=True)
        if data.sentiments[i] is not None
    ]
    accuracy = float(np.mean([truth == guess for truth, guess in pairs]))
    name = "engage + question" if with_question else "engage"
    return Result(name, *scores(pick(data.categories, test_rows), predicted), accuracy, seconds)


def folds_of(data: Comments, folds: int, seed: int) -> list[tuple[list[int], list[int]]]:
    numbers = learning.fold_numbers([{c} for c in data.categories], folds, seed)
    return [
        (
            [i for i, n in enumerate(numbers) if n != fold],
            [i for i, n in enumerate(numbers) if n == fold],
        )
        for fold in range(folds)
    ]


def cross_validated(
    name: str, run: Callable[[list[int], list[int]], Result], splits
) -> tuple[Result, list[Result]]:
    """The mean of each figure over the folds (and the folds' results)."""
    results = [run(train_rows, test_rows) for train_rows, test_rows in splits]

    def mean(attribute: str) -> float | None:
        values = [getattr(r, attribute) for r in results]
        return None if None in values else float(np.mean(values))

    return Result(
        name,
        mean("macro_f1"),
        mean("micro_f1"),
        mean("exact_match"),
        mean("sentiment_accuracy"),
        mean("seconds"),
    ), results


# Variants tried (--explore) ------------------------------------------------------------------


def words(**options) -> TfidfVectorizer:
    return TfidfVectorizer(sublinear_tf=True, min_df=2, **options)


def chars() -> TfidfVectorizer:
    return TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)


def words_and_chars():
    return make_union(words(ngram_range=(1, 2)), chars())


def stems_and_chars(*, opening: bool = False):
    """learning's stemmed word 1–3-grams (and the opening's) and character n-grams."""
    parts = [words(analyzer=learning._words)]
    if opening:
        parts.append(words(analyzer=learning._opening))
    return make_union(*parts, chars())


def variants() -> dict[str, Callable[[], Pipeline]]:
    balanced = {"class_weight": "balanced"}
    return {
        "TF-IDF words, LinearSVC balanced": lambda: make_pipeline(
            TfidfVectorizer(), LinearSVC(**balanced)
        ),
        "+ word bigrams, sublinear tf": lambda: make_pipeline(
            words(ngram_range=(1, 2)), LinearSVC(C=0.2, **balanced)
        ),
        "+ char 2-5-grams": lambda: make_pipeline(words_and_chars(), LinearSVC(C=0.2, **balanced)),
        "words + chars, LogisticRegression": lambda: make_pipeline(
            words_and_chars(), LogisticRegression(C=10, max_iter=3000, **balanced)
        ),
        "stemmed words 1-3 + chars, LinearSVC balanced": lambda: make_pipeline(
            stems_and_chars(), LinearSVC(C=0.2, **balanced)
        ),
        "+ the opening's stemmed 1-3-grams": lambda: make_pipeline(
            stems_and_chars(opening=True), LinearSVC(C=0.2, **balanced)
        ),
        "words 1-2, ComplementNB": lambda: make_pipeline(words(ngram_range=(1, 2)), ComplementNB()),
        "words + chars, calibrated SVC + LR + CNB (soft vote)": lambda: make_pipeline(
            words_and_chars(),
            VotingClassifier(
                [
                    ("svc", CalibratedClassifierCV(LinearSVC(C=0.2, **balanced), cv=3)),
                    ("lr", LogisticRegression(C=10, max_iter=3000, **balanced)),
                    ("nb", ComplementNB()),
                ],
                voting="soft",
            ),
        ),
    }


def run_variant(make: Callable[[], Pipeline], data: Comments, train_rows, test_rows) -> Result:
    start = time.perf_counter()
    model = make().fit(pick(data.texts, train_rows), pick(data.categories, train_rows))
    predicted = [{c} for c in model.predict(pick(data.texts, test_rows))]
    seconds = time.perf_counter() - start
    return Result("", *scores(pick(data.categories, test_rows), predicted), None, seconds)


def training_seconds(data: Comments, answers: int, seed: int) -> float:
    """The best of three times ``learning.train`` takes on ``answers`` of the comments."""
    rows, _ = train_test_split(
        list(range(len(data.texts))),
        train_size=answers,
        random_state=seed,
        stratify=data.categories,
    )
    times = []
    for _ in range(3):
        learning._stem.cache_clear()  # as a fresh process would
        start = time.perf_counter()
        learning.train(
            pick(data.texts, rows),
            [{c} for c in pick(data.categories, rows)],
            pick(data.sentiments, rows),
        )
        times.append(time.perf_counter() - start)
    return min(times)


# Output -----------------------------------------------------------------------------------


def table(results: list[Result], *, sentiment: bool = True) -> str:
    head = "| model | macro F1 | micro F1 | exact match |"
    rule = "|---|---:|---:|---:|"
    if sentiment:
        head += " sentiment accuracy |"
        rule += "---:|"
    lines = [head + " seconds |", rule + "---:|"]
    for r in results:
        line = f"| {r.name} | {r.macro_f1:.3f} | {r.micro_f1:.3f} | {r.exact_match:.3f} |"
        if sentiment:
            line += f" {r.sentiment_accuracy:.3f} |" if r.sentiment_accuracy is not None else " |"
        lines.append(line + f" {r.seconds:.1f} |")
    return "\n".join(lines)


def theme_table(evaluation: learning.Evaluation) -> str:
    lines = ["| category | precision | recall | F1 | comments |", "|---|---:|---:|---:|---:|"]
    for t in evaluation.themes:
        lines.append(
            f"| {t.code} | {t.precision:.3f} | {t.recall:.3f} | {t.f1:.3f} | {t.support} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--no-cv", action="store_true", help="only the 80/20 split")
    parser.add_argument("--explore", action="store_true", help="also the variants tried")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    args = parser.parse_args()

    data = load(args.data)
    counted = sum(s is not None for s in data.sentiments)
    print(
        f"{len(data.texts)} comments, {len(set(data.categories))} categories, "
        f"{counted} with a sentiment; scikit-learn {sklearn.__version__}, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs\n"
    )
    train_rows, test_rows = train_test_split(
        list(range(len(data.texts))),
        test_size=0.2,
        random_state=args.seed,
        stratify=data.categories,
    )
    figures: dict[str, object] = {}
    with threadpool_limits(limits=1):
        split = [
            run_baseline(data, train_rows, test_rows),
            run_engage(data, train_rows, test_rows, with_question=False),
            run_engage(data, train_rows, test_rows, with_question=True),
        ]
    print(f"### 80/20 split ({len(train_rows)} train, {len(test_rows)} test, seed {args.seed})\n")
    print(table(split) + "\n")
    figures["split"] = [r.__dict__ for r in split]

    seconds = training_seconds(data, TIMED_ANSWERS, args.seed)
    print(f"`learning.train` on {TIMED_ANSWERS:,} comments: {seconds:.2f} s\n")
    figures["train_seconds_2000"] = seconds

    if not args.no_cv:
        splits = folds_of(data, args.folds, args.seed)
        with threadpool_limits(limits=1):
            cv = [
                cross_validated("baseline", lambda a, b: run_baseline(data, a, b), splits)[0],
                cross_validated(
                    "engage", lambda a, b: run_engage(data, a, b, with_question=False), splits
                )[0],
                cross_validated(
                    "engage + question",
                    lambda a, b: run_engage(data, a, b, with_question=True),
                    splits,
                )[0],
            ]
            evaluation = learning.cross_validate(
                data.texts,
                [{c} for c in data.categories],
                args.folds,
                sentiments=data.sentiments,
                seed=args.seed,
            )
        print(f"### {args.folds}-fold cross-validation (means over folds)\n")
        print(table(cv) + "\n")
        print(
            f"`learning.cross_validate` (pooled over folds): macro F1 {evaluation.macro_f1:.3f}, "
            f"micro F1 {evaluation.micro_f1:.3f}, exact match {evaluation.exact_match:.3f}, "
            f"sentiment accuracy {evaluation.sentiment_accuracy:.3f}\n"
        )
        print(theme_table(evaluation) + "\n")
        figures["cross_validation"] = [r.__dict__ for r in cv]
        figures["per_category"] = [t.__dict__ for t in evaluation.themes]

        if args.explore:
            explored = []
            with threadpool_limits(limits=1):
                for name, make in variants().items():
                    result, _ = cross_validated(
                        name,
                        lambda a, b, make=make: run_variant(make, data, a, b),
                        splits,
                    )
                    explored.append(result)
            print(f"### Variants tried, {args.folds}-fold cross-validation, categories only\n")
            print(table(explored, sentiment=False) + "\n")
            figures["variants"] = [r.__dict__ for r in explored]

    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
