"""Who sees which results: analysts and commissioners of the consultation's organisation
(and admins) see the figures as counted; everyone else sees published surveys through
disclosure control."""

from __future__ import annotations

from typing import Any

from flask import current_app

from engage.accounts.permissions import can
from engage.consultations.models import ConsultationStatus, SurveyStatus
from engage.insights.stats import DisclosureRule


def disclosure_rule() -> DisclosureRule:
    config = current_app.config
    return DisclosureRule(
        threshold=int(config["DISCLOSURE_THRESHOLD"]), base=int(config["DISCLOSURE_ROUNDING"])
    )


def published(survey: Any) -> bool:
    """A survey's results are public once neither it nor its consultation is a draft."""
    return (
        survey.consultation.status != ConsultationStatus.draft
        and survey.status != SurveyStatus.draft
    )


def rule_for(user: Any, survey: Any) -> DisclosureRule | None:
    """None: ``user`` sees the figures as counted; else the rule their figures go through.
    ``survey`` is a Survey (with its consultation), as :func:`can` takes it."""
    return None if can(user, "view_results", survey) else disclosure_rule()
