//! Turning what people type into canonical values: trimmed text, E.164 phone numbers,
//! lower-case emails, canonical LinkedIn profile URLs. One place, used by every entry point.

use crate::error::{Error, Result};
use phonenumber::country::Id as Region;
use std::str::FromStr;

/// Trims `s`; a value that is empty after trimming is absent.
pub fn text(s: Option<&str>) -> Option<String> {
    s.map(str::trim).filter(|t| !t.is_empty()).map(str::to_string)
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

/// Parses a phone number written any usual way and returns it in E.164 (`+971501234567`).
/// Numbers without a country code are read in `default_region`.
pub fn phone(field: &str, raw: &str, default_region: Region) -> Result<String> {
    let invalid = || Error::validation(field, format!("'{}' is not a valid phone number", raw.trim()));
    // "(0)" is the trunk prefix written inside an international number: +971 (0)50 …
    let cleaned = raw.trim().replace("(0)", "");
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
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
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
    fn blank_text_is_absent() {
        assert_eq!(text(Some("   ")), None);
        assert_eq!(text(Some(" x ")), Some("x".into()));
        assert_eq!(text(None), None);
    }
}
