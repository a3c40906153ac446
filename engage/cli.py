"""The ``engage`` command: a Flask CLI group with Engage's own commands."""

from __future__ import annotations

import contextvars
import os
import sys

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, pass_script_info, with_appcontext

from engage.extensions import db


def _create_app():
    from engage import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_version_option=False)
def main() -> None:
    """Engage: consultations, surveys and insight for health commissioners and communities."""


def init_app(app: Flask) -> None:
    from engage.communities.commands import COMMANDS as population_commands
    from engage.consultations.commands import COMMANDS as consultation_commands
    from engage.insights.commands import COMMANDS as insight_commands
    from engage.responses.commands import COMMANDS as response_commands

    for command in (
        create_user,
        create_token,
        demo,
        serve,
        translations,
        *population_commands,
        *consultation_commands,
        *insight_commands,
        *response_commands,
    ):
        app.cli.add_command(command)


@click.command("create-user")
@click.argument("email")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["admin", "analyst", "commissioner", "host", "member"]),
    help="admin makes a site administrator; the others are a role in --org.",
)
@click.option("--org", "org_slug", help="Slug of the organisation the role is in.")
@click.option("--name", default="", help="The person's name.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Asked for when not given.",
)
@with_appcontext
def create_user(email: str, role: str, org_slug: str | None, name: str, password: str) -> None:
    """Create a user with a role (a site admin, or a role in an organisation)."""
    from engage.accounts import service
    from engage.accounts.models import Role

    if len(password) < current_app.config["PASSWORD_MIN_LENGTH"]:
        raise click.UsageError(
            f"The password must be at least {current_app.config['PASSWORD_MIN_LENGTH']} characters."
        )
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        raise click.UsageError(f"{email!r} is not an email address: {exc}") from exc
    if len(email) > 254 or len(name) > 200:
        raise click.UsageError("The email must be at most 254 and the name 200 characters.")
    organisation = None
    if role != "admin":
        if not org_slug:
            raise click.UsageError(f"--org is needed for the role {role}.")
        organisation = service.get_organisation(org_slug)
        if organisation is None:
            raise click.UsageError(f"There is no organisation with the slug {org_slug!r}.")
    elif org_slug:
        organisation = service.get_organisation(org_slug)
        if organisation is None:
            raise click.UsageError(f"There is no organisation with the slug {org_slug!r}.")
    try:
        user = service.create_user(
            email,
            password=password,
            name=name,
            is_admin=role == "admin",
            organisation=organisation,
            role=None if role == "admin" else Role(role),
        )
    except service.AccountError as exc:
        raise click.UsageError(str(exc)) from exc
    db.session.commit()
    where = f" in {organisation.slug}" if organisation and role != "admin" else ""
    click.echo(f"Created {user.email} ({role}{where}).")


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="created with engage create-token", help="What it is for.")
@with_appcontext
def create_token(email: str, name: str) -> None:
    """Print a new API bearer token for that user, alone on the last line."""
    from engage.accounts import service

    user = service.get_user_by_email(email)
    if user is None:
        raise click.UsageError(f"There is no user with the address {email}.")
    _row, token = service.create_api_token(user, name)
    db.session.commit()
    click.echo(f"A new API token for {user.email}; it is shown only once:", err=True)
    click.echo(token)


@click.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--no-serve", is_flag=True, help="Set up the database and demo data, then stop.")
@click.option("--force", is_flag=True, help="Allow a database other than SQLite.")
@with_appcontext
def demo(host: str, port: int, no_serve: bool, force: bool) -> None:
    """Migrate the database, load the demo data once, and serve the site."""
    from flask_migrate import upgrade

    from engage import demo as demo_data

    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    if not url.startswith("sqlite") and not force:
        # the demo makes a site admin with a published password: never by accident
        raise click.UsageError(
            "engage demo loads accounts with published passwords, so it only runs on an "
            "SQLite database. Unset ENGAGE_DATABASE_URL, or pass --force for a throwaway "
            "database."
        )
    upgrade()
    created = demo_data.load()
    db.session.commit()
    click.echo("Demo data loaded." if created else "Demo data was already there.")
    click.echo(demo_data.logins_text())
    if no_serve:
        return
    if host not in {"127.0.0.1", "localhost", "::1"}:
        # browsers only send Secure cookies over plain http to the machine itself
        current_app.config["SESSION_COOKIE_SECURE"] = False
        click.echo(
            "Warning: serving over plain http to the network; use `engage serve` "
            "behind HTTPS for real use.",
            err=True,
        )
    click.echo(f"Engage is at http://{host}:{port}/  (Ctrl+C stops it)")
    from werkzeug.serving import run_simple

    from engage.logs import install_werkzeug_filter

    install_werkzeug_filter()
    run_simple(host, port, current_app._get_current_object(), threaded=True)


@click.command("serve")
@click.option("--bind", default=None, help="Address to listen on [ENGAGE_BIND, 127.0.0.1:8000].")
@click.option("--workers", default=None, type=int, help="Worker processes [ENGAGE_WORKERS, 2].")
@click.option("--migrate/--no-migrate", default=True, help="Upgrade the database first.")
@pass_script_info
def serve(info: ScriptInfo, bind: str | None, workers: int | None, migrate: bool) -> None:
    """Run Engage under gunicorn, for production."""
    from gunicorn.app.base import BaseApplication

    from engage.logs import gunicorn_logger_class

    app = info.load_app()
    config = app.config
    with app.app_context():
        if migrate:
            from flask_migrate import upgrade

            upgrade()
        # the forked workers must not share this process's pooled connections
        db.engine.dispose()
    options = {
        "bind": bind or config["BIND"],
        "workers": workers or int(config["WORKERS"]),
        "accesslog": "-",
        # no query strings or addresses in the access log: they can hold personal data
        "access_log_format": '%(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss',
        "forwarded_allow_ips": os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        "logger_class": gunicorn_logger_class(),
    }

    class Server(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self):
            return app

    sys.argv = [sys.argv[0]]
    # `engage` (a FlaskGroup) runs this command inside an application context. Serving in
    # an empty context means every request pushes its own, with its own `g`.
    contextvars.Context().run(Server().run)


@click.group("translations")
def translations() -> None:
    """Extract, update and compile the message catalogs."""


@translations.command("update")
@click.option("--add", "new_locale", help="Start a catalog for a new locale, e.g. ar.")
def translations_update(new_locale: str | None) -> None:
    """Extract messages.pot, update every catalog from it, and compile them."""
    from engage import i18n_tools

    i18n_tools.update(new_locale)
    click.echo("Catalogs extracted, updated and compiled.")


@translations.command("check")
def translations_check() -> None:
    """Fail when messages.pot is stale or a catalog is incomplete, fuzzy or not compiled."""
    from engage import i18n_tools

    problems = i18n_tools.check()
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo("Catalogs are complete and up to date.")


if __name__ == "__main__":
    main()
