"""``engage import-survey``."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext


@click.command("import-survey")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--consultation", "consultation_slug", required=True, help="The consultation's slug.")
@click.option(
    "--org",
    "org_slug",
    help="Slug of the organisation that owns the consultation, needed only when the "
    "consultation does not exist yet and is created (as a draft). Without it, the one "
    "commissioner organisation of the site, if there is exactly one.",
)
@click.option(
    "--open",
    "open_now",
    is_flag=True,
    help="Open the survey for responses at once, and its consultation if that is a draft "
    "(its other surveys stay as they are). Refused, with nothing created, when the survey "
    "is not ready (no questions, texts not translated into every language of the "
    "consultation, conditions that cannot work) or the consultation is closed or reported.",
)
@with_appcontext
def import_survey(file: Path, consultation_slug: str, org_slug: str | None, open_now: bool) -> None:
    """Import an XLSForm (.xlsx with survey, choices and settings sheets, or the same
    sheets one after another in a .csv) as a new survey of a consultation.

    Columns label::Language (code) and hint::Language (code) give the translations.
    Prints the new survey's slug alone on the last line. A form with any problem is
    refused with every problem named by sheet, row and column, and nothing is created.
    """
    from sqlalchemy import select

    from engage.accounts.models import Organisation, OrgKind
    from engage.accounts.service import get_organisation
    from engage.consultations import service, xlsform
    from engage.extensions import db

    consultation = service.get_consultation(consultation_slug)
    organisation = None
    if consultation is None:
        if service.slugify(consultation_slug, max_length=80) != consultation_slug:
            raise click.UsageError(
                f"{consultation_slug!r} cannot be a consultation slug: use lower-case "
                "letters, digits and hyphens."
            )
        if org_slug:
            organisation = get_organisation(org_slug)
            if organisation is None:
                raise click.UsageError(f"There is no organisation {org_slug!r}.")
        else:
            commissioners = list(
                db.session.scalars(
                    select(Organisation).where(Organisation.kind == OrgKind.commissioner)
                )
            )
            if len(commissioners) != 1:
                raise click.UsageError(
                    f"There is no consultation {consultation_slug!r}; to create it, say "
                    "which organisation owns it with --org SLUG."
                )
            organisation = commissioners[0]
    try:
        form = xlsform.parse_form(
            file.read_bytes(),
            file.name,
            allowed_languages=consultation.languages if consultation else None,
        )
        result = xlsform.create_from_form(
            form,
            actor=None,
            consultation=consultation,
            consultation_slug=consultation_slug,
            organisation=organisation,
            open_now=open_now,
        )
    except xlsform.XLSFormErrors as exc:
        db.session.rollback()
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{file.name} was not imported ({len(exc.problems)} problem(s)); nothing was created."
        ) from exc
    except service.SurveyError as exc:
        db.session.rollback()
        raise click.ClickException(f"{file.name} was not imported: {exc}") from exc
    db.session.commit()
    for note in result.notes:
        click.echo(note, err=True)
    if result.created_consultation:
        click.echo(
            f"Created the consultation {result.consultation.slug} "
            f"({result.consultation.organisation.slug}).",
            err=True,
        )
    click.echo(
        f"Imported {len(result.survey.questions)} questions into "
        f"{result.consultation.slug} ({result.survey.status.value}).",
        err=True,
    )
    click.echo(result.survey.slug)


#: the click commands this domain adds to ``engage``
COMMANDS: list = [import_survey]
