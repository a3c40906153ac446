from __future__ import annotations

from wtforms import BooleanField, EmailField, RadioField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, ValidationError

from engage.accounts.forms import ChoiceField
from engage.forms import Form
from engage.i18n import _, _l


class ChoiceRadioField(RadioField):
    """Radios whose "not one of the choices" message is in the page's language."""

    def pre_validate(self, form):
        if self.data not in {value for value, _label in self.choices}:
            raise ValidationError(_("Select one of the options shown"))


class PageForm(Form):
    """A survey page: its questions are read from the request by key (DESIGN.md); the
    form itself carries only the CSRF token."""


class ConsentForm(Form):
    consent = BooleanField(
        _l("I have read this and I agree to take part"),
        validators=[DataRequired(message=_l("Confirm that you agree to take part"))],
    )


class MonitoringConsentForm(Form):
    consent = ChoiceRadioField(
        _l("Will you answer some questions about yourself?"),
        validators=[InputRequired(message=_l("Select yes or no"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent.choices = [
            ("yes", _("Yes, I will answer questions about myself")),
            ("no", _("No, skip these questions")),
        ]


class SaveForm(Form):
    email = EmailField(
        _l("Email address (optional)"),
        description=_l("We use it once, to send you the link, and do not keep it."),
        validators=[
            DataRequired(message=_l("Enter an email address to send the link to")),
            Email(
                message=_l("Enter an email address in the correct format, like name@example.com")
            ),
            Length(max=254, message=_l("Email address must be 254 characters or fewer")),
        ],
    )


class WithdrawForm(Form):
    reference = StringField(
        _l("Your reference"),
        description=_l("It was on the page you saw when you sent your answers, like ABCDE-FGH23."),
        validators=[
            DataRequired(message=_l("Enter your reference")),
            Length(max=40, message=_l("A reference is 10 letters and numbers")),
        ],
    )
    confirm = BooleanField(default=False)


class EnterForm(Form):
    channel = ChoiceRadioField(
        _l("How were the answers given?"),
        validators=[InputRequired(message=_l("Select how the answers were given"))],
    )
    language = ChoiceField(
        _l("Language the person answered in"),
        validators=[InputRequired(message=_l("Select a language"))],
    )
    forum = ChoiceField(
        _l("Forum (optional)"),
        description=_l("The forum the answers came through, if any."),
    )
    agreed = BooleanField(
        _l("The person agreed to take part, and to me entering their answers"),
        validators=[DataRequired(message=_l("Confirm that the person agreed"))],
    )
