import { describe, expect, it } from 'vitest';
import { zoneName } from '../src/lib/zoneName';

describe('time-zone names', () => {
  it("say the zone in the agent's language with its city, never the bare IANA id", () => {
    expect(zoneName('Asia/Dubai', 'en')).toBe('Gulf Standard Time — Dubai');
    expect(zoneName('Asia/Dubai', 'fa')).toContain('خلیج');
    expect(zoneName('Asia/Dubai', 'ar')).toContain('الخليج');
    // Two zones with one name are told apart by their cities.
    expect(zoneName('Asia/Muscat', 'en')).toBe('Gulf Standard Time — Muscat');
  });

  it('falls back to the id for a zone the platform does not know', () => {
    expect(zoneName('Not/A_Zone', 'en')).toBe('Not/A Zone');
  });
});
