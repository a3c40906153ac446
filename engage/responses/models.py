"""Responses, their answers, the monitoring profile kept apart from them, drafts in
progress, and the log of erasures.

A response holds no IP address, user agent or account of the respondent. When a host
or analyst enters it on someone's behalf, who entered it is recorded.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, String, Text, or_, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.extensions import db
from engage.i18n import _l
from engage.sqltypes import UTCDateTime, str_enum, utcnow


class Channel(enum.StrEnum):
    """How the answers reached us."""

    online = "online"
    paper = "paper"
    event = "event"
    phone = "phone"
    interpreter = "interpreter"
    #: from a file, by engage import-responses or the upload page
    imported = "import"

    @property
    def label(self) -> str:
        return str(CHANNEL_LABELS[self])


CHANNEL_LABELS = {
    Channel.online: _l("Online"),
    Channel.paper: _l("Paper form"),
    Channel.event: _l("At an event"),
    Channel.phone: _l("By phone"),
    Channel.interpreter: _l("With an interpreter"),
    Channel.imported: _l("Imported from a file"),
}
#: the channels a host or analyst chooses from when entering a response for someone
ON_BEHALF_CHANNELS = [Channel.paper, Channel.event, Channel.phone, Channel.interpreter]


class Sentiment(enum.StrEnum):
    positive = "positive"
    neutral = "neutral"
    negative = "negative"


class Response(db.Model):
    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    #: the short reference shown on the confirmation page; it is what withdraws a response
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    #: sha256 of the draft token it was submitted from: a second submit finds it here
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"), default=Channel.online)
    #: the language the survey was answered in
    locale: Mapped[str] = mapped_column(String(16), default="en")
    #: the forum the response came through (its share link, or the host who entered it)
    forum_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    #: the host or analyst who entered it on someone's behalf; never the respondent
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    answers: Mapped[list[Answer]] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )
    profile: Mapped[Profile | None] = relationship(
        back_populates="response", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Response {self.id}>"


#: the response's columns and monitoring answers copied onto each of its answers, so that
#: results group by community from the answers alone (engage.insights.results)
GROUP_COLUMNS = (
    "ethnic_group",
    "language",
    "religion",
    "age_band",
    "sex",
    "disability",
    "forum_id",
    "channel",
)


#: the answers that results count (an option or a number): free text and dates are never
#: grouped so, and are left out of the covering indexes below. A statement over them
#: says so in these words (``grouped_answers``), or the database cannot use those indexes
GROUPED_ANSWERS = "option_id IS NOT NULL OR number IS NOT NULL"


def _group_indexes() -> tuple[Index, ...]:
    # one covering index per group: results for a question by a group are an index scan
    # already in GROUP BY order, with no lookup into the table. Each submit writes an
    # entry in every one of them per answer, each in a page of its own: leaving out the
    # answers that are never counted makes a submit write a third fewer pages
    where = text(GROUPED_ANSWERS)
    return tuple(
        Index(
            f"ix_answers_by_{column}",
            "question_id",
            column,
            "option_id",
            "number",
            "response_id",
            sqlite_where=where,
            postgresql_where=where,
        )
        for column in GROUP_COLUMNS
    )


class Answer(db.Model):
    """One answer; a multiple choice has a row per option chosen."""

    __tablename__ = "answers"
    __table_args__ = (
        Index("ix_answers_question_id_option_id", "question_id", "option_id"),
        *_group_indexes(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), index=True
    )
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    option_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_options.id", ondelete="CASCADE")
    )
    #: numbers and the 0-10 scale
    number: Mapped[float | None] = mapped_column(Float)
    #: short and long text, postcode districts
    text: Mapped[str | None] = mapped_column(Text)
    date: Mapped[date | None] = mapped_column(Date)
    #: for free text: the language it is written in (detected, or from an import)
    text_language: Mapped[str | None] = mapped_column(String(16))
    #: for free text: an analyst's theme codes, separated by ";" (from an import, or coding)
    coded_themes: Mapped[str | None] = mapped_column(String(500))
    coded_sentiment: Mapped[Sentiment | None] = mapped_column(str_enum(Sentiment, "sentiment"))

    # GROUP_COLUMNS: copies of the response's, written with the answer (group_values)
    ethnic_group: Mapped[str | None] = mapped_column(String(40))
    language: Mapped[str | None] = mapped_column(String(16))
    religion: Mapped[str | None] = mapped_column(String(20))
    age_band: Mapped[str | None] = mapped_column(String(20))
    sex: Mapped[str | None] = mapped_column(String(20))
    disability: Mapped[str | None] = mapped_column(String(20))
    forum_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel, "channel"))

    response: Mapped[Response] = relationship(back_populates="answers")


def grouped_answers() -> Any:
    """The WHERE term of a statement over the answers that results count, in the words of
    the covering indexes' own (GROUPED_ANSWERS), so that the database can use them."""
    answers = Answer.__table__
    return or_(answers.c.option_id.is_not(None), answers.c.number.is_not(None))


def group_values(response: dict[str, Any], profile: dict[str, Any] | None) -> dict[str, Any]:
    """The GROUP_COLUMNS of the answers of a response, from the response's columns and its
    monitoring profile (codes; None where not answered)."""
    profile = profile or {}
    return {
        "ethnic_group": profile.get("ethnic_group"),
        "language": profile.get("language"),
        "religion": profile.get("religion"),
        "age_band": profile.get("age_band"),
        "sex": profile.get("sex"),
        "disability": profile.get("disability"),
        "forum_id": response.get("forum_id"),
        "channel": response.get("channel"),
    }


class Profile(db.Model):
    """The equality-monitoring answers of one response, stored apart from the answers.

    Codes as in engage.communities.categories; ``not_stated`` is "prefer not to say",
    NULL is not asked or not answered."""

    __tablename__ = "response_profiles"

    response_id: Mapped[int] = mapped_column(
        ForeignKey("responses.id", ondelete="CASCADE"), primary_key=True
    )
    ethnic_group: Mapped[str | None] = mapped_column(String(40), index=True)
    #: the respondent's own description, when no group describes them
    ethnic_group_other: Mapped[str | None] = mapped_column(String(200))
    #: main language
    language: Mapped[str | None] = mapped_column(String(16))
    religion: Mapped[str | None] = mapped_column(String(20))
    age_band: Mapped[str | None] = mapped_column(String(20))
    sex: Mapped[str | None] = mapped_column(String(20))
    gender_identity: Mapped[str | None] = mapped_column(String(20))
    sexual_orientation: Mapped[str | None] = mapped_column(String(20))
    disability: Mapped[str | None] = mapped_column(String(20))
    carer: Mapped[str | None] = mapped_column(String(20))
    postcode_district: Mapped[str | None] = mapped_column(String(10))

    response: Mapped[Response] = relationship(back_populates="profile")


class Draft(db.Model):
    """Answers so far, for one respondent, found again by the token in their session or
    their save-and-resume link. The token is stored hashed and expires."""

    __tablename__ = "response_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(ForeignKey("surveys.id", ondelete="CASCADE"), index=True)
    #: sha256 of the token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: question key -> value (a code, a list of codes, a number, text, an ISO date)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: monitoring dimension key -> code or text
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: None: not asked yet; False: declined the monitoring questions
    monitoring_consent: Mapped[bool | None] = mapped_column()
    locale: Mapped[str] = mapped_column(String(16), default="en")
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "channel"), default=Channel.online)
    forum_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="SET NULL")
    )
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    #: set once submitted: a repeated submit shows this response's confirmation
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="SET NULL"))
    #: the reference of the response it became (kept after the response is withdrawn)
    reference: Mapped[str | None] = mapped_column(String(16))


class Erasure(db.Model):
    """That a response was erased, and when: never what it said."""

    __tablename__ = "response_erasures"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int | None] = mapped_column(
        ForeignKey("surveys.id", ondelete="SET NULL"), index=True
    )
    #: "respondent" (withdrawn with the reference) or "staff"
    requested_by: Mapped[str] = mapped_column(String(20))
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
