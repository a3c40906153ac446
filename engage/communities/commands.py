"""``engage population load``."""

from __future__ import annotations

import click
from flask.cli import with_appcontext


@click.group("population")
def population() -> None:
    """Population baselines: how many people of each ethnic group live in an area."""


@population.command("load")
@with_appcontext
def load() -> None:
    """Load the Census 2021 counts of every local authority in England and Wales, shipped
    with Engage. Areas already there are brought up to date; running it again changes
    nothing. Baselines an admin added are left as they are."""
    from engage.communities import population as service
    from engage.extensions import db

    count = service.load_census()
    db.session.commit()
    click.echo(f"Loaded the Census 2021 counts of {count} local authority areas.")


COMMANDS: list = [population]
