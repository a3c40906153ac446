"""The one place that answers "may this user do this to this object?".

Every view asks here, through :func:`requires` or :func:`can`; templates ask
through the ``can`` global to decide what to show, never to decide what is allowed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_login import current_user

from engage.accounts.models import Organisation, OrgKind, Role, User

#: roles a forum host may give when inviting to their own forum
HOST_INVITABLE_ROLES = frozenset({Role.member, Role.host})
#: roles that author consultations and surveys in their organisation
AUTHOR_ROLES = frozenset({Role.analyst, Role.commissioner})


def _is_user(user: Any) -> bool:
    return isinstance(user, User) and user.is_authenticated and user.active


def invitable_roles(user: Any, organisation: Organisation) -> frozenset[Role]:
    """The roles this user may invite people to in this organisation (empty: may not invite)."""
    if not _is_user(user):
        return frozenset()
    if user.is_admin:
        return frozenset(Role)
    if organisation.kind == OrgKind.forum and user.role_in(organisation) == Role.host:
        return HOST_INVITABLE_ROLES
    return frozenset()


def can(user: Any, action: str, obj: Any = None) -> bool:
    """Whether ``user`` (possibly anonymous) may do ``action`` to ``obj``."""
    if action == "view_public":
        return True
    if not _is_user(user):
        return False
    if action in {"view_account", "manage_own_tokens"}:
        return True
    if user.is_admin:
        return True
    if action == "admin":
        return False
    if action == "create_consultation":
        return any(m.role in AUTHOR_ROLES for m in user.memberships)
    consultation = _consultation_of(obj)
    if consultation is not None:
        role = user.role_in(consultation.organisation)
        if action in {
            "edit_consultation",
            "edit_survey",
            "view_responses",
            "view_results",
            "edit_report",
        }:
            return role in AUTHOR_ROLES
        if action == "manage_responses":
            # import and export: every answer and the monitoring data of every respondent
            return role == Role.analyst
        if action == "enter_responses":
            return role in AUTHOR_ROLES or any(m.role == Role.host for m in user.memberships)
        if action == "translate_answers":
            # hosts: only the answers that came through their forum (engage.insights.coding)
            return role == Role.analyst or any(m.role == Role.host for m in user.memberships)
        return False
    if isinstance(obj, Organisation):
        role = user.role_in(obj)
        if action == "view_organisation":
            return role is not None
        if action == "invite":
            return bool(invitable_roles(user, obj))
        if action == "edit_forum":
            return obj.kind == OrgKind.forum and role == Role.host
        if action == "edit_codebook":
            # the themes its surveys' free text is coded with, unless a survey has its own
            return role == Role.analyst
    return False


def author_organisations(user: Any) -> list[Organisation]:
    """The organisations in which this user may create consultations."""
    if not _is_user(user):
        return []
    if user.is_admin:
        from sqlalchemy import select

        from engage.extensions import db

        return list(db.session.scalars(select(Organisation).order_by(Organisation.name)))
    return sorted(
        (m.organisation for m in user.memberships if m.role in AUTHOR_ROLES),
        key=lambda o: o.name,
    )


def _consultation_of(obj: Any):
    from engage.consultations.models import Consultation, Survey
    from engage.insights.models import InsightReport

    if isinstance(obj, Consultation):
        return obj
    if isinstance(obj, Survey):
        return obj.consultation
    if isinstance(obj, InsightReport):
        from engage.extensions import db

        return db.session.get(Consultation, obj.consultation_id)
    return None


def requires(action: str, loader: Callable[..., Any] | None = None):
    """View decorator: 401/redirect to login for anonymous users, 403 when not allowed.

    ``loader`` turns the view's keyword arguments into the object checked; it may
    ``abort(404)``. The loaded object is passed to the view as ``obj``.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(**kwargs):
            from engage.extensions import login_manager

            if not current_user.is_authenticated and action != "view_public":
                return login_manager.unauthorized()
            obj = loader(**kwargs) if loader else None
            if not can(current_user, action, obj):
                abort(403)
            if loader:
                kwargs["obj"] = obj
            return view(**kwargs)

        return wrapped

    return decorator
