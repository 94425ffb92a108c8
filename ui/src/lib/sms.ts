/**
 * SMS segments, counted as the carriers (and Rust's `model::lengths`) do: a text of only GSM-7
 * characters (the basic set; the extension table's `€ [ ] { } \ ^ ~ |` and form feed take two
 * septets) is one segment up to 160 septets, else 153 a segment; any other character (an Arabic
 * or Persian letter, an emoji) makes the whole text UCS-2, counted in UTF-16 code units: one
 * segment up to 70, else 67 a segment.
 */

/** The most segments Leadbook sends as one SMS (more is refused for an SMS step). */
export const SMS_MAX_SEGMENTS = 10;

const GSM_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM_EXTENDED = new Set('\f^{}\\[~]|€');

export type SmsEncoding = 'gsm7' | 'ucs2';

function segments(units: number, single: number, each: number): number {
  return units <= single ? 1 : Math.ceil(units / each);
}

/** The encoding, the length in its units (septets or UTF-16 code units) and the segments. */
export function smsLength(text: string): { encoding: SmsEncoding; units: number; segments: number } {
  let septets = 0;
  for (const c of text) {
    if (GSM_BASIC.has(c)) septets += 1;
    else if (GSM_EXTENDED.has(c)) septets += 2;
    else return { encoding: 'ucs2', units: text.length, segments: segments(text.length, 70, 67) };
  }
  return { encoding: 'gsm7', units: septets, segments: segments(septets, 160, 153) };
}

/** The SMS segments `text` takes (an empty text is one). */
export function smsSegments(text: string): number {
  return smsLength(text).segments;
}
