from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.extensions import db
from engage.i18n import _l
from engage.sqltypes import UTCDateTime, utcnow
from engage.sqltypes import str_enum as _enum


class OrgKind(enum.StrEnum):
    commissioner = "commissioner"
    forum = "forum"
    provider = "provider"
    healthwatch = "healthwatch"
    vcs = "vcs"

    @property
    def label(self) -> str:
        return str(ORG_KIND_LABELS[self])


ORG_KIND_LABELS = {
    OrgKind.commissioner: _l("Commissioner"),
    OrgKind.forum: _l("BME health forum"),
    OrgKind.provider: _l("Provider"),
    OrgKind.healthwatch: _l("Healthwatch"),
    OrgKind.vcs: _l("Voluntary, community or faith group"),
}


class Role(enum.StrEnum):
    """A person's role in one organisation. Site admins are marked on the user."""

    member = "member"
    host = "host"
    analyst = "analyst"
    commissioner = "commissioner"

    @property
    def label(self) -> str:
        return str(ROLE_LABELS[self])


ROLE_LABELS = {
    Role.member: _l("Member"),
    Role.host: _l("Forum host"),
    Role.analyst: _l("Analyst"),
    Role.commissioner: _l("Commissioner"),
}


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(_enum(OrgKind, "org_kind"))
    #: public description, shown on forum pages
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.slug}>"


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stored lower-cased
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    #: argon2id; empty until an invitation is accepted
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    #: rotated on logout and password change, which ends every session of the user
    session_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    api_tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def get_id(self) -> str:  # Flask-Login keeps this in the session cookie
        return f"{self.id}:{self.session_token}"

    def role_in(self, organisation: Organisation) -> Role | None:
        for membership in self.memberships:
            if membership.organisation_id == organisation.id:
                return membership.role
        return None

    def __repr__(self) -> str:
        return f"<User {self.id}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    organisation: Mapped[Organisation] = relationship(back_populates="memberships")


class Invitation(db.Model):
    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    #: sha256 of the token in the emailed link; the token itself is never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship()


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    #: sha256 of the bearer token; the token is shown once and never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: the first characters of the token, to tell tokens apart on the account page
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="api_tokens")

    @property
    def active(self) -> bool:
        return self.revoked_at is None
