import { describe, expect, it } from 'vitest';
import { telUrl, telegramUrl, whatsappUrl } from '../src/lib/links';

describe('click-to-chat links', () => {
  it('builds tel: links', () => {
    expect(telUrl('+971 50 123 4567')).toBe('tel:+971501234567');
    expect(telUrl(null)).toBeNull();
  });
  it('builds wa.me links from digits only', () => {
    expect(whatsappUrl('+971501234567')).toBe('https://wa.me/971501234567');
    expect(whatsappUrl('')).toBeNull();
  });
  it('builds t.me links only for valid usernames', () => {
    expect(telegramUrl('@sara_rahimi')).toBe('https://t.me/sara_rahimi');
    expect(telegramUrl('bad name/../x')).toBeNull();
  });
});
