/** Click-to-chat and call links opened through the system handler. */

/** `tel:+971501234567`; null when there are no digits. */
export function telUrl(phone: string | null | undefined): string | null {
  if (!phone) return null;
  const digits = phone.replace(/[^\d]/g, '');
  if (!digits) return null;
  return `tel:${phone.trim().startsWith('+') ? '+' : ''}${digits}`;
}

/** `https://wa.me/971501234567` (digits only, as WhatsApp wants). */
export function whatsappUrl(number: string | null | undefined): string | null {
  if (!number) return null;
  const digits = number.replace(/[^\d]/g, '');
  return digits ? `https://wa.me/${digits}` : null;
}

/** `https://t.me/<username>`; null unless it is a valid Telegram username. */
export function telegramUrl(username: string | null | undefined): string | null {
  if (!username) return null;
  const name = username.trim().replace(/^@/, '');
  return /^[A-Za-z][A-Za-z0-9_]{3,31}$/.test(name) ? `https://t.me/${name}` : null;
}

/** `mailto:aisha@example.ae`; null unless it looks like one address. */
export function mailtoUrl(email: string | null | undefined): string | null {
  const address = email?.trim();
  if (!address || !/^[^\s@/?#]+@[^\s@/?#]+$/.test(address)) return null;
  return `mailto:${encodeURI(address)}`;
}

/** A profile's web address (LinkedIn) as it is, when it is http(s); null otherwise. */
export function webUrl(url: string | null | undefined): string | null {
  const u = url?.trim();
  if (!u || !/^https?:\/\/[^\s/]+/i.test(u) || /\s/.test(u)) return null;
  return u;
}
