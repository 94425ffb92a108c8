//! The words a person reads for each code of the closed vocabularies, in English, Persian and
//! Arabic: what the `.xlsx` export writes instead of `replied`, `referral` or `apartment`, and
//! what the import reads back as those codes. The window words codes with its own catalogue;
//! the command line's JSON keeps the codes. Not for anything stored: the database holds codes.

use crate::model::{Channel, Grade, Language, ListingPurpose, MessageStatus, PropertyStatus, PropertyType, Purpose, Source, Status};

/// A vocabulary whose every code has words in the three languages.
pub trait Words: Copy + PartialEq + 'static {
    /// Every code, in order.
    fn every() -> &'static [Self];
    /// The words for this code: English, Persian, Arabic.
    fn words(self) -> [&'static str; 3];
    /// Every code with its words as [`fold`] makes them, folded once: an import compares
    /// four cells a row against them.
    fn folded() -> &'static [(Self, [String; 3])];
}

/// The words for `code` in `lang`.
pub fn word<T: Words>(code: T, lang: Language) -> &'static str {
    pick(code.words(), lang)
}

/// Of a line's English, Persian and Arabic words, those of `lang`.
pub fn pick(words: [&'static str; 3], lang: Language) -> &'static str {
    let [en, fa, ar] = words;
    match lang {
        Language::En => en,
        Language::Fa => fa,
        Language::Ar => ar,
    }
}

/// The code a cell names: its code itself, or its words in any of the three languages, as a
/// person may have retyped them (case, spacing, the zero-width non-joiner, Arabic or Persian
/// yeh and kaf, hamza on alef, vowel marks).
pub fn from_word<T: Words>(s: &str) -> Option<T> {
    let f = fold(s);
    if f.is_empty() {
        return None;
    }
    T::folded().iter().find(|(_, words)| words.contains(&f)).map(|(v, _)| *v)
}

/// A cell as the import compares it: letters and digits only, lower-case, the Arabic and
/// Persian spellings of the same letters made one.
pub fn fold(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c {
            'ي' | 'ى' => Some('ی'),
            'ك' => Some('ک'),
            'أ' | 'إ' | 'آ' | 'ٱ' => Some('ا'),
            'ة' => Some('ه'),
            '\u{064B}'..='\u{065F}' | '\u{0670}' => None,
            c if c.is_alphanumeric() => Some(c),
            _ => None,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Implements [`Words`] for a vocabulary: every variant must be listed (the match is
/// exhaustive, so a new code without words does not compile).
macro_rules! words {
    ($ty:ty { $($variant:ident => [$en:literal, $fa:literal, $ar:literal]),+ $(,)? }) => {
        impl $crate::model::words::Words for $ty {
            fn every() -> &'static [Self] {
                <$ty>::ALL
            }
            fn words(self) -> [&'static str; 3] {
                match self { $(<$ty>::$variant => [$en, $fa, $ar]),+ }
            }
            fn folded() -> &'static [(Self, [String; 3])] {
                static FOLDED: std::sync::OnceLock<Vec<($ty, [String; 3])>> = std::sync::OnceLock::new();
                FOLDED.get_or_init(|| {
                    <$ty>::ALL.iter().map(|v| (*v, <$ty as $crate::model::words::Words>::words(*v).map($crate::model::words::fold))).collect()
                })
            }
        }
    };
}
pub(crate) use words;

words!(Status {
    New => ["New", "جدید", "جديد"],
    Contacted => ["Contacted", "تماس گرفته‌شده", "تم التواصل"],
    Replied => ["Replied", "پاسخ داده", "ردّ"],
    Qualified => ["Qualified", "واجد شرایط", "مؤهَّل"],
    Viewing => ["Viewing", "بازدید", "معاينة"],
    Negotiating => ["Negotiating", "در حال مذاکره", "قيد التفاوض"],
    Won => ["Won", "قرارداد بسته شد", "تمت الصفقة"],
    Lost => ["Lost", "از دست رفته", "خسارة"],
});

words!(Source {
    Linkedin => ["LinkedIn", "لینکدین", "لينكدإن"],
    Telegram => ["Telegram", "تلگرام", "تيليجرام"],
    Whatsapp => ["WhatsApp", "واتس‌اپ", "واتساب"],
    Referral => ["Referral", "معرفی", "توصية"],
    Portal => ["Property portal", "سایت آگهی ملک", "بوابة عقارية"],
    Website => ["Website", "وب‌سایت", "الموقع الإلكتروني"],
    WalkIn => ["Walk-in", "مراجعه حضوری", "زيارة مباشرة"],
    Manual => ["Added by hand", "ثبت دستی", "إدخال يدوي"],
    Import => ["Import", "ورود از فایل", "استيراد"],
    PropertyFinder => ["Property Finder", "پراپرتی فایندر", "بروبرتي فايندر"],
    Bayut => ["Bayut", "بیوت", "بيوت"],
    Dubizzle => ["dubizzle", "دوبیزل", "دوبيزل"],
    Email => ["Email enquiry", "درخواست ایمیلی", "استفسار بالبريد"],
});

words!(PropertyType {
    Apartment => ["Apartment", "آپارتمان", "شقة"],
    Villa => ["Villa", "ویلا", "فيلا"],
    Townhouse => ["Townhouse", "تاون‌هاوس", "تاون هاوس"],
    Penthouse => ["Penthouse", "پنت‌هاوس", "بنتهاوس"],
    Office => ["Office", "دفتر کار", "مكتب"],
    Land => ["Land", "زمین", "أرض"],
});

words!(Purpose {
    Buy => ["Buy", "خرید", "شراء"],
    Rent => ["Rent", "اجاره", "إيجار"],
});

words!(Language {
    En => ["English", "انگلیسی", "الإنجليزية"],
    Fa => ["Persian", "فارسی", "الفارسية"],
    Ar => ["Arabic", "عربی", "العربية"],
});

words!(Grade {
    A => ["A Hot", "A داغ", "A ساخن"],
    B => ["B Warm", "B گرم", "B دافئ"],
    C => ["C Cool", "C خنک", "C فاتر"],
    D => ["D Cold", "D سرد", "D بارد"],
});

words!(Channel {
    Telegram => ["Telegram", "تلگرام", "تيليجرام"],
    Whatsapp => ["WhatsApp", "واتس‌اپ", "واتساب"],
    Sms => ["SMS", "پیامک", "رسالة نصية"],
    Email => ["E-mail", "ایمیل", "البريد الإلكتروني"],
});

words!(ListingPurpose {
    Sale => ["For sale", "فروش", "للبيع"],
    Rent => ["For rent", "اجاره", "للإيجار"],
});

words!(PropertyStatus {
    Available => ["Available", "موجود", "متاح"],
    Reserved => ["Reserved", "رزرو شده", "محجوز"],
    Sold => ["Sold", "فروخته شده", "مباع"],
});

words!(MessageStatus {
    Queued => ["Queued", "در صف", "في الانتظار"],
    Sending => ["Sending", "در حال ارسال", "جارٍ الإرسال"],
    Sent => ["Sent", "فرستاده شد", "أُرسلت"],
    Delivered => ["Delivered", "تحویل شد", "سُلّمت"],
    Read => ["Read", "خوانده شد", "قُرئت"],
    Failed => ["Failed", "ناموفق", "فشلت"],
    Deferred => ["To try again", "تلاش دوباره", "لإعادة المحاولة"],
    Unknown => ["Unconfirmed", "تأییدنشده", "غير مؤكدة"],
    Held => ["Held", "نگه داشته شده", "محجوزة"],
});

/// Every code has words in every language, no two codes of a vocabulary read alike in any
/// language (folded as the import folds them), and the import reads each back as its code.
#[cfg(test)]
pub(crate) fn every_code_has_words_that_read_back<T: Words + std::fmt::Debug>(name: &str) {
    let mut seen: Vec<(String, T)> = Vec::new();
    for &v in T::every() {
        for lang in Language::ALL {
            let w = word(v, *lang);
            assert!(!w.trim().is_empty(), "{name} {v:?} has no words in {lang:?}");
            assert_eq!(from_word::<T>(w), Some(v), "{name}: '{w}' ({lang:?}) reads back as {v:?}");
            let f = fold(w);
            if let Some((_, other)) = seen.iter().find(|(s, o)| *s == f && *o != v) {
                panic!("{name}: '{w}' names both {v:?} and {other:?}");
            }
            seen.push((f, v));
        }
    }
    assert!(from_word::<T>("  ").is_none());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_of_every_vocabulary_has_words_in_english_persian_and_arabic() {
        every_code_has_words_that_read_back::<Status>("status");
        every_code_has_words_that_read_back::<Source>("source");
        every_code_has_words_that_read_back::<PropertyType>("property type");
        every_code_has_words_that_read_back::<Purpose>("purpose");
        every_code_has_words_that_read_back::<Language>("language");
        every_code_has_words_that_read_back::<Grade>("grade");
        every_code_has_words_that_read_back::<Channel>("channel");
        every_code_has_words_that_read_back::<ListingPurpose>("listing purpose");
        every_code_has_words_that_read_back::<PropertyStatus>("property status");
        every_code_has_words_that_read_back::<MessageStatus>("message status");
    }

    #[test]
    fn words_retyped_with_other_spellings_still_read_as_their_code() {
        assert_eq!(from_word::<PropertyType>("تاون هاوس"), Some(PropertyType::Townhouse), "a space for the non-joiner");
        assert_eq!(from_word::<PropertyType>("تاون‌هاوس"), Some(PropertyType::Townhouse));
        assert_eq!(from_word::<Source>("بيوت"), Some(Source::Bayut));
        assert_eq!(from_word::<Source>("walk in"), Some(Source::WalkIn));
        assert_eq!(from_word::<Status>("رد"), Some(Status::Replied), "without the shadda");
        assert_eq!(from_word::<Purpose>("RENT"), Some(Purpose::Rent));
        assert_eq!(from_word::<Purpose>("lease"), None);
    }
}
