"""The area a consultation's respondents are compared with, chosen on its settings form."""

from __future__ import annotations

import re
from html import unescape

import pytest

from engage.communities import population
from engage.consultations import authoring, service
from engage.consultations.service import SurveyError
from engage.extensions import db
from tests.conftest import login, post_form
from tests.consultations.test_builder import consultation_form

NEW = "/en/consultations/new"
EDIT = "/en/consultations/draft-consultation/edit"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", unescape(response.get_data(as_text=True)))


def area_of(app, slug: str) -> str | None:
    with app.app_context():
        return service.get_consultation(slug).area_code


def test_a_new_consultation_is_compared_with_the_chosen_local_authority(app, client, world):
    login(client, world.emails["analyst"])
    page = client.get(NEW).get_data(as_text=True)
    assert "Area to compare respondents with" in page
    assert '<option value="E08000001">Bolton</option>' in page
    response = post_form(client, NEW, consultation_form(area_code="E08000001"))
    assert response.status_code == 302, text_of(response)[:3000]
    assert area_of(app, "maternity-care-in-northmoor") == "E08000001"


def test_the_area_is_optional(app, client, world):
    login(client, world.emails["analyst"])
    response = post_form(client, NEW, consultation_form(area_code=""))
    assert response.status_code == 302
    assert area_of(app, "maternity-care-in-northmoor") is None


def test_the_edit_form_shows_changes_and_clears_the_area(app, client, world):
    with app.app_context():
        population.add_baseline("P82001", "Northmoor Surgery", "Practice list", {"asian_indian": 9})
        db.session.commit()
    login(client, world.emails["commissioner"])
    response = post_form(client, EDIT, consultation_form(area_code="P82001"))
    assert response.status_code == 302, text_of(response)[:3000]
    assert area_of(app, "draft-consultation") == "P82001"
    page = client.get(EDIT).get_data(as_text=True)
    # an admin's own baselines come before the local authorities, and the saved one is chosen
    assert page.index('value="P82001"') < page.index('value="E08000001"')
    assert '<option value="P82001" selected>Northmoor Surgery</option>' in page
    response = post_form(client, EDIT, consultation_form(area_code=""))
    assert response.status_code == 302
    assert area_of(app, "draft-consultation") is None


def test_an_unknown_area_is_a_form_error_and_nothing_changes(app, client, world):
    login(client, world.emails["analyst"])
    assert post_form(client, EDIT, consultation_form(area_code="E08000001")).status_code == 302
    response = post_form(client, EDIT, consultation_form(area_code="NOWHERE", title="Changed"))
    assert response.status_code == 400
    page = text_of(response)
    assert "There is a problem" in page and "Select one of the options shown" in page
    assert area_of(app, "draft-consultation") == "E08000001"
    with app.app_context():
        assert service.get_consultation("draft-consultation").title["en"] != "Changed"


def test_the_service_refuses_an_area_that_is_not_a_baseline(app, world):
    with app.app_context():
        consultation = service.get_consultation("draft-consultation")
        with pytest.raises(SurveyError):
            authoring.set_area(consultation, "NOWHERE")
        assert authoring.set_area(consultation, " E08000001 ").area_code == "E08000001"
