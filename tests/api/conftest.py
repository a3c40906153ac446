"""Fixtures for the API tests: bearer tokens per role and a survey with responses of
known monitoring values, imported the way ``engage import-responses`` does it."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest

from engage.accounts import service as accounts
from engage.accounts.models import User
from engage.consultations.service import get_survey
from engage.extensions import db
from engage.responses import transfer

COLUMNS = [
    "experience",
    "visit_type",
    "respect",
    "visits",
    "ethnic_group",
    "channel",
    "forum",
    "submitted_at",
]


@dataclass(frozen=True)
class Row:
    """One response: what a test counts to get the expected figures."""

    ethnic_group: str
    visit_type: str
    experience: str
    respect: str
    visits: int
    channel: str = "online"
    forum: str = ""
    submitted_at: str = "2025-03-15T12:00:00+00:00"


def _rows(n: int, **fixed) -> list[Row]:
    return [Row(**fixed) for _ in range(n)]


def people() -> list[Row]:
    """75 respondents: White British 40, Pakistani 12 (through forum-a), Black African 13,
    Bangladeshi 7 and 3 whose ethnic group was not recorded."""
    rows: list[Row] = []
    # White British: 25 in person, 15 by phone; 10 on paper; February
    for i in range(40):
        rows.append(
            Row(
                "white_british",
                "in_person" if i < 25 else "phone",
                "very_good" if i < 20 else "good" if i < 30 else "poor",
                "strongly_agree" if i % 2 else "agree",
                i % 5,
                channel="paper" if i < 10 else "online",
                submitted_at="2025-02-10T10:00:00+00:00",
            )
        )
    # Pakistani: 9 in person, 3 by phone; the first day of March, through forum-a
    for i in range(12):
        rows.append(
            Row(
                "asian_pakistani",
                "in_person" if i < 9 else "phone",
                "very_good" if i < 3 else "good" if i < 6 else "neither",
                "disagree",
                10 + i,
                forum="forum-a",
                submitted_at="2025-03-01T00:00:00+00:00",
            )
        )
    # Black African: all 13 by phone; the last minutes of March
    rows += _rows(
        13,
        ethnic_group="black_african",
        visit_type="phone",
        experience="very_poor",
        respect="neither",
        visits=1,
        submitted_at="2025-03-31T23:59:00+00:00",
    )
    # Bangladeshi: 7 in person; the first minute of April
    rows += _rows(
        7,
        ethnic_group="asian_bangladeshi",
        visit_type="in_person",
        experience="good",
        respect="agree",
        visits=2,
        submitted_at="2025-04-01T00:00:00+00:00",
    )
    rows += _rows(
        3, ethnic_group="", visit_type="phone", experience="good", respect="agree", visits=3
    )
    return rows


def write_csv(rows: list[Row], path) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for r in rows:
        writer.writerow([getattr(r, c) for c in COLUMNS])
    path.write_text(out.getvalue(), encoding="utf-8")


@pytest.fixture
def answered(app, world, tmp_path):
    """The world's open survey with :func:`people`'s responses; returns the rows."""
    rows = people()
    path = tmp_path / "responses.csv"
    write_csv(rows, path)
    with app.app_context():
        transfer.import_responses(get_survey(world.survey), path)
        db.session.commit()
    return rows


@pytest.fixture
def token_for(app, world):
    """``token_for(role)``: a new API token of the world's user with that role."""

    def make(role: str) -> str:
        with app.app_context():
            user = db.session.get(User, world.ids[role])
            _row, token = accounts.create_api_token(user, name="tests")
            db.session.commit()
        return token

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
