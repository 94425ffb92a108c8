//! Understanding inbound replies: every message a lead sends is sorted on the device into
//! interested, asks-later, not-interested, opt-out, wrong-number or unclear, in English,
//! Persian and Arabic (including Gulf and Egyptian forms, colloquial Persian and a little
//! Latin-script Arabic and Persian). It is a readable lexicon plus a few rules — normalise,
//! find cues, flip negated intents, apply a fixed precedence — so it is deterministic, fast,
//! offline and explainable: [`Classified::matched`] names the words that decided. It is not a
//! language model and does not try to read sarcasm or long letters; when one is configured it
//! may refine this answer later, but this classifier is the floor the app always has.
//!
//! Precedence: opt-out > wrong number > not interested > asks later > interested > unclear.
//! A bare "no" counts as not interested only when nothing else in the message says more.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// What a reply means for the lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ReplyClass {
    Interested,
    AsksLater,
    NotInterested,
    OptOut,
    WrongNumber,
    /// "ok", "thanks", an emoji, a question that says nothing the others cover.
    Unclear,
}

impl ReplyClass {
    pub const ALL: [ReplyClass; 6] = [
        ReplyClass::Interested,
        ReplyClass::AsksLater,
        ReplyClass::NotInterested,
        ReplyClass::OptOut,
        ReplyClass::WrongNumber,
        ReplyClass::Unclear,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReplyClass::Interested => "interested",
            ReplyClass::AsksLater => "asks_later",
            ReplyClass::NotInterested => "not_interested",
            ReplyClass::OptOut => "opt_out",
            ReplyClass::WrongNumber => "wrong_number",
            ReplyClass::Unclear => "unclear",
        }
    }

    /// Reads the text form (`asks_later`; `asks-later` is accepted too).
    pub fn parse(s: &str) -> Option<ReplyClass> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        ReplyClass::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

impl std::fmt::Display for ReplyClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The answer for one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Classified {
    pub class: ReplyClass,
    /// `"en"`, `"fa"` or `"ar"`, from the script and common words; `None` when the message has
    /// no letters (an emoji, a number).
    pub language: Option<&'static str>,
    /// The cues that decided, in normalised form ("not really interested", "stop").
    pub matched: Vec<String>,
}

/// Classifies one inbound message.
pub fn classify(text: &str) -> Classified {
    let normalized = normalize(text);
    let tokens: Vec<&str> = normalized.split(' ').filter(|t| !t.is_empty()).collect();
    let language = detect_language(text, &tokens);
    let cues = find_cues(&tokens);
    let (class, matched) = decide(cues);
    Classified { class, language, matched }
}

/// The language of one message, as [`classify`] tells it, without looking for its cues (the
/// dearest part: every lexicon entry tried at every word) — what an enquiry needs.
pub fn language(text: &str) -> Option<&'static str> {
    let normalized = normalize(text);
    let tokens: Vec<&str> = normalized.split(' ').filter(|t| !t.is_empty()).collect();
    detect_language(text, &tokens)
}

// ---------------------------------------------------------------------------------------------
// The lexicon. Entries are written naturally; they go through the same `normalize` as messages.
// A token ending in `*` matches any word starting with it; a lone `_` matches any one word.
// Arabic-script phrases also match with a leading proclitic (و ف ب ل ال وال بال لل …).
// ---------------------------------------------------------------------------------------------

const EN_OPT_OUT: &[&str] = &[
    "stop", "unsubscribe", "unsub", "opt out", "optout", "remove", "delete my number",
    "delete my contact", "take me off", "off your list", "don't message", "do not message",
    "don't text", "do not text", "don't contact", "do not contact", "don't call me",
    "do not call", "don't send", "do not send", "leave me alone", "never contact",
    "hear from you again", "report you", "spam", "block you", "blocking you",
];
const FA_OPT_OUT: &[&str] = &[
    "لغو", "توقف", "پیام ندید", "پیام ندهید", "پیام نده", "پیام نفرستید", "پیام نفرست",
    "پیام نزنید", "مزاحم نشید", "مزاحم نشوید", "مزاحم نشو", "پاک کنید", "پاک کن", "از لیست*",
    "بلاک*", "اسپم", "تماس نگیرید", "زنگ نزنید", "لغو عضویت",
];
const AR_OPT_OUT: &[&str] = &[
    "توقف", "وقفوا", "وقف الرسائل", "اوقف*", "إلغاء", "الغاء الاشتراك", "لا ترسل*", "لا تراسل*",
    "لا تتصل*", "لا تكلمني", "احذف رقمي", "امسح رقمي", "شيل رقمي", "ازعاج", "ازعجتني", "بلوك",
    "حظر", "سأحظر*", "ابلغ عنك", "بلغ عنك",
];

const EN_WRONG_NUMBER: &[&str] = &[
    "wrong number", "wrong no", "wrong person", "wrong guy", "wrong contact", "wrong whatsapp",
    "not me", "not the person", "not _ number", "not my number", "never contacted",
    "never enquired", "never inquired", "never registered", "never asked", "didn't enquire",
    "didn't inquire", "didn't register", "didn't ask for", "did not ask", "don't know you",
    "do not know you", "no idea who you are", "you have the wrong", "got the wrong",
];
const FA_WRONG_NUMBER: &[&str] = &[
    "شماره اشتباه*", "شمارتون اشتباه*", "شمارت اشتباه*", "اشتباه گرفت*", "اشتباهی", "اشتباه شده",
    "نمی‌شناسم*", "ثبت نام نکردم", "ثبت‌نام نکردم", "درخواستی ندادم", "درخواست ندادم",
    "مال من نیست",
];
const AR_WRONG_NUMBER: &[&str] = &[
    "رقم خطأ", "رقم غلط", "غلطان", "غلطانة", "غلطت بالرقم", "شخص الخطأ", "شخص غلط", "مش أنا",
    "مو أنا", "ليس أنا", "مب أنا", "ما أعرفك", "لا أعرفك", "مش عارفك", "ما سجلت", "لم أسجل",
    "ما طلبت", "لم أطلب", "ما تواصلت", "لم أتواصل", "ليس رقم", "مو رقم", "مش رقم",
];

const EN_NOT_INTERESTED: &[&str] = &[
    "not interested", "no interest", "no thanks", "no thank you", "no thx", "already bought",
    "bought already", "already found", "found a place", "found one", "found something",
    "not looking", "no longer", "not anymore", "changed my mind", "not for me", "i'll pass",
    "pass on this", "too expensive", "not going ahead", "decided not", "decided against",
    "no need",
];
const FA_NOT_INTERESTED: &[&str] = &[
    "نمی‌خوام", "نمی‌خواهم", "نمی‌خوایم", "نمی‌خواهیم", "لازم ندارم", "لازم نیست", "نیازی ندارم",
    "نیاز ندارم", "نیازی نیست", "خریدم", "خریدیم", "منصرف شدم", "منصرف شدیم", "پشیمون شدم",
    "نه ممنون", "نه مرسی", "نه متشکرم", "نه مچکرم", "دنبال _ نیستم", "دنبال _ نیستیم", "گرونه",
    "گران است", "به درد ما نمیخوره", "به دردم نمیخوره", "پیدا کردیم", "پیدا کردم",
    "na merci", "na mersi", "nemikham",
];
const AR_NOT_INTERESTED: &[&str] = &[
    "لا شكرا", "لا مشكور", "اشتريت", "اشترينا", "لقيت", "لقينا", "وجدت", "حصلت", "غيرت رأيي",
    "غالي", "غالية", "ما يناسبني", "لا يناسبني", "مش مناسب", "ما أحتاج", "لا أحتاج", "مش محتاج",
    "مو محتاج", "ما نحتاج", "la shukran", "la shokran", "mish mohtam", "mesh mohtam",
];

/// A bare "no": not interested only when nothing else in the message says more.
const WEAK_NO: &[&str] = &["no", "nope", "nah", "na", "نه", "لا", "la"];

const EN_ASKS_LATER: &[&str] = &[
    "later", "next week", "next month", "next year", "few days", "few weeks", "few months",
    "couple of weeks", "couple of months", "after eid", "after ramadan", "after summer",
    "after the summer", "after the holidays", "after new year", "end of the month", "not now",
    "not right now", "not at the moment", "busy", "in a meeting", "driving", "travelling",
    "on holiday", "on vacation", "call you back", "call me back", "get back to you",
    "think about it", "let me think", "discuss with", "check with my", "message me then",
    "when i'm back", "remind me", "call me tomorrow", "talk tomorrow", "january", "february",
    "march", "april", "june", "july", "august", "september", "october", "november", "december",
];
const FA_ASKS_LATER: &[&str] = &[
    "بعداً", "بعد از عید", "بعد از نوروز", "بعد از تعطیلات", "بعد از رمضان", "ماه بعد",
    "ماه دیگه", "ماه دیگر", "هفته بعد", "هفته دیگه", "هفته دیگر", "سال بعد", "سال دیگه",
    "چند ماه", "چند روز", "چند هفته", "فردا تماس", "فردا زنگ", "فعلا نه", "الان نه",
    "الان نمیتونم", "سرم شلوغ", "سرم شلوغه", "گرفتارم", "مشغولم", "در جلسه", "تو جلسه",
    "رانندگی", "مسافرتم", "در سفرم", "خبر میدم", "خبرتون میکنم", "جواب میدم", "بعد جواب",
    "مشورت کنم", "badan", "ba'dan",
];
const AR_ASKS_LATER: &[&str] = &[
    "لاحقا", "بعدين", "بعد العيد", "بعد رمضان", "بعد الصيف", "بعد شهر", "بعد شهرين",
    "بعد أسبوع", "الأسبوع القادم", "الأسبوع الجاي", "الشهر القادم", "الشهر الجاي",
    "السنة الجاية", "بكرة", "بكرا", "غدا", "مشغول*", "في اجتماع", "أسوق", "مسافر", "لما أرجع",
    "إذا رجعت", "أرجع لك", "برجع لك", "أتواصل معك", "أكلمك", "بكلمك", "سأتصل", "أتصل بك",
    "أفكر", "مو الحين", "مش الحين", "مش دلوقتي", "ليس الآن", "مش الآن", "ba3den", "ba3dein",
    "baadain", "bukra",
];

/// Interest that a negation turns into its opposite ("not interested", "ما أبي").
const EN_INTENT: &[&str] = &[
    "interested", "intrested", "interseted", "keen", "want", "wanna", "would like", "i'd like",
    "like to see", "need", "looking for",
];
const FA_INTENT: &[&str] = &["علاقه*", "میخوام", "میخواهم", "میخوایم", "alaghe*"];
const AR_INTENT: &[&str] = &[
    "مهتم*", "أبي", "أبغى", "أبغا", "أريد", "عايز", "عاوز", "بدي", "حاب", "ودي",
];

/// Interest that a negation merely cancels ("not sure" is not a refusal).
const EN_INTERESTED: &[&str] = &[
    "yes", "yeah", "yep", "yup", "sure", "send", "share", "details", "more info", "info",
    "information", "know more", "price", "how much", "cost", "service charge", "payment plan",
    "floor plan", "brochure", "view", "viewing", "visit", "see it", "see the", "available",
    "location", "where is", "photos", "pics", "pictures", "video", "call me", "book",
    "schedule", "go ahead", "sounds good", "let's", "when can", "can we",
];
const FA_INTERESTED: &[&str] = &[
    "بله", "بلی", "آره", "حتما", "قیمت*", "چنده", "چقدر", "جزئیات", "جزییات", "اطلاعات",
    "عکس*", "لوکیشن", "آدرس", "بازدید", "ببینم*", "ببینیم", "بفرست*", "موجود*", "پرداخت*",
    "زنگ بزنید", "تماس بگیرید", "وقت دارم", "gheymat*", "bale", "baleh",
];
const AR_INTERESTED: &[&str] = &[
    "نعم", "ايوه", "ايوا", "أي نعم", "أكيد", "أكيدا", "طبعا", "تفاصيل", "التفاصيل", "أرسل*",
    "دزلي", "السعر", "سعر*", "كم", "بكم", "المساحة", "الموقع", "وين", "صور*", "معاينة",
    "نعاين", "أعاين", "نشوف*", "أشوف*", "أرى", "متاح*", "متوفر*", "أقساط", "دفع*", "اتصل بي",
    "كلمني",
];

/// Phrases that contain a "no" but mean nothing ("no problem"); removed before matching.
const NEUTRAL: &[&str] = &["no problem", "no worries", "no rush", "لا بأس", "لا مشكلة"];

/// Words that negate an intent cue within `reach` words after them.
const NEGATORS_BEFORE: &[(&str, usize)] = &[
    ("not", 2), ("don't", 2), ("dont", 2), ("doesn't", 2), ("didn't", 2), ("never", 2),
    ("isn't", 2), ("aren't", 2), ("won't", 2), ("غير", 2), ("مش", 2), ("مو", 2), ("مب", 2),
    ("لست", 2), ("لسنا", 2), ("ليس", 2), ("ماني", 2), ("مانيب", 2), ("ما", 1), ("لا", 1),
    ("لم", 1),
];
/// Persian puts the negation after: "علاقه‌مند نیستم", "علاقه ندارم".
const NEGATORS_AFTER: &[&str] = &["ندارم", "نداریم", "نیستم", "نیستیم", "نیست", "nadaram", "nistam"];

/// "just been busy", "سرم شلوغ بود": a past state is not a request to wait.
const PAST_BEFORE: &[&str] = &["been", "was", "were", "كنت", "كنا"];
const PAST_AFTER: &[&str] = &["بود", "بودم", "بودیم"];

/// One-letter and article prefixes written joined to an Arabic word.
const PROCLITICS: &[&str] = &["و", "ف", "ب", "ل", "ال", "وال", "بال", "فال", "لل"];

// Language markers (normalised forms are compared).
const FA_MARKERS: &[&str] = &[
    "است", "هست", "را", "رو", "که", "ممنون", "مرسی", "بله", "خیلی", "چی", "شما", "ندارم",
    "دارم", "نه", "لطفا", "باشه", "دیگه", "میشه", "کنید", "هستم", "نیستم", "این", "اون", "یه",
    "از", "با", "برای", "تو", "من", "به", "بخیر", "کدوم",
];
const AR_MARKERS: &[&str] = &[
    "في", "على", "إلى", "أنا", "هذا", "هذه", "عن", "مش", "مو", "شو", "ايش", "وش", "الله",
    "نعم", "شكرا", "لا", "ما", "لي", "يا", "إذا", "لو", "مع", "الحين", "ممكن", "كم", "أنت",
    "بس", "خلاص", "تمام", "طيب", "هل", "متى", "أي", "مين", "معي",
];
const FA_LATIN_MARKERS: &[&str] = &[
    "merci", "mersi", "mamnoon", "mamnun", "baleh", "bale", "mikham", "nemikham", "alaghe",
    "nadaram", "chande", "gheymatesh", "gheymat", "khoobi", "salam",
];
const AR_LATIN_MARKERS: &[&str] = &[
    "habibi", "inshallah", "yalla", "shukran", "shokran", "mashallah", "wallah", "ba3den",
    "bukra", "akeed", "aywa",
];

// ---------------------------------------------------------------------------------------------
// Normalisation
// ---------------------------------------------------------------------------------------------

/// Canonical form of a message: NFKC, lower case, Arabic and Persian letter variants unified
/// (ي ى ئ → ی, ك → ک, أ إ آ ٱ → ا, ة ۀ → ه, ؤ → و), Arabic-Indic and Persian digits as ASCII,
/// tatweel, harakat, apostrophes and zero-width marks (ZWNJ included, joining the word) removed,
/// punctuation and emoji as spaces, repeated letters collapsed ("yesss" → "yes"), and the
/// Persian verb prefixes می/نمی joined to their verb.
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = ' ';
    let mut push = |c: char| {
        let Some(c) = fold_char(c) else { return };
        let c = if c.is_alphanumeric() { c } else { ' ' };
        let repeated_letter = c == last && (c == ' ' || c.is_alphabetic());
        if !repeated_letter {
            out.push(c);
            last = c;
        }
    };
    // ASCII is its own NFKC form: only other text needs composing.
    if text.is_ascii() {
        text.chars().flat_map(char::to_lowercase).for_each(&mut push);
    } else {
        text.nfkc().flat_map(char::to_lowercase).for_each(&mut push);
    }
    join_verb_prefixes(out.trim())
}

/// One character's canonical form; `None` drops it.
fn fold_char(c: char) -> Option<char> {
    match c {
        // Tatweel, harakat and Quranic marks, zero-width and direction marks, apostrophes.
        '\u{0640}' | '\u{064B}'..='\u{065F}' | '\u{0670}' | '\u{06D6}'..='\u{06ED}' => None,
        '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' => None,
        '\'' | '\u{2018}' | '\u{2019}' | '`' | '\u{02BC}' => None,
        'ي' | 'ى' | 'ئ' => Some('ی'),
        'ك' => Some('ک'),
        'أ' | 'إ' | 'آ' | 'ٱ' => Some('ا'),
        'ة' | 'ۀ' => Some('ه'),
        'ؤ' => Some('و'),
        '\u{0660}'..='\u{0669}' => char::from_digit(c as u32 - 0x0660, 10),
        '\u{06F0}'..='\u{06F9}' => char::from_digit(c as u32 - 0x06F0, 10),
        _ => Some(c),
    }
}

/// "نمی خوام" and "نمی‌خوام" (ZWNJ already removed) both become "نمیخوام".
fn join_verb_prefixes(spaced: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut pending: Option<&str> = None;
    for word in spaced.split(' ').filter(|w| !w.is_empty()) {
        match pending.take() {
            Some(prefix) => words.push(format!("{prefix}{word}")),
            None if word == "می" || word == "نمی" => pending = Some(word),
            None => words.push(word.to_string()),
        }
    }
    if let Some(prefix) = pending {
        words.push(prefix.to_string());
    }
    words.join(" ")
}

fn is_arabic_script(c: char) -> bool {
    matches!(c, '\u{0600}'..='\u{06FF}' | '\u{0750}'..='\u{077F}' | '\u{FB50}'..='\u{FDFF}' | '\u{FE70}'..='\u{FEFF}')
}

// ---------------------------------------------------------------------------------------------
// Language
// ---------------------------------------------------------------------------------------------

/// Script first, then letters only one of Arabic and Persian uses, then common words.
fn detect_language(raw: &str, tokens: &[&str]) -> Option<&'static str> {
    let arabic_script = raw.chars().filter(|&c| is_arabic_script(c) && c.is_alphabetic()).count();
    let latin = raw.chars().filter(|c| c.is_ascii_alphabetic()).count();
    if arabic_script == 0 && latin == 0 {
        return None;
    }
    let lex = lexicon();
    let count_words = |markers: &[String]| tokens.iter().filter(|t| markers.iter().any(|m| m == *t)).count();
    if latin > arabic_script {
        let fa = count_words(&lex.fa_latin_markers);
        let ar = count_words(&lex.ar_latin_markers);
        return Some(if fa > ar { "fa" } else if ar > fa { "ar" } else { "en" });
    }
    let persian_letters = raw.chars().filter(|c| "پچژگکی۰۱۲۳۴۵۶۷۸۹".contains(*c)).count();
    let arabic_letters = raw.chars().filter(|c| "ةىأإؤئكي٠١٢٣٤٥٦٧٨٩".contains(*c)).count();
    let articles = tokens.iter().filter(|t| t.starts_with("ال") && t.chars().count() > 3).count();
    let fa = persian_letters + 2 * count_words(&lex.fa_markers);
    let ar = arabic_letters + 2 * count_words(&lex.ar_markers) + articles;
    Some(if fa > ar { "fa" } else { "ar" })
}

// ---------------------------------------------------------------------------------------------
// Cues
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    OptOut,
    WrongNumber,
    NotInterested,
    WeakNo,
    AsksLater,
    Intent,
    Interested,
}

struct Cue {
    kind: Kind,
    words: Vec<String>,
    arabic_script: bool,
}

struct Lexicon {
    cues: Vec<Cue>,
    neutral: Vec<Vec<String>>,
    negators_before: Vec<(String, usize)>,
    negators_after: Vec<String>,
    past_before: Vec<String>,
    past_after: Vec<String>,
    proclitics: Vec<String>,
    fa_markers: Vec<String>,
    ar_markers: Vec<String>,
    fa_latin_markers: Vec<String>,
    ar_latin_markers: Vec<String>,
}

const TABLES: &[(Kind, &[&str])] = &[
    (Kind::OptOut, EN_OPT_OUT),
    (Kind::OptOut, FA_OPT_OUT),
    (Kind::OptOut, AR_OPT_OUT),
    (Kind::WrongNumber, EN_WRONG_NUMBER),
    (Kind::WrongNumber, FA_WRONG_NUMBER),
    (Kind::WrongNumber, AR_WRONG_NUMBER),
    (Kind::NotInterested, EN_NOT_INTERESTED),
    (Kind::NotInterested, FA_NOT_INTERESTED),
    (Kind::NotInterested, AR_NOT_INTERESTED),
    (Kind::WeakNo, WEAK_NO),
    (Kind::AsksLater, EN_ASKS_LATER),
    (Kind::AsksLater, FA_ASKS_LATER),
    (Kind::AsksLater, AR_ASKS_LATER),
    (Kind::Intent, EN_INTENT),
    (Kind::Intent, FA_INTENT),
    (Kind::Intent, AR_INTENT),
    (Kind::Interested, EN_INTERESTED),
    (Kind::Interested, FA_INTERESTED),
    (Kind::Interested, AR_INTERESTED),
];

/// Splits a lexicon entry into normalised words, keeping the `*` and `_` markers.
fn cue_words(entry: &str) -> Vec<String> {
    entry
        .split_whitespace()
        .filter_map(|word| {
            let star = word.ends_with('*');
            if word == "_" {
                return Some("_".to_string());
            }
            let norm = normalize(word.trim_end_matches('*')).replace(' ', "");
            (!norm.is_empty()).then(|| if star { format!("{norm}*") } else { norm })
        })
        .collect()
}

fn normalized_list(entries: &[&str]) -> Vec<String> {
    entries.iter().map(|e| normalize(e)).collect()
}

fn lexicon() -> &'static Lexicon {
    static LEXICON: OnceLock<Lexicon> = OnceLock::new();
    LEXICON.get_or_init(|| Lexicon {
        cues: TABLES
            .iter()
            .flat_map(|(kind, entries)| {
                entries.iter().map(move |entry| Cue {
                    kind: *kind,
                    words: cue_words(entry),
                    arabic_script: entry.chars().any(is_arabic_script),
                })
            })
            .filter(|cue| !cue.words.is_empty())
            .collect(),
        neutral: NEUTRAL.iter().map(|e| cue_words(e)).collect(),
        negators_before: NEGATORS_BEFORE.iter().map(|(w, reach)| (normalize(w), *reach)).collect(),
        negators_after: normalized_list(NEGATORS_AFTER),
        past_before: normalized_list(PAST_BEFORE),
        past_after: normalized_list(PAST_AFTER),
        proclitics: normalized_list(PROCLITICS),
        fa_markers: normalized_list(FA_MARKERS),
        ar_markers: normalized_list(AR_MARKERS),
        fa_latin_markers: normalized_list(FA_LATIN_MARKERS),
        ar_latin_markers: normalized_list(AR_LATIN_MARKERS),
    })
}

/// Does one message word match one cue word (`*` = prefix, `_` = any word)?
fn word_matches(pattern: &str, word: &str) -> bool {
    if pattern == "_" {
        return !word.is_empty();
    }
    match pattern.strip_suffix('*') {
        Some(prefix) => word.starts_with(prefix),
        None => pattern == word,
    }
}

/// The first word may carry a joined proclitic: "والسعر", "للشخص".
fn first_word_matches(pattern: &str, word: &str, arabic_script: bool, proclitics: &[String]) -> bool {
    if word_matches(pattern, word) {
        return true;
    }
    let long_enough = pattern.trim_end_matches('*').chars().count() >= 3;
    arabic_script
        && long_enough
        && proclitics
            .iter()
            .any(|p| word.strip_prefix(p.as_str()).is_some_and(|rest| word_matches(pattern, rest)))
}

/// Start positions where `cue` occurs in `tokens`.
fn occurrences(tokens: &[&str], words: &[String], arabic_script: bool, proclitics: &[String]) -> Vec<usize> {
    let n = words.len();
    if n == 0 || tokens.len() < n {
        return Vec::new();
    }
    (0..=tokens.len() - n)
        .filter(|&start| {
            words.iter().enumerate().all(|(i, pattern)| {
                let word = tokens[start + i];
                if i == 0 {
                    first_word_matches(pattern, word, arabic_script, proclitics)
                } else {
                    word_matches(pattern, word)
                }
            })
        })
        .collect()
}

/// A cue found in the message: its kind and the words it covers.
#[derive(Debug)]
struct Hit {
    kind: Kind,
    start: usize,
    end: usize,
}

/// Masks neutral phrases, finds every cue, then resolves negation and past tense.
fn find_cues(tokens: &[&str]) -> Vec<(Kind, String)> {
    let lex = lexicon();
    let mut masked: Vec<&str> = tokens.to_vec();
    for phrase in &lex.neutral {
        for start in occurrences(tokens, phrase, true, &[]) {
            for slot in masked.iter_mut().skip(start).take(phrase.len()) {
                *slot = "";
            }
        }
    }
    let mut found = Vec::new();
    for cue in &lex.cues {
        for start in occurrences(&masked, &cue.words, cue.arabic_script, &lex.proclitics) {
            let hit = Hit { kind: cue.kind, start, end: start + cue.words.len() };
            if let Some(resolved) = resolve(hit, &masked, lex) {
                found.push(resolved);
            }
        }
    }
    found
}

/// Applies the context rules to one hit; `None` drops it.
fn resolve(hit: Hit, tokens: &[&str], lex: &Lexicon) -> Option<(Kind, String)> {
    let words = |from: usize, to: usize| tokens[from..to].join(" ");
    match hit.kind {
        Kind::Intent | Kind::Interested => match negation(&hit, tokens, lex) {
            Some((from, to)) if hit.kind == Kind::Intent => Some((Kind::NotInterested, words(from, to))),
            Some(_) => None,
            None => Some((Kind::Interested, words(hit.start, hit.end))),
        },
        Kind::AsksLater if in_the_past(&hit, tokens, lex) => None,
        kind => Some((kind, words(hit.start, hit.end))),
    }
}

/// The words from negator to cue when an interest cue is negated: a negator shortly before it
/// ("not really interested", "ما أبي") or, as Persian does, right after it ("علاقه ندارم").
fn negation(hit: &Hit, tokens: &[&str], lex: &Lexicon) -> Option<(usize, usize)> {
    let before = (hit.start.saturating_sub(2)..hit.start).find(|&i| {
        lex.negators_before.iter().any(|(w, reach)| tokens[i] == w && hit.start - i <= *reach)
    });
    if let Some(from) = before {
        return Some((from, hit.end));
    }
    let after_end = (hit.end + 2).min(tokens.len());
    (hit.end..after_end)
        .find(|&i| lex.negators_after.iter().any(|n| n == tokens[i]))
        .map(|i| (hit.start, i + 1))
}

/// "been busy", "كنت مشغول", "سرم شلوغ بود".
fn in_the_past(hit: &Hit, tokens: &[&str], lex: &Lexicon) -> bool {
    let before = tokens[hit.start.saturating_sub(2)..hit.start].iter().any(|t| lex.past_before.iter().any(|p| p == t));
    let after_end = (hit.end + 1).min(tokens.len());
    let after = tokens[hit.end..after_end].iter().any(|t| lex.past_after.iter().any(|p| p == t));
    before || after
}

/// Precedence: opt-out > wrong number > not interested > asks later > interested > bare no.
fn decide(found: Vec<(Kind, String)>) -> (ReplyClass, Vec<String>) {
    const ORDER: [(Kind, ReplyClass); 6] = [
        (Kind::OptOut, ReplyClass::OptOut),
        (Kind::WrongNumber, ReplyClass::WrongNumber),
        (Kind::NotInterested, ReplyClass::NotInterested),
        (Kind::AsksLater, ReplyClass::AsksLater),
        (Kind::Interested, ReplyClass::Interested),
        (Kind::WeakNo, ReplyClass::NotInterested),
    ];
    for (kind, class) in ORDER {
        let mut matched: Vec<String> = Vec::new();
        for (k, text) in &found {
            if *k == kind && !matched.contains(text) {
                matched.push(text.clone());
            }
        }
        if !matched.is_empty() {
            return (class, matched);
        }
    }
    (ReplyClass::Unclear, Vec::new())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(text: &str) -> ReplyClass {
        classify(text).class
    }

    #[test]
    fn each_class_is_recognised_in_english() {
        assert_eq!(class("Yes, send me the details please"), ReplyClass::Interested);
        assert_eq!(class("Busy now, call me next week"), ReplyClass::AsksLater);
        assert_eq!(class("No thanks, we already bought"), ReplyClass::NotInterested);
        assert_eq!(class("STOP"), ReplyClass::OptOut);
        assert_eq!(class("Sorry, wrong number"), ReplyClass::WrongNumber);
        assert_eq!(class("ok thanks"), ReplyClass::Unclear);
    }

    #[test]
    fn each_class_is_recognised_in_persian() {
        assert_eq!(class("بله، قیمتش چنده؟"), ReplyClass::Interested);
        assert_eq!(class("الان سرم شلوغه، ماه بعد صحبت کنیم"), ReplyClass::AsksLater);
        assert_eq!(class("نه ممنون، علاقه‌ای ندارم"), ReplyClass::NotInterested);
        assert_eq!(class("لطفا دیگه پیام ندهید"), ReplyClass::OptOut);
        assert_eq!(class("شماره اشتباهه"), ReplyClass::WrongNumber);
        assert_eq!(class("مرسی"), ReplyClass::Unclear);
    }

    #[test]
    fn each_class_is_recognised_in_arabic() {
        assert_eq!(class("نعم ممكن التفاصيل"), ReplyClass::Interested);
        assert_eq!(class("بعد العيد إن شاء الله"), ReplyClass::AsksLater);
        assert_eq!(class("مش مهتم"), ReplyClass::NotInterested);
        assert_eq!(class("لا ترسل لي رسائل"), ReplyClass::OptOut);
        assert_eq!(class("الرقم غلط"), ReplyClass::WrongNumber);
        assert_eq!(class("السلام عليكم"), ReplyClass::Unclear);
    }

    #[test]
    fn negation_turns_interest_into_refusal() {
        let reply = classify("I am not interested");
        assert_eq!(reply.class, ReplyClass::NotInterested);
        assert_eq!(reply.matched, vec!["not interested".to_string()]);
        assert_eq!(class("I'm not really interested"), ReplyClass::NotInterested);
        assert_eq!(class("I don't want to buy now"), ReplyClass::NotInterested);
        assert_eq!(class("غير مهتم"), ReplyClass::NotInterested);
        assert_eq!(class("لست مهتماً"), ReplyClass::NotInterested);
        assert_eq!(class("ما أبي"), ReplyClass::NotInterested);
        assert_eq!(class("علاقه‌مند نیستم"), ReplyClass::NotInterested);
        assert_eq!(class("نمی خوام"), ReplyClass::NotInterested);
    }

    #[test]
    fn a_no_before_interest_does_not_negate_it() {
        assert_eq!(class("no, I'm interested"), ReplyClass::Interested);
        assert_eq!(class("لا، أنا مهتم"), ReplyClass::Interested);
        assert_eq!(class("نه، علاقه دارم"), ReplyClass::Interested);
        assert_eq!(class("no"), ReplyClass::NotInterested);
        assert_eq!(class("no problem"), ReplyClass::Unclear);
    }

    #[test]
    fn a_past_busy_is_not_a_request_to_wait() {
        assert_eq!(class("still interested, just been busy"), ReplyClass::Interested);
        assert_eq!(class("مهتم بس كنت مشغول"), ReplyClass::Interested);
    }

    #[test]
    fn opt_out_wins_over_everything() {
        let reply = classify("STOP. I was interested but not anymore");
        assert_eq!(reply.class, ReplyClass::OptOut);
        assert!(reply.matched.contains(&"stop".to_string()));
        assert_eq!(class("interested? stop"), ReplyClass::OptOut);
        assert_eq!(class("wrong number, remove me"), ReplyClass::OptOut);
    }

    #[test]
    fn wrong_number_wins_over_refusal_and_later_beats_yes() {
        assert_eq!(class("not interested, wrong number"), ReplyClass::WrongNumber);
        assert_eq!(class("Yes, but call me next week"), ReplyClass::AsksLater);
        assert_eq!(class("Not interested, maybe later"), ReplyClass::NotInterested);
    }

    #[test]
    fn normalisation_unifies_letters_digits_and_marks() {
        assert_eq!(normalize("  YESSS!!! "), "yes");
        assert_eq!(normalize("٣ غرف ۲ حمام"), normalize("3 غرف 2 حمام"));
        assert_eq!(normalize("مُهْتَمّ"), normalize("مهتم"));
        assert_eq!(normalize("مهـــتم"), normalize("مهتم"));
        assert_eq!(normalize("قيمت"), normalize("قیمت"));
        assert_eq!(normalize("كم"), normalize("کم"));
        assert_eq!(normalize("إلغاء"), normalize("الغاء"));
        assert_eq!(normalize("مهتمة"), normalize("مهتمه"));
        assert_eq!(normalize("نمی‌خوام"), normalize("نمیخوام"));
        assert_eq!(normalize("don't"), "dont");
        assert_eq!(classify("لا تُرسِلْ").class, ReplyClass::OptOut);
        assert_eq!(classify("قيمتش چنده").class, ReplyClass::Interested);
    }

    #[test]
    fn empty_and_emoji_only_are_unclear() {
        let empty = classify("");
        assert_eq!(empty.class, ReplyClass::Unclear);
        assert_eq!(empty.language, None);
        assert!(empty.matched.is_empty());
        assert_eq!(class("   "), ReplyClass::Unclear);
        assert_eq!(classify("👍🙏").language, None);
        assert_eq!(class("👍🙏"), ReplyClass::Unclear);
    }

    #[test]
    fn language_comes_from_script_and_words() {
        assert_eq!(classify("Yes please").language, Some("en"));
        assert_eq!(classify("بله لطفا").language, Some("fa"));
        assert_eq!(classify("نعم من فضلك").language, Some("ar"));
        assert_eq!(classify("na merci").language, Some("fa"));
        assert_eq!(classify("la shukran habibi").language, Some("ar"));
    }

    #[test]
    fn language_alone_tells_what_classify_tells() {
        for text in ["Yes please", "بله لطفا", "نعم من فضلك", "na merci", "la shukran habibi", "", "👍🙏", "Hi, is the 2 bedroom still available? مرسی", "السعر كم"] {
            assert_eq!(language(text), classify(text).language, "{text}");
        }
    }

    #[test]
    fn class_text_forms_round_trip() {
        for class in ReplyClass::ALL {
            assert_eq!(ReplyClass::parse(class.as_str()), Some(class));
            let json = serde_json::to_string(&class).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", class.as_str()));
        }
        assert_eq!(ReplyClass::parse("asks-later"), Some(ReplyClass::AsksLater));
        assert_eq!(ReplyClass::parse("maybe"), None);
    }
}
