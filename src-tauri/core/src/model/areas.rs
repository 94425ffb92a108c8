//! Area names as agents and buyers write them — "JVC", "jumeirah village circle ",
//! "Dubai Marina", "Marina", "مرسى دبي" — reduced to one key, so a property's area and a lead's
//! wished-for areas compare equal when they mean the same place.

use std::collections::HashMap;
use std::sync::OnceLock;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Common Dubai areas: every spelling (already normalised by [`fold`]) → the canonical key.
/// The first spelling of each row is the key itself.
const ALIASES: &[&[&str]] = &[
    &["dubai marina", "marina", "مرسى دبي", "دبي مارينا", "مارينا"],
    &["jumeirah village circle", "jvc", "قريه جميرا الدائريه", "جي في سي"],
    &["jumeirah village triangle", "jvt", "قريه جميرا المثلثه"],
    &["jumeirah lake towers", "jlt", "ابراج بحيرات جميرا", "ابراج بحيره جميرا"],
    &["jumeirah beach residence", "jbr", "جميرا بيتش ريزيدنس", "مساكن شاطئ جميرا"],
    &["downtown dubai", "downtown", "وسط مدينه دبي", "داون تاون دبي", "داون تاون"],
    &["palm jumeirah", "palm", "the palm", "نخله جميرا", "النخله"],
    &["business bay", "الخليج التجاري", "بيزنس باي"],
    &["dubai hills estate", "dubai hills", "دبي هيلز", "دبي هيلز استيت"],
    &["arabian ranches", "المرابع العربيه"],
    &["dubai creek harbour", "creek harbour", "dubai creek", "ميناء خور دبي", "خور دبي"],
    &["dubai international financial centre", "difc", "مركز دبي المالي العالمي"],
    &["al barsha", "barsha", "البرشاء"],
    &["mirdif", "mirdiff", "مردف"],
    &["deira", "ديره"],
    &["bur dubai", "بر دبي"],
    &["jumeirah", "جميرا", "جميره"],
    &["damac hills", "akoya", "داماك هيلز"],
    &["town square", "تاون سكوير"],
    &["motor city", "موتور سيتي"],
    &["dubai sports city", "sports city", "مدينه دبي الرياضيه"],
    &["al furjan", "furjan", "الفرجان"],
    &["international city", "المدينه العالميه"],
    &["dubai silicon oasis", "silicon oasis", "dso", "واحه دبي للسيليكون"],
    &["meydan", "ميدان"],
    &["emirates hills", "تلال الامارات"],
    &["the springs", "springs", "الينابيع"],
    &["the greens", "greens", "الخضراء"],
    &["city walk", "سيتي ووك"],
    &["bluewaters island", "bluewaters", "جزيره بلووترز"],
];

/// Lower-case, no diacritics, one space between words, Arabic and Persian letter variants
/// folded (أ إ آ → ا, ة → ه, ى/ی → ي, ک → ك), punctuation dropped.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut space = false;
    for c in s.nfkd().filter(|c| !is_combining_mark(*c)).flat_map(char::to_lowercase) {
        let c = match c {
            'أ' | 'إ' | 'آ' | 'ٱ' => 'ا',
            'ة' => 'ه',
            'ى' | 'ی' | 'ئ' => 'ي',
            'ک' => 'ك',
            'ؤ' => 'و',
            'ـ' => continue, // tatweel
            c => c,
        };
        if c.is_alphanumeric() {
            if space && !out.is_empty() {
                out.push(' ');
            }
            space = false;
            out.push(c);
        } else {
            space = true;
        }
    }
    out
}

/// The key an area is compared by: its alias table entry if it has one, else its folded form.
pub fn key(area: &str) -> String {
    let folded = fold(area);
    // "Dubai Marina, Dubai" and "Marina - Dubai" mean the marina.
    let trimmed = folded.strip_suffix(" dubai").filter(|t| !t.is_empty() && *t != "downtown" && *t != "bur").unwrap_or(&folded);
    let table = alias_table();
    match table.get(folded.as_str()).or_else(|| table.get(trimmed)) {
        Some(canonical) => canonical.to_string(),
        None => folded,
    }
}

fn alias_table() -> &'static HashMap<String, &'static str> {
    static TABLE: OnceLock<HashMap<String, &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| ALIASES.iter().flat_map(|row| row.iter().map(move |alias| (fold(alias), row[0]))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_area_share_a_key() {
        for s in ["dubai marina ", "Dubai Marina", "Marina", "DUBAI   MARINA", "مرسى دبي", "Dubai Marina, Dubai"] {
            assert_eq!(key(s), "dubai marina", "{s}");
        }
        for s in ["JVC", "Jumeirah Village Circle", "jumeirah  village circle", "قرية جميرا الدائرية"] {
            assert_eq!(key(s), "jumeirah village circle", "{s}");
        }
        assert_eq!(key("Downtown"), "downtown dubai");
        assert_eq!(key("Palm"), key("نخلة جميرا"));
        assert_eq!(key("JLT"), key("Jumeirah Lake Towers"));
    }

    #[test]
    fn diacritics_case_and_spaces_do_not_matter() {
        assert_eq!(key("Al Barshā"), "al barsha");
        assert_eq!(key("  Mirdif  "), "mirdif");
        assert_eq!(key("Jumeirah Village Triangle"), "jumeirah village triangle");
        assert_eq!(key("Some New Community"), "some new community");
        assert_ne!(key("Business Bay"), key("Dubai Marina"));
    }
}
