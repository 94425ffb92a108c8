import { describe, expect, it } from 'vitest';
import { formatPhone } from '../src/lib/phone';

describe('phone numbers for reading', () => {
  it('groups a UAE mobile as +971 5X XXX XXXX', () => {
    expect(formatPhone('+971501234567')).toBe('+971 50 123 4567');
    expect(formatPhone('+971 50 765 4321')).toBe('+971 50 765 4321');
    expect(formatPhone('+971-55-111-2222')).toBe('+971 55 111 2222');
  });

  it('groups UAE landlines by their one-digit area code', () => {
    expect(formatPhone('+97143216789')).toBe('+971 4 321 6789');
    expect(formatPhone('+97121234567')).toBe('+971 2 123 4567');
    expect(formatPhone('+97165551234')).toBe('+971 6 555 1234');
    expect(formatPhone('+97180012345')).toBe('+971 800 12345');
  });

  it('groups the numbers of other countries it knows, and leaves others as stored', () => {
    expect(formatPhone('+447700900123')).toBe('+44 7700 900123');
    expect(formatPhone('+14155550132')).toBe('+1 415 555 0132');
    expect(formatPhone('+989123456789')).toBe('+98 912 345 6789');
    expect(formatPhone('+966501234567')).toBe('+966 50 123 4567');
    expect(formatPhone('+79123456789')).toBe('+7 912 345 67 89');
    expect(formatPhone('+919876543210')).toBe('+91 98765 43210');
    // A country not in the list, or a length that does not fit: E.164, as stored.
    expect(formatPhone('+4930123456')).toBe('+4930123456');
    expect(formatPhone('+9715012345')).toBe('+9715012345');
  });

  it('gives back anything that is not an international number unchanged', () => {
    expect(formatPhone('0501234567')).toBe('0501234567');
    expect(formatPhone('call me')).toBe('call me');
    expect(formatPhone('+971 50 CALL')).toBe('+971 50 CALL');
    expect(formatPhone('+12')).toBe('+12');
    expect(formatPhone('')).toBe('');
    expect(formatPhone(null)).toBe('');
  });
});
