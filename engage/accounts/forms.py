from __future__ import annotations

from flask import current_app
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from engage.accounts.models import OrgKind, Role
from engage.forms import Form
from engage.i18n import _, _l

EMAIL_REQUIRED = _l("Enter your email address")
EMAIL_INVALID = _l("Enter an email address in the correct format, like name@example.org")
EMAIL_TOO_LONG = _l("Email address must be 254 characters or fewer")
PASSWORD_TOO_LONG = _l("Password must be 1000 characters or fewer")


def strip(value):
    return value.strip() if isinstance(value, str) else value


class ChoiceField(SelectField):
    """A select whose "not one of the choices" message is in the page's language."""

    def pre_validate(self, form):
        if self.data not in {value for value, _label in self.choices}:
            raise ValidationError(_("Select one of the options shown"))


def email_field(label=None, required_message=EMAIL_REQUIRED):
    return EmailField(
        label or _l("Email address"),
        validators=[
            DataRequired(message=required_message),
            Length(max=254, message=EMAIL_TOO_LONG),
            Email(message=EMAIL_INVALID),
        ],
        filters=[strip],
    )


class MinPasswordLength:
    """The minimum length comes from configuration, read when the form is checked."""

    def __call__(self, form, field):
        minimum = current_app.config["PASSWORD_MIN_LENGTH"]
        if field.data and len(field.data) < minimum:
            raise ValidationError(
                _("Password must be at least %(count)s characters", count=minimum)
            )


def new_password_fields():
    password = PasswordField(
        _l("New password"),
        description=_l("At least 10 characters. A few unrelated words make a strong password."),
        validators=[
            DataRequired(message=_l("Enter a new password")),
            Length(max=1000, message=PASSWORD_TOO_LONG),
            MinPasswordLength(),
        ],
    )
    confirm = PasswordField(
        _l("Confirm new password"),
        validators=[
            DataRequired(message=_l("Enter the new password again")),
            EqualTo("password", message=_l("The two passwords do not match")),
        ],
    )
    return password, confirm


class LoginForm(Form):
    email = email_field()
    password = PasswordField(
        _l("Password"),
        validators=[
            DataRequired(message=_l("Enter your password")),
            Length(max=1000, message=PASSWORD_TOO_LONG),
        ],
    )


class ForgotPasswordForm(Form):
    email = email_field()


class ResetPasswordForm(Form):
    password, confirm = new_password_fields()


def name_field(label, required_message):
    return StringField(
        label,
        validators=[
            DataRequired(message=required_message),
            Length(max=200, message=_l("Name must be 200 characters or fewer")),
        ],
        filters=[strip],
    )


class AcceptInvitationForm(Form):
    name = name_field(_l("Your name"), _l("Enter your name"))
    password, confirm = new_password_fields()


class ChangePasswordForm(Form):
    current_password = PasswordField(
        _l("Current password"),
        validators=[
            DataRequired(message=_l("Enter your current password")),
            Length(max=1000, message=PASSWORD_TOO_LONG),
        ],
    )
    password, confirm = new_password_fields()


class InviteForm(Form):
    email = email_field(
        _l("Their email address"), required_message=_l("Enter the email address of the person")
    )
    role = ChoiceField(_l("Role"), validators=[DataRequired(message=_l("Select a role"))])

    def __init__(self, roles, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role.choices = [(r.value, r.label) for r in Role if r in roles]


class ApiTokenForm(Form):
    name = StringField(
        _l("What the token is for"),
        description=_l("For example, the name of the script or dashboard that will use it."),
        validators=[
            Optional(),
            Length(max=100, message=_l("Name must be 100 characters or fewer")),
        ],
    )


class ConfirmForm(Form):
    """A form with no fields: a button that carries the CSRF token."""


class OrganisationForm(Form):
    name = name_field(_l("Name"), _l("Enter the name of the organisation"))
    slug = StringField(
        _l("Short name for web addresses"),
        description=_l("Lower-case letters, numbers and hyphens, like northmoor-bme-forum."),
        validators=[
            DataRequired(message=_l("Enter a short name for web addresses")),
            Length(max=80, message=_l("Short name must be 80 characters or fewer")),
            Regexp(
                r"^[a-z0-9]+(?:-[a-z0-9]+)*$",
                message=_l("Use only lower-case letters, numbers and hyphens"),
            ),
        ],
        filters=[lambda v: v.strip().lower() if isinstance(v, str) else v],
    )
    kind = ChoiceField(
        _l("Kind of organisation"), validators=[DataRequired(message=_l("Select a kind"))]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = [(k.value, k.label) for k in OrgKind]
