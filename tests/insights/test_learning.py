"""Assisted coding learns from coded answers: the fixture is 60 short comments written
for these tests and coded with themes of the default codebook (coded_comments.csv)."""

import csv
import io
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import joblib
import pytest

from engage.insights import learning
from engage.insights.codebook import default_codebook

FIXTURE = Path(__file__).with_name("coded_comments.csv")


def coded() -> tuple[list[str], list[set[str]], list[str]]:
    with FIXTURE.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return (
        [r["text"] for r in rows],
        [set(r["themes"].split(";")) for r in rows],
        [r["sentiment"] for r in rows],
    )


@pytest.fixture(scope="module")
def model() -> learning.Model:
    return learning.train(*coded())


def test_the_fixture_is_coded_with_the_default_codebook():
    texts, labels, sentiments = coded()
    assert len(texts) == 60
    codes = {t.code for t in default_codebook()}
    assert set().union(*labels) <= codes
    assert set(sentiments) == {"positive", "neutral", "negative"}


# enough -----------------------------------------------------------------------------------


def test_enough_needs_fifty_coded_answers():
    labels = [{"parking"}] * 10 + [{"food"}] * 39
    assert not learning.enough(labels)
    assert learning.enough(labels + [{"food"}])


def test_enough_needs_a_theme_with_five_answers_and_five_without():
    assert not learning.enough([{f"theme{i % 13}"} for i in range(52)])  # 4 each
    assert learning.enough([{f"theme{i % 10}"} for i in range(50)])  # 5 each
    # a theme on every answer cannot be told apart
    assert not learning.enough([{"general"}] * 60)
    assert learning.learnable_themes([{"general", "parking"}] * 5 + [{"general"}] * 50) == [
        "parking"
    ]


def test_the_fixture_is_enough_and_its_rare_theme_is_not_learned(model):
    texts, labels, _ = coded()
    assert learning.enough(labels)
    assert "digital_exclusion" not in model.themes
    assert sorted(model.themes) == sorted(
        code for code, n in Counter(c for s in labels for c in s).items() if n >= 5
    )


# Suggestions --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "theme"),
    [
        ("The car park was completely full", "parking"),
        ("No parking spaces left for disabled drivers", "parking"),
        ("The interpreter never turned up", "interpreters_language_support"),
        ("Please translate the letters into Gujarati", "interpreters_language_support"),
        ("Dinner was cold and the menu was boring", "food_drink_provision_facilities"),
        ("I waited six hours to be seen", "timeliness_of_care"),
        ("The nurse was so kind and friendly", "staff_manner_personal_attributes"),
        ("The doctor was rude", "staff_manner_personal_attributes"),
    ],
)
def test_suggests_the_right_theme_for_a_clear_unseen_comment(model, text, theme):
    (suggestion,) = model.suggest([text])
    best, confidence = suggestion.themes[0]
    assert best == theme
    assert 0 < confidence <= 1


def test_suggests_each_theme_of_a_comment_about_two(model):
    (suggestion,) = model.suggest(["Rude staff and the parking was terrible"])
    assert {"staff_manner_personal_attributes", "parking"} <= {c for c, _ in suggestion.themes}
    confidences = [c for _, c in suggestion.themes]
    assert confidences == sorted(confidences, reverse=True)


def test_suggests_a_sentiment_with_a_confidence(model):
    suggestions = model.suggest(["Lovely kind staff, thank you", "Awful rude staff, cold food"])
    assert [s.sentiment for s in suggestions] == ["positive", "negative"]
    assert all(0 < s.sentiment_confidence <= 1 for s in suggestions)


def test_without_coded_sentiment_there_is_none_to_suggest():
    texts, labels, _ = coded()
    (suggestion,) = learning.train(texts, labels).suggest(["The car park was full"])
    assert suggestion.sentiment is None and suggestion.sentiment_confidence is None
    assert suggestion.themes[0][0] == "parking"


def test_one_theme_per_answer_in_training_gives_one_per_suggestion():
    texts, labels, _ = coded()
    single = [(t, s) for t, s in zip(texts, labels, strict=True) if len(s) == 1]
    model = learning.train([t for t, _ in single], [s for _, s in single])
    suggestions = model.suggest(["Rude staff and the parking was terrible", "Hello"])
    assert [len(s.themes) for s in suggestions] == [1, 1]


def test_a_comment_about_two_things_is_coded_by_what_it_opens_with():
    """Coded one theme each, comments of two sentences have the first one's theme: the
    model learns that the opening counts most, so the same two sentences in either order
    get different themes."""
    texts, labels, _ = coded()
    single = [(t, next(iter(s))) for t, s in zip(texts, labels, strict=True) if len(s) == 1]
    pairs = [
        (f"{first}. {second}.", {theme})
        for i, (first, theme) in enumerate(single)
        for second, other in single[i % 7 :: 7]
        if other != theme
    ]
    model = learning.train([t for t, _ in pairs], [s for _, s in pairs])
    parking, staff = "The car park was completely full.", "The nurse was so kind and friendly."
    suggestions = model.suggest([f"{parking} {staff}", f"{staff} {parking}"])
    assert [s.themes[0][0] for s in suggestions] == [
        "parking",
        "staff_manner_personal_attributes",
    ]


def test_the_suggested_confidence_is_the_themes_own():
    """Picking one theme per answer favours rarer themes, but the confidence shown is
    still the model's confidence in that theme."""
    texts, labels, _ = coded()
    single = [(t, s) for t, s in zip(texts, labels, strict=True) if len(s) == 1]
    model = learning.train([t for t, _ in single], [s for _, s in single])
    comments = ["The car park was full", "Hello", "Lunch was late and the nurse was rude"]
    confidences = model.confidences(comments)
    for suggestion, row in zip(model.suggest(comments), confidences, strict=True):
        ((code, confidence),) = suggestion.themes
        assert confidence == round(float(row[model.themes.index(code)]), 3)


def test_suggestions_are_the_same_from_several_threads_at_once(model):
    comments = [f"The car park was full on visit {i}, the nurses were lovely" for i in range(40)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda text: model.suggest([text]), comments))
    assert results == [model.suggest([text]) for text in comments]


def test_the_question_tells_the_same_words_apart():
    """ "Nothing" praises after "what could be improved" and complains after "what was
    good": with the question as context the model learns both."""
    texts, labels, contexts = [], [], []
    for word in ["Nothing", "Nothing really", "Nothing at all", "Nothing much", "Nothing, no"]:
        for _ in range(2):
            texts += [word, word]
            labels += [{"positive_experience_gratitude"}, {"not_assigned"}]
            contexts += ["improve", "good"]
    model = learning.train(texts, labels, contexts=contexts)
    improve, good = model.suggest(["Nothing!", "Nothing!"], contexts=["improve", "good"])
    assert improve.themes[0][0] == "positive_experience_gratitude"
    assert good.themes[0][0] == "not_assigned"


def test_a_model_is_stored_and_loaded_with_joblib(model):
    stored = io.BytesIO()
    joblib.dump(model, stored)
    stored.seek(0)
    loaded = joblib.load(stored)
    texts = ["The car park was full", "The interpreter was late"]
    assert loaded.suggest(texts) == model.suggest(texts)


def test_uses_at_most_two_cores():
    assert learning.N_JOBS <= 2


def test_training_needs_one_code_set_per_text():
    with pytest.raises(ValueError):
        learning.train(["a", "b"], [{"x"}])
    with pytest.raises(ValueError):
        learning.train(["a"], [{"x"}], ["cheerful"])


# Cross-validation ---------------------------------------------------------------------------


def test_cross_validation_reports_each_theme_the_analyst_used():
    texts, labels, sentiments = coded()
    evaluation = learning.cross_validate(texts, labels, folds=5, sentiments=sentiments)
    counts = Counter(c for s in labels for c in s)
    by_code = {t.code: t for t in evaluation.themes}
    assert set(by_code) == set(counts)
    assert {code: t.support for code, t in by_code.items()} == dict(counts)
    assert not by_code["digital_exclusion"].learned
    assert by_code["digital_exclusion"].recall == 0
    for theme in evaluation.themes:
        assert 0 <= theme.precision <= 1 and 0 <= theme.recall <= 1 and 0 <= theme.f1 <= 1
    # clear comments: the learned themes are mostly found
    assert by_code["parking"].f1 > 0.6
    assert evaluation.macro_f1 == pytest.approx(sum(t.f1 for t in evaluation.themes) / 6)
    assert 0 < evaluation.exact_match <= evaluation.micro_f1 <= 1
    assert 0 < evaluation.sentiment_accuracy <= 1
    assert (evaluation.answers, evaluation.folds) == (60, 5)


def test_each_fold_gets_its_share_of_every_theme():
    _, labels, _ = coded()
    numbers = learning.fold_numbers(labels, 5)
    assert Counter(numbers) == {n: 12 for n in range(5)}
    for code in ("parking", "food_drink_provision_facilities"):
        per_fold = Counter(n for n, s in zip(numbers, labels, strict=True) if code in s)
        assert max(per_fold.values()) - min(per_fold.values()) <= 2


def test_cross_validation_needs_two_folds():
    texts, labels, _ = coded()
    with pytest.raises(ValueError):
        learning.cross_validate(texts, labels, folds=1)
