"""The codebook editor: which codebook a survey uses, editing, adding and deleting themes
(the first change copies the codebook for the survey), download and upload in the import
format, reset, an organisation's own codebook, and bad input answered with a message
that changes nothing."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from sqlalchemy import func, select

from engage.accounts import service as accounts
from engage.consultations.service import get_survey
from engage.extensions import db
from engage.insights import codebook, codebook_edit, pipeline
from engage.insights.codebook import Theme
from engage.insights.codebook_edit import Scope, Source, ThemeProblem
from engage.insights.models import Codebook
from engage.responses import transfer
from tests.conftest import csrf_token, login
from tests.insights.test_pipeline import write_csv

PAGE = "/en/surveys/test-survey/codebook"
ORG_PAGE = "/en/organisations/test-icb/codebook"
CHILD = "staff_manner_personal_attributes"
PARENT = "staff"
DEFAULT = {t.code: t for t in codebook.default_codebook()}
#: a small codebook with what a file can hold: commas, quotes, line breaks, Urdu
SMALL_CSV = (
    "code,name,parent,description,keywords\r\n"
    "access,Access,,Getting care,\r\n"
    'gp_appointments,GP appointments,access,"Booking, waiting and ""on hold""\non the phone",'
    "appointment; on hold; 8am\r\n"
    "language,زبان,,Language support,interpreter; ترجمان\r\n"
)


@pytest.fixture
def analyst(client, world):
    login(client, world.emails["analyst"])
    return client


def post(client, url: str, data: dict | None = None, **kw):
    """Posts the form the way a browser does, with the CSRF token of the page."""
    return client.post(url, data={"csrf_token": csrf_token(client, PAGE), **(data or {})}, **kw)


def text_of(response) -> str:
    """The page's main content as a person reads it."""
    html = response.get_data(as_text=True)
    main = html[html.index("<main") : html.index("</main>")]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def themes(app, slug: str = "test-survey") -> dict[str, Theme]:
    with app.app_context():
        return {t.code: t for t in pipeline.codebook_for(get_survey(slug))}


def survey_scope(slug: str = "test-survey") -> Scope:
    return Scope.of_survey(get_survey(slug))


def own_codebooks(app) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(Codebook)
            .where(Codebook.survey_id.is_not(None) | Codebook.organisation_id.is_not(None))
        )


def edit_form(theme: Theme, **changes) -> dict:
    form = {
        "name": theme.name,
        "parent": theme.parent or "",
        "description": theme.description,
        "keywords": "\n".join(theme.keywords),
    }
    form.update(changes)
    return form


# Showing the codebook ---------------------------------------------------------------------


def test_the_page_shows_the_default_codebook_grouped_under_parents(analyst):
    response = analyst.get(PAGE)
    assert response.status_code == 200
    page = text_of(response)
    assert "The site's default codebook" in page
    assert f"{len(DEFAULT)} themes." in page
    html = response.get_data(as_text=True)
    # each parent heads its group, with its themes, codes, descriptions and keywords
    staff = html.index('<h2 id="group-2" dir="auto">Staff</h2>')
    child = html.index(f'id="theme-{CHILD}"')
    assert staff < child < html.index('<h2 id="group-3"')
    assert CHILD in page and "Staff manner & personal attributes" in page
    assert DEFAULT[CHILD].description[:40] in page
    assert "; ".join(DEFAULT[CHILD].keywords[:3]) in page
    # the free-text hub links here
    assert PAGE in analyst.get("/en/surveys/test-survey/text").get_data(as_text=True)


def test_the_page_says_whose_codebook_the_survey_uses(app, analyst):
    assert "The site's default codebook" in text_of(analyst.get(PAGE))
    with app.app_context():
        organisation = accounts.get_organisation("test-icb")
        codebook_edit.save(
            Scope.of_organisation(organisation), codebook.read_codebook_csv(SMALL_CSV.encode())
        )
        db.session.commit()
    page = text_of(analyst.get(PAGE))
    assert "The codebook of Test ICB" in page and "3 themes." in page
    assert "Change the codebook of Test ICB" in page  # the analyst may change it too
    with app.app_context():
        codebook_edit.save(survey_scope(), codebook.read_codebook_csv(SMALL_CSV.encode())[:1])
        db.session.commit()
    page = text_of(analyst.get(PAGE))
    assert "This survey's own codebook" in page and "1 theme." in page
    assert "Reset to the codebook of Test ICB" in page


def test_what_the_page_shows_is_what_the_coding_uses(app, analyst):
    with app.app_context():
        scope = survey_scope()
        assert codebook_edit.themes_of(scope) == pipeline.codebook_for(scope.survey)
        assert codebook_edit.source(scope) == Source.default


# Editing, adding, deleting ------------------------------------------------------------------


def test_editing_keywords_copies_the_default_for_the_survey_only(app, analyst):
    url = f"{PAGE}/themes/{CHILD}"
    form = analyst.get(url).get_data(as_text=True)
    assert "\n".join(DEFAULT[CHILD].keywords[:2]) in unescape(form)  # one a line
    response = post(
        analyst,
        url,
        edit_form(DEFAULT[CHILD], keywords="Rude receptionist\nrude; kind ;\n\nrude", code="x"),
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{PAGE}#theme-{CHILD}")
    page = text_of(analyst.get(response.headers["Location"]))
    assert "was saved" in page and "This survey now has its own codebook" in page
    assert "This survey's own codebook" in page
    assert "rude receptionist; rude; kind" in page
    changed = themes(app)
    assert changed[CHILD].keywords == ("rude receptionist", "rude", "kind")
    assert changed[CHILD].code == CHILD  # the code never changes
    assert changed.keys() == DEFAULT.keys()  # the copy has every theme
    # the site's default and the other survey are as they were
    assert themes(app, "draft-survey")[CHILD] == DEFAULT[CHILD]
    with app.app_context():
        default = pipeline.default_codebook_row()
        assert [t.keywords for t in default.themes if t.code == CHILD] == [
            list(DEFAULT[CHILD].keywords)
        ]
    assert own_codebooks(app) == 1
    # a second change changes the same copy
    response = post(analyst, url, edit_form(changed[CHILD], name="Staff attitude"))
    assert response.status_code == 303
    assert "now has its own codebook" not in text_of(analyst.get(PAGE))
    assert themes(app)[CHILD].name == "Staff attitude" and own_codebooks(app) == 1


def test_a_theme_moves_under_another_parent(app, analyst):
    response = post(analyst, f"{PAGE}/themes/{CHILD}", edit_form(DEFAULT[CHILD], parent="general"))
    assert response.status_code == 303
    assert themes(app)[CHILD].parent == "general"
    html = analyst.get(PAGE).get_data(as_text=True)
    general, staff = html.index(">General</h2>"), html.index(">Staff</h2>")
    assert general < html.index(f'id="theme-{CHILD}"') < staff


def test_adding_a_theme_with_and_without_a_code(app, analyst):
    response = post(
        analyst,
        f"{PAGE}/themes/new",
        {
            "code": " Hospital_Parking ",
            "name": "Hospital  parking",
            "parent": "service_location_travel_transport",
            "description": "Parking at the hospital",
            "keywords": "car park; parking fees",
        },
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#theme-hospital_parking")
    page = text_of(analyst.get(response.headers["Location"]))
    assert "“Hospital parking” was added with the code hospital_parking" in page
    added = themes(app)["hospital_parking"]
    assert added == Theme(
        "hospital_parking",
        "Hospital parking",
        "service_location_travel_transport",
        "Parking at the hospital",
        ("car park", "parking fees"),
    )
    assert list(themes(app))[-1] == "hospital_parking"
    # no code: one is made from the name, unique in the codebook
    for _ in range(2):
        response = post(analyst, f"{PAGE}/themes/new", {"name": "Hospital parking"})
        assert response.status_code == 303
    assert {"hospital_parking", "hospital_parking_2", "hospital_parking_3"} <= themes(app).keys()
    assert themes(app)["hospital_parking_2"].parent is None


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"code": "Bad code!", "name": "A theme"}, "A code is up to 64 lower-case letters"),
        ({"code": "x" * 65, "name": "A theme"}, "A code is up to 64 lower-case letters"),
        ({"code": CHILD, "name": "A theme"}, "Another theme in this codebook has this code"),
        ({"name": ""}, "Enter the theme&#39;s name"),
        ({"name": "n" * 201}, "A name must be 200 characters or fewer"),
        ({"name": "A", "parent": "no_such_theme"}, "Select one of the options shown"),
        # a theme that is under another cannot be a parent (two levels only)
        ({"name": "A", "parent": CHILD}, "Select one of the options shown"),
        ({"name": "A", "description": "d" * 4001}, "4000 characters or fewer"),
        ({"name": "A", "keywords": "k" * 101}, "A keyword must be 100 characters or fewer"),
        ({"name": "A", "keywords": "k;" * 10_001}, "20,000 characters or fewer"),
        ({"name": "A\x00\x01"}, None),  # control characters are dropped: added
    ],
)
def test_a_bad_new_theme_is_refused_with_a_message_and_nothing_changes(app, analyst, form, message):
    response = post(analyst, f"{PAGE}/themes/new", form)
    if message is None:
        assert response.status_code == 303
        assert "A" in {t.name for t in themes(app).values()}
        return
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert own_codebooks(app) == 0  # no copy was made either


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": " "}, "Enter the theme&#39;s name"),
        ({"name": "n" * 201}, "A name must be 200 characters or fewer"),
        ({"parent": "nope"}, "Select one of the options shown"),
        ({"parent": CHILD}, "Select one of the options shown"),  # itself
        ({"parent": "competence_training"}, "Select one of the options shown"),  # a child
        ({"keywords": "k" * 101}, "A keyword must be 100 characters or fewer"),
    ],
)
def test_a_bad_change_is_refused_with_a_message_and_nothing_changes(app, analyst, changes, message):
    response = post(analyst, f"{PAGE}/themes/{CHILD}", edit_form(DEFAULT[CHILD], **changes))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "There is a problem" in html and message in html
    assert themes(app)[CHILD] == DEFAULT[CHILD] and own_codebooks(app) == 0


def test_a_parent_with_themes_under_it_cannot_go_under_another(app, analyst):
    form = analyst.get(f"{PAGE}/themes/{PARENT}").get_data(as_text=True)
    assert "themes are under this one, so it cannot go under another theme" in form
    response = post(
        analyst, f"{PAGE}/themes/{PARENT}", edit_form(DEFAULT[PARENT], parent="general")
    )
    assert response.status_code == 400
    assert "Select one of the options shown" in response.get_data(as_text=True)
    assert themes(app)[PARENT].parent is None


def test_the_rules_hold_for_the_service_too(app, world):
    """Cycles and deeper trees, whoever calls: a parent must be top-level, and a theme with
    themes under it stays top-level."""
    with app.app_context():
        scope = survey_scope()
        current = codebook_edit.themes_of(scope)
        cases = [
            (Theme(PARENT, "Staff", "general", "", ()), False, "parent"),  # has children
            (Theme(CHILD, "Manner", CHILD, "", ()), False, "parent"),  # itself
            (Theme(CHILD, "Manner", "competence_training", "", ()), False, "parent"),
            (Theme(CHILD, "Manner", "nope", "", ()), False, "parent"),
            (Theme("no_such", "X", None, "", ()), False, ""),
            (Theme(CHILD, "X", None, "", ()), True, "code"),  # taken
            (Theme("Not OK", "X", None, "", ()), True, "code"),
            (Theme("ok", "x" * 201, None, "", ()), True, "name"),
            (Theme("ok", "X", None, "", ("k" * 101,)), True, "keywords"),
        ]
        for theme, new, field in cases:
            with pytest.raises(ThemeProblem) as raised:
                codebook_edit.check_theme(current, theme, new=new)
            assert raised.value.field == field, theme
        with pytest.raises(ThemeProblem):
            codebook_edit.update_theme(scope, Theme("general", "G", PARENT, "", ()))
        assert codebook_edit.own_codebook(scope) is None


def test_deleting_a_theme_after_a_confirmation(app, analyst, tmp_path):
    with app.app_context():
        survey = get_survey("test-survey")
        rows = [{"summary": "Rude staff", "summary__themes": f"{CHILD};general"}]
        transfer.import_responses(survey, write_csv(tmp_path / "coded.csv", rows))
        db.session.commit()
    url = f"{PAGE}/themes/{CHILD}/delete"
    page = text_of(analyst.get(url))
    assert "Delete “Staff manner & personal attributes”?" in page
    assert "1 answer of this survey was coded with it. It keeps the code" in page
    assert themes(app).keys() == DEFAULT.keys()  # asking changes nothing
    response = post(analyst, url)
    assert response.status_code == 303
    page = text_of(analyst.get(response.headers["Location"]))
    assert "“Staff manner & personal attributes” was deleted." in page
    assert CHILD not in themes(app) and len(themes(app)) == len(DEFAULT) - 1
    assert CHILD in themes(app, "draft-survey")
    assert analyst.get(url).status_code == 404


def test_a_parent_with_themes_under_it_is_not_deleted(app, analyst):
    url = f"{PAGE}/themes/{PARENT}/delete"
    response = analyst.get(url)
    page = text_of(response)
    assert "Other themes are under “Staff”. Delete them, or put them under another theme" in page
    assert "Delete the theme" not in page  # no button
    response = post(analyst, url)
    assert response.status_code == 400
    assert "There is a problem" in response.get_data(as_text=True)
    assert themes(app).keys() == DEFAULT.keys() and own_codebooks(app) == 0
    # once its themes are elsewhere, it can go
    for child in [t for t in DEFAULT.values() if t.parent == PARENT]:
        assert post(analyst, f"{PAGE}/themes/{child.code}/delete").status_code == 303
    assert post(analyst, url).status_code == 303
    assert PARENT not in themes(app)


def test_unknown_themes_are_not_found(analyst):
    assert analyst.get(f"{PAGE}/themes/no_such_theme").status_code == 404
    assert post(analyst, f"{PAGE}/themes/no_such_theme", {"name": "X"}).status_code == 404
    assert post(analyst, f"{PAGE}/themes/no_such_theme/delete").status_code == 404
    assert analyst.get(f"{PAGE}/themes/{'x' * 65}").status_code == 404


# Download, upload, reset --------------------------------------------------------------------


def test_the_download_reads_back_identically_through_the_upload_and_the_cli(
    app, analyst, runner, tmp_path
):
    # the survey's codebook, changed to hold what is hardest to write and read back
    assert (
        post(
            analyst,
            f"{PAGE}/upload",
            {"file": (io.BytesIO(SMALL_CSV.encode()), "c.csv")},
            content_type="multipart/form-data",
        ).status_code
        == 303
    )
    assert (
        post(
            analyst,
            f"{PAGE}/themes/gp_appointments",
            {
                "name": 'GP, "appointments"',
                "parent": "access",
                "description": "Line one\r\nline, two",
                "keywords": "on hold\n8am; ‘quoted’ word",
            },
        ).status_code
        == 303
    )
    expected = list(themes(app).values())
    response = analyst.get(f"{PAGE}.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert 'filename="test-survey-codebook.csv"' in response.headers["Content-Disposition"]
    data = response.get_data()
    assert data.decode("utf-8-sig").splitlines()[0] == "code,name,parent,description,keywords"
    assert "on hold; 8am; ‘quoted’ word" in data.decode("utf-8")
    # the import reads it as it was
    assert codebook.read_codebook_csv(data) == expected
    # uploaded to another survey: the same themes
    response = post(
        analyst,
        "/en/surveys/draft-survey/codebook/upload",
        {"file": (io.BytesIO(data), "test-survey-codebook.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    assert "The codebook was replaced by the file's 3 themes." in text_of(
        analyst.get(response.headers["Location"])
    )
    assert list(themes(app, "draft-survey").values()) == expected
    # and `engage import-codebook` reads the same file the same way
    path = tmp_path / "downloaded.csv"
    path.write_bytes(data)
    with app.app_context():
        pipeline.save_codebook(codebook.default_codebook(), survey=get_survey("draft-survey"))
        db.session.commit()
    result = runner.invoke(args=["import-codebook", str(path), "--survey", "draft-survey"])
    assert result.exit_code == 0, result.output
    assert list(themes(app, "draft-survey").values()) == expected
    assert analyst.get("/en/surveys/draft-survey/codebook.csv").get_data() == data


def test_a_bad_file_is_refused_with_each_problem_and_nothing_changes(app, analyst):
    bad = (
        "code,name,parent,description,keywords\n"
        "access,Access,,,\n"
        "Bad Code,Name,,,\n"
        "access,Again,,,\n"
        "child,Child,nowhere,,\n"
    )
    response = post(
        analyst,
        f"{PAGE}/upload",
        {"file": (io.BytesIO(bad.encode()), "bad.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = html[html.index("nhsuk-error-summary") : html.index("<h1")]
    for problem in (
        "Row 3, column code: A code is up to 64 lower-case letters",
        "Row 4, column code: This code is already used on row 2",
        "Row 5, column parent: No theme in the file has this code",
    ):
        assert problem in unescape(summary)
        assert 'href="#file"' in summary
    assert "The codebook was not replaced, and nothing was changed." in text_of(response)
    assert themes(app).keys() == DEFAULT.keys() and own_codebooks(app) == 0


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (None, "Choose the codebook file to upload."),
        ((io.BytesIO(b"code,name\nx,X\n"), "codebook.xlsx"), "The file must be a .csv file."),
        ((io.BytesIO(b"\xff\xfe bad"), "codebook.csv"), "The file must be saved as UTF-8"),
        ((io.BytesIO(b""), "codebook.csv"), "Row 1: The first row must name the columns"),
        ((io.BytesIO(b"code,name\n"), "codebook.csv"), "The file has no themes"),
    ],
)
def test_a_missing_or_unreadable_file_gets_a_message(app, analyst, upload, message):
    data = {} if upload is None else {"file": upload}
    response = post(analyst, f"{PAGE}/upload", data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in unescape(response.get_data(as_text=True))
    assert own_codebooks(app) == 0


def test_a_file_over_2_mb_is_refused(app, analyst):
    # the body is made here: the test client's own spools a large one to a file it
    # leaves open
    boundary = "codebook-test-boundary"
    body = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="csrf_token"\r\n\r\n'
            f"{csrf_token(analyst, PAGE)}\r\n"
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        + b"code,name\n"
        + b"x" * (2 * 1024 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = analyst.post(
        f"{PAGE}/upload", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    assert response.status_code == 400
    assert "The file must be smaller than 2 MB." in response.get_data(as_text=True)
    assert own_codebooks(app) == 0


def test_reset_asks_first_then_deletes_the_survey_copy(app, analyst):
    assert analyst.get(f"{PAGE}/reset").status_code == 302  # nothing to reset yet
    post(analyst, f"{PAGE}/themes/{CHILD}", edit_form(DEFAULT[CHILD], name="Changed"))
    page = text_of(analyst.get(PAGE))
    assert "Reset to the site's default codebook" in page
    confirm = analyst.get(f"{PAGE}/reset")
    assert confirm.status_code == 200
    assert "Reset to the site's default codebook?" in text_of(confirm)
    assert themes(app)[CHILD].name == "Changed"  # asking changes nothing
    response = post(analyst, f"{PAGE}/reset")
    assert response.status_code == 303
    page = text_of(analyst.get(response.headers["Location"]))
    assert "The codebook was reset." in page and "The site's default codebook" in page
    assert themes(app)[CHILD] == DEFAULT[CHILD] and own_codebooks(app) == 0


# An organisation's codebook -----------------------------------------------------------------


def test_an_organisations_analyst_changes_its_codebook_for_its_surveys(app, client, world):
    login(client, world.emails["analyst"])
    # reached from the organisation's own page
    assert ORG_PAGE in client.get("/en/organisations/test-icb").get_data(as_text=True)
    page = text_of(client.get(ORG_PAGE))
    assert "The site's default codebook" in page
    response = post(
        client, f"{ORG_PAGE}/themes/{CHILD}", edit_form(DEFAULT[CHILD], keywords="rude")
    )
    assert response.status_code == 303
    page = text_of(client.get(response.headers["Location"]))
    assert "Your organisation now has its own codebook" in page
    assert "The codebook of Test ICB" in page
    # both of the organisation's surveys use it; the site's default is unchanged
    assert themes(app)[CHILD].keywords == ("rude",)
    assert themes(app, "draft-survey")[CHILD].keywords == ("rude",)
    with app.app_context():
        default = pipeline.default_codebook_row()
        assert next(t for t in default.themes if t.code == CHILD).keywords == list(
            DEFAULT[CHILD].keywords
        )
    # the survey's page says so, and a survey change copies the organisation's codebook
    assert "The codebook of Test ICB" in text_of(client.get(PAGE))
    assert post(client, f"{PAGE}/themes/{CHILD}/delete").status_code == 303
    assert CHILD not in themes(app) and CHILD in themes(app, "draft-survey")
    assert "Reset to the codebook of Test ICB" in text_of(client.get(PAGE))
    # resetting the organisation's goes back to the site's default
    assert "Reset to the site's default codebook?" in text_of(client.get(f"{ORG_PAGE}/reset"))
    assert post(client, f"{ORG_PAGE}/reset").status_code == 303
    assert themes(app, "draft-survey")[CHILD] == DEFAULT[CHILD]


@pytest.mark.parametrize("role", ["commissioner", "host", "member"])
def test_others_may_not_change_a_codebook(app, client, world, role):
    login(client, world.emails[role])
    organisation_page = client.get("/en/organisations/test-icb")
    assert ORG_PAGE not in organisation_page.get_data(as_text=True)
    assert client.get(PAGE).status_code == 403
    assert client.get(ORG_PAGE).status_code == 403
    response = post(client, f"{PAGE}/themes/{CHILD}", edit_form(DEFAULT[CHILD], name="X"))
    assert response.status_code == 403
    response = post(client, f"{ORG_PAGE}/themes/new", {"name": "X"})
    assert response.status_code == 403
    assert own_codebooks(app) == 0


def test_signed_out_people_are_sent_to_sign_in(client, world):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_pages_are_in_the_readers_language(analyst):
    response = analyst.get("/ur/surveys/test-survey/codebook")
    assert response.status_code == 200
    assert 'lang="ur"' in response.get_data(as_text=True)
