"""For analysts: a survey's responses, import from a file with progress, export."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("response_data", __name__, url_prefix="/<locale>/surveys")
