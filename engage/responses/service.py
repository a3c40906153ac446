"""The respondent journey's operations: drafts, answers page by page, submission,
withdrawal. Each takes plain values, changes the session, flushes, and never commits.

A draft is found by a random token kept in the respondent's session cookie (and in their
save-and-resume link); only its sha256 is stored. Submitting turns the draft into a
response keyed by that hash, so a second submit of the same draft (a double click, a
reload, a retry after a network error) finds the first response instead of adding one.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, bindparam, delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from engage import reads
from engage.communities.categories import (
    BROAD_OF,
    DIMENSION_BY_KEY,
    NOT_STATED,
    UnknownCode,
    clean_monitoring_value,
)
from engage.consultations import cache, logic
from engage.consultations.models import Question, Survey
from engage.consultations.service import is_open, ordered_questions
from engage.extensions import db
from engage.i18n import _l
from engage.responses import values
from engage.responses.models import (
    Answer,
    Channel,
    Draft,
    Erasure,
    Profile,
    Response,
    group_values,
)
from engage.sqltypes import utcnow

log = logging.getLogger(__name__)

#: no 0/O or 1/I: a reference is read aloud and typed from paper
REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
REFERENCE_LENGTH = 10


class SurveyClosed(Exception):
    """The survey stopped taking responses; the draft is kept for the respondent."""


@dataclass
class Incomplete(Exception):
    """Answers that cannot be submitted: {question key: message}."""

    errors: dict[str, Any] = field(default_factory=dict)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


#: 256 random bytes map evenly onto the 32 letters: byte & 31
_REFERENCE_TABLE = bytes(REFERENCE_ALPHABET.encode()[b & 31] for b in range(256))


def new_references(count: int) -> list[str]:
    """``count`` references at once (an import makes thousands)."""
    raw = secrets.token_bytes(count * REFERENCE_LENGTH).translate(_REFERENCE_TABLE).decode()
    return [raw[i : i + REFERENCE_LENGTH] for i in range(0, len(raw), REFERENCE_LENGTH)]


def new_reference() -> str:
    return new_references(1)[0]


def format_reference(reference: str) -> str:
    """ABCDE-FGHJK: easier to read out and copy."""
    return f"{reference[:5]}-{reference[5:]}" if len(reference) == REFERENCE_LENGTH else reference


def normalise_reference(text: str) -> str:
    return "".join(ch for ch in (text or "").upper() if ch.isascii() and ch.isalnum())


# Drafts ------------------------------------------------------------------------------


def start_draft(
    survey: Survey,
    *,
    locale: str,
    days: int,
    channel: Channel = Channel.online,
    forum_id: int | None = None,
    entered_by_id: int | None = None,
) -> tuple[Draft, str]:
    """A new draft and the token that finds it (shown once; only its hash is kept).
    Drafts past their expiry are deleted on the way: answers are not kept longer than
    the respondent was told."""
    delete_expired_drafts()
    token = secrets.token_urlsafe(24)
    draft = Draft(
        survey_id=survey.id,
        token_hash=token_digest(token),
        answers={},
        profile={},
        locale=locale,
        channel=channel,
        forum_id=forum_id,
        entered_by_id=entered_by_id,
        expires_at=utcnow() + timedelta(days=days),
    )
    db.session.add(draft)
    db.session.flush()
    return draft, token


def find_draft(survey: Survey, token: str | None) -> Draft | None:
    """The respondent's draft of this survey, unless it has expired."""
    if not token or len(token) > 100:
        return None
    draft = db.session.scalar(select(Draft).where(Draft.token_hash == token_digest(token)))
    if draft is None or draft.survey_id != survey.id:
        return None
    if _expired(draft):
        return None
    return draft


class DraftRow:
    """A draft as one Core query reads it: the columns of :class:`Draft` as attributes,
    not tracked by the ORM session (building ORM objects cost more than the query). The
    journey's pages read it, and :func:`submit` writes with Core statements; the views
    that change a draft page by page load the ORM :class:`Draft`."""

    __slots__ = tuple(column.key for column in Draft.__table__.columns)

    def __init__(self, values: Mapping[str, Any]):
        for name in self.__slots__:
            setattr(self, name, values[name])

    def __repr__(self) -> str:
        return f"<DraftRow {self.id}>"


#: {read_only: the statement of find_survey_and_draft}, built once
_journey_statements: dict[bool, Any] = {}


def _survey_and_draft_statement(read_only: bool):
    """The survey's id and version (engage.consultations.cache) and the draft with a
    token hash, if it is a draft of that survey: one query, built once. The draft is the
    ORM entity, or (``read_only``) its columns."""
    statement = _journey_statements.get(read_only)
    if statement is None:
        drafts = Draft.__table__
        statement = (
            cache.version_statement()
            .add_columns(*(drafts.c if read_only else (Draft,)))
            .outerjoin(
                Draft,
                and_(Draft.survey_id == Survey.id, Draft.token_hash == bindparam("token_hash")),
            )
            .where(Survey.slug == bindparam("slug"))
        )
        _journey_statements[read_only] = statement
    return statement


def _draft_row(row, start: int) -> DraftRow | None:
    """The DraftRow in ``row`` from column ``start`` (the draft table's columns), if any."""
    if row[start] is None:
        return None
    return DraftRow(dict(zip(DraftRow.__slots__, row[start:], strict=True)))


_draft_by_hash = None


def find_draft_row(survey: Survey, token: str | None, *, apart: bool = False) -> DraftRow | None:
    """:func:`find_draft`, read with Core (``apart``: as :func:`read_row`)."""
    global _draft_by_hash
    if not token or len(token) > 100:
        return None
    if _draft_by_hash is None:
        drafts = Draft.__table__
        _draft_by_hash = select(*drafts.c).where(drafts.c.token_hash == bindparam("token_hash"))
    row = read_row(_draft_by_hash, {"token_hash": token_digest(token)}, apart=apart)
    draft = _draft_row(row or (None,), 0)
    if draft is None or draft.survey_id != survey.id or _expired(draft):
        return None
    return draft


def read_row(statement, parameters: Mapping[str, Any], *, apart: bool = False):
    """The first row of a query (Core), in the session's transaction; or, ``apart``, on a
    pooled connection of its own, outside any transaction, read with the driver
    (engage.reads): for a request that reads once and writes nothing (a GET of a journey
    page), which then needs no ORM session, and on PostgreSQL no BEGIN and ROLLBACK.

    A session given a connection of its own (the tests') always reads on it."""
    if apart and _apart_possible():
        return reads.first_row(db.engine, statement, parameters)
    return db.session.connection().execute(statement, parameters).first()


def _apart_possible() -> bool:
    """Whether a read or write may go on a pooled connection of its own: not when the
    session was given a connection of its own (the tests'), which all of it must use."""
    return db.session.session_factory.kw.get("bind") is None


def find_survey_and_draft(
    slug: str, tokens: Mapping[str, str], *, read_only: bool = False, apart: bool = False
) -> tuple[cache.SurveySnapshot | None, Draft | DraftRow | None]:
    """The survey as the journey shows it (a cached snapshot) and the respondent's draft
    of it: ``find_draft(survey, tokens.get(str(survey.id)))``, usually in one query; with
    ``read_only``, the draft is a :class:`DraftRow` read with Core (``apart``: on a
    connection of its own, as :func:`read_row`).

    ``tokens`` maps a survey id (as a string) to the draft token kept for it. The survey's
    id is guessed from the cache; when the guess is wrong (a first request in this
    process, a renamed survey), the draft is looked up in a second query."""
    guess = cache.guessed_id(slug)
    token = tokens.get(str(guess)) if guess is not None else None
    digest = token_digest(token) if token and len(token) <= 100 else None
    parameters = {"slug": slug, "token_hash": digest}
    statement = _survey_and_draft_statement(read_only)
    if read_only:
        row = read_row(statement, parameters, apart=apart)
    else:
        row = db.session.execute(statement, parameters).first()
    if row is None:
        return None, None
    survey = cache.cached_survey(slug, row)
    if survey is None:
        return None, None
    if row[0] != guess:
        token = tokens.get(str(survey.id))
        found = (
            find_draft_row(survey, token, apart=apart) if read_only else find_draft(survey, token)
        )
        return survey, found
    draft = _draft_row(row, 5) if read_only else row[5]
    if draft is not None and _expired(draft):
        return survey, None
    return survey, draft


def _expired(draft: Draft) -> bool:
    return draft.expires_at < utcnow() and draft.response_id is None and draft.reference is None


def renew(draft: Draft, days: int) -> None:
    draft.expires_at = max(draft.expires_at, utcnow() + timedelta(days=days))
    db.session.flush()


def delete_expired_drafts(now: datetime | None = None) -> int:
    result = db.session.execute(delete(Draft).where(Draft.expires_at < (now or utcnow())))
    return result.rowcount or 0


# Pages ----------------------------------------------------------------------------------


def survey_pages(survey: Survey) -> list[list[Question]]:
    cached = getattr(survey, "pages", None)  # a journey snapshot has them worked out
    if cached is not None:
        return list(cached)
    return [page for page in logic.pages(survey.sections) if any(q.type for q in page)]


def shown_pages(survey: Survey, answers: Mapping[str, Any]) -> list[int]:
    """The indexes (from 0) of the pages with a question to show, given the answers."""
    return [i for i, page in enumerate(survey_pages(survey)) if logic.visible(page, answers)]


def read_page(
    questions: list[Question], form: Mapping[str, Any], *, check_required: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The values posted for a page's questions, and {key: message} for those that
    cannot be taken. ``form`` maps a key to a list of strings (a multiple choice) or one."""
    parsed: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for question in questions:
        raw = form.get(question.key)
        try:
            value = values.parse(question, raw)
        except values.Problem as problem:
            errors[question.key] = problem.message
            continue
        if value is None and question.required and check_required:
            errors[question.key] = required_message(question)
            continue
        parsed[question.key] = value
    return parsed, errors


def required_message(question: Question):
    if question.type.has_options or question.type.value == "scale":
        return _l("Select an answer to this question")
    return _l("Answer this question")


def save_page(draft: Draft, survey: Survey, page_values: Mapping[str, Any]) -> None:
    """Keep a page's answers (an empty one removes an earlier answer), and drop answers
    to questions that the new answers hide."""
    answers = dict(draft.answers or {})
    for key, value in page_values.items():
        if value is None:
            answers.pop(key, None)
        else:
            answers[key] = value
    draft.answers = logic.relevant_answers(survey.sections, answers)
    draft.updated_at = utcnow()
    db.session.flush()


def missing_required(survey: Survey, answers: Mapping[str, Any]) -> dict[str, Any]:
    """{key: message} for required questions that are shown and not answered."""
    missing = {}
    for page in survey_pages(survey):
        for question in logic.visible(page, answers):
            if question.required and values.is_empty(answers.get(question.key)):
                missing[question.key] = required_message(question)
    return missing


# Monitoring -----------------------------------------------------------------------------


def monitoring_keys(survey: Survey) -> list[str]:
    if not survey.monitoring_enabled:
        return []
    return [k for k in (survey.monitoring_keys or []) if k in DIMENSION_BY_KEY]


def save_monitoring(draft: Draft, posted: Mapping[str, Any]) -> dict[str, Any]:
    """Keep monitoring answers; returns {key: message} for values that cannot be taken."""
    profile = dict(draft.profile or {})
    errors = {}
    for key, raw in posted.items():
        try:
            value = clean_monitoring_value(key, raw)
        except UnknownCode:
            errors[key] = (
                _l("Enter the first part of a postcode, like BL1 or M14")
                if key == "postcode_district"
                else _l("Select one of the options shown")
            )
            continue
        if value is None:
            profile.pop(key, None)
        else:
            profile[key] = value
    if not errors:
        broad = profile.get("ethnic_group_broad")
        group = profile.get("ethnic_group")
        if group and group != NOT_STATED and broad and BROAD_OF.get(group) != broad:
            profile.pop("ethnic_group", None)  # the broad group changed: ask again
        draft.profile = profile
        draft.updated_at = utcnow()
        db.session.flush()
    return errors


def set_broad_group(draft: Draft, broad: str | None) -> None:
    profile = dict(draft.profile or {})
    if broad is None:
        profile.pop("ethnic_group_broad", None)
    else:
        profile["ethnic_group_broad"] = broad
    if broad == NOT_STATED:
        profile["ethnic_group"] = NOT_STATED
        profile.pop("ethnic_group_other", None)
    elif profile.get("ethnic_group") and BROAD_OF.get(profile["ethnic_group"]) != broad:
        profile.pop("ethnic_group", None)
    draft.profile = profile
    db.session.flush()


def set_monitoring_consent(draft: Draft, consent: bool) -> None:
    draft.monitoring_consent = consent
    if not consent:
        draft.profile = {}
    db.session.flush()


# Submission -----------------------------------------------------------------------------


def submitted_response(draft: Draft) -> Response | None:
    if draft.response_id is not None:
        return db.session.get(Response, draft.response_id)
    return db.session.scalar(select(Response).where(Response.submission_key == draft.token_hash))


class DraftChanged(Exception):
    """The draft changed (or was submitted) after it was read for :func:`prepare_submission`:
    nothing was written; read it again."""


class SurveyChanged(DraftChanged):
    """A question or answer option of the submission was deleted after the survey was
    read (an author at work; a foreign key failed): nothing was written; read the survey
    and the draft again."""


def _foreign_key_failed(error: BaseException) -> bool:
    """Whether ``error`` (the driver's, or SQLAlchemy's around it) is a foreign key that
    failed: PostgreSQL's SQLSTATE 23503, SQLite's SQLITE_CONSTRAINT_FOREIGNKEY."""
    error = getattr(error, "orig", None) or error
    if getattr(error, "sqlstate", None) == "23503":
        return True
    return (
        isinstance(error, sqlite3.IntegrityError)
        and getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
    )


@dataclass
class Submission:
    """Everything a draft's response writes, worked out before anything is written."""

    draft: Draft | DraftRow
    #: the response row's columns but its reference
    response: dict[str, Any]
    #: the answer rows, their response_id still to be set
    answers: list[dict[str, Any]]
    profile: dict[str, Any]


def submit(draft: Draft | DraftRow, survey: Survey) -> Response:
    """The response made from the draft: its answers, and its monitoring answers kept in a
    row of their own. A draft already submitted gives its response again.

    Raises :class:`SurveyClosed` or :class:`Incomplete`. Nothing is read to check for an
    earlier submission: ``draft.response_id`` tells, and the unique submission key catches
    the same draft submitted at the same moment elsewhere (its response is returned). The
    caller commits; on an IntegrityError it rolls back and calls :func:`submitted_response`.

    The journey's submit does the same in two steps, :func:`prepare_submission` and
    :func:`write_submission`, so that it can read and check before it takes SQLite's
    write lock."""
    if isinstance(draft, Draft):
        db.session.flush()  # what the draft holds is what the database holds
    if draft.response_id is not None:
        # submitted before (a double click, a reload): the same response again
        existing = db.session.get(Response, draft.response_id)
        if existing is not None:
            return existing
    prepared = prepare_submission(draft, survey)
    written = write_submission(prepared, check_unchanged=False)
    if isinstance(written, Response):
        return written
    response_id, reference = written
    # the row just written, as the ORM would have loaded it (no query)
    response = Response(id=response_id, reference=reference, **prepared.response)
    make_transient_to_detached(response)
    db.session.add(response)
    return response


def prepare_submission(draft: Draft | DraftRow, survey: Survey) -> Submission:
    """The rows :func:`write_submission` writes for the draft, from the answers it holds,
    checked again (the survey may have changed since they were given). Reads nothing.

    Raises :class:`SurveyClosed` or :class:`Incomplete`."""
    if not is_open(survey):
        raise SurveyClosed()
    answers = logic.relevant_answers(survey.sections, draft.answers or {})
    missing = missing_required(survey, answers)
    if missing:
        raise Incomplete(missing)
    by_key = {q.key: q for q in ordered_questions(survey)}
    profile = _profile_values(survey, draft)
    groups = group_values({"forum_id": draft.forum_id, "channel": draft.channel}, profile)
    rows = []
    for key, value in answers.items():
        question = by_key.get(key)
        if question is None:
            continue
        # stored answers are re-checked: the survey may have changed since they were given
        try:
            value = values.parse(question, value if isinstance(value, list) else str(value))
        except values.Problem:
            continue
        for columns in values.columns(question, value):
            rows.append({"response_id": None, "question_id": question.id, **columns, **groups})
    response = {
        "survey_id": survey.id,
        "submission_key": draft.token_hash,
        "channel": draft.channel,
        "locale": draft.locale,
        "forum_id": draft.forum_id,
        "entered_by_id": draft.entered_by_id,
        "submitted_at": utcnow(),
    }
    return Submission(draft=draft, response=response, answers=rows, profile=profile)


#: {(dialect name, checked): UPDATE of the submitted draft}
_draft_updates: dict[tuple, Any] = {}


def _draft_update(dialect: str, check_unchanged: bool):
    key = (dialect, check_unchanged)
    statement = _draft_updates.get(key)
    if statement is None:
        drafts = Draft.__table__
        statement = (
            drafts.update()
            .where(drafts.c.id == bindparam("draft_id"), drafts.c.response_id.is_(None))
            .values(
                response_id=bindparam("response_id"),
                reference=bindparam("reference"),
                answers=bindparam("answers", type_=drafts.c.answers.type),
                profile=bindparam("profile", type_=drafts.c.profile.type),
                updated_at=bindparam("now", type_=drafts.c.updated_at.type),
            )
        )
        if check_unchanged:
            statement = statement.where(drafts.c.updated_at == bindparam("seen"))
        _draft_updates[key] = statement
    return statement


def write_submission(
    prepared: Submission, *, check_unchanged: bool = True, apart: bool = False
) -> tuple[int, str] | Response:
    """Write the response, its answers and profile, and mark the draft submitted, in the
    session's transaction: the new response's (id, reference); or, when the same draft
    was submitted at the same moment elsewhere, that response.

    With ``check_unchanged``, the draft must still be as it was read (its
    ``updated_at``) and not submitted: else :class:`DraftChanged` is raised and the
    caller rolls back and reads it again. (On PostgreSQL it is raised, nothing written,
    also for a draft that is gone.)

    On PostgreSQL it is one statement (:func:`_write_postgresql`); ``apart`` (for a
    request that has written nothing else), that statement is its own transaction, on a
    connection of its own (engage.reads.one_statement): no BEGIN and COMMIT round trips,
    and the caller's commit has nothing left to do.

    A question or option deleted since the survey was read raises :class:`SurveyChanged`
    (a DraftChanged: the caller rolls back and reads both again), nothing written."""
    try:
        return _write_submission(prepared, check_unchanged, apart)
    except Exception as error:
        if _foreign_key_failed(error):
            raise SurveyChanged() from error
        raise


def _write_submission(prepared: Submission, check_unchanged: bool, apart: bool):
    draft = prepared.draft
    now = utcnow()
    check = check_unchanged and draft.updated_at is not None
    if db.engine.dialect.name == "postgresql":
        written = _write_postgresql(prepared, now, check, apart=apart)
        if written is None:
            raise DraftChanged()
        if isinstance(written, Response):
            return written
        response_id, reference = written
    else:
        connection = db.session.connection()
        written = _insert_response(**prepared.response)
        if isinstance(written, Response):
            return written  # the same draft was submitted at the same moment elsewhere
        response_id, reference = written
        updated = connection.execute(
            _draft_update(connection.dialect.name, check),
            {
                "draft_id": draft.id,
                "response_id": response_id,
                "reference": reference,
                # the answers now live in the response: the draft keeps only what finds
                # it again
                "answers": {},
                "profile": {},
                "now": now,
                "seen": draft.updated_at,
            },
        ).rowcount
        if updated != 1 and check_unchanged:
            raise DraftChanged()  # before the inserts: the caller rolls back
        rows = prepared.answers
        for row in rows:
            row["response_id"] = response_id
        if rows:
            connection.execute(Answer.__table__.insert(), rows)
        if prepared.profile:
            connection.execute(
                Profile.__table__.insert(), {"response_id": response_id, **prepared.profile}
            )
    changed = {
        "response_id": response_id,
        "reference": reference,
        "answers": {},
        "profile": {},
        "updated_at": now,
    }
    for name, value in changed.items():
        if isinstance(draft, Draft):
            set_committed_value(draft, name, value)  # as written: nothing more to flush
        else:
            setattr(draft, name, value)
    return response_id, reference


def _write_postgresql(
    prepared: Submission, now: datetime, check: bool, *, apart: bool
) -> tuple[int, str] | Response | None:
    """On PostgreSQL, everything a submission writes in one statement (the response, the
    draft marked submitted, the answers as arrays unnested, the profile): the new
    response's (id, reference); or, when the same draft was submitted at the same
    moment elsewhere, that response; or None when the draft is no longer as it was read
    (with ``check``) or was submitted, and nothing was written.

    One statement is one round trip, against four with BEGIN and COMMIT
    (bench/submit_survey.py: 188-210 -> 270-302 submits a second). It locks the draft
    first and writes only if the draft is still as read, so that in autocommit
    (``apart``) a draft changed meanwhile leaves nothing written. When the response's
    INSERT skips its row (a unique constraint: ON CONFLICT DO NOTHING), the rest writes
    nothing either, and the reference is tried again as in :func:`_insert_response`."""
    draft = prepared.draft
    answer_keys = (
        tuple(k for k in prepared.answers[0] if k != "response_id") if prepared.answers else ()
    )
    dialect = db.engine.dialect
    write = _postgresql_write(
        dialect, tuple(prepared.response), answer_keys, tuple(sorted(prepared.profile)), check
    )
    apart = apart and _apart_possible()
    params = {
        "draft_id": draft.id,
        "d_now": now,
        "d_seen": draft.updated_at,
        **{f"r_{k}": v for k, v in prepared.response.items()},
        **{f"p_{k}": v for k, v in prepared.profile.items()},
    }
    for key in answer_keys:
        params[f"a_{key}"] = [row[key] for row in prepared.answers]
    key = prepared.response.get("submission_key")
    for _attempt in range(REFERENCE_ATTEMPTS):
        reference = new_reference()
        params["r_reference"] = params["d_reference"] = reference
        if apart:
            row = reads.one_statement(db.engine, write.sql, write.bind(params))
        else:
            row = db.session.connection().exec_driver_sql(write.sql, write.bind(params)).first()
        response_id, found = row
        if response_id is not None:
            return response_id, reference
        if key is not None:
            existing = db.session.scalar(select(Response).where(Response.submission_key == key))
            if existing is not None:
                return existing  # the same draft, submitted at the same moment elsewhere
        if not found:
            return None  # changed or submitted since it was read: nothing written
    raise RuntimeError("no unused response reference was found")


@dataclass(frozen=True)
class _Statement:
    """SQL for the driver, with what SQLAlchemy would do to each value first (an enum
    to its stored value, a datetime to UTC)."""

    sql: str
    #: {parameter: (the column type's bind processor, over a list of values?)}
    processors: dict[str, tuple[Any, bool]]

    def bind(self, params: dict[str, Any]) -> dict[str, Any]:
        bound = dict(params)
        for name, (process, each) in self.processors.items():
            if name in bound:
                value = bound[name]
                bound[name] = [process(v) for v in value] if each else process(value)
        return bound


#: {(response columns, answer columns, profile columns, checked): _Statement}
_postgresql_writes: dict[tuple, _Statement] = {}


def _postgresql_write(
    dialect, response_keys: tuple, answer_keys: tuple, profile_keys: tuple, check: bool
) -> _Statement:
    """The statement of :func:`_write_postgresql`, made once for each set of columns.

    Only names from the metadata go into the SQL (``param`` looks each key up as a
    column of its table, which raises for any other); every value is a parameter."""
    cache_key = (response_keys, answer_keys, profile_keys, check)
    statement = _postgresql_writes.get(cache_key)
    if statement is not None:
        return statement
    processors: dict[str, tuple[Any, bool]] = {}

    def param(name: str, column, each: bool = False) -> str:
        process = column.type.bind_processor(dialect)
        if process is not None:
            processors[name] = (process, each)
        return f"%({name})s::{column.type.compile(dialect=dialect)}{'[]' if each else ''}"

    responses, answers = Response.__table__, Answer.__table__
    profiles, drafts = Profile.__table__, Draft.__table__
    # g: the draft, locked, if it is still as it was read and not submitted (a draft
    # changed meanwhile is seen as it now is once its writer commits): without it,
    # nothing is written, for a statement in autocommit cannot be rolled back after
    where = "id = %(draft_id)s AND response_id IS NULL"
    if check:
        where += f" AND updated_at = {param('d_seen', drafts.c.updated_at)}"
    parts = [f"WITH g AS (SELECT id FROM {drafts.name} WHERE {where} FOR UPDATE)"]  # noqa: S608
    columns = (*response_keys, "reference")
    values = ", ".join(param(f"r_{k}", responses.c[k]) for k in columns)
    parts.append(
        f"r AS (INSERT INTO {responses.name} ({', '.join(columns)}) SELECT {values} FROM g"  # noqa: S608
        " ON CONFLICT DO NOTHING RETURNING id)"
    )
    sets = ", ".join(
        [
            "response_id = r.id",
            f"reference = {param('d_reference', drafts.c.reference)}",
            # the answers now live in the response: the draft keeps only what finds it again
            "answers = '{}', profile = '{}'",
            f"updated_at = {param('d_now', drafts.c.updated_at)}",
        ]
    )
    parts.append(
        f"d AS (UPDATE {drafts.name} SET {sets} FROM r WHERE {drafts.name}.id = %(draft_id)s)"  # noqa: S608
    )
    if answer_keys:
        arrays = ", ".join(param(f"a_{k}", answers.c[k], each=True) for k in answer_keys)
        parts.append(
            f"a AS (INSERT INTO {answers.name} (response_id, {', '.join(answer_keys)})"  # noqa: S608
            f" SELECT r.id, u.* FROM r, unnest({arrays}) AS u)"
        )
    if profile_keys:
        values = ", ".join(param(f"p_{k}", profiles.c[k]) for k in profile_keys)
        parts.append(
            f"p AS (INSERT INTO {profiles.name} (response_id, {', '.join(profile_keys)})"  # noqa: S608
            f" SELECT r.id, {values} FROM r)"
        )
    # always one row: the new response's id (NULL when a unique constraint skipped it),
    # and whether the draft was found as read
    sql = ",\n".join(parts) + "\nSELECT (SELECT id FROM r), (SELECT count(*) FROM g)"  # noqa: S608
    statement = _postgresql_writes[cache_key] = _Statement(sql, processors)
    return statement


def _profile_values(survey: Survey, draft: Draft) -> dict[str, str]:
    if not draft.monitoring_consent:
        return {}
    asked = set(monitoring_keys(survey))
    result = {}
    for key, value in (draft.profile or {}).items():
        if key in asked and key in DIMENSION_BY_KEY and value not in (None, ""):
            result[key] = value
    return result


#: new references tried before giving up (two of 32**10 colliding is already unlikely)
REFERENCE_ATTEMPTS = 5


def _insert_response(**columns: Any) -> tuple[int, str] | Response:
    """The new response row's (id, reference), with a new random reference; or, when the
    draft was submitted at the same moment elsewhere, that response.

    The unique constraints decide, so nothing is read first: on SQLite and PostgreSQL
    the INSERT (Core, built once) skips a row that would break one (ON CONFLICT DO
    NOTHING) and returns the new id; elsewhere a failed INSERT rolls back its SAVEPOINT.
    Then the response with the draft's submission key is the answer if there is one,
    else the reference was taken and another is tried."""
    key = columns.get("submission_key")
    connection = db.session.connection()
    insert = _response_insert(connection.dialect.name)
    for _attempt in range(REFERENCE_ATTEMPTS):
        reference = new_reference()
        if insert is not None:
            row = connection.execute(insert, {"reference": reference, **columns}).first()
            if row is not None:
                return row[0], reference
        else:
            response = Response(reference=reference, **columns)
            try:
                with db.session.begin_nested():
                    db.session.add(response)
            except IntegrityError:
                pass
            else:
                return response.id, reference
        if key is not None:
            existing = db.session.scalar(select(Response).where(Response.submission_key == key))
            if existing is not None:
                return existing
    raise RuntimeError("no unused response reference was found")


#: {dialect name: INSERT INTO responses ... ON CONFLICT DO NOTHING RETURNING id}
_response_inserts: dict[str, Any] = {}


def _response_insert(dialect: str):
    """The dialect's INSERT of a response that skips a conflicting row and returns the
    new id, or None where there is no such INSERT."""
    statement = _response_inserts.get(dialect)
    if statement is None:
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        elif dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            return None
        table = Response.__table__
        statement = insert(table).on_conflict_do_nothing().returning(table.c.id)
        _response_inserts[dialect] = statement
    return statement


# Withdrawal -----------------------------------------------------------------------------


def find_by_reference(reference: str) -> Response | None:
    cleaned = normalise_reference(reference)
    if len(cleaned) != REFERENCE_LENGTH:
        return None
    return db.session.scalar(select(Response).where(Response.reference == cleaned))


def withdraw(response: Response, *, requested_by: str = "respondent") -> None:
    """Erase the response, its answers and its monitoring answers; log only that it
    happened (the survey and when), never what it said."""
    survey_id = response.survey_id
    db.session.execute(delete(Answer).where(Answer.response_id == response.id))
    db.session.execute(delete(Profile).where(Profile.response_id == response.id))
    db.session.delete(response)
    db.session.add(Erasure(survey_id=survey_id, requested_by=requested_by))
    db.session.flush()
    log.info("a response to survey %s was withdrawn by the %s", survey_id, requested_by)
