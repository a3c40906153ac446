"""Consultations, their surveys, sections, questions and options.

Text a person typed for respondents to read (a title, a question, an option) is a JSON
mapping locale -> text on the row; :func:`engage.consultations.texts.text_in` picks the
language and falls back to English.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.accounts.models import Organisation
from engage.extensions import db
from engage.i18n import _l
from engage.sqltypes import UTCDateTime, str_enum, utcnow

#: a translatable text: locale -> text
Texts = dict[str, str]


class ServiceArea(enum.StrEnum):
    maternity = "maternity"
    mental_health = "mental_health"
    primary_care = "primary_care"
    urgent_care = "urgent_care"
    long_term_conditions = "long_term_conditions"
    community_services = "community_services"
    children_young_people = "children_young_people"
    other = "other"

    @property
    def label(self) -> str:
        return str(SERVICE_AREA_LABELS[self])


SERVICE_AREA_LABELS = {
    ServiceArea.maternity: _l("Maternity"),
    ServiceArea.mental_health: _l("Mental health"),
    ServiceArea.primary_care: _l("Primary care"),
    ServiceArea.urgent_care: _l("Urgent care"),
    ServiceArea.long_term_conditions: _l("Long-term conditions"),
    ServiceArea.community_services: _l("Community services"),
    ServiceArea.children_young_people: _l("Children and young people"),
    ServiceArea.other: _l("Other"),
}


class Stage(enum.StrEnum):
    """Where in the commissioning cycle the consultation sits."""

    strategic_planning = "strategic_planning"
    procuring_services = "procuring_services"
    monitoring_evaluation = "monitoring_evaluation"

    @property
    def label(self) -> str:
        return str(STAGE_LABELS[self])


STAGE_LABELS = {
    Stage.strategic_planning: _l("Strategic planning"),
    Stage.procuring_services: _l("Procuring services"),
    Stage.monitoring_evaluation: _l("Monitoring and evaluation"),
}


class ConsultationStatus(enum.StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"
    reported = "reported"

    @property
    def label(self) -> str:
        return str(CONSULTATION_STATUS_LABELS[self])


CONSULTATION_STATUS_LABELS = {
    ConsultationStatus.draft: _l("Draft"),
    ConsultationStatus.open: _l("Open"),
    ConsultationStatus.closed: _l("Closed"),
    ConsultationStatus.reported: _l("Reported"),
}
#: the only moves a consultation's status may make
STATUS_TRANSITIONS = {
    ConsultationStatus.draft: {ConsultationStatus.open},
    ConsultationStatus.open: {ConsultationStatus.closed},
    ConsultationStatus.closed: {ConsultationStatus.open, ConsultationStatus.reported},
    ConsultationStatus.reported: set(),
}


class SurveyStatus(enum.StrEnum):
    draft = "draft"
    open = "open"
    closed = "closed"

    @property
    def label(self) -> str:
        return str(CONSULTATION_STATUS_LABELS[ConsultationStatus(self.value)])


class QuestionType(enum.StrEnum):
    single_choice = "single_choice"
    multiple_choice = "multiple_choice"
    likert = "likert"
    #: the NHS Friends and Family Test question, in its standard wording and six answers
    fft = "fft"
    #: 0 to 10
    scale = "scale"
    short_text = "short_text"
    long_text = "long_text"
    number = "number"
    date = "date"
    postcode_district = "postcode_district"
    #: text shown to the respondent, with no answer (XLSForm ``note``)
    note = "note"

    @property
    def label(self) -> str:
        return str(QUESTION_TYPE_LABELS[self])

    @property
    def has_options(self) -> bool:
        return self in CHOICE_TYPES

    @property
    def is_free_text(self) -> bool:
        return self in {QuestionType.short_text, QuestionType.long_text}


QUESTION_TYPE_LABELS = {
    QuestionType.single_choice: _l("Single choice"),
    QuestionType.multiple_choice: _l("Multiple choice"),
    QuestionType.likert: _l("Agree or disagree (5 points)"),
    QuestionType.fft: _l("NHS Friends and Family Test"),
    QuestionType.scale: _l("Scale from 0 to 10"),
    QuestionType.short_text: _l("Short text"),
    QuestionType.long_text: _l("Long text"),
    QuestionType.number: _l("Number"),
    QuestionType.date: _l("Date"),
    QuestionType.postcode_district: _l("Postcode district"),
    QuestionType.note: _l("Information (no answer)"),
}
CHOICE_TYPES = frozenset(
    {
        QuestionType.single_choice,
        QuestionType.multiple_choice,
        QuestionType.likert,
        QuestionType.fft,
    }
)


class Consultation(db.Model):
    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[Texts] = mapped_column(JSON, default=dict)
    summary: Mapped[Texts] = mapped_column(JSON, default=dict)
    body: Mapped[Texts] = mapped_column(JSON, default=dict)
    service_area: Mapped[ServiceArea] = mapped_column(str_enum(ServiceArea, "service_area", 30))
    stage: Mapped[Stage] = mapped_column(str_enum(Stage, "stage", 30))
    opens_on: Mapped[date | None] = mapped_column(Date)
    #: the last day responses are taken
    closes_on: Mapped[date | None] = mapped_column(Date)
    #: ethnic group codes (broad or detailed) the consultation especially wants to hear from
    target_communities: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: locales offered, English first; each must be one of the site's languages
    languages: Mapped[list[str]] = mapped_column(JSON, default=lambda: ["en"])
    #: the area whose population the respondents are compared with (a population
    #: baseline's code, e.g. E08000001 for Bolton); None: chosen on the results page
    area_code: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[ConsultationStatus] = mapped_column(
        str_enum(ConsultationStatus, "consultation_status"), default=ConsultationStatus.draft
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship()
    surveys: Mapped[list[Survey]] = relationship(
        back_populates="consultation", order_by="Survey.id", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Consultation {self.slug}>"


class Survey(db.Model):
    __tablename__ = "surveys"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[Texts] = mapped_column(JSON, default=dict)
    #: shown on the start page, above the consent
    intro: Mapped[Texts] = mapped_column(JSON, default=dict)
    #: the privacy notice and consent, in plain language; a default is used when empty
    consent_text: Mapped[Texts] = mapped_column(JSON, default=dict)
    status: Mapped[SurveyStatus] = mapped_column(
        str_enum(SurveyStatus, "survey_status"), default=SurveyStatus.draft
    )
    #: the equality-monitoring section is asked (with its own consent)
    monitoring_enabled: Mapped[bool] = mapped_column(default=True)
    #: the monitoring dimension keys asked, in order (all of them by default)
    monitoring_keys: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    consultation: Mapped[Consultation] = relationship(back_populates="surveys")
    sections: Mapped[list[Section]] = relationship(
        back_populates="survey", order_by="Section.position", cascade="all, delete-orphan"
    )
    questions: Mapped[list[Question]] = relationship(
        back_populates="survey", cascade="all, delete-orphan", overlaps="section,questions"
    )

    @property
    def languages(self) -> list[str]:
        return self.consultation.languages

    def __repr__(self) -> str:
        return f"<Survey {self.slug}>"


class Section(db.Model):
    """A page of the survey (XLSForm: a group). Questions whose show-if depends on a
    question of the same section start a new page, so conditions are always on earlier
    pages and are evaluated on the server without JavaScript."""

    __tablename__ = "survey_sections"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[Texts] = mapped_column(JSON, default=dict)

    survey: Mapped[Survey] = relationship(back_populates="sections")
    questions: Mapped[list[Question]] = relationship(
        back_populates="section", order_by="Question.position", overlaps="questions,survey"
    )


class Question(db.Model):
    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("survey_id", "key"),
        # a key names a form field and an import column: letters, digits, underscore
        CheckConstraint("length(key) between 1 and 64", name="key_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    section_id: Mapped[int] = mapped_column(
        ForeignKey("survey_sections.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    #: the form field name and import/export column; stable once responses exist
    key: Mapped[str] = mapped_column(String(64))
    type: Mapped[QuestionType] = mapped_column(str_enum(QuestionType, "question_type"))
    required: Mapped[bool] = mapped_column(default=False)
    label: Mapped[Texts] = mapped_column(JSON, default=dict)
    hint: Mapped[Texts] = mapped_column(JSON, default=dict)
    #: skip logic: a condition on earlier answers (see consultations.logic), or None
    show_if: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    #: type-specific settings: ``min``, ``max``, ``integer`` for numbers; ``min_label``,
    #: ``max_label`` (texts) for the 0-10 scale
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    survey: Mapped[Survey] = relationship(back_populates="questions", overlaps="questions")
    section: Mapped[Section] = relationship(back_populates="questions", overlaps="questions")
    options: Mapped[list[Option]] = relationship(
        back_populates="question", order_by="Option.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Question {self.key}>"


class Option(db.Model):
    __tablename__ = "question_options"
    __table_args__ = (UniqueConstraint("question_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    #: stable: the form value, the import/export code, what results group by
    code: Mapped[str] = mapped_column(String(64))
    label: Mapped[Texts] = mapped_column(JSON, default=dict)

    question: Mapped[Question] = relationship(back_populates="options")
