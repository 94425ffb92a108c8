import { describe, expect, it } from 'vitest';
import { mailtoUrl, telUrl, telegramUrl, webUrl, whatsappUrl } from '../src/lib/links';

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
  it('builds mailto: links for one address, and web links only for http(s)', () => {
    expect(mailtoUrl(' sara@example.com ')).toBe('mailto:sara@example.com');
    expect(mailtoUrl('not an address')).toBeNull();
    expect(mailtoUrl('a@b.ae?cc=x@y.ae')).toBeNull();
    expect(webUrl('https://www.linkedin.com/in/sara')).toBe('https://www.linkedin.com/in/sara');
    expect(webUrl('javascript:alert(1)')).toBeNull();
    expect(webUrl('linkedin.com/in/sara')).toBeNull();
  });
});
