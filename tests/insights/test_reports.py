"""Insight reports: writing, editing, publishing (the figures freeze), the lock on a
published report, drafts kept private, the tables as CSV, and the evidence library."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

import pytest
from scipy.stats import binomtest
from sqlalchemy import select

from engage.consultations.models import ConsultationStatus
from engage.consultations.service import get_consultation, get_survey
from engage.extensions import db
from engage.insights import pipeline, reports
from engage.insights.models import InsightReport, ReportStatus
from engage.insights.stats import DisclosureRule
from engage.responses import transfer
from tests.conftest import csrf_token, login, post_form
from tests.factories import ROLES, make_consultation, make_survey
from tests.roles import AD, AN, A, C, everyone, only

INTERPRETERS = "interpreters_language_support"
STAFF = "staff_manner_personal_attributes"
FORMULA = '=HYPERLINK("http://evil.example","click")'


def write_csv(path, rows: list[dict[str, str]]):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def comments(group: str, themes: str, n: int, text: str = "A comment.") -> list[dict]:
    return [
        {"experience": "good", "summary": text, "summary__themes": themes, "ethnic_group": group}
        for _ in range(n)
    ]


def import_rows(survey_slug: str, rows: list[dict], path) -> None:
    transfer.import_responses(get_survey(survey_slug), write_csv(path, rows))
    db.session.commit()


@pytest.fixture
def coded(app, world, tmp_path):
    """The open test survey with 54 commenters: 20 Pakistani people who raised
    interpreters, 10 White British people who raised interpreters and 20 who raised
    staff manner, and 4 people with no ethnic group whose comments are not coded."""
    with app.app_context():
        get_consultation(world.consultation).area_code = "E08000001"
        db.session.commit()
        rows = (
            comments("asian_pakistani", INTERPRETERS, 20)
            + comments("white_british", INTERPRETERS, 10)
            + comments("white_british", STAFF, 20)
            + comments("", "", 4, text="Nothing to add.")
        )
        import_rows(world.survey, rows, tmp_path / "coded.csv")
    return world


def report_form(**overrides) -> dict:
    data = {
        "title": "What we heard about interpreters",
        "summary": "People who need an interpreter often do not get one.",
        "key_themes-0-theme": INTERPRETERS,
        "key_themes-0-you_said": "The interpreter never came, so I could not talk to my GP.",
        "key_themes-1-theme": "",
        "key_themes-1-you_said": "",
        "findings": "Pakistani respondents raised interpreters far more than others.",
        "limitations": "Few Black African respondents.",
        "recommendations": "Book interpreters with the appointment.",
        "communities": ["asian_pakistani"],
    }
    data.update(overrides)
    return data


def write_report(client, world, **overrides):
    """Posts the new-report form (the client is signed in as an analyst)."""
    return post_form(
        client, f"/en/consultations/{world.consultation}/reports/new", report_form(**overrides)
    )


@pytest.fixture
def analyst(client, world):
    login(client, world.emails["analyst"])
    return client


def the_report(app) -> InsightReport:
    with app.app_context():
        report = db.session.scalar(select(InsightReport))
        db.session.expunge(report)
        return report


def publish(client, slug: str):
    # any page of a signed-in person carries a token (the sign-out form)
    return post_form(client, f"/en/reports/{slug}/publish", {}, token_from="/en/evidence")


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


# Writing ---------------------------------------------------------------------------------


def test_an_analyst_writes_a_draft_with_figures_from_the_data(app, analyst, coded):
    response = write_report(analyst, coded)
    assert response.status_code == 302
    report = the_report(app)
    assert report.status == ReportStatus.draft and report.frozen is None
    assert report.slug == "what-we-heard-about-interpreters"
    with app.app_context():
        saved = reports.get_report(report.slug)
        assert [(k.theme_code, k.you_said[:15]) for k in saved.key_themes] == [
            (INTERPRETERS, "The interpreter")
        ]
        assert saved.communities == ["asian_pakistani"]
    html = page(analyst, response.headers["Location"])
    assert "The interpreter never came" in html
    # 30 of 54 commenters raised it: published as 30 of 55 (rounded to 5), 55%
    assert "Raised by 30 of the 55 people who wrote a comment (55%" in html
    assert "Draft" in html and "Publish the report" in html


def test_a_new_report_offers_the_codebook_and_the_consultation_communities(client, coded, app):
    with app.app_context():
        get_consultation(coded.consultation).target_communities = ["black_african"]
        db.session.commit()
    login(client, coded.emails["commissioner"])
    html = page(client, f"/en/consultations/{coded.consultation}/reports/new")
    assert f'value="{INTERPRETERS}"' in html
    assert "Equality, diversity &amp; inclusion: Interpreters &amp; language support" in html
    assert 'value="black_african" checked' in html
    assert 'name="csrf_token"' in html


def test_the_form_says_what_is_wrong_and_saves_nothing(app, analyst, coded):
    response = write_report(
        analyst,
        coded,
        title="",
        **{
            "key_themes-0-you_said": "",
            "key_themes-1-theme": "",
            "key_themes-1-you_said": "Something with no theme",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Enter a title" in html
    assert "Write what people said about this theme" in html
    assert "Choose the theme this statement is about" in html
    assert 'href="#key_themes-1-theme"' in html
    with app.app_context():
        assert db.session.scalar(select(InsightReport)) is None


def test_the_same_theme_twice_and_a_theme_not_in_the_codebook_are_refused(app, analyst, coded):
    twice = {"key_themes-1-theme": INTERPRETERS, "key_themes-1-you_said": "Again"}
    response = write_report(analyst, coded, **twice)
    assert response.status_code == 400
    assert "Each theme can be a key theme only once" in response.get_data(as_text=True)
    response = write_report(analyst, coded, **{"key_themes-0-theme": "no_such_theme"})
    assert response.status_code == 400
    assert "Select one of the options shown" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(InsightReport)) is None


def test_an_analyst_edits_a_draft(app, analyst, coded):
    write_report(analyst, coded)
    slug = the_report(app).slug
    html = page(analyst, f"/en/reports/{slug}/edit")
    assert "What we heard about interpreters" in html
    assert 'name="key_themes-3-theme"' in html  # the saved theme and three spare rows
    response = post_form(
        analyst,
        f"/en/reports/{slug}/edit",
        report_form(
            title="Interpreters and staff",
            **{"key_themes-1-theme": STAFF, "key_themes-1-you_said": "Staff were kind."},
        ),
    )
    assert response.status_code == 302
    with app.app_context():
        saved = reports.get_report(slug)
        assert saved.title == "Interpreters and staff"
        assert [k.theme_code for k in saved.key_themes] == [INTERPRETERS, STAFF]
    html = page(analyst, f"/en/reports/{slug}")
    assert "Raised by 20 of the 55 people who wrote a comment" in html  # staff manner


# Figures -----------------------------------------------------------------------------------


def test_publishing_freezes_the_figures(app, analyst, coded, tmp_path):
    write_report(analyst, coded)
    slug = the_report(app).slug
    response = publish(analyst, slug)
    assert response.status_code == 302
    report = the_report(app)
    assert report.status == ReportStatus.published and report.published_at is not None
    assert json.loads(json.dumps(report.frozen)) == report.frozen
    before = page(analyst, f"/en/reports/{slug}")
    low, high = binomtest(30, 55).proportion_ci(0.95, method="wilson")
    expected = f"(55%, 95% confidence interval {100 * low:.0f}% to {100 * high:.0f}%)"
    assert "Raised by 30 of the 55 people who wrote a comment " + expected in before

    # twenty more people raise it after publishing: the report does not change
    with app.app_context():
        import_rows(
            coded.survey, comments("asian_pakistani", INTERPRETERS, 20), tmp_path / "more.csv"
        )
    after = page(analyst, f"/en/reports/{slug}")
    assert "Raised by 30 of the 55 people who wrote a comment" in after
    assert "Raised by 50 of the 75" not in after
    assert "Publish the report" not in after
    # a new draft on the same consultation sees the new responses
    write_report(analyst, coded, title="Later report")
    assert "Raised by 50 of the 75 people" in page(analyst, "/en/reports/later-report")


def test_published_figures_go_through_disclosure_control(app, analyst, coded):
    write_report(analyst, coded)
    slug = the_report(app).slug
    publish(analyst, slug)
    frozen = the_report(app).frozen
    theme = frozen["themes"][0]
    assert (theme["count"], frozen["commenters"]) == (30, 55)
    groups = {g["code"]: g for g in theme["communities"]}
    assert groups["asian_pakistani"]["count"] == 20
    assert groups["asian_pakistani"]["more"] is True  # 20 of 20 against 10 of 34
    assert groups["white_british"]["count"] == 10 and groups["white_british"]["n"] == 30
    assert None not in groups  # the four uncoded comments raised nothing
    # who we heard from: 54 responses, 50 with an ethnic group recorded
    assert frozen["completeness"]["overall"]["responses"] == 55
    rows = {r["code"]: r for r in frozen["representation"]["rows"]}
    assert rows["asian_pakistani"]["count"] == 20 and rows["black_african"]["count"] == 0
    assert frozen["representation"]["recorded"] == 50
    html = page(analyst, f"/en/reports/{slug}")
    assert "Who we did not hear from" in html and "Under-represented" in html
    assert "Pakistani</th>" in html
    assert "Raised significantly more often than by everyone else by: Pakistani</p>" in html


def test_small_counts_are_hidden_in_the_report(app, analyst, world, tmp_path):
    with app.app_context():
        import_rows(
            world.survey,
            comments("black_african", INTERPRETERS, 3) + comments("white_british", STAFF, 12),
            tmp_path / "small.csv",
        )
    write_report(analyst, world)
    slug = the_report(app).slug
    publish(analyst, slug)
    theme = the_report(app).frozen["themes"][0]
    assert theme["count"] is None and theme["suppressed"] is True
    assert theme["pct"] is None and theme["low"] is None
    html = page(analyst, f"/en/reports/{slug}")
    assert "Raised by fewer than 8 of the 15 people who wrote a comment." in html


def test_reach_counts_analyst_codes_over_suggestions(app, world, tmp_path):
    with app.app_context():
        survey = make_survey(make_consultation(status=ConsultationStatus.open), slug="reach")
        db.session.commit()
        rows = [
            # coded by an analyst as staff: the interpreter words do not count
            {"summary": "The interpreter was late.", "summary__themes": STAFF},
            # not coded: the pipeline's keywords suggest interpreters
            {"summary": "The interpreter never turned up.", "summary__themes": ""},
            {"summary": "Staff were rude.", "summary__themes": STAFF},
            {"summary": "", "summary__themes": ""},  # no comment: not a commenter
        ]
        import_rows(survey.slug, [{"experience": "good", **r} for r in rows], tmp_path / "r.csv")
        pipeline.analyse_survey(get_survey("reach"))
        db.session.commit()
        reach = reports.theme_reach(
            get_survey("reach"), [INTERPRETERS, STAFF, "digital_exclusion"], None
        )
    assert reach.commenters == 3
    counts = {code: figures["count"] for code, figures in reach.themes.items()}
    assert counts == {INTERPRETERS: 1, STAFF: 2, "digital_exclusion": 0}
    assert reach.themes["digital_exclusion"]["communities"] == []


# The lock and privacy ------------------------------------------------------------------------


def test_a_published_report_is_locked(app, analyst, coded):
    write_report(analyst, coded)
    slug = the_report(app).slug
    publish(analyst, slug)
    html = page(analyst, f"/en/reports/{slug}/edit")
    assert "A published report cannot be changed" in html
    assert 'name="title"' not in html
    response = post_form(
        analyst, f"/en/reports/{slug}/edit", report_form(title="Changed"), token_from="/en/evidence"
    )
    assert response.status_code == 409
    assert "A published report cannot be changed" in response.get_data(as_text=True)
    response = publish(analyst, slug)
    assert response.status_code == 409
    assert the_report(app).title == "What we heard about interpreters"
    with app.app_context(), pytest.raises(reports.ReportLocked):
        report = reports.get_report(slug)
        reports.update_report(report, reports.ReportFields(title="x"), actor=None)


def test_a_draft_is_only_for_its_authors_and_a_published_report_is_public(app, analyst, coded):
    write_report(analyst, coded)
    slug = the_report(app).slug
    other = app.test_client()
    assert other.get(f"/en/reports/{slug}").status_code == 404
    assert other.get(f"/en/reports/{slug}/key-themes.csv").status_code == 404
    login(other, coded.emails["host"])
    assert other.get(f"/en/reports/{slug}").status_code == 404
    assert other.get(f"/en/reports/{slug}/edit").status_code == 403
    assert publish(other, slug).status_code == 403
    assert slug not in page(other, "/en/evidence")
    publish(analyst, slug)
    anonymous = app.test_client()
    html = page(anonymous, f"/en/reports/{slug}")
    assert "The interpreter never came" in html and "Publish the report" not in html
    assert slug in page(anonymous, "/en/evidence")
    assert '<html lang="ur" dir="rtl">' in page(anonymous, f"/ur/reports/{slug}")


def test_publishing_needs_a_key_theme(app, analyst, coded):
    write_report(analyst, coded, **{"key_themes-0-theme": "", "key_themes-0-you_said": ""})
    slug = the_report(app).slug
    response = publish(analyst, slug)
    assert response.status_code == 400
    assert "Add at least one key theme" in response.get_data(as_text=True)
    assert the_report(app).status == ReportStatus.draft


# CSV ---------------------------------------------------------------------------------------


def test_tables_export_as_csv_with_formulas_neutralised(app, analyst, coded):
    write_report(analyst, coded, **{"key_themes-0-you_said": FORMULA})
    slug = the_report(app).slug
    publish(analyst, slug)
    anonymous = app.test_client()
    response = anonymous.get(f"/en/reports/{slug}/key-themes.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="{slug}-key-themes.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0]["you_said"] == "'" + FORMULA
    assert (rows[0]["theme_code"], rows[0]["people"], rows[0]["share_pct"]) == (
        INTERPRETERS,
        "30",
        f"{100 * 30 / 55:.1f}",
    )
    groups = list(
        csv.DictReader(io.StringIO(anonymous.get(f"/en/reports/{slug}/communities.csv").text))
    )
    pakistani = next(r for r in groups if r["ethnic_group"] == "asian_pakistani")
    assert (pakistani["people"], pakistani["raised_more_than_the_rest"]) == ("20", "yes")
    for table in ("representation", "completeness"):
        text = anonymous.get(f"/en/reports/{slug}/{table}.csv").text
        assert len(text.splitlines()) > 1
    assert anonymous.get(f"/en/reports/{slug}/secrets.csv").status_code == 404


# The evidence library ----------------------------------------------------------------------


def published_report(
    app, *, org: str = "test-icb", title: str, theme: str, said: str, communities, area, when
):
    """A published report on a new consultation (the service, as a view would call it)."""
    with app.app_context():
        consultation = make_consultation(
            org, status=ConsultationStatus.open, service_area=area, title={"en": title}
        )
        make_survey(consultation)
        report = reports.create_report(
            consultation,
            reports.ReportFields(
                title=title,
                summary=f"Summary of {title}.",
                findings="Findings.",
                limitations=f"Few answers from {title.split()[0].lower()} services.",
                recommendations=f"Recommend {title.lower()} work.",
                communities=communities,
                key_themes=[(theme, said)],
            ),
            actor=None,
        )
        reports.publish(report, actor=None, rule=DisclosureRule(), now=when)
        db.session.commit()
        return report.slug


@pytest.fixture
def library(app, world):
    with app.app_context():
        from engage.accounts.models import OrgKind
        from tests.factories import make_org

        make_org(OrgKind.commissioner, slug="other-icb", name="Other ICB")
        db.session.commit()
    slugs = {
        "maternity": published_report(
            app,
            title="Maternity interpreters",
            theme=INTERPRETERS,
            said="Nobody spoke Sylheti on the ward",
            communities=["asian_bangladeshi"],
            area="maternity",
            when=datetime(2025, 3, 1, tzinfo=UTC),
        ),
        "mental": published_report(
            app,
            org="other-icb",
            title="Mental health and faith",
            theme="cultural_religious_needs",
            said="My imam was not welcome",
            communities=["black"],
            area="mental_health",
            when=datetime(2026, 1, 15, tzinfo=UTC),
        ),
        "gp": published_report(
            app,
            title="GP reception",
            theme=STAFF,
            said="100% of the time rude_staff",
            communities=[],
            area="primary_care",
            when=datetime(2026, 2, 1, tzinfo=UTC),
        ),
    }
    with app.app_context():  # a draft, never in the library
        consultation = get_consultation(world.consultation)
        reports.create_report(
            consultation,
            reports.ReportFields(title="Secret draft", key_themes=[(INTERPRETERS, "Sylheti")]),
            actor=None,
        )
        db.session.commit()
    return slugs


def found(client, query: str = "") -> list[str]:
    response = client.get(f"/en/evidence{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    html = response.get_data(as_text=True)
    return [
        s
        for s in ("maternity-interpreters", "mental-health-and-faith", "gp-reception")
        if s in html
    ]


def test_the_library_lists_every_published_report_newest_first(client, library):
    html = client.get("/en/evidence").get_data(as_text=True)
    assert "3 reports" in html
    at = [html.index(f"/en/reports/{slug}") for slug in library.values()]
    assert at[2] < at[1] < at[0]  # GP (2026-02), mental health (2026-01), maternity (2025)
    assert "secret-draft" not in html
    assert "Interpreters &amp; language support" in html  # key themes as published
    assert "Other ICB" in html
    # the theme filter offers the themes of published reports, by name
    assert '<option value="cultural_religious_needs">Cultural &amp; religious needs' in html
    assert '<option value="digital_exclusion">' not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?q=sylheti", ["maternity-interpreters"]),  # a "you said", any case
        ("?q=SUMMARY+of+mental", ["mental-health-and-faith"]),  # every word, anywhere
        ("?q=findings", ["maternity-interpreters", "mental-health-and-faith", "gp-reception"]),
        ("?q=100%25", ["gp-reception"]),  # % and _ are letters, not wildcards
        ("?q=rude_staff", ["gp-reception"]),
        ("?q=from+gp+services", ["gp-reception"]),  # in its limitations
        ("?q=recommend+mental", ["mental-health-and-faith"]),  # in its recommendations
        ("?q=1%25", []),
        ("?q=rude%25staff", []),
        ("?service_area=mental_health", ["mental-health-and-faith"]),
        ("?community=asian_bangladeshi", ["maternity-interpreters"]),
        ("?community=asian", ["maternity-interpreters"]),  # a broad group finds its own
        ("?community=black_caribbean", ["mental-health-and-faith"]),  # "Black (all)" speaks to it
        ("?community=white", []),
        ("?theme=cultural_religious_needs", ["mental-health-and-faith"]),
        (
            "?theme=equality_diversity_inclusion",
            ["maternity-interpreters", "mental-health-and-faith"],
        ),
        ("?organisation=other-icb", ["mental-health-and-faith"]),
        ("?from=2026-01-01", ["mental-health-and-faith", "gp-reception"]),
        ("?to=2026-01-15", ["maternity-interpreters", "mental-health-and-faith"]),
        ("?from=2026-01-16&to=2026-02-01", ["gp-reception"]),
        ("?from=2026-01-16&to=9999-12-31", ["gp-reception"]),  # the last day: no end
        (
            "?q=interpreters&organisation=test-icb&service_area=maternity",
            ["maternity-interpreters"],
        ),
    ],
)
def test_the_library_searches_and_filters(client, library, query, expected):
    assert found(client, query) == expected


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?service_area=dentistry", "Choose a service area from the list."),
        ("?community=martians", "Choose a community from the list."),
        ("?theme=%3Cscript%3E", "Choose a theme from the list."),
        ("?organisation=nobody", "Choose an organisation from the list."),
        ("?from=yesterday", "Give the date as year-month-day"),
        ("?from=2026-02-01&to=2026-01-01", "The start date must be on or before the end date."),
        ("?page=0", "There is no such page of results."),
        ("?q=" + "x" * 201, "Search for 200 characters or fewer."),
        ("?organisation=a%00b", "Choose an organisation from the list."),
    ],
)
def test_bad_library_filters_get_a_message_and_the_rest_still_work(client, library, query, message):
    response = client.get(f"/en/evidence{query}&q2=")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "There is a problem" in html
    assert "3 reports" in html  # the bad filter is left out
    assert "<script>" not in html


def test_the_library_pages_through_many_reports(app, client, library, monkeypatch):
    monkeypatch.setattr(reports, "PAGE_SIZE", 2)
    first = client.get("/en/evidence").get_data(as_text=True)
    assert "gp-reception" in first and "maternity-interpreters" not in first
    assert "Page 2 of 2" in first
    second = client.get("/en/evidence?page=2").get_data(as_text=True)
    assert "maternity-interpreters" in second and "gp-reception" not in second
    assert "maternity-interpreters" in client.get("/en/evidence?page=9").get_data(as_text=True)


def test_the_library_is_in_urdu_too(client, library):
    html = client.get("/ur/evidence").get_data(as_text=True)
    assert 'lang="ur"' in html and 'dir="rtl"' in html
    assert "maternity-interpreters" in html


# Route x role, for a draft and a published report ------------------------------------------

AUTHORS = {AN: 200, C: 200, AD: 200}
DRAFT, PUBLISHED = "/en/reports/draft-report", "/en/reports/published-report"
#: (method, url, form data or None, {role: status}); the last row publishes the draft
REPORT_MATRIX = [
    ("GET", DRAFT, None, {**everyone(404), **AUTHORS}),
    ("GET", f"{DRAFT}/key-themes.csv", None, {**everyone(404), **AUTHORS}),
    ("GET", f"{DRAFT}/edit", None, only(AUTHORS)),
    ("POST", f"{DRAFT}/edit", {}, only({AN: 400, C: 400, AD: 400})),
    ("GET", PUBLISHED, None, everyone(200)),
    ("GET", f"{PUBLISHED}/communities.csv", None, everyone(200)),
    ("GET", f"{PUBLISHED}/edit", None, only(AUTHORS)),  # the "locked" page
    ("POST", f"{PUBLISHED}/edit", {}, only({AN: 409, C: 409, AD: 409})),
    ("POST", f"{PUBLISHED}/publish", {}, only({AN: 409, C: 409, AD: 409})),
    ("GET", "/en/consultations/test-consultation/reports", None, everyone(200)),
    ("POST", f"{DRAFT}/publish", {}, only({AN: 302, C: 302, AD: 302})),
]


@pytest.mark.parametrize("role", ROLES)
def test_report_routes_by_role(app, world, role):
    with app.app_context():
        consultation = get_consultation(world.consultation)
        for title in ("Draft report", "Published report"):
            report = reports.create_report(
                consultation,
                reports.ReportFields(title=title, key_themes=[(INTERPRETERS, "No interpreter")]),
                actor=None,
            )
        reports.publish(report, actor=None, rule=DisclosureRule())
        db.session.commit()
    client = app.test_client()
    if role != A:
        login(client, world.emails[role])
    failures = []
    for method, url, data, expected in REPORT_MATRIX:
        if method == "GET":
            response = client.get(url)
        else:
            form = dict(data or {})
            form["csrf_token"] = csrf_token(client)
            response = client.post(url, data=form)
        if response.status_code != expected[role]:
            failures.append(f"{method} {url}: {response.status_code}, expected {expected[role]}")
    assert not failures, f"as {role}:\n" + "\n".join(failures)
    listing = client.get("/en/consultations/test-consultation/reports").get_data(as_text=True)
    assert ("draft-report" in listing) == (role in AUTHORS)


def test_odd_addresses_and_text_are_not_found_never_a_failure(client, library):
    assert client.get("/en/evidence?q=%00sylheti").status_code == 200
    for url in (
        "/en/reports/a%00b",
        "/en/reports/a%00b/key-themes.csv",
        "/en/consultations/a%00b/reports",
        "/en/reports/" + "x" * 300,
    ):
        assert client.get(url).status_code == 404, url


def test_a_title_in_urdu_gets_a_plain_slug(app, world):
    with app.app_context():
        report = reports.create_report(
            get_consultation(world.consultation),
            reports.ReportFields(title="ترجمان کی کمی"),
            actor=None,
        )
        assert report.slug == "report"


def test_a_report_on_a_consultation_without_a_survey_has_no_figures(app, analyst, world):
    response = post_form(
        analyst, f"/en/consultations/{world.draft_consultation}/reports/new", report_form()
    )
    assert response.status_code == 302
    slug = the_report(app).slug
    html = page(analyst, f"/en/reports/{slug}")
    assert "There are no survey figures for this consultation." in html
    assert "Raised by" not in html
    for table in reports.TABLES:
        rows = list(csv.reader(io.StringIO(analyst.get(f"/en/reports/{slug}/{table}.csv").text)))
        assert len(rows) == (2 if table == "key-themes" else 1), table
