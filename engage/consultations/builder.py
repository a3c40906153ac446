"""Authoring: consultations, the survey builder, translations side by side, preview."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("builder", __name__, url_prefix="/<locale>")
