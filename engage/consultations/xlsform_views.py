"""Upload an XLSForm to make a survey in a consultation."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("xlsform", __name__, url_prefix="/<locale>")
