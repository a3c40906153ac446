"""Assisted coding: a model learns themes and sentiment from an analyst's coded answers.

- Features: TF-IDF (sublinear term frequency) of stemmed word 1–3-grams, of the
  stemmed 1–3-grams of the answer's *opening* (its first sentence, at most
  :data:`OPENING_WORDS` words) as features of their own, and of character 2–5-grams
  within word boundaries, which cope with misspellings and the odd typing in real
  comments. The opening counts twice because analysts code a comment mostly by what it
  starts with ("The nurses were lovely. Parking was a nightmare." is about staff). An
  optional *context* per answer (the question it answers) is a token of its own in the
  word features: "Nothing" means one thing after "What was good?" and another after
  "What could we improve?".
- Themes: one linear SVM per theme (one-vs-rest, multi-label), the positives weighted
  up by the square root of the negatives-to-positives ratio. Its score becomes a
  confidence by Platt scaling fitted on out-of-fold scores (3-fold, within the training
  answers), and the same out-of-fold confidences choose the theme's threshold, the one
  with the best F1. When every training answer had exactly one theme the model
  suggests exactly one: the most confident once each confidence is weighted up the
  rarer its theme (:data:`ONE_THEME_EXPONENT`); otherwise every theme over its
  threshold, and at least the most confident one when every training answer had a
  theme.
- Sentiment: multinomial logistic regression over positive, neutral and negative, on
  the word and character features; its probability is the confidence.
- A theme is learned from at least :data:`MIN_PER_THEME` answers that have it (and as
  many that do not); a model needs at least :data:`MIN_ANSWERS` coded answers
  (:func:`enough`). Below that the keyword codebook suggests.

Training and suggesting use at most :data:`N_JOBS` cores (threads; BLAS held to one
thread each). A :class:`Model` is picklable (``joblib.dump``) so a job can store it.

:func:`cross_validate` measures the model on the analyst's own answers, as the coding
screen shows it. How these choices were made, and how they compare with a plain
TF-IDF + linear SVC on real NHS comments: ``bench/coding_quality.py``.
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import snowballstemmer
from joblib import Parallel, delayed
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer, strip_accents_unicode
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support
from sklearn.model_selection import StratifiedKFold, cross_val_predict
from sklearn.preprocessing import MultiLabelBinarizer
from sklearn.svm import LinearSVC
from threadpoolctl import threadpool_limits

#: fewer coded answers than this and the keyword codebook suggests instead
MIN_ANSWERS = 50
#: a theme is learned from at least this many answers that have it and that do not
MIN_PER_THEME = 5
#: a sentiment is learned from at least this many answers that have it
MIN_PER_SENTIMENT = 5
#: the most cores training and suggesting use
N_JOBS = 2
SENTIMENTS = ("positive", "neutral", "negative")

#: SVM regularisation (smaller is smoother); chosen by 5-fold cross-validation on the
#: FFT comments, see bench/coding_quality.py: with the opening features 0.1 beats 0.2
#: (macro F1 0.646 and 0.639 against 0.642 and 0.629, seeds 42 and 0), and in the final
#: model 0.05 and 0.15 (0.653 and 0.648, 0.649 and 0.646 against 0.655 and 0.650)
SVM_C = 0.1
#: sentiment logistic regression regularisation, chosen the same way
SENTIMENT_C = 3.0
#: when one theme is suggested per answer, each theme's confidence is weighted by its
#: share of the training answers to the power minus this. The most confident theme
#: favours the common ones, where macro F1 (the coding screen's headline figure) counts
#: every theme alike: 0.2 lifts macro F1 from 0.646 and 0.639 to 0.655 and 0.650 (seeds
#: 42 and 0), exact match unchanged (0.753, 0.755); 0.1 gives 0.649 and 0.647, 0.3
#: 0.651 and 0.652, and choosing it per model by the out-of-fold confidences was
#: noisier (0.644 and 0.648)
ONE_THEME_EXPONENT = 0.2
#: folds of the out-of-fold scores that calibrate each theme
CALIBRATION_FOLDS = 3
#: vocabulary caps, which bound the model's size on large surveys
MAX_WORD_FEATURES = 50_000
MAX_CHAR_FEATURES = 100_000


@dataclass(frozen=True)
class Suggestion:
    #: (theme code, confidence 0–1), most confident first
    themes: list[tuple[str, float]]
    #: positive, neutral or negative; None when the model learned no sentiment
    sentiment: str | None
    sentiment_confidence: float | None


def theme_counts(labels: Sequence[set[str]]) -> Counter[str]:
    return Counter(code for themes in labels for code in themes)


def learnable_themes(labels: Sequence[set[str]]) -> list[str]:
    """The themes with at least MIN_PER_THEME answers that have them and as many that
    do not, sorted."""
    n = len(labels)
    return sorted(
        code
        for code, count in theme_counts(labels).items()
        if count >= MIN_PER_THEME and n - count >= MIN_PER_THEME
    )


def enough(labels: Sequence[set[str]]) -> bool:
    """Whether these coded answers (one set of theme codes each, perhaps empty) are
    enough to learn from: at least MIN_ANSWERS of them, and at least one learnable
    theme."""
    return len(labels) >= MIN_ANSWERS and bool(learnable_themes(labels))


# Features --------------------------------------------------------------------------------


def _context_token(context: str) -> str:
    """A word no comment contains, standing for the context."""
    return "zzctx" + hashlib.blake2s(context.encode("utf-8")).hexdigest()[:12]


def _with_context(texts: Sequence[str], contexts: Sequence[str | None] | None) -> list[str]:
    if contexts is None:
        return list(texts)
    if len(contexts) != len(texts):
        raise ValueError("give one context per text")
    return [f"{_context_token(c)} {t}" if c else t for t, c in zip(texts, contexts, strict=True)]


_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
# a stemmer keeps state while it stems: one per thread
_STEMMERS = threading.local()
#: the words of an answer's opening that are features of their own. On the FFT comments
#: (5-fold, seeds 42 and 0, as the model is now) the opening lifts macro F1 from 0.619
#: and 0.610 to 0.642 and 0.629 (at SVM C 0.2); 8 words beat 5 (0.650, 0.647) and 12
#: (0.651, 0.642) in the final model (0.655, 0.650). In a plain balanced SVC the whole
#: first sentence (0.640, 0.634) and the first 5 words across sentences (0.642, 0.633)
#: did less well than the first sentence's first 8 (0.650, 0.641)
OPENING_WORDS = 8


@functools.lru_cache(maxsize=100_000)
def _stem(word: str) -> str:
    if not hasattr(_STEMMERS, "english"):
        _STEMMERS.english = snowballstemmer.stemmer("english")
    return _STEMMERS.english.stemWord(word)


def _stems(text: str) -> list[str]:
    return [_stem(w) for w in _TOKEN.findall(strip_accents_unicode(text.lower()))]


def _ngrams(stems: list[str], n: int = 3) -> list[str]:
    grams = list(stems)
    for k in range(2, n + 1):
        grams += [" ".join(stems[i : i + k]) for i in range(len(stems) - k + 1)]
    return grams


def _words(text: str) -> list[str]:
    """Stemmed word 1–3-grams. Stemming lifts macro F1 from 0.608 (both seeds, for word
    1–3-grams as for 1–2) to 0.619 and 0.610 (seeds 42 and 0, before the opening)."""
    return _ngrams(_stems(text))


def _opening(text: str) -> list[str]:
    """The stemmed 1–3-grams of the opening: the first sentence, at most OPENING_WORDS words."""
    first = _SENTENCE_END.split(text.strip(), maxsplit=1)[0]
    return ["^" + g for g in _ngrams(_stems(first)[:OPENING_WORDS])]


class _Features:
    """The columns: words, characters, then the opening (which the themes use and the
    sentiment does not: with it sentiment accuracy falls from 0.876 to 0.872, and from
    0.907 to 0.902 with the question, seed 42)."""

    def __init__(self, n_texts: int):
        # one-off words carry no signal in a large set but are most of a small one
        min_df = 2 if n_texts >= 500 else 1
        self.word = TfidfVectorizer(
            analyzer=_words, sublinear_tf=True, min_df=min_df, max_features=MAX_WORD_FEATURES
        )
        self.char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(2, 5),
            sublinear_tf=True,
            min_df=min_df,
            strip_accents="unicode",
            max_features=MAX_CHAR_FEATURES,
        )
        self.opening = TfidfVectorizer(
            analyzer=_opening, sublinear_tf=True, min_df=min_df, max_features=MAX_WORD_FEATURES
        )

    def fit_transform(self, texts: Sequence[str], contexts) -> sparse.csr_matrix:
        words = self.word.fit_transform(_with_context(texts, contexts))
        chars = self.char.fit_transform(texts)
        opening = self.opening.fit_transform(texts)
        return sparse.hstack([words, chars, opening], format="csr")

    def transform(self, texts: Sequence[str], contexts) -> sparse.csr_matrix:
        words = self.word.transform(_with_context(texts, contexts))
        chars = self.char.transform(texts)
        opening = self.opening.transform(texts)
        return sparse.hstack([words, chars, opening], format="csr")

    def for_sentiment(self, matrix: sparse.csr_matrix) -> sparse.csr_matrix:
        """The columns the sentiment uses: all but the opening's."""
        return matrix[:, : len(self.word.vocabulary_) + len(self.char.vocabulary_)]


# Themes ----------------------------------------------------------------------------------


@dataclass
class _Theme:
    code: str
    svm: LinearSVC
    #: Platt scaling: the SVM's score → probability
    platt: LogisticRegression
    #: the confidence at and over which the theme is suggested
    threshold: float
    #: when one theme is suggested per answer, the one with the highest confidence × weight
    weight: float = 1.0

    def confidence(self, scores: np.ndarray) -> np.ndarray:
        return self.platt.predict_proba(scores.reshape(-1, 1))[:, 1]


def _svm(y: np.ndarray) -> LinearSVC:
    positives = int(y.sum())
    weight = float(np.sqrt((len(y) - positives) / positives))
    return LinearSVC(C=SVM_C, class_weight={1: weight, 0: 1.0}, random_state=0)


def _best_threshold(confidence: np.ndarray, y: np.ndarray) -> float:
    """The threshold with the best F1 on out-of-fold confidences (the lowest of equals)."""
    best, best_f1 = 0.5, -1.0
    positives = y.sum()
    for threshold in np.arange(0.05, 0.951, 0.01):
        chosen = confidence >= threshold
        true = np.count_nonzero(chosen & y)
        f1 = 2 * true / (chosen.sum() + positives) if true else 0.0
        if f1 > best_f1:
            best, best_f1 = float(threshold), f1
    return round(best, 2)


def _platt(scores: np.ndarray, y: np.ndarray) -> LogisticRegression:
    """Platt scaling (Platt 1999), with his targets (N+ + 1) / (N+ + 2) for positives and
    1 / (N- + 2) for negatives rather than 1 and 0, so that a few answers that happen to
    separate cleanly do not give certainties. Each score is fitted as a positive and as a
    negative, weighted by its target."""
    positives = int(y.sum())
    negatives = len(y) - positives
    target = np.where(y == 1, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    scores = scores.reshape(-1, 1)
    return LogisticRegression(C=1e4).fit(
        np.vstack([scores, scores]),
        np.r_[np.ones(len(y)), np.zeros(len(y))],
        sample_weight=np.r_[target, 1 - target],
    )


def _fit_theme(code: str, features: sparse.csr_matrix, y: np.ndarray) -> _Theme:
    folds = StratifiedKFold(CALIBRATION_FOLDS, shuffle=True, random_state=0)
    out_of_fold = cross_val_predict(_svm(y), features, y, cv=folds, method="decision_function")
    platt = _platt(out_of_fold, y)
    svm = _svm(y).fit(features, y)
    # half the size, the same suggestions
    svm.coef_ = svm.coef_.astype(np.float32)
    theme = _Theme(code, svm, platt, 0.5)
    theme.threshold = _best_threshold(theme.confidence(out_of_fold), y.astype(bool))
    return theme


# The model ------------------------------------------------------------------------------


class Model:
    """What :func:`train` learned. ``themes`` are the codes it can suggest."""

    def __init__(
        self,
        features: _Features,
        themes: list[_Theme],
        sentiment: LogisticRegression | None,
        *,
        one_theme: bool,
        at_least_one: bool,
        trained_on: int,
    ):
        self._features = features
        self._themes = themes
        self._sentiment = sentiment
        #: every training answer had exactly one theme: suggest exactly one
        self.one_theme = one_theme
        #: every training answer had a theme: always suggest one
        self.at_least_one = at_least_one
        self.trained_on = trained_on

    @property
    def themes(self) -> list[str]:
        return [theme.code for theme in self._themes]

    @property
    def sentiments(self) -> list[str]:
        return [] if self._sentiment is None else list(self._sentiment.classes_)

    def confidences(
        self, texts: Sequence[str], contexts: Sequence[str | None] | None = None
    ) -> np.ndarray:
        """A (texts × themes) array of confidences, themes in the order of ``themes``."""
        with threadpool_limits(limits=1):
            return self._confidences(self._features.transform(texts, contexts))

    def _confidences(self, features: sparse.csr_matrix) -> np.ndarray:
        confidence = np.zeros((features.shape[0], len(self._themes)))
        for j, theme in enumerate(self._themes):
            confidence[:, j] = theme.confidence(theme.svm.decision_function(features))
        return confidence

    def _chosen(self, confidence: np.ndarray) -> list[list[int]]:
        """For each text, the indices of the themes to suggest, most confident first."""
        if not self._themes:
            return [[] for _ in range(confidence.shape[0])]
        if self.one_theme:
            weights = np.array([theme.weight for theme in self._themes])
            return [[int(j)] for j in (confidence * weights).argmax(axis=1)]
        thresholds = np.array([theme.threshold for theme in self._themes])
        chosen = []
        for row in confidence:
            over = [int(j) for j in np.argsort(-row) if row[j] >= thresholds[j]]
            if not over and self.at_least_one:
                over = [int(row.argmax())]
            chosen.append(over)
        return chosen

    def suggest(
        self, texts: Sequence[str], contexts: Sequence[str | None] | None = None
    ) -> list[Suggestion]:
        """A suggestion for each text: themes with their confidence, and sentiment."""
        if not texts:
            return []
        with threadpool_limits(limits=1):
            features = self._features.transform(texts, contexts)
            confidence = self._confidences(features)
            chosen = self._chosen(confidence)
            if self._sentiment is not None:
                probabilities = self._sentiment.predict_proba(
                    self._features.for_sentiment(features)
                )
                classes = self._sentiment.classes_
        suggestions = []
        for i, indices in enumerate(chosen):
            themes = [(self._themes[j].code, round(float(confidence[i, j]), 3)) for j in indices]
            if self._sentiment is None:
                suggestions.append(Suggestion(themes, None, None))
            else:
                best = int(probabilities[i].argmax())
                suggestions.append(
                    Suggestion(themes, str(classes[best]), round(float(probabilities[i, best]), 3))
                )
        return suggestions

    def predict_themes(
        self, texts: Sequence[str], contexts: Sequence[str | None] | None = None
    ) -> list[set[str]]:
        return [{code for code, _ in s.themes} for s in self.suggest(texts, contexts)]


def _sentiment_model(
    features: sparse.csr_matrix, sentiments: Sequence[str | None] | None
) -> LogisticRegression | None:
    if sentiments is None:
        return None
    counts = Counter(s for s in sentiments if s is not None)
    unknown = set(counts) - set(SENTIMENTS)
    if unknown:
        raise ValueError(f"unknown sentiment {sorted(unknown)[0]!r}")
    kept = {s for s, n in counts.items() if n >= MIN_PER_SENTIMENT}
    if len(kept) < 2:
        return None
    rows = [i for i, s in enumerate(sentiments) if s in kept]
    y = [sentiments[i] for i in rows]
    return LogisticRegression(C=SENTIMENT_C, max_iter=2000).fit(features[rows], y)


def train(
    texts: Sequence[str],
    labels: Sequence[set[str]],
    sentiments: Sequence[str | None] | None = None,
    contexts: Sequence[str | None] | None = None,
) -> Model:
    """Learn from coded answers: each text's set of theme codes (perhaps empty) and its
    sentiment (positive, neutral, negative, or None where the analyst set none).
    ``contexts`` (say, each answer's question key) is optional; give the same kind to
    :meth:`Model.suggest`. Themes with too few answers are left out (see
    :func:`learnable_themes`); check :func:`enough` first."""
    if len(labels) != len(texts) or (sentiments is not None and len(sentiments) != len(texts)):
        raise ValueError("give one set of themes and one sentiment per text")
    if not texts:
        raise ValueError("nothing to learn from")
    codes = learnable_themes(labels)
    with threadpool_limits(limits=1):
        features = _Features(len(texts))
        matrix = features.fit_transform(texts, contexts)
        themes = Parallel(n_jobs=N_JOBS, prefer="threads")(
            delayed(_fit_theme)(code, matrix, np.array([code in s for s in labels], dtype=int))
            for code in codes
        )
        sentiment = _sentiment_model(features.for_sentiment(matrix), sentiments)
    one_theme = all(len(s) == 1 for s in labels)
    if one_theme:
        counts = theme_counts(labels)
        for theme in themes:
            theme.weight = (counts[theme.code] / len(labels)) ** -ONE_THEME_EXPONENT
    return Model(
        features,
        list(themes),
        sentiment,
        one_theme=one_theme,
        at_least_one=all(labels),
        trained_on=len(texts),
    )


# Cross-validation --------------------------------------------------------------------------


@dataclass(frozen=True)
class ThemeScore:
    code: str
    precision: float
    recall: float
    f1: float
    #: answers the analyst coded with the theme
    support: int
    #: whether the model learns it from all the answers (enough of them)
    learned: bool


@dataclass(frozen=True)
class Evaluation:
    themes: list[ThemeScore]
    #: mean F1 over every theme the analyst used, learned or not
    macro_f1: float
    #: F1 over all (answer, theme) decisions
    micro_f1: float
    #: the share of answers whose suggested themes are exactly the analyst's
    exact_match: float
    #: the share of answers with a sentiment whose suggested sentiment is the analyst's
    sentiment_accuracy: float | None
    answers: int
    folds: int


def fold_numbers(labels: Sequence[set[str]], folds: int, seed: int = 0) -> list[int]:
    """A fold for each answer, stratified by its rarest theme so that every fold gets
    its share of each theme (round robin over answers grouped by that theme, each group
    shuffled)."""
    counts = theme_counts(labels)
    groups: dict[str, list[int]] = {}
    for i, themes in enumerate(labels):
        key = min(themes, key=lambda c: (counts[c], c)) if themes else ""
        groups.setdefault(key, []).append(i)
    rng = random.Random(seed)
    numbers = [0] * len(labels)
    turn = 0
    for key in sorted(groups, key=lambda k: (counts.get(k, 0), k)):
        members = groups[key]
        rng.shuffle(members)
        for i in members:
            numbers[i] = turn % folds
            turn += 1
    return numbers


def cross_validate(
    texts: Sequence[str],
    labels: Sequence[set[str]],
    folds: int = 5,
    *,
    sentiments: Sequence[str | None] | None = None,
    contexts: Sequence[str | None] | None = None,
    seed: int = 0,
) -> Evaluation:
    """Train on all folds but one and suggest for that one, for each fold in turn, then
    score the suggestions against the analyst's codes: per theme precision, recall and
    F1, macro and micro F1, exact match, and sentiment accuracy."""
    if not 2 <= folds <= len(texts):
        raise ValueError("need at least two folds and an answer in each")
    numbers = np.array(fold_numbers(labels, folds, seed))
    predicted: list[set[str]] = [set() for _ in texts]
    predicted_sentiment: list[str | None] = [None] * len(texts)

    def pick(values, rows):
        return None if values is None else [values[i] for i in rows]

    for fold in range(folds):
        train_rows = np.flatnonzero(numbers != fold)
        test_rows = np.flatnonzero(numbers == fold)
        model = train(
            pick(texts, train_rows),
            pick(labels, train_rows),
            pick(sentiments, train_rows),
            pick(contexts, train_rows),
        )
        for i, suggestion in zip(
            test_rows, model.suggest(pick(texts, test_rows), pick(contexts, test_rows)), strict=True
        ):
            predicted[i] = {code for code, _ in suggestion.themes}
            predicted_sentiment[i] = suggestion.sentiment
    return _evaluation(labels, predicted, sentiments, predicted_sentiment, folds)


def _evaluation(labels, predicted, sentiments, predicted_sentiment, folds) -> Evaluation:
    codes = sorted(theme_counts(labels))
    binarizer = MultiLabelBinarizer(classes=codes)
    truth = binarizer.fit_transform(labels)
    # a suggestion of a theme the analyst never used is a false positive of nothing
    guess = binarizer.transform([s & set(codes) for s in predicted])
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, guess, average=None, zero_division=0
    )
    learned = set(learnable_themes(labels))
    scores = [
        ThemeScore(code, float(p), float(r), float(f), int(n), code in learned)
        for code, p, r, f, n in zip(codes, precision, recall, f1, support, strict=True)
    ]
    exact = float(np.mean([set(a) == set(b) for a, b in zip(labels, predicted, strict=True)]))
    accuracy = None
    if sentiments is not None:
        pairs = [(s, p) for s, p in zip(sentiments, predicted_sentiment, strict=True) if s]
        if pairs:
            accuracy = float(accuracy_score([s for s, _ in pairs], [p or "" for _, p in pairs]))
    return Evaluation(
        themes=scores,
        macro_f1=float(f1_score(truth, guess, average="macro", zero_division=0)) if codes else 0.0,
        micro_f1=float(f1_score(truth, guess, average="micro", zero_division=0)) if codes else 0.0,
        exact_match=exact,
        sentiment_accuracy=accuracy,
        answers=len(labels),
        folds=folds,
    )
