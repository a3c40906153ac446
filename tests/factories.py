"""Plain factory functions: they add and flush, never commit."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

from engage.accounts import service
from engage.accounts.models import OrgKind, Role

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def make_org(kind: OrgKind = OrgKind.forum, **kw):
    n = next(_seq)
    return service.create_organisation(
        slug=kw.pop("slug", f"org-{n}"), name=kw.pop("name", f"Organisation {n}"), kind=kind, **kw
    )


def make_user(email: str | None = None, *, organisation=None, role: Role | None = None, **kw):
    return service.create_user(
        email or f"user{next(_seq)}@example.org",
        password=kw.pop("password", PASSWORD),
        organisation=organisation,
        role=role,
        **kw,
    )


ROLES = ["anonymous", "member", "host", "other_host", "analyst", "commissioner", "admin"]


def make_world() -> SimpleNamespace:
    icb = make_org(OrgKind.commissioner, slug="test-icb", name="Test ICB")
    forum = make_org(OrgKind.forum, slug="forum-a", name="Forum A", description="About A")
    other = make_org(OrgKind.forum, slug="forum-b", name="Forum B", description="About B")
    users = {
        "member": make_user("member@example.org", organisation=forum, role=Role.member),
        "host": make_user("host@example.org", organisation=forum, role=Role.host),
        "other_host": make_user("host-b@example.org", organisation=other, role=Role.host),
        "analyst": make_user("analyst@example.org", organisation=icb, role=Role.analyst),
        "commissioner": make_user(
            "commissioner@example.org", organisation=icb, role=Role.commissioner
        ),
        "admin": make_user("admin@example.org", is_admin=True, name="Ada Admin"),
    }
    from engage.consultations.models import ConsultationStatus

    open_consultation = make_consultation(
        icb.slug,
        slug="test-consultation",
        status=ConsultationStatus.open,
        title={"en": "Test consultation", "ur": "آزمائشی مشاورت"},
    )
    survey = make_survey(
        open_consultation, slug="test-survey", title={"en": "Test survey", "ur": "آزمائشی سروے"}
    )
    draft = make_consultation(icb.slug, slug="draft-consultation")
    draft_survey = make_survey(draft, slug="draft-survey", every_type=False)
    return SimpleNamespace(
        consultation=open_consultation.slug,
        survey=survey.slug,
        draft_consultation=draft.slug,
        draft_survey=draft_survey.slug,
        icb=icb.slug,
        forum=forum.slug,
        other_forum=other.slug,
        emails={role: user.email for role, user in users.items()},
        ids={role: user.id for role, user in users.items()},
    )


def make_invitation(email: str, org_slug: str = "forum-a", role: Role = Role.member, actor=None):
    """An invitation and the token of its link."""
    organisation = service.get_organisation(org_slug)
    return service.invite(actor=actor, email=email, organisation=organisation, role=role, days=3)


def make_consultation(org_slug: str = "test-icb", *, status=None, **kw):
    from engage.consultations import service as consultations
    from engage.consultations.models import ConsultationStatus

    n = next(_seq)
    consultation = consultations.create_consultation(
        actor=None,
        organisation=service.get_organisation(org_slug),
        title=kw.pop("title", {"en": f"Consultation {n}", "ur": f"مشاورت {n}"}),
        summary=kw.pop("summary", {"en": "What we want to hear about."}),
        service_area=kw.pop("service_area", "maternity"),
        stage=kw.pop("stage", "strategic_planning"),
        languages=kw.pop("languages", ["en", "ur"]),
        slug=kw.pop("slug", f"consultation-{n}"),
        **kw,
    )
    if status in (ConsultationStatus.open, ConsultationStatus.closed):
        consultations.set_status(consultation, ConsultationStatus.open, actor=None)
    if status == ConsultationStatus.closed:
        consultations.set_status(consultation, ConsultationStatus.closed, actor=None)
    return consultation


def make_survey(consultation=None, *, slug: str | None = None, every_type: bool = True, **kw):
    """A survey with one question of every type over three sections, and skip logic:
    ``why_poor`` shows only when ``experience`` (the FFT question) is poor or very poor."""
    from engage.consultations import service as consultations

    consultation = consultation or make_consultation()
    survey = consultations.create_survey(
        consultation, actor=None, slug=slug or f"survey-{next(_seq)}", **kw
    )
    if not every_type:
        return survey
    about = consultations.add_section(survey, title={"en": "Your visit", "ur": "آپ کا دورہ"})
    add = consultations.add_question
    add(survey, key="experience", type="fft", required=True, section=about)
    add(
        survey,
        key="why_poor",
        type="long_text",
        label={"en": "What went wrong?", "ur": "کیا غلط ہوا؟"},
        section=about,
        show_if={
            "any": [
                {"q": "experience", "op": "eq", "value": "poor"},
                {"q": "experience", "op": "eq", "value": "very_poor"},
            ]
        },
    )
    add(
        survey,
        key="services",
        type="multiple_choice",
        label={"en": "Which services did you use?", "ur": "آپ نے کون سی خدمات استعمال کیں؟"},
        section=about,
        options=[
            ("gp", {"en": "GP surgery", "ur": "جی پی سرجری"}),
            ("pharmacy", {"en": "Pharmacy", "ur": "فارمیسی"}),
            ("hospital", {"en": "Hospital", "ur": "ہسپتال"}),
        ],
    )
    more = consultations.add_section(survey, title={"en": "More about it"})
    add(
        survey,
        key="visit_type",
        type="single_choice",
        label={"en": "How did you visit?", "ur": "آپ کیسے آئے؟"},
        section=more,
        options=[("in_person", {"en": "In person"}), ("phone", {"en": "By phone"})],
    )
    add(
        survey,
        key="respect",
        type="likert",
        section=more,
        label={"en": "Staff treated me with respect", "ur": "عملے نے میرے ساتھ عزت سے برتاؤ کیا"},
    )
    add(
        survey,
        key="recommend",
        type="scale",
        section=more,
        label={"en": "How likely are you to recommend it?"},
    )
    add(
        survey,
        key="visits",
        type="number",
        section=more,
        settings={"integer": True, "min": 0, "max": 100},
        label={"en": "How many times did you visit this year?"},
    )
    add(
        survey,
        key="visit_date",
        type="date",
        section=more,
        label={"en": "When was your last visit?"},
    )
    last = consultations.add_section(survey, title={"en": "Anything else"})
    add(
        survey,
        key="note",
        type="note",
        section=last,
        label={"en": "Nearly done. Do not write your name or address."},
    )
    add(
        survey,
        key="summary",
        type="short_text",
        section=last,
        label={"en": "Sum it up in a few words"},
    )
    add(
        survey,
        key="area",
        type="postcode_district",
        section=last,
        label={"en": "Where was the service?"},
    )
    return survey
