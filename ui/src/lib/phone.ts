/**
 * Phone numbers for reading. Leads keep their numbers in E.164 (`+971501234567`); a person
 * reads `+971 50 123 4567`. Only the shown text is grouped: links, copies and data keep E.164.
 */

/** How a country's national numbers are grouped: by their length, and optionally their start. */
type Rule = { len: number; start?: RegExp; groups: number[] };

/**
 * The countries an agent in Dubai hears from most, each by its calling code. A number whose
 * country is not here, or whose length does not fit, is shown as stored.
 */
const RULES: Record<string, Rule[]> = {
  // United Arab Emirates: mobiles 5X XXX XXXX, landlines by a one-digit area code
  // (2 Abu Dhabi, 3 Al Ain, 4 Dubai, 6 Sharjah and the north, 7 Ras Al Khaimah, 9 Fujairah),
  // toll-free 800 and premium 600 numbers.
  '971': [
    { len: 9, start: /^5/, groups: [2, 3, 4] },
    { len: 8, start: /^[234679]/, groups: [1, 3, 4] },
    { len: 9, start: /^[68]00/, groups: [3, 3, 3] },
    { len: 8, start: /^800/, groups: [3, 5] },
    { len: 7, start: /^800/, groups: [3, 4] },
  ],
  // Saudi Arabia: mobiles 5X XXX XXXX, landlines 1X XXX XXXX.
  '966': [
    { len: 9, start: /^5/, groups: [2, 3, 4] },
    { len: 8, groups: [1, 3, 4] },
  ],
  // Qatar, Kuwait, Bahrain, Oman: eight digits in two fours.
  '974': [{ len: 8, groups: [4, 4] }],
  '965': [{ len: 8, groups: [4, 4] }],
  '973': [{ len: 8, groups: [4, 4] }],
  '968': [{ len: 8, groups: [4, 4] }],
  // Iran: 912 345 6789 (mobiles), 21 1234 5678 (Tehran).
  '98': [
    { len: 10, start: /^9/, groups: [3, 3, 4] },
    { len: 10, groups: [2, 4, 4] },
  ],
  // United Kingdom: 7700 900123 (mobiles), 20 7946 0958 (London).
  '44': [
    { len: 10, start: /^7/, groups: [4, 6] },
    { len: 10, start: /^2/, groups: [2, 4, 4] },
    { len: 10, groups: [4, 6] },
  ],
  // North America: 415 555 0132.
  '1': [{ len: 10, groups: [3, 3, 4] }],
  // Russia and Kazakhstan: 912 345 67 89.
  '7': [{ len: 10, groups: [3, 3, 2, 2] }],
  // India: 98765 43210.
  '91': [{ len: 10, groups: [5, 5] }],
  // Pakistan: 300 1234567.
  '92': [{ len: 10, start: /^3/, groups: [3, 7] }],
  // Egypt: 10 1234 5678 (mobiles).
  '20': [{ len: 10, start: /^1/, groups: [2, 4, 4] }],
  // France: 6 12 34 56 78.
  '33': [{ len: 9, groups: [1, 2, 2, 2, 2] }],
  // China: 139 1234 5678 (mobiles).
  '86': [{ len: 11, start: /^1/, groups: [3, 4, 4] }],
};

/** The calling codes above, longest first, so `+971…` is not read as `+97…`. */
const CODES = Object.keys(RULES).sort((a, b) => b.length - a.length);

function group(digits: string, sizes: number[]): string {
  const out: string[] = [];
  let at = 0;
  for (const n of sizes) {
    out.push(digits.slice(at, at + n));
    at += n;
  }
  return out.join(' ');
}

/**
 * `+971501234567` → `+971 50 123 4567`. A number written with spaces, dashes or brackets is
 * grouped the same way; anything that is not a whole international number (no `+`, letters,
 * too short), and a country or length not known here, comes back as it was given.
 */
export function formatPhone(phone: string | null | undefined): string {
  if (!phone) return '';
  const trimmed = phone.trim();
  if (!/^\+[\d\s().-]+$/.test(trimmed)) return phone;
  const digits = trimmed.slice(1).replace(/[\s().-]/g, '');
  if (digits.length < 7 || digits.length > 15) return phone;
  for (const code of CODES) {
    if (!digits.startsWith(code)) continue;
    const national = digits.slice(code.length);
    const rule = RULES[code].find((r) => r.len === national.length && (!r.start || r.start.test(national)));
    return rule ? `+${code} ${group(national, rule.groups)}` : `+${digits}`;
  }
  return `+${digits}`;
}
