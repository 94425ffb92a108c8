import { describe, expect, it } from 'vitest';
import { setLanguage } from '../src/lib/i18n/i18n.svelte';
import { stepOffsetWords } from '../src/lib/stepOffset';

describe('a step’s delay in words', () => {
  it('reads as a person would say it, not "+0 d 1 h"', () => {
    setLanguage('en');
    expect(stepOffsetWords(0)).toBe('At once');
    expect(stepOffsetWords(60)).toBe('After 1 hour');
    expect(stepOffsetWords(3 * 1440)).toBe('After 3 days');
    expect(stepOffsetWords(3 * 1440 + 4 * 60)).toBe('After 3 days and 4 hours');
    expect(stepOffsetWords(90)).toBe('After 1 hour and 30 minutes');
  });

  it('speaks Persian and Arabic, with their digits', () => {
    setLanguage('fa');
    expect(stepOffsetWords(3 * 1440)).toMatch(/^پس از ۳ روز$/);
    setLanguage('ar');
    expect(stepOffsetWords(60)).toMatch(/^بعد /);
    expect(stepOffsetWords(60)).not.toMatch(/[0-9]/);
    setLanguage('en');
  });
});
