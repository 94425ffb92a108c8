//! Property tests of what turns a file into leads: the decoder and the row mapper take
//! anything without panicking and keep their invariants. A few thousand cases by default;
//! `PROPTEST_CASES` raises (or lowers) it.

use leadbook_core::transfer::decode::{self, Decoded};
use leadbook_core::transfer::export::neutralise;
use leadbook_core::transfer::import::{self, row_to_input, unneutralise, Field};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2_000);
    ProptestConfig { cases, failure_persistence: None, ..ProptestConfig::default() }
}

const FIELDS: [Field; 20] = [
    Field::Name, Field::FirstName, Field::LastName, Field::Email, Field::Phone, Field::Whatsapp, Field::TelegramUsername,
    Field::LinkedinUrl, Field::Source, Field::BudgetMin, Field::BudgetMax, Field::Locations, Field::PropertyType,
    Field::Bedrooms, Field::Purpose, Field::Language, Field::Notes, Field::Company, Field::Position, Field::Tags,
];

fn field() -> impl Strategy<Value = Option<Field>> {
    prop_oneof![Just(None), (0..FIELDS.len()).prop_map(|i| Some(FIELDS[i]))]
}

/// Cells as sheets have them: blank, padded, numbers, amounts, Arabic, anything.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[ ]{0,2}[a-zA-Z0-9@.+'=-]{1,12}[ ]{0,2}",
        "[0-9]{1,3}(,[0-9]{3}){0,3}( ?[kKmM])?",
        "[ء-ي ]{1,12}",
        any::<String>(),
    ]
}

/// The encoded form of U+FFFD in `encoding`, if it has one.
fn replacement_in(encoding: &str) -> Option<&'static [u8]> {
    match encoding {
        "utf-8" => Some(b"\xEF\xBF\xBD"),
        "utf-16le" => Some(b"\xFD\xFF"),
        "utf-16be" => Some(b"\xFF\xFD"),
        _ => None,
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn decoding_any_bytes_never_panics_and_never_invents_a_replacement_character(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        for choice in decode::CHOICES {
            match decode::decode(bytes.clone(), choice, "x.csv") {
                Ok(Decoded { text, encoding }) => {
                    if text.contains('\u{FFFD}') {
                        let pattern = replacement_in(&encoding);
                        prop_assert!(pattern.is_some_and(|p| bytes.windows(p.len()).any(|w| w == p)), "{encoding} made U+FFFD from {bytes:?}");
                    }
                }
                Err(e) => prop_assert!(matches!(e.code(), "validation"), "{choice}: {e}"),
            }
        }
    }

    #[test]
    fn text_written_as_utf8_or_utf16_with_a_bom_decodes_back_exactly(text in any::<String>()) {
        let mut utf8 = b"\xEF\xBB\xBF".to_vec();
        utf8.extend(text.as_bytes());
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        for (bytes, encoding) in [(utf8, "utf-8"), (le, "utf-16le"), (be, "utf-16be")] {
            let d = decode::decode(bytes, "auto", "x.csv").unwrap();
            prop_assert_eq!((d.text.as_str(), d.encoding.as_str()), (text.as_str(), encoding));
        }
    }

    /// Except a cell that itself begins with `'` and a formula character, which the export
    /// writes as it is and the import cannot tell from a neutralised one.
    #[test]
    fn a_neutralised_cell_reads_back_as_it_was(cell in any::<String>().prop_filter("not itself neutralised-looking", |c| unneutralise(c) == c)) {
        let exported = neutralise(&cell);
        prop_assert_eq!(unneutralise(&exported), cell.as_str());
    }

    #[test]
    fn mapping_any_row_never_panics_and_takes_every_field_from_its_cells(
        cells in proptest::collection::vec(cell(), 0..24),
        mapping in proptest::collection::vec(field(), 0..24),
    ) {
        let row: leadbook_core::transfer::import::Cells = cells.iter().collect();
        prop_assert_eq!(row.to_vec(), cells.clone());
        let Ok(input) = row_to_input(&row, &mapping, "import") else { return Ok(()) };
        let from = |f: Field| -> Vec<String> {
            mapping.iter().enumerate().filter(|(_, m)| **m == Some(f)).filter_map(|(i, _)| cells.get(i)).map(|c| c.trim().to_string()).filter(|c| !c.is_empty()).collect()
        };
        let single = [
            (Field::Email, &input.email), (Field::Phone, &input.phone), (Field::Whatsapp, &input.whatsapp),
            (Field::TelegramUsername, &input.telegram_username), (Field::LinkedinUrl, &input.linkedin_url),
            (Field::PropertyType, &input.property_type), (Field::Purpose, &input.purpose), (Field::Language, &input.language),
        ];
        for (f, value) in single {
            if let Some(v) = value {
                prop_assert!(from(f).contains(v), "{f:?} = {v:?} is none of its cells");
            }
        }
        let source = input.source.clone().unwrap_or_default();
        prop_assert!(source == "import" || from(Field::Source).contains(&source), "source {source:?}");
        if let Some(name) = &input.name {
            let (first, last) = (from(Field::FirstName), from(Field::LastName));
            let composed = first.iter().any(|f| name.starts_with(f.as_str())) || last.iter().any(|l| name.ends_with(l.as_str()));
            prop_assert!(from(Field::Name).contains(name) || composed, "name {name:?}");
        }
        if let Some(notes) = &input.notes {
            for line in notes.split('\n') {
                let cells: Vec<String> = cells.iter().map(|c| c.trim().to_string()).collect();
                prop_assert!(cells.iter().any(|c| !c.is_empty() && (line.contains(c.as_str()) || c.contains(line))), "note line {line:?}");
            }
        }
    }

    #[test]
    fn reading_any_csv_bytes_answers_a_table_or_a_user_error(bytes in proptest::collection::vec(any::<u8>(), 0..600), header in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("any.csv");
        let mut content = if header { b"Name,Phone\n".to_vec() } else { vec![] };
        content.extend(&bytes);
        std::fs::write(&path, &content).unwrap();
        match import::read(&path, "auto") {
            Ok(t) => {
                let had = replacement_in(t.encoding.as_deref().unwrap_or("")).is_some_and(|p| content.windows(p.len()).any(|w| w == p));
                for (_, row) in t.rows.iter() {
                    prop_assert!(had || row.iter().all(|c| !c.contains('\u{FFFD}')), "a replacement character from {:?}", content);
                }
            }
            Err(e) => prop_assert!(e.is_user_error(), "{e}"),
        }
    }
}

// --- The normalisers, the validator and the template renderer (issue #14) ---

use leadbook_core::followups::templates::{self, Context};
use leadbook_core::leads::validate::{self, LeadInput};
use leadbook_core::leads::Lead;
use leadbook_core::listings::properties::Property;
use leadbook_core::model::normalize;
use leadbook_core::model::{Language, ListingPurpose, PropertyStatus};
use leadbook_core::workspace::Workspace;

fn region() -> phonenumber::country::Id {
    normalize::region("AE").unwrap()
}

fn workspace() -> &'static Workspace {
    static WS: std::sync::OnceLock<Workspace> = std::sync::OnceLock::new();
    WS.get_or_init(|| {
        let book = leadbook_core::Book::open_in_memory(std::sync::Arc::new(leadbook_core::FixedClock::at("2026-03-02T08:00:00Z"))).unwrap();
        book.workspace("Default").unwrap()
    })
}

/// Text as people and files have it: Latin, Arabic and Persian with ZWNJ, digits, the
/// characters that break things (controls, bidi overrides and isolates, line breaks), anything.
fn messy() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z0-9 @.+_-]{0,8}",
        "[ء-ي ]{0,6}",
        Just("\u{200C}".to_string()),
        Just("\u{202E}".to_string()),
        Just("\u{2067}".to_string()),
        Just("\u{7}".to_string()),
        Just("\r\n".to_string()),
        Just("\t".to_string()),
        Just("\u{0}".to_string()),
        Just("\u{85}".to_string()),
        any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..10).prop_map(|p| p.concat())
}

fn forbidden_in_one_line(c: char) -> bool {
    c.is_control() || normalize::is_bidi_control(c) || matches!(c, '\u{2028}' | '\u{2029}')
}

/// Phone numbers written the ways people write them, and junk.
fn phone_text() -> impl Strategy<Value = String> {
    prop_oneof![
        "(\\+|00)?[0-9]{0,3}[ -]?(\\(0\\))?[0-9 -]{4,14}",
        "0?5[0-9][ -]?[0-9]{3}[ -]?[0-9]{4}",
        "[0-9۰-۹٠-٩ +()-]{0,20}",
        messy(),
    ]
}

fn lead_input() -> impl Strategy<Value = LeadInput> {
    let text = || proptest::option::of(messy());
    (
        (text(), proptest::option::of(prop_oneof!["[a-zA-Z0-9.]{1,8}@[a-z]{1,8}\\.[a-z]{2,3}", messy()]), proptest::option::of(phone_text()), proptest::option::of(phone_text())),
        (proptest::option::of(any::<i64>()), text(), proptest::option::of(prop_oneof!["(HTTPS?://)?(WWW\\.|ae\\.)?[lL][iI][nN][kK][eE][dD][iI][nN]\\.[cC][oO][mM]/[iI][nN]/[a-zA-Z0-9-]{1,12}/?", messy()]), text()),
        (proptest::option::of(any::<i64>()), proptest::option::of(any::<i64>()), proptest::collection::vec(messy(), 0..4), text(), proptest::option::of(-3i64..25)),
        (text(), proptest::option::of(prop_oneof![Just("en".to_string()), Just("fa".to_string()), messy()]), text(), proptest::collection::vec(messy(), 0..4)),
    )
        .prop_map(|((name, email, phone, whatsapp), (telegram_id, telegram_username, linkedin_url, source), (budget_min, budget_max, locations, property_type, bedrooms), (purpose, language, notes, tags))| LeadInput {
            name, email, phone, whatsapp, telegram_id, telegram_username, linkedin_url, source, budget_min, budget_max, locations,
            property_type, bedrooms, purpose, language, notes, tags,
        })
}

fn is_e164(p: &str) -> bool {
    let digits = p.strip_prefix('+').unwrap_or("");
    (8..=16).contains(&p.len()) && !digits.starts_with('0') && digits.chars().all(|c| c.is_ascii_digit())
}

/// A lead with values a template may show: any text but braces and "None" (a value is shown
/// as it is, so one spelling `{name}` would show it), no word that is a variable's name.
fn shown_value() -> impl Strategy<Value = String> {
    messy().prop_map(|s| s.replace(['{', '}'], "").replace("None", "")).prop_filter("no variable names", |s| {
        !s.split(|c: char| !c.is_alphanumeric() && c != '_').any(|w| templates::VARIABLES.contains(&w))
    })
}

fn template_text() -> impl Strategy<Value = String> {
    let var = (0..templates::VARIABLES.len()).prop_map(|i| format!("{{{}}}", templates::VARIABLES[i]));
    let piece = prop_oneof![var, Just("{".to_string()), Just("}".to_string()), Just("{{".to_string()), "\\{[a-z_]{0,8}\\}", messy()];
    proptest::collection::vec(piece, 0..12).prop_map(|p| p.concat().replace("None", ""))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn normalised_one_line_text_has_no_controls_or_bidi_overrides_and_keeps_zwnj(s in messy()) {
        match normalize::text(Some(&s)) {
            Some(t) => {
                prop_assert!(!t.chars().any(forbidden_in_one_line), "{t:?}");
                prop_assert_eq!(t.trim(), t.as_str());
                prop_assert!(!t.is_empty());
                prop_assert_eq!(t.matches('\u{200C}').count(), s.matches('\u{200C}').count(), "ZWNJ is kept");
                prop_assert_eq!(normalize::text(Some(&t)), Some(t.clone()), "normalising twice changes nothing");
            }
            None => prop_assert!(s.chars().all(|c| c.is_whitespace() || forbidden_in_one_line(c)), "{s:?} had text"),
        }
        if let Some(t) = normalize::multiline(Some(&s)) {
            prop_assert!(!t.chars().any(|c| (c.is_control() && c != '\n' && c != '\t') || normalize::is_bidi_control(c)), "{t:?}");
            prop_assert_eq!(normalize::multiline(Some(&t)), Some(t.clone()));
        }
    }

    #[test]
    fn a_phone_number_that_passes_is_e164_and_stays_itself(raw in phone_text()) {
        match normalize::phone("phone", &raw, region()) {
            Ok(p) => {
                prop_assert!(is_e164(&p), "{raw:?} → {p:?}");
                prop_assert_eq!(normalize::phone("phone", &p, region()).ok(), Some(p.clone()));
            }
            Err(e) => prop_assert_eq!((e.code(), e.field()), ("validation", Some("phone"))),
        }
    }

    #[test]
    fn an_email_that_passes_is_lower_case_and_stays_itself(raw in prop_oneof!["[a-zA-Z0-9._%+-]{0,10}@[a-zA-Z0-9.-]{0,10}", messy()]) {
        match normalize::email(&raw) {
            Ok(e) => {
                prop_assert_eq!(e.to_lowercase(), e.clone());
                prop_assert_eq!(e.matches('@').count(), 1);
                prop_assert_eq!(normalize::email(&e).ok(), Some(e.clone()));
            }
            Err(e) => prop_assert_eq!(e.field(), Some("email")),
        }
    }

    #[test]
    fn a_linkedin_url_is_canonical_whatever_the_case_of_its_scheme_and_host(
        scheme in prop_oneof![Just(""), Just("https://"), Just("http://"), Just("HTTPS://"), Just("Http://")],
        host in prop_oneof![Just("linkedin.com"), Just("www.linkedin.com"), Just("WWW.LINKEDIN.COM"), Just("ae.LinkedIn.com")],
        slug in "[a-zA-Z0-9-]{1,20}",
        tail in prop_oneof![Just(""), Just("/"), Just("?trk=x"), Just("/#about")],
        junk in messy(),
    ) {
        let url = format!("{scheme}{host}/in/{slug}{tail}");
        prop_assert_eq!(normalize::linkedin(&url).unwrap(), format!("https://www.linkedin.com/in/{}", slug.to_lowercase()), "{}", url);
        if let Ok(u) = normalize::linkedin(&junk) {
            prop_assert!(u.starts_with("https://www.linkedin.com/in/"));
            prop_assert_eq!(normalize::linkedin(&u).ok(), Some(u.clone()));
        }
    }

    #[test]
    fn validating_any_lead_never_panics_and_what_passes_is_clean(input in lead_input()) {
        match validate::lead(&input, region()) {
            Ok(f) => {
                for one_line in [Some(&f.name), f.email.as_ref(), f.telegram_username.as_ref()].into_iter().flatten().chain(&f.locations).chain(&f.tags) {
                    prop_assert!(!one_line.is_empty() && !one_line.chars().any(forbidden_in_one_line), "{one_line:?}");
                }
                prop_assert!(f.name.chars().count() <= validate::MAX_NAME);
                for p in [&f.phone, &f.whatsapp].into_iter().flatten() {
                    prop_assert!(is_e164(p), "{p:?}");
                }
                for b in [f.budget_min, f.budget_max].into_iter().flatten() {
                    prop_assert!((0..=normalize::MAX_MONEY).contains(&b));
                }
                if let (Some(min), Some(max)) = (f.budget_min, f.budget_max) {
                    prop_assert!(min <= max);
                }
                if let Some(n) = &f.notes {
                    prop_assert!(!n.chars().any(|c| (c.is_control() && c != '\n' && c != '\t') || normalize::is_bidi_control(c)));
                }
                prop_assert!(f.telegram_id.map_or(true, |t| t > 0));
                prop_assert!(f.bedrooms.map_or(true, |b| (0..=20).contains(&b)));
                prop_assert!(f.locations.len() <= validate::MAX_LOCATIONS);
            }
            Err(e) => prop_assert!(e.code() == "validation" && e.field().is_some(), "{e}"),
        }
    }

    #[test]
    fn a_rendered_template_never_shows_a_known_variable_or_none(
        template in template_text(),
        name in shown_value(),
        areas in proptest::collection::vec(shown_value(), 0..3),
        budget in proptest::option::of(0..=normalize::MAX_MONEY),
        price in 1..=normalize::MAX_MONEY,
        title in shown_value(),
        location in shown_value(),
        language in prop_oneof![Just(None), Just(Some(Language::En)), Just(Some(Language::Fa)), Just(Some(Language::Ar))],
        with_property in any::<bool>(),
    ) {
        let at = leadbook_core::clock::parse_time("2026-03-02T08:00:00Z").unwrap();
        let mut lead = Lead::blank(&name, at);
        lead.locations = areas;
        lead.budget_max = budget;
        lead.language = language;
        let property = Property {
            id: 1, title, location, price, property_type: None, bedrooms: None, purpose: ListingPurpose::Sale, permit: None, reference: None,
            status: PropertyStatus::Available, created_at: at, updated_at: at, workspace_id: 1, area_key: String::new(),
        };
        let ctx = Context { lead: &lead, workspace: workspace(), property: with_property.then_some(&property) };
        let out = templates::render(&template, &ctx);
        for var in templates::VARIABLES {
            prop_assert!(!out.contains(&format!("{{{var}}}")), "{{{}}} in {:?} from {:?}", var, out, template);
        }
        prop_assert!(!out.contains("None"), "{out:?}");
        // Every template of the product itself renders.
        for lang in [Language::En, Language::Fa, Language::Ar] {
            let alert = templates::render(templates::property_alert(lang), &ctx);
            prop_assert!(!alert.contains('{') || name.contains('{'), "{alert:?}");
        }
    }
}
