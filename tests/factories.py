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
    return SimpleNamespace(
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
