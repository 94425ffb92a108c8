//! The text of an imported CSV: which encoding its bytes are in, and the text decoded without
//! a guess ever turning into U+FFFD. UTF-8 (with or without a byte-order mark) and UTF-16
//! (Excel's "Unicode text": a byte-order mark, or none and the NUL bytes of ASCII give the byte
//! order away) are recognised; anything else is a legacy Windows code page, guessed by
//! `chardetng` (Firefox's detector), which tells Windows-1256 (Arabic and Persian Windows) from
//! Windows-1252 (Western Windows). A file that does not decode cleanly in the chosen encoding is
//! refused and the message suggests another: nothing is stored half-decoded.

use crate::error::{Error, Result};
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1256};

/// The encodings the import screen offers besides `auto` (any WHATWG label is accepted too).
pub const CHOICES: &[&str] = &["auto", "utf-8", "utf-16le", "utf-16be", "windows-1256", "windows-1252"];

/// How much of a file the guesses look at.
const SNIFF_BYTES: usize = 1 << 20;

/// Text decoded from a file, and the encoding it was decoded from (`utf-8`, `windows-1256`…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    pub text: String,
    pub encoding: String,
}

/// The lower-case name an encoding is shown and chosen by.
pub fn name(e: &'static Encoding) -> String {
    e.name().to_ascii_lowercase()
}

/// The encoding `choice` names (`auto` is not one: see [`detect`]).
fn by_label(choice: &str) -> Result<&'static Encoding> {
    // `utf-16` alone means little-endian, as Windows writes it.
    let label = if choice.eq_ignore_ascii_case("utf-16") { "utf-16le" } else { choice };
    Encoding::for_label(label.trim().as_bytes())
        .filter(|e| *e != encoding_rs::REPLACEMENT)
        .ok_or_else(|| Error::Usage(format!("unknown encoding '{choice}'; use {}", CHOICES.join(", "))))
}

/// The byte order of UTF-16 without a byte-order mark, told by where the NUL bytes are: ASCII
/// (digits, commas, line ends, Latin names) has a NUL as every other byte, and text in any
/// 8-bit encoding has none.
fn bomless_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(SNIFF_BYTES) & !1];
    let pairs = sample.len() / 2;
    if pairs < 2 {
        return None;
    }
    let (mut even, mut odd) = (0usize, 0usize);
    for p in sample.chunks_exact(2) {
        even += (p[0] == 0) as usize;
        odd += (p[1] == 0) as usize;
    }
    // A fifth of the characters ASCII is plenty for a CSV (its commas and line ends alone).
    if odd * 5 >= pairs && even * 20 <= odd {
        Some(UTF_16LE)
    } else if even * 5 >= pairs && odd * 20 <= even {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// The encoding `bytes` are most likely in, and the length of its byte-order mark.
pub fn detect(bytes: &[u8]) -> (&'static Encoding, usize) {
    if let Some((e, bom)) = Encoding::for_bom(bytes) {
        return (e, bom);
    }
    if let Some(e) = bomless_utf16(bytes) {
        return (e, 0);
    }
    if std::str::from_utf8(bytes).is_ok() {
        return (UTF_8, 0);
    }
    let mut detector = chardetng::EncodingDetector::new();
    let sample = &bytes[..bytes.len().min(SNIFF_BYTES)];
    detector.feed(sample, sample.len() == bytes.len());
    // Not UTF-8 (checked above); a lead sheet from Windows is Arabic, Persian or Western.
    match detector.guess(None, false) {
        e if e == WINDOWS_1256 || e == encoding_rs::ISO_8859_6 => (WINDOWS_1256, 0),
        e => (e, 0),
    }
}

/// Decodes `bytes` (the file `file`) in `choice` (`auto` detects). A byte sequence that is not
/// valid in the encoding is an error naming the encoding and suggesting others; U+FFFD in the
/// text can only have been in the file.
pub fn decode(bytes: Vec<u8>, choice: &str, file: &str) -> Result<Decoded> {
    let (encoding, bom) = if choice.eq_ignore_ascii_case("auto") || choice.trim().is_empty() {
        detect(&bytes)
    } else {
        let e = by_label(choice)?;
        // A byte-order mark of the chosen encoding is not text.
        let bom = match Encoding::for_bom(&bytes) {
            Some((b, len)) if b == e => len,
            _ => 0,
        };
        (e, bom)
    };
    let refused = || {
        let others: Vec<&str> = CHOICES[1..].iter().copied().filter(|c| *c != name(encoding)).collect();
        Error::validation(
            "file",
            format!("{file} is not valid {} text; choose another encoding ({})", name(encoding), others.join(", ")),
        )
    };
    let text = if encoding == UTF_8 {
        // The common case decodes in place: no copy of a large file.
        let mut bytes = bytes;
        bytes.drain(..bom);
        String::from_utf8(bytes).map_err(|_| refused())?
    } else {
        encoding
            .decode_without_bom_handling_and_without_replacement(&bytes[bom..])
            .ok_or_else(refused)?
            .into_owned()
    };
    Ok(Decoded { text, encoding: name(encoding) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use encoding_rs::WINDOWS_1252;

    fn utf16(s: &str, le: bool, bom: bool) -> Vec<u8> {
        let mut out = if bom { if le { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] } } else { vec![] };
        for u in s.encode_utf16() {
            out.extend(if le { u.to_le_bytes() } else { u.to_be_bytes() });
        }
        out
    }

    #[test]
    fn utf8_with_and_without_a_bom_is_utf8() {
        for bytes in [b"\xEF\xBB\xBFName\n".to_vec(), b"Name\n".to_vec()] {
            assert_eq!(decode(bytes, "auto", "x.csv").unwrap(), Decoded { text: "Name\n".into(), encoding: "utf-8".into() });
        }
    }

    #[test]
    fn utf16_is_recognised_by_its_bom_or_its_nuls() {
        let s = "Name\tPhone\nمحمد\t0501234567\n";
        for (le, bom) in [(true, true), (false, true), (true, false), (false, false)] {
            let d = decode(utf16(s, le, bom), "auto", "x.txt").unwrap();
            assert_eq!(d.text, s, "le {le} bom {bom}");
            assert_eq!(d.encoding, if le { "utf-16le" } else { "utf-16be" });
        }
    }

    #[test]
    fn windows_1256_arabic_is_told_from_windows_1252() {
        let arabic = "Name,Phone\nمحمد المنصوري,0501234567\nفاطمة الزهراء,0507654321\nعبدالله,0509999999\n";
        let (bytes, _, bad) = WINDOWS_1256.encode(arabic);
        assert!(!bad);
        let d = decode(bytes.into_owned(), "auto", "x.csv").unwrap();
        assert_eq!((d.text.as_str(), d.encoding.as_str()), (arabic, "windows-1256"));
        let western = "Name,Notes\nJosé Müller,Café crème à Dubaï\nFrançois Léger,très intéressé\n";
        let (bytes, _, _) = WINDOWS_1252.encode(western);
        let d = decode(bytes.into_owned(), "auto", "x.csv").unwrap();
        assert_eq!((d.text.as_str(), d.encoding.as_str()), (western, "windows-1252"));
    }

    #[test]
    fn a_file_that_is_not_valid_in_the_chosen_encoding_is_refused_with_a_suggestion() {
        let e = decode(b"Name\n\xC7\xE1\n".to_vec(), "utf-8", "leads.csv").unwrap_err();
        assert_eq!((e.code(), e.field()), ("validation", Some("file")));
        assert!(e.to_string().contains("leads.csv") && e.to_string().contains("windows-1256"), "{e}");
        assert_eq!(decode(vec![0, 0x41, 0], "utf-16be", "x").unwrap_err().code(), "validation", "an odd byte left over");
        assert_eq!(decode(b"x".to_vec(), "klingon", "x").unwrap_err().code(), "usage");
    }
}
