"""Authoring: consultations, the survey builder, translations side by side, preview,
publishing."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from engage.accounts.models import OrgKind, Role
from engage.consultations import service
from engage.consultations.logic import evaluate
from engage.consultations.models import Consultation, ConsultationStatus, Question, QuestionType
from engage.consultations.texts import completeness, translatable_texts
from engage.extensions import db
from engage.responses.models import Answer, Response
from tests.conftest import csrf_token, login, post_form
from tests.factories import make_org, make_user

NEW = "/en/consultations/new"
DRAFT_BUILD = "/en/surveys/draft-survey/build"
BUILD = "/en/surveys/test-survey/build"


def text_of(response) -> str:
    return unescape(response.get_data(as_text=True))


def consultation_form(**overrides) -> dict:
    data = {
        "title": "Maternity care in Northmoor",
        "summary": "Tell us about your maternity care.",
        "body": "We want to hear from every community.",
        "organisation": "test-icb",
        "service_area": "maternity",
        "stage": "procuring_services",
        "opens_on": "2025-03-01",
        "closes_on": "2025-04-30",
        "languages": ["ur"],
        "target_communities": ["asian_pakistani", "black"],
    }
    data.update(overrides)
    return data


def get_question(app, survey_slug: str, key: str) -> Question:
    with app.app_context():
        survey = service.get_survey(survey_slug)
        question = next(q for q in survey.questions if q.key == key)
        db.session.expunge_all()
        return question


def question_ids(app, survey_slug: str) -> dict[str, int]:
    with app.app_context():
        survey = service.get_survey(survey_slug)
        return {q.key: q.id for q in survey.questions}


def order(app, survey_slug: str) -> list[str]:
    with app.app_context():
        db.session.expire_all()
        survey = service.get_survey(survey_slug)
        return [q.key for q in service.ordered_questions(survey)]


# Consultations ------------------------------------------------------------------------


def test_an_analyst_creates_a_consultation_as_a_draft_with_a_survey(app, client, world):
    login(client, world.emails["analyst"])
    response = post_form(client, NEW, consultation_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/edit")
    with app.app_context():
        consultation = service.get_consultation("maternity-care-in-northmoor")
        assert consultation.title == {"en": "Maternity care in Northmoor"}
        assert consultation.organisation.slug == "test-icb"
        assert consultation.status == ConsultationStatus.draft
        assert consultation.languages == ["en", "ur"]
        assert consultation.service_area.value == "maternity"
        assert consultation.stage.value == "procuring_services"
        assert str(consultation.opens_on) == "2025-03-01"
        assert set(consultation.target_communities) == {"asian_pakistani", "black"}
        assert len(consultation.surveys) == 1
    page = text_of(client.get("/en/manage/consultations"))
    assert "Maternity care in Northmoor" in page and "Draft" in page
    edit = text_of(client.get(response.headers["Location"]))
    assert "Maternity care in Northmoor" in edit
    assert "has no questions" in edit  # a warning before opening


@pytest.mark.parametrize("role", ["host", "member"])
def test_hosts_and_members_cannot_author(client, world, role):
    login(client, world.emails[role])
    assert client.get(NEW).status_code == 403
    assert client.get("/en/manage/consultations").status_code == 403
    response = client.post(NEW, data={**consultation_form(), "csrf_token": csrf_token(client)})
    assert response.status_code == 403
    assert client.get("/en/consultations/draft-consultation/edit").status_code == 403
    assert client.get(DRAFT_BUILD).status_code == 403


def test_a_commissioner_of_another_organisation_cannot_edit(app, client, world):
    with app.app_context():
        other = make_org(OrgKind.commissioner, slug="other-icb", name="Other ICB")
        make_user("other-commissioner@example.org", organisation=other, role=Role.commissioner)
        db.session.commit()
    login(client, "other-commissioner@example.org")
    assert client.get("/en/consultations/test-consultation/edit").status_code == 403
    assert client.get(BUILD).status_code == 403
    assert client.get(f"{BUILD}/translations/ur.po").status_code == 403
    page = text_of(client.get("/en/manage/consultations"))
    assert "Test consultation" not in page
    # and cannot create one in the other organisation either
    response = post_form(client, NEW, consultation_form(organisation="test-icb"))
    assert response.status_code == 400
    assert "Select one of the options shown" in text_of(response)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": ""}, "Enter a title"),
        (
            {"opens_on": "2025-05-01", "closes_on": "2025-04-01"},
            "The closing date must be on or after the opening date",
        ),
        ({"languages": ["ur", "fr"]}, "Select only the options shown"),
        ({"opens_on": "31/02/2025"}, "Enter a real date"),
    ],
)
def test_consultation_form_errors_are_summarised(app, client, world, overrides, message):
    login(client, world.emails["analyst"])
    with app.app_context():
        before = db.session.scalar(select(db.func.count()).select_from(Consultation))
    response = post_form(client, NEW, consultation_form(**overrides))
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page
    assert message in page
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(Consultation)) == before


def test_editing_a_consultation_keeps_its_translations(app, client, world):
    login(client, world.emails["commissioner"])
    url = "/en/consultations/test-consultation/edit"
    assert 'value="Test consultation"' in client.get(url).get_data(as_text=True)
    response = post_form(client, url, consultation_form(title="Test consultation, renamed"))
    assert response.status_code == 302
    with app.app_context():
        consultation = service.get_consultation("test-consultation")
        assert consultation.title == {"en": "Test consultation, renamed", "ur": "آزمائشی مشاورت"}


# Status ------------------------------------------------------------------------------


def test_status_goes_draft_open_closed_reported(app, client, world):
    login(client, world.emails["analyst"])
    url = "/en/consultations/draft-consultation/status"
    edit = "/en/consultations/draft-consultation/edit"
    # the draft survey has no questions: opening needs the warnings acknowledged
    response = post_form(client, url, {"status": "open"}, token_from=edit)
    assert response.status_code == 400
    assert "tick the box to open it anyway" in text_of(response)
    response = post_form(client, url, {"status": "open", "confirm": "y"}, token_from=edit)
    assert response.status_code == 302
    with app.app_context():
        consultation = service.get_consultation("draft-consultation")
        assert consultation.status == ConsultationStatus.open
        assert consultation.surveys[0].status.value == "open"
    for status in ("closed", "reported"):
        assert post_form(client, url, {"status": status}, token_from=edit).status_code == 302
    page = text_of(client.get(edit))
    assert "This consultation is reported." in page
    response = post_form(client, url, {"status": "open", "confirm": "y"}, token_from=edit)
    assert response.status_code == 400
    assert "A consultation that is reported cannot become open." in text_of(response)
    with app.app_context():
        assert service.get_consultation("draft-consultation").status.value == "reported"


def test_a_draft_cannot_jump_to_closed(app, client, world):
    login(client, world.emails["analyst"])
    edit = "/en/consultations/draft-consultation/edit"
    response = post_form(
        client,
        "/en/consultations/draft-consultation/status",
        {"status": "closed"},
        token_from=edit,
    )
    assert response.status_code == 400
    assert "A consultation that is draft cannot become closed." in text_of(response)


def test_warnings_name_untranslated_languages(app, client, world):
    login(client, world.emails["analyst"])
    page = text_of(client.get("/en/consultations/test-consultation/edit"))
    assert re.search(r"is \d+% translated into اردو", page)


# The builder: every type ------------------------------------------------------------

EVERY_TYPE = {
    "single_choice": {"options": "bus: By bus\ncar: By car\nWalking"},
    "multiple_choice": {"options": "gp: GP surgery\npharmacy: Pharmacy"},
    "likert": {},
    "fft": {},
    "scale": {},
    "short_text": {},
    "long_text": {},
    "number": {"minimum": "0", "maximum": "20", "integer": "y"},
    "date": {},
    "postcode_district": {},
}


def add_question(client, type_: str, key: str, label: str, survey="draft-survey", **fields):
    url = f"/en/surveys/{survey}/build/questions/new?type={type_}"
    page = client.get(url).get_data(as_text=True)
    section = re.search(r'<option value="([^"]+)"[^>]*selected', page).group(1)
    data = {"key": key, "label": label, "section": section, **fields}
    return post_form(client, url, data)


def test_every_question_type_can_be_added_and_is_shown(app, client, world):
    login(client, world.emails["analyst"])
    for type_, fields in EVERY_TYPE.items():
        label = "" if type_ == "fft" else f"A {type_} question?"
        response = add_question(client, type_, f"q_{type_}", label, **fields)
        assert response.status_code == 302, text_of(response)[:3000]
    page = text_of(client.get(DRAFT_BUILD))
    for type_ in EVERY_TYPE:
        assert f"q_{type_}" in page
        assert str(QuestionType(type_).label) in page
    assert "Overall, how was your experience of our service?" in page
    for answer in ("Very good", "Good", "Neither good nor poor", "Poor", "Very poor", "Don't know"):
        assert answer in page
    assert "Strongly agree" in page and "By bus" in page
    with app.app_context():
        survey = service.get_survey("draft-survey")
        by_key = {q.key: q for q in survey.questions}
        assert [o.code for o in by_key["q_single_choice"].options] == ["bus", "car", "walking"]
        assert len(by_key["q_fft"].options) == 6
        assert by_key["q_fft"].label["ur"]  # the standard wording comes translated
        assert by_key["q_number"].settings == {"integer": True, "min": 0, "max": 20}
        assert by_key["q_scale"].settings["min_label"]["en"] == "Not at all likely"


def test_new_question_form_errors(app, client, world):
    login(client, world.emails["analyst"])
    response = add_question(client, "single_choice", "1bad", "Which?", options="")
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page
    assert "A key is letters, digits and underscores" in page
    response = add_question(client, "single_choice", "good_key", "Which?", options="")
    assert "Add at least one answer to choose from." in text_of(response)
    response = add_question(client, "short_text", "experience", "Again?", survey="test-survey")
    assert "There is already a question with the key experience." in text_of(response)
    response = add_question(client, "short_text", "locale", "Reserved?")
    assert "is kept for another use" in text_of(response)
    response = add_question(client, "short_text", "no_label", "")
    assert "Enter the question" in text_of(response)


def test_edit_reorder_and_delete(app, client, world):
    login(client, world.emails["analyst"])
    for key in ("first", "second", "third"):
        assert add_question(client, "short_text", key, f"The {key} one").status_code == 302
    ids = question_ids(app, "draft-survey")
    url = f"{DRAFT_BUILD}/questions/{ids['second']}"
    form_page = client.get(url).get_data(as_text=True)
    section = re.search(r'<option value="([^"]+)"[^>]*selected', form_page).group(1)
    response = post_form(
        client,
        url,
        {
            "key": "second_renamed",
            "label": "Now reworded",
            "hint": "A hint",
            "required": "y",
            "section": section,
        },
    )
    assert response.status_code == 302
    question = get_question(app, "draft-survey", "second_renamed")
    assert question.label == {"en": "Now reworded"} and question.required
    assert question.hint == {"en": "A hint"}

    move = f"{DRAFT_BUILD}/questions/{ids['third']}/move"
    assert post_form(client, move, {"direction": "up"}, token_from=DRAFT_BUILD).status_code == 302
    assert order(app, "draft-survey") == ["first", "third", "second_renamed"]
    post_form(client, move, {"direction": "up"}, token_from=DRAFT_BUILD)
    assert order(app, "draft-survey") == ["third", "first", "second_renamed"]
    response = post_form(client, move, {"direction": "up"}, token_from=DRAFT_BUILD)
    assert "This is already the first question." in text_of(
        client.get(response.headers["Location"])
    )

    delete = f"{DRAFT_BUILD}/questions/{ids['first']}/delete"
    assert post_form(client, delete, {}, token_from=DRAFT_BUILD).status_code == 302
    assert order(app, "draft-survey") == ["third", "second_renamed"]
    assert "The question first has been deleted." in text_of(client.get(DRAFT_BUILD))


def test_sections_are_added_titled_and_chosen(app, client, world):
    login(client, world.emails["analyst"])
    post_form(client, f"{DRAFT_BUILD}/sections/new", {"title": "About you"}, token_from=DRAFT_BUILD)
    post_form(client, f"{DRAFT_BUILD}/sections/new", {"title": "More"}, token_from=DRAFT_BUILD)
    with app.app_context():
        sections = service.get_survey("draft-survey").sections
        first, second = sections[0].id, sections[1].id
    response = post_form(
        client,
        f"{DRAFT_BUILD}/sections/{second}",
        {"title": "Anything else"},
        token_from=DRAFT_BUILD,
    )
    assert response.status_code == 302
    url = f"{DRAFT_BUILD}/questions/new?type=short_text"
    post_form(client, url, {"key": "later", "label": "Later", "section": str(second)})
    post_form(client, url, {"key": "early", "label": "Early", "section": str(first)})
    assert order(app, "draft-survey") == ["early", "later"]
    page = text_of(client.get(DRAFT_BUILD))
    assert "About you" in page and "Anything else" in page


# Skip logic -------------------------------------------------------------------------


def test_a_show_if_condition_is_set_through_the_form(app, client, world):
    login(client, world.emails["analyst"])
    add_question(client, "single_choice", "smoker", "Do you smoke?", options="yes: Yes\nno: No")
    response = add_question(
        client,
        "long_text",
        "quit_help",
        "What would help you stop?",
        condition_question="smoker",
        condition_op="eq",
        condition_value="yes",
    )
    assert response.status_code == 302
    question = get_question(app, "draft-survey", "quit_help")
    assert question.show_if == {"q": "smoker", "op": "eq", "value": "yes"}
    assert "${smoker} = 'yes'" in text_of(client.get(DRAFT_BUILD))
    # a code the earlier question does not have
    response = add_question(
        client,
        "short_text",
        "other",
        "Other?",
        condition_question="smoker",
        condition_op="eq",
        condition_value="sometimes",
    )
    assert response.status_code == 400
    assert "sometimes is not an answer code of smoker" in text_of(response)
    # "includes" is for multiple choice
    response = add_question(
        client,
        "short_text",
        "other",
        "Other?",
        condition_question="smoker",
        condition_op="selected",
        condition_value="yes",
    )
    assert "is for multiple-choice questions" in text_of(response)


def test_a_condition_on_a_later_question_is_refused(app, client, world):
    login(client, world.emails["analyst"])
    ids = question_ids(app, "test-survey")
    url = f"{BUILD}/questions/{ids['experience']}"
    page = client.get(url).get_data(as_text=True)
    section = re.search(r'<option value="([^"]+)"[^>]*selected', page).group(1)
    response = post_form(
        client,
        url,
        {
            "key": "experience",
            "label": "Overall?",
            "section": section,
            "condition_question": "visit_type",
            "condition_op": "eq",
            "condition_value": "phone",
        },
    )
    assert response.status_code == 400
    assert "A question can only depend on an earlier question: visit_type is not." in text_of(
        response
    )
    assert get_question(app, "test-survey", "experience").show_if is None
    # moving a question above the one its condition reads is refused too
    move = f"{BUILD}/questions/{ids['why_poor']}/move"
    response = post_form(client, move, {"direction": "up"}, token_from=BUILD)
    assert "must come after it" in text_of(client.get(response.headers["Location"]))
    assert order(app, "test-survey")[:2] == ["experience", "why_poor"]


def test_an_imported_complex_condition_is_shown_and_can_be_removed(app, client, world):
    with app.app_context():  # as an XLSForm import may bring it: two kinds of comparison
        survey = service.get_survey("test-survey")
        why_poor = next(q for q in survey.questions if q.key == "why_poor")
        why_poor.show_if = {
            "all": [
                {"q": "experience", "op": "eq", "value": "poor"},
                {"q": "experience", "op": "answered"},
            ]
        }
        db.session.commit()
    login(client, world.emails["analyst"])
    ids = question_ids(app, "test-survey")
    url = f"{BUILD}/questions/{ids['why_poor']}"
    page = text_of(client.get(url))
    assert "${experience} = 'poor' and ${experience} != ''" in page
    assert "The simple editor cannot change this condition." in page
    section = re.search(r'<option value="([^"]+)"[^>]*selected', page).group(1)
    data = {"key": "why_poor", "label": "What went wrong?", "section": section}
    assert post_form(client, url, data).status_code == 302
    assert get_question(app, "test-survey", "why_poor").show_if  # kept
    assert post_form(client, url, {**data, "remove_condition": "y"}).status_code == 302
    assert get_question(app, "test-survey", "why_poor").show_if is None


def test_the_condition_editor_takes_several_codes_numbers_and_any_answer(app, client, world):
    login(client, world.emails["analyst"])
    # the factory survey's "poor or very poor" (from its XLSForm-like definition) is one
    # the editor shows and keeps: "is" with two codes
    ids = question_ids(app, "test-survey")
    page = client.get(f"{BUILD}/questions/{ids['why_poor']}").get_data(as_text=True)
    assert 'value="poor, very_poor"' in page
    assert "The simple editor cannot change this condition." not in page

    add_question(
        client,
        "single_choice",
        "smoker",
        "Do you smoke?",
        options="yes: Yes\nno: No\nsometimes: Sometimes",
    )
    add_question(client, "scale", "score", "How likely?")
    add_question(
        client, "multiple_choice", "help", "Help?", options="gp: GP\napp: App\nline: Helpline"
    )
    cases = {
        ("smoker", "eq", "yes, sometimes"): {
            "any": [
                {"q": "smoker", "op": "eq", "value": "yes"},
                {"q": "smoker", "op": "eq", "value": "sometimes"},
            ]
        },
        ("smoker", "ne", "yes, sometimes"): {
            "all": [
                {"q": "smoker", "op": "ne", "value": "yes"},
                {"q": "smoker", "op": "ne", "value": "sometimes"},
            ]
        },
        ("help", "selected", "gp,line"): {
            "any": [
                {"q": "help", "op": "selected", "value": "gp"},
                {"q": "help", "op": "selected", "value": "line"},
            ]
        },
        ("score", "lt", "7"): {"q": "score", "op": "lt", "value": 7},
        ("score", "gt", "8.5"): {"q": "score", "op": "gt", "value": 8.5},
        ("smoker", "answered", ""): {"q": "smoker", "op": "answered"},
    }
    for n, ((key, op, value), expected) in enumerate(cases.items()):
        response = add_question(
            client,
            "short_text",
            f"follow_{n}",
            "Tell us more",
            condition_question=key,
            condition_op=op,
            condition_value=value,
        )
        assert response.status_code == 302, text_of(response)[-1500:]
        question = get_question(app, "draft-survey", f"follow_{n}")
        assert question.show_if == expected
        # the editor shows it again as it was entered
        edit = client.get(f"{DRAFT_BUILD}/questions/{question.id}").get_data(as_text=True)
        assert re.search(rf'<option value="{op}"[^>]*selected', edit), op
    # the journey evaluates them on the server
    assert evaluate(cases[("smoker", "eq", "yes, sometimes")], {"smoker": "sometimes"})
    assert not evaluate(cases[("smoker", "ne", "yes, sometimes")], {"smoker": "sometimes"})
    assert evaluate(cases[("score", "lt", "7")], {"score": 6})
    assert not evaluate(cases[("smoker", "answered", "")], {})
    # what cannot be: a number comparison on a choice, a code the question lacks
    bad = {
        (
            "smoker",
            "gt",
            "3",
        ): "“More than” and “less than” are for questions answered with a number.",
        ("smoker", "eq", "yes, never"): "never is not an answer code of smoker",
        ("score", "eq", "lots"): "score is answered with a number: enter one.",
    }
    for (key, op, value), message in bad.items():
        response = add_question(
            client,
            "short_text",
            "refused",
            "Refused",
            condition_question=key,
            condition_op=op,
            condition_value=value,
        )
        assert response.status_code == 400 and message in text_of(response), message


# Responses lock keys and codes ------------------------------------------------------


def test_keys_and_answered_options_are_locked_once_there_are_responses(app, client, world):
    with app.app_context():
        survey = service.get_survey("test-survey")
        visit_type = next(q for q in survey.questions if q.key == "visit_type")
        response = Response(survey_id=survey.id, reference="TESTREF1")
        db.session.add(response)
        db.session.flush()
        db.session.add(
            Answer(
                response_id=response.id,
                question_id=visit_type.id,
                option_id=visit_type.options[0].id,
            )
        )
        db.session.commit()
    login(client, world.emails["analyst"])
    page = text_of(client.get(BUILD))
    assert "This survey has 1 response." in page
    assert "cannot be deleted" in page
    ids = question_ids(app, "test-survey")
    url = f"{BUILD}/questions/{ids['visit_type']}"
    form_page = client.get(url).get_data(as_text=True)
    assert "readonly" in form_page
    section = re.search(r'<option value="([^"]+)"[^>]*selected', form_page).group(1)
    base = {"key": "visit_type", "label": "How did you visit?", "section": section}
    response = post_form(
        client, url, {**base, "key": "how_visited", "options": "in_person: In person\nphone: Phone"}
    )
    assert response.status_code == 400
    assert "The key cannot change: this survey has responses." in text_of(response)
    response = post_form(client, url, {**base, "options": "phone: By phone\nvideo: Video"})
    assert response.status_code == 400
    assert "The answer in_person has been chosen in responses" in text_of(response)
    # an unanswered option may go, and the words of an answered one may change
    response = post_form(client, url, {**base, "options": "in_person: Face to face\nvideo: Video"})
    assert response.status_code == 302
    question = get_question(app, "test-survey", "visit_type")
    assert [(o.code, o.label["en"]) for o in question.options] == [
        ("in_person", "Face to face"),
        ("video", "Video"),
    ]
    delete = f"{BUILD}/questions/{ids['visit_type']}/delete"
    response = post_form(client, delete, {}, token_from=BUILD)
    assert "This question has answers in responses" in text_of(
        client.get(response.headers["Location"])
    )
    assert "visit_type" in order(app, "test-survey")


# Survey settings ----------------------------------------------------------------------


def test_survey_settings_monitoring_and_consent(app, client, world):
    login(client, world.emails["analyst"])
    url = f"{DRAFT_BUILD}/settings"
    page = client.get(url).get_data(as_text=True)
    assert 'name="monitoring_keys" type="checkbox" value="religion" checked' in page
    response = post_form(
        client,
        url,
        {
            "title": "Your views",
            "intro": "Thank you for taking part.",
            "consent_text": "We keep answers for two years.",
            "monitoring_enabled": "y",
            "monitoring_keys": ["ethnic_group", "age_band"],
        },
    )
    assert response.status_code == 302
    with app.app_context():
        survey = service.get_survey("draft-survey")
        assert survey.monitoring_enabled
        assert survey.monitoring_keys == ["ethnic_group", "ethnic_group_other", "age_band"]
        assert survey.consent_text == {"en": "We keep answers for two years."}
        assert survey.title["en"] == "Your views"
    response = post_form(client, url, {"title": "Your views", "monitoring_keys": ["bogus"]})
    assert response.status_code == 400
    assert "Select only the options shown" in text_of(response)
    post_form(client, url, {"title": "Your views", "monitoring_keys": ["sex"]})
    with app.app_context():
        survey = service.get_survey("draft-survey")
        assert not survey.monitoring_enabled and survey.monitoring_keys == ["sex"]


# Translations side by side -------------------------------------------------------------


def test_translation_page_saves_urdu_and_completeness_reaches_100(app, client, world):
    login(client, world.emails["analyst"])
    url = f"{BUILD}/translations/ur"
    with app.app_context():
        survey = service.get_survey("test-survey")
        done, total = completeness(survey, ["ur"])["ur"]
        ids = [i for i, _w, texts in translatable_texts(survey) if texts.get("en")]
    assert done < total
    page = client.get(url).get_data(as_text=True)
    assert f"{done * 100 // total}% translated: {done} of {total} texts." in unescape(page)
    assert 'lang="ur" dir="rtl"' in page
    assert "Not translated" in page
    data = {f"t:{text_id}": f"اردو {n}" for n, text_id in enumerate(ids)}
    response = post_form(client, url, data)
    assert response.status_code == 302
    page = text_of(client.get(url))
    assert f"100% translated: {total} of {total} texts." in page
    with app.app_context():
        survey = service.get_survey("test-survey")
        assert completeness(survey, ["ur"])["ur"] == (total, total)
        assert survey.title["ur"] == f"اردو {ids.index('survey.title')}"
    assert "100% (" in text_of(client.get(BUILD))
    # an emptied box removes that translation
    post_form(client, url, {"t:survey.title": ""})
    with app.app_context():
        assert "ur" not in service.get_survey("test-survey").title


def test_only_offered_languages_have_a_translation_page(client, world):
    login(client, world.emails["analyst"])
    assert client.get(f"{BUILD}/translations/en").status_code == 404
    assert client.get(f"{BUILD}/translations/fr").status_code == 404


def test_preview_in_urdu_shows_urdu_and_marks_english_fallbacks(client, world):
    login(client, world.emails["analyst"])
    response = client.get(f"{BUILD}/preview?lang=ur")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'class="engage-preview" lang="ur" dir="rtl"' in page
    assert "آزمائشی سروے" in page  # the Urdu title
    assert "کیا غلط ہوا؟" in page  # an Urdu question
    # "Sum it up in a few words" has no Urdu: shown in English, marked
    assert (
        '<span lang="en" dir="ltr" class="engage-fallback">Sum it up in a few words</span>' in page
    )
    assert "not translated yet" in page  # the legend, in the page's language
    assert 'name="services" type="checkbox" value="gp"' in page.replace("\n", " ") or (
        'value="gp"' in page
    )
    english = client.get(f"{BUILD}/preview").get_data(as_text=True)
    assert 'engage-fallback">' not in english.split('class="engage-preview"')[1]


def test_preview_page_chrome_follows_the_page_locale(client, world):
    login(client, world.emails["analyst"])
    page = client.get("/ur/surveys/test-survey/build/preview?lang=en").get_data(as_text=True)
    assert '<html lang="ur" dir="rtl">' in page
    assert 'class="engage-preview" lang="en" dir="ltr"' in page
