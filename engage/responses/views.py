"""The respondent journey: consent, a page a section, save and resume, submit, withdraw."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("survey", __name__, url_prefix="/<locale>")
