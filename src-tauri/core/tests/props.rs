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
        let Ok(input) = row_to_input(&cells, &mapping, "import") else { return Ok(()) };
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
                for (_, row) in &t.rows {
                    prop_assert!(had || row.iter().all(|c| !c.contains('\u{FFFD}')), "a replacement character from {:?}", content);
                }
            }
            Err(e) => prop_assert!(e.is_user_error(), "{e}"),
        }
    }
}
