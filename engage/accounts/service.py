"""Account operations. Each takes plain values, changes the session, flushes, never commits."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete, func, select, update

from engage.accounts.models import ApiToken, Invitation, Membership, Organisation, Role, User
from engage.extensions import db
from engage.sqltypes import utcnow

_hasher = PasswordHasher()  # argon2id, memory-hard
_dummy_hash: str | None = None


def _dummy() -> str:
    """Verified against when no user matches, so a wrong address costs as long as a wrong
    password. Made on first use, not at import: argon2id takes 64 MiB to hash, and every
    process (a gunicorn worker, a CLI command, an RQ job) would pay it at start."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = _hasher.hash("not a real password")
    return _dummy_hash


API_TOKEN_PREFIX = "eng_"  # noqa: S105 - a public marker, not a secret


class TokenError(Exception):
    """A link or token that cannot be used."""


class TokenExpired(TokenError):
    pass


class TokenInvalid(TokenError):
    pass


class AccountError(Exception):
    """A request that cannot be met; the message is shown to the user."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _dummy(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_session_token() -> str:
    return secrets.token_hex(16)


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def get_organisation(slug: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.slug == slug))


def create_organisation(*, slug: str, name: str, kind, description: str = "") -> Organisation:
    organisation = Organisation(slug=slug, name=name, kind=kind, description=description)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def create_user(
    email: str,
    *,
    password: str | None,
    name: str = "",
    is_admin: bool = False,
    organisation: Organisation | None = None,
    role: Role | None = None,
) -> User:
    email = normalise_email(email)
    if get_user_by_email(email) is not None:
        raise AccountError(f"A user with the address {email} already exists.")
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password) if password else None,
        is_admin=is_admin,
        session_token=new_session_token(),
    )
    db.session.add(user)
    if organisation is not None and role is not None:
        user.memberships.append(Membership(organisation=organisation, role=role))
    db.session.flush()
    return user


def set_membership(user: User, organisation: Organisation, role: Role) -> Membership:
    for membership in user.memberships:
        if membership.organisation_id == organisation.id:
            membership.role = role
            db.session.flush()
            return membership
    membership = Membership(user=user, organisation=organisation, role=role)
    db.session.add(membership)
    db.session.flush()
    return membership


def authenticate(email: str, password: str) -> User | None:
    user = get_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if user is None or not user.active:
        return None
    user.last_login_at = utcnow()
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.flush()
    return user


def load_session_user(session_id: str) -> User | None:
    """Flask-Login's loader: ``"<id>:<session token>"``; a rotated token ends the session."""
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def end_sessions(user: User) -> None:
    """Every session of this user, on every device, stops working."""
    user.session_token = new_session_token()
    db.session.flush()


def set_password(user: User, password: str) -> None:
    user.password_hash = hash_password(password)
    end_sessions(user)


def change_password(user: User, current: str, new: str) -> None:
    if not verify_password(user.password_hash, current):
        raise AccountError("current")
    set_password(user, new)


def set_active(user: User, active: bool, *, actor: User) -> None:
    """Deactivating signs the person out everywhere and stops their API tokens working."""
    if user.id == actor.id and not active:
        raise AccountError("You cannot deactivate your own account.")
    user.active = active
    end_sessions(user)


# Invitations ---------------------------------------------------------------


def invite(
    *, actor: User | None, email: str, organisation: Organisation, role: Role, days: int
) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        email=normalise_email(email),
        organisation=organisation,
        role=role,
        token_hash=token_digest(token),
        invited_by=actor,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(invitation)
    db.session.flush()
    return invitation, token


def find_invitation(token: str) -> Invitation:
    invitation = db.session.scalar(
        select(Invitation).where(Invitation.token_hash == token_digest(token))
    )
    if invitation is None or invitation.accepted_at is not None:
        raise TokenInvalid()
    if invitation.expires_at < utcnow():
        raise TokenExpired()
    inviter = invitation.invited_by
    if inviter is not None:
        # the person who invited must still be allowed to give this role here
        from engage.accounts.permissions import invitable_roles

        if invitation.role not in invitable_roles(inviter, invitation.organisation):
            raise TokenInvalid()
    return invitation


def withdraw_invitation(invitation: Invitation) -> None:
    db.session.delete(invitation)
    db.session.flush()


def accept_invitation(invitation: Invitation, *, name: str, password: str) -> User:
    """A new person (or one invited before who never set a password) joins."""
    user = get_user_by_email(invitation.email)
    if user is None:
        user = create_user(invitation.email, password=password, name=name)
    elif user.password_hash:
        raise AccountError("An existing account accepts by signing in.")
    else:
        user.name = name or user.name
        set_password(user, password)
    return join_with_invitation(invitation, user)


def join_with_invitation(invitation: Invitation, user: User) -> User:
    if user.email != invitation.email:
        raise AccountError("This invitation is for another address.")
    # taken atomically: of two submits racing (a double click), only one wins
    taken = db.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.accepted_at.is_(None))
        .values(accepted_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        raise TokenInvalid()
    db.session.refresh(invitation)
    set_membership(user, invitation.organisation, invitation.role)
    # older invitations of the same person to the same organisation lapse with this one
    db.session.execute(
        delete(Invitation).where(
            Invitation.email == invitation.email,
            Invitation.organisation_id == invitation.organisation_id,
            Invitation.accepted_at.is_(None),
            Invitation.id != invitation.id,
        )
    )
    db.session.flush()
    return user


# Password reset ------------------------------------------------------------
# A signed, timed token bound to the current password hash: it stops working as
# soon as the password changes, so it can be used once, and nothing is stored.


def _reset_serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="engage-password-reset")


def _reset_fingerprint(user: User) -> str:
    return token_digest(f"{user.password_hash}:{user.session_token}")[:16]


def make_reset_token(user: User, secret_key: str) -> str:
    return _reset_serializer(secret_key).dumps([user.id, _reset_fingerprint(user)])


def user_for_reset_token(token: str, secret_key: str, max_age_seconds: int) -> User:
    try:
        user_id, fingerprint = _reset_serializer(secret_key).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise TokenExpired() from exc
    except (BadSignature, ValueError, TypeError) as exc:
        raise TokenInvalid() from exc
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.active or fingerprint != _reset_fingerprint(user):
        raise TokenInvalid()
    return user


# API tokens ----------------------------------------------------------------


def create_api_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    token = API_TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, name=name, token_hash=token_digest(token), prefix=token[:10])
    db.session.add(row)
    db.session.flush()
    return row, token


def revoke_api_token(row: ApiToken) -> None:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        db.session.flush()


def user_for_api_token(token: str) -> User | None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == token_digest(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    row.last_used_at = utcnow()
    db.session.flush()
    return row.user


def count_users() -> int:
    return db.session.scalar(select(func.count(User.id))) or 0
