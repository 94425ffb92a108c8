import { describe, expect, it } from 'vitest';
import { SMS_MAX_SEGMENTS, smsLength, smsSegments } from '../src/lib/sms';

describe('smsSegments', () => {
  it('counts GSM-7 texts one segment to 160 septets, then 153 each', () => {
    for (const [n, segs] of [
      [160, 1],
      [161, 2],
      [306, 2],
      [307, 3],
      [1530, 10],
      [1531, 11],
    ]) {
      expect(smsLength('a'.repeat(n)), `${n} GSM characters`).toEqual({ encoding: 'gsm7', units: n, segments: segs });
    }
  });

  it('counts UCS-2 texts one segment to 70 code units, then 67 each', () => {
    for (const [n, segs] of [
      [70, 1],
      [71, 2],
      [134, 2],
      [135, 3],
    ]) {
      expect(smsLength('س'.repeat(n)), `${n} Arabic letters`).toEqual({ encoding: 'ucs2', units: n, segments: segs });
    }
  });

  it('turns the whole text UCS-2 for a single Arabic or Persian letter', () => {
    expect(smsLength(`${'a'.repeat(69)}ب`)).toEqual({ encoding: 'ucs2', units: 70, segments: 1 });
    expect(smsSegments(`${'a'.repeat(70)}ب`)).toBe(2);
    expect(smsSegments(`${'a'.repeat(160)}`)).toBe(1);
    expect(smsLength('گ').encoding).toBe('ucs2');
  });

  it('counts € and [ (the extension table) as two septets', () => {
    expect(smsLength('€')).toEqual({ encoding: 'gsm7', units: 2, segments: 1 });
    expect(smsLength('[')).toEqual({ encoding: 'gsm7', units: 2, segments: 1 });
    expect(smsSegments(`${'a'.repeat(158)}€`)).toBe(1);
    expect(smsSegments(`${'a'.repeat(159)}€`)).toBe(2);
    expect(smsSegments(`${'a'.repeat(305)}[`)).toBe(3);
  });

  it('counts an emoji as two UTF-16 code units, and allows ten segments', () => {
    expect(smsLength('😀')).toEqual({ encoding: 'ucs2', units: 2, segments: 1 });
    expect(smsSegments(`${'a'.repeat(69)}😀`)).toBe(2);
    expect(smsSegments('')).toBe(1);
    expect(SMS_MAX_SEGMENTS).toBe(10);
  });
});
