"""The respondent journey, as a respondent (or a host entering for one) goes through it."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from engage.consultations import service as consultations
from engage.consultations.models import ConsultationStatus, Question
from engage.extensions import db
from engage.i18n import _
from engage.responses import service
from engage.responses.models import Answer, Channel, Draft, Erasure, Profile, Response
from engage.sqltypes import utcnow
from tests.conftest import login
from tests.responses.journey import (
    GOOD_ANSWERS,
    GOOD_PAGES,
    answer_about_you,
    answer_pages,
    post,
    start,
    submit,
)


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def _only_response(app) -> Response:
    with app.app_context():
        responses = db.session.scalars(select(Response)).all()
        assert len(responses) == 1
        return responses[0]


def _answers(app, response_id: int) -> dict:
    """{question key: stored value(s)} for a response, read from the answer rows."""
    with app.app_context():
        rows = db.session.execute(
            select(Question.key, Answer)
            .join(Question, Question.id == Answer.question_id)
            .where(Answer.response_id == response_id)
        ).all()
        result: dict = {}
        for key, answer in rows:
            if answer.option_id is not None:
                from engage.consultations.models import Option

                value = db.session.get(Option, answer.option_id).code
            else:
                value = answer.number if answer.number is not None else answer.text or answer.date
            result.setdefault(key, []).append(value)
        # the rows of a multiple choice in no particular order: sorted
        return {k: sorted(v) if len(v) > 1 else v[0] for k, v in result.items()}


def test_a_respondent_answers_every_question_type_and_gets_a_reference(app, client, world):
    first = start(client)
    assert first.endswith("/en/surveys/test-survey/page/1")
    after = answer_pages(client, first)
    assert after.endswith("/about-you")
    check = answer_about_you(client)
    assert check.endswith("/check")

    page = client.get(check).get_data(as_text=True)
    assert "Check your answers" in page
    assert "GP surgery and Hospital" in page and "The wait was too long." in page
    assert "Pakistani" in page

    response = submit(client)
    assert response.status_code == 303
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    stored = _only_response(app)
    shown = f"{stored.reference[:5]}-{stored.reference[5:]}"
    assert shown in done

    assert stored.channel == Channel.online and stored.locale == "en"
    assert stored.entered_by_id is None and stored.forum_id is None
    assert _answers(app, stored.id) == GOOD_ANSWERS
    with app.app_context():
        profile = db.session.get(Profile, stored.id)
        assert (profile.ethnic_group, profile.language, profile.age_band) == (
            "asian_pakistani",
            "ur",
            "35_44",
        )
        assert (profile.religion, profile.sex, profile.postcode_district) == (
            "not_stated",
            "female",
            "BL1",
        )
        assert profile.disability is None  # skipped: not answered, not "prefer not to say"
        # the draft keeps nothing of what was said once it is a response
        draft = db.session.scalars(select(Draft)).one()
        assert draft.answers == {} and draft.profile == {}


def test_skip_logic_hides_a_page_and_drops_answers_it_no_longer_asks(app, client, world):
    first = start(client)
    second = post(client, first, {"experience": "good"}).headers["Location"]
    html = client.get(second).get_data(as_text=True)
    assert "What went wrong?" not in html  # only asked after a poor experience
    assert "Which services did you use?" in html

    # back to page 1: say it was poor, answer why, then change back to good
    post(client, first, {"experience": "poor"})
    html = client.get(second).get_data(as_text=True)
    assert "What went wrong?" in html
    post(client, second, {"why_poor": "Rude staff", "services": ["gp"]})
    post(client, first, {"experience": "very_good"})
    answer_pages(client, "/en/surveys/test-survey/page/3", GOOD_PAGES[2:])
    answer_about_you(client, consent=False)
    assert submit(client).status_code == 303
    answers = _answers(app, _only_response(app).id)
    assert answers["experience"] == "very_good"
    assert "why_poor" not in answers  # hidden by the later answer, so not kept
    assert answers["services"] == "gp"


def test_required_questions_and_bad_values_get_errors_in_the_page_language(app, client, world):
    first = start(client)
    response = post(client, first, {})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html
    assert 'href="#experience"' in html and "Select an answer to this question" in html

    post(client, first, {"experience": "good"})
    response = post(
        client,
        "/en/surveys/test-survey/page/3",
        {"visits": "lots", "visit_date": "31/2/2025", "recommend": "11", "visit_type": "bus"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in [
        "Enter a number, like 3 or 12.5",
        "Enter a real date",
        "Choose a number from 0 to 10",
        "Select one of the options shown",
    ]:
        assert message in html
    assert 'value="lots"' in html  # what they typed is kept for them to correct

    ur = post(client, "/ur/surveys/test-survey/page/3", {"visits": "-5"})
    html = ur.get_data(as_text=True)
    assert ur.status_code == 400 and 'lang="ur"' in html
    with app.test_request_context(), force_locale("ur"):
        expected = _("Enter a number from %(low)s to %(high)s", low=0, high=100)
    assert expected != "Enter a number from 0 to 100"  # the catalog has it in Urdu
    assert expected in html.replace("&#39;", "'")


def test_back_keeps_answers(client, world):
    first = start(client)
    post(client, first, {"experience": "poor"})
    html = client.get(first).get_data(as_text=True)
    assert 'value="poor" checked' in html
    second = "/en/surveys/test-survey/page/2"
    post(client, second, {"why_poor": "Long wait", "services": ["pharmacy"]})
    html = client.get(second).get_data(as_text=True)
    assert "Long wait" in html
    assert 'value="pharmacy" checked' in html
    assert 'href="/en/surveys/test-survey/page/1"' in html  # Back goes to the page before


def test_submitting_twice_stores_one_response(app, client, world):
    answer_pages(client, start(client))
    answer_about_you(client, consent=False)
    first = submit(client)
    again = submit(client)  # a reload, a double click, a retry after a network error
    assert first.status_code == again.status_code == 303
    assert _count(app, Response) == 1
    reference = _only_response(app).reference
    html = client.get(again.headers["Location"]).get_data(as_text=True)
    assert reference[:5] in html


def test_the_same_draft_submitted_twice_at_once_is_one_response(app, world):
    """Two requests with the same draft: the unique submission key lets only one in."""
    from engage.responses import service

    with app.app_context():
        survey = consultations.get_survey("test-survey")
        draft, _token = service.start_draft(survey, locale="en", days=1)
        draft.answers = {"experience": "good"}
        db.session.commit()
        first = service.submit(draft, survey)
        db.session.flush()
        # a second request that did not see the first one's update of the draft
        draft.response_id = None
        draft.reference = None
        draft.answers = {"experience": "good"}
        again = service.submit(draft, survey)
        assert again.id == first.id
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_save_and_resume_with_the_link(app, client, world):
    first = start(client)
    post(client, first, {"experience": "poor"})
    response = post(
        client, "/en/surveys/test-survey/page/2", {"why_poor": "Cold room", "save": "1"}
    )
    assert response.headers["Location"].endswith("/save")
    html = client.get("/en/surveys/test-survey/save").get_data(as_text=True)
    link = html.split('class="engage-token" dir="ltr"><a href="')[1].split('"')[0]
    assert "/en/surveys/test-survey/resume/" in link
    with app.app_context():  # the token is stored hashed
        token = link.rsplit("/", 1)[1]
        assert db.session.scalar(select(func.count()).where(Draft.token_hash == token)) == 0

    other_device = app.test_client()
    resumed = other_device.get(link.replace("http://localhost", ""))
    assert resumed.status_code == 302
    assert resumed.headers["Location"].endswith("/page/2")
    html = other_device.get(resumed.headers["Location"]).get_data(as_text=True)
    assert "Cold room" in html


def test_after_sending_the_reference_is_not_shown_to_the_next_person(app, client, world):
    """A resume link used after the answers were sent shows nothing of them, and the
    confirmation (with the reference a withdrawal needs) is shown again only for a
    while: not to the next person on a shared phone or library computer."""
    first = start(client)
    post(client, first, {"experience": "poor", "save": "1"})
    html = client.get("/en/surveys/test-survey/save").get_data(as_text=True)
    link = html.split('class="engage-token" dir="ltr"><a href="')[1].split('"')[0]
    link = link.replace("http://localhost", "")
    answer_pages(client, first)
    answer_about_you(client, consent=False)
    assert submit(client).headers["Location"].endswith("/done")
    with app.app_context():
        reference = service.format_reference(db.session.scalars(select(Draft)).one().reference)
    assert reference in client.get("/en/surveys/test-survey/done").get_data(as_text=True)

    found_later = app.test_client()
    response = found_later.get(link)
    assert response.status_code == 302 and response.headers["Location"].endswith("/test-survey")
    page = found_later.get(response.headers["Location"]).get_data(as_text=True)
    assert "The answers of this link have been sent." in page and reference not in page
    assert (
        found_later.get("/en/surveys/test-survey/done").headers["Location"].endswith("/test-survey")
    )

    with app.app_context():  # two hours on, on the same device
        draft = db.session.scalars(select(Draft)).one()
        draft.updated_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    response = client.get("/en/surveys/test-survey/done")
    assert response.status_code == 302 and response.headers["Location"].endswith("/test-survey")
    assert reference not in client.get("/en/surveys/test-survey").get_data(as_text=True)
    assert _count(app, Response) == 1  # the response itself is untouched


def test_engage_purge_drafts_deletes_expired_unfinished_answers(app, client, world, runner):
    start(client)
    other = app.test_client()
    post(other, start(other), {"experience": "poor"})
    with app.app_context():
        drafts = db.session.scalars(select(Draft).order_by(Draft.id)).all()
        assert len(drafts) == 2
        drafts[0].expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    result = runner.invoke(args=["purge-drafts"])
    assert result.exit_code == 0 and "Deleted 1 expired draft." in result.output
    with app.app_context():
        left = db.session.scalars(select(Draft)).all()
        assert [d.answers for d in left] == [{"experience": "poor"}]


def test_an_expired_or_wrong_resume_link_says_so(app, client, world):
    start(client)
    with app.app_context():
        draft = db.session.scalars(select(Draft)).one()
        draft.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    assert client.get("/en/surveys/test-survey/page/1").status_code == 302
    response = client.get("/en/surveys/test-survey/resume/not-a-real-token")
    assert response.status_code == 404
    assert "That link does not work" in response.get_data(as_text=True)


def test_the_resume_link_is_emailed_and_the_address_not_kept(mail_app, app, client, world):
    first = start(client)
    post(client, first, {"experience": "good", "save": "1"})
    response = post(client, "/en/surveys/test-survey/save", {"email": "respondent@example.org"})
    assert response.status_code == 200, response.get_data(as_text=True)[-5000:]
    assert "We have sent the link" in response.get_data(as_text=True)
    message = mail_app.wait(1)[0]
    assert message["To"] == "respondent@example.org"
    assert "/en/surveys/test-survey/resume/" in message.get_content()
    with app.app_context():
        draft = db.session.scalars(select(Draft)).one()
        assert "respondent@example.org" not in repr(
            (draft.answers, draft.profile, draft.locale, draft.token_hash)
        )


def test_a_survey_that_closes_while_answering_keeps_the_answers_for_the_respondent(
    app, client, world
):
    first = start(client)
    post(client, first, {"experience": "poor"})
    with app.app_context():
        consultations.set_status(
            consultations.get_consultation("test-consultation"),
            ConsultationStatus.closed,
            actor=None,
        )
        db.session.commit()
    response = post(
        client,
        "/en/surveys/test-survey/page/2",
        {"why_poor": "Nobody called back"},
        token_from="/en/surveys/test-survey/withdraw".replace("/surveys/test-survey", ""),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "This survey has closed" in html and "Download your answers" in html
    download = client.get("/en/surveys/test-survey/my-answers.txt")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    text = download.get_data(as_text=True)
    assert "Poor" in text
    # what they were sending when it closed is kept too
    assert "Nobody called back" in text
    assert _count(app, Response) == 0 and _count(app, Draft) == 1


def test_a_survey_closed_by_its_date_refuses_the_submission_kindly(app, client, world):
    answer_pages(client, start(client))
    answer_about_you(client, consent=False)
    with app.app_context():
        consultation = consultations.get_consultation("test-consultation")
        consultation.closes_on = date.today() - timedelta(days=1)
        db.session.commit()
    response = submit(client)
    assert response.status_code == 410
    assert "Download your answers" in response.get_data(as_text=True)
    assert _count(app, Response) == 0


def test_withdrawing_with_the_reference_erases_everything_and_logs_no_content(app, client, world):
    answer_pages(client, start(client))
    answer_about_you(client)
    submit(client)
    reference = _only_response(app).reference
    typed = f" {reference[:5].lower()}-{reference[5:]} "  # as people copy it

    wrong = post(client, "/en/withdraw", {"reference": "AAAAA-BBBBB"})
    assert wrong.status_code == 400
    assert "There is no response with that reference" in wrong.get_data(as_text=True)

    confirm = post(client, "/en/withdraw", {"reference": typed})
    assert "Are you sure" in confirm.get_data(as_text=True)
    assert _count(app, Response) == 1
    done = post(client, "/en/withdraw", {"reference": typed, "confirm": "y"})
    assert "Your response has been withdrawn" in done.get_data(as_text=True)
    assert [_count(app, m) for m in (Response, Answer, Profile)] == [0, 0, 0]
    with app.app_context():
        erasure = db.session.scalars(select(Erasure)).one()
        assert erasure.requested_by == "respondent" and erasure.survey_id is not None
        assert set(Erasure.__table__.columns.keys()) == {
            "id",
            "survey_id",
            "requested_by",
            "erased_at",
        }


def test_a_signed_in_person_answers_anonymously(app, client, world):
    login(client, world.emails["member"])
    answer_pages(client, start(client))
    answer_about_you(client, consent=False)
    submit(client)
    response = _only_response(app)
    assert response.entered_by_id is None
    columns = set(Response.__table__.columns.keys())
    assert not columns & {"ip", "ip_address", "user_agent", "user_id"}


def test_a_forum_share_link_credits_the_forum(app, client, world):
    answer_pages(client, start(client, query="?forum=forum-a"))
    answer_about_you(client, consent=False)
    submit(client)
    with app.app_context():
        from engage.accounts.service import get_organisation

        assert _only_response(app).forum_id == get_organisation("forum-a").id


def test_a_host_enters_a_paper_response_for_someone(app, client, world):
    login(client, world.emails["host"])
    response = post(
        client,
        "/en/surveys/test-survey/enter",
        {"channel": "paper", "language": "ur", "forum": "forum-a", "agreed": "y"},
    )
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'lang="ur"' in html  # the person's answers are in their language
    answer_pages(client, response.headers["Location"])
    answer_about_you(client, consent=False)
    done = client.get(submit(client).headers["Location"]).get_data(as_text=True)
    assert "Enter another response" in done
    stored = _only_response(app)
    assert stored.channel == Channel.paper and stored.locale == "ur"
    assert stored.entered_by_id == world.ids["host"]
    with app.app_context():
        from engage.accounts.service import get_organisation

        assert stored.forum_id == get_organisation("forum-a").id


def test_a_host_cannot_credit_another_forum(client, world):
    login(client, world.emails["host"])
    response = post(
        client,
        "/en/surveys/test-survey/enter",
        {"channel": "paper", "language": "en", "forum": "forum-b", "agreed": "y"},
    )
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True) or "problem" in (
        response.get_data(as_text=True)
    )


def test_monitoring_prefer_not_to_say_skips_the_detail(app, client, world):
    answer_pages(client, start(client))
    base = "/en/surveys/test-survey/about-you"
    post(client, base, {"consent": "yes"})
    response = post(client, f"{base}/ethnic-group", {"ethnic_group_broad": "not_stated"})
    assert response.headers["Location"].endswith("/about-you/more")
    bad = post(client, f"{base}/more", {"postcode_district": "not a postcode", "sex": "x"})
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Enter the first part of a postcode" in html
    # the postcode district, a text box, has its own "Prefer not to say"
    page = client.get(f"{base}/more").get_data(as_text=True)
    assert 'name="postcode_district_not_stated"' in page
    post(
        client,
        f"{base}/more",
        {"sex": "male", "postcode_district": "BL1", "postcode_district_not_stated": "y"},
    )
    page = client.get(f"{base}/more").get_data(as_text=True)
    assert re.search(r'name="postcode_district_not_stated"[^>]*checked', page)
    check = client.get("/en/surveys/test-survey/check").get_data(as_text=True)
    row = re.search(r"first part of your postcode\?</dt>\s*<dd[^>]*>([^<]*)</dd>", check)
    assert row and row.group(1).strip() == "Prefer not to say"
    submit(client)
    with app.app_context():
        profile = db.session.get(Profile, _only_response(app).id)
        assert (profile.ethnic_group, profile.sex) == ("not_stated", "male")
        assert profile.postcode_district == "not_stated"


def test_declining_monitoring_stores_no_profile(app, client, world):
    answer_pages(client, start(client))
    answer_about_you(client, consent=False)
    submit(client)
    assert _count(app, Profile) == 0


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_the_survey_speaks_the_respondents_language_and_marks_fallbacks(client, world, locale):
    html = client.get(f"/{locale}/surveys/test-survey").get_data(as_text=True)
    assert ("آزمائشی سروے" if locale == "ur" else "Test survey") in html
    first = start(client, locale=locale)
    post(client, first, {"experience": "poor"})
    html = client.get(f"/{locale}/surveys/test-survey/page/2").get_data(as_text=True)
    assert ("کیا غلط ہوا؟" if locale == "ur" else "What went wrong?") in html
    html = client.get(f"/{locale}/surveys/test-survey/page/3").get_data(as_text=True)
    if locale == "ur":
        # "In person" has no Urdu: shown in English, marked as English for screen readers
        assert '<span lang="en" dir="ltr" class="engage-fallback">In person</span>' in html


def test_a_survey_not_offered_in_a_language_points_to_those_it_is(app, client, world):
    with app.app_context():
        consultation = consultations.get_consultation("test-consultation")
        consultation.languages = ["en"]
        db.session.commit()
    response = client.get("/ur/surveys/test-survey")
    assert response.status_code == 404
    assert 'href="/en/surveys/test-survey"' in response.get_data(as_text=True)


def test_draft_surveys_are_not_public(client, world):
    assert client.get("/en/surveys/draft-survey").status_code == 404
    assert client.get("/en/consultations/draft-consultation").status_code == 404
    html = client.get("/en/consultations").get_data(as_text=True)
    assert "Test consultation" in html and "draft-consultation" not in html
