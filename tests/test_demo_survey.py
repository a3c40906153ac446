"""The demo's consultation, survey and responses: what a newcomer sees after `engage demo`,
and data that results by community can be shown on."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from engage import demo, demo_survey
from engage.accounts import service as accounts
from engage.consultations import service as consultations
from engage.consultations.models import Option, Question, QuestionType
from engage.consultations.texts import completeness
from engage.extensions import db
from engage.responses.models import Answer, Channel, Profile, Response
from engage.sqltypes import utcnow
from tests.responses.journey import answer_about_you, answer_pages, start, submit

SLUG = demo_survey.SURVEY_SLUG
URDU_SCRIPT = re.compile(r"[\u0600-\u06FF]")


@pytest.fixture
def demo_site(app):
    """The demo loaded (and committed in the test's transaction, rolled back after)."""
    with app.app_context():
        assert demo.load() is True
        db.session.commit()
    return app


def _responses(app) -> list[tuple[Response, Profile | None]]:
    with app.app_context():
        rows = db.session.execute(
            select(Response, Profile).outerjoin(Profile, Profile.response_id == Response.id)
        ).all()
        return [(r, p) for r, p in rows]


def _answers(app) -> dict[int, dict[str, list]]:
    """{response id: {question key: [option code or value, ...]}}"""
    with app.app_context():
        rows = db.session.execute(
            select(Answer.response_id, Question.key, Option.code, Answer.number, Answer.text)
            .join(Question, Question.id == Answer.question_id)
            .outerjoin(Option, Option.id == Answer.option_id)
            # in the order the answers were written (a multiple choice's ticks too)
            .order_by(Answer.id)
        ).all()
    result: dict[int, dict[str, list]] = {}
    for response_id, key, code, number, text in rows:
        value = code if code is not None else number if number is not None else text
        result.setdefault(response_id, {}).setdefault(key, []).append(value)
    return result


def test_the_consultation_is_listed_and_shown_in_english_and_urdu(demo_site, client):
    english = client.get("/en/consultations").get_data(as_text=True)
    assert demo_survey.TITLE["en"] in english
    urdu = client.get("/ur/consultations").get_data(as_text=True)
    assert demo_survey.TITLE["ur"] in urdu

    page = client.get(f"/ur/consultations/{demo_survey.CONSULTATION_SLUG}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert demo_survey.SUMMARY["ur"] in html
    assert "نارتھ مور انٹیگریٹڈ کیئر بورڈ" in html  # the body, in Urdu
    assert f"/ur/surveys/{SLUG}" in html


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_the_survey_start_page_works_in_both_languages(demo_site, client, locale):
    response = client.get(f"/{locale}/surveys/{SLUG}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert demo_survey.SURVEY_TITLE[locale] in html
    assert demo_survey.SURVEY_INTRO[locale] in html


def test_the_survey_has_every_question_type_skip_logic_monitoring_and_all_of_it_in_urdu(
    demo_site,
):
    with demo_site.app_context():
        survey = consultations.get_survey(SLUG)
        questions = consultations.ordered_questions(survey)
        assert {q.type for q in questions} == set(QuestionType)
        assert len([q for q in questions if q.show_if]) >= 2
        assert {q.required for q in questions} == {True, False}
        assert len([q for q in questions if q.hint]) >= 5
        assert len(survey.sections) == 4
        assert survey.monitoring_enabled and survey.monitoring_keys
        assert survey.consultation.status.value == "open" and survey.status.value == "open"
        assert consultations.is_open(survey)
        assert survey.consultation.languages == ["en", "ur"]
        assert "asian_pakistani" in survey.consultation.target_communities

        done, total = completeness(survey, ["ur"])["ur"]
        assert total > 60 and done == total
        fft = next(q for q in questions if q.type == QuestionType.fft)
        assert [o.code for o in fft.options] == [c for c, _ in consultations.FFT_OPTIONS]
        # the standard answers read in Urdu, not the English again
        assert all(URDU_SCRIPT.search(o.label["ur"]) for o in fft.options)
        assert URDU_SCRIPT.search(fft.label["ur"])


def test_a_few_hundred_responses_across_channels_languages_and_weeks(demo_site):
    rows = _responses(demo_site)
    assert 300 <= len(rows) <= 400
    channels = Counter(r.channel for r, _ in rows)
    assert len(channels) >= 4
    assert channels.most_common(1)[0][0] == Channel.online
    locales = Counter(r.locale for r, _ in rows)
    assert set(locales) == {"en", "ur"} and locales["ur"] >= 20

    with demo_site.app_context():
        host = accounts.get_user_by_email(demo_survey.HOST_EMAIL)
        analyst = accounts.get_user_by_email(demo_survey.ANALYST_EMAIL)
        forum_id = accounts.get_organisation(demo_survey.FORUM).id
        circle_id = accounts.get_organisation(demo_survey.WOMENS_CIRCLE).id
    entered = [r for r, _ in rows if r.entered_by_id]
    assert {r.entered_by_id for r in entered} == {host.id, analyst.id}
    assert all(r.forum_id == forum_id for r in entered if r.entered_by_id == host.id)
    assert all(r.channel != Channel.online for r in entered)
    assert all(r.entered_by_id for r, _ in rows if r.channel != Channel.online)
    online_forums = {r.forum_id for r, _ in rows if r.channel == Channel.online}
    assert {forum_id, circle_id} <= online_forums

    times = sorted(r.submitted_at for r, _ in rows)
    assert times[-1] <= utcnow()
    assert times[-1] - times[0] >= timedelta(weeks=4)
    assert times[0].date() >= utcnow().date() - timedelta(days=demo_survey.OPEN_DAYS + 1)
    assert len({t.date() for t in times}) >= 30


def test_monitoring_has_groups_large_and_small_a_gap_and_a_channel_with_no_ethnicity(demo_site):
    rows = _responses(demo_site)
    groups = Counter(p.ethnic_group for _, p in rows if p and p.ethnic_group)
    stated = {g: n for g, n in groups.items() if g != "not_stated"}
    assert len(stated) >= 5
    assert max(stated, key=stated.get) == "white_british"
    small = {g for g, n in stated.items() if n < 8}
    assert {"white_gypsy_traveller", "white_roma", "other_arab"} <= small
    # Pakistani residents are about 8% of a Bolton-like borough; far fewer answered
    assert stated["asian_pakistani"] / sum(stated.values()) < 0.05
    assert groups["not_stated"] > 0

    declined = [r for r, p in rows if r.channel == Channel.online and p is None]
    assert len(declined) >= 10

    def recorded(channel):
        of_channel = [p for r, p in rows if r.channel == channel]
        return sum(1 for p in of_channel if p and p.ethnic_group) / len(of_channel)

    assert recorded(Channel.paper) < 0.4
    assert recorded(Channel.online) > 0.85


def test_answers_follow_the_skip_logic_and_lean_by_group(demo_site):
    rows = {r.id: (r, p) for r, p in _responses(demo_site)}
    answers = _answers(demo_site)
    assert set(answers) == set(rows)
    for response_id, given in answers.items():
        for key in ("contact_ways", "got_appointment", "experience", "respect"):
            assert key in given, (response_id, key)
        if "what_went_wrong" in given:
            assert given["experience"][0] in ("poor", "very_poor")
        if {"interpreter_language", "interpreter_provided"} & set(given):
            assert given["need_interpreter"] == ["yes"]
        if rows[response_id][0].channel == Channel.interpreter:
            assert given["need_interpreter"] == ["yes"]
        if "recommend" in given:
            assert 0 <= given["recommend"][0] <= 10
        if "attempts" in given:
            assert given["attempts"][0] == int(given["attempts"][0]) >= 1

    def share(locale, key, codes):
        of_locale = [a for i, a in answers.items() if rows[i][0].locale == locale]
        return sum(1 for a in of_locale if a[key][0] in codes) / len(of_locale)

    assert share("ur", "need_interpreter", {"yes"}) > 2 * share("en", "need_interpreter", {"yes"})
    assert share("ur", "experience", {"poor", "very_poor"}) > share(
        "en", "experience", {"poor", "very_poor"}
    )


def test_free_text_is_varied_in_both_languages_with_two_planted_contact_details(demo_site):
    rows = {r.id: r for r, _ in _responses(demo_site)}
    answers = _answers(demo_site)
    texts = [
        (rows[i].locale, text)
        for i, given in answers.items()
        for key in ("what_went_wrong", "one_change", "anything_else")
        for text in given.get(key, [])
    ]
    assert len(texts) > 300
    assert len({t for _, t in texts}) >= 80
    urdu = [t for locale, t in texts if locale == "ur"]
    assert urdu and all(URDU_SCRIPT.search(t) for t in urdu)
    assert not any(URDU_SCRIPT.search(t) for locale, t in texts if locale == "en")
    assert sum("07700 900461" in t for _, t in texts) == 1
    assert sum("@example.com" in t for _, t in texts) == 1


def test_loading_again_changes_nothing_and_the_data_is_the_same_every_time(demo_site):
    def summary():
        rows = _responses(demo_site)
        answers = _answers(demo_site)
        return sorted(
            (
                r.channel.value,
                r.locale,
                (p.ethnic_group or "") if p else "-",
                r.submitted_at.date(),
                repr(sorted(answers[r.id].items())),
            )
            for r, p in rows
        )

    first = summary()
    with demo_site.app_context():
        assert demo.load() is False
        db.session.commit()
    assert summary() == first

    # loaded afresh (in the test's transaction, rolled back after), the demo is the same
    with demo_site.app_context():
        db.session.execute(
            Response.__table__.delete().where(
                Response.survey_id == consultations.get_survey(SLUG).id
            )
        )
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0
        consultation = consultations.get_consultation(demo_survey.CONSULTATION_SLUG)
        consultation.slug = "old-demo"
        consultation.surveys[0].slug = "old-demo-survey"
        organisations = {
            o["slug"]: accounts.get_organisation(o["slug"]) for o in demo.ORGANISATIONS
        }
        demo_survey.load(organisations)
        db.session.commit()
    assert summary() == first


def test_a_respondent_completes_the_demo_survey_in_urdu_through_the_forms(demo_site, client):
    before = len(_responses(demo_site))
    first = start(client, SLUG, "ur")
    page = client.get(first).get_data(as_text=True)
    assert "آپ کی جی پی پریکٹس کہاں ہے؟" in page

    pages = [
        {
            "practice_area": "bl3 5ab",
            "last_contact": utcnow().date().isoformat(),
            "contact_ways": ["phone", "in_person"],
            "attempts": "4",
            "got_appointment": "call_back",
        },
        {"experience": "very_poor"},
        {
            "what_went_wrong": "کسی نے فون کا جواب نہیں دیا۔",
            "respect": "disagree",
            "understood": "neither",
            "recommend": "2",
        },
        {"barriers": ["phone_queue", "language"], "need_interpreter": "yes"},
        {"interpreter_language": "urdu", "interpreter_provided": "child"},
        {"one_change": "اردو بولنے والا عملہ", "anything_else": ""},
    ]
    after = answer_pages(client, first, pages)
    assert after.endswith(f"/ur/surveys/{SLUG}/about-you")
    check = answer_about_you(client, SLUG, "ur")
    html = client.get(check).get_data(as_text=True)
    assert "کسی نے فون کا جواب نہیں دیا۔" in html
    assert submit(client, SLUG, "ur").status_code == 303

    rows = _responses(demo_site)
    assert len(rows) == before + 1
    newest = max((r for r, _ in rows), key=lambda r: r.id)
    assert (newest.locale, newest.channel) == ("ur", Channel.online)
    given = _answers(demo_site)[newest.id]
    assert given["interpreter_provided"] == ["child"]
    assert given["practice_area"] == ["BL3"]
    assert given["contact_ways"] == ["phone", "in_person"]


def test_a_respondent_who_was_happy_skips_the_conditional_questions(demo_site, client):
    first = start(client, SLUG, "en")
    second = answer_pages(
        client, first, [{"contact_ways": ["online"], "got_appointment": "yes_needed"}]
    )
    after = answer_pages(client, second, [{"experience": "very_good"}])
    html = client.get(after).get_data(as_text=True)
    assert "What went wrong?" not in html
    assert "Staff at my practice treated me with respect." in html
    after = answer_pages(client, after, [{"respect": "agree"}, {"need_interpreter": "no"}])
    html = client.get(after).get_data(as_text=True)
    assert "Which language did you need an interpreter for?" not in html
    assert "If you could change one thing" in html


def test_the_results_page_shows_the_gap_against_bolton_and_the_paper_warning(demo_site, client):
    from engage.demo_survey import SURVEY_SLUG

    page = client.get(f"/en/surveys/{SURVEY_SLUG}/results").get_data(as_text=True)
    # Bolton: 27,897 Pakistani residents of 295,960 (Census 2021); the demo heard from few
    assert "Pakistani residents are 9% of Bolton" in page
    assert "Below 80%" in page and "Paper form" in page
    assert "fewer than 8" in page  # Roma, Gypsy or Irish Traveller and Arab respondents
    urdu = client.get(f"/ur/surveys/{SURVEY_SLUG}/results?by=channel&cross=ethnic_group_broad")
    assert urdu.status_code == 200


def test_the_free_text_is_analysed_translated_and_partly_coded(demo_site):
    from engage.insights.models import TextAnalysis

    with demo_site.app_context():
        rows = db.session.execute(
            select(TextAnalysis.language, TextAnalysis.translation, TextAnalysis.suggested_by)
        ).all()
        coded = db.session.scalar(
            select(func.count()).select_from(Answer).where(Answer.coded_themes.is_not(None))
        )
    languages = Counter(language for language, _t, _s in rows)
    assert languages["en"] > 300 and languages["ur"] > 20
    # every Urdu answer has the host's English, so its themes come through it
    assert all(translation for language, translation, _s in rows if language == "ur")
    assert coded >= 100
    by = Counter(s for _l, _t, s in rows)
    assert by["model"] > by["keywords"] > 0  # learned from the analyst's coding


def test_the_interim_report_is_in_the_evidence_library_with_emerging_themes_for_staff(
    demo_site, client
):
    from engage.demo import DEMO_PASSWORD
    from engage.demo_survey import ANALYST_EMAIL, SURVEY_SLUG
    from tests.conftest import login

    library = client.get("/en/evidence?q=interpreter").get_data(as_text=True)
    assert "What we heard about getting a GP appointment in Northmoor" in library
    report = client.get("/en/reports/what-we-heard-about-getting-a-gp-appointment-in-northmoor")
    assert report.status_code == 200
    assert "There is often no interpreter" in report.get_data(as_text=True)
    login(client, ANALYST_EMAIL, DEMO_PASSWORD)
    themes = client.get(f"/en/surveys/{SURVEY_SLUG}/themes").get_data(as_text=True)
    assert "Emerging themes" in themes
