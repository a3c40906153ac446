from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from engage.accounts.models import Organisation
from engage.accounts.permissions import requires
from engage.discussions import service
from engage.discussions.forms import ForumForm
from engage.extensions import db
from engage.i18n import _

bp = Blueprint("discussions", __name__, url_prefix="/<locale>/forums")


def _load_forum(slug: str, **_kwargs) -> Organisation:
    forum = service.get_forum(slug)
    if forum is None:
        abort(404)
    return forum


@bp.get("")
def forums():
    return render_template("discussions/forums.html", forums=service.list_forums())


@bp.get("/<slug>")
@requires("view_public", _load_forum)
def forum(slug: str, obj: Organisation):
    return render_template("discussions/forum.html", forum=obj)


@bp.route("/<slug>/edit", methods=["GET", "POST"])
@requires("edit_forum", _load_forum)
def edit_forum(slug: str, obj: Organisation):
    form = ForumForm(obj=obj)
    if form.validate_on_submit():
        service.update_forum(obj, actor=current_user, description=form.description.data or "")
        db.session.commit()
        flash(_("The forum page has been updated."), "success")
        return redirect(url_for("discussions.forum", slug=obj.slug))
    status = 400 if form.is_submitted() else 200
    return render_template("discussions/edit_forum.html", form=form, forum=obj), status
