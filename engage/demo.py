"""Demo data: a fictional commissioning organisation, two forums and a user per role."""

from __future__ import annotations

from engage import demo_insight, demo_survey
from engage.accounts import service
from engage.accounts.models import OrgKind, Role

DEMO_PASSWORD = "engage-demo-2026"
COMMISSIONER_ORG = "northmoor-icb"

ORGANISATIONS = [
    dict(
        slug=COMMISSIONER_ORG,
        name="Northmoor Integrated Care Board",
        kind=OrgKind.commissioner,
        description="Plans and buys health services for the fictional borough of Northmoor.",
    ),
    dict(
        slug="northmoor-bme-health-forum",
        name="Northmoor BME Health Forum",
        kind=OrgKind.forum,
        description=(
            "A forum for Black and minority ethnic residents of Northmoor. We meet on the "
            "first Saturday of the month at the Eastgate community centre, with interpreters "
            "for Urdu, Bengali and Somali.\n\nAnyone who lives or works in Northmoor can join."
        ),
    ),
    dict(
        slug="eastfield-womens-health-circle",
        name="Eastfield Women's Health Circle",
        kind=OrgKind.forum,
        description=(
            "South Asian and Arab women sharing experiences of maternity and primary care. "
            "Meetings are women-only and held in English, Urdu, Punjabi and Arabic."
        ),
    ),
]

#: (email, name, admin?, organisation slug, role)
USERS = [
    ("admin@northmoor.example", "Alex Admin", True, None, None),
    ("commissioner@northmoor.example", "Chidi Okafor", False, COMMISSIONER_ORG, Role.commissioner),
    ("analyst@northmoor.example", "Priya Shah", False, COMMISSIONER_ORG, Role.analyst),
    ("host@northmoor.example", "Yusuf Rahman", False, "northmoor-bme-health-forum", Role.host),
    (
        "member@northmoor.example",
        "Amina Begum",
        False,
        "eastfield-womens-health-circle",
        Role.member,
    ),
]


def load() -> bool:
    """Load the demo data unless it is there already. Returns whether it was loaded."""
    if service.get_organisation(COMMISSIONER_ORG) is not None:
        return False
    organisations = {o["slug"]: service.create_organisation(**o) for o in ORGANISATIONS}
    for email, name, is_admin, org_slug, role in USERS:
        service.create_user(
            email,
            password=DEMO_PASSWORD,
            name=name,
            is_admin=is_admin,
            organisation=organisations.get(org_slug) if org_slug else None,
            role=role,
        )
    survey = demo_survey.load(organisations)
    demo_insight.load(survey, service.get_user_by_email(demo_survey.ANALYST_EMAIL))
    return True


def logins_text() -> str:
    lines = [f"Demo sign-ins (password for all: {DEMO_PASSWORD}):"]
    for email, _name, is_admin, org_slug, role in USERS:
        what = "site admin" if is_admin else f"{role.value} in {org_slug}"
        lines.append(f"  {email:<34} {what}")
    lines.append(f"Open consultation: /en/consultations/{demo_survey.CONSULTATION_SLUG}")
    return "\n".join(lines)
