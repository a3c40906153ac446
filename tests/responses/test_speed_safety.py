"""The respondent journey's fast paths keep what a respondent sees and what is stored.

- ``question_field`` writes the NHS.UK frontend markup by hand: it must give the same
  HTML as the nhsuk-frontend-jinja macros it replaced (kept below, test-only), for every
  question type, with and without a value, an error, a hint and the page heading;
- submitting reads nothing to check for an earlier submission or a free reference: the
  unique constraints decide (a taken reference is retried in a SAVEPOINT); a draft that
  changes between the submit's reading and its writing is read again, and one that
  keeps changing is not submitted;
- the journey's cached snapshot of a survey is replaced as soon as the builder changes
  the survey or its consultation, and a cached page runs only a few queries.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from flask import g
from sqlalchemy import func, select

from engage.consultations import authoring
from engage.consultations import service as consultations
from engage.consultations.cache import FrozenDict, journey_survey
from engage.consultations.models import ConsultationStatus, Question
from engage.consultations.service import get_survey, ordered_questions
from engage.consultations.texts import text_in
from engage.extensions import db
from engage.responses import service
from engage.responses import views as journey_views
from engage.responses.models import Answer, Draft, Response
from tests import factories
from tests.responses.journey import (
    GOOD_PAGES,
    answer_about_you,
    answer_pages,
    changing_draft,
    start,
    submit,
)

#: the macro as it was, on nhsuk-frontend-jinja's components (the reference markup)
OLD_QUESTION_FIELD = """
{% from "nhsuk/components/radios/macro.jinja" import radios %}
{% from "nhsuk/components/checkboxes/macro.jinja" import checkboxes %}
{% from "nhsuk/components/input/macro.jinja" import input %}
{% from "nhsuk/components/textarea/macro.jinja" import textarea %}
{% from "nhsuk/components/inset-text/macro.jinja" import insetText %}
{% macro question_field(q, t, value=None, error=None, heading=False) %}
{% set label = t(q.label) %}
{% set hint_text = t(q.hint) %}
{% set optional = "" if q.required or q.type.value == "note" else " " ~ _("(optional)") %}
{% set label_html = label.__html__() ~ optional %}
{% set error_message = {"text": error, "visuallyHiddenText": _("Error")} if error else None %}
{% set hint = {"html": hint_text.__html__()} if hint_text else None %}
{% set kind = q.type.value %}
{% if kind == "note" %}
{{ insetText({"html": "<p>" ~ label.__html__() ~ "</p>"}) }}
{% elif kind in ("single_choice", "likert", "fft") %}
{{ radios({
  "idPrefix": q.key, "name": q.key,
  "fieldset": {"legend": {"html": label_html, "size": "m" if heading else "s",
               "isPageHeading": heading}},
  "hint": hint, "errorMessage": error_message, "value": value,
  "items": q.options | map("engage_option_item", t, value) | list,
}) }}
{% elif kind == "multiple_choice" %}
{{ checkboxes({
  "idPrefix": q.key, "name": q.key,
  "fieldset": {"legend": {"html": label_html, "size": "m" if heading else "s",
               "isPageHeading": heading}},
  "hint": hint or {"text": _("Select all that apply.")}, "errorMessage": error_message,
  "items": q.options | map("engage_option_item", t, value or []) | list,
}) }}
{% elif kind == "scale" %}
{% set low = t((q.settings or {}).get("min_label")) %}
{% set high = t((q.settings or {}).get("max_label")) %}
{{ radios({
  "idPrefix": q.key, "name": q.key, "classes": "nhsuk-radios--inline engage-scale",
  "fieldset": {"legend": {"html": label_html, "size": "m" if heading else "s",
               "isPageHeading": heading}},
  "hint": {"html": (hint_text.__html__() ~ " " if hint_text else "")
           ~ _("0 means %(low)s and 10 means %(high)s.", low=low, high=high)},
  "errorMessage": error_message,
  "items": range(0, 11) | map("engage_scale_item", value) | list,
}) }}
{% elif kind == "long_text" %}
{{ textarea({
  "id": q.key, "name": q.key, "value": value or "", "rows": 5,
  "label": {"html": label_html, "size": "m" if heading else "s", "isPageHeading": heading},
  "hint": hint, "errorMessage": error_message,
  "attributes": {"dir": "auto", "maxlength": "10000"},
}) }}
{% else %}
{% set attributes = {
  "number": {"inputmode": "decimal", "dir": "ltr"},
  "date": {"dir": "ltr"},
  "postcode_district": {"autocapitalize": "characters", "dir": "ltr", "maxlength": "8"},
  "short_text": {"dir": "auto", "maxlength": "500"},
}[kind] %}
{{ input({
  "id": q.key, "name": q.key, "value": value if value is not none else "",
  "type": "date" if kind == "date" else "text",
  "label": {"html": label_html, "size": "m" if heading else "s", "isPageHeading": heading},
  "hint": hint if kind != "postcode_district" else {"html": (hint_text.__html__() ~ " "
          if hint_text else "") ~ _("The first part of the postcode only, like BL1 or M14.")},
  "errorMessage": error_message,
  "classes": {"number": "nhsuk-input--width-10", "date": "nhsuk-input--width-10",
              "postcode_district": "nhsuk-input--width-5"}.get(kind, ""),
  "spellcheck": kind in ("short_text",),
  "attributes": attributes,
}) }}
{% endif %}
{% endmacro %}
{{ question_field(q, t, value, error, heading) }}
"""
NEW_QUESTION_FIELD = """{% from "responses/macros.html" import question_field %}
{{ question_field(q, t, value, error, heading) }}"""

#: a value of each question type of the test survey (tests/factories.make_survey)
VALUES = {
    "experience": "good",
    "why_poor": 'It was "late" & <b>rude</b>\nand slow',
    "services": ["gp", "hospital"],
    "visit_type": "phone",
    "respect": "agree",
    "recommend": 0,
    "visits": 12,
    "visit_date": "2025-03-27",
    "note": None,
    "summary": "Fine <i>really</i>",
    "area": "BL1",
}


class Events(HTMLParser):
    """The document as (tag, attributes in order) and text with whitespace collapsed."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.events: list = []

    def handle_starttag(self, tag, attrs):
        self.events.append(("start", tag, [(k, v) for k, v in attrs]))

    def handle_endtag(self, tag):
        self.events.append(("end", tag))

    def handle_data(self, data):
        text = re.sub(r"\s+", " ", data).strip()
        if text:
            self.events.append(("text", text))


def events(html: str) -> list:
    parser = Events()
    parser.feed(html)
    parser.close()
    return parser.events


def render(app, source, q, locale="en", **kw):
    template = app.jinja_env.from_string(source)
    return template.render(
        q=q,
        t=lambda texts: text_in(texts, locale),
        value=kw.get("value"),
        error=kw.get("error"),
        heading=kw.get("heading", False),
    )


VARIANTS = [
    {},
    {"value": "answer"},
    {"value": "answer", "error": "Answer this <question>", "heading": True},
    {"value": "answer", "error": "Select an answer", "heading": False},
    {"heading": True},
]


@pytest.mark.parametrize("locale", ["en", "ur"])
@pytest.mark.parametrize("with_hints", [False, True], ids=["no-hint", "hint"])
def test_question_markup_is_the_nhsuk_macros_markup(app, world, locale, with_hints):
    with app.test_request_context(f"/{locale}/"):
        g.locale = locale
        survey = get_survey(world.survey)
        questions = ordered_questions(survey)
        assert {q.type.value for q in questions} >= {
            "fft",
            "single_choice",
            "multiple_choice",
            "likert",
            "scale",
            "number",
            "date",
            "short_text",
            "long_text",
            "postcode_district",
            "note",
        }
        compared = 0
        for q in questions:
            if with_hints:
                q.hint = {"en": 'Think of "last" time & <now>', "ur": "آخری بار"}
                q.required = not q.required
                if q.type.value == "scale":
                    q.settings = {"min_label": {"en": "Never"}, "max_label": {"en": "Always"}}
            for variant in VARIANTS:
                variant = dict(variant)
                if variant.get("value") == "answer":
                    variant["value"] = VALUES[q.key]
                old = render(app, OLD_QUESTION_FIELD, q, locale, **variant)
                new = render(app, NEW_QUESTION_FIELD, q, locale, **variant)
                if q.type.value == "note":
                    # the nhsuk inset text was given "<p>" joined to markup, which escaped
                    # it: respondents saw "<p>…</p>" written out. The new markup has the
                    # paragraph; the rest is the same.
                    assert "&lt;p&gt;" in old and "&lt;p&gt;" not in new
                    old = old.replace("&lt;p&gt;", "<p>").replace("&lt;/p&gt;", "</p>")
                assert events(new) == events(old), (q.key, variant, new)
                compared += 1
        assert compared == len(questions) * len(VARIANTS)


def test_chosen_answers_are_checked_and_ids_follow_the_nhsuk_pattern(app, world):
    with app.test_request_context("/en/"):
        g.locale = "en"
        survey = get_survey(world.survey)
        by_key = {q.key: q for q in ordered_questions(survey)}
        html = render(app, NEW_QUESTION_FIELD, by_key["services"], value=["gp", "hospital"])
        assert re.search(r'id="services" name="services" type="checkbox" value="gp" checked', html)
        assert 'id="services-2" name="services" type="checkbox" value="pharmacy">' in html
        assert re.search(r'id="services-3" [^>]*value="hospital" checked', html)
        html = render(
            app, NEW_QUESTION_FIELD, by_key["recommend"], value=10, error="Choose", heading=True
        )
        assert 'id="recommend-11" name="recommend" type="radio" value="10" checked' in html
        assert 'aria-describedby="recommend-hint recommend-error"' in html
        assert '<span class="nhsuk-u-visually-hidden">Error: </span>Choose' in html
        assert "nhsuk-form-group--error" in html and 'class="nhsuk-fieldset__heading"' in html


# Submit ------------------------------------------------------------------------------------


def test_a_taken_reference_is_retried_and_the_response_is_stored_once(app, world, monkeypatch):
    with app.app_context():
        survey = journey_survey(world.survey)
        first, _ = service.start_draft(survey, locale="en", days=1)
        first.answers = {"experience": "good"}
        taken = service.submit(first, survey).reference
        db.session.commit()
        second, _ = service.start_draft(survey, locale="en", days=1)
        second.answers = {"experience": "poor", "why_poor": "Slow"}
        db.session.commit()
        references = iter([taken, taken, "ABCDEFGHJK"])
        monkeypatch.setattr(service, "new_reference", lambda: next(references))
        response = service.submit(second, survey)
        db.session.commit()
        assert response.reference == "ABCDEFGHJK"
        assert second.reference == "ABCDEFGHJK" and second.response_id == response.id
        assert db.session.scalar(select(func.count()).select_from(Response)) == 2
        assert (
            db.session.scalar(
                select(func.count()).select_from(Answer).where(Answer.response_id == response.id)
            )
            == 2
        )
        # submitted again (a reload): the same response, nothing added
        assert service.submit(second, survey).id == response.id
        assert db.session.scalar(select(func.count()).select_from(Response)) == 2


def _ready_to_submit(client) -> None:
    answer_pages(client, start(client))
    answer_about_you(client, consent=False)


def test_a_draft_changed_while_submitting_is_read_again_and_stored_once(
    app, client, world, monkeypatch
):
    _ready_to_submit(client)
    attempts = changing_draft(monkeypatch, times=1)
    response = submit(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/done")
    assert len(attempts) == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1
        draft = db.session.scalars(select(Draft)).one()
        assert draft.reference and draft.response_id
    assert (
        service.format_reference(draft.reference) in client.get("/en/surveys/test-survey/done").text
    )


def test_a_draft_that_keeps_changing_is_not_submitted_and_the_check_page_says_so(
    app, client, world, monkeypatch
):
    _ready_to_submit(client)
    attempts = changing_draft(monkeypatch, times=journey_views.SUBMIT_ATTEMPTS)
    response = submit(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/en/surveys/test-survey/check")
    assert len(attempts) == journey_views.SUBMIT_ATTEMPTS
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0
        assert db.session.scalar(select(func.count()).select_from(Answer)) == 0
        draft = db.session.scalars(select(Draft)).one()
        assert draft.reference is None and draft.answers["experience"] == "poor"
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Your answers changed while they were being sent" in page.text
    assert "Slow but kind" in page.text  # the saved answers, to check and send again
    # once it stops changing, it is sent
    monkeypatch.undo()
    assert submit(client).headers["Location"].endswith("/done")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_a_submit_redirects_to_the_done_page_with_the_reference(app, client, world):
    first = start(client)
    answer_pages(client, first)
    answer_about_you(client, consent=False)
    response = submit(client)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/en/surveys/test-survey/done")
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        draft = db.session.scalars(select(Draft)).one()
        assert draft.reference and draft.response_id
    assert service.format_reference(draft.reference) in done


# The cache ---------------------------------------------------------------------------------


def _page(client, number: int) -> str:
    response = client.get(f"/en/surveys/test-survey/page/{number}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _question(key: str) -> Question:
    survey = get_survey("test-survey")  # as the builder loads it
    return next(q for q in survey.questions if q.key == key)


def test_the_journey_shows_a_label_the_builder_changed_at_once(app, client, world):
    start(client)
    assert "How did you visit?" in _page(client, 3)
    assert "How did you visit?" in _page(client, 3)  # from the cache
    with app.app_context():
        question = _question("visit_type")
        authoring.update_question(
            question,
            key="visit_type",
            label="How did you get to us?",
            section=question.section,
            options=[("in_person", "In person"), ("phone", "By phone")],
        )
        db.session.commit()
    html = _page(client, 3)
    assert "How did you get to us?" in html and "How did you visit?" not in html


def test_the_journey_offers_an_option_added_and_stores_it(app, client, world):
    first = start(client)
    assert 'value="video"' not in _page(client, 3)
    with app.app_context():
        consultations.add_option(_question("visit_type"), code="video", label="By video")
        db.session.commit()
    assert 'value="video"' in _page(client, 3)
    pages = [dict(p) for p in GOOD_PAGES]
    pages[2]["visit_type"] = "video"
    answer_pages(client, first, pages)
    answer_about_you(client, consent=False)
    assert submit(client).status_code == 303
    with app.app_context():
        stored = db.session.scalars(select(Answer).where(Answer.option_id.is_not(None))).all()
        codes = {a.option_id for a in stored}
        video = next(o for o in _question("visit_type").options if o.code == "video")
        assert video.id in codes


def test_the_journey_closes_when_the_consultation_closes(app, client, world):
    start(client)
    assert 'name="visit_type"' in _page(client, 3)
    with app.app_context():
        consultation = consultations.get_consultation(world.consultation)
        consultations.set_status(consultation, ConsultationStatus.closed, actor=None)
        db.session.commit()
    html = _page(client, 3)
    assert 'name="visit_type"' not in html
    response = submit(client)
    assert response.status_code == 410
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Response)) == 0


def test_a_deleted_question_leaves_the_journey(app, client, world):
    start(client)
    assert 'name="visit_date"' in _page(client, 3)
    with app.app_context():
        authoring.delete_question(_question("visit_date"))
        db.session.commit()
    assert 'name="visit_date"' not in _page(client, 3)


def test_a_cached_survey_page_runs_one_query(app, client, world, count_queries):
    start(client)
    _page(client, 3)  # the cache is filled
    with count_queries() as queries:
        html = _page(client, 3)
    assert 'name="visit_type"' in html
    # the survey's version and the draft, together; and the test's own SAVEPOINT
    reads = [q for q in queries if q.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 1, queries
    assert len(queries) <= 3, queries


def test_the_snapshot_cannot_be_changed(app, world):
    with app.app_context():
        survey = journey_survey(world.survey)
        question = survey.questions[0]
        assert isinstance(question.label, FrozenDict)
        with pytest.raises(TypeError):
            question.label["en"] = "Changed"
        with pytest.raises(AttributeError):
            question.key = "changed"
        assert journey_survey(world.survey) is survey  # the same snapshot, from the cache


# Kept markup, one query, the language links ------------------------------------------------

#: answers of each kind, as drafts keep them (and the markup must show them)
KEPT_VALUES = {
    "experience": ["good", "poor", None],
    "services": [["gp", "hospital"], ["hospital", "gp"], [], None],
    "visit_type": ["phone", None],
    "respect": ["agree", None],
    "recommend": [0, 10, "7", None],
    "visits": [12, 0, 2.5, None],
    "visit_date": ["2025-03-27", None],
    "why_poor": ['It was "late" & <b>rude</b>\nand slow', "", None],
    "summary": ["Fine <i>really</i> \ufdd0", None],
    "area": ["BL1", None],
    "note": [None],
}


@pytest.mark.parametrize("locale", ["en", "ur"])
def test_kept_question_markup_is_the_macros_markup(app, world, locale):
    from engage.responses.views import _question_fields

    with app.test_request_context(f"/{locale}/"):
        g.locale = locale
        survey = journey_survey(world.survey)
        t = lambda texts: text_in(texts, locale)  # noqa: E731
        checked = 0
        for q in survey.questions:
            for value in KEPT_VALUES.get(q.key, [None]):
                for heading in (False, True):
                    macro = render(app, NEW_QUESTION_FIELD, q, locale, value=value, heading=heading)
                    for _time in range(2):  # made, then kept
                        kept = _question_fields(survey, [q], t, locale, {q.key: value}, {}, heading)
                        assert str(kept[0]) == macro, (q.key, value, heading)
                        checked += 1
        assert checked >= 2 * 2 * len(survey.questions)
        assert survey.rendered  # some markup was kept
        # a typed answer is never kept: only the markup around it
        assert not any("rude" in str(p) for parts in survey.rendered.values() for p in parts)


def test_the_draft_is_found_when_the_survey_id_is_not_known_yet(app, client, world):
    from engage.consultations.cache import survey_cache

    start(client)
    assert 'name="visit_type"' in _page(client, 3)
    with app.app_context():
        survey_cache().ids.clear()  # a new worker: no slug seen yet
    assert 'name="visit_type"' in _page(client, 3)
    with app.app_context():
        survey = journey_survey(world.survey)
        survey_cache().ids[world.survey] = survey.id + 1000  # a wrong guess
    assert 'name="visit_type"' in _page(client, 3)
    # another survey's page does not take this survey's draft
    response = client.get("/en/surveys/draft-survey/page/1")
    assert response.status_code in (302, 404)


def test_an_expired_draft_is_not_found(app, client, world):

    from engage.sqltypes import utcnow

    start(client)
    _page(client, 3)
    with app.app_context():
        draft = db.session.scalars(select(Draft)).one()
        draft.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    response = client.get("/en/surveys/test-survey/page/3")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/en/surveys/test-survey")


def test_the_language_links_are_this_page_in_each_language(app, client, world):
    from flask import url_for

    start(client)
    html = client.get("/en/surveys/test-survey/page/3?x=1").get_data(as_text=True)
    with app.test_request_context("/en/"):
        for code in app.config["LANGUAGES"]:
            expected = url_for("survey.page", slug="test-survey", number=3, locale=code)
            assert f'href="{expected}?x=1" lang="{code}"' in html
        for path in ("/favicon.svg", "/css/engage.css"):
            assert f'href="{url_for("static", filename=path[1:])}"' in html
        assert f'href="{url_for("web.home", locale="en")}"' in html
    html = client.get("/ur/surveys/test-survey/page/3").get_data(as_text=True)
    assert 'href="/ur/"' in html or 'href="/ur"' in html
    assert 'href="/en/surveys/test-survey/page/3" lang="en"' in html


def test_a_response_with_no_answers_is_still_stored(app, world):
    """Every question optional and none answered (monitoring declined): a response with
    no answer rows and no profile, written as one with both."""
    with app.app_context():
        consultation = consultations.get_consultation(world.consultation)
        survey = factories.make_survey(consultation, slug="all-optional", every_type=False)
        section = consultations.add_section(survey, title={"en": "Anything else"})
        consultations.add_question(
            survey, key="else", type="short_text", label={"en": "Anything else?"}, section=section
        )
        db.session.commit()
        snapshot = journey_survey("all-optional")
        draft, _token = service.start_draft(snapshot, locale="en", days=1)
        db.session.commit()
        response = service.submit(draft, snapshot)
        db.session.commit()
        assert response.reference and draft.response_id == response.id
        stored = db.session.get(Response, response.id)
        assert stored.survey_id == survey.id
        answers = select(func.count()).select_from(Answer).where(Answer.response_id == stored.id)
        assert db.session.scalar(answers) == 0
