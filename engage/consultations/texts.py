"""Translatable texts that people typed: a mapping locale -> text on the row.

A missing translation falls back to English (the survey's source language) and is
marked, so that a preview can show the analyst what is still to translate.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from markupsafe import Markup, escape

SOURCE_LOCALE = "en"


@dataclass(frozen=True)
class Text:
    """A text in one language; ``fallback`` is true when it is the English instead."""

    text: str
    locale: str
    fallback: bool = False

    def __str__(self) -> str:
        return self.text

    def __bool__(self) -> bool:
        return bool(self.text)

    def __html__(self) -> Markup:
        """In a template: the text, marked with its own language when it fell back."""
        if self.fallback and self.text:
            return Markup('<span lang="{}" dir="ltr" class="engage-fallback">{}</span>').format(
                self.locale, self.text
            )
        return escape(self.text)


def text_in(texts: Mapping[str, str] | None, locale: str) -> Text:
    texts = texts or {}
    value = (texts.get(locale) or "").strip()
    if value:
        return Text(value, locale)
    source = (texts.get(SOURCE_LOCALE) or "").strip()
    if source:
        return Text(source, SOURCE_LOCALE, fallback=locale != SOURCE_LOCALE)
    for other, text in texts.items():  # no English either: any language beats nothing
        if (text or "").strip():
            return Text(text.strip(), other, fallback=other != locale)
    return Text("", locale)


def translatable_texts(survey) -> Iterator[tuple[str, str, Mapping[str, str]]]:
    """Every text a respondent of this survey sees: (id, what it is, texts).

    The id is stable across exports and imports of translations:
    ``survey.title``, ``section.<position>.title``, ``<key>.label``, ``<key>.hint``,
    ``<key>.option.<code>``, ``<key>.min_label``, ``<key>.max_label``."""
    consultation = survey.consultation
    yield "consultation.title", "Consultation title", consultation.title
    yield "consultation.summary", "Consultation summary", consultation.summary
    if any((consultation.body or {}).values()):
        yield "consultation.body", "Consultation page", consultation.body
    yield "survey.title", "Survey title", survey.title
    if any((survey.intro or {}).values()):
        yield "survey.intro", "Survey introduction", survey.intro
    if any((survey.consent_text or {}).values()):
        yield "survey.consent_text", "Consent and privacy notice", survey.consent_text
    for section in survey.sections:
        if any((section.title or {}).values()):
            yield f"section.{section.position}.title", "Section title", section.title
        for question in section.questions:
            yield f"{question.key}.label", "Question", question.label
            if any((question.hint or {}).values()):
                yield f"{question.key}.hint", "Hint", question.hint
            for name in ("min_label", "max_label"):
                texts = (question.settings or {}).get(name)
                if texts and any(texts.values()):
                    yield f"{question.key}.{name}", "Scale label", texts
            for option in question.options:
                yield f"{question.key}.option.{option.code}", "Option", option.label


def completeness(survey, locales, *, own: bool = False) -> dict[str, tuple[int, int]]:
    """Per locale: (texts translated, texts in all), over the texts that have English;
    ``own``: the survey's texts alone, not its consultation's."""
    items = [
        texts
        for text_id, _what, texts in translatable_texts(survey)
        if not (own and text_id.startswith("consultation."))
    ]
    with_source = [t for t in items if (t.get(SOURCE_LOCALE) or "").strip()]
    result = {}
    for locale in locales:
        done = sum(1 for t in with_source if (t.get(locale) or "").strip())
        result[locale] = (done, len(with_source))
    return result
