"""The analyst's free-text pages: the Analyse button with its progress, the coding screen
(accept, skip, filters, the model's quality), the translation queue, who may use them,
and bad input answered with a message, never an error page."""

from __future__ import annotations

import csv
import re
from collections import Counter
from html import escape, unescape
from pathlib import Path

import pytest
from sqlalchemy import select

from engage import jobs
from engage.consultations.models import ConsultationStatus
from engage.consultations.service import get_survey
from engage.extensions import db
from engage.insights.coding_views import JOB_KIND
from engage.insights.models import TextAnalysis
from engage.responses import transfer
from engage.responses.models import Answer, Sentiment
from tests.conftest import csrf_token, login
from tests.factories import make_consultation, make_survey
from tests.insights.test_pipeline import ANSWERS, URDU, write_csv

HUB = "/en/surveys/test-survey/text"
CODING = "/en/surveys/test-survey/coding"
QUEUE = "/en/surveys/test-survey/text/translations"
CODED_COMMENTS = Path(__file__).with_name("coded_comments.csv")
URDU_TRANSLATION = "The interpreter did not come and I did not understand the doctor."
#: a second Urdu answer, from the other forum
URDU_B = "مجھے اپنی زبان میں کوئی معلومات نہیں ملی۔"
WHY_POOR = "Nobody answered the phone at the surgery for three days."


@pytest.fixture
def app_config():
    # the job runs in the request, inside the test's transaction
    return {"JOBS_INLINE": True}


def import_rows(app, rows: list[dict[str, str]], tmp_path, slug: str = "test-survey") -> None:
    with app.app_context():
        transfer.import_responses(get_survey(slug), write_csv(tmp_path / f"{slug}.csv", rows))
        db.session.commit()


@pytest.fixture
def answers(app, world, tmp_path):
    """The pipeline tests' five answers to "summary" (the Urdu one through forum A), one
    more Urdu answer through forum B, and one answer to "why_poor"."""
    rows = [
        {"experience": "good", "summary": text, "why_poor": "", "forum": ""} for text in ANSWERS
    ]
    rows[ANSWERS.index(URDU)]["forum"] = "forum-a"
    rows.append({"experience": "good", "summary": URDU_B, "why_poor": "", "forum": "forum-b"})
    rows.append({"experience": "poor", "summary": "", "why_poor": WHY_POOR, "forum": ""})
    import_rows(app, rows, tmp_path)
    return rows


@pytest.fixture
def analyst(client, world):
    login(client, world.emails["analyst"])
    return client


def post(client, url: str, data: dict, token_from: str | None = None):
    data = {"csrf_token": csrf_token(client, token_from or url), **data}
    return client.post(url, data=data)


def analyse(client) -> str:
    """Presses "Analyse the free text"; the status page's HTML."""
    response = post(client, f"{HUB}/analyse", {}, token_from=HUB)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return client.get(response.headers["Location"]).get_data(as_text=True)


def answer_id(app, text: str) -> int:
    with app.app_context():
        return db.session.scalar(select(Answer.id).where(Answer.text == text))


def answer_row(app, text: str) -> tuple:
    with app.app_context():
        row = db.session.execute(
            select(Answer.coded_themes, Answer.coded_sentiment).where(Answer.text == text)
        ).one()
        return tuple(row)


def analysis(app, text: str) -> TextAnalysis:
    with app.app_context():
        found = db.session.scalar(
            select(TextAnalysis)
            .join(Answer, Answer.id == TextAnalysis.answer_id)
            .where(Answer.text == text)
        )
        db.session.expunge(found)
        return found


def shown_text(html: str) -> str:
    """The answer the coding screen shows."""
    match = re.search(r'<blockquote[^>]*id="answer-text"[^>]*>(.*?)</blockquote>', html, re.S)
    return unescape(match.group(1)) if match else ""


def text_of(html: str) -> str:
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def code(client, item_id: int, themes: list[str], sentiment: str = "", **extra):
    data = {"answer_id": str(item_id), "themes": themes, "sentiment": sentiment, **extra}
    return post(client, CODING, data)


# The Analyse button ------------------------------------------------------------------------


def test_the_analyse_button_runs_the_pipeline_and_shows_how_it_went(app, analyst, answers):
    hub = analyst.get(HUB).get_data(as_text=True)
    assert "7 free-text answers." in hub
    assert "Not analysed yet" in hub
    status = analyse(analyst)
    # seven answers; the two in Urdu wait for an English translation
    assert "7 answers analysed. 2 wait for an English translation." in status
    assert 'http-equiv="refresh"' not in status
    assert "Translate answers in other languages" in status
    url = re.search(r'data-import-status-url="([^"]+)"', status).group(1)
    data = analyst.get(url).get_json()
    assert data["state"] == "done" and data["finished"] and data["done"] == 7
    hub = text_of(analyst.get(HUB).get_data(as_text=True))
    assert "Analysed 7" in hub
    assert "Waiting for an English translation 2" in hub
    assert "Not analysed yet" not in hub


def test_analysing_nothing_says_so_and_starts_no_job(analyst, world):
    response = post(analyst, f"{HUB}/analyse", {}, token_from=HUB)
    assert response.status_code == 303 and response.headers["Location"].endswith(HUB)
    assert "There are no free-text answers to analyse yet." in analyst.get(HUB).get_data(
        as_text=True
    )


def test_a_job_of_another_survey_or_an_unknown_one_is_not_found(app, analyst, answers, world):
    status_url = post(analyst, f"{HUB}/analyse", {}, token_from=HUB).headers["Location"]
    job = status_url.rsplit("/", 1)[1]
    assert analyst.get(f"/en/surveys/draft-survey/text/analyse/{job}").status_code == 404
    assert analyst.get(f"{HUB}/analyse/{'0' * 32}").status_code == 404
    assert analyst.get(f"{HUB}/analyse/{'0' * 32}.json").status_code == 404


# Coding ------------------------------------------------------------------------------------


def test_an_analyst_codes_an_answer_and_it_leaves_the_uncoded_list(app, analyst, answers):
    analyse(analyst)
    page = analyst.get(CODING).get_data(as_text=True)
    assert shown_text(page) == ANSWERS[0]  # answers come in the order they arrived
    assert "0 of 7 answers coded." in page
    # the keywords' suggestion, ticked, with its confidence and who made it
    assert re.search(r'value="interpreters_language_support" checked', page)
    assert "Confidence: " in page
    assert "Suggested by the codebook's keywords" in text_of(page)
    first = answer_id(app, ANSWERS[0])
    response = code(
        analyst,
        first,
        ["interpreters_language_support", "staff_listening_understanding_involving_patients"],
        "negative",
    )
    assert response.status_code == 303
    assert answer_row(app, ANSWERS[0]) == (
        "interpreters_language_support;staff_listening_understanding_involving_patients",
        Sentiment.negative,
    )
    following = analyst.get(response.headers["Location"]).get_data(as_text=True)
    assert "Your coding was saved." in following
    assert "1 of 7 answers coded." in following
    assert shown_text(following) == ANSWERS[1]
    # from the start again: the coded answer is no longer among the uncoded
    assert shown_text(analyst.get(CODING).get_data(as_text=True)) == ANSWERS[1]
    coded = analyst.get(f"{CODING}?status=coded").get_data(as_text=True)
    assert shown_text(coded) == ANSWERS[0]
    # the analyst's codes are ticked, not the suggestions
    assert 'value="staff_listening_understanding_involving_patients" checked' in coded
    assert 'id="sentiment-negative" name="sentiment" type="radio" value="negative" checked' in coded


def test_coding_with_no_theme_counts_as_coded_and_the_next_run_keeps_it(app, analyst, answers):
    analyse(analyst)
    second = answer_id(app, ANSWERS[1])
    code(analyst, second, [], "")
    assert answer_row(app, ANSWERS[1]) == ("", None)
    analyse(analyst)
    assert answer_row(app, ANSWERS[1]) == ("", None)  # analyst codes always win


def test_skip_moves_on_without_saving(app, analyst, answers):
    analyse(analyst)
    first = answer_id(app, ANSWERS[0])
    response = code(analyst, first, ["parking"], "positive", action="skip")
    assert response.status_code == 303
    assert answer_row(app, ANSWERS[0]) == (None, None)
    assert (
        shown_text(analyst.get(response.headers["Location"]).get_data(as_text=True)) == (ANSWERS[1])
    )


def test_the_end_of_the_list_offers_to_start_again(app, analyst, answers):
    analyse(analyst)
    last = answer_id(app, WHY_POOR)
    page = analyst.get(f"{CODING}?after={last}").get_data(as_text=True)
    assert "There are no more answers after this one with these filters." in page
    assert "Start again from the first answer" in page


def test_filters_by_question_suggested_theme_language_and_status(app, analyst, answers):
    analyse(analyst)
    by_question = analyst.get(f"{CODING}?question=why_poor").get_data(as_text=True)
    assert shown_text(by_question) == WHY_POOR
    assert "1 answer matches these filters." in by_question
    urdu = analyst.get(f"{CODING}?language=ur").get_data(as_text=True)
    assert shown_text(urdu) == URDU
    assert "2 answers match these filters." in urdu
    assert re.search(r'id="answer-text" lang="ur" dir="auto"', urdu)
    with app.app_context():
        suggested = [
            text
            for text, themes in db.session.execute(
                select(Answer.text, TextAnalysis.themes).join(
                    TextAnalysis, TextAnalysis.answer_id == Answer.id
                )
            )
            if "staff_manner_personal_attributes" in [c for c, _ in themes]
        ]
    assert suggested
    theme = analyst.get(f"{CODING}?theme=staff_manner_personal_attributes").get_data(as_text=True)
    assert shown_text(theme) == suggested[0]
    assert f"{len(suggested)} answer" in text_of(theme)
    # coded only: none yet
    nothing = analyst.get(f"{CODING}?status=coded").get_data(as_text=True)
    assert "No answers match these filters." in nothing
    # the filters carry on to the next answer
    urdu_id = answer_id(app, URDU)
    response = code(analyst, urdu_id, [], "", language="ur")
    assert "language=ur" in response.headers["Location"]
    assert shown_text(analyst.get(response.headers["Location"]).get_data(as_text=True)) == URDU_B


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"themes": ["nonsense"]},
            "“nonsense” is not a theme in this survey&#39;s codebook.",
        ),
        ({"answer_id": ""}, "The answer to code was missing. Choose it again."),
        ({"answer_id": "12abc"}, "The answer to code was missing. Choose it again."),
        ({"answer_id": "9" * 30}, "The answer to code was missing. Choose it again."),
        ({"answer_id": "999999999"}, "is not one of this survey&#39;s free-text answers"),
        ({"sentiment": "furious"}, "Choose positive, neutral or negative."),
    ],
)
def test_bad_coding_input_gets_a_message_and_saves_nothing(app, analyst, answers, data, message):
    analyse(analyst)
    first = answer_id(app, ANSWERS[0])
    form = {"answer_id": str(first), "themes": ["parking"], "sentiment": "", **data}
    response = post(analyst, CODING, form)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert "There is a problem" in response.get_data(as_text=True)
    assert answer_row(app, ANSWERS[0]) == (None, None)


def test_an_answer_of_another_survey_cannot_be_coded_here(app, analyst, answers, tmp_path):
    from tests.factories import make_consultation, make_survey

    with app.app_context():
        make_survey(make_consultation(), slug="other-survey")
        db.session.commit()
    import_rows(app, [{"summary": "Another survey's answer"}], tmp_path, slug="other-survey")
    other = answer_id(app, "Another survey's answer")
    response = code(analyst, other, [], "positive")
    assert response.status_code == 400
    assert "is not one of this survey&#39;s free-text answers" in response.get_data(as_text=True)
    assert answer_row(app, "Another survey's answer") == (None, None)
    page = analyst.get(f"{CODING}?answer={other}")
    assert page.status_code == 400
    assert "Another survey" not in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("status=weird", "Choose which answers to show"),
        ("question=experience", "Choose one of this survey&#39;s free-text questions."),
        ("theme=nonsense", "Choose one of the themes in this survey&#39;s codebook."),
        ("language=xx", "Choose one of the languages found in the answers."),
        ("after=abc", "That link is not right"),
        ("answer=-1", "That link is not right"),
    ],
)
def test_bad_filters_get_a_message(analyst, answers, query, message):
    response = analyst.get(f"{CODING}?{query}")
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_an_answer_coded_with_a_code_not_in_the_codebook_keeps_it(app, analyst, world, tmp_path):
    import_rows(app, [{"summary": "Kept waiting", "summary__themes": "queue"}], tmp_path)
    kept = answer_id(app, "Kept waiting")
    page = analyst.get(f"{CODING}?answer={kept}").get_data(as_text=True)
    assert 'value="queue" checked' in page
    assert code(analyst, kept, ["queue", "parking"], "negative").status_code == 303
    assert answer_row(app, "Kept waiting") == ("queue;parking", Sentiment.negative)


# The model's quality ---------------------------------------------------------------------


def coded_comments() -> list[dict[str, str]]:
    with CODED_COMMENTS.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_quality_table_appears_once_enough_answers_are_coded(app, analyst, tmp_path):
    comments = coded_comments()
    few = [
        {"summary": c["text"], "summary__themes": c["themes"], "summary__sentiment": c["sentiment"]}
        for c in comments[:5]
    ]
    import_rows(app, few, tmp_path)
    page = text_of(analyst.get(CODING).get_data(as_text=True))
    assert "Themes are suggested by the codebook's keywords for now." in page
    assert "Code 45 more answers for the model to learn." in page
    assert "Precision" not in page

    rest = [
        {"summary": c["text"], "summary__themes": c["themes"], "summary__sentiment": c["sentiment"]}
        for c in comments[5:]
    ]
    import_rows(app, rest, tmp_path)
    html = analyst.get(CODING).get_data(as_text=True)
    table = re.search(r'<table class="nhsuk-table" id="quality">.*?</table>', html, re.S).group(0)
    rows = {
        unescape(name): (int(count), cells)
        for name, count, cells in re.findall(
            r'<th class="nhsuk-table__header" scope="row">([^<]+)</th>\s*'
            r'<td class="nhsuk-table__cell nhsuk-table__cell--numeric">(\d+)</td>(.*?)</tr>',
            table,
            re.S,
        )
    }
    expected = Counter(theme for c in comments for theme in filter(None, c["themes"].split(";")))
    assert {name: count for name, (count, _) in rows.items()} == {
        "Parking": expected["parking"],
        "Staff manner & personal attributes": expected["staff_manner_personal_attributes"],
        "Food & drink provision & facilities": expected["food_drink_provision_facilities"],
        "Timeliness of care": expected["timeliness_of_care"],
        "Interpreters & language support": expected["interpreters_language_support"],
        "Digital exclusion": expected["digital_exclusion"],
    }
    # three answers are too few to learn a theme from; the others have three percentages
    assert "Too few answers to learn from" in rows["Digital exclusion"][1]
    percentages = re.findall(r"(\d+)%", rows["Parking"][1])
    assert len(percentages) == 3 and all(0 <= int(p) <= 100 for p in percentages)
    text = text_of(html)
    assert f"Measured when {len(comments)} answers were coded" in text
    assert re.search(r"The suggestions (mostly agree|are often)", text)


def test_a_survey_with_too_few_coded_answers_learns_from_its_organisations(app, analyst, tmp_path):
    comments = coded_comments()
    coded = [
        {"summary": c["text"], "summary__themes": c["themes"], "summary__sentiment": c["sentiment"]}
        for c in comments
    ]
    # the organisation's earlier survey was coded; this one has one answer, not coded
    with app.app_context():
        make_survey(make_consultation(status=ConsultationStatus.closed), slug="earlier-survey")
        db.session.commit()
    import_rows(app, coded, tmp_path, slug="earlier-survey")
    import_rows(app, [{"summary": "Nowhere to park again, I drove round for ages"}], tmp_path)
    text = text_of(analyst.get(CODING).get_data(as_text=True))
    assert (
        f"the model learns from the {len(comments)} answers coded in all your organisation's "
        "surveys" in text
    )
    assert f"Measured when {len(comments)} answers were coded" in text
    analyse(analyst)
    found = analysis(app, "Nowhere to park again, I drove round for ages")
    assert found.suggested_by == "model" and found.themes[0][0] == "parking"
    html = analyst.get(CODING).get_data(as_text=True)
    assert "Nowhere to park again" in shown_text(html)
    # the analysts coded parking complaints negative; the lexicon finds no opinion here
    assert (found.sentiment.value, found.sentiment_by) == ("negative", "model")
    assert "Suggested from your coding of other answers: Negative (confidence" in text_of(html)


def test_the_quality_is_measured_again_only_after_ten_more_coded_answers(app, analyst, tmp_path):
    comments = coded_comments()
    rows = [
        {"summary": c["text"], "summary__themes": c["themes"], "summary__sentiment": c["sentiment"]}
        for c in comments
    ]
    import_rows(app, [*rows, {"summary": "One more, not coded yet"}], tmp_path)
    assert f"Measured when {len(rows)} answers" in text_of(analyst.get(CODING).get_data(True))
    # coding the next answer does not make the page wait for a new measure
    response = code(analyst, answer_id(app, "One more, not coded yet"), ["parking"], "neutral")
    assert response.status_code == 303
    page = text_of(analyst.get(response.headers["Location"]).get_data(True))
    assert f"{len(rows) + 1} of {len(rows) + 1} answers coded." in page
    assert f"Measured when {len(rows)} answers" in page
    import_rows(app, rows[:9], tmp_path)
    page = text_of(analyst.get(CODING).get_data(True))
    assert f"Measured when {len(rows) + 10} answers" in page


# Translations ------------------------------------------------------------------------------


def test_a_translation_is_saved_shown_beside_the_original_and_used_next(app, analyst, answers):
    analyse(analyst)
    queue = analyst.get(QUEUE).get_data(as_text=True)
    assert "2 answers waiting for a translation" in queue
    urdu_id = answer_id(app, URDU)
    assert re.search(rf'id="original-{urdu_id}" lang="ur" dir="auto">{escape(URDU)}<', queue)
    assert f'id="translation-{urdu_id}"' in queue
    response = post(analyst, QUEUE, {"answer_id": str(urdu_id), "translation": URDU_TRANSLATION})
    assert response.status_code == 303
    after = analyst.get(response.headers["Location"]).get_data(as_text=True)
    assert "Translation saved. The next analysis of the free text will use it." in after
    assert "1 answer waiting for a translation" in after
    assert f'id="original-{urdu_id}"' not in after
    translated = analyst.get(f"{QUEUE}?show=translated").get_data(as_text=True)
    assert escape(URDU) in translated and escape(URDU_TRANSLATION) in translated
    # the coding screen shows it beside the original
    page = analyst.get(f"{CODING}?answer={urdu_id}").get_data(as_text=True)
    assert shown_text(page) == URDU
    assert escape(URDU_TRANSLATION) in page
    assert analysis(app, URDU).themes == []  # not yet analysed through it
    analyse(analyst)
    again = analysis(app, URDU)
    assert again.translation == URDU_TRANSLATION and again.language == "ur"
    assert "interpreters_language_support" in [c for c, _ in again.themes]
    assert again.sentiment is not None
    with app.app_context():
        assert db.session.scalar(select(Answer.text).where(Answer.id == urdu_id)) == URDU


def test_a_translation_waits_while_an_analysis_is_running(app, analyst, answers):
    analyse(analyst)
    urdu_id = answer_id(app, URDU)
    with app.app_context():
        # a run of this survey's analysis, going on in this process
        job_id = "0" * 32
        assert jobs._claim(app, f"{JOB_KIND}:test-survey", job_id) is None
        jobs._write(app, job_id, {"state": "running", "done": 1, "total": 7, **jobs._process()})
        assert jobs.active_job(f"{JOB_KIND}:test-survey") == job_id
    response = post(analyst, QUEUE, {"answer_id": str(urdu_id), "translation": URDU_TRANSLATION})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The free text is being analysed now." in text_of(page)
    assert escape(URDU_TRANSLATION) in page  # kept in the box
    assert analysis(app, URDU).translation is None
    with app.app_context():
        jobs._write(app, job_id, {"state": "done", "done": 7, "total": 7, **jobs._process()})
        assert jobs.active_job(f"{JOB_KIND}:test-survey") is None
    response = post(analyst, QUEUE, {"answer_id": str(urdu_id), "translation": URDU_TRANSLATION})
    assert response.status_code == 303
    assert analysis(app, URDU).translation == URDU_TRANSLATION


def test_an_empty_translation_or_a_tampered_answer_gets_a_message(app, analyst, answers):
    analyse(analyst)
    urdu_id = answer_id(app, URDU)
    response = post(analyst, QUEUE, {"answer_id": str(urdu_id), "translation": "  "})
    assert response.status_code == 400
    assert "Enter the English translation." in response.get_data(as_text=True)
    english = answer_id(app, ANSWERS[1])
    response = post(analyst, QUEUE, {"answer_id": str(english), "translation": "Hello"})
    assert response.status_code == 400
    assert "not one waiting for a translation that you may translate" in response.get_data(
        as_text=True
    )
    response = post(analyst, QUEUE, {"answer_id": "x", "translation": "Hello"})
    assert response.status_code == 400
    assert analysis(app, URDU).translation is None
    assert analysis(app, ANSWERS[1]).translation is None


def test_hosts_translate_only_the_answers_of_their_forum(app, client, world, answers):
    login(client, world.emails["analyst"])
    analyse(client)
    client.post("/en/logout", data={"csrf_token": csrf_token(client, HUB)})
    login(client, world.emails["host"])
    queue = client.get(QUEUE).get_data(as_text=True)
    assert "1 answer waiting for a translation" in queue
    assert escape(URDU) in queue and escape(URDU_B) not in queue
    assert "You see the answers that came through the forums you host." in queue
    other = answer_id(app, URDU_B)
    response = post(client, QUEUE, {"answer_id": str(other), "translation": "No information."})
    assert response.status_code == 400
    assert analysis(app, URDU_B).translation is None
    mine = answer_id(app, URDU)
    response = post(client, QUEUE, {"answer_id": str(mine), "translation": URDU_TRANSLATION})
    assert response.status_code == 303
    assert analysis(app, URDU).translation == URDU_TRANSLATION
    # hosts do not code, nor analyse
    assert client.get(CODING).status_code == 403
    assert client.get(HUB).status_code == 403


@pytest.mark.parametrize("role", ["commissioner", "member", "other_host"])
def test_others_may_not_analyse_code_or_translate_the_survey(app, client, world, answers, role):
    login(client, world.emails[role])
    token = csrf_token(client, "/en/password/forgot" if role == "member" else "/en/account")
    assert client.post(f"{HUB}/analyse", data={"csrf_token": token}).status_code == 403
    urdu_id = answer_id(app, URDU)
    response = client.post(
        CODING, data={"csrf_token": token, "answer_id": str(urdu_id), "sentiment": "positive"}
    )
    assert response.status_code == 403
    assert answer_row(app, URDU) == (None, None)
    queue = client.get(QUEUE)
    if role == "other_host":
        # a host of another forum sees the queue of their own forum's answers only
        assert queue.status_code == 200
        assert escape(URDU) not in queue.get_data(as_text=True)
    else:
        assert queue.status_code == 403


def test_the_pages_read_in_urdu_right_to_left(app, analyst, answers):
    analyse(analyst)
    for url in (HUB, CODING, QUEUE):
        response = analyst.get(url.replace("/en/", "/ur/"))
        assert response.status_code == 200, url
        assert 'dir="rtl"' in response.get_data(as_text=True)
