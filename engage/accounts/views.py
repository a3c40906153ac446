from __future__ import annotations

import hashlib
import hmac
from contextlib import suppress
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from engage import mail
from engage.accounts import service
from engage.accounts.forms import (
    AcceptInvitationForm,
    ApiTokenForm,
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    OrganisationForm,
    ResetPasswordForm,
)
from engage.accounts.models import (
    ApiToken,
    Invitation,
    Membership,
    Organisation,
    OrgKind,
    Role,
    User,
)
from engage.accounts.permissions import invitable_roles, requires
from engage.extensions import db, limiter, login_manager
from engage.i18n import _, _l

bp = Blueprint("accounts", __name__, url_prefix="/<locale>")

login_manager.login_view = "accounts.login"
login_manager.login_message = _l("Sign in to see this page.")
login_manager.login_message_category = "info"
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    return service.load_session_user(session_id)


def _account_digest() -> str:
    """The account tried, keyed with the site's secret so the limiter keeps no address."""
    email = service.normalise_email(request.form.get("email", ""))
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, email.encode(), hashlib.sha256).hexdigest()


def _login_account_key() -> str:
    return "login-account:" + _account_digest()


def _login_account_address_key() -> str:
    return f"login-account-address:{_account_digest()}:{get_remote_address()}"


def _password_change_key() -> str:
    return f"password-change:{current_user.get_id() if current_user.is_authenticated else ''}"


def _failed_login(response) -> bool:
    return request.method == "POST" and response.status_code != 302


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
    ):
        return None
    return target


def _load_organisation(slug: str, **_kwargs) -> Organisation:
    organisation = service.get_organisation(slug)
    if organisation is None:
        abort(404)
    return organisation


# Sign in and out -------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_failed_login,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_login_account_key,
    methods=["POST"],
    deduct_when=_failed_login,
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"],
    key_func=_login_account_address_key,
    methods=["POST"],
    deduct_when=_failed_login,
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("accounts.account"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = service.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()
            login_user(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")) or url_for("web.home"))
        error = _("The email address or password is not right")
    return render_template("accounts/login.html", form=form, error=error)


@bp.post("/logout")
def logout():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        service.end_sessions(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "success")
    return redirect(url_for("web.home"))


# Password reset --------------------------------------------------------------


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = service.get_user_by_email(form.email.data)
        if user is not None and user.active:
            token = service.make_reset_token(user, current_app.config["SECRET_KEY"])
            # a failure is logged and told to nobody: the answer must not depend on
            # whether the address has an account
            with suppress(mail.MailError):
                mail.send_in_background(
                    user.email,
                    _("Reset your Engage password"),
                    "password_reset",
                    link=mail.external_url("accounts.reset_password", token=token),
                    hours=current_app.config["PASSWORD_RESET_HOURS"],
                )
        # the same answer whether or not the address has an account
        return render_template("accounts/forgot_password_sent.html", email=form.email.data)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = service.user_for_reset_token(
            token,
            current_app.config["SECRET_KEY"],
            current_app.config["PASSWORD_RESET_HOURS"] * 3600,
        )
    except service.TokenExpired:
        return render_template("accounts/link_problem.html", reason="reset_expired"), 410
    except service.TokenInvalid:
        return render_template("accounts/link_problem.html", reason="reset_invalid"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        service.set_password(user, form.password.data)
        db.session.commit()
        flash(_("Your password has been changed. Sign in with your new password."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)


# Invitations -----------------------------------------------------------------


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    try:
        invitation = service.find_invitation(token)
    except service.TokenExpired:
        return render_template("accounts/link_problem.html", reason="invite_expired"), 410
    except service.TokenInvalid:
        return render_template("accounts/link_problem.html", reason="invite_invalid"), 404
    existing = service.get_user_by_email(invitation.email)
    if existing is not None and existing.password_hash:
        return _join_existing_account(invitation, existing)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        try:
            user = service.accept_invitation(
                invitation, name=form.name.data, password=form.password.data
            )
        except (service.TokenInvalid, IntegrityError):
            # the same link submitted twice at once: the other submit made the account
            db.session.rollback()
            flash(_("This invitation has already been used. Sign in with your password."), "info")
            return redirect(url_for("accounts.login"))
        session.clear()
        login_user(user)
        db.session.commit()
        return _welcome(invitation)
    return render_template("accounts/accept_invitation.html", form=form, invitation=invitation)


def _join_existing_account(invitation: Invitation, user: User):
    """Someone who already has an account signs in as themselves to accept; their
    password is never set from an invitation link."""
    if not current_user.is_authenticated or current_user.id != user.id:
        return render_template(
            "accounts/accept_invitation_existing.html",
            invitation=invitation,
            signed_in_as_other=current_user.is_authenticated,
        )
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            service.join_with_invitation(invitation, user)
        except service.TokenInvalid:
            db.session.rollback()
            abort(404)
        db.session.commit()
        return _welcome(invitation)
    return render_template(
        "accounts/accept_invitation_existing.html", invitation=invitation, form=form
    )


def _welcome(invitation: Invitation):
    flash(
        _(
            "Welcome. You have joined %(organisation)s with the role: %(role)s.",
            role=invitation.role.label,
            organisation=invitation.organisation.name,
        ),
        "success",
    )
    return redirect(url_for("accounts.account"))


# Account page ----------------------------------------------------------------


def _account_page(password_form=None, token_form=None, new_token=None, status=200):
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.id.desc())
    ).all()
    return (
        render_template(
            "accounts/account.html",
            password_form=password_form or ChangePasswordForm(prefix="pw"),
            token_form=token_form or ApiTokenForm(prefix="token"),
            confirm_form=ConfirmForm(),
            tokens=tokens,
            new_token=new_token,
        ),
        status,
    )


@bp.get("/account")
@requires("view_account")
def account():
    return _account_page()


@bp.post("/account/password")
@requires("view_account")
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_AND_ADDRESS"],
    key_func=_password_change_key,
    deduct_when=lambda response: response.status_code != 302,
)
def change_password():
    form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        try:
            service.change_password(current_user, form.current_password.data, form.password.data)
        except service.AccountError:
            form.current_password.errors.append(_("Your current password is not right"))
        else:
            db.session.commit()
            # the other sessions have ended; this one carries on with the new token
            login_user(current_user._get_current_object())
            flash(
                _("Your password has been changed. You have been signed out everywhere else."),
                "success",
            )
            return redirect(url_for("accounts.account"))
    return _account_page(password_form=form, status=400)


@bp.post("/account/tokens")
@requires("manage_own_tokens")
def create_token():
    form = ApiTokenForm(prefix="token")
    if not form.validate_on_submit():
        return _account_page(token_form=form, status=400)
    _row, token = service.create_api_token(current_user, form.name.data or "")
    db.session.commit()
    return _account_page(new_token=token)


@bp.post("/account/tokens/<int(max=2147483647):token_id>/revoke")
@requires("manage_own_tokens")
def revoke_token(token_id: int):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    service.revoke_api_token(row)
    db.session.commit()
    flash(_("The token has been revoked. Anything using it can no longer read data."), "success")
    return redirect(url_for("accounts.account"))


# Organisations ---------------------------------------------------------------


@bp.get("/organisations")
@requires("view_account")
def organisations():
    query = select(Organisation).order_by(Organisation.name)
    if not current_user.is_admin:
        ids = [m.organisation_id for m in current_user.memberships]
        query = query.where(Organisation.id.in_(ids))
    return render_template(
        "accounts/organisations.html", organisations=db.session.scalars(query).all()
    )


@bp.route("/organisations/new", methods=["GET", "POST"])
@requires("admin")
def new_organisation():
    form = OrganisationForm()
    if form.validate_on_submit():
        if form.slug.data == "new" or service.get_organisation(form.slug.data) is not None:
            form.slug.errors.append(_("An organisation already uses that short name"))
        else:
            organisation = service.create_organisation(
                slug=form.slug.data, name=form.name.data, kind=OrgKind(form.kind.data)
            )
            db.session.commit()
            flash(_("%(organisation)s has been added.", organisation=organisation.name), "success")
            return redirect(url_for("accounts.organisation", slug=organisation.slug))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/new_organisation.html", form=form), status


@bp.get("/organisations/<slug>")
@requires("view_organisation", _load_organisation)
def organisation(slug: str, obj: Organisation):
    invitations = db.session.scalars(
        select(Invitation)
        .where(Invitation.organisation_id == obj.id, Invitation.accepted_at.is_(None))
        .order_by(Invitation.created_at.desc())
    ).all()
    memberships = db.session.scalars(
        select(Membership)
        .where(Membership.organisation_id == obj.id)
        .options(selectinload(Membership.user))
    ).all()
    return render_template(
        "accounts/organisation.html",
        organisation=obj,
        memberships=sorted(memberships, key=lambda m: m.user.email),
        pending_invitations=invitations,
        confirm_form=ConfirmForm(),
    )


@bp.route("/organisations/<slug>/invite", methods=["GET", "POST"])
@requires("invite", _load_organisation)
def invite(slug: str, obj: Organisation):
    roles = invitable_roles(current_user, obj)
    form = InviteForm(roles)
    if form.validate_on_submit():
        role = Role(form.role.data)
        invitation, token = service.invite(
            actor=current_user,
            email=form.email.data,
            organisation=obj,
            role=role,
            days=current_app.config["INVITATION_DAYS"],
        )
        db.session.commit()
        try:
            mail.send(
                invitation.email,
                _("You are invited to join %(organisation)s on Engage", organisation=obj.name),
                "invitation",
                link=mail.external_url("accounts.accept_invitation", token=token),
                organisation=obj,
                role=role,
                inviter=current_user,
                days=current_app.config["INVITATION_DAYS"],
            )
        except mail.MailError:
            # the invitation stands; the person inviting can pass the link on themselves
            link = mail.external_url("accounts.accept_invitation", token=token, for_email=False)
            return render_template(
                "accounts/invitation_not_sent.html", invitation=invitation, link=link
            )
        flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
        return redirect(url_for("accounts.organisation", slug=obj.slug))
    status = 400 if form.is_submitted() else 200
    return render_template("accounts/invite.html", form=form, organisation=obj), status


@bp.post("/organisations/<slug>/invitations/<int(max=2147483647):invitation_id>/withdraw")
@requires("invite", _load_organisation)
def withdraw_invitation(slug: str, invitation_id: int, obj: Organisation):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != obj.id or invitation.accepted_at:
        abort(404)
    email = invitation.email
    service.withdraw_invitation(invitation)
    db.session.commit()
    flash(_("The invitation for %(email)s has been withdrawn.", email=email), "success")
    return redirect(url_for("accounts.organisation", slug=obj.slug))


@bp.get("/admin/users")
@requires("admin")
def admin_users():
    users = db.session.scalars(
        select(User)
        .options(selectinload(User.memberships).selectinload(Membership.organisation))
        .order_by(User.email)
    ).all()
    return render_template("accounts/admin_users.html", users=users, confirm_form=ConfirmForm())


@bp.post("/admin/users/<int(max=2147483647):user_id>/<any(activate, deactivate):change>")
@requires("admin")
def set_user_active(user_id: int, change: str):
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    user = db.get_or_404(User, user_id)
    try:
        service.set_active(user, change == "activate", actor=current_user)
    except service.AccountError:
        flash(_("You cannot deactivate your own account."), "error")
        return redirect(url_for("accounts.admin_users"))
    db.session.commit()
    if user.active:
        flash(_("%(email)s can sign in again.", email=user.email), "success")
    else:
        flash(_("%(email)s has been deactivated and signed out.", email=user.email), "success")
    return redirect(url_for("accounts.admin_users"))
