"""Themes and the analysis of free text: codebooks of themes, and what the text pipeline
found in each free-text answer (kept apart from the answers, which results count)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.extensions import db
from engage.responses.models import Sentiment
from engage.sqltypes import UTCDateTime, str_enum, utcnow


class Codebook(db.Model):
    """A set of themes. The site's default has neither organisation nor survey; an
    organisation's or a survey's own replaces it for them."""

    __tablename__ = "codebooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    survey_id: Mapped[int | None] = mapped_column(
        ForeignKey("surveys.id", ondelete="CASCADE"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    themes: Mapped[list[Theme]] = relationship(
        back_populates="codebook",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Theme.position",
    )


class Theme(db.Model):
    __tablename__ = "themes"
    __table_args__ = (UniqueConstraint("codebook_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    codebook_id: Mapped[int] = mapped_column(ForeignKey("codebooks.id", ondelete="CASCADE"))
    #: stable: what answers' coded themes, imports and exports name
    code: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(200))
    #: the code of the category this theme belongs to (None: a category itself)
    parent: Mapped[str | None] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    position: Mapped[int] = mapped_column(default=0)

    codebook: Mapped[Codebook] = relationship(back_populates="themes")


class TextAnalysis(db.Model):
    """What the pipeline found in one free-text answer. Analysts' own coding stays on the
    answer (``coded_themes``, ``coded_sentiment``) and always wins over this."""

    __tablename__ = "answer_analyses"

    answer_id: Mapped[int] = mapped_column(
        ForeignKey("answers.id", ondelete="CASCADE"), primary_key=True
    )
    #: the language detected (ISO 639-1), None when too short to tell
    language: Mapped[str | None] = mapped_column(String(16))
    #: TextBlob polarity, -1 to 1, of the English text (or its translation); None: not scored
    polarity: Mapped[float | None] = mapped_column(Float)
    #: the suggested sentiment: the model's, learned from the analysts' coding, where it
    #: is confident, else the lexicon's label of the polarity; None: not scored
    sentiment: Mapped[Sentiment | None] = mapped_column(str_enum(Sentiment, "sentiment"))
    #: "model" or "lexicon": where the suggested sentiment came from
    sentiment_by: Mapped[str | None] = mapped_column(String(10))
    #: the model's confidence in its sentiment (0 to 1); None from the lexicon
    sentiment_confidence: Mapped[float | None] = mapped_column(Float)
    noun_phrases: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: suggested themes: [[code, confidence], ...], best first
    themes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    #: "model" (learned from analysts' coding) or "keywords" (the codebook)
    suggested_by: Mapped[str | None] = mapped_column(String(10))
    #: the text with personal details replaced: what reports and public pages quote
    redacted: Mapped[str] = mapped_column(Text, default="")
    #: an English translation added by a host or analyst, for text in other languages
    translation: Mapped[str | None] = mapped_column(Text)
    analysed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ReportStatus(enum.StrEnum):
    draft = "draft"
    published = "published"


class InsightReport(db.Model):
    """An analyst's report on a consultation: what people said, by community, who was
    and was not heard, and what should change. Publishing freezes the figures it shows
    (``frozen``) and puts it in the evidence library."""

    __tablename__ = "insight_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    consultation_id: Mapped[int] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(Text, default="")
    findings: Mapped[str] = mapped_column(Text, default="")
    limitations: Mapped[str] = mapped_column(Text, default="")
    recommendations: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ReportStatus] = mapped_column(
        str_enum(ReportStatus, "report_status"), default=ReportStatus.draft
    )
    #: ethnic group codes (broad or detailed) the report speaks about, for the library
    communities: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the figures as they were when published: results, representation, completeness
    #: and themes, so the report reads the same however the data changes. Quotes are not
    #: frozen: a withdrawn response's words must leave the report too
    frozen: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    key_themes: Mapped[list[ReportTheme]] = relationship(
        back_populates="report",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="ReportTheme.position",
    )


class ReportTheme(db.Model):
    """A key theme of a report: a "you said" statement in the community's own terms, with
    the theme it stands for (what the commissioning log links to)."""

    __tablename__ = "insight_report_themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(
        ForeignKey("insight_reports.id", ondelete="CASCADE"), index=True
    )
    theme_code: Mapped[str] = mapped_column(String(80), index=True)
    you_said: Mapped[str] = mapped_column(Text)
    position: Mapped[int] = mapped_column(default=0)

    report: Mapped[InsightReport] = relationship(back_populates="key_themes")
