//! Turning what people type into canonical values: trimmed text, E.164 phone numbers,
//! lower-case emails, canonical LinkedIn profile URLs. One place, used by every entry point.

use crate::error::{Error, Result};
use phonenumber::country::Id as Region;
use std::str::FromStr;

/// The most money any amount may be (whole AED): a trillion. Budgets and prices above it are
/// typing slips, and every sum of two stays far inside an `i64`.
pub const MAX_MONEY: i64 = 1_000_000_000_000;

/// Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): one
/// U+202E makes "gpj.exe" read "exe.jpg". Never kept in what Leadbook stores. (The marks
/// U+200E/U+200F and the joiners U+200C/U+200D — Persian needs ZWNJ — are kept.)
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// A one-line field (name, email, phone, username, area, tag, title): trimmed; line breaks and
/// tabs become a space, every other control character and bidi control is dropped; a value
/// that is empty after that is absent.
pub fn text(s: Option<&str>) -> Option<String> {
    let s = s?;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            if c.is_whitespace() && !out.ends_with(char::is_whitespace) {
                out.push(' ');
            }
        } else if !is_bidi_control(c) {
            out.push(c);
        }
    }
    let t = out.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// A multi-line field (notes, an inbound message): trimmed; line breaks (any of `\r\n`, `\r`,
/// U+2028/U+2029 become `\n`) and tabs stay, every other control character and bidi control is
/// dropped; a value that is empty after that is absent.
pub fn multiline(s: Option<&str>) -> Option<String> {
    let s = s?;
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\u{2028}' | '\u{2029}' => out.push('\n'),
            '\t' => out.push('\t'),
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    let t = out.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// `s` without its prefix `p`, compared without regard to ASCII case.
fn strip_prefix_ci<'a>(s: &'a str, p: &str) -> Option<&'a str> {
    s.get(..p.len()).filter(|head| head.eq_ignore_ascii_case(p)).map(|_| &s[p.len()..])
}

/// Parses a phone region code such as `AE`.
pub fn region(code: &str) -> Result<Region> {
    Region::from_str(&code.trim().to_ascii_uppercase())
        .map_err(|_| Error::validation("phone_region", format!("unknown phone region '{}'", code.trim())))
}

/// Loads libphonenumber's metadata (every region's rules, compiled once per process) ahead of
/// the first number, so a caller can do it beside other work.
pub fn load_phone_rules() {
    let _ = phonenumber::metadata::DATABASE.by_id("AE");
}

/// `s` with Arabic-Indic (`٠`–`٩`) and Persian (`۰`–`۹`) digits as ASCII digits; everything
/// else as it was.
pub fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{0660}'..='\u{0669}' => char::from(b'0' + (c as u32 - 0x0660) as u8),
            '\u{06F0}'..='\u{06F9}' => char::from(b'0' + (c as u32 - 0x06F0) as u8),
            c => c,
        })
        .collect()
}

/// Parses a phone number written any usual way (in Latin, Arabic-Indic or Persian digits) and
/// returns it in E.164 (`+971501234567`). Numbers without a country code are read in
/// `default_region`.
pub fn phone(field: &str, raw: &str, default_region: Region) -> Result<String> {
    let invalid = || Error::validation(field, format!("'{}' is not a valid phone number", raw.trim()));
    // "(0)" is the trunk prefix written inside an international number: +971 (0)50 …
    let cleaned = ascii_digits(raw.trim()).replace("(0)", "");
    if cleaned.chars().filter(|c| c.is_ascii_digit()).count() < 5 || cleaned.len() > 40 {
        return Err(invalid());
    }
    let parse = |s: &str| {
        phonenumber::parse(Some(default_region), s).ok().filter(phonenumber::is_valid)
    };
    let number = parse(&cleaned)
        .or_else(|| {
            // "971501234567": the country code written without + or 00.
            let digits: String = cleaned.chars().filter(|c| c.is_ascii_digit()).collect();
            let code = phonenumber::metadata::DATABASE
                .by_id(default_region.as_ref())
                .map(|m| m.country_code().to_string())?;
            digits.starts_with(&code).then(|| parse(&format!("+{digits}"))).flatten()
        })
        .ok_or_else(invalid)?;
    Ok(number.format().mode(phonenumber::Mode::E164).to_string())
}

/// Checks an email's syntax and lower-cases it.
pub fn email(raw: &str) -> Result<String> {
    let e = raw.trim().to_lowercase();
    let invalid = || Error::validation("email", format!("'{}' is not a valid email address", raw.trim()));
    let (local, domain) = e.split_once('@').ok_or_else(invalid)?;
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && local.chars().all(|c| c.is_alphanumeric() || "!#$%&'*+/=?^_`{|}~.-".contains(c));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = e.len() <= 254
        && labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty() && l.len() <= 63 && !l.starts_with('-') && !l.ends_with('-')
                && l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
        && labels.last().is_some_and(|tld| tld.chars().count() >= 2 && tld.chars().all(char::is_alphabetic));
    if local_ok && domain_ok {
        Ok(e)
    } else {
        Err(invalid())
    }
}

/// The canonical form of a LinkedIn profile URL: `https://www.linkedin.com/in/<slug>`, whatever
/// the scheme, host (`ae.linkedin.com`), case, query string or trailing slash it came with.
pub fn linkedin(raw: &str) -> Result<String> {
    let invalid = || Error::validation("linkedin_url", format!("'{}' is not a LinkedIn profile URL", raw.trim()));
    let s = raw.trim();
    // The scheme and host in any case (HTTPS://WWW.LINKEDIN.COM/…): only the slug is the lead's.
    let rest = strip_prefix_ci(s, "https://")
        .or_else(|| strip_prefix_ci(s, "http://"))
        .unwrap_or(s);
    let rest = rest.split(['?', '#']).next().unwrap_or("");
    let (host, path) = rest.split_once('/').ok_or_else(invalid)?;
    let host = host.to_ascii_lowercase();
    let host_ok = host == "linkedin.com"
        || host.strip_suffix(".linkedin.com").is_some_and(|sub| !sub.is_empty() && sub.chars().all(|c| c.is_ascii_alphanumeric()));
    let mut parts = path.split('/').filter(|p| !p.is_empty());
    let (Some(kind), Some(slug), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(invalid());
    };
    let slug_ok = slug.len() <= 200
        && slug.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '%' | '.'));
    if !host_ok || !kind.eq_ignore_ascii_case("in") || !slug_ok {
        return Err(invalid());
    }
    Ok(format!("https://www.linkedin.com/in/{}", slug.to_lowercase()))
}

/// A Telegram username without its `@`: 5–32 letters, digits or underscores.
pub fn telegram_username(raw: &str) -> Result<String> {
    let u = raw.trim().trim_start_matches('@');
    let u = u.strip_prefix("https://t.me/").or_else(|| u.strip_prefix("t.me/")).unwrap_or(u);
    if (4..=32).contains(&u.len()) && u.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        Ok(u.to_string())
    } else {
        Err(Error::validation("telegram_username", format!("'{}' is not a Telegram username", raw.trim())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ae() -> Region {
        region("AE").unwrap()
    }

    #[test]
    fn every_uae_spelling_gives_one_e164_number() {
        for raw in ["050-123 4567", "+971 (0)50 123 4567", "00971501234567", "501234567", "971501234567", " +971501234567 "] {
            assert_eq!(phone("phone", raw, ae()).unwrap(), "+971501234567", "{raw}");
        }
    }

    #[test]
    fn arabic_indic_and_persian_digits_read_as_the_same_number() {
        for raw in ["٠٥٠١٢٣٤٥٦٧", "+٩٧١ ٥٠ ١٢٣ ٤٥٦٧", "۰۵۰-۱۲۳ ۴۵۶۷", "۰۰۹۷۱۵۰۱۲۳۴۵۶۷"] {
            assert_eq!(phone("phone", raw, ae()).unwrap(), "+971501234567", "{raw}");
        }
    }

    #[test]
    fn a_dubai_landline_and_a_foreign_number_are_valid() {
        assert_eq!(phone("phone", "04 234 5678", ae()).unwrap(), "+97142345678");
        assert_eq!(phone("phone", "+44 20 7946 0958", ae()).unwrap(), "+442079460958");
    }

    #[test]
    fn nonsense_phone_numbers_are_rejected_with_the_field() {
        for raw in ["12", "hello", "050-123", "+971 99 999 99999999"] {
            let e = phone("whatsapp", raw, ae()).unwrap_err();
            assert_eq!(e.field(), Some("whatsapp"), "{raw}");
        }
    }

    #[test]
    fn emails_are_lower_cased_and_syntax_checked() {
        assert_eq!(email(" Aisha.K@Example.AE ").unwrap(), "aisha.k@example.ae");
        for bad in ["aisha", "aisha@", "@x.ae", "a b@x.ae", "a@x", "a@@x.ae", "a@x..ae", "a@-x.ae"] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn linkedin_urls_become_canonical() {
        for raw in [
            "https://www.linkedin.com/in/Aisha-Khan/",
            "http://linkedin.com/in/aisha-khan?trk=public",
            "linkedin.com/in/aisha-khan",
            "https://ae.linkedin.com/in/AISHA-KHAN",
            "www.linkedin.com/in/aisha-khan/#about",
        ] {
            assert_eq!(linkedin(raw).unwrap(), "https://www.linkedin.com/in/aisha-khan", "{raw}");
        }
        for bad in ["https://www.linkedin.com/company/emaar", "https://example.com/in/x", "aisha", "https://evillinkedin.com/in/x"] {
            assert!(linkedin(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_linkedin_url_in_upper_case_is_the_same_profile() {
        for raw in ["HTTPS://WWW.LINKEDIN.COM/in/Aisha-Khan", "Http://LinkedIn.com/IN/aisha-khan/", "WWW.LINKEDIN.COM/in/AISHA-KHAN?TRK=x"] {
            assert_eq!(linkedin(raw).unwrap(), "https://www.linkedin.com/in/aisha-khan", "{raw}");
        }
        assert!(linkedin("HTTPS://EVILLINKEDIN.COM/in/x").is_err());
    }

    #[test]
    fn one_line_text_loses_controls_and_bidi_overrides_but_keeps_persian_joiners() {
        assert_eq!(text(Some("Aisha\nKhan\u{7}")).as_deref(), Some("Aisha Khan"));
        assert_eq!(text(Some(" \u{202E}gpj.exe\u{202C} ")).as_deref(), Some("gpj.exe"));
        assert_eq!(text(Some("\u{2066}x\u{2069}\r\n\ty")).as_deref(), Some("x y"));
        assert_eq!(text(Some("می\u{200C}خواهم")).as_deref(), Some("می\u{200C}خواهم"), "ZWNJ stays");
        assert_eq!(text(Some("\u{7}\u{202E}\n")), None, "nothing left is absent");
    }

    #[test]
    fn multi_line_text_keeps_line_breaks_and_tabs_only() {
        assert_eq!(multiline(Some("first\r\nsecond\rthird\u{2028}fourth")).as_deref(), Some("first\nsecond\nthird\nfourth"));
        assert_eq!(multiline(Some("a\tb\u{7}\u{1b}[31m\u{202E}c\u{200C}d")).as_deref(), Some("a\tb[31mc\u{200C}d"));
        assert_eq!(multiline(Some(" \n\u{0}\n ")), None);
    }

    #[test]
    fn blank_text_is_absent() {
        assert_eq!(text(Some("   ")), None);
        assert_eq!(text(Some(" x ")), Some("x".into()));
        assert_eq!(text(None), None);
    }
}
