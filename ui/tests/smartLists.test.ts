import { describe, expect, it } from 'vitest';
import { filtersToQuery, hasFilter, queryToFilters } from '../src/lib/smartLists';

describe('smart lists', () => {
  it('saves the screen’s filter as a query and opens it back as the same filter', () => {
    const f = { grade: 'A' as const, search: 'jvc' };
    expect(filtersToQuery(f)).toEqual({ grade: 'A', search: 'jvc' });
    expect(queryToFilters(filtersToQuery(f))).toEqual(f);
  });
  it('offers saving only when a filter is set', () => {
    expect(hasFilter({})).toBe(false);
    expect(hasFilter({ search: '  ' })).toBe(false);
    expect(hasFilter({ status: 'new' })).toBe(true);
  });
});
