"""Demo content for the surveys work: an open consultation of the fictional Northmoor
Integrated Care Board, its survey in English and Urdu, and a few hundred responses.

Northmoor is fictional, but its people are modelled on a real northern English borough
(Bolton, Census 2021: about seven in ten residents White British, Indian and Pakistani
residents about 8% each, then Other White, African, Bangladeshi and smaller groups), so
that results by community look like something a newcomer recognises:

- groups large and small, with some of 1 to 7 respondents (Gypsy or Irish Traveller,
  Roma, Arab, Chinese, Caribbean, ...);
- Pakistani residents answer well below their share of the population (about 4% of
  respondents), a representation gap to find;
- paper responses mostly have no ethnic group recorded, a completeness gap to warn about;
- answers lean a little by group: Urdu respondents need interpreters more often, and some
  groups are less satisfied.

Everything is built with the real services and a seeded random generator, so the demo
is the same every time (except that dates are relative to the day it is loaded).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import delete

from engage.accounts import service as accounts
from engage.accounts.models import Organisation
from engage.consultations import service as consultations
from engage.consultations.models import (
    Consultation,
    ConsultationStatus,
    QuestionType,
    ServiceArea,
    Stage,
    Survey,
)
from engage.extensions import db
from engage.responses import service as responses
from engage.responses.models import Channel, Draft, Response
from engage.sqltypes import utcnow

CONSULTATION_SLUG = "gp-appointments-northmoor"
SURVEY_SLUG = "gp-appointments-survey"
SEED = 20260301
#: days the consultation has been open, and days it still has to run
OPEN_DAYS = 42
CLOSES_IN_DAYS = 24

FORUM = "northmoor-bme-health-forum"
WOMENS_CIRCLE = "eastfield-womens-health-circle"
HOST_EMAIL = "host@northmoor.example"
ANALYST_EMAIL = "analyst@northmoor.example"


# The consultation ------------------------------------------------------------------------

TITLE = {
    "en": "Getting a GP appointment in Northmoor",
    "ur": "نارتھ مور میں جی پی سے ملاقات کا وقت لینا",
}
SUMMARY = {
    "en": (
        "Tell us how easy or hard it is to get an appointment with your GP practice, and "
        "what would make it better for you and your family."
    ),
    "ur": (
        "ہمیں بتائیں کہ اپنی جی پی پریکٹس سے ملاقات کا وقت لینا کتنا آسان یا مشکل ہے، اور "
        "آپ اور آپ کے خاندان کے لیے اسے کیا چیز بہتر بنا سکتی ہے۔"
    ),
}
BODY = {
    "en": (
        "Northmoor Integrated Care Board plans and pays for GP services in the borough. Over "
        "the next year we will change how people get appointments: how phone lines work, "
        "online booking, same-day care hubs and interpreting.\n\n"
        "Before we decide, we want to hear from everyone who uses GP services in Northmoor, "
        "especially the people who find it hardest: people whose first language is not "
        "English, people without a smartphone or the internet, carers, and people who work "
        "shifts.\n\n"
        "The survey takes about 10 minutes. You can answer in English or Urdu, online or on "
        "paper. Paper copies, and help in other languages, are available from the Northmoor "
        "BME Health Forum and at our drop-in sessions.\n\n"
        'We will publish what we heard, and what we decided because of it, on our "You said, '
        'we did" page.'
    ),
    "ur": (
        "نارتھ مور انٹیگریٹڈ کیئر بورڈ اس علاقے میں جی پی کی خدمات کی منصوبہ بندی کرتا ہے اور "
        "ان کے لیے ادائیگی کرتا ہے۔ اگلے سال ہم ملاقات کا وقت لینے کا طریقہ بدلیں گے: فون "
        "لائنیں کیسے کام کرتی ہیں، آن لائن بکنگ، اسی دن علاج کے مراکز اور ترجمانی کی سہولت۔\n\n"
        "فیصلہ کرنے سے پہلے ہم نارتھ مور میں جی پی کی خدمات استعمال کرنے والے ہر شخص کی رائے "
        "سننا چاہتے ہیں، خاص طور پر ان لوگوں کی جنہیں سب سے زیادہ مشکل پیش آتی ہے: وہ لوگ جن کی "
        "پہلی زبان انگریزی نہیں، جن کے پاس اسمارٹ فون یا انٹرنیٹ نہیں، دوسروں کی دیکھ بھال کرنے "
        "والے، اور شفٹوں میں کام کرنے والے۔\n\n"
        "اس سروے میں تقریباً 10 منٹ لگتے ہیں۔ آپ انگریزی یا اردو میں، آن لائن یا کاغذ پر جواب "
        "دے سکتے ہیں۔ کاغذی فارم اور دوسری زبانوں میں مدد نارتھ مور بی ایم ای ہیلتھ فورم اور "
        "ہماری ڈراپ اِن نشستوں میں دستیاب ہے۔\n\n"
        "ہم نے جو سنا اور اس کی بنیاد پر جو فیصلے کیے، وہ ہم اپنے «آپ نے کہا، ہم نے کیا» صفحے "
        "پر شائع کریں گے۔"
    ),
}
SURVEY_TITLE = {
    "en": "Your experience of getting a GP appointment",
    "ur": "جی پی سے ملاقات کا وقت لینے کا آپ کا تجربہ",
}
SURVEY_INTRO = {
    "en": (
        "These questions are about the last time you, or someone you look after, tried to "
        "get help from your GP practice. It takes about 10 minutes."
    ),
    "ur": (
        "یہ سوالات اس آخری بار کے بارے میں ہیں جب آپ نے، یا کسی ایسے شخص نے جس کی آپ دیکھ "
        "بھال کرتے ہیں، اپنی جی پی پریکٹس سے مدد لینے کی کوشش کی۔ اس میں تقریباً 10 منٹ لگتے ہیں۔"
    ),
}

#: Urdu for the service's standard answer sets, used where the site's catalog has none yet
STANDARD_URDU = {
    "Overall, how was your experience of our service?": (
        "مجموعی طور پر، ہماری سروس کے ساتھ آپ کا تجربہ کیسا رہا؟"
    ),
    "Very good": "بہت اچھا",
    "Good": "اچھا",
    "Neither good nor poor": "نہ اچھا نہ برا",
    "Poor": "برا",
    "Very poor": "بہت برا",
    "Don't know": "معلوم نہیں",
    "Strongly agree": "پوری طرح متفق",
    "Agree": "متفق",
    "Neither agree nor disagree": "نہ متفق نہ غیر متفق",
    "Disagree": "غیر متفق",
    "Strongly disagree": "بالکل غیر متفق",
    "Not at all likely": "بالکل امکان نہیں",
    "Extremely likely": "بہت زیادہ امکان",
}


def _urdu_where_missing(texts: Mapping[str, str]) -> dict[str, str]:
    """The service's standard texts, with our Urdu where the catalog gave the English."""
    result = dict(texts)
    english = result.get("en", "")
    if not result.get("ur") or result["ur"] == english:
        result["ur"] = STANDARD_URDU.get(english, result.get("ur", ""))
    return result


def _standard(type_: QuestionType) -> list[tuple[str, dict[str, str]]]:
    return [(code, _urdu_where_missing(t)) for code, t in consultations.standard_options(type_)]


def _yes_no() -> list[tuple[str, dict[str, str]]]:
    return [("yes", {"en": "Yes", "ur": "ہاں"}), ("no", {"en": "No", "ur": "نہیں"})]


POOR = {"any": [{"q": "experience", "op": "eq", "value": v} for v in ("poor", "very_poor")]}
NEEDED_INTERPRETER = {"q": "need_interpreter", "op": "eq", "value": "yes"}


def _build_survey(consultation: Consultation) -> Survey:
    survey = consultations.create_survey(
        consultation, actor=None, slug=SURVEY_SLUG, title=SURVEY_TITLE, intro=SURVEY_INTRO
    )
    add = consultations.add_question

    practice = consultations.add_section(
        survey, title={"en": "Your GP practice", "ur": "آپ کی جی پی پریکٹس"}
    )
    add(
        survey,
        key="intro_note",
        type="note",
        section=practice,
        label={
            "en": "Please do not write your name, address or phone number in any answer.",
            "ur": "براہ کرم کسی بھی جواب میں اپنا نام، پتہ یا فون نمبر نہ لکھیں۔",
        },
    )
    add(
        survey,
        key="practice_area",
        type="postcode_district",
        section=practice,
        label={
            "en": "Where is your GP practice?",
            "ur": "آپ کی جی پی پریکٹس کہاں ہے؟",
        },
        hint={
            "en": "Leave it blank if you are not sure.",
            "ur": "اگر آپ کو یقین نہیں تو خالی چھوڑ دیں۔",
        },
    )
    add(
        survey,
        key="last_contact",
        type="date",
        section=practice,
        label={
            "en": "When did you last try to get an appointment?",
            "ur": "آپ نے آخری بار ملاقات کا وقت لینے کی کوشش کب کی؟",
        },
        hint={"en": "A rough date is fine.", "ur": "اندازاً تاریخ بھی ٹھیک ہے۔"},
    )
    add(
        survey,
        key="contact_ways",
        type="multiple_choice",
        required=True,
        section=practice,
        label={
            "en": "How did you try to get an appointment?",
            "ur": "آپ نے ملاقات کا وقت لینے کی کوشش کیسے کی؟",
        },
        hint={
            "en": "Select all that apply.",
            "ur": "جتنے بھی جواب درست ہوں، سب منتخب کریں۔",
        },
        options=[
            ("phone", {"en": "I phoned the practice", "ur": "میں نے پریکٹس کو فون کیا"}),
            (
                "online",
                {
                    "en": "Online, with the NHS App or the practice website",
                    "ur": "آن لائن، این ایچ ایس ایپ یا پریکٹس کی ویب سائٹ کے ذریعے",
                },
            ),
            ("in_person", {"en": "I went to the practice", "ur": "میں خود پریکٹس گیا یا گئی"}),
            (
                "someone_else",
                {"en": "Someone else did it for me", "ur": "کسی اور نے میرے لیے کیا"},
            ),
            (
                "pharmacy_111",
                {
                    "en": "I went to a pharmacy or called NHS 111 instead",
                    "ur": "اس کے بجائے میں فارمیسی گیا یا این ایچ ایس 111 کو فون کیا",
                },
            ),
        ],
    )
    add(
        survey,
        key="attempts",
        type="number",
        section=practice,
        settings={"integer": True, "min": 1, "max": 50},
        label={
            "en": "How many times did you have to try before you got an answer?",
            "ur": "جواب ملنے سے پہلے آپ کو کتنی بار کوشش کرنی پڑی؟",
        },
        hint={
            "en": "Count every call, visit and online request. Write 1 if it worked first time.",
            "ur": "ہر فون کال، دورہ اور آن لائن درخواست گنیں۔ اگر پہلی بار میں کام ہو گیا "
            "تو 1 لکھیں۔",
        },
    )
    add(
        survey,
        key="got_appointment",
        type="single_choice",
        required=True,
        section=practice,
        label={"en": "Did you get an appointment?", "ur": "کیا آپ کو ملاقات کا وقت ملا؟"},
        options=[
            ("yes_needed", {"en": "Yes, when I needed it", "ur": "ہاں، جب مجھے ضرورت تھی"}),
            (
                "yes_later",
                {"en": "Yes, but later than I needed", "ur": "ہاں، لیکن ضرورت سے دیر سے"},
            ),
            (
                "call_back",
                {
                    "en": "No, I was told to call back another day",
                    "ur": "نہیں، مجھے کسی اور دن دوبارہ فون کرنے کو کہا گیا",
                },
            ),
            ("gave_up", {"en": "No, I gave up trying", "ur": "نہیں، میں نے کوشش چھوڑ دی"}),
        ],
    )

    experience = consultations.add_section(
        survey, title={"en": "How it went", "ur": "تجربہ کیسا رہا"}
    )
    add(
        survey,
        key="experience",
        type="fft",
        required=True,
        section=experience,
        label=_urdu_where_missing(consultations.in_every_language(consultations.FFT_QUESTION)),
        hint={
            "en": "Think about your GP practice as a whole.",
            "ur": "اپنی جی پی پریکٹس کے بارے میں مجموعی طور پر سوچیں۔",
        },
        options=_standard(QuestionType.fft),
    )
    add(
        survey,
        key="what_went_wrong",
        type="long_text",
        section=experience,
        show_if=POOR,
        label={"en": "What went wrong?", "ur": "کیا غلط ہوا؟"},
        hint={
            "en": "Tell us in your own words. Please do not name anyone.",
            "ur": "اپنے الفاظ میں بتائیں۔ براہ کرم کسی کا نام نہ لیں۔",
        },
    )
    add(
        survey,
        key="respect",
        type="likert",
        required=True,
        section=experience,
        label={
            "en": "Staff at my practice treated me with respect.",
            "ur": "میری پریکٹس کے عملے نے میرے ساتھ عزت سے برتاؤ کیا۔",
        },
        options=_standard(QuestionType.likert),
    )
    add(
        survey,
        key="understood",
        type="likert",
        section=experience,
        label={
            "en": "I understood what I was told about my care.",
            "ur": "مجھے اپنے علاج کے بارے میں جو بتایا گیا وہ میری سمجھ میں آیا۔",
        },
        options=_standard(QuestionType.likert),
    )
    scale_labels = {
        name: _urdu_where_missing(consultations.in_every_language(text))
        for name, text in zip(("min_label", "max_label"), consultations.SCALE_LABELS, strict=True)
    }
    add(
        survey,
        key="recommend",
        type="scale",
        section=experience,
        settings=scale_labels,
        label={
            "en": "How likely are you to recommend your GP practice to friends and family?",
            "ur": "اس بات کا کتنا امکان ہے کہ آپ اپنی جی پی پریکٹس کی سفارش اپنے دوستوں اور "
            "خاندان سے کریں گے؟",
        },
    )

    support = consultations.add_section(
        survey, title={"en": "Language and support", "ur": "زبان اور مدد"}
    )
    add(
        survey,
        key="barriers",
        type="multiple_choice",
        section=support,
        label={
            "en": "Has anything made it harder for you to get care from your practice?",
            "ur": "کیا کسی چیز نے آپ کے لیے اپنی پریکٹس سے علاج حاصل کرنا مشکل بنایا؟",
        },
        hint={
            "en": "Select all that apply.",
            "ur": "جتنے بھی جواب درست ہوں، سب منتخب کریں۔",
        },
        options=[
            ("phone_queue", {"en": "Waiting on the phone at 8am", "ur": "صبح 8 بجے فون پر انتظار"}),
            ("online_only", {"en": "Having to book online", "ur": "صرف آن لائن بکنگ کی مجبوری"}),
            (
                "language",
                {
                    "en": "Not being understood in my language",
                    "ur": "میری زبان میں میری بات نہ سمجھی جانا",
                },
            ),
            (
                "opening_hours",
                {
                    "en": "Opening hours that clash with work or childcare",
                    "ur": "کھلنے کے اوقات جو کام یا بچوں کی دیکھ بھال سے ٹکراتے ہیں",
                },
            ),
            (
                "treated_unfairly",
                {
                    "en": "Being treated unfairly because of who I am",
                    "ur": "میری شناخت کی وجہ سے میرے ساتھ ناانصافی",
                },
            ),
            ("getting_there", {"en": "Getting to the practice", "ur": "پریکٹس تک پہنچنا"}),
            ("none", {"en": "Nothing made it harder", "ur": "کسی چیز نے مشکل نہیں بنایا"}),
        ],
    )
    add(
        survey,
        key="need_interpreter",
        type="single_choice",
        required=True,
        section=support,
        label={
            "en": "Did you need an interpreter to talk to your practice?",
            "ur": "کیا آپ کو اپنی پریکٹس سے بات کرنے کے لیے ترجمان کی ضرورت تھی؟",
        },
        options=_yes_no(),
    )
    add(
        survey,
        key="interpreter_language",
        type="single_choice",
        section=support,
        show_if=NEEDED_INTERPRETER,
        label={
            "en": "Which language did you need an interpreter for?",
            "ur": "آپ کو کس زبان کے لیے ترجمان کی ضرورت تھی؟",
        },
        options=[(code, {"en": en, "ur": ur}) for code, en, ur in INTERPRETER_LANGUAGES],
    )
    add(
        survey,
        key="interpreter_provided",
        type="single_choice",
        section=support,
        show_if=NEEDED_INTERPRETER,
        label={"en": "Who interpreted for you?", "ur": "آپ کے لیے ترجمانی کس نے کی؟"},
        options=[
            (
                "professional",
                {
                    "en": "A professional interpreter booked by the practice",
                    "ur": "پریکٹس کی طرف سے بلایا گیا پیشہ ور ترجمان",
                },
            ),
            ("family", {"en": "A family member or friend", "ur": "خاندان کا کوئی فرد یا دوست"}),
            ("child", {"en": "My child", "ur": "میرا بچہ"}),
            (
                "nobody",
                {
                    "en": "Nobody: I managed without one",
                    "ur": "کسی نے نہیں: میں نے کسی طرح خود ہی کام چلایا",
                },
            ),
        ],
    )

    ideas = consultations.add_section(survey, title={"en": "Your ideas", "ur": "آپ کی تجاویز"})
    add(
        survey,
        key="one_change",
        type="short_text",
        section=ideas,
        label={
            "en": "If you could change one thing about getting an appointment, what would it be?",
            "ur": "اگر آپ ملاقات کا وقت لینے کے بارے میں ایک چیز بدل سکتے تو وہ کیا ہوتی؟",
        },
    )
    add(
        survey,
        key="anything_else",
        type="long_text",
        section=ideas,
        label={
            "en": "Is there anything else you want to tell us about GP services in Northmoor?",
            "ur": "کیا آپ نارتھ مور میں جی پی کی خدمات کے بارے میں ہمیں کچھ اور بتانا چاہتے ہیں؟",
        },
        hint={
            "en": "For example about respect, your culture or faith, or help you needed.",
            "ur": "مثال کے طور پر عزت، آپ کی ثقافت یا مذہب، یا کسی ایسی مدد کے بارے میں جس کی آپ "
            "کو ضرورت تھی۔",
        },
    )
    add(
        survey,
        key="closing_note",
        type="note",
        section=ideas,
        label={
            "en": (
                "Thank you. Next there are some questions about you. They help us check that "
                "every community is heard, and you can skip any of them."
            ),
            "ur": (
                "شکریہ۔ اس کے بعد آپ کے بارے میں کچھ سوالات ہیں۔ ان سے ہمیں یہ جانچنے میں مدد "
                "ملتی ہے کہ ہر کمیونٹی کی بات سنی جا رہی ہے، اور آپ ان میں سے کوئی بھی سوال "
                "چھوڑ سکتے ہیں۔"
            ),
        },
    )
    return survey


#: (option code, English, Urdu), and the main languages (monitoring codes) each one serves
INTERPRETER_LANGUAGES = [
    ("urdu", "Urdu", "اردو"),
    ("punjabi", "Punjabi", "پنجابی"),
    ("bengali", "Bengali or Sylheti", "بنگالی یا سلہٹی"),
    ("gujarati", "Gujarati", "گجراتی"),
    ("arabic", "Arabic", "عربی"),
    ("polish", "Polish", "پولش"),
    ("romanian", "Romanian", "رومانیائی"),
    ("somali", "Somali", "صومالی"),
    ("bsl", "British Sign Language", "برطانوی اشاروں کی زبان"),
    ("other", "Another language", "کوئی اور زبان"),
]
INTERPRETER_FOR = {
    "ur": "urdu",
    "pa": "punjabi",
    "bn": "bengali",
    "syl": "bengali",
    "gu": "gujarati",
    "ar": "arabic",
    "pl": "polish",
    "ro": "romanian",
    "so": "somali",
    "bsl": "bsl",
}


# Free text ---------------------------------------------------------------------------------

WENT_WRONG_EN = [
    "I rang at 8am every day for a week. By the time I got through all the appointments were gone.",
    "I was number 27 in the queue and then the line just cut off.",
    "The receptionist asked me what was wrong in front of a full waiting room. I did not "
    "want to say.",
    "They told me to book online but I don't have a smartphone and my daughter works.",
    "No interpreter was booked even though it says on my record that I need one. My son had "
    "to miss school to come with me.",
    "I waited three weeks to see a doctor about a lump. I was worried sick the whole time.",
    "The doctor did not look at me once, just typed. I felt like I was wasting his time.",
    "I asked for a female doctor and was told there wasn't one for a month.",
    "Got a phone appointment when I needed to be examined. Ended up at A&E two days later.",
    "The online form opens at 8 and by ten past it says no more requests today.",
    "Receptionist was short with me when I couldn't spell my address quickly enough.",
    "I have a hearing problem so phone calls are really hard. Nobody offered another way.",
    "They kept asking for proof of address. We had just moved into temporary accommodation.",
    "I felt they didn't believe how much pain I was in. I think it is because I am Black.",
    "Told to call back tomorrow, three days in a row.",
    "The phone interpreter kept dropping out and in the end the doctor said come back with "
    "someone who speaks English.",
    "My prescription was wrong twice and I had to go back each time.",
    "The only appointment offered was during Friday prayers and they would not change it.",
    "I care for my mum and they won't talk to me about her even though she has asked them to.",
    "Could not register at all. They said we are out of area but it is ten minutes' walk.",
    "Long wait, then only 10 minutes and only one problem allowed.",
    "The app kept logging me out and I gave up.",
    "Nobody explained what my blood test results meant. I still don't know.",
    "Staff talked about me to my husband as if I was not in the room.",
    "I work nights and the only appointments are in the morning when I should be asleep.",
    "They cancelled my appointment by text in English and I did not understand it.",
    "The GP sent me to the pharmacy and the pharmacy sent me back to the GP.",
    "Sat 40 minutes in the waiting room and nobody said sorry.",
    "The doctor made a comment about my headscarf. It was not appropriate.",
    "Our family was turned away because we did not have ID. We are Travellers and we move.",
]
WENT_WRONG_UR = [
    "میں نے پورا ہفتہ صبح آٹھ بجے فون کیا لیکن جب لائن ملی تو سب وقت ختم ہو چکے تھے۔",
    "کوئی ترجمان نہیں تھا۔ میرے بیٹے کو اسکول چھوڑ کر میرے ساتھ آنا پڑا۔",
    "انہوں نے کہا آن لائن بک کریں، لیکن میرے پاس اسمارٹ فون نہیں ہے اور مجھے انٹرنیٹ "
    "استعمال کرنا نہیں آتا۔",
    "میں نے خاتون ڈاکٹر کا کہا تو بتایا گیا کہ ایک مہینے تک کوئی نہیں ہے۔",
    "ریسیپشن پر عملے نے سخت لہجے میں بات کی جب میں انگریزی میں ٹھیک سے نہیں بتا سکی۔",
    "ڈاکٹر نے میری بات پوری نہیں سنی اور دس منٹ میں ہی بھیج دیا۔",
    "مجھے فون پر ملاقات دی گئی حالانکہ مجھے معائنے کی ضرورت تھی۔",
    "انگریزی میں خط آیا، میں پڑھ نہیں سکی اور میری ملاقات چھوٹ گئی۔",
    "تین دن تک یہی کہا گیا کہ کل دوبارہ فون کریں۔",
    "کسی نے نہیں سمجھایا کہ روزے میں دوائی کیسے لینی ہے۔",
    "ہر بار میری ساس کو ہمیں ساتھ لے جانا پڑتا ہے کیونکہ وہاں کوئی اردو نہیں بولتا۔",
    "انتظار گاہ میں ایک گھنٹہ بیٹھے رہے اور کسی نے کچھ نہیں بتایا۔",
]
ONE_CHANGE_EN = [
    "More appointments you can book ahead, not just on the day.",
    "Answer the phone faster.",
    "A call back instead of waiting in a queue.",
    "Book an interpreter automatically when it's on your record.",
    "Keep a way to book in person for people who are not online.",
    "Evening and weekend appointments.",
    "Let me see the same doctor each time.",
    "Female doctors available every day.",
    "Texts and letters in my language.",
    "Longer appointments for older people.",
    "Stop asking what is wrong at the front desk.",
    "Training for reception staff on treating people with respect.",
    "Online booking that actually works on a phone.",
    "More staff.",
    "Tell us where we are in the phone queue.",
    "Let carers book for the person they look after.",
    "Drop-in sessions at the mosque or the community centre.",
    "Nothing, my surgery is great.",
    "Same-day appointments for children.",
    "Make the NHS App simpler.",
    "A named person to call when you have a complaint.",
    "Somewhere private to talk at reception.",
    "Health checks in community languages.",
    "Don't make us prove our address to register.",
    "Faster test results.",
]
ONE_CHANGE_UR = [
    "فون کا جواب جلدی دیا جائے۔",
    "اردو بولنے والا عملہ یا ترجمان ہر وقت موجود ہو۔",
    "خاتون ڈاکٹر آسانی سے مل سکے۔",
    "فون پر انتظار کے بجائے واپس کال کی سہولت ہو۔",
    "آن لائن کے علاوہ خود جا کر وقت لینے کا طریقہ بھی رہے۔",
    "خط اور پیغامات اردو میں بھیجے جائیں۔",
    "بزرگوں کے لیے لمبی ملاقات۔",
    "مسجد یا کمیونٹی سینٹر میں صحت کے مشورے کی نشستیں ہوں۔",
    "شام اور ہفتے کے آخر میں بھی ملاقات کا وقت ملے۔",
    "ہر بار ایک ہی ڈاکٹر سے ملاقات ہو۔",
]
ANYTHING_ELSE_EN = [
    "My practice is very good once you get in. It is getting in that is the problem.",
    "A lot of older people in our street have no internet. Please don't make everything online.",
    "I felt judged because I wear a niqab. The nurse was lovely but reception was not.",
    "I'm Polish and the practice used a translation app on a screen. It worked OK but it is "
    "not private.",
    "As a Traveller I have been refused registration twice because we don't have a fixed address.",
    "The health forum helped me fill this in. Without them I would not have known about it.",
    "Mental health help is very hard to get, especially for men in our community.",
    "During Ramadan it would help if the doctor understood about fasting and medication.",
    "I care for my husband who has dementia. Getting him to the surgery is really hard and "
    "there is nowhere to park.",
    "The new pharmacy service is good, it saved me a GP visit.",
    "Some staff speak Urdu and Punjabi and that makes a huge difference.",
    "I've lived here 30 years and it has never been this hard to see a doctor.",
    "Please think about Black women's experiences. We are not listened to about pain.",
    "My children were seen quickly, I have no complaints about that.",
    "The text reminders are useful.",
    "I don't feel my information is private when family members have to interpret.",
    "The bus to the health centre only comes once an hour.",
    "The receptionist at my surgery is brilliant and always helps.",
    "Please explain the changes in plain English and in other languages.",
    "I am deaf and there is never a BSL interpreter. I have to write everything down.",
]
ANYTHING_ELSE_UR = [
    "ڈاکٹر اچھے ہیں لیکن وقت ملنا بہت مشکل ہے۔",
    "ہمارے محلے کے بہت سے بزرگوں کے پاس انٹرنیٹ نہیں ہے۔ سب کچھ آن لائن نہ کریں۔",
    "فورم نے یہ سروے بھرنے میں میری مدد کی۔ شکریہ۔",
    "رمضان میں دوائی کے اوقات کے بارے میں ڈاکٹروں کو زیادہ معلومات ہونی چاہئیں۔",
    "جب خاندان والے ترجمانی کرتے ہیں تو میں اپنی پوری بات نہیں بتا سکتی۔",
    "کچھ عملہ اردو اور پنجابی بولتا ہے، اس سے بہت فرق پڑتا ہے۔",
    "مجھے لگتا ہے کہ ہماری بات کوئی نہیں سنتا۔",
    "میں اپنے شوہر کی دیکھ بھال کرتی ہوں، انہیں سرجری لے جانا بہت مشکل ہے۔",
]
#: two answers hold a (fictional) phone number and email address: the redaction of quotes
#: needs something to find. 07700 900xxx is Ofcom's range for drama; example.com is reserved.
WITH_PHONE = (
    "Please ring me back on 07700 900461, nobody has ever called me back about my complaint."
)
WITH_EMAIL = (
    "When I complained nothing happened. You can email me at northmoor.resident@example.com "
    "if you want to know more."
)


class _Pool:
    """Texts handed out in a shuffled order, each once before any is used again."""

    def __init__(self, rng: random.Random, texts: Sequence[str]):
        self.rng, self.texts, self.queue = rng, list(texts), []

    def take(self) -> str:
        if not self.queue:
            self.queue = self.rng.sample(self.texts, len(self.texts))
        return self.queue.pop()


# Respondents -------------------------------------------------------------------------------

#: the local authority whose Census 2021 population the results compare with (Bolton)
AREA_CODE = "E08000001"

#: respondents per ethnic group recorded: Bolton-like, but Pakistani residents (about 8% of
#: the population) are under-represented, and several groups are very small
GROUP_COUNTS = {
    "white_british": 196,
    "white_other": 9,
    "white_irish": 4,
    "white_gypsy_traveller": 2,
    "white_roma": 1,
    "asian_indian": 22,
    "asian_pakistani": 11,
    "asian_bangladeshi": 9,
    "asian_chinese": 3,
    "asian_other": 4,
    "black_african": 10,
    "black_caribbean": 3,
    "black_other": 2,
    "mixed_white_black_caribbean": 4,
    "mixed_white_asian": 3,
    "mixed_white_black_african": 2,
    "mixed_other": 2,
    "other_arab": 4,
    "other_any": 2,
}
#: respondents who chose "prefer not to say" for ethnic group
NOT_STATED_COUNT = 12
#: online respondents who declined the monitoring questions
DECLINED_COUNT = 20
#: paper forms with the monitoring page left blank or half done
PAPER_UNRECORDED_COUNT = 32
#: phone and event respondents whose ethnic group was not asked
OTHER_UNRECORDED_COUNT = 5

CHANNEL_MIX = {
    "default": {"online": 84, "paper": 7, "phone": 5, "event": 4},
    "south_asian": {"online": 45, "event": 20, "interpreter": 15, "phone": 10, "paper": 10},
    "indian": {"online": 75, "event": 10, "phone": 5, "paper": 5, "interpreter": 5},
    "african": {"online": 70, "event": 20, "phone": 5, "interpreter": 5},
    "newer": {"online": 40, "event": 30, "interpreter": 20, "phone": 10},
    "white_other": {"online": 75, "interpreter": 10, "event": 10, "phone": 5},
}
CHANNEL_GROUP = {
    "asian_pakistani": "south_asian",
    "asian_bangladeshi": "south_asian",
    "asian_indian": "indian",
    "black_african": "african",
    "white_other": "white_other",
    "white_gypsy_traveller": "newer",
    "white_roma": "newer",
    "asian_other": "newer",
    "other_arab": "newer",
    "other_any": "newer",
}
MAIN_LANGUAGES = {
    "white_roma": {"ro": 80, "en": 20},
    "white_other": {"pl": 55, "ro": 20, "en": 25},
    "asian_indian": {"en": 45, "gu": 30, "pa": 12, "ur": 13},
    "asian_pakistani": {"ur": 45, "pa": 25, "en": 30},
    "asian_bangladeshi": {"bn": 35, "syl": 35, "en": 30},
    "asian_chinese": {"zh": 60, "en": 40},
    "asian_other": {"en": 40, "ps": 20, "fa": 20, "ku": 20},
    "black_african": {"en": 55, "so": 20, "ti": 10, "other": 15},
    "other_arab": {"ar": 70, "en": 30},
    "other_any": {"ku": 50, "en": 50},
    "not_stated": {"en": 75, "ur": 20, "pa": 5},
}
RELIGIONS = {
    "white_british": {"christian": 45, "no_religion": 45, "other": 2, "not_stated": 8},
    "white_irish": {"christian": 70, "no_religion": 30},
    "white_gypsy_traveller": {"christian": 100},
    "white_roma": {"christian": 100},
    "white_other": {"christian": 75, "no_religion": 25},
    "asian_indian": {"hindu": 40, "muslim": 35, "sikh": 20, "no_religion": 5},
    "asian_pakistani": {"muslim": 95, "not_stated": 5},
    "asian_bangladeshi": {"muslim": 100},
    "asian_chinese": {"no_religion": 60, "buddhist": 25, "christian": 15},
    "asian_other": {"muslim": 60, "hindu": 20, "buddhist": 20},
    "black_african": {"christian": 70, "muslim": 30},
    "black_caribbean": {"christian": 80, "no_religion": 20},
    "other_arab": {"muslim": 90, "christian": 10},
    "other_any": {"muslim": 60, "no_religion": 40},
    None: {"christian": 40, "no_religion": 40, "muslim": 12, "not_stated": 8},
}
MIXED_RELIGION = {"christian": 40, "no_religion": 50, "muslim": 10}
#: how much less satisfied a group tends to be (0 none), from what forums tell the ICB
DISSATISFACTION = {
    "asian_pakistani": 0.18,
    "asian_bangladeshi": 0.15,
    "black_african": 0.2,
    "black_caribbean": 0.15,
    "white_gypsy_traveller": 0.4,
    "white_roma": 0.35,
    "other_arab": 0.15,
    "white_other": 0.08,
}
AGES = {
    "16_24": 8,
    "25_34": 16,
    "35_44": 19,
    "45_54": 18,
    "55_64": 17,
    "65_74": 13,
    "75_plus": 7,
    "not_stated": 2,
}
OLDER_AGES = {"35_44": 8, "45_54": 15, "55_64": 22, "65_74": 28, "75_plus": 25, "not_stated": 2}
DISTRICTS = {"BL1": 18, "BL2": 14, "BL3": 22, "BL4": 12, "BL5": 10, "BL6": 12, "BL7": 7}
#: Bolton's South Asian and Black African residents live mostly in BL1 and BL3
INNER_DISTRICTS = {"BL1": 40, "BL3": 45, "BL2": 5, "BL4": 10}


def _pick(rng: random.Random, weights: Mapping[Any, float]) -> Any:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


@dataclass
class Respondent:
    group: str | None
    channel: Channel
    locale: str = "en"
    consent: bool | None = True
    profile: dict[str, str] = field(default_factory=dict)
    forum: str | None = None
    entered_by: str | None = None
    submitted_at: datetime | None = None
    answers: dict[str, Any] = field(default_factory=dict)


def _respondents(rng: random.Random) -> list[Respondent]:
    people: list[Respondent] = []
    for group, count in GROUP_COUNTS.items():
        mix = CHANNEL_MIX[CHANNEL_GROUP.get(group, "default")]
        for _ in range(count):
            people.append(Respondent(group, Channel(_pick(rng, mix))))
    for _ in range(NOT_STATED_COUNT):
        people.append(Respondent("not_stated", Channel(_pick(rng, CHANNEL_MIX["default"]))))
    for _ in range(DECLINED_COUNT):
        people.append(Respondent(None, Channel.online, consent=False))
    for _ in range(PAPER_UNRECORDED_COUNT):
        people.append(Respondent(None, Channel.paper, consent=rng.choice([True, None])))
    for _ in range(OTHER_UNRECORDED_COUNT):
        people.append(Respondent(None, rng.choice([Channel.phone, Channel.event]), consent=None))
    rng.shuffle(people)
    for person in people:
        _describe(rng, person)
    return people


def _describe(rng: random.Random, person: Respondent) -> None:
    """The respondent's monitoring profile, survey language and how the answers came."""
    group = person.group
    older = person.channel in (Channel.paper, Channel.phone) or rng.random() < 0.1
    language = _pick(rng, MAIN_LANGUAGES.get(group, {"en": 100}))
    if group is None and rng.random() < 0.25:
        language = rng.choice(["ur", "ur", "pa", "bn"])
    if person.channel == Channel.interpreter and language == "en":
        language = {"asian_bangladeshi": "syl", "black_african": "so"}.get(group, "ur")
    if group == "white_british" and rng.random() < 0.01:
        language = "bsl"
    urdu_share = {"ur": 0.9, "pa": 0.75, "bn": 0.3, "syl": 0.3, "ps": 0.4, "fa": 0.4, "gu": 0.1}
    person.locale = "ur" if rng.random() < urdu_share.get(language, 0) else "en"
    if person.locale == "en" and group == "asian_pakistani" and older and rng.random() < 0.5:
        person.locale = "ur"

    if group and group.startswith("mixed"):
        religion = _pick(rng, MIXED_RELIGION)
    else:
        religion = _pick(rng, RELIGIONS.get(group, RELIGIONS[None]))
    age = _pick(rng, OLDER_AGES if older or person.locale == "ur" else AGES)
    sex = _pick(rng, {"female": 58, "male": 40, "not_stated": 2})
    inner = group is not None and group.split("_")[0] in ("asian", "black", "other")
    district = _pick(rng, INNER_DISTRICTS if inner else DISTRICTS)
    profile = {
        "ethnic_group": group,
        "language": language,
        "religion": religion,
        "age_band": age,
        "sex": sex,
        "gender_identity": _pick(rng, {"yes": 93, "no": 1, "not_stated": 6}),
        "sexual_orientation": _pick(
            rng, {"straight": 85, "gay_lesbian": 3, "bisexual": 2, "other": 1, "not_stated": 9}
        ),
        "disability": _pick(
            rng,
            {"no": 55, "yes_a_little": 20, "yes_a_lot": 20, "not_stated": 5}
            if age in ("65_74", "75_plus")
            else {"no": 75, "yes_a_little": 13, "yes_a_lot": 7, "not_stated": 5},
        ),
        "carer": _pick(rng, {"no": 80, "yes": 17, "not_stated": 3}),
        "postcode_district": district,
    }
    if group == "not_stated":
        for key in ("religion", "sexual_orientation", "age_band"):
            if rng.random() < 0.5:
                profile[key] = "not_stated"
    if group is None and person.consent:
        # a paper form with the "about you" page half filled in: no ethnic group
        profile = {k: profile[k] for k in ("age_band", "sex", "postcode_district")}
    # someone answering online skips a question now and then
    for key in ("gender_identity", "sexual_orientation", "carer", "postcode_district"):
        if rng.random() < 0.08:
            profile.pop(key, None)
    person.profile = {k: v for k, v in profile.items() if v is not None}
    if person.consent is not True:
        person.profile = {}

    women = sex == "female" and group in (
        "asian_pakistani",
        "asian_bangladeshi",
        "asian_indian",
        "other_arab",
    )
    if person.channel == Channel.online:
        if women and rng.random() < 0.35:
            person.forum = WOMENS_CIRCLE
        elif inner and rng.random() < 0.15:
            person.forum = FORUM
    elif person.channel in (Channel.event, Channel.interpreter) or rng.random() < 0.4:
        # events and interpreted calls through the forum; paper and phone mostly to the ICB
        person.forum, person.entered_by = FORUM, HOST_EMAIL
    else:
        person.entered_by = ANALYST_EMAIL


def _answers(rng: random.Random, person: Respondent, texts: dict[str, _Pool]) -> dict[str, Any]:
    """Answers that follow the skip logic, leaning a little by group and language."""
    profile_language = person.profile.get("language") or ("ur" if person.locale == "ur" else "")
    age = person.profile.get("age_band", "")
    older = age in ("65_74", "75_plus") or person.channel in (Channel.paper, Channel.phone)
    urdu = person.locale == "ur"
    answers: dict[str, Any] = {}

    needs_interpreter = person.channel == Channel.interpreter or rng.random() < {
        "ur": 0.55,
        "pa": 0.45,
        "bn": 0.5,
        "syl": 0.6,
        "ro": 0.7,
        "pl": 0.3,
        "ar": 0.5,
        "so": 0.6,
        "ti": 0.6,
        "ku": 0.5,
        "ps": 0.6,
        "fa": 0.5,
        "zh": 0.3,
        "gu": 0.3,
        "bsl": 1.0,
    }.get(profile_language, 0.02 if not urdu else 0.55)
    interpreter_by = None
    if needs_interpreter:
        interpreter_by = _pick(rng, {"professional": 35, "family": 35, "child": 12, "nobody": 18})
    dissatisfied = DISSATISFACTION.get(person.group or "", 0.0)
    if urdu:
        dissatisfied += 0.08
    if interpreter_by in ("child", "nobody"):
        dissatisfied += 0.15

    ways = ["phone"] if rng.random() < 0.85 else []
    if not older and not urdu and rng.random() < 0.45:
        ways.append("online")
    if (older or urdu) and rng.random() < 0.35:
        ways.append("in_person")
    if (older or urdu) and rng.random() < 0.3:
        ways.append("someone_else")
    if rng.random() < 0.12:
        ways.append("pharmacy_111")
    order = ["phone", "online", "in_person", "someone_else", "pharmacy_111"]
    answers["contact_ways"] = sorted(set(ways) or {"phone"}, key=order.index)

    experience = _pick(
        rng,
        {
            "very_good": max(5.0, 30 - 45 * dissatisfied),
            "good": 30 - 15 * dissatisfied,
            "neither": 12,
            "poor": 13 + 30 * dissatisfied,
            "very_poor": 9 + 30 * dissatisfied,
            "dont_know": 3,
        },
    )
    answers["experience"] = experience
    badness = {"very_good": 0, "good": 1, "neither": 2, "dont_know": 2, "poor": 3, "very_poor": 4}[
        experience
    ]

    if rng.random() < 0.8:
        answers["practice_area"] = person.profile.get("postcode_district") or _pick(rng, DISTRICTS)
    if rng.random() < 0.7:
        days_before = rng.randint(0, 50)
        answers["last_contact"] = (
            person.submitted_at.date() - timedelta(days=days_before)
        ).isoformat()
    if rng.random() < 0.85:
        answers["attempts"] = max(1, min(50, 1 + int(rng.expovariate(1 / (1 + 1.6 * badness)))))
    answers["got_appointment"] = _pick(
        rng,
        [
            {"yes_needed": 70, "yes_later": 22, "call_back": 6, "gave_up": 2},
            {"yes_needed": 55, "yes_later": 30, "call_back": 10, "gave_up": 5},
            {"yes_needed": 35, "yes_later": 35, "call_back": 20, "gave_up": 10},
            {"yes_needed": 15, "yes_later": 35, "call_back": 30, "gave_up": 20},
            {"yes_needed": 5, "yes_later": 30, "call_back": 35, "gave_up": 30},
        ][badness],
    )

    if experience in ("poor", "very_poor") and rng.random() < 0.85:
        answers["what_went_wrong"] = texts["went_wrong_ur" if urdu else "went_wrong_en"].take()
    likert = ["strongly_agree", "agree", "neither", "disagree", "strongly_disagree"]
    answers["respect"] = likert[
        max(0, min(4, round(badness * 0.8 + rng.gauss(0, 0.9) + dissatisfied * 2)))
    ]
    if rng.random() < 0.9:
        answers["understood"] = likert[
            max(0, min(4, round(badness * 0.5 + rng.gauss(0, 0.9) + (1.2 if urdu else 0))))
        ]
    if rng.random() < 0.9:
        answers["recommend"] = max(0, min(10, round(9 - 2.1 * badness + rng.gauss(0, 1.3))))

    barriers = []
    for code, chance in (
        ("phone_queue", 0.55),
        ("online_only", 0.35 if older or urdu else 0.12),
        ("language", 0.75 if needs_interpreter else 0.02),
        ("opening_hours", 0.25 if age in ("25_34", "35_44", "45_54") else 0.08),
        ("treated_unfairly", 0.08 + dissatisfied * 0.6),
        ("getting_there", 0.2 if older else 0.06),
    ):
        if rng.random() < chance:
            barriers.append(code)
    if not barriers and rng.random() < 0.6:
        barriers = ["none"]
    if barriers or rng.random() < 0.9:
        answers["barriers"] = barriers or ["none"]

    answers["need_interpreter"] = "yes" if needs_interpreter else "no"
    if needs_interpreter:
        if rng.random() < 0.92:
            answers["interpreter_language"] = INTERPRETER_FOR.get(
                profile_language, "urdu" if urdu else "other"
            )
        answers["interpreter_provided"] = interpreter_by

    if rng.random() < (0.55 if person.channel == Channel.paper else 0.7):
        answers["one_change"] = texts["one_change_ur" if urdu else "one_change_en"].take()
    if rng.random() < 0.3 + 0.08 * badness:
        answers["anything_else"] = texts["anything_else_ur" if urdu else "anything_else_en"].take()
    return answers


# Time --------------------------------------------------------------------------------------


def _when(rng: random.Random, person: Respondent, opened: date, now: datetime) -> datetime:
    """When a response came in: online mostly in the first weeks; events on their day;
    paper in batches when the forms were typed in."""
    events = [opened + timedelta(days=9), opened + timedelta(days=29)]
    paper_days = [opened + timedelta(days=d) for d in (16, 27, 38)]
    if person.channel == Channel.event:
        day, hour = rng.choice(events), rng.uniform(10.5, 15)
    elif person.channel == Channel.paper:
        day, hour = rng.choice(paper_days), rng.uniform(9.5, 16.5)
    elif person.channel in (Channel.phone, Channel.interpreter):
        day, hour = opened + timedelta(days=rng.randint(2, OPEN_DAYS - 1)), rng.uniform(9, 17)
    else:
        offset = int(OPEN_DAYS * rng.random() ** 1.5)
        if rng.random() < 0.12:  # a bump after each event, as word gets round
            offset = (rng.choice(events) - opened).days + rng.randint(0, 3)
        day, hour = opened + timedelta(days=offset), rng.triangular(7, 23, 20)
    moment = datetime.combine(day, time(0), tzinfo=UTC) + timedelta(hours=hour)
    if moment >= now:
        moment = now - timedelta(minutes=rng.randint(5, 600))
    return moment


# Loading -----------------------------------------------------------------------------------


def load(organisations: Mapping[str, Organisation]) -> Survey:
    """Add the consultation, its survey and its responses; returns the survey."""
    rng = random.Random(SEED)
    today = date.today()
    opened = today - timedelta(days=OPEN_DAYS)
    consultation = consultations.create_consultation(
        actor=None,
        organisation=organisations["northmoor-icb"],
        title=TITLE,
        summary=SUMMARY,
        body=BODY,
        slug=CONSULTATION_SLUG,
        service_area=ServiceArea.primary_care,
        stage=Stage.strategic_planning,
        languages=["en", "ur"],
        opens_on=opened,
        closes_on=today + timedelta(days=CLOSES_IN_DAYS),
        target_communities=["asian_pakistani", "asian_bangladeshi", "black_african"],
    )
    # Northmoor is fictional; its respondents are compared with Bolton's Census figures
    consultation.area_code = AREA_CODE
    survey = _build_survey(consultation)
    consultations.set_status(consultation, ConsultationStatus.open, actor=None)
    _add_responses(rng, survey, organisations, opened)
    return survey


def _add_responses(
    rng: random.Random, survey: Survey, organisations: Mapping[str, Organisation], opened: date
) -> None:
    users = {email: accounts.get_user_by_email(email) for email in (HOST_EMAIL, ANALYST_EMAIL)}
    texts = {
        "went_wrong_en": _Pool(rng, WENT_WRONG_EN),
        "went_wrong_ur": _Pool(rng, WENT_WRONG_UR),
        "one_change_en": _Pool(rng, ONE_CHANGE_EN),
        "one_change_ur": _Pool(rng, ONE_CHANGE_UR),
        "anything_else_en": _Pool(rng, ANYTHING_ELSE_EN),
        "anything_else_ur": _Pool(rng, ANYTHING_ELSE_UR),
    }
    now = utcnow()
    people = _respondents(rng)
    for person in people:
        person.submitted_at = _when(rng, person, opened, now)
        person.answers = _answers(rng, person, texts)
    _plant_contact_details(people)

    submitted: list[tuple[Response, datetime]] = []
    for person in sorted(people, key=lambda p: p.submitted_at):
        entered_by = users.get(person.entered_by) if person.entered_by else None
        forum = organisations.get(person.forum) if person.forum else None
        draft, _token = responses.start_draft(
            survey,
            locale=person.locale,
            days=1,
            channel=person.channel,
            forum_id=forum.id if forum else None,
            entered_by_id=entered_by.id if entered_by else None,
        )
        draft.answers = person.answers
        draft.monitoring_consent = person.consent
        draft.profile = person.profile
        submitted.append((responses.submit(draft, survey), person.submitted_at))
    # the journey stamps "now": spread them over the weeks the consultation has been open
    for response, moment in submitted:
        response.submitted_at = moment
    db.session.execute(delete(Draft).where(Draft.survey_id == survey.id))
    db.session.flush()


def _plant_contact_details(people: list[Respondent]) -> None:
    """One answer with a phone number, one with an email address (both fictional)."""
    english = [p for p in people if p.locale == "en" and p.channel == Channel.online]
    for person in english:
        if "what_went_wrong" in person.answers:
            person.answers["what_went_wrong"] = WITH_PHONE
            break
    for person in reversed(english):
        if "anything_else" in person.answers:
            person.answers["anything_else"] = WITH_EMAIL
            break
