"""Walk the respondent journey the way a browser does, form by form."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import update

from engage.extensions import db
from engage.responses import service
from engage.responses.models import Draft
from tests.conftest import CSRF_RE


def token_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def post(client, url: str, data: dict | None = None, *, token_from: str | None = None):
    """POST a form with the CSRF token of the page it is on (or ``token_from``)."""
    page = client.get(token_from or url)
    data = {**(data or {}), "csrf_token": token_of(page.get_data(as_text=True))}
    return client.post(url, data=data)


def start(client, slug: str = "test-survey", locale: str = "en", query: str = ""):
    response = post(client, f"/{locale}/surveys/{slug}{query}", {"consent": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[-2000:]
    return response.headers["Location"]


#: answers to every question of tests.factories.make_survey, page by page
GOOD_PAGES = [
    {"experience": "poor"},
    {"why_poor": "The wait was too long.", "services": ["gp", "hospital"]},
    {
        "visit_type": "in_person",
        "respect": "agree",
        "recommend": "7",
        "visits": "12",
        "visit_date": "27/3/2025",
    },
    {"summary": "Slow but kind", "area": "bl1 4aa"},
]


#: what GOOD_PAGES store: {question key: stored value(s)}, as test_journey._answers reads
GOOD_ANSWERS = {
    "experience": "poor",
    "why_poor": "The wait was too long.",
    "services": ["gp", "hospital"],
    "visit_type": "in_person",
    "respect": "agree",
    "recommend": 7.0,
    "visits": 12.0,
    "visit_date": date(2025, 3, 27),
    "summary": "Slow but kind",
    "area": "BL1",
}


def answer_pages(client, first_url: str, pages=GOOD_PAGES) -> str:
    """Post each page's answers; returns where the last one led."""
    url = first_url
    for data in pages:
        response = post(client, url, data)
        assert response.status_code == 302, (url, response.get_data(as_text=True)[-3000:])
        url = response.headers["Location"]
    return url


def answer_about_you(client, slug: str = "test-survey", locale: str = "en", consent: bool = True):
    base = f"/{locale}/surveys/{slug}/about-you"
    response = post(client, base, {"consent": "yes" if consent else "no"})
    assert response.status_code == 302
    if not consent:
        return response.headers["Location"]
    assert post(client, f"{base}/ethnic-group", {"ethnic_group_broad": "asian"}).status_code == 302
    response = post(client, f"{base}/ethnic-group/detail", {"ethnic_group": "asian_pakistani"})
    assert response.status_code == 302
    response = post(
        client,
        f"{base}/more",
        {
            "language": "ur",
            "age_band": "35_44",
            "sex": "female",
            "religion": "not_stated",
            "postcode_district": "bl1",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    return response.headers["Location"]


def submit(client, slug: str = "test-survey", locale: str = "en"):
    return post(client, f"/{locale}/surveys/{slug}/submit", token_from=f"/{locale}/withdraw")


def changing_draft(monkeypatch, times: int, *, committed: bool = False) -> list:
    """Before each of the submit's first ``times`` writes, the draft changes as if saved
    in another tab at that moment (a new answer and a new ``updated_at``): in the
    session's transaction, or ``committed`` on a connection of its own, as another
    request would. Returns the list of writes attempted (each one's ``apart``)."""
    real = service.write_submission
    attempts = []

    def write_after_a_change(prepared, **kwargs):
        attempts.append(kwargs.get("apart", False))
        if len(attempts) <= times:
            draft = prepared.draft
            change = (
                update(Draft)
                .where(Draft.id == draft.id)
                .values(
                    answers={**draft.answers, "summary": "Changed in another tab"},
                    updated_at=draft.updated_at + timedelta(seconds=1),
                )
            )
            if committed:
                with db.engine.begin() as connection:
                    connection.execute(change)
            else:
                db.session.execute(change)
        return real(prepared, **kwargs)

    monkeypatch.setattr(service, "write_submission", write_after_a_change)
    return attempts
