"""The form an admin adds a population baseline with."""

from __future__ import annotations

from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField
from wtforms.validators import DataRequired, Length, Regexp

from engage.accounts.forms import strip
from engage.communities.population import CODE_PATTERN
from engage.forms import Form
from engage.i18n import _l


class BaselineForm(Form):
    code = StringField(
        _l("Code"),
        description=_l(
            "How results pages and the API name this population, like a GP practice code "
            "(P82001) or an ICB code (QOP). Letters, numbers, hyphens, full stops and "
            "underscores."
        ),
        validators=[
            DataRequired(message=_l("Enter a code")),
            Length(max=40, message=_l("Code must be 40 characters or fewer")),
            Regexp(
                CODE_PATTERN,
                message=_l("Use only letters, numbers, hyphens, full stops and underscores"),
            ),
        ],
        filters=[strip],
    )
    name = StringField(
        _l("Name"),
        description=_l("Shown wherever the population is chosen, like Bolton GP practices."),
        validators=[
            DataRequired(message=_l("Enter a name")),
            Length(max=200, message=_l("Name must be 200 characters or fewer")),
        ],
        filters=[strip],
    )
    source = StringField(
        _l("Source"),
        description=_l(
            "Where the figures come from, shown beside them, like NHS Digital, patients "
            "registered at a GP practice, April 2025."
        ),
        validators=[
            DataRequired(message=_l("Enter where the figures come from")),
            Length(max=300, message=_l("Source must be 300 characters or fewer")),
        ],
        filters=[strip],
    )
    file = FileField(
        _l("File of counts"),
        description=_l(
            "A .csv file whose first row names two columns, ethnic_group and count. "
            "ethnic_group takes a Census 2021 code, like asian_pakistani, or an NHS ethnic "
            "category code from A to S; count is the number of people, a whole number. An "
            "ethnic group that is left out counts as 0."
        ),
        validators=[
            FileRequired(_l("Choose the file of counts to upload.")),
            FileAllowed(["csv"], _l("The file must be a .csv file.")),
        ],
    )
