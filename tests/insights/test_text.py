"""The offline text analysis of one answer: language, sentiment, noun phrases, redaction.

Expected values are written by hand; polarities are checked against TextBlob's own
PatternAnalyzer, the reference the product promises to match.
"""

import csv
from pathlib import Path

import pytest
from textblob import TextBlob
from textblob.en.sentiments import PatternAnalyzer

from engage.insights import text as text_module
from engage.insights.text import (
    NOT_SCORED,
    PiiKind,
    SentimentLabel,
    analyse,
    detect_language,
    noun_phrases,
    redact,
    sentiment,
)

URDU = [
    # The doctor was very good but I had to wait a long time
    "ڈاکٹر بہت اچھے تھے لیکن مجھے بہت انتظار کرنا پڑا",
    # I needed an interpreter
    "مجھے ترجمان کی ضرورت تھی",
    # The staff at reception were rude
    "استقبالیہ پر عملہ بدتمیز تھا",
    # It took three weeks to get an appointment
    "اپوائنٹمنٹ ملنے میں تین ہفتے لگ گئے",
]


# --- language -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "The reception staff were rude and I waited three weeks for an appointment.",
        "gp was rubbish, waited 3 wks",
        "receptionist v rude",
        "cant get thru on the phone",
        "A&E was heaving, 6hrs wait",
        "Excellent",
        "Kind staff.",
        "Nothing.",
    ],
)
def test_english_including_casual_and_one_word_answers(text):
    assert detect_language(text) == "en"


@pytest.mark.parametrize("text", URDU)
def test_urdu(text):
    assert detect_language(text) == "ur"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("كان الطبيب لطيفا جدا", "ar"),
        ("انتظرت ثلاثة أسابيع للحصول على موعد", "ar"),
        ("پزشک بسیار مهربان بود", "fa"),
        ("ਡਾਕਟਰ ਬਹੁਤ ਚੰਗੇ ਸਨ", "pa"),
        ("ਮੈਨੂੰ ਦੁਭਾਸ਼ੀਏ ਦੀ ਲੋੜ ਸੀ", "pa"),
        ("ডাক্তার খুব ভালো ছিলেন", "bn"),
        ("আমি তিন সপ্তাহ অপেক্ষা করেছি", "bn"),
        ("ડૉક્ટર ખૂબ સારા હતા", "gu"),
        ("医生很好", "zh"),
        ("Lekarz był bardzo miły, ale czekałem trzy tygodnie na wizytę.", "pl"),
        ("Nie mogłem się dodzwonić do przychodni", "pl"),
        ("Doctorul a fost foarte amabil", "ro"),
        ("Dhakhtarku aad buu u wanaagsanaa", "so"),
        ("Врач был очень добрым", "ru"),
    ],
)
def test_other_languages(text, language):
    assert detect_language(text) == language


@pytest.mark.parametrize("text", ["", "   ", "ok", "No", "10/10!", "👍", "07700 900123"])
def test_too_short_to_tell(text):
    assert detect_language(text) is None


# --- sentiment ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("The nurses were kind and helpful", SentimentLabel.positive),
        ("Brilliant service, thank you", SentimentLabel.positive),
        ("Terrible service, the receptionist was rude", SentimentLabel.negative),
        ("The waiting room was dirty and cold", SentimentLabel.negative),
        ("The appointment was on Tuesday", SentimentLabel.neutral),
    ],
)
def test_english_sentiment(text, label):
    result = sentiment(text)
    assert result.scored
    assert result.label == label
    assert result.polarity == pytest.approx(PatternAnalyzer().analyze(text).polarity)
    assert result.polarity == pytest.approx(TextBlob(text).sentiment.polarity)


@pytest.mark.parametrize("text", [*URDU, "Lekarz był bardzo miły", "ok", ""])
def test_other_languages_and_short_text_are_not_scored(text):
    result = sentiment(text)
    assert result == NOT_SCORED
    assert not result.scored
    assert result.polarity is None


FIXTURE = Path(__file__).with_name("coded_comments.csv")

# --- noun phrases ---------------------------------------------------------------------


def test_noun_phrases_of_a_known_sentence():
    text = "The reception staff were rude and the appointment system is awful."
    assert noun_phrases(text) == ["reception staff", "appointment system"]


def test_noun_phrases_drop_determiners_pronouns_and_numbers_and_come_once_in_order():
    text = (
        "I waited 3 weeks for my GP. The car park is a nightmare and the car park "
        "is always full. They didn't listen to me or my husband about his mental health."
    )
    assert noun_phrases(text) == [
        "weeks",
        "gp",
        "car park",
        "nightmare",
        "husband",
        "mental health",
    ]


def test_noun_phrases_keep_the_waiting_list():
    assert noun_phrases("I was on the waiting list for months") == ["waiting list", "months"]


NOUN_PHRASE_SENTENCES = [
    # an adverb opening a noun phrase, a conjunction at a chunk's start, modal and
    # gerund verb phrases, prepositions, adjective phrases, slashes, several sentences
    "Very nice work by the team. Perhaps you could ring back and not just text?",
    "And the staff and doctors were really very helpful, polite and kind.",
    "I would be waiting hours, so the waiting times / booking system should improve.",
    "Quickly seen by a nurse. Not very clean toilets! Will come again in 2 weeks",
    "Being listened to and having an interpreter booked for my mum made the difference",
    "Nothing",
    "",
]


@pytest.mark.parametrize(
    "text",
    NOUN_PHRASE_SENTENCES
    + [row["text"] for row in csv.DictReader(FIXTURE.read_text(encoding="utf-8").splitlines())],
)
def test_noun_phrases_are_what_the_pattern_parsers_full_parse_gives(text):
    """The pipeline's shortened parse (noun and verb phrase rules only) finds the same
    words, tags and noun phrases as the pattern parser's own chunked parse."""
    ours, full = text_module._parse(text), text_module._full_parse(text)
    assert [[w[:2] for w in s] for s in ours] == [[w[:2] for w in s] for s in full]

    def noun_chunks(parsed):
        return [
            [tag if tag.endswith("-NP") else "O" for tag in text_module._np_tags(sentence)]
            for sentence in parsed
        ]

    assert noun_chunks(ours) == noun_chunks(full)
    assert text_module._noun_phrases(ours) == text_module._noun_phrases(full)


def test_redaction_placeholders_are_not_noun_phrases():
    assert noun_phrases("The interpreter called [phone] and asked for [name].") == ["interpreter"]


# --- redaction ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "redacted", "kind"),
    [
        ("Email me at fatima.khan@example.org please", "Email me at [email] please", "email"),
        ("Call me on 07700 900123 after 5", "Call me on [phone] after 5", "phone"),
        ("ring 07700900123", "ring [phone]", "phone"),
        ("The surgery is 0161 496 0000", "The surgery is [phone]", "phone"),
        ("my number is +44 7700 900123.", "my number is [phone].", "phone"),
        ("020-7946-0000 is always engaged", "[phone] is always engaged", "phone"),
        ("(0113) 496 0000 or +44 (0)161 496 0000", "[phone] or [phone]", "phone"),
        ("My NHS number is 943 476 5919", "My NHS number is [NHS number]", "nhs_number"),
        ("ref 9434765919 on the letter", "ref [NHS number] on the letter", "nhs_number"),
        ("943-476-5919", "[NHS number]", "nhs_number"),
        # a wrong check digit, but introduced as an NHS number: still redacted
        ("NHS no. 943 476 5918", "NHS no. [NHS number]", "nhs_number"),
        ("I live at BL1 4AA near the park", "I live at [postcode] near the park", "postcode"),
        ("postcode m1 1ae", "postcode [postcode]", "postcode"),
        ("SW1A 1AA", "[postcode]", "postcode"),
        ("DOB: 03/04/1987", "DOB: [date of birth]", "date_of_birth"),
        ("I was born on 3rd April 1987.", "I was born on [date of birth].", "date_of_birth"),
        ("date of birth 3 April", "date of birth [date of birth]", "date_of_birth"),
        ("born in 1987, so", "born in [date of birth], so", "date_of_birth"),
        ("seen on 12/03/2024 at 10:30", "seen on [date] at 10:30", "date"),
        ("Last appointment 7th Dec 2014", "Last appointment [date]", "date"),
        ("My name is Fatima Khan and I waited", "My name is [name] and I waited", "name"),
        ("my name is fatima khan and i waited", "my name is [name] and i waited", "name"),
        ("I'm called Ahmed.", "I'm called [name].", "name"),
        ("Dr Smith was rude", "Dr [name] was rude", "name"),
        ("Mrs Begum helped me", "Mrs [name] helped me", "name"),
        ("Ask for Sarah at reception", "Ask for [name] at reception", "name"),
        ("a nurse called Jo, who", "a nurse called [name], who", "name"),
        ("Dr Khan's advice", "Dr [name]'s advice", "name"),
        ("Dr Ryan Lawty is fantastic", "Dr [name] is fantastic", "name"),
    ],
)
def test_each_kind_of_personal_data_is_replaced_and_reported(text, redacted, kind):
    result = redact(text)
    assert result.text == redacted
    assert result.kinds == {PiiKind(kind)}


def test_several_kinds_in_one_answer():
    result = redact(
        "My name is Fatima Khan, DOB 03/04/1987, NHS number 943 476 5919, "
        "at BL1 4AA; call 07700 900123 or fatima@example.org"
    )
    assert result.text == (
        "My name is [name], DOB [date of birth], NHS number [NHS number], "
        "at [postcode]; call [phone] or [email]"
    )
    assert result.kinds == {
        PiiKind.name,
        PiiKind.date_of_birth,
        PiiKind.nhs_number,
        PiiKind.postcode,
        PiiKind.phone,
        PiiKind.email,
    }


@pytest.mark.parametrize(
    "text",
    [
        "The GP was great and A&E was quick.",
        "Appointment at 10:30, waited 3 weeks.",
        "I rang 111 and then 999.",
        "Prescriptions cost £9.90 and parking £2.50 an hour, £1,200 a year.",
        "Seen on Monday; in 2024 it was worse.",
        # ten digits whose check digit is wrong, and no mention of the NHS
        "waited 1234567890 minutes",
        "24/7 support, but 1 in 10 patients waited over 18 weeks",
        "I live in BL1 and the ward is B12 3rd floor.",
        "My baby was born in October.",
        "I called the surgery twice and spoke to reception.",
        "The Dr was kind. The doctor listened.",
        "Natasha and the team were lovely.",
        URDU[0],
    ],
)
def test_ordinary_text_stays(text):
    result = redact(text)
    assert result.text == text
    assert result.kinds == set()


@pytest.mark.parametrize(
    ("text", "redacted"),
    [
        # Urdu. My name is Fatima Khan and I waited three weeks
        (
            "میرا نام فاطمہ خان ہے اور میں نے تین ہفتے انتظار کیا",
            "میرا نام [name] ہے اور میں نے تین ہفتے انتظار کیا",
        ),
        ("میرا نام فاطمہ خان۔", "میرا نام [name]۔"),
        # typed with Arabic yeh: the same words
        ("ميرا نام فاطمہ ہے", "ميرا نام [name] ہے"),
        # My name is also Fatima
        ("میرا نام بھی فاطمہ ہے", "میرا نام بھی [name] ہے"),
        # Everyone calls me Ahmed
        ("مجھے سب احمد کہتے ہیں", "مجھے سب [name] کہتے ہیں"),
        # Dr Ahmed Khan was very good but Mrs Baig made us wait
        (
            "ڈاکٹر احمد خان بہت اچھے تھے لیکن مسز بیگ نے انتظار کروایا",
            "ڈاکٹر [name] بہت اچھے تھے لیکن مسز [name] نے انتظار کروایا",
        ),
        # The doctor called Mrs Khan
        ("ڈاکٹر نے مسز خان کو بلایا", "ڈاکٹر نے مسز [name] کو بلایا"),
        # Ms Razia helped
        ("محترمہ رضیہ نے مدد کی", "محترمہ [name] نے مدد کی"),
        # The nurse's name was Ayesha
        ("نرس کا نام عائشہ تھا", "نرس کا نام [name] تھا"),
        # There was a nurse named Fatima who was very kind
        (
            "وہاں فاطمہ نام کی ایک نرس تھی جو بہت اچھی تھی",
            "وہاں [name] نام کی ایک نرس تھی جو بہت اچھی تھی",
        ),
        # Polish. My name is Anna Kowalska and I waited three weeks
        (
            "Mam na imię Anna Kowalska i czekałam trzy tygodnie.",
            "Mam na imię [name] i czekałam trzy tygodnie.",
        ),
        ("mam na imie anna", "mam na imie [name]"),
        ("Nazywam się Łukasz Nowak, mam 45 lat", "Nazywam się [name], mam 45 lat"),
        # Doctor Kowalska (Mrs Doctor) was very kind
        ("Pani Doktor Kowalska była bardzo miła", "Pani Doktor [name] była bardzo miła"),
        ("pani Ania z rejestracji pomogła", "pani [name] z rejestracji pomogła"),
        ("Pani dr Łucja Żak przyjęła mnie szybko", "Pani dr [name] przyjęła mnie szybko"),
        ("Doktor Nowak mnie wysłuchał", "Doktor [name] mnie wysłuchał"),
        # Romanian
        ("Mă numesc Ioana Popescu și am așteptat", "Mă numesc [name] și am așteptat"),
        ("ma numesc ioana si am asteptat", "ma numesc [name] si am asteptat"),
        ("Numele meu este Ion.", "Numele meu este [name]."),
        # Somali
        ("Magacaygu waa Faadumo Cali, waxaan sugayay", "Magacaygu waa [name], waxaan sugayay"),
        # Arabic. Hello, my name is Sara Ahmed and I waited three weeks
        (
            "مرحبا، اسمي سارة أحمد وانتظرت ثلاثة أسابيع",
            "مرحبا، اسمي [name] وانتظرت ثلاثة أسابيع",
        ),
        ("أنا اسمي وليد.", "أنا اسمي [name]."),
        # Bengali. My name is Fatema Khatun. The doctor was very good
        (
            "আমার নাম ফাতেমা খাতুন। ডাক্তার খুব ভালো ছিলেন",
            "আমার নাম [name]। ডাক্তার খুব ভালো ছিলেন",
        ),
        # names that are also words elsewhere: Ali (Arabic "on"), Shafiq ("kind")
        ("میرا نام علی ہے", "میرا نام [name] ہے"),
        ("ڈاکٹر علی بہت اچھے تھے", "ڈاکٹر [name] بہت اچھے تھے"),
        ("اسمي علي", "اسمي [name]"),
        ("میرا نام شفیق ہے", "میرا نام [name] ہے"),
        # Polish in plain letters: "my surname is", a doctor's abbreviated title
        ("moje nazwisko to Kowalski", "moje nazwisko to [name]"),
        ("lek. Nowak był miły", "lek. [name] był miły"),
        # Punjabi (Gurmukhi). My name is Harpreet Kaur
        ("ਮੇਰਾ ਨਾਮ ਹਰਪ੍ਰੀਤ ਕੌਰ ਹੈ", "ਮੇਰਾ ਨਾਮ [name] ਹੈ"),
        ("ਮੇਰਾ ਨਾਂ ਗੁਰਪ੍ਰੀਤ ਹੈ ਅਤੇ", "ਮੇਰਾ ਨਾਂ [name] ਹੈ ਅਤੇ"),
    ],
)
def test_names_introduced_as_names_in_other_languages(text, redacted):
    result = redact(text)
    assert result.text == redacted
    assert result.kinds == {PiiKind.name}


@pytest.mark.parametrize(
    "text",
    [
        # Urdu. They did not say my name
        "میرا نام نہیں بتایا",
        # my name was written wrongly; my name was not on the list
        "میرا نام غلط لکھا گیا تھا",
        "میرا نام فہرست میں نہیں تھا",
        # they called my name but I did not hear
        "انہوں نے میرا نام پکارا لیکن میں نے نہیں سنا",
        # The doctor was very good; the doctor (sahib) was very good
        "ڈاکٹر بہت اچھے تھے",
        "ڈاکٹر صاحب بہت اچھے تھے",
        # the doctor did not speak Urdu
        "ڈاکٹر اردو نہیں بولتے تھے",
        # so that a woman doctor can be seen easily
        "خاتون ڈاکٹر آسانی سے مل سکے۔",
        # the medicine's name I do not remember; the question's name is required
        "دوائی کا نام یاد نہیں ہے",
        "سوال کا نام درکار ہے۔",
        # they tell me to wait
        "مجھے انتظار کرنے کو کہتے ہیں",
        # Polish. The doctor was kind; the lady at reception was rude
        "Pan doktor był miły",
        "Pani Doktor była bardzo miła i pomocna",
        "Pani w rejestracji była niemiła",
        # Romanian: my name was not on the list
        "Numele meu nu era pe listă",
        # Somali: the doctor was very good
        "Dhakhtarku aad buu u wanaagsanaa",
        # Arabic: my name was pronounced wrongly
        "تم نطق اسمي خطأ",
        # Bengali: my name was not called
        "আমার নাম ডাকা হয়নি",
        # Punjabi: my name was written wrongly
        "ਮੇਰਾ ਨਾਮ ਗਲਤ ਲਿਖਿਆ ਸੀ",
    ],
)
def test_other_languages_without_a_name_stay(text):
    result = redact(text)
    assert result.text == text
    assert result.kinds == set()


# --- one answer -----------------------------------------------------------------------


def test_analyse_english_answer():
    result = analyse("Dr Joy was lovely but the appointment system is awful. Call 07700 900123.")
    assert result.language == "en"
    assert (
        result.redacted.text
        == "Dr [name] was lovely but the appointment system is awful. Call [phone]."
    )
    assert result.redacted.kinds == {PiiKind.name, PiiKind.phone}
    # scored without the name: with "Joy" as a positive word it would come out positive
    assert sentiment("Dr Joy was lovely but the appointment system is awful.").label == "positive"
    assert result.sentiment == sentiment("Dr was lovely but the appointment system is awful.")
    assert result.sentiment.label == SentimentLabel.negative
    assert "joy" not in " ".join(result.noun_phrases)
    assert "appointment system" in result.noun_phrases


def test_analyse_matches_sentiment_and_noun_phrases_on_text_without_personal_data():
    text = "The reception staff were rude and the appointment system is awful."
    result = analyse(text)
    assert result.sentiment == sentiment(text)
    assert result.sentiment.label == SentimentLabel.negative
    assert result.noun_phrases == noun_phrases(text)


def test_analyse_urdu_answer_is_not_scored_but_is_redacted():
    result = analyse(URDU[0] + " 07700 900123")
    assert result.language == "ur"
    assert result.sentiment == NOT_SCORED
    assert result.noun_phrases == []
    assert result.redacted.text == URDU[0] + " [phone]"
    assert result.redacted.kinds == {PiiKind.phone}


@pytest.mark.parametrize(
    ("text", "language", "name"),
    [
        ("میرا نام فاطمہ خان ہے، مجھے ترجمان کی ضرورت تھی", "ur", "فاطمہ"),
        ("Mam na imię Anna Kowalska i czekałam trzy tygodnie na wizytę.", "pl", "Anna"),
    ],
)
def test_analyse_keeps_a_name_in_another_language_out_of_the_redacted_text(text, language, name):
    result = analyse(text)
    assert result.language == language
    assert name not in result.redacted.text
    assert PiiKind.name.placeholder in result.redacted.text
    assert result.redacted.kinds == {PiiKind.name}
