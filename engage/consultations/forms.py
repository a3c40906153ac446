"""Forms of the authoring side: consultations, questions, survey settings, translations."""

from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from engage.accounts.forms import ChoiceField, strip
from engage.communities.categories import BROAD_ETHNIC_GROUPS, DIMENSIONS, ETHNIC_GROUPS
from engage.communities.population import baseline_choices
from engage.consultations.models import ServiceArea, Stage
from engage.consultations.texts import SOURCE_LOCALE
from engage.forms import Form
from engage.i18n import _, _l

#: the monitoring questions an author chooses from; ethnic_group_other goes with ethnic_group
MONITORING_CHOICE_KEYS = [d.key for d in DIMENSIONS if d.key != "ethnic_group_other"]


class MultiChoiceField(SelectMultipleField):
    """Checkboxes whose "not one of the choices" message is in the page's language."""

    def pre_validate(self, form):
        allowed = {value for value, _label in self.choices}
        if any(value not in allowed for value in self.data or []):
            raise ValidationError(_("Select only the options shown"))


class LocalDateField(DateField):
    """A date from ``<input type="date">`` (YYYY-MM-DD), with a translated message."""

    def process_formdata(self, valuelist):
        if not valuelist or not (valuelist[0] or "").strip():
            self.data = None
            return
        try:
            self.data = datetime.strptime(valuelist[0].strip()[:10], "%Y-%m-%d").date()
        except ValueError:
            self.data = None
            raise ValueError(_("Enter a real date, like 2025-03-31")) from None


class ConsultationForm(Form):
    title = StringField(
        _l("Title"),
        description=_l("In English. Translate it on a survey's translation page."),
        validators=[
            DataRequired(message=_l("Enter a title")),
            Length(max=300, message=_l("Title must be 300 characters or fewer")),
        ],
        filters=[strip],
    )
    summary = TextAreaField(
        _l("Summary"),
        description=_l("One or two sentences for the list of consultations."),
        validators=[Length(max=1000, message=_l("Summary must be 1000 characters or fewer"))],
    )
    body = TextAreaField(
        _l("About this consultation"),
        description=_l("What it is about, who it is for and what will happen with the answers."),
        validators=[Length(max=20000, message=_l("Text must be 20000 characters or fewer"))],
    )
    organisation = ChoiceField(
        _l("Organisation"), validators=[DataRequired(message=_l("Select an organisation"))]
    )
    service_area = ChoiceField(
        _l("Service area"), validators=[DataRequired(message=_l("Select a service area"))]
    )
    stage = ChoiceField(
        _l("Commissioning stage"),
        validators=[DataRequired(message=_l("Select a commissioning stage"))],
    )
    opens_on = LocalDateField(_l("Opens on"), validators=[Optional()])
    closes_on = LocalDateField(
        _l("Closes on"), description=_l("The last day answers are taken."), validators=[Optional()]
    )
    languages = MultiChoiceField(
        _l("Languages offered"), description=_l("English is always offered.")
    )
    target_communities = MultiChoiceField(
        _l("Communities we especially want to hear from"),
        description=_l("Optional. Results show how many people from each answered."),
    )
    area_code = ChoiceField(
        _l("Area to compare respondents with"),
        description=_l(
            "Optional. Results show whether each ethnic group's share of the respondents "
            "matches its share of the people who live there."
        ),
        default="",
    )

    def __init__(self, organisations, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation.choices = [(o.slug, o.name) for o in organisations]
        self.service_area.choices = [(a.value, a.label) for a in ServiceArea]
        self.stage.choices = [(s.value, s.label) for s in Stage]
        self.languages.choices = [
            (code, name)
            for code, name in current_app.config["LANGUAGES"].items()
            if code != SOURCE_LOCALE
        ]
        self.target_communities.choices = [
            (c.code, _("%(group)s (all)", group=c.label)) for c in BROAD_ETHNIC_GROUPS
        ] + [(c.code, str(c.label)) for c in ETHNIC_GROUPS]
        self.area_code.choices = [("", _("No area")), *baseline_choices()]

    def validate_closes_on(self, field):
        opens: date | None = self.opens_on.data
        if field.data and opens and field.data < opens:
            raise ValidationError(_("The closing date must be on or after the opening date"))


class SurveyForm(Form):
    title = StringField(
        _l("Survey title"),
        description=_l("Leave it empty to use the consultation's title."),
        validators=[Length(max=300, message=_l("Title must be 300 characters or fewer"))],
        filters=[strip],
    )


class SurveySettingsForm(Form):
    title = StringField(
        _l("Survey title"),
        validators=[
            DataRequired(message=_l("Enter a title")),
            Length(max=300, message=_l("Title must be 300 characters or fewer")),
        ],
        filters=[strip],
    )
    intro = TextAreaField(
        _l("Introduction"),
        description=_l("Shown on the first page, before the questions."),
        validators=[Length(max=10000, message=_l("Text must be 10000 characters or fewer"))],
    )
    consent_text = TextAreaField(
        _l("Privacy notice and consent"),
        description=_l(
            "In plain language: why we ask, who sees the answers and how long they are kept. "
            "Leave it empty to use the standard text."
        ),
        validators=[Length(max=10000, message=_l("Text must be 10000 characters or fewer"))],
    )
    monitoring_enabled = BooleanField(_l("Ask the equality-monitoring questions"))
    monitoring_keys = MultiChoiceField(_l("Monitoring questions asked"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.monitoring_keys.choices = [
            (d.key, str(d.question)) for d in DIMENSIONS if d.key in MONITORING_CHOICE_KEYS
        ]


class SectionForm(Form):
    title = StringField(
        _l("Section title"),
        validators=[Length(max=300, message=_l("Title must be 300 characters or fewer"))],
        filters=[strip],
    )


class ConditionQuestionField(ChoiceField):
    """The earlier questions are offered; any question of the survey is accepted here, so
    that a condition on a later one is refused with its reason by the service."""

    known_keys: frozenset[str] = frozenset()

    def pre_validate(self, form):
        if self.data and self.data not in self.known_keys:
            raise ValidationError(_("Select one of the options shown"))


#: how the simple condition editor names the comparisons of engage.consultations.logic
CONDITION_OPS = [
    ("eq", _l("is")),
    ("ne", _l("is not")),
    ("selected", _l("includes")),
    ("gt", _l("is more than")),
    ("lt", _l("is less than")),
    ("answered", _l("is answered (any answer)")),
]


class QuestionForm(Form):
    label = TextAreaField(
        _l("Question"),
        validators=[
            DataRequired(message=_l("Enter the question")),
            Length(max=2000, message=_l("Question must be 2000 characters or fewer")),
        ],
    )
    key = StringField(
        _l("Key"),
        description=_l(
            "Names the answer in exports and imports: letters, digits and underscores, "
            "starting with a letter, like visit_type."
        ),
        validators=[
            DataRequired(message=_l("Enter a key")),
            Length(max=64, message=_l("Key must be 64 characters or fewer")),
        ],
        filters=[strip],
    )
    hint = TextAreaField(
        _l("Hint (optional)"),
        validators=[Length(max=2000, message=_l("Hint must be 2000 characters or fewer"))],
    )
    required = BooleanField(_l("An answer is required"))
    section = ChoiceField(_l("Section"), validators=[DataRequired(message=_l("Select a section"))])
    options = TextAreaField(
        _l("Answers"),
        description=_l(
            "One answer a line: its code, a colon, then the words people see, like "
            "“gp: GP surgery”. Without a code, one is made from the words. Codes are "
            "letters, digits, _ . and - and never change once there are responses."
        ),
        validators=[Length(max=20000, message=_l("Answers must be 20000 characters or fewer"))],
    )
    minimum = StringField(_l("Smallest number allowed (optional)"), filters=[strip])
    maximum = StringField(_l("Largest number allowed (optional)"), filters=[strip])
    integer = BooleanField(_l("Whole numbers only"))
    condition_question = ConditionQuestionField(
        _l("Show this question only if the answer to"), default=""
    )
    condition_op = ChoiceField(_l("Comparison"), default="eq")
    condition_value = StringField(
        _l("Answer code or value"),
        description=_l(
            "For a choice question, the code of one of its answers, or several codes "
            "separated by commas (any of them; for “is not”, none of them). For a number or "
            "the 0 to 10 scale, a number. Leave it empty for “is answered”."
        ),
        validators=[Length(max=200, message=_l("Value must be 200 characters or fewer"))],
        filters=[strip],
    )
    remove_condition = BooleanField(_l("Remove this condition"))

    def __init__(self, sections, other_questions, known_keys=(), *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.section.choices = sections
        self.condition_question.known_keys = frozenset(known_keys)
        self.condition_question.choices = [("", _("Always show this question"))] + [
            (key, text) for key, text in other_questions
        ]
        self.condition_op.choices = [(value, str(label)) for value, label in CONDITION_OPS]

    def validate_minimum(self, field):
        _number(field)

    def validate_maximum(self, field):
        _number(field)


def _number(field):
    if field.data:
        try:
            float(field.data)
        except ValueError:
            raise ValidationError(_("Enter a number, like 0 or 100")) from None


class StatusForm(Form):
    status = ChoiceField(_l("New status"), validators=[DataRequired(message=_l("Select a status"))])
    confirm = BooleanField(_l("I have read the warnings and want to open it anyway"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from engage.consultations.models import ConsultationStatus

        self.status.choices = [(s.value, s.label) for s in ConsultationStatus]


class ImportTranslationsForm(Form):
    file = FileField(_l("Translated file (.po or .xlsx)"))


class ConfirmForm(Form):
    """A form with no fields: a button that carries the CSRF token."""
