"""Population baselines: how many people of each ethnic group live in an area, to compare
the respondents of a survey with (representation).

The Census 2021 counts for every local authority in England and Wales are loaded by the
migration that creates these tables (and again by ``engage population load``); an admin
adds others, such as a GP practice's list or an ICB, from a CSV file.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engage.extensions import db
from engage.sqltypes import UTCDateTime, utcnow


class Baseline(db.Model):
    """One area's population by ethnic group, from one source."""

    __tablename__ = "population_baselines"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the area's code, as the API's ``area=`` takes it: an ONS code such as E08000001
    #: for a local authority, or the code an admin gave (a GP practice code, an ICB code)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    #: "local_authority" for the Census areas; "custom" for those an admin added
    kind: Mapped[str] = mapped_column(String(20), default="custom")
    #: where the figures come from, shown beside them (attribution)
    source: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    counts: Mapped[list[PopulationCount]] = relationship(
        back_populates="baseline", cascade="all, delete-orphan", passive_deletes=True
    )

    def __repr__(self) -> str:
        return f"<Baseline {self.code}>"


class PopulationCount(db.Model):
    __tablename__ = "population_counts"

    baseline_id: Mapped[int] = mapped_column(
        ForeignKey("population_baselines.id", ondelete="CASCADE"), primary_key=True
    )
    #: a Census 2021 ethnic group code (engage.communities.categories.ETHNIC_GROUPS)
    ethnic_group: Mapped[str] = mapped_column(String(40), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)

    baseline: Mapped[Baseline] = relationship(back_populates="counts")
