"""The demo's free text, analysed: the forum host's English translations of the Urdu
answers, an analyst's coding of part of the English ones, and the pipeline run over all
of it (so the themes of the rest are learned from that coding); and the analyst's interim
insight report, published to the evidence library.

The coding stands for an analyst's first sitting: the answers of the first weeks, each
given the theme the codebook's keywords found first (what an analyst accepts most of the
time on the coding screen) and the sentiment of the words."""

from __future__ import annotations

from sqlalchemy import select, update

from engage.consultations.models import Question, QuestionType, Survey
from engage.demo_survey import ANYTHING_ELSE_UR, ONE_CHANGE_UR, WENT_WRONG_UR
from engage.extensions import db
from engage.insights import codebook, pipeline, text
from engage.insights.models import TextAnalysis
from engage.responses.models import Answer, Sentiment

#: the forum host's English for each Urdu answer of the demo (same order as the lists)
ENGLISH_FOR_URDU = {
    **dict(
        zip(
            WENT_WRONG_UR,
            [
                "I phoned at eight every morning for a whole week, but by the time I got "
                "through all the appointments had gone.",
                "There was no interpreter. My son had to miss school to come with me.",
                "They said book online, but I have no smartphone and I don't know how to "
                "use the internet.",
                "I asked for a female doctor and was told there is none for a month.",
                "The reception staff spoke harshly when I couldn't explain properly in English.",
                "The doctor didn't listen to all I had to say and sent me away within ten minutes.",
                "I was given a phone appointment although I needed an examination.",
                "A letter came in English, I couldn't read it and I missed my appointment.",
                "For three days they kept saying call again tomorrow.",
                "Nobody explained how to take my medicine while fasting.",
                "Every time my mother-in-law has to take us because nobody there speaks Urdu.",
                "We sat in the waiting room for an hour and nobody told us anything.",
            ],
            strict=True,
        )
    ),
    **dict(
        zip(
            ONE_CHANGE_UR,
            [
                "Answer the phone faster.",
                "Urdu-speaking staff or an interpreter available at all times.",
                "Make it easy to see a female doctor.",
                "A call back instead of waiting on the phone.",
                "Keep a way to book in person as well as online.",
                "Send letters and messages in Urdu.",
                "Longer appointments for older people.",
                "Health advice sessions at the mosque or community centre.",
                "Appointments in the evening and at weekends too.",
                "See the same doctor every time.",
            ],
            strict=True,
        )
    ),
    **dict(
        zip(
            ANYTHING_ELSE_UR,
            [
                "The doctors are good but getting an appointment is very hard.",
                "Many older people in our area have no internet. Don't put everything online.",
                "The forum helped me fill in this survey. Thank you.",
                "Doctors should know more about medicine times during Ramadan.",
                "When family members interpret I can't say everything I want to.",
                "Some staff speak Urdu and Punjabi, and it makes a big difference.",
                "I feel nobody listens to us.",
                "I care for my husband, and getting him to the surgery is very hard.",
            ],
            strict=True,
        )
    ),
}
#: how many English answers the analyst codes before the rest are suggested
CODED = 120


def load(survey: Survey, analyst) -> None:
    """Translate, code and analyse the survey's free text, and publish the interim report
    (flushes; the caller commits)."""
    pipeline.analyse_survey(survey)
    _translate(survey)
    _code(survey)
    pipeline.analyse_survey(survey)
    publish_report(survey, analyst)


def _free_text(survey: Survey):
    return (
        select(Answer.id, Answer.text)
        .join(Question, Question.id == Answer.question_id)
        .where(
            Question.survey_id == survey.id,
            Question.type.in_([QuestionType.short_text, QuestionType.long_text]),
            Answer.text.is_not(None),
        )
        .order_by(Answer.id)
    )


def _translate(survey: Survey) -> None:
    for answer_id, original in db.session.execute(_free_text(survey)):
        english = ENGLISH_FOR_URDU.get(original)
        if english is not None:
            db.session.execute(
                update(TextAnalysis)
                .where(TextAnalysis.answer_id == answer_id)
                .values(translation=english)
            )


def _code(survey: Survey) -> None:
    themes = pipeline.codebook_for(survey)
    coded = 0
    for answer_id, original in db.session.execute(_free_text(survey)):
        if coded >= CODED:
            break
        if text.detect_language(original) != "en":
            continue
        matched = codebook.match_keywords(original, themes)
        if not matched:
            continue
        mood = text.sentiment(original).label
        db.session.execute(
            update(Answer)
            .where(Answer.id == answer_id)
            .values(
                coded_themes=matched[0][0],
                coded_sentiment=Sentiment(mood.value) if mood is not None else None,
            )
        )
        coded += 1
    db.session.flush()


REPORT_TITLE = "What we heard about getting a GP appointment in Northmoor"
REPORT_SUMMARY = (
    "362 people answered in six weeks, online, on paper, by phone, through an interpreter "
    "and at the forum's drop-ins, in English and Urdu. Most found getting an appointment "
    "hard. People who needed an interpreter, people without a smartphone and Muslim women "
    "who asked for a female doctor described the hardest time."
)
REPORT_FINDINGS = (
    "Pakistani and Bangladeshi respondents, and those who answered through an interpreter, "
    "were less positive about their last appointment than everyone else. Families are still "
    "interpreting for relatives, and letters in English lead to missed appointments. Older "
    "people who are not online say the move to online booking leaves them out."
)
REPORT_LIMITATIONS = (
    "Pakistani residents are under-represented among respondents compared with the borough's "
    "Census population, and most paper forms carry no ethnic group, so results for the "
    "smaller communities rest on few people. The survey is still open: these are interim "
    "figures."
)
REPORT_RECOMMENDATIONS = (
    "Book an interpreter automatically when a patient's record says one is needed. Keep a "
    "way to book by phone or in person. Offer a female doctor on request every day. Send "
    "letters in the patient's language. Come back to the forum with what has changed."
)
REPORT_THEMES = [
    (
        "appointment_arrangements",
        "You phone at eight in the morning and by the time you get through the "
        "appointments have gone.",
    ),
    (
        "interpreters_language_support",
        "There is often no interpreter, so your children or relatives have to interpret and "
        "you cannot say everything you need to.",
    ),
    (
        "digital_exclusion",
        "Being told to book online leaves out people without a smartphone or the internet.",
    ),
    (
        "cultural_religious_needs",
        "You could not get a female doctor, and nobody explained how to take medicines while "
        "fasting.",
    ),
]


def publish_report(survey: Survey, analyst) -> None:
    """The interim insight report, published to the evidence library."""
    from engage.insights import reports
    from engage.insights.access import disclosure_rule

    report = reports.create_report(
        survey.consultation,
        reports.ReportFields(
            title=REPORT_TITLE,
            summary=REPORT_SUMMARY,
            findings=REPORT_FINDINGS,
            limitations=REPORT_LIMITATIONS,
            recommendations=REPORT_RECOMMENDATIONS,
            communities=["asian_pakistani", "asian_bangladeshi", "black_african"],
            key_themes=REPORT_THEMES,
        ),
        actor=analyst,
    )
    reports.publish(report, actor=analyst, rule=disclosure_rule())
