from __future__ import annotations

from wtforms import TextAreaField
from wtforms.validators import Length

from engage.forms import Form
from engage.i18n import _l


class ForumForm(Form):
    description = TextAreaField(
        _l("About this forum"),
        description=_l("Who the forum is for, where and when it meets, and how to join."),
        validators=[Length(max=5000, message=_l("Description must be 5000 characters or fewer"))],
    )
