"""``engage analyse`` and ``engage import-codebook``."""

from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from engage.extensions import db


def _survey(slug: str):
    from engage.consultations.service import get_survey

    survey = get_survey(slug)
    if survey is None:
        raise click.UsageError(f"There is no survey with the slug {slug!r}.")
    return survey


@click.command("analyse")
@click.argument("survey_slug")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@with_appcontext
def analyse(survey_slug: str, quiet: bool) -> None:
    """Run the text pipeline over a survey's free-text answers: language, sentiment,
    noun phrases, redaction and themes (learning from the analysts' coded answers where
    there are enough). All or nothing: a run that fails keeps the previous analyses."""
    from engage import jobs
    from engage.insights import pipeline

    survey = _survey(survey_slug)
    if jobs.active_job(pipeline.run_key(survey.slug)):
        raise click.ClickException(
            "This survey's answers are being analysed already (a run started from the "
            "site). Run this again when it has finished."
        )
    bar = None
    shown = 0

    def progress(done: int, total: int, **_kw) -> None:
        nonlocal bar, shown
        if quiet:
            return
        if bar is None:
            bar = click.progressbar(length=max(total, 1), label="Analysing", file=sys.stderr)
            bar.__enter__()
        bar.update(done - shown)
        shown = done

    try:
        run = pipeline.analyse_survey(survey, progress=progress)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    whose = " of the organisation's surveys" if run.learned_scope == "organisation" else ""
    how = (
        f"themes and sentiment learned from {run.learned_from} coded answers{whose}"
        if run.learned_from
        else "themes from the codebook's keywords"
    )
    click.echo(
        f"Analysed {run.analysed} answers ({how}); "
        f"{run.awaiting_translation} await an English translation."
    )


@click.command("import-codebook")
@click.argument("path", metavar="FILE.csv", type=click.Path(exists=True, dir_okay=False))
@click.option("--survey", "survey_slug", help="The survey whose own codebook this becomes.")
@with_appcontext
def import_codebook(path: str, survey_slug: str | None) -> None:
    """Read a codebook (columns code,name,parent,description,keywords; keywords separated
    by ';'). Without --survey it replaces the site's default codebook. All or nothing: a
    bad row rejects the file with its row and column named."""
    from engage.insights import codebook, pipeline

    survey = _survey(survey_slug) if survey_slug else None
    try:
        themes = codebook.read_codebook_csv(path)
    except codebook.CodebookRejected as exc:
        for error in exc.errors:
            click.echo(f"  {error.text()}", err=True)
        raise click.ClickException("The codebook was not imported; nothing was changed.") from None
    pipeline.save_codebook(themes, survey=survey)
    db.session.commit()
    where = f"survey {survey.slug}" if survey else "the site's default"
    click.echo(f"Imported {len(themes)} themes as {where} codebook.")


COMMANDS = [analyse, import_codebook]
