"""Authoring operations beyond :mod:`engage.consultations.service`: editing consultations,
questions, sections, survey settings and translations. Each takes plain values, changes
the session, flushes, and never commits. Messages of :class:`SurveyError` are shown to
the author, in the page's language."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from engage.accounts.models import Organisation
from engage.communities.categories import DIMENSIONS
from engage.communities.population import find_baseline
from engage.consultations import logic, service
from engage.consultations.models import (
    CHOICE_TYPES,
    Consultation,
    Option,
    Question,
    QuestionType,
    Section,
    ServiceArea,
    Stage,
    Survey,
)
from engage.consultations.service import SurveyError
from engage.consultations.texts import SOURCE_LOCALE, completeness, translatable_texts
from engage.extensions import db
from engage.i18n import _, languages

#: types whose answers the author lists (Likert and FFT answers are standard)
EDITABLE_OPTION_TYPES = frozenset({QuestionType.single_choice, QuestionType.multiple_choice})
NUMERIC_TYPES = frozenset({QuestionType.number, QuestionType.scale})
#: the comparisons the builder's show-if editor offers (engage.consultations.logic has them)
CONDITION_OPS = ("eq", "ne", "selected", "gt", "lt", "answered")
#: types the builder offers (notes come from XLSForm imports; the builder edits them too)
BUILDER_TYPES = [t for t in QuestionType if t != QuestionType.note]


# Consultations ---------------------------------------------------------------------


def editable_consultations(user: Any) -> list[Consultation]:
    """The consultations this user may edit, newest first."""
    from engage.accounts.permissions import AUTHOR_ROLES

    query = (
        select(Consultation)
        .options(selectinload(Consultation.surveys), selectinload(Consultation.organisation))
        .order_by(Consultation.created_at.desc(), Consultation.id.desc())
    )
    if not user.is_admin:
        org_ids = [m.organisation_id for m in user.memberships if m.role in AUTHOR_ROLES]
        if not org_ids:
            return []
        query = query.where(Consultation.organisation_id.in_(org_ids))
    return list(db.session.scalars(query))


def with_english(texts: Mapping[str, str] | None, value: str) -> dict[str, str]:
    """``texts`` with its English replaced by ``value`` (other languages kept)."""
    result = {k: v for k, v in (texts or {}).items() if k != SOURCE_LOCALE}
    if value and value.strip():
        result[SOURCE_LOCALE] = value.strip()
    return result


def update_consultation(
    consultation: Consultation,
    *,
    actor: Any,
    organisation: Organisation,
    title: str,
    summary: str = "",
    body: str = "",
    service_area: ServiceArea | str,
    stage: Stage | str,
    opens_on: date | None,
    closes_on: date | None,
    languages: Iterable[str],
    target_communities: Iterable[str] = (),
    area_code: str | None = None,
) -> Consultation:
    if not (title or "").strip():
        raise SurveyError(_("Enter a title"))
    if opens_on and closes_on and closes_on < opens_on:
        raise SurveyError(_("The closing date must be on or after the opening date"))
    try:
        chosen = service.check_languages(languages)
    except SurveyError:
        raise SurveyError(_("Select only languages this site offers")) from None
    consultation.organisation_id = organisation.id
    consultation.title = with_english(consultation.title, title)
    consultation.summary = with_english(consultation.summary, summary)
    consultation.body = with_english(consultation.body, body)
    consultation.service_area = ServiceArea(service_area)
    consultation.stage = Stage(stage)
    consultation.opens_on = opens_on
    consultation.closes_on = closes_on
    consultation.languages = chosen
    consultation.target_communities = list(target_communities)
    set_area(consultation, area_code)
    return consultation


def set_area(consultation: Consultation, area_code: str | None) -> Consultation:
    """Compare the consultation's respondents with the population of this area (a
    population baseline's code); None or "": no area, chosen on the results page."""
    if area_code and find_baseline(area_code) is None:
        raise SurveyError(_("Select an area from the list"))
    consultation.area_code = area_code.strip() if area_code else None
    db.session.flush()
    return consultation


def publishing_warnings(consultation: Consultation) -> list[str]:
    """What an author should know before opening: untranslated languages, surveys
    without questions, questions that cannot work as set."""
    warnings: list[str] = []
    if not consultation.surveys:
        warnings.append(_("This consultation has no survey yet."))
    for survey in consultation.surveys:
        warnings.extend(no_questions(survey))
        warnings.extend(translation_warnings(survey))
        warnings.extend(question_problems(survey))
    return warnings


def _survey_title(survey: Survey) -> str:
    return survey.title.get(SOURCE_LOCALE) or survey.slug


def no_questions(survey: Survey) -> list[str]:
    """The warning for a survey with nothing to answer, if it has none."""
    questions = service.ordered_questions(survey)
    if [q for q in questions if q.type != QuestionType.note]:
        return []
    return [_("The survey “%(survey)s” has no questions.", survey=_survey_title(survey))]


def translation_warnings(survey: Survey, *, own: bool = False) -> list[str]:
    """A warning for each of the consultation's languages the survey's texts are not all
    translated into (``own``: its own texts, not its consultation's)."""
    names = languages()
    locales = survey.consultation.languages
    figures = completeness(survey, locales, own=own)
    warnings = []
    for locale in locales:
        done, total = figures[locale]
        if locale != SOURCE_LOCALE and total and done < total:
            warnings.append(
                _(
                    "The survey “%(survey)s” is %(percent)s%% translated into %(language)s: "
                    "%(missing)s texts will show in English.",
                    survey=_survey_title(survey),
                    percent=percent(done, total),
                    language=names.get(locale, locale),
                    missing=total - done,
                )
            )
    return warnings


def question_problems(survey: Survey) -> list[str]:
    problems = []
    seen: dict[str, Question] = {}
    for question in service.ordered_questions(survey):
        if question.type in CHOICE_TYPES and not question.options:
            problems.append(_("The question %(key)s has no answers to choose.", key=question.key))
        for key in logic.keys_in(question.show_if):
            if key not in seen:
                problems.append(
                    _(
                        "The question %(key)s is shown only depending on %(other)s, "
                        "which is not an earlier question.",
                        key=question.key,
                        other=key,
                    )
                )
        for cond in _comparisons(question.show_if):
            source = seen.get(cond.get("q"))
            if (
                source is not None
                and source.type in CHOICE_TYPES
                and cond.get("op") in {"eq", "ne", "selected"}
                and str(cond.get("value")) not in {o.code for o in source.options}
            ):
                problems.append(
                    _(
                        "The condition of %(key)s reads the answer %(code)s, which %(other)s "
                        "does not have.",
                        key=question.key,
                        code=cond.get("value"),
                        other=source.key,
                    )
                )
        seen[question.key] = question
    return problems


def _comparisons(condition: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    if not condition:
        return []
    if "all" in condition or "any" in condition:
        parts = condition.get("all") or condition.get("any") or []
        return [c for part in parts for c in _comparisons(part)]
    if "not" in condition:
        return _comparisons(condition["not"])
    return [condition]


def percent(done: int, total: int) -> int:
    """Whole per cent, rounded down so that 100 means every text."""
    return 100 if not total else (done * 100) // total


# Responses lock keys and codes -----------------------------------------------------


def response_count(survey: Survey) -> int:
    from engage.responses.models import Response

    return db.session.scalar(
        select(func.count()).select_from(Response).where(Response.survey_id == survey.id)
    )


def answer_count(question: Question) -> int:
    from engage.responses.models import Answer

    return db.session.scalar(
        select(func.count()).select_from(Answer).where(Answer.question_id == question.id)
    )


def answered_question_ids(survey: Survey) -> set[int]:
    from engage.responses.models import Answer

    ids = [q.id for q in survey.questions]
    if not ids:
        return set()
    return set(
        db.session.scalars(select(Answer.question_id).where(Answer.question_id.in_(ids)).distinct())
    )


def answered_option_ids(question: Question) -> set[int]:
    from engage.responses.models import Answer

    ids = [o.id for o in question.options if o.id is not None]
    if not ids:
        return set()
    return set(
        db.session.scalars(select(Answer.option_id).where(Answer.option_id.in_(ids)).distinct())
    )


# Questions -------------------------------------------------------------------------

_LINE_RE = re.compile(r"^\s*([A-Za-z0-9_.-]{1,64})\s*:\s*(.+?)\s*$")


def parse_options(text: str) -> list[tuple[str, str]]:
    """``code: words`` a line (a line without a code gets one made from its words)."""
    rows: list[tuple[str, str]] = []
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE_RE.match(line)
        if match:
            code, words = match.group(1), match.group(2)
        else:
            words = line.strip()
            code = service.slugify(words, max_length=40).replace("-", "_")
            if code == "consultation":  # slugify's answer for words without letters
                code = f"option_{number}"
        if len(words) > 1000:
            raise SurveyError(_("Line %(line)s: the answer is too long.", line=number))
        if any(code == c for c, _w in rows):
            raise SurveyError(
                _("Line %(line)s: the code %(code)s is there twice.", line=number, code=code)
            )
        rows.append((code, words))
    return rows


def format_options(question: Question) -> str:
    return "\n".join(f"{o.code}: {o.label.get(SOURCE_LOCALE, '')}" for o in question.options)


def questions_before(survey: Survey, section: Section, question: Question | None = None):
    """The questions a question at the end of ``section`` (or ``question`` where it
    stands) comes after."""
    result = []
    for s in survey.sections:
        for q in s.questions:
            if question is not None and q is question:
                return result
            result.append(q)
        if question is None and s is section:
            return result
    return result


def build_condition(
    before: list[Question], key: str | None, op: str | None, value: str | None
) -> dict[str, Any] | None:
    """A show-if condition from the builder's editor, or None for "always".

    One earlier question compared with a value: is, is not, includes (a multiple choice),
    is more than or less than (a number or the 0-10 scale), or is answered at all. For a
    choice question several codes may be given, separated by commas: "is" any of them,
    "includes" any of them, "is not" none of them."""
    if not key:
        return None
    source = next((q for q in before if q.key == key), None)
    if source is None:
        raise SurveyError(
            _("A question can only depend on an earlier question: %(key)s is not.", key=key)
        )
    if source.type == QuestionType.note:
        raise SurveyError(_("%(key)s is information with no answer.", key=key))
    if op not in CONDITION_OPS:
        raise SurveyError(_("Choose how the answer is compared."))
    if op == "answered":
        return {"q": key, "op": "answered"}
    if op == "selected" and source.type != QuestionType.multiple_choice:
        raise SurveyError(_("“Includes” is for multiple-choice questions; use “is”."))
    if op in {"gt", "lt"} and source.type not in NUMERIC_TYPES:
        raise SurveyError(
            _("“More than” and “less than” are for questions answered with a number.")
        )
    value = (value or "").strip()
    if not value:
        raise SurveyError(_("Enter the answer code or value the condition compares with."))
    if source.type in CHOICE_TYPES:
        codes = [o.code for o in source.options]
        chosen = list(dict.fromkeys(c.strip() for c in value.split(",") if c.strip()))
        for code in chosen:
            if code not in codes:
                raise SurveyError(
                    _(
                        "%(value)s is not an answer code of %(key)s. Its codes are: %(codes)s.",
                        value=code,
                        key=key,
                        codes=", ".join(codes),
                    )
                )
        each = [{"q": key, "op": op, "value": code} for code in chosen]
        if len(each) == 1:
            return each[0]
        return {"all": each} if op == "ne" else {"any": each}
    if source.type in NUMERIC_TYPES:
        try:
            number = float(value)
        except ValueError:
            raise SurveyError(_("%(key)s is answered with a number: enter one.", key=key)) from None
        return {"q": key, "op": op, "value": int(number) if number.is_integer() else number}
    return {"q": key, "op": op, "value": value}


def simple_condition(condition: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The condition as the builder's editor shows it ({"q", "op", "value"}, several codes
    joined by ", "), if the editor can show it; None otherwise."""
    if not condition:
        return None
    if set(condition) == {"q", "op"} and condition.get("op") == "answered":
        return {"q": condition["q"], "op": "answered", "value": ""}
    if set(condition) == {"q", "op", "value"} and condition.get("op") in CONDITION_OPS:
        return dict(condition)
    group, joined_op = ("any", {"eq", "selected"}) if "any" in condition else ("all", {"ne"})
    parts = condition.get(group) if set(condition) == {group} else None
    comparisons = {"q", "op", "value"}
    if not parts or not all(isinstance(p, Mapping) and set(p) == comparisons for p in parts):
        return None
    keys, ops = {p["q"] for p in parts}, {p["op"] for p in parts}
    if len(keys) != 1 or len(ops) != 1 or not ops <= joined_op:
        return None
    return {
        "q": parts[0]["q"],
        "op": parts[0]["op"],
        "value": ", ".join(str(p["value"]) for p in parts),
    }


def number_settings(minimum: str | None, maximum: str | None, integer: bool) -> dict[str, Any]:
    settings: dict[str, Any] = {"integer": bool(integer)}
    for name, value in (("min", minimum), ("max", maximum)):
        if value not in (None, ""):
            number = float(value)
            settings[name] = int(number) if number.is_integer() else number
    if "min" in settings and "max" in settings and settings["max"] < settings["min"]:
        raise SurveyError(_("The largest number must not be smaller than the smallest."))
    return settings


def create_question(
    survey: Survey,
    *,
    type: QuestionType | str,
    key: str,
    label: str,
    hint: str = "",
    required: bool = False,
    section: Section,
    options: list[tuple[str, str]] | None = None,
    settings: Mapping[str, Any] | None = None,
    condition: tuple[str | None, str | None, str | None] = (None, None, None),
) -> Question:
    type_ = QuestionType(type)
    _check_key(survey, key)
    show_if = build_condition(questions_before(survey, section), *condition)
    if type_ in EDITABLE_OPTION_TYPES:
        if not options:
            raise SurveyError(_("Add at least one answer to choose from."))
        _check_codes(options)
    else:
        options = None
    return service.add_question(
        survey,
        key=key,
        type=type_,
        label=label,
        hint=hint,
        required=required,
        section=section,
        options=options,
        show_if=show_if,
        settings=settings,
    )


def update_question(
    question: Question,
    *,
    key: str,
    label: str,
    hint: str = "",
    required: bool = False,
    section: Section,
    options: list[tuple[str, str]] | None = None,
    settings: Mapping[str, Any] | None = None,
    condition: tuple[str | None, str | None, str | None] | None = None,
    remove_condition: bool = False,
) -> Question:
    """Change a question. ``condition`` None keeps a condition the simple editor cannot
    show; ``remove_condition`` drops it."""
    survey = question.survey
    locked = response_count(survey) > 0
    if key != question.key:
        if locked:
            raise SurveyError(_("The key cannot change: this survey has responses."))
        _check_key(survey, key, current=question)
    if question.type == QuestionType.fft and not label.strip():
        label = question.label.get(SOURCE_LOCALE, "")
    if not label.strip():
        raise SurveyError(_("Enter the question"))
    if question.type in EDITABLE_OPTION_TYPES:
        if not options:
            raise SurveyError(_("Add at least one answer to choose from."))
        _check_codes(options)
        _update_options(question, options, locked=locked)
    if section is not question.section:
        old = question.section
        question.section = section
        question.position = (
            max((q.position for q in section.questions if q is not question), default=-1) + 1
        )
        _renumber(old)
        _renumber(section)
    if remove_condition:
        question.show_if = None
    elif condition is not None:
        before = questions_before(survey, section, question)
        question.show_if = build_condition(before, *condition)
    if key != question.key:
        old_key = question.key
        question.key = key
        for other in survey.questions:
            if other is not question and other.show_if:
                other.show_if = _rename(other.show_if, old_key, key)
    question.label = with_english(question.label, label)
    question.hint = with_english(question.hint, hint)
    question.required = bool(required) and question.type != QuestionType.note
    if settings is not None:
        question.settings = {**(question.settings or {}), **settings}
    _check_order(survey)
    db.session.flush()
    return question


def _check_key(survey: Survey, key: str, *, current: Question | None = None) -> None:
    if not service.KEY_RE.match(key or ""):
        raise SurveyError(
            _("A key is letters, digits and underscores, starting with a letter, like visit_type.")
        )
    if key in service.RESERVED_KEYS or "__" in key:
        raise SurveyError(_("%(key)s is kept for another use: choose another key.", key=key))
    if any(q.key == key and q is not current for q in survey.questions):
        raise SurveyError(_("There is already a question with the key %(key)s.", key=key))


def _check_codes(options: list[tuple[str, str]]) -> None:
    for code, words in options:
        if not service.CODE_RE.match(code):
            raise SurveyError(
                _("%(code)s is not an answer code: use letters, digits, _ . and -", code=code)
            )
        if not words.strip():
            raise SurveyError(_("The answer %(code)s needs its words.", code=code))


def _update_options(question: Question, rows: list[tuple[str, str]], *, locked: bool) -> None:
    by_code = {o.code: o for o in question.options}
    wanted = [code for code, _w in rows]
    removed = [o for o in question.options if o.code not in wanted]
    if removed:
        _lock_against_answers(Option, [o.id for o in removed if o.id is not None])
        answered = answered_option_ids(question)
        for option in removed:
            if option.id in answered:
                raise SurveyError(
                    _(
                        "The answer %(code)s has been chosen in responses: it cannot be removed "
                        "or have its code changed.",
                        code=option.code,
                    )
                )
    for option in removed:
        question.options.remove(option)
        db.session.delete(option)
    db.session.flush()
    for position, (code, words) in enumerate(rows):
        option = by_code.get(code)
        if option is None:
            service.add_option(question, code=code, label={SOURCE_LOCALE: words}, position=position)
        else:
            option.position = position
            option.label = with_english(option.label, words)
    question.options.sort(key=lambda o: o.position)


def _rename(condition: Any, old: str, new: str) -> Any:
    if isinstance(condition, dict):
        return {
            k: (new if k == "q" and v == old else _rename(v, old, new))
            for k, v in condition.items()
        }
    if isinstance(condition, list):
        return [_rename(c, old, new) for c in condition]
    return condition


def _renumber(section: Section) -> None:
    section.questions.sort(key=lambda q: q.position)
    for position, question in enumerate(section.questions):
        question.position = position


def _check_order(survey: Survey) -> None:
    """Every condition reads only questions before it."""
    seen: set[str] = set()
    for section in survey.sections:
        section.questions.sort(key=lambda q: q.position)
        for question in section.questions:
            for key in logic.keys_in(question.show_if):
                if key not in seen:
                    raise SurveyError(
                        _(
                            "%(key)s is shown depending on %(other)s, so it must come after it.",
                            key=question.key,
                            other=key,
                        )
                    )
            seen.add(question.key)


def move_question(question: Question, direction: str) -> None:
    """One place up or down; past the top or bottom of its section, into the next one."""
    survey = question.survey
    section = question.section
    _renumber(section)
    siblings = section.questions
    index = siblings.index(question)
    sections = list(survey.sections)
    s_index = sections.index(section)
    if direction == "up":
        if index > 0:
            other = siblings[index - 1]
            other.position, question.position = question.position, other.position
        elif s_index > 0:
            target = sections[s_index - 1]
            question.section = target
            question.position = (
                max((q.position for q in target.questions if q is not question), default=-1) + 1
            )
        else:
            raise SurveyError(_("This is already the first question."))
    elif direction == "down":
        if index < len(siblings) - 1:
            other = siblings[index + 1]
            other.position, question.position = question.position, other.position
        elif s_index < len(sections) - 1:
            target = sections[s_index + 1]
            question.section = target
            question.position = (
                min((q.position for q in target.questions if q is not question), default=1) - 1
            )
        else:
            raise SurveyError(_("This is already the last question."))
    else:
        raise SurveyError(_("Choose up or down."))
    for s in sections:
        _renumber(s)
    _check_order(survey)
    db.session.flush()


def _lock_against_answers(table, ids: list[int]) -> None:
    """Lock question or option rows until the transaction ends, before counting their
    answers and deleting them: on PostgreSQL, a submit writing an answer to one of them
    waits for this (its foreign key check locks the row), and answers committed before
    the lock are seen by the count. Without it an answer sent between the count and the
    delete would be deleted with its question. (SQLite: the write lock, taken at the
    transaction's start, does the same.)"""
    if ids:
        locked = select(table.id).where(table.id.in_(ids)).order_by(table.id)
        db.session.execute(locked.with_for_update())  # in one order: two authors never deadlock


def delete_question(question: Question) -> None:
    survey = question.survey
    _lock_against_answers(Question, [question.id])
    if answer_count(question):
        raise SurveyError(_("This question has answers in responses: it cannot be deleted."))
    for other in survey.questions:
        if other is not question and question.key in logic.keys_in(other.show_if):
            raise SurveyError(
                _(
                    "%(other)s is shown depending on this question: change its condition first.",
                    other=other.key,
                )
            )
    section = question.section
    section.questions.remove(question)
    if question in survey.questions:
        survey.questions.remove(question)
    db.session.delete(question)
    _renumber(section)
    db.session.flush()


# Sections and survey settings --------------------------------------------------------


def rename_section(section: Section, title: str) -> Section:
    section.title = with_english(section.title, title)
    db.session.flush()
    return section


def update_settings(
    survey: Survey,
    *,
    title: str,
    intro: str = "",
    consent_text: str = "",
    monitoring_enabled: bool = True,
    monitoring_keys: Iterable[str] = (),
) -> Survey:
    if not (title or "").strip():
        raise SurveyError(_("Enter a title"))
    chosen = set(monitoring_keys)
    unknown = chosen - {d.key for d in DIMENSIONS}
    if unknown:
        raise SurveyError(_("Select only the options shown"))
    if "ethnic_group" in chosen:
        chosen.add("ethnic_group_other")
    else:
        chosen.discard("ethnic_group_other")
    survey.title = with_english(survey.title, title)
    survey.intro = with_english(survey.intro, intro)
    survey.consent_text = with_english(survey.consent_text, consent_text)
    survey.monitoring_enabled = bool(monitoring_enabled)
    survey.monitoring_keys = [d.key for d in DIMENSIONS if d.key in chosen]
    db.session.flush()
    return survey


# Translations ---------------------------------------------------------------------


def _slots(survey: Survey) -> dict[str, tuple[Any, str, str | None]]:
    """Text id -> (row, attribute, settings key) for every text a respondent may see."""
    consultation = survey.consultation
    slots: dict[str, tuple[Any, str, str | None]] = {
        "consultation.title": (consultation, "title", None),
        "consultation.summary": (consultation, "summary", None),
        "consultation.body": (consultation, "body", None),
        "survey.title": (survey, "title", None),
        "survey.intro": (survey, "intro", None),
        "survey.consent_text": (survey, "consent_text", None),
    }
    for section in survey.sections:
        slots[f"section.{section.position}.title"] = (section, "title", None)
        for q in section.questions:
            slots[f"{q.key}.label"] = (q, "label", None)
            slots[f"{q.key}.hint"] = (q, "hint", None)
            slots[f"{q.key}.min_label"] = (q, "settings", "min_label")
            slots[f"{q.key}.max_label"] = (q, "settings", "max_label")
            for option in q.options:
                slots[f"{q.key}.option.{option.code}"] = (option, "label", None)
    return slots


def set_translations(survey: Survey, locale: str, values: Mapping[str, str]) -> int:
    """Set the ``locale`` text of each id in ``values`` (an empty value removes it).
    Ids a respondent does not see are ignored. Returns how many texts changed."""
    if locale == SOURCE_LOCALE or locale not in survey.consultation.languages:
        raise SurveyError(_("This survey is not offered in that language."))
    known = {text_id for text_id, _what, _texts in translatable_texts(survey)}
    slots = _slots(survey)
    changed = 0
    for text_id, value in values.items():
        if text_id not in known or text_id not in slots:
            continue
        row, attribute, sub = slots[text_id]
        value = (value or "").strip()
        if sub is None:
            texts = dict(getattr(row, attribute) or {})
        else:
            texts = dict((getattr(row, attribute) or {}).get(sub) or {})
        if (texts.get(locale) or "") == value:
            continue
        if value:
            texts[locale] = value
        else:
            texts.pop(locale, None)
        if sub is None:
            setattr(row, attribute, texts)
        else:
            setattr(row, attribute, {**(getattr(row, attribute) or {}), sub: texts})
        changed += 1
    db.session.flush()
    return changed
