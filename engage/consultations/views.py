"""Public pages: the list of consultations and a page per consultation."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("consultations", __name__, url_prefix="/<locale>/consultations")
