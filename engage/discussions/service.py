from __future__ import annotations

from sqlalchemy import func, select

from engage.accounts.models import Membership, Organisation, OrgKind, User
from engage.extensions import db


def list_forums() -> list[tuple[Organisation, int]]:
    """Every forum with its number of members, in one query."""
    rows = db.session.execute(
        select(Organisation, func.count(Membership.id))
        .outerjoin(Membership, Membership.organisation_id == Organisation.id)
        .where(Organisation.kind == OrgKind.forum)
        .group_by(Organisation.id)
        .order_by(Organisation.name)
    ).all()
    return [(org, count) for org, count in rows]


def get_forum(slug: str) -> Organisation | None:
    return db.session.scalar(
        select(Organisation).where(Organisation.slug == slug, Organisation.kind == OrgKind.forum)
    )


def update_forum(forum: Organisation, *, actor: User, description: str) -> Organisation:
    forum.description = description.strip()
    db.session.flush()
    return forum
