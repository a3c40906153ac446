from __future__ import annotations

import re

from flask import Blueprint, Response, current_app, redirect, render_template, url_for
from sqlalchemy import text

from engage.extensions import db, limiter
from engage.i18n import preferred_locale

bp = Blueprint("web", __name__)
_COLOUR = re.compile(r"^#[0-9a-fA-F]{3,8}$")


@bp.get("/")
def root():
    return redirect(url_for("web.home", locale=preferred_locale()))


@bp.get("/favicon.ico")
def favicon():
    return redirect(url_for("static", filename="favicon.svg"), code=301)


@bp.get("/<locale>/")
def home():
    return render_template("web/home.html")


@bp.get("/healthz")
@limiter.exempt
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any failure to reach the database is "not healthy"
        db.session.rollback()
        return {"status": "unavailable", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}


@bp.get("/theme.css")
def theme_css():
    """The organisation's colours from configuration, as CSS (no inline styles under the CSP)."""
    config = current_app.config
    brand = config["ORG_COLOUR"] if _COLOUR.match(config["ORG_COLOUR"]) else "#005eb8"
    brand_text = (
        config["ORG_COLOUR_TEXT"] if _COLOUR.match(config["ORG_COLOUR_TEXT"]) else "#ffffff"
    )
    css = f":root {{ --engage-brand: {brand}; --engage-brand-text: {brand_text}; }}\n"
    response = Response(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response
