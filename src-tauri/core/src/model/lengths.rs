//! How long a message may be on each channel (SPEC §6, issue #14): an SMS of more than
//! [`SMS_MAX_SEGMENTS`] segments is not sent, nor a Telegram or WhatsApp text of more than
//! 4 096 characters. SMS segments are counted as the carriers do: a text of only GSM-7
//! characters (the basic set; the extension table's `€ [ ] { } \ ^ ~ |` and form feed count two
//! septets) is one segment up to 160 septets, else 153 per segment; any other character (an
//! Arabic or Persian letter, an emoji) makes the whole text UCS-2: 70 UTF-16 code units in one
//! segment, else 67 per segment. The UI counts the same way (`ui/src/lib/sms.ts`).

/// Telegram's limit on a message's text, in characters.
pub const TELEGRAM_MAX: usize = 4096;
/// WhatsApp's limit on a text message's body, in characters.
pub const WHATSAPP_MAX: usize = 4096;
/// The most segments Leadbook sends as one SMS.
pub const SMS_MAX_SEGMENTS: usize = 10;

/// GSM 03.38's basic character set.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// Its extension table: each takes an escape and the character, two septets.
const GSM_EXTENDED: &str = "\u{000C}^{}\\[~]|€";

/// How a text would travel by SMS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsEncoding {
    Gsm7,
    Ucs2,
}

/// The encoding, the length in its units (septets or UTF-16 code units) and the segments of
/// `text` sent as an SMS. An empty text is one segment.
pub fn sms_length(text: &str) -> (SmsEncoding, usize, usize) {
    let mut septets = 0;
    for c in text.chars() {
        if GSM_BASIC.contains(c) {
            septets += 1;
        } else if GSM_EXTENDED.contains(c) {
            septets += 2;
        } else {
            let units = text.encode_utf16().count();
            return (SmsEncoding::Ucs2, units, segments(units, 70, 67));
        }
    }
    (SmsEncoding::Gsm7, septets, segments(septets, 160, 153))
}

fn segments(units: usize, single: usize, each: usize) -> usize {
    if units <= single {
        1
    } else {
        units.div_ceil(each)
    }
}

/// The SMS segments `text` takes.
pub fn sms_segments(text: &str) -> usize {
    sms_length(text).2
}

/// Characters, as Telegram and WhatsApp count a text's length.
pub fn chars(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gsm_texts_are_one_segment_to_160_then_153_each() {
        for (n, segs) in [(0, 1), (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (1530, 10), (1531, 11)] {
            assert_eq!(sms_length(&"a".repeat(n)), (SmsEncoding::Gsm7, n, segs), "{n} GSM characters");
        }
    }

    #[test]
    fn an_extension_character_counts_two_septets() {
        assert_eq!(sms_length("€"), (SmsEncoding::Gsm7, 2, 1));
        assert_eq!(sms_length("["), (SmsEncoding::Gsm7, 2, 1));
        assert_eq!(sms_segments(&format!("{}€", "a".repeat(158))), 1);
        assert_eq!(sms_segments(&format!("{}€", "a".repeat(159))), 2, "159 + 2 septets = 161");
        assert_eq!(sms_segments(&format!("{}[", "a".repeat(305))), 3, "305 + 2 septets = 307");
    }

    #[test]
    fn ucs2_texts_are_one_segment_to_70_then_67_each() {
        for (n, segs) in [(70, 1), (71, 2), (134, 2), (135, 3), (670, 10), (671, 11)] {
            assert_eq!(sms_length(&"س".repeat(n)), (SmsEncoding::Ucs2, n, segs), "{n} Arabic letters");
        }
    }

    #[test]
    fn one_arabic_letter_makes_the_whole_text_ucs2() {
        let text = format!("{}ب", "a".repeat(69));
        assert_eq!(sms_length(&text), (SmsEncoding::Ucs2, 70, 1));
        assert_eq!(sms_length(&format!("{}ب", "a".repeat(70))), (SmsEncoding::Ucs2, 71, 2));
        // Persian letters outside Arabic's own block too.
        assert_eq!(sms_length("گ").0, SmsEncoding::Ucs2);
    }

    #[test]
    fn ucs2_counts_utf16_code_units_so_an_emoji_is_two() {
        assert_eq!(sms_length("😀"), (SmsEncoding::Ucs2, 2, 1));
        assert_eq!(sms_segments(&format!("{}😀", "a".repeat(69))), 2, "69 + 2 code units = 71");
    }

    #[test]
    fn telegram_and_whatsapp_count_characters() {
        assert_eq!(chars(&"س".repeat(TELEGRAM_MAX)), 4096);
        assert_eq!(WHATSAPP_MAX, 4096);
    }
}
