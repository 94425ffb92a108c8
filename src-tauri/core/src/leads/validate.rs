//! Lead validation: what any entry point (form, command line, import, inbound message) hands
//! in as a [`LeadInput`] becomes [`LeadFields`] — trimmed, normalised and checked — or a
//! validation error naming the field. The same code for every entry point.

use crate::error::{Error, Result};
use crate::model::{Language, PropertyType, Purpose, Source};
use crate::model::normalize;
use phonenumber::country::Id as Region;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub const MAX_NAME: usize = 200;
pub const MAX_NOTES: usize = 10_000;
pub const MAX_LOCATIONS: usize = 20;
pub const MAX_TAGS: usize = 50;
const MAX_SHORT_TEXT: usize = 200;

/// A lead as typed, imported or received: every field optional and unchecked.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(default, deny_unknown_fields)]
#[ts(optional_fields = nullable)]
pub struct LeadInput {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub whatsapp: Option<String>,
    pub telegram_id: Option<i64>,
    pub telegram_username: Option<String>,
    pub linkedin_url: Option<String>,
    pub source: Option<String>,
    pub budget_min: Option<i64>,
    pub budget_max: Option<i64>,
    #[ts(as = "Option<_>", optional)]
    pub locations: Vec<String>,
    pub property_type: Option<String>,
    pub bedrooms: Option<i64>,
    pub purpose: Option<String>,
    pub language: Option<String>,
    pub notes: Option<String>,
    #[ts(as = "Option<_>", optional)]
    pub tags: Vec<String>,
}

/// A lead's own fields after validation: canonical, never a blank string.
#[derive(Debug, Clone, PartialEq)]
pub struct LeadFields {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub whatsapp: Option<String>,
    pub telegram_id: Option<i64>,
    pub telegram_username: Option<String>,
    pub linkedin_url: Option<String>,
    pub source: Source,
    pub budget_min: Option<i64>,
    pub budget_max: Option<i64>,
    pub locations: Vec<String>,
    pub property_type: Option<PropertyType>,
    pub bedrooms: Option<i64>,
    pub purpose: Option<Purpose>,
    pub language: Option<Language>,
    pub notes: Option<String>,
    pub tags: Vec<String>,
}

/// Validates and normalises `input`. `region` reads phone numbers written without a country
/// code; a missing source becomes `manual`.
pub fn lead(input: &LeadInput, region: Region) -> Result<LeadFields> {
    let t = |s: &Option<String>| normalize::text(s.as_deref());

    let name = t(&input.name).ok_or_else(|| Error::validation("name", "name is required"))?;
    check_len("name", &name, MAX_NAME)?;

    let email = t(&input.email).map(|e| normalize::email(&e)).transpose()?;
    let phone = t(&input.phone).map(|p| normalize::phone("phone", &p, region)).transpose()?;
    let whatsapp = t(&input.whatsapp).map(|p| normalize::phone("whatsapp", &p, region)).transpose()?;
    let telegram_id = match input.telegram_id {
        Some(id) if id <= 0 => return Err(Error::validation("telegram_id", "a Telegram user id is a positive number")),
        other => other,
    };
    let telegram_username = t(&input.telegram_username).map(|u| normalize::telegram_username(&u)).transpose()?;
    let linkedin_url = t(&input.linkedin_url).map(|u| normalize::linkedin(&u)).transpose()?;
    let source = t(&input.source).map(|s| Source::parse("source", &s)).transpose()?.unwrap_or(Source::Manual);

    for (field, v) in [("budget_min", input.budget_min), ("budget_max", input.budget_max)] {
        if v.is_some_and(|b| b < 0) {
            return Err(Error::validation(field, "a budget cannot be negative"));
        }
        if v.is_some_and(|b| b > normalize::MAX_MONEY) {
            return Err(Error::validation(field, "a budget is at most 1,000,000,000,000 AED"));
        }
    }
    if let (Some(min), Some(max)) = (input.budget_min, input.budget_max) {
        if min > max {
            return Err(Error::validation("budget_min", "the minimum budget is above the maximum"));
        }
    }
    let bedrooms = match input.bedrooms {
        Some(b) if !(0..=20).contains(&b) => return Err(Error::validation("bedrooms", "bedrooms must be between 0 and 20")),
        other => other,
    };
    let locations = text_list("locations", &input.locations, MAX_LOCATIONS)?;
    let tags = text_list("tags", &input.tags, MAX_TAGS)?;

    // Notes keep their line breaks and tabs (and lose every other control character).
    let notes = normalize::multiline(input.notes.as_deref());
    if let Some(n) = &notes {
        check_len("notes", n, MAX_NOTES)?;
    }

    Ok(LeadFields {
        name,
        email,
        phone,
        whatsapp,
        telegram_id,
        telegram_username,
        linkedin_url,
        source,
        budget_min: input.budget_min,
        budget_max: input.budget_max,
        locations,
        property_type: t(&input.property_type).map(|v| PropertyType::parse("property_type", &v)).transpose()?,
        bedrooms,
        purpose: t(&input.purpose).map(|v| Purpose::parse("purpose", &v)).transpose()?,
        language: t(&input.language).map(|v| Language::parse("language", &v)).transpose()?,
        notes,
        tags,
    })
}

/// Every field of `input` that [`lead`] refuses, each with its own error, in the order
/// [`lead`] checks them — so a form can show them all at once instead of one per save. Each
/// refused field is set aside and the rest checked again; empty when the input is valid.
pub fn problems(input: &LeadInput, region: Region) -> Vec<Error> {
    let mut rest = input.clone();
    let mut found: Vec<Error> = Vec::new();
    // At most one error per field: the loop ends once every field has had its say.
    for _ in 0..=FIELDS {
        let Err(e) = lead(&rest, region) else { break };
        let Some(field) = e.field().map(str::to_owned) else {
            found.push(e);
            break;
        };
        if found.iter().any(|f| f.field() == Some(field.as_str())) || !set_aside(&mut rest, &field) {
            found.push(e);
            break;
        }
        found.push(e);
    }
    found
}

/// How many fields a `LeadInput` has, each refused at most once: [`problems`] checks at most
/// this many times plus the last, passing check.
const FIELDS: usize = 17;

/// Replaces `field` of `input` by a value [`lead`] accepts (absent, or a placeholder name);
/// false for a field it does not know.
fn set_aside(input: &mut LeadInput, field: &str) -> bool {
    match field {
        "name" => input.name = Some("-".into()),
        "email" => input.email = None,
        "phone" => input.phone = None,
        "whatsapp" => input.whatsapp = None,
        "telegram_id" => input.telegram_id = None,
        "telegram_username" => input.telegram_username = None,
        "linkedin_url" => input.linkedin_url = None,
        "source" => input.source = None,
        "budget_min" => input.budget_min = None,
        "budget_max" => input.budget_max = None,
        "locations" => input.locations.clear(),
        "property_type" => input.property_type = None,
        "bedrooms" => input.bedrooms = None,
        "purpose" => input.purpose = None,
        "language" => input.language = None,
        "notes" => input.notes = None,
        "tags" => input.tags.clear(),
        _ => return false,
    }
    true
}

fn check_len(field: &str, value: &str, max: usize) -> Result<()> {
    if value.chars().count() > max {
        return Err(Error::validation(field, format!("{} is longer than {max} characters", field.replace('_', " "))));
    }
    Ok(())
}

/// Trims each item, drops blanks and case-insensitive repeats, keeps the first spelling.
fn text_list(field: &str, items: &[String], max: usize) -> Result<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        let Some(v) = normalize::text(Some(item)) else { continue };
        let v = v.split_whitespace().collect::<Vec<_>>().join(" ");
        check_len(field, &v, MAX_SHORT_TEXT)?;
        if !out.iter().any(|o| o.to_lowercase() == v.to_lowercase()) {
            out.push(v);
        }
    }
    if out.len() > max {
        return Err(Error::validation(field, format!("at most {max} {field} are allowed")));
    }
    Ok(out)
}

/// Splits the command line's and spreadsheets' `"JVC; Dubai Marina"` into areas.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(';').map(str::to_string).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ae() -> Region {
        normalize::region("AE").unwrap()
    }

    fn named(name: &str) -> LeadInput {
        LeadInput { name: Some(name.into()), ..Default::default() }
    }

    #[test]
    fn every_refused_field_is_named_at_once_each_with_its_own_error() {
        let input = LeadInput {
            name: Some("  ".into()),
            email: Some("john.carter@gmail".into()),
            phone: Some("12".into()),
            bedrooms: Some(99),
            budget_min: Some(5),
            budget_max: Some(1),
            ..Default::default()
        };
        let fields: Vec<_> = problems(&input, ae()).iter().map(|e| e.field().unwrap().to_owned()).collect();
        assert_eq!(fields, vec!["name", "email", "phone", "budget_min", "bedrooms"]);
        assert!(problems(&named("Aisha"), ae()).is_empty(), "a valid lead has no problem");
        let whole = LeadInput { email: Some("a@b".into()), ..named("Aisha") };
        assert_eq!(problems(&whole, ae()).len(), 1);
    }

    #[test]
    fn a_blank_name_is_a_validation_error_naming_the_field() {
        for name in [None, Some(""), Some("   \t")] {
            let e = lead(&LeadInput { name: name.map(String::from), ..Default::default() }, ae()).unwrap_err();
            assert_eq!((e.code(), e.field()), ("validation", Some("name")));
        }
    }

    #[test]
    fn a_phone_of_only_spaces_is_absent() {
        let f = lead(&LeadInput { phone: Some("   ".into()), whatsapp: Some("".into()), ..named("Aisha") }, ae()).unwrap();
        assert_eq!((f.phone, f.whatsapp), (None, None));
    }

    #[test]
    fn every_text_field_is_trimmed_and_blank_means_absent() {
        let f = lead(
            &LeadInput {
                name: Some("  Aisha Khan ".into()),
                email: Some("  ".into()),
                notes: Some("\n".into()),
                telegram_username: Some(" ".into()),
                locations: vec![" JVC ".into(), "".into(), "jvc".into(), "Dubai   Marina".into()],
                ..Default::default()
            },
            ae(),
        )
        .unwrap();
        assert_eq!(f.name, "Aisha Khan");
        assert_eq!((f.email, f.notes, f.telegram_username), (None, None, None));
        assert_eq!(f.locations, vec!["JVC", "Dubai Marina"]);
    }

    #[test]
    fn names_lose_control_and_bidi_characters_and_notes_keep_their_lines() {
        let f = lead(
            &LeadInput {
                name: Some("Aisha\n\u{202E}Khan\u{7}".into()),
                notes: Some("line one\r\n\u{202E}line\ttwo\u{1b}".into()),
                locations: vec!["Dubai\nMarina".into()],
                tags: vec!["vip\u{2066}".into()],
                ..Default::default()
            },
            ae(),
        )
        .unwrap();
        assert_eq!(f.name, "Aisha Khan");
        assert_eq!(f.notes.as_deref(), Some("line one\nline\ttwo"));
        assert_eq!((f.locations, f.tags), (vec!["Dubai Marina".to_string()], vec!["vip".to_string()]));
    }

    #[test]
    fn source_defaults_to_manual_and_unknown_enumerations_are_refused() {
        assert_eq!(lead(&named("A"), ae()).unwrap().source, Source::Manual);
        for (input, field) in [
            (LeadInput { source: Some("fax".into()), ..named("A") }, "source"),
            (LeadInput { property_type: Some("castle".into()), ..named("A") }, "property_type"),
            (LeadInput { purpose: Some("lease".into()), ..named("A") }, "purpose"),
            (LeadInput { language: Some("de".into()), ..named("A") }, "language"),
        ] {
            assert_eq!(lead(&input, ae()).unwrap_err().field(), Some(field));
        }
    }

    #[test]
    fn budgets_bedrooms_and_limits_are_checked() {
        let cases = [
            (LeadInput { budget_min: Some(-1), ..named("A") }, "budget_min"),
            (LeadInput { budget_min: Some(3), budget_max: Some(2), ..named("A") }, "budget_min"),
            (LeadInput { bedrooms: Some(21), ..named("A") }, "bedrooms"),
            (LeadInput { bedrooms: Some(-1), ..named("A") }, "bedrooms"),
            (named(&"x".repeat(201)), "name"),
            (LeadInput { notes: Some("n".repeat(10_001)), ..named("A") }, "notes"),
            (LeadInput { locations: (0..21).map(|i| format!("Area {i}")).collect(), ..named("A") }, "locations"),
            (LeadInput { telegram_id: Some(0), ..named("A") }, "telegram_id"),
            (LeadInput { budget_max: Some(normalize::MAX_MONEY + 1), ..named("A") }, "budget_max"),
            (LeadInput { budget_min: Some(i64::MAX), ..named("A") }, "budget_min"),
        ];
        for (input, field) in cases {
            assert_eq!(lead(&input, ae()).unwrap_err().field(), Some(field), "{input:?}");
        }
        let ok = LeadInput { budget_min: Some(0), budget_max: Some(0), bedrooms: Some(20), name: Some("x".repeat(200)), ..Default::default() };
        assert!(lead(&ok, ae()).is_ok());
    }
}
