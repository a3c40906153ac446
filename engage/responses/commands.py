"""``engage import-responses``, ``engage export-responses``, ``engage worker`` and
``engage purge-drafts``."""

from __future__ import annotations

import logging
import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from engage.extensions import db

log = logging.getLogger(__name__)


def _survey(slug: str):
    from engage.consultations.service import get_survey

    survey = get_survey(slug)
    if survey is None:
        raise click.UsageError(f"There is no survey with the slug {slug!r}.")
    return survey


class _Bars:
    """Two progress bars on stderr: checking the file (bytes), then importing (rows)."""

    def __init__(self):
        self.bar = None
        self.stage = None
        self.shown = 0

    def __call__(self, done: int, total: int, stage: str | None = None, **_kw) -> None:
        if stage != self.stage:
            self.close()
            label = "Checking the file" if stage == "check" else "Importing responses"
            self.bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr)
            self.bar.__enter__()
            self.stage, self.shown = stage, 0
        if done > self.shown:
            self.bar.update(done - self.shown)
            self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("import-responses")
@click.argument("survey_slug")
@click.argument("path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False))
@click.option("--quiet", is_flag=True, help="No progress bars.")
@with_appcontext
def import_responses(survey_slug: str, path: str, quiet: bool) -> None:
    """Import responses from a CSV (or XLSX) file: one row a response, columns named by
    question key. All or nothing: a bad row rejects the file and nothing is written."""
    from engage.responses import transfer

    survey = _survey(survey_slug)
    bars = None if quiet else _Bars()
    try:
        result = transfer.import_responses(survey, path, progress=bars)
    except transfer.ImportRejected as rejected:
        db.session.rollback()
        if bars:
            bars.close()
        click.echo("The file was not imported; nothing was written:", err=True)
        for error in rejected.errors:
            click.echo(f"  {error.text()}", err=True)
        if rejected.more:
            click.echo("  … and more problems after these.", err=True)
        sys.exit(1)
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if bars:
            bars.close()
    db.session.commit()
    click.echo(f"Imported {result.count} responses into {survey.slug}.")


@click.command("export-responses")
@click.argument("survey_slug")
@click.option(
    "--format",
    "format_",
    type=click.Choice(["csv", "xlsx"]),
    default="csv",
    show_default=True,
)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_responses(survey_slug: str, format_: str, output: str) -> None:
    """Export a survey's responses, with the import's columns (so it imports back)."""
    from engage.responses import transfer

    survey = _survey(survey_slug)
    log.info("export of survey %s from the command line", survey.slug)
    write = transfer.write_xlsx if format_ == "xlsx" else transfer.write_csv
    count = write(survey, output)
    click.echo(f"Exported {count} responses of {survey.slug} to {output}.")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst: bool) -> None:
    """Run background jobs from Redis (ENGAGE_REDIS_URL) until stopped."""
    from engage import jobs

    if not current_app.config.get("REDIS_URL"):
        raise click.UsageError(
            "Set ENGAGE_REDIS_URL: without Redis, jobs run inside the web process."
        )
    jobs.worker(current_app._get_current_object(), burst=burst)


@click.command("purge-drafts")
@with_appcontext
def purge_drafts() -> None:
    """Delete unfinished answers whose save-and-resume time is over (what the consent
    text promises). A new respondent's start does it too; run this daily from cron so
    that it happens also when nobody starts a survey."""
    from engage.responses.service import delete_expired_drafts

    deleted = delete_expired_drafts()
    db.session.commit()
    click.echo(f"Deleted {deleted} expired draft{'' if deleted == 1 else 's'}.")


#: the click commands this domain adds to ``engage``
COMMANDS: list = [import_responses, export_responses, worker, purge_drafts]
